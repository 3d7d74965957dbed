#!/usr/bin/env python3
"""Writes TensorFlow V2 checkpoints with real TensorFlow (the test oracle) for the interop suite.

    tf_write_checkpoints.py OUTDIR

For every case it writes OUTDIR/<case>/<prefix>.{index,data-*} plus OUTDIR/<case>/case.json:

    {"prefix": "model.ckpt", "num_data_shards": N, "writer": "...",
     "tensors": [{"name": ..., "dtype": <tf.DType.name>, "shape": [...],
                  "raw": "expected/<k>.bin"            # POD: little-endian element bytes, C order
                  | "strings_b64": [base64, ...],       # DT_STRING, C order
                  "partitioned": bool,
                  # only when partitioned: how TF's Saver saved the slices
                  "partition_axis": k, "slice_specs": ["10 4 0,4:0,4", ...]}]}

Every expected value is what this script fed TensorFlow; before case.json is written the checkpoint
is read back with tf.train.load_checkpoint and must match it exactly (names, dtypes, shapes,
bytes), so a case.json always describes what TensorFlow really wrote. The only values taken
from TensorFlow itself are those it makes up (the object graph of tf.train.Checkpoint, its
save_counter and optimizer state), which are cross-checked where known.

Cases: saver_all_dtypes, savev2_eager, strings, empty, sharded (2 data files, one partitioned
variable split across them), partitioned, object_checkpoint (tf.train.Checkpoint + `checkpoint`
state file), manager (CheckpointManager: state file with timestamps), many_tensors (3004 names,
multi-block index), big (106 MB float32). Besides, OUTDIR/v1/model.ckpt is a legacy V1 checkpoint
(no case.json) that readers must recognise and refuse.

Values are deterministic (fixed seeds, fixed names; only the manager's timestamps vary).
One process, all cases: ~6 s plus ~4 s to import TensorFlow.
"""

import base64
import glob
import json
import os
import shutil
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

try:
    import ml_dtypes  # noqa: E402  (ships with TensorFlow; numpy bfloat16)
    BF16 = ml_dtypes.bfloat16
except ImportError:  # pragma: no cover
    BF16 = tf.bfloat16.as_numpy_dtype

ALL_DTYPES = ["float32", "float64", "float16", "bfloat16", "int8", "int16", "int32", "int64",
              "uint8", "uint16", "uint32", "uint64", "bool", "complex64", "complex128", "string"]

NP_DTYPE = {
    "float32": np.float32, "float64": np.float64, "float16": np.float16, "bfloat16": BF16,
    "int8": np.int8, "int16": np.int16, "int32": np.int32, "int64": np.int64,
    "uint8": np.uint8, "uint16": np.uint16, "uint32": np.uint32, "uint64": np.uint64,
    "bool": np.bool_, "complex64": np.complex64, "complex128": np.complex128,
}

BIG_ELEMENTS = 26_500_000  # float32 -> 106 MB


def log(msg):
    print(msg, flush=True)


# ---------------------------------------------------------------------------------------------
# Values


def bits(dtype, words):
    """An array of `dtype` from raw bit patterns (exact special values: NaN payloads etc.)."""
    uint = {2: np.uint16, 4: np.uint32, 8: np.uint64}[np.dtype(dtype).itemsize]
    return np.array(words, dtype=uint).view(dtype)


def special_values(name, rng):
    """A rank-1 array of edge values for dtype `name`."""
    if name == "float32":
        return bits(np.float32, [
            0x7FC00000,  # nan
            0xFFC00000,  # -nan
            0x7FC00123,  # quiet nan with payload
            0x7F800000, 0xFF800000,  # +-inf
            0x80000000, 0x00000000,  # -0.0, 0.0
            0x00000001, 0x807FFFFF,  # smallest denormal, largest negative denormal
            0x00800000,  # FLT_MIN
            0x7F7FFFFF, 0xFF7FFFFF,  # +-FLT_MAX
            0x3F800000, 0x3EAAAAAB,  # 1.0, 1/3
        ])
    if name == "float64":
        return bits(np.float64, [
            0x7FF8000000000000, 0xFFF8000000000000, 0x7FF800000000BEEF,
            0x7FF0000000000000, 0xFFF0000000000000,
            0x8000000000000000, 0x0000000000000000,
            0x0000000000000001, 0x800FFFFFFFFFFFFF,
            0x0010000000000000, 0x7FEFFFFFFFFFFFFF, 0xFFEFFFFFFFFFFFFF,
            0x3FF0000000000000, 0x3FD5555555555555,
        ])
    if name == "float16":
        return bits(np.float16, [0x7E00, 0xFE00, 0x7C00, 0xFC00, 0x8000, 0x0000, 0x0001, 0x83FF,
                                 0x0400, 0x7BFF, 0xFBFF, 0x3C00, 0x3555])
    if name == "bfloat16":
        return bits(BF16, [0x7FC0, 0xFFC0, 0x7F80, 0xFF80, 0x8000, 0x0000, 0x0001, 0x807F,
                           0x0080, 0x7F7F, 0xFF7F, 0x3F80, 0x3EAB])
    if name in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"):
        info = np.iinfo(NP_DTYPE[name])
        vals = [info.min, info.max, 0, 1, info.max - 1, info.min + 1]
        if info.min < 0:
            vals += [-1, -2]
        return np.array(vals, dtype=NP_DTYPE[name])
    if name == "bool":
        return np.array([True, False, False, True, True], dtype=np.bool_)
    if name in ("complex64", "complex128"):
        ft = np.float32 if name == "complex64" else np.float64
        re = special_values(ft.__name__, rng)
        im = np.roll(re, 3)
        out = np.empty(re.shape, dtype=NP_DTYPE[name])
        out.real, out.imag = re, im  # keeps NaN payloads: plain element copies
        return out
    raise ValueError(name)


def random_values(name, shape, rng):
    if name in ("float32", "float64", "float16"):
        return (rng.standard_normal(shape) * 100).astype(NP_DTYPE[name])
    if name == "bfloat16":
        return (rng.standard_normal(shape) * 100).astype(np.float32).astype(BF16)
    if name == "bool":
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    if name in ("complex64", "complex128"):
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(NP_DTYPE[name])
    if name == "string":
        flat = [bytes(rng.integers(0, 256, size=int(rng.integers(0, 40)), dtype=np.uint8))
                for _ in range(int(np.prod(shape)))]
        return np.array(flat, dtype=object).reshape(shape)
    info = np.iinfo(NP_DTYPE[name])
    return rng.integers(info.min, info.max, size=shape, dtype=NP_DTYPE[name], endpoint=True)


def scalar_value(name):
    return {
        "float32": np.float32(3.5), "float64": np.float64(-2.25), "float16": np.float16(0.099975586),
        "bfloat16": np.array(1.5, dtype=BF16), "int8": np.int8(-7), "int16": np.int16(1234),
        "int32": np.int32(-123456789), "int64": np.int64(-(2**62) - 5),
        "uint8": np.uint8(200), "uint16": np.uint16(65000), "uint32": np.uint32(4000000000),
        "uint64": np.uint64(2**64 - 3), "bool": np.bool_(True),
        "complex64": np.complex64(1.5 - 2.5j), "complex128": np.complex128(-0.125 + 1e300j),
        "string": np.array(b"scalar string", dtype=object),
    }[name]


def to_tensor(name, value):
    """A tf.Tensor holding exactly `value` (no float rounding through Python floats)."""
    value = np.asarray(value)
    if name == "string":
        return tf.constant(value, dtype=tf.string)
    return tf.constant(value, dtype=tf.as_dtype(name))


# ---------------------------------------------------------------------------------------------
# Expected-value bookkeeping


class Case:
    def __init__(self, outdir, name, prefix="model.ckpt"):
        self.name = name
        self.dir = os.path.join(outdir, name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(os.path.join(self.dir, "expected"))
        self.prefix_rel = prefix
        self.prefix = os.path.join(self.dir, prefix)
        self.expected = {}  # name -> dict(dtype, value(np), partitioned, extra)
        self.writer = ""

    def expect(self, tensor_name, dtype, value, **extra):
        assert tensor_name not in self.expected, tensor_name
        value = np.asarray(value)
        if dtype != "string":
            value = value.astype(NP_DTYPE[dtype], copy=False)
        self.expected[tensor_name] = dict(dtype=dtype, value=value, extra=extra)

    def finish(self, expect_shards=None, other_prefixes=()):
        data_files = sorted(glob.glob(glob.escape(self.prefix) + ".data-*"))
        num = len(data_files)
        assert num >= 1, f"{self.name}: no data files"
        for i, f in enumerate(data_files):
            want = f"{self.prefix}.data-{i:05d}-of-{num:05d}"
            assert f == want, f"{self.name}: unexpected data file {f} (want {want})"
        if expect_shards is not None:
            assert num == expect_shards, f"{self.name}: {num} data files, want {expect_shards}"
        leftovers = [p for p in os.listdir(self.dir)
                     if p not in ("expected", "checkpoint")
                     and not any(p.startswith(x + ".") for x in [self.prefix_rel, *other_prefixes])]
        assert not leftovers, f"{self.name}: unexpected files {leftovers}"
        check_against_tf(self, self.prefix)

        tensors = []
        for k, (tname, e) in enumerate(sorted(self.expected.items())):
            v = e["value"]
            t = {"name": tname, "dtype": e["dtype"], "shape": list(v.shape),
                 "partitioned": bool(e["extra"].get("slice_specs"))}
            if e["dtype"] == "string":
                t["strings_b64"] = [base64.b64encode(s).decode("ascii") for s in v.reshape(-1)]
            else:
                rel = f"expected/{k}.bin"
                data = np.ascontiguousarray(v).astype(v.dtype.newbyteorder("<"), copy=False)
                with open(os.path.join(self.dir, rel), "wb") as f:
                    f.write(data.tobytes(order="C"))
                t["raw"] = rel
            for key in ("partition_axis", "slice_specs"):
                if key in e["extra"]:
                    t[key] = e["extra"][key]
            tensors.append(t)
        doc = {"prefix": self.prefix_rel, "num_data_shards": num, "writer": self.writer,
               "tensors": tensors}
        with open(os.path.join(self.dir, "case.json"), "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
        return len(tensors)


def same_bytes(dtype, got, want):
    """Exact equality: bytes for POD dtypes, element-wise bytes for strings."""
    if got.shape != want.shape:
        return f"shape {got.shape} != {want.shape}"
    if dtype == "string":
        g = [bytes(x) for x in got.reshape(-1)]
        w = [bytes(x) for x in want.reshape(-1)]
        if g != w:
            bad = next(i for i in range(len(w)) if g[i] != w[i])
            return f"string element {bad} differs: {g[bad][:40]!r} != {w[bad][:40]!r}"
        return None
    if got.dtype != want.dtype:
        return f"numpy dtype {got.dtype} != {want.dtype}"
    gb, wb = np.ascontiguousarray(got).tobytes(), np.ascontiguousarray(want).tobytes()
    if gb != wb:
        isz = want.dtype.itemsize
        bad = next(i for i in range(0, len(wb), isz) if gb[i:i + isz] != wb[i:i + isz]) // isz
        return (f"element {bad} (flat) differs: {gb[bad*isz:(bad+1)*isz].hex()} != "
                f"{wb[bad*isz:(bad+1)*isz].hex()}")
    return None


def check_against_tf(case, prefix):
    """Reads the checkpoint back with TF: it must hold exactly the expected tensors."""
    reader = tf.train.load_checkpoint(prefix)
    dtypes = reader.get_variable_to_dtype_map()
    shapes = reader.get_variable_to_shape_map()
    assert set(dtypes) == set(case.expected), (
        f"{case.name}: TF sees {sorted(set(dtypes) ^ set(case.expected))} differently")
    for name, e in case.expected.items():
        assert dtypes[name].name == e["dtype"], f"{case.name}/{name}: dtype {dtypes[name].name}"
        assert list(shapes[name]) == list(e["value"].shape), f"{case.name}/{name}: shape"
        got = np.asarray(reader.get_tensor(name))
        if e["dtype"] == "string":
            got = np.asarray(got, dtype=object)
        problem = same_bytes(e["dtype"], got, e["value"])
        assert problem is None, f"{case.name}/{name}: {problem}"


def record_all_from_tf(case, known):
    """For checkpoints whose contents TF makes up (object graphs): takes every tensor from TF's
    reader, after checking the ones whose values we know."""
    reader = tf.train.load_checkpoint(case.prefix)
    for name, dt in sorted(reader.get_variable_to_dtype_map().items()):
        value = np.asarray(reader.get_tensor(name))
        if dt.name == "string":
            value = np.asarray(value, dtype=object)
        if name in known:
            problem = same_bytes(dt.name, value, np.asarray(known[name]).astype(value.dtype))
            assert problem is None, f"{case.name}/{name}: {problem}"
        case.expect(name, dt.name, value)
    missing = set(known) - set(case.expected)
    assert not missing, f"{case.name}: TF did not save {sorted(missing)}"


# ---------------------------------------------------------------------------------------------
# Cases


def graph_session(graph, cpus=1):
    config = tf.compat.v1.ConfigProto(device_count={"CPU": cpus})
    return tf.compat.v1.Session(graph=graph, config=config)


def case_saver_all_dtypes(outdir):
    """tf.compat.v1 graph + Saver (not sharded): every dtype as variables, ranks 0-4."""
    case = Case(outdir, "saver_all_dtypes")
    case.writer = "tf.compat.v1.train.Saver (graph, sharded=False), resource variables"
    rng = np.random.default_rng(1234)
    ranks = [[3, 4], [2, 3, 4], [2, 1, 3, 2], [5]]
    g = tf.Graph()
    with g.as_default():
        var_list = []
        for i, dt in enumerate(ALL_DTYPES):
            vals = {"scalar": scalar_value(dt),
                    "random": random_values(dt, ranks[i % len(ranks)], rng)}
            if dt != "string":
                vals["special"] = special_values(dt, rng)
            else:
                vals["special"] = np.array([b"", b"a", b"\x00\xff\x80", "ü€".encode()], dtype=object)
            with tf.compat.v1.variable_scope(f"dtypes/{dt}"):
                for kind, v in vals.items():
                    var = tf.compat.v1.get_variable(kind, initializer=to_tensor(dt, v),
                                                    use_resource=True)
                    var_list.append(var)
                    case.expect(var.op.name, dt, v)
        # A few names that exercise sorting / key prefix compression in the index.
        for name in ["a", "a/b", "a_b", "ab", "Z", "layer-1/kernel", "layer-10/kernel"]:
            v = random_values("float32", [2], rng)
            var = tf.compat.v1.get_variable(name, initializer=to_tensor("float32", v))
            var_list.append(var)
            case.expect(var.op.name, "float32", v)
        saver = tf.compat.v1.train.Saver(var_list, sharded=False)
        with graph_session(g) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            saver.save(sess, case.prefix, write_meta_graph=False, write_state=False)
    return case.finish(expect_shards=1)


def case_savev2_eager(outdir):
    """tf.raw_ops.SaveV2 (eager): every dtype, the path TF2 code takes without variables."""
    case = Case(outdir, "savev2_eager")
    case.writer = "tf.raw_ops.SaveV2 (eager)"
    rng = np.random.default_rng(99)
    names, tensors = [], []
    for dt in ALL_DTYPES:
        v = random_values(dt, [3, 2], rng) if dt == "string" else special_values(dt, rng)
        names.append(f"t_{dt}")
        tensors.append(to_tensor(dt, v))
        case.expect(f"t_{dt}", dt, v)
    # Saved in an order unlike the sorted one: data file order != index order.
    order = list(reversed(range(len(names))))
    tf.raw_ops.SaveV2(prefix=case.prefix, tensor_names=[names[i] for i in order],
                      shape_and_slices=[""] * len(names), tensors=[tensors[i] for i in order])
    return case.finish(expect_shards=1)


def case_strings(outdir):
    case = Case(outdir, "strings")
    case.writer = "tf.compat.v1.train.Saver (graph), string variables"
    rng = np.random.default_rng(7)
    long_string = bytes(rng.integers(0, 256, size=1 << 20, dtype=np.uint8))  # 1 MiB, binary
    values = {
        "scalar_empty": np.array(b"", dtype=object),
        "scalar_ascii": np.array(b"hello, checkpoint", dtype=object),
        "scalar_long_1mb": np.array(long_string, dtype=object),
        "binary": np.array([b"\x00", b"\xff", b"\x00\xff\x00", b"a\x00b", bytes(range(256))],
                           dtype=object),
        "non_utf8": np.array([b"\xc3\x28", b"\xa0\xa1", b"\xf0\x28\x8c\xbc", b"\xfe\xfe\xff\xff"],
                             dtype=object),
        "utf8": np.array(["grüße".encode(), "日本語".encode(), "🙂".encode()], dtype=object),
        "empty_vector": np.array([], dtype=object),
        "empties": np.array([b"", b"", b""], dtype=object),
        "lengths": np.array([b"x" * n for n in (0, 1, 127, 128, 255, 16383, 16384, 70000)],
                            dtype=object),  # varint length boundaries
        "matrix": random_values("string", [4, 3], rng),
    }
    g = tf.Graph()
    with g.as_default():
        var_list = []
        for name, v in values.items():
            var = tf.compat.v1.get_variable(name, initializer=to_tensor("string", v))
            var_list.append(var)
            case.expect(name, "string", v)
        saver = tf.compat.v1.train.Saver(var_list)
        with graph_session(g) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            saver.save(sess, case.prefix, write_meta_graph=False, write_state=False)
    return case.finish(expect_shards=1)


def case_empty(outdir):
    case = Case(outdir, "empty")
    case.writer = "tf.compat.v1.train.Saver (graph)"
    g = tf.Graph()
    with g.as_default():
        var_list = []
        for dt in ("float32", "int32", "int64", "float64"):
            for shape in ([0], [3, 0], [0, 5, 2]):
                name = f"{dt}_" + "x".join(map(str, shape))
                v = np.zeros(shape, dtype=NP_DTYPE[dt])
                var = tf.compat.v1.get_variable(name, initializer=to_tensor(dt, v))
                var_list.append(var)
                case.expect(name, dt, v)
        # A non-empty neighbour so empty tensors sit between real data.
        v = np.arange(6, dtype=np.float32).reshape(2, 3)
        var_list.append(tf.compat.v1.get_variable("nonempty", initializer=v))
        case.expect("nonempty", "float32", v)
        saver = tf.compat.v1.train.Saver(var_list)
        with graph_session(g) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            saver.save(sess, case.prefix, write_meta_graph=False, write_state=False)
    return case.finish(expect_shards=1)


def case_sharded(outdir):
    """Saver(sharded=True) over variables on two CPU devices -> two data files, merged index."""
    case = Case(outdir, "sharded")
    case.writer = ("tf.compat.v1.train.Saver(sharded=True), variables on /cpu:0 and /cpu:1, "
                   "one partitioned across both")
    rng = np.random.default_rng(5)
    g = tf.Graph()
    with g.as_default():
        var_list = []
        for dev in (0, 1):
            with tf.device(f"/cpu:{dev}"):
                for j, dt in enumerate(["float32", "int64", "string", "float64"]):
                    name = f"dev{dev}/var{j}_{dt}"
                    v = random_values(dt, [dev + 2, 3], rng)
                    var = tf.compat.v1.get_variable(name, initializer=to_tensor(dt, v))
                    var_list.append(var)
                    case.expect(name, dt, v)
        # A partitioned variable whose slices sit on both devices: the merged index must append
        # the slices of one tensor coming from different shards.
        placed = []

        def alternate(op):
            if op.type in ("VarHandleOp", "VariableV2"):
                placed.append(op.name)
                return f"/cpu:{(len(placed) - 1) % 2}"
            return ""

        v = random_values("float32", [7, 3], rng)
        with g.device(alternate):
            pv = tf.compat.v1.get_variable(
                "split/across_devices", shape=[7, 3], dtype=tf.float32,
                initializer=part_initializer(v),
                partitioner=tf.compat.v1.fixed_size_partitioner(3))
        devices = [p.device for p in pv]
        assert len(set(devices)) == 2, f"sharded: slices on {devices}"
        var_list.append(pv)
        case.expect("split/across_devices", "float32", v, partition_axis=0,
                    slice_specs=[p._save_slice_info.spec for p in pv])
        saver = tf.compat.v1.train.Saver(var_list, sharded=True)
        with graph_session(g, cpus=2) as sess:
            devices = [d.name for d in sess.list_devices() if d.device_type == "CPU"]
            assert len(devices) == 2, f"sharded: session has CPU devices {devices}"
            sess.run(tf.compat.v1.global_variables_initializer())
            saver.save(sess, case.prefix, write_meta_graph=False, write_state=False)
    return case.finish(expect_shards=2)


def part_initializer(full):
    """Initializer giving each partition its part of `full`."""
    def init(shape, dtype=None, partition_info=None):
        offset = partition_info.var_offset if partition_info is not None else [0] * len(shape)
        index = tuple(slice(o, o + n) for o, n in zip(offset, shape))
        return tf.constant(full[index], dtype=dtype)
    return init


def case_partitioned(outdir):
    """get_variable + fixed_size_partitioner(3), along axis 0 and axis 1, saved by Saver."""
    case = Case(outdir, "partitioned")
    case.writer = "tf.compat.v1.train.Saver, get_variable(partitioner=fixed_size_partitioner(3))"
    rng = np.random.default_rng(11)
    specs = [("part_axis0", "float32", [10, 4], 0),
             ("scope/part_axis1", "int64", [5, 7], 1),
             ("part_axis0_3d", "float64", [8, 2, 3], 0)]
    g = tf.Graph()
    with g.as_default():
        var_list = []
        for name, dt, shape, axis in specs:
            v = random_values(dt, shape, rng)
            pv = tf.compat.v1.get_variable(
                name, shape=shape, dtype=tf.as_dtype(dt), initializer=part_initializer(v),
                partitioner=tf.compat.v1.fixed_size_partitioner(3, axis=axis))
            parts = list(pv)
            assert len(parts) == 3, f"partitioned {name}: {len(parts)} parts"
            slice_specs = [p._save_slice_info.spec for p in parts]
            var_list.append(pv)
            case.expect(name, dt, v, partition_axis=axis, slice_specs=slice_specs)
        v = random_values("float32", [3], rng)
        var_list.append(tf.compat.v1.get_variable("plain", initializer=v))
        case.expect("plain", "float32", v)
        saver = tf.compat.v1.train.Saver(var_list)
        with graph_session(g) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            saver.save(sess, case.prefix, write_meta_graph=False, write_state=False)
    return case.finish(expect_shards=1)


def build_object_checkpoint_objects(seed=21):
    """The object graph of case `object_checkpoint` (also used by tf_read_checkpoints.py to
    restore a tfmodel-written copy through tf.train.Checkpoint). Returns (checkpoint, known)."""
    rng = np.random.default_rng(seed)

    class Dense(tf.Module):
        def __init__(self, n_in, n_out, name):
            super().__init__(name=name)
            self.kernel = tf.Variable(rng.standard_normal([n_in, n_out]).astype(np.float32),
                                      name="kernel")
            self.bias = tf.Variable(np.zeros([n_out], np.float32), name="bias")

    class Model(tf.Module):
        def __init__(self):
            super().__init__(name="model")
            self.layers = [Dense(4, 3, "dense0"), Dense(3, 2, "dense1")]
            self.step = tf.Variable(np.int64(42), name="step")
            self.vocab = tf.Variable(np.array([b"alpha", b"", b"\xff\x00"], dtype=object),
                                     name="vocab")

    v = tf.Variable(np.array([1.0, -2.0, 0.5], np.float32), name="v")
    model = Model()
    optimizer = tf.compat.v1.train.AdamOptimizer(learning_rate=0.1)
    ckpt = tf.train.Checkpoint(v=v, model=model, optimizer=optimizer)
    known = {
        "v/.ATTRIBUTES/VARIABLE_VALUE": v.numpy(),
        "model/step/.ATTRIBUTES/VARIABLE_VALUE": model.step.numpy(),
        "model/vocab/.ATTRIBUTES/VARIABLE_VALUE": model.vocab.numpy(),
    }
    return ckpt, model, v, optimizer, known


def case_object_checkpoint(outdir):
    case = Case(outdir, "object_checkpoint", prefix="ckpt-1")
    case.writer = "tf.train.Checkpoint(v, model=tf.Module, optimizer=AdamOptimizer).save()"
    ckpt, model, v, optimizer, known = build_object_checkpoint_objects()
    # One optimizer step so slot variables (m, v) and beta powers exist with non-zero values.
    with tf.GradientTape() as tape:
        x = tf.constant([[1.0, 2.0, 3.0, 4.0]])
        for layer in model.layers:
            x = tf.matmul(x, layer.kernel) + layer.bias
        loss = tf.reduce_sum(x * x) + tf.reduce_sum(v * v)
    params = [v] + [p for layer in model.layers for p in (layer.kernel, layer.bias)]
    optimizer.apply_gradients(zip(tape.gradient(loss, params), params))
    known["v/.ATTRIBUTES/VARIABLE_VALUE"] = v.numpy()
    path = ckpt.save(os.path.join(case.dir, "ckpt"))
    assert path == case.prefix, (path, case.prefix)
    record_all_from_tf(case, known)
    assert "_CHECKPOINTABLE_OBJECT_GRAPH" in case.expected
    assert any(".OPTIMIZER_SLOT" in n for n in case.expected), sorted(case.expected)
    assert os.path.exists(os.path.join(case.dir, "checkpoint"))
    return case.finish(expect_shards=1)


def case_manager(outdir):
    """tf.train.CheckpointManager(max_to_keep=2), three saves: the state file has timestamps and
    lists ckpt-2 and ckpt-3; ckpt-1 is deleted. The case is the latest checkpoint."""
    case = Case(outdir, "manager", prefix="ckpt-3")
    case.writer = "tf.train.CheckpointManager(max_to_keep=2).save() x3"
    step = tf.Variable(np.int64(0), name="step")
    w = tf.Variable(np.zeros([2, 2], np.float32), name="w")
    ckpt = tf.train.Checkpoint(step=step, w=w)
    manager = tf.train.CheckpointManager(ckpt, case.dir, max_to_keep=2)
    for i in range(1, 4):
        step.assign(i * 10)
        w.assign(np.full([2, 2], i, np.float32))
        manager.save()
    assert manager.latest_checkpoint == case.prefix, manager.latest_checkpoint
    assert not glob.glob(os.path.join(case.dir, "ckpt-1.*")), "ckpt-1 not deleted"
    state = tf.train.get_checkpoint_state(case.dir)
    assert len(state.all_model_checkpoint_timestamps) == 2, state
    record_all_from_tf(case, {"step/.ATTRIBUTES/VARIABLE_VALUE": np.int64(30),
                              "w/.ATTRIBUTES/VARIABLE_VALUE": np.full([2, 2], 3, np.float32)})
    return case.finish(expect_shards=1, other_prefixes=["ckpt-2"])


def write_v1_checkpoint(outdir):
    """Not a case (no case.json): OUTDIR/v1/model.ckpt in the legacy V1 format, which tfmodel
    must recognise and refuse with a message saying so."""
    d = os.path.join(outdir, "v1")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    g = tf.Graph()
    with g.as_default():
        v = tf.compat.v1.get_variable("w", initializer=np.arange(4, dtype=np.float32))
        saver = tf.compat.v1.train.Saver([v], write_version=tf.compat.v1.train.SaverDef.V1)
        with graph_session(g) as sess:
            sess.run(v.initializer)
            saver.save(sess, os.path.join(d, "model.ckpt"), write_meta_graph=False,
                       write_state=False)
    assert os.listdir(d) == ["model.ckpt"], os.listdir(d)


def case_big(outdir):
    case = Case(outdir, "big")
    case.writer = "tf.raw_ops.SaveV2 (eager)"
    rng = np.random.default_rng(3)
    v = rng.standard_normal(BIG_ELEMENTS, dtype=np.float32)
    small = np.arange(5, dtype=np.int32)
    tf.raw_ops.SaveV2(prefix=case.prefix, tensor_names=["big", "small_after_big"],
                      shape_and_slices=["", ""],
                      tensors=[tf.constant(v), tf.constant(small)])
    case.expect("big", "float32", v)
    case.expect("small_after_big", "int32", small)
    return case.finish(expect_shards=1)


def case_many_tensors(outdir):
    """3000 long names: the .index spans several 256 KiB table blocks."""
    case = Case(outdir, "many_tensors")
    case.writer = "tf.raw_ops.SaveV2 (eager), 3000+ tensors"
    rng = np.random.default_rng(17)
    names, tensors = [], []
    for i in range(3000):
        # Little shared prefix between neighbours, so the table's prefix compression can't shrink it.
        name = f"block_{i // 100:03d}/{i % 100:02d}_{rng.bytes(80).hex()}/kernel"
        v = rng.standard_normal([i % 3 + 1]).astype(np.float32)
        names.append(name)
        tensors.append(tf.constant(v))
        case.expect(name, "float32", v)
    for name in ["ünïcödé/名前", "with space/and:colon", "trailing/", "é" * 200]:
        v = np.array([len(name)], dtype=np.int32)
        names.append(name)
        tensors.append(tf.constant(v))
        case.expect(name, "int32", v)
    tf.raw_ops.SaveV2(prefix=case.prefix, tensor_names=names, shape_and_slices=[""] * len(names),
                      tensors=tensors)
    index_size = os.path.getsize(case.prefix + ".index")
    assert index_size > 2 * 262144, f"many_tensors: index only {index_size} bytes"
    return case.finish(expect_shards=1)


CASES = [case_saver_all_dtypes, case_savev2_eager, case_strings, case_empty, case_sharded,
         case_partitioned, case_object_checkpoint, case_manager, case_many_tensors, case_big]


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    outdir = os.path.abspath(argv[1])
    os.makedirs(outdir, exist_ok=True)
    log(f"TensorFlow {tf.__version__}, numpy {np.__version__}; writing cases into {outdir}")
    current = {fn.__name__[5:] for fn in CASES}
    for old in sorted(os.listdir(outdir)):  # cases of older versions of this script
        if old not in current and os.path.exists(os.path.join(outdir, old, "case.json")):
            log(f"  removing stale case {old}")
            shutil.rmtree(os.path.join(outdir, old))
    total = time.time()
    for fn in CASES:
        t = time.time()
        n = fn(outdir)
        log(f"  {fn.__name__[5:]:<20} {n:3d} tensors  {time.time() - t:6.2f} s")
    write_v1_checkpoint(outdir)
    log("  v1 (V1-format checkpoint, no case.json)")
    log(f"done in {time.time() - total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
