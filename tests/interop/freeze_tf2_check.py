#!/usr/bin/env python3
"""TensorFlow 2.21 imports the graphs `tfmodel` froze from TF2 SavedModels and runs them.

    freeze_tf2_check.py OUTDIR

OUTDIR/<group>/<case>/freeze.json (written by freeze_tf2_test.cc) lists, per frozen signature,
the .pb, the tensors to feed and fetch, and which steps of the case (tf2_models.py's case.json:
TensorFlow's signature outputs) it must reproduce. For each: the GraphDef (and its library) must
hold no variable op, tf.compat.v1.import_graph_def in a Session must run it, and every output
must match TensorFlow's within rtol 1e-5 (atol 1e-6). Prints one line per signature and exits
non-zero on any failure.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

VARIABLE_OPS = {"VarHandleOp", "VariableV2", "Variable", "ReadVariableOp", "AssignVariableOp",
                "AssignAddVariableOp", "AssignSubVariableOp", "ResourceGather", "VarIsInitializedOp",
                "RestoreV2", "SaveV2"}
RTOL, ATOL = 1e-5, 1e-6


def value(case_dir, t):
    if "raw" in t:
        data = np.fromfile(os.path.join(case_dir, t["raw"]), dtype=tf.as_dtype(t["dtype"]).as_numpy_dtype)
        return data.reshape(t["shape"])
    if "strings_b64" in t:
        import base64
        return np.array([base64.b64decode(s) for s in t["strings_b64"]], dtype=object).reshape(t["shape"])
    raise ValueError(f"unsupported tensor entry {t}")


def variable_ops(graph_def):
    ops = [(n.name, n.op) for n in graph_def.node if n.op in VARIABLE_OPS]
    for f in graph_def.library.function:
        ops += [(f.signature.name + "/" + n.name, n.op) for n in f.node_def if n.op in VARIABLE_OPS]
    return ops


def check(entry, case_dir, case):
    graph_def = tf.compat.v1.GraphDef()
    with open(entry["pb"], "rb") as f:
        graph_def.ParseFromString(f.read())
    left = variable_ops(graph_def)
    if left:
        return f"variable ops left: {left[:5]}"
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.import_graph_def(graph_def, name="")
    worst = 0.0
    with tf.compat.v1.Session(graph=graph) as sess:
        for i in entry["steps"]:
            step = case["steps"][i]
            feeds = {graph.get_tensor_by_name(entry["inputs"][t["name"]]): value(case_dir, t)
                     for t in step["inputs"]}
            keys = [t["name"] for t in step["outputs"]]
            got = sess.run([graph.get_tensor_by_name(entry["outputs"][k]) for k in keys], feeds)
            for t, g in zip(step["outputs"], got):
                want = value(case_dir, t)
                g = np.asarray(g)
                if g.shape != want.shape or g.dtype != want.dtype:
                    return f"step {i} output {t['name']}: {g.dtype}{list(g.shape)} vs TF's {want.dtype}{list(want.shape)}"
                if want.dtype.kind == "f":
                    if not np.allclose(g, want, rtol=RTOL, atol=ATOL, equal_nan=True):
                        err = np.max(np.abs(g - want) / (np.abs(want) + ATOL / RTOL))
                        return f"step {i} output {t['name']}: max relative error {err:.2e}"
                    worst = max(worst, float(np.max(np.abs(g - want), initial=0.0)))
                elif not np.array_equal(g, want):
                    return f"step {i} output {t['name']}: values differ"
    return f"ok (max abs error {worst:.1e})"


def main():
    out = sys.argv[1]
    failures = checked = 0
    for group in sorted(os.listdir(out)):
        for name in sorted(os.listdir(os.path.join(out, group))):
            path = os.path.join(out, group, name, "freeze.json")
            if not os.path.exists(path):
                continue
            with open(path) as f:
                doc = json.load(f)
            with open(os.path.join(doc["case_dir"], "case.json")) as f:
                case = json.load(f)
            for entry in doc["frozen"]:
                checked += 1
                try:
                    result = check(entry, doc["case_dir"], case)
                except Exception as e:  # noqa: BLE001 -- reported, counted as a failure
                    result = f"{type(e).__name__}: {str(e).splitlines()[0][:300]}"
                ok = result.startswith("ok")
                failures += not ok
                print(f"{'PASS' if ok else 'FAIL'} {group}/{name} {entry['signature']}: {result}", flush=True)
    print(f"{checked - failures} passed, {failures} failed")
    sys.exit(1 if failures or checked == 0 else 0)


if __name__ == "__main__":
    main()
