#!/usr/bin/env python3
"""TensorFlow 2.21 writes the object-based checkpoints tfmodel reads (object_ckpt_test.cc).

    object_ckpt_write.py CORPUS_DIR OUT_DIR

Cases, each OUT_DIR/<case>/ with the checkpoint, values/<i>.npy and case.json:

  keras_adam   a Keras 3 Sequential (Dense 3->4 relu, Dense 4->2) trained 3 epochs with Adam,
               saved by tf.train.Checkpoint(model=, optimizer=).save() (so also save_counter
               and a `checkpoint` state file); x.npy and prediction.npy are its input/output.
  v1_slots     two tf.Variables trained 3 steps by tf.compat.v1.train.AdamOptimizer, saved by
               tf.train.Checkpoint(v=, w=, opt=).save(): TF's own slot_variables
               (Keras 3 optimizers keep their slots as plain tracked variables).
  corpus_*     the variables/ of TF2 SavedModels of the corpus as TF reads them.

case.json: {"prefix": ..., "tensors": [{"key", "dtype", "shape", "npy"}...],
            "slots": [{"key", "variable", "optimizer", "slot"}...]}   (TF's object graph)
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from tensorflow.core.protobuf import trackable_object_graph_pb2  # noqa: E402

GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"
CORPUS_MODELS = {
    "corpus_cppflow_multi_input_output": "cppflow/examples/multi_input_output/model",
    "corpus_rust_keras_single_input": "tensorflow-rust/examples/keras_single_input_saved_model",
}


def build_keras_model(seed):
    """The model of case keras_adam (also used by object_ckpt_check.py)."""
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"),
                             keras.layers.Dense(2)])


def keras_data():
    rng = np.random.RandomState(5)
    return rng.rand(8, 3).astype(np.float32), rng.rand(8, 2).astype(np.float32)


def slot_references(prefix):
    """TF's slot_variables of the object graph at `prefix`, with the keys of their tensors."""
    reader = tf.train.load_checkpoint(prefix)
    graph = trackable_object_graph_pb2.TrackableObjectGraph()
    graph.ParseFromString(reader.get_tensor(GRAPH_KEY))
    key_of = lambda i: graph.nodes[i].attributes[0].checkpoint_key  # noqa: E731
    slots = []
    for opt_id, node in enumerate(graph.nodes):
        for s in node.slot_variables:
            slots.append({"key": key_of(s.slot_variable_node_id),
                          "variable": key_of(s.original_variable_node_id),
                          "optimizer_node": opt_id, "slot": s.slot_name})
    return slots


def dump(case_dir, prefix, extra=None):
    """Every tensor of the checkpoint at `prefix` but the object graph, as TF reads it."""
    os.makedirs(os.path.join(case_dir, "values"), exist_ok=True)
    reader = tf.train.load_checkpoint(prefix)
    dtypes = reader.get_variable_to_dtype_map()
    tensors = []
    for i, (key, shape) in enumerate(sorted(tf.train.list_variables(prefix))):
        if key == GRAPH_KEY:
            assert dtypes[key] == tf.string and shape == [], (key, dtypes[key], shape)
            continue
        npy = os.path.join("values", "%d.npy" % i)
        np.save(os.path.join(case_dir, npy), reader.get_tensor(key))
        tensors.append({"key": key, "dtype": dtypes[key].name, "shape": shape, "npy": npy})
    case = {"prefix": prefix, "tensors": tensors, "slots": slot_references(prefix)}
    case.update(extra or {})
    with open(os.path.join(case_dir, "case.json"), "w") as f:
        json.dump(case, f, indent=1)


def case_keras_adam(out):
    d = os.path.join(out, "keras_adam")
    model = build_keras_model(seed=1)
    opt = keras.optimizers.Adam(0.01)
    model.compile(optimizer=opt, loss="mse")
    x, y = keras_data()
    model.fit(x, y, epochs=3, batch_size=4, verbose=0)
    prefix = tf.train.Checkpoint(model=model, optimizer=opt).save(os.path.join(d, "ckpt"))
    np.save(os.path.join(d, "x.npy"), x)
    np.save(os.path.join(d, "prediction.npy"), model.predict(x, verbose=0))
    dump(d, prefix)


def build_v1_objects():
    """The objects of case v1_slots (also used by object_ckpt_check.py)."""
    v = tf.Variable([1.0, -2.0, 0.5], name="v")
    w = tf.Variable([[0.25, 1.5], [-1.0, 2.0]], name="w")
    opt = tf.compat.v1.train.AdamOptimizer(0.1)
    return v, w, opt


def case_v1_slots(out):
    d = os.path.join(out, "v1_slots")
    v, w, opt = build_v1_objects()
    for _ in range(3):
        opt.minimize(lambda: tf.reduce_sum(v * v) + tf.reduce_sum(w * w * w), var_list=[v, w])
    prefix = tf.train.Checkpoint(v=v, w=w, opt=opt).save(os.path.join(d, "ckpt"))
    dump(d, prefix)


def case_corpus(corpus, out):
    for name, rel in CORPUS_MODELS.items():
        d = os.path.join(out, name)
        dump(d, os.path.join(corpus, rel, "variables", "variables"))


def main():
    corpus, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    case_keras_adam(out)
    case_v1_slots(out)
    case_corpus(corpus, out)
    print("wrote object-based checkpoint cases to", out)


if __name__ == "__main__":
    main()
