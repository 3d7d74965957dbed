#!/usr/bin/env python3
"""Checks with TensorFlow (the test oracle) checkpoints written by tfmodel.

    tf_read_checkpoints.py OUT_DIR [--tf-dir TF_DIR]

OUT_DIR holds one directory per case, each with the checkpoint and the case.json that
tf_write_checkpoints.py wrote for it (see there for the format; expected/*.bin are read from
OUT_DIR/<case>/ or, when not copied, from TF_DIR/<case>/). Per case:

  1. the data files are exactly <prefix>.data-0000i-of-<num_data_shards>;
  2. tf.train.load_checkpoint(prefix) lists exactly the expected names with the expected
     dtypes and shapes, and get_tensor gives byte-identical values (strings: equal bytes);
  3. the tensors are restored into a tf.compat.v1 graph: variables of the same names, dtypes
     and shapes (partitioned ones through get_variable + fixed_size_partitioner(3) so TF
     restores the slices), tf.compat.v1.train.Saver(var_list).restore(sess, prefix), values
     compared; dtypes a variable cannot hold go through tf.raw_ops.RestoreV2 instead (as do
     all but a sample of 200 in cases with more tensors than that: graph building is slow);
  4. object_checkpoint only: tf.train.Checkpoint(...).restore(prefix) into the same object
     structure the generator used, values compared;
  5. where a `checkpoint` state file was written: tf.train.get_checkpoint_state parses it,
     tf.train.latest_checkpoint finds the prefix, and (with --tf-dir) it equals TF's field by
     field (timestamps as exact doubles).

With --tf-dir, also reports (informational, never a failure) whether tfmodel's .index and
.data files are byte-identical to TensorFlow's.

Prints "PASS <case>" or "FAIL <case>: <reason>" per case; exits 1 if any case fails or there
are no cases.
"""

import argparse
import base64
import glob
import json
import os
import sys
import time
import traceback

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from google.protobuf import text_format  # noqa: E402
from tensorflow.python.training.checkpoint_state_pb2 import CheckpointState  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tf_write_checkpoints as gen  # noqa: E402


class CaseFailure(Exception):
    pass


def load_expected(case_dir, tf_case_dir, t):
    """The expected value of tensor entry `t` of case.json as a numpy array."""
    dtype = t["dtype"]
    shape = tuple(t["shape"])
    if dtype == "string":
        flat = [base64.b64decode(s) for s in t["strings_b64"]]
        arr = np.empty(len(flat), dtype=object)
        arr[:] = flat
        return arr.reshape(shape)
    path = os.path.join(case_dir, t["raw"])
    if not os.path.exists(path) and tf_case_dir:
        path = os.path.join(tf_case_dir, t["raw"])
    np_dtype = np.dtype(gen.NP_DTYPE[dtype]).newbyteorder("<")
    data = np.fromfile(path, dtype=np_dtype)
    if data.size != int(np.prod(shape, dtype=np.int64)):
        raise CaseFailure(f"{t['name']}: {path} has {data.size} elements for shape {list(shape)}")
    return data.astype(np_dtype.newbyteorder("="), copy=False).reshape(shape)


def compare(what, dtype, got, want):
    got = np.asarray(got)
    if dtype == "string":
        got = np.asarray(got, dtype=object)
    elif got.dtype != want.dtype:
        raise CaseFailure(f"{what}: numpy dtype {got.dtype}, want {want.dtype}")
    problem = gen.same_bytes(dtype, got, want)
    if problem:
        raise CaseFailure(f"{what}: {problem}")


def check_files(case_dir, prefix, num_shards):
    data_files = sorted(glob.glob(glob.escape(prefix) + ".data-*"))
    want = [f"{prefix}.data-{i:05d}-of-{num_shards:05d}" for i in range(num_shards)]
    if data_files != want:
        raise CaseFailure(f"data files {[os.path.basename(f) for f in data_files]}, want "
                          f"{[os.path.basename(f) for f in want]}")
    if not os.path.exists(prefix + ".index"):
        raise CaseFailure("no .index file")
    stray = [p for p in os.listdir(case_dir)
             if "tempstate" in p or p.endswith("_temp") or ".tmp" in p]
    if stray:
        raise CaseFailure(f"leftover temporary files {stray}")


def check_load_checkpoint(prefix, tensors, expected):
    reader = tf.train.load_checkpoint(prefix)
    dtypes = reader.get_variable_to_dtype_map()
    shapes = reader.get_variable_to_shape_map()
    names = {t["name"] for t in tensors}
    if set(dtypes) != names:
        extra = sorted(set(dtypes) - names)
        missing = sorted(names - set(dtypes))
        raise CaseFailure(f"load_checkpoint lists unexpected {extra[:5]} / misses {missing[:5]}")
    for t in tensors:
        name = t["name"]
        if dtypes[name].name != t["dtype"]:
            raise CaseFailure(f"{name}: dtype {dtypes[name].name}, want {t['dtype']}")
        if list(shapes[name]) != list(t["shape"]):
            raise CaseFailure(f"{name}: shape {shapes[name]}, want {t['shape']}")
        try:
            got = reader.get_tensor(name)
        except Exception as e:  # noqa: BLE001
            raise CaseFailure(f"{name}: get_tensor failed: {str(e).splitlines()[0]}") from e
        compare(f"{name} (get_tensor)", t["dtype"], got, expected[name])


def sanitized(i):
    return f"interop_var_{i}"


def zero_initializer(shape, dtype=None, partition_info=None):  # noqa: ARG001
    return tf.zeros(shape, dtype=dtype)


# Building a graph variable costs ~10 ms: above this many tensors, Saver.restore takes a sample
# (every partitioned tensor plus an even spread) and one bulk RestoreV2 checks all the others.
MAX_SAVER_VARIABLES = 200


def check_graph_restore(prefix, tensors, expected):
    """Saver(var_list).restore into fresh variables; RestoreV2 for what variables can't hold."""
    g = tf.Graph()
    var_list, fetches, raw_restore = {}, {}, []
    if len(tensors) > MAX_SAVER_VARIABLES:
        step = len(tensors) / MAX_SAVER_VARIABLES
        sample = {int(k * step) for k in range(MAX_SAVER_VARIABLES)} | {len(tensors) - 1}
        via_saver = [t for i, t in enumerate(tensors) if i in sample or t.get("partitioned")]
        raw_restore = [t for i, t in enumerate(tensors)
                       if not (i in sample or t.get("partitioned"))]
    else:
        via_saver = tensors
    with g.as_default():
        for i, t in enumerate(via_saver):
            name, dtype, shape = t["name"], tf.as_dtype(t["dtype"]), t["shape"]
            try:
                if t.get("partitioned"):
                    axis = int(t.get("partition_axis", 0))
                    pv = tf.compat.v1.get_variable(
                        sanitized(i), shape=shape, dtype=dtype,
                        initializer=zero_initializer,
                        partitioner=tf.compat.v1.fixed_size_partitioner(3, axis=axis))
                    var_list[name] = pv
                    fetches[name] = tf.concat([p.read_value() for p in pv], axis=axis)
                else:
                    init = (tf.constant(b"", shape=shape, dtype=tf.string)
                            if t["dtype"] == "string" else tf.zeros(shape, dtype=dtype))
                    var = tf.compat.v1.get_variable(sanitized(i), initializer=init,
                                                    use_resource=True)
                    var_list[name] = var
                    fetches[name] = var.read_value()
            except (TypeError, ValueError, tf.errors.OpError) as e:
                if t.get("partitioned"):
                    raise CaseFailure(f"{name}: cannot build a partitioned {t['dtype']} "
                                      f"variable: {e}") from e
                raw_restore.append(t)
        saver = tf.compat.v1.train.Saver(var_list) if var_list else None
        with tf.compat.v1.Session(graph=g) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            if saver is not None:
                try:
                    saver.restore(sess, prefix)
                except tf.errors.OpError as e:
                    raise CaseFailure(f"Saver.restore failed: {e.message.splitlines()[0]}") from e
                got = sess.run(fetches)
                for name, value in got.items():
                    t = next(x for x in tensors if x["name"] == name)
                    compare(f"{name} (Saver.restore)", t["dtype"], value, expected[name])
    if raw_restore:
        # Dtypes a variable cannot hold (none on CPU in TF 2.21) and the rest of big cases: one
        # eager RestoreV2 op, the kernel Saver.restore runs too.
        try:
            values = tf.raw_ops.RestoreV2(prefix=prefix,
                                          tensor_names=[t["name"] for t in raw_restore],
                                          shape_and_slices=[""] * len(raw_restore),
                                          dtypes=[tf.as_dtype(t["dtype"]) for t in raw_restore])
        except tf.errors.OpError as e:
            raise CaseFailure(f"RestoreV2 of {len(raw_restore)} tensors failed: "
                              f"{e.message.splitlines()[0]}") from e
        for t, value in zip(raw_restore, values):
            compare(f"{t['name']} (RestoreV2)", t["dtype"], value.numpy(), expected[t["name"]])
    return len(var_list), len(raw_restore)


def check_object_restore(prefix, expected):
    """tf.train.Checkpoint.restore into the generator's object structure (different seed, so
    every value must come from the checkpoint)."""
    ckpt, model, v, optimizer, _ = gen.build_object_checkpoint_objects(seed=777)
    status = ckpt.restore(prefix)
    status.assert_existing_objects_matched()
    status.expect_partial()  # beta powers of the v1 optimizer are created lazily
    pairs = {"v/.ATTRIBUTES/VARIABLE_VALUE": v,
             "model/step/.ATTRIBUTES/VARIABLE_VALUE": model.step,
             "model/vocab/.ATTRIBUTES/VARIABLE_VALUE": model.vocab,
             "save_counter/.ATTRIBUTES/VARIABLE_VALUE": ckpt.save_counter}
    for i, layer in enumerate(model.layers):
        pairs[f"model/layers/{i}/kernel/.ATTRIBUTES/VARIABLE_VALUE"] = layer.kernel
        pairs[f"model/layers/{i}/bias/.ATTRIBUTES/VARIABLE_VALUE"] = layer.bias
    for name, var in pairs.items():
        compare(f"{name} (Checkpoint.restore)", var.dtype.name, var.numpy(), expected[name])


def identical_files_note(prefix, tf_prefix, num_shards):
    notes = []
    for suffix in [".index"] + [f".data-{i:05d}-of-{num_shards:05d}" for i in range(num_shards)]:
        a, b = prefix + suffix, tf_prefix + suffix
        if not os.path.exists(b):
            notes.append(f"{suffix}: no TF file")
            continue
        same = os.path.getsize(a) == os.path.getsize(b)
        if same:
            with open(a, "rb") as fa, open(b, "rb") as fb:
                while same:
                    x, y = fa.read(1 << 22), fb.read(1 << 22)
                    same = x == y
                    if not x:
                        break
        notes.append(f"{suffix} {'identical' if same else 'differs'}")
    return ", ".join(notes)


def check_state_file(case_dir, prefix, tf_case_dir):
    """The `checkpoint` state file: TF parses it and finds the latest checkpoint; with the TF
    original at hand, every field (paths, timestamps as doubles) must equal TF's."""
    state = tf.train.get_checkpoint_state(case_dir)
    if state is None:
        raise CaseFailure("tf.train.get_checkpoint_state cannot parse the checkpoint file")
    if state.model_checkpoint_path != prefix:
        raise CaseFailure(f"state file: model_checkpoint_path {state.model_checkpoint_path!r}")
    latest = tf.train.latest_checkpoint(case_dir)
    if latest != prefix:
        raise CaseFailure(f"tf.train.latest_checkpoint gives {latest!r}, want {prefix!r}")
    if tf_case_dir and os.path.exists(os.path.join(tf_case_dir, "checkpoint")):
        with open(os.path.join(case_dir, "checkpoint")) as f:
            ours = text_format.Parse(f.read(), CheckpointState())
        with open(os.path.join(tf_case_dir, "checkpoint")) as f:
            theirs = text_format.Parse(f.read(), CheckpointState())
        if ours != theirs:
            one = lambda m: text_format.MessageToString(m, as_one_line=True)  # noqa: E731
            raise CaseFailure(f"state file differs from TF's: {one(ours)} vs {one(theirs)}")
    return "state file ok"


def check_case(case_dir, tf_dir):
    with open(os.path.join(case_dir, "case.json")) as f:
        doc = json.load(f)
    name = os.path.basename(case_dir)
    tf_case_dir = os.path.join(tf_dir, name) if tf_dir else None
    prefix = os.path.join(case_dir, doc["prefix"])
    tensors = doc["tensors"]
    if not tensors:
        raise CaseFailure("case.json lists no tensors")
    expected = {t["name"]: load_expected(case_dir, tf_case_dir, t) for t in tensors}
    check_files(case_dir, prefix, int(doc["num_data_shards"]))
    check_load_checkpoint(prefix, tensors, expected)
    n_saver, n_raw = check_graph_restore(prefix, tensors, expected)
    detail = f"{len(tensors)} tensors; Saver.restore {n_saver}, RestoreV2 {n_raw}"
    if os.path.exists(os.path.join(case_dir, "checkpoint")):
        detail += "; " + check_state_file(case_dir, prefix, tf_case_dir)
    if name == "object_checkpoint":
        check_object_restore(prefix, expected)
        detail += "; Checkpoint.restore ok"
    if tf_case_dir and os.path.isdir(tf_case_dir):
        detail += "; vs TF: " + identical_files_note(
            prefix, os.path.join(tf_case_dir, doc["prefix"]), int(doc["num_data_shards"]))
    return detail


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--tf-dir", default=None,
                    help="the TF-written cases (expected/*.bin fallback, byte-identity notes)")
    args = ap.parse_args()
    if not os.path.isdir(args.out_dir):
        print(f"FAIL: {args.out_dir} is not a directory", flush=True)
        return 1
    cases = sorted(d for d in os.listdir(args.out_dir)
                   if os.path.exists(os.path.join(args.out_dir, d, "case.json")))
    if not cases:
        print(f"FAIL: no cases (no */case.json) under {args.out_dir}", flush=True)
        return 1
    failed = 0
    for name in cases:
        t0 = time.time()
        try:
            detail = check_case(os.path.join(args.out_dir, name), args.tf_dir)
            print(f"PASS {name} ({detail}; {time.time() - t0:.2f} s)", flush=True)
        except CaseFailure as e:
            failed += 1
            print(f"FAIL {name}: {e}", flush=True)
        except Exception as e:  # noqa: BLE001
            failed += 1
            msg = str(e).strip().splitlines()
            print(f"FAIL {name}: {type(e).__name__}: {msg[0] if msg else ''}", flush=True)
            traceback.print_exc()
    print(f"{len(cases) - failed} of {len(cases)} cases pass", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
