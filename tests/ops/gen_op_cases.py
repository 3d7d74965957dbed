#!/usr/bin/env python3
"""Runs every op case of tests/ops/cases_*.py through TensorFlow and writes the expectations.

  gen_op_cases.py OUTDIR [--only OP[,OP...]]

Each cases_*.py module defines CASES, a list of dicts:
  {"op": "MatMul",                          # a tf.raw_ops name (= the GraphDef op name)
   "inputs": {"a": x, "b": y},              # raw_ops argument names -> np arrays (or lists of
                                            #   arrays for list inputs such as AddN's "inputs")
   "attrs": {"transpose_a": True},          # raw_ops attrs (Python values); optional
   "name": "matmul_ta",                     # optional, made unique with the module name
   "tol": {"rel": 1e-4, "abs": 1e-5},       # optional; default set by the C++ harness per dtype
   "expect_error": True,                    # optional: TF must reject the case, and so must we
   "graph": True,                           # optional: run in a fresh tf.Graph + Session (a newly
                                            #   created op: stateful random ops, whose generator
                                            #   eager's kernel cache would keep across cases)
   "runs": 2,                               # optional (with "graph"): run the op node N times in
                                            #   one Session; runs 2..N go to "more_outputs"
   "bounds": {"min": 0, "below": 1},       # optional: values are not reproducible (seed 0):
                                            #   compare dtype and shape only and check every value
                                            #   against min <= v, v < below, v <= max (given keys)
   "variables": ["var", "m"],               # optional: inputs that are variables (see below)
   "steps": [{"grad": g2}, {"grad": g3}],   # optional: more runs, each overriding some inputs
   "uninitialized": ["m"]}                  # optional: variables left uninitialised
(caselib.py has helpers for random inputs.)

Variables. The inputs named in "variables" are variables initialised to the given value: for ops
whose OpDef input is a resource (ResourceApplyAdam), tf.Variables whose handles are passed to
the op eagerly; for reference inputs (ApplyAdam), tf.compat.v1 reference variables in a graph
run by a tf.compat.v1.Session. The op runs 1 + len(steps) times; "outputs" are the last run's
outputs and "variables" the variables' final values, in input order. Records carry
  "variables": {"kind": "resource" | "ref", "inputs": [flat input index, ...],
                "uninitialized": [flat input index, ...], "final": [<tensor>, ...]}
  "steps": [{"<flat input index>": <tensor>, ...}, ...]

Writes OUTDIR/cases.json and OUTDIR/data.bin. For each case: the op, every attr of the op's
OpDef as a GraphDef would carry it (given ones, type attrs inferred from the inputs like T and
N, and OpDef defaults), encoded for C++:
  {"type": "float32"} {"b": false} {"i": 3} {"f": 0.2} {"s": "SAME"} {"shape": [2, -1] | null}
  {"list_i": [...]} {"list_f": [...]} {"list_s": [...]} {"list_b": [...]} {"list_type": [...]}
  {"list_shape": [...]} {"tensor": <tensor>}
the inputs flattened in OpDef input order, and TensorFlow's outputs, each tensor as
  {"dtype": "float32", "shape": [2, 3], "offset": 0, "nbytes": 24}   (little-endian in data.bin)
  {"dtype": "string", "shape": [2], "b64": ["YQ==", ""]}
Every record also carries "output_args": [[name, number_attr, type_list_attr], ...] of the op's
OpDef (the harness checks src/graph/op_output_args.inc against them).
Outputs come from running tf.raw_ops.<op> eagerly on the CPU (in a fresh graph with "graph";
ref-variable cases in a graph too).
"""
import argparse
import base64
import glob
import importlib.util
import inspect
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
# TensorFlow 2.21's oneDNN MaxPool dies with SIGFPE on an empty output window (MaxPool_empty) on
# CPUs without AVX-512; the Eigen kernels are also the deterministic reference.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow.core.framework import tensor_pb2  # noqa: E402
from tensorflow.python.framework import op_def_registry  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


class Blob:
    """Appends raw tensor bytes to data.bin."""

    def __init__(self, path):
        self.f = open(path, "wb")
        self.offset = 0

    def tensor(self, value):
        arr = value.numpy() if isinstance(value, tf.Tensor) else np.asarray(value)
        if isinstance(arr, bytes):  # a scalar string's numpy() is bytes
            arr = np.array(arr, dtype=object)
        arr = np.asarray(arr)
        dtype = tf.as_dtype(value.dtype if isinstance(value, tf.Tensor) else arr.dtype)
        out = {"dtype": dtype.name, "shape": [int(d) for d in arr.shape]}
        if dtype == tf.string:
            out["b64"] = [base64.b64encode(bytes(s)).decode() for s in arr.reshape(-1)]
            return out
        raw = np.ascontiguousarray(arr)
        if raw.dtype.byteorder == ">":
            raw = raw.byteswap().view(raw.dtype.newbyteorder("<"))
        data = raw.tobytes()
        out["offset"] = self.offset
        out["nbytes"] = len(data)
        self.f.write(data)
        self.offset += len(data)
        return out

    def close(self):
        self.f.close()


def dtype_name(v):
    return tf.as_dtype(v).name


def shape_json(s):
    s = tf.TensorShape(s)
    return None if s.rank is None else [-1 if d is None else int(d) for d in s.as_list()]


def encode_value(kind, v, blob):
    """A Python attr value as C++ JSON, by the OpDef's attr type."""
    if kind == "type":
        return {"type": dtype_name(v)}
    if kind == "bool":
        return {"b": bool(v)}
    if kind == "int":
        return {"i": int(v)}
    if kind == "float":
        return {"f": float(np.float32(v))}
    if kind == "string":
        return {"s": v.decode() if isinstance(v, bytes) else str(v)}
    if kind == "shape":
        return {"shape": shape_json(v)}
    if kind == "tensor":
        if isinstance(v, tensor_pb2.TensorProto):
            v = tf.make_ndarray(v)
        return {"tensor": blob.tensor(v)}
    if kind.startswith("list("):
        inner = kind[5:-1]
        key = {"int": "list_i", "float": "list_f", "string": "list_s", "bool": "list_b",
               "type": "list_type", "shape": "list_shape"}.get(inner)
        if key is None:
            raise ValueError(f"attr kind {kind} not supported by the harness")
        return {key: [list(encode_value(inner, x, blob).values())[0] for x in v]}
    raise ValueError(f"attr kind {kind} not supported by the harness")


def encode_proto(av, kind, blob):
    """An OpDef default (AttrValue proto) as C++ JSON."""
    which = av.WhichOneof("value")
    if which == "list":
        inner = kind[5:-1]
        field = {"int": "i", "float": "f", "string": "s", "bool": "b", "type": "type",
                 "shape": "shape"}[inner]
        vals = list(getattr(av.list, field))
        if inner == "shape":
            vals = [tf.TensorShape(s) for s in vals]
        return encode_value(kind, vals, blob)
    if which == "shape":
        return encode_value("shape", tf.TensorShape(av.shape), blob)
    if which == "tensor":
        return encode_value("tensor", tf.make_ndarray(av.tensor), blob)
    return encode_value(kind, getattr(av, which), blob)


def as_tensor(x):
    return x if isinstance(x, tf.Tensor) else tf.constant(x)


def node_attrs(op_def, case, py_inputs, blob):
    """Every attr of the node as a GraphDef carries it."""
    given = case.get("attrs", {})
    out = {}
    by_arg = {a.name: py_inputs[i] for i, a in enumerate(op_def.input_arg)}
    for attr in op_def.attr:
        name, kind = attr.name, attr.type
        if name in given:
            out[name] = encode_value(kind, given[name], blob)
            continue
        inferred = None
        for arg in op_def.input_arg:
            value = by_arg[arg.name]
            if arg.type_attr == name:
                first = value[0] if isinstance(value, (list, tuple)) else value
                inferred = {"type": as_tensor(first).dtype.name}
            elif arg.number_attr == name:
                inferred = {"i": len(value)}
            elif arg.type_list_attr == name:
                inferred = {"list_type": [as_tensor(v).dtype.name for v in value]}
            if inferred is not None:
                break
        if inferred is not None:
            out[name] = inferred
        elif attr.HasField("default_value"):
            out[name] = encode_proto(attr.default_value, kind, blob)
        else:
            raise ValueError(f"attr {name} of {op_def.name} must be given by the case")
    return out


def call_op(fn, op, call, tf_attrs):
    if op == "Const":  # eager raw_ops.Const cannot take a TensorProto attr
        return tf.constant(tf.make_ndarray(tf_attrs["value"]), tf_attrs["dtype"])
    with tf.device("/CPU:0"):
        return fn(**call, **tf_attrs)


def flat_outputs(result):
    if isinstance(result, tf.Tensor) or isinstance(result, np.ndarray):
        return [result]
    if result is None or isinstance(result, tf.Operation):
        return []
    outputs = []
    for r in result:  # list-valued outputs (e.g. ParseExample's dense_values) flatten in order
        outputs.extend(r if isinstance(r, (list, tuple)) else [r])
    return outputs


_var_counter = [0]


def run_with_variables(op_def, fn, call, tf_attrs, var_names, steps, uninit):
    """Runs the op 1 + len(steps) times on variables; returns (outputs, final variable values)."""
    is_ref = {a.name: a.is_ref for a in op_def.input_arg}
    ref_form = any(is_ref.get(n) for n in var_names)
    if not ref_form:
        variables, handles = {}, {}
        for n in var_names:
            _var_counter[0] += 1
            if n in uninit:
                with tf.device("/CPU:0"):
                    handles[n] = tf.raw_ops.VarHandleOp(
                        dtype=call[n].dtype, shape=call[n].shape,
                        shared_name=f"harness_uninitialized_{_var_counter[0]}")
            else:
                with tf.device("/CPU:0"):
                    variables[n] = tf.Variable(call[n])
                handles[n] = variables[n].handle
        result = None
        for step in [{}] + steps:
            args = dict(call, **{k: as_tensor(v) for k, v in step.items()}, **handles)
            result = call_op(fn, op_def.name, args, tf_attrs)
        return flat_outputs(result), [variables[n].read_value() for n in var_names]
    v1 = tf.compat.v1
    with tf.Graph().as_default() as g, tf.device("/CPU:0"):
        refs = {n: v1.Variable(call[n].numpy(), use_resource=False, name=n) for n in var_names}
        feeds = {n: v1.placeholder(call[n].dtype, call[n].shape, name=n)
                 for n in call if n not in var_names and not isinstance(call[n], list)}
        node = fn(**{n: refs.get(n, feeds.get(n)) for n in call}, **tf_attrs)
        fetch = flat_outputs(node)
        reads = [v1.identity(refs[n]) for n in var_names]
        with v1.Session(graph=g) as sess:
            sess.run([refs[n].initializer for n in var_names if n not in uninit])
            result = None
            for step in [{}] + steps:
                fd = {feeds[n]: np.asarray(step.get(n, call[n].numpy())) for n in feeds}
                result = sess.run(fetch + ([] if fetch else [node]), feed_dict=fd)
            outputs = result[: len(fetch)]
            return outputs, sess.run(reads)


def run_case(case, blob):
    op = case["op"]
    op_def = op_def_registry.get(op)
    if op_def is None:
        raise ValueError(f"unknown op {op}")
    fn = getattr(tf.raw_ops, op)
    params = list(inspect.signature(fn).parameters)
    # raw_ops lists the inputs first, in OpDef order (names may differ: Select's are x, y).
    py_names = params[: len(op_def.input_arg)]
    given = case.get("inputs", {})
    unknown = set(given) - set(py_names)
    if unknown:
        raise ValueError(f"{op}: unknown inputs {sorted(unknown)}; inputs are {py_names}")
    py_inputs = [given[n] for n in py_names]
    attrs = node_attrs(op_def, case, py_inputs, blob)
    flat_inputs, flat_index = [], {}
    for n, v in zip(py_names, py_inputs):
        flat_index[n] = len(flat_inputs)
        flat_inputs.extend(v if isinstance(v, (list, tuple)) else [v])
    record = {"op": op, "attrs": attrs, "inputs": [blob.tensor(as_tensor(v)) for v in flat_inputs],
              "output_args": [[a.name, a.number_attr, a.type_list_attr] for a in op_def.output_arg]}
    if "tol" in case:
        record["tolerance"] = case["tol"]
    call = {n: ([as_tensor(x) for x in v] if isinstance(v, (list, tuple)) else as_tensor(v))
            for n, v in zip(py_names, py_inputs)}
    tf_attrs = dict(case.get("attrs", {}))
    for attr in op_def.attr:  # eager wants TensorProtos for tensor attrs (Const's value)
        if attr.type == "tensor" and attr.name in tf_attrs:
            tf_attrs[attr.name] = tf.make_tensor_proto(tf_attrs[attr.name])
    var_names = list(case.get("variables", []))
    steps = list(case.get("steps", []))
    uninit = set(case.get("uninitialized", []))
    for n in var_names + [k for st in steps for k in st] + list(uninit):
        if n not in py_names:
            raise ValueError(f"{op}: {n} is not an input; inputs are {py_names}")
    if var_names:
        kind = "ref" if any(a.is_ref for a in op_def.input_arg if a.name in var_names) else "resource"
        record["variables"] = {"kind": kind, "inputs": [flat_index[n] for n in var_names],
                               "uninitialized": [flat_index[n] for n in var_names if n in uninit]}
        record["steps"] = [{str(flat_index[k]): blob.tensor(as_tensor(v)) for k, v in st.items()}
                           for st in steps]
    elif steps:
        raise ValueError(f"{op}: steps need variables")
    runs = []
    try:
        final = None
        if var_names:
            outputs, final = run_with_variables(op_def, fn, call, tf_attrs, var_names, steps,
                                                uninit)
        elif case.get("graph"):
            runs = run_in_fresh_graph(fn, py_names, py_inputs, tf_attrs, case.get("runs", 1))
            outputs = flat_outputs(runs[0])
        else:
            outputs = flat_outputs(call_op(fn, op, call, tf_attrs))
    except (tf.errors.OpError, ValueError, TypeError) as e:
        if not case.get("expect_error"):
            raise RuntimeError(f"TensorFlow rejected a case not marked expect_error: {e}") from e
        record["expect_error"] = True
        record["tf_error"] = " ".join(str(e).split())[:300]
        return record
    if case.get("expect_error"):
        raise RuntimeError("case is marked expect_error but TensorFlow accepted it")
    record["outputs"] = [blob.tensor(t) for t in outputs]
    if final is not None:
        record["variables"]["final"] = [blob.tensor(t) for t in final]
    if len(runs) > 1:
        record["more_outputs"] = [[blob.tensor(t) for t in flat_outputs(r)] for r in runs[1:]]
    if "bounds" in case:
        all_runs = [flat_outputs(r) for r in runs] if runs else [outputs]
        record["bounds"] = check_bounds(case["bounds"], all_runs)
    return record


def run_in_fresh_graph(fn, py_names, py_inputs, tf_attrs, runs):
    """Builds the op in a new graph and runs it `runs` times in one Session (numpy results)."""
    graph = tf.Graph()
    with graph.as_default(), tf.device("/CPU:0"):
        call = {n: ([tf.constant(x) for x in v] if isinstance(v, (list, tuple)) else tf.constant(v))
                for n, v in zip(py_names, py_inputs)}
        result = fn(**call, **tf_attrs)
    fetches = [t for t in flat_outputs(result)]
    with tf.compat.v1.Session(graph=graph) as sess:
        return [sess.run(fetches) for _ in range(runs)]


def check_bounds(bounds, runs):
    """The bounds a non-reproducible case's values must satisfy; TF's own values must, too."""
    unknown = set(bounds) - {"min", "max", "below"}
    if unknown:
        raise ValueError(f"unknown bounds keys {sorted(unknown)}")
    for outputs in runs:
        for t in outputs:
            v = np.asarray(t).astype(np.float64)
            ok = np.ones(v.shape, dtype=bool)
            if "min" in bounds:
                ok &= v >= bounds["min"]
            if "max" in bounds:
                ok &= v <= bounds["max"]
            if "below" in bounds:
                ok &= v < bounds["below"]
            if not ok.all():
                raise RuntimeError(f"TensorFlow's values break the case's bounds {bounds}")
    return {k: float(x) for k, x in bounds.items()}


def load_modules(only):
    cases = []
    for path in sorted(glob.glob(os.path.join(HERE, "cases_*.py"))):
        mod_name = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(mod_name, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        counts = {}
        for case in mod.CASES:
            if only and case["op"] not in only:
                continue
            base = case.get("name") or case["op"]
            counts[base] = counts.get(base, 0) + 1
            name = f"{mod_name[6:]}.{base}.{counts[base]}"
            cases.append((name, case))
    return cases


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--only", default="", help="comma-separated op names")
    args = ap.parse_args()
    sys.path.insert(0, HERE)
    only = set(filter(None, args.only.split(",")))
    os.makedirs(args.outdir, exist_ok=True)
    tf.config.set_visible_devices([], "GPU")
    blob = Blob(os.path.join(args.outdir, "data.bin"))
    records, failures = [], []
    for name, case in load_modules(only):
        try:
            rec = run_case(case, blob)
        except Exception as e:  # report every bad case, then fail
            failures.append(f"{name}: {type(e).__name__}: {e}")
            continue
        rec["name"] = name
        records.append(rec)
    blob.close()
    with open(os.path.join(args.outdir, "cases.json"), "w") as f:
        json.dump({"tensorflow_version": tf.__version__, "cases": records}, f, indent=0)
    ops = sorted({r["op"] for r in records})
    print(f"wrote {len(records)} cases for {len(ops)} ops to {args.outdir}")
    if failures:
        print("bad cases:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
