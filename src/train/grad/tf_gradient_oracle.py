#!/usr/bin/env python3
"""TensorFlow's gradients of every exported gradient check case (see gradient_cases_export.cc).

  tf_gradient_oracle.py DIR

For each case of DIR/manifest.json: imports <id>.pbtxt into a fresh tf.Graph, builds
tf.gradients(loss, xs) with TensorFlow's own gradient functions, runs it in a
tf.compat.v1.Session with the case's feeds, and writes <id>.tf_grad<k>.npy (IndexedSlices made
dense). DIR/tf_results.json maps each id to {"grads": [file or null (no gradient)]} or
{"error": message} when TensorFlow cannot import, differentiate or run the case.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from google.protobuf import text_format  # noqa: E402
from tensorflow.core.framework import graph_pb2  # noqa: E402

v1 = tf.compat.v1


def run_case(d, entry):
    graph_def = graph_pb2.GraphDef()
    with open(os.path.join(d, entry["graph"])) as f:
        text_format.Parse(f.read(), graph_def)
    g = tf.Graph()
    with g.as_default(), tf.device("/CPU:0"):
        tf.import_graph_def(graph_def, name="")
        loss = g.get_tensor_by_name(entry["loss"])
        xs = [g.get_tensor_by_name(n) for n in entry["xs"]]
        grads = tf.gradients(loss, xs)
        dense = [None if gr is None else tf.convert_to_tensor(gr) for gr in grads]
        feeds = {g.get_tensor_by_name(f["tensor"]): np.load(os.path.join(d, f["npy"]))
                 for f in entry["feeds"]}
        with v1.Session(graph=g) as sess:
            values = sess.run([t for t in dense if t is not None], feed_dict=feeds)
    out, it = [], iter(values)
    for k, t in enumerate(dense):
        if t is None:
            out.append(None)
            continue
        name = f"{entry['id']}.tf_grad{k}.npy"
        np.save(os.path.join(d, name), np.asarray(next(it)))
        out.append(name)
    return {"grads": out}


def main():
    d = sys.argv[1]
    tf.config.set_visible_devices([], "GPU")
    with open(os.path.join(d, "manifest.json")) as f:
        manifest = json.load(f)
    results = {}
    for entry in manifest:
        try:
            results[entry["id"]] = run_case(d, entry)
        except Exception as e:  # noqa: BLE001  (recorded per case, judged by the C++ test)
            results[entry["id"]] = {"error": f"{type(e).__name__}: {str(e).splitlines()[0][:300]}"}
    with open(os.path.join(d, "tf_results.json"), "w") as f:
        json.dump(results, f, indent=1)
    errors = sum(1 for r in results.values() if "error" in r)
    print(f"{len(results)} cases, {errors} rejected by TensorFlow")


if __name__ == "__main__":
    main()
