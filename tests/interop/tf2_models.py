#!/usr/bin/env python3
"""TF2 SavedModels run by TensorFlow 2.21: the corpus's, and a model zoo written here.

    tf2_models.py CORPUS_DIR OUTDIR

OUTDIR/corpus/<case>/case.json: a TF2 SavedModel of the real corpus, loaded as TensorFlow's
C++ loader does (SessionModel), its signatures run on deterministic inputs (format in
tf1_case.py; steps run in order on one loaded model, so a training signature's effect is seen by
the next).

OUTDIR/zoo/models/<name>/: SavedModels TF 2.21 + Keras 3 write with random weights
(keras.Model.export, and tf.saved_model.save for a tf.Module), and OUTDIR/zoo/<name>/case.json
what their serving signature computes:
  mlp          Dense relu -> Dense softmax
  cnn          Conv2D, BatchNormalization (random moving statistics), ReLU, MaxPooling2D,
               Dropout, Flatten, Dense
  mobilenet_v2 keras.applications.MobileNetV2(weights=None), 96x96 input, 10 classes
  resnet50     keras.applications.ResNet50(weights=None), 64x64 input, 10 classes, batch 1
  text_lstm    Embedding -> LSTM -> Dense sigmoid (int32 token ids)
  gru          GRU(return_sequences) -> GRU
  transformer  a Transformer encoder block: MultiHeadAttention, residual + LayerNormalization,
               a GELU feed-forward, LayerNormalization, GlobalAveragePooling1D, Dense softmax
  tf_module    a tf.Module whose tf.function uses tf.cond, tf.while_loop with a TensorArray,
               and tf.switch_case, reading variables
The zoo takes a while to write (ResNet50 above all), so it is written once per OUTDIR: a stamp
holding this script's hash marks it complete, and a later run with the same script reuses it.
"""

import hashlib
import json
import os
import shutil
import sys
import time
import zlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"  # deterministic Eigen kernels
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tf1_case import Case, remove_stale  # noqa: E402

SERVING = "tensorflow-serving/servables/tensorflow/testdata"


def log(msg):
    print(msg, flush=True)


def rng_for(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def normal(rng, shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def float_example(features):
    ex = tf.train.Example()
    for k, vals in features.items():
        ex.features.feature[k].float_list.value.extend(vals)
    return ex.SerializeToString()


class SessionModel:
    """A SavedModel loaded the way TensorFlow's C++ loader (and TF Serving) does: the graph in a
    Session, variables restored by the saver, the init op run; signatures run by tensor name.
    The corpus's Keras 2 models cannot be revived as Python objects by TF 2.21
    (tf.saved_model.load needs their optimizer classes), but their graphs run."""

    def __init__(self, path):
        self.graph = tf.Graph()
        config = tf.compat.v1.ConfigProto(intra_op_parallelism_threads=1,
                                          inter_op_parallelism_threads=1)
        self.sess = tf.compat.v1.Session(graph=self.graph, config=config)
        with self.graph.as_default():
            self.mgd = tf.compat.v1.saved_model.loader.load(self.sess, ["serve"], path)

    def call(self, key, inputs):
        sig = self.mgd.signature_def[key]
        keys = sorted(sig.outputs)
        values = self.sess.run([sig.outputs[k].name for k in keys],
                               {sig.inputs[k].name: v for k, v in inputs})
        return dict(zip(keys, values))


def call_signature(case, model, key, inputs):
    """Calls signature `key` of a SessionModel or a tf.saved_model.load object with inputs
    [(key, np value)] and records the step."""
    if isinstance(model, SessionModel):
        out = model.call(key, inputs)
    else:
        out = model.signatures[key](**{k: tf.constant(v) for k, v in inputs})
        out = {k: v.numpy() for k, v in out.items()}
    outputs = [(k, out[k]) for k in sorted(out)]
    case.signature_step(key, inputs, outputs)
    return dict(outputs)


# ---- The corpus ---------------------------------------------------------------------------------

def corpus_cases(corpus, out):
    """(case name, model dir under the corpus, fn(case, loaded, rng) recording the steps, rtol)."""
    def half_plus_two(c, m, rng):
        call_signature(c, m, "serving_default", [("x", np.array([2.0], np.float32))])
        call_signature(c, m, "regress_x2_to_y3", [("inputs", np.array([3.0], np.float32))])
        call_signature(c, m, "classify_x2_to_y3", [("inputs", np.array([-1.5], np.float32))])
        examples = np.array([float_example({"x": [v], "x2": [1.0]}) for v in (2.0, 5.0)], object)
        for key in ("regress_x_to_y", "regress_x_to_y2", "classify_x_to_y"):
            call_signature(c, m, key, [("inputs", examples)])

    def rust_regression(c, m, rng):
        call_signature(c, m, "w", [])
        call_signature(c, m, "b", [])
        x = normal(rng, [8])
        call_signature(c, m, "train", [("x", x), ("y", 0.1 * x + 0.3)])  # one SGD step
        call_signature(c, m, "w", [])
        call_signature(c, m, "b", [])

    def single_input(key, shape):
        def run(c, m, rng):
            call_signature(c, m, "serving_default", [(key, normal(rng, shape))])
        return run

    def two_inputs(k1, k2, shape):
        def run(c, m, rng):
            call_signature(c, m, "serving_default", [(k1, normal(rng, shape)), (k2, normal(rng, shape))])
        return run

    def cppflow_load_model(c, m, rng):
        call_signature(c, m, "serving_default", [("input_1", np.ones([10, 5], np.float32))])
        call_signature(c, m, "serving_default", [("input_1", normal(rng, [3, 5]))])

    def cppflow_multi(c, m, rng):
        ones = np.ones([1, 5], np.float32)
        call_signature(c, m, "serving_default", [("my_input_1", ones), ("my_input_2", -ones)])
        two_inputs("my_input_1", "my_input_2", [4, 5])(c, m, rng)

    def java(c, m, rng):
        call_signature(c, m, "add", [("a", np.array(10.0, np.float32)), ("b", np.array(15.5, np.float32))])
        call_signature(c, m, "get_variable", [("dummy", np.array(1.0, np.float32))])
        for key in ("get_const_scalar", "get_const_vector", "get_const_matrix"):
            call_signature(c, m, key, [("input", np.array(1.5, np.float32))])

    def leak(c, m, rng):
        call_signature(c, m, "inference", [("input", normal(rng, [2, 7, 96]))])

    return [
        ("half_plus_two_tf2", f"{SERVING}/saved_model_half_plus_two_tf2_cpu/00000123", half_plus_two),
        ("rust_regression_savedmodel", "tensorflow-rust/examples/regression_savedmodel", rust_regression),
        ("rust_keras_single_input", "tensorflow-rust/examples/keras_single_input_saved_model",
         single_input("test_in_input", [3, 5])),
        ("rust_keras_multiple_inputs", "tensorflow-rust/examples/keras_multiple_inputs_saved_model",
         two_inputs("test_in1", "test_in2", [3, 5])),
        ("cppflow_load_model", "cppflow/examples/load_model/model", cppflow_load_model),
        ("cppflow_multi_input_output", "cppflow/examples/multi_input_output/model", cppflow_multi),
        # 32 conv + batch-norm layers and a final subtraction: float sums in another order
        # (our GEMM vs Eigen's contraction) leave ~1e-5 absolute differences.
        ("cppflow_lexci", "cppflow/examples/lexci_model/model", single_input("input0", [1, 24, 32, 1]),
         1e-4),
        ("java_python_tf_function", "tensorflow-java/saved_model_using_python/model", java),
        ("tfnet_simple_model", "tensorflow-net/Assets/simple_model_from_auto_compile",
         single_input("input_1", [2, 28, 28, 1])),
        ("tfnet_python_func_model", "tensorflow-net/Assets/python_func_model",
         single_input("input_1", [2, 784])),
        ("tfnet_lstm_from_sequential", "tensorflow-net/Assets/lstm_from_sequential",
         single_input("input_1", [4, 5, 3])),
        ("tfnet_leak_test_model", "tensorflow-net/Leak/TestModel/saved_model", leak),
    ]


def write_fingerprint(case, model):
    """fingerprint.json: fingerprint.pb as TensorFlow reads it."""
    f = tf.saved_model.experimental.read_fingerprint(model)
    doc = {"saved_model_checksum": f.saved_model_checksum,
           "graph_def_program_hash": f.graph_def_program_hash,
           "signature_def_hash": f.signature_def_hash,
           "saved_object_graph_hash": f.saved_object_graph_hash,
           "checkpoint_hash": f.checkpoint_hash, "version": f.version.producer,
           "singleprint": f.singleprint()}
    with open(case.path("fingerprint.json"), "w") as out:
        json.dump(doc, out, indent=1)


def write_corpus(corpus, out):
    out = os.path.join(out, "corpus")
    os.makedirs(out, exist_ok=True)
    cases = corpus_cases(corpus, out)
    remove_stale(out, {case[0] for case in cases})
    for name, rel, fn, *rtol in cases:
        t = time.time()
        c = Case(out, name)
        model = os.path.join(corpus, rel)
        fn(c, SessionModel(model), rng_for(name))
        if os.path.exists(os.path.join(model, "fingerprint.pb")):
            write_fingerprint(c, model)
        n = c.finish(model, rtol=rtol[0] if rtol else 1e-5, atol=1e-5 if rtol else 1e-6)
        log(f"  corpus {name:<28} {n:2d} steps  {time.time() - t:5.2f} s")


# ---- The zoo ------------------------------------------------------------------------------------

def keras_models():
    import keras
    from keras import layers

    def mlp():
        return keras.Sequential([keras.Input((8,)), layers.Dense(16, activation="relu"),
                                 layers.Dense(4, activation="softmax")]), [(3, 8)]

    def cnn():
        return keras.Sequential([
            keras.Input((16, 16, 3)), layers.Conv2D(8, 3, padding="same"),
            layers.BatchNormalization(), layers.ReLU(), layers.MaxPooling2D(),
            layers.Conv2D(6, 3, strides=2, padding="valid", activation="relu"), layers.Dropout(0.3),
            layers.Flatten(), layers.Dense(5)]), [(2, 16, 16, 3)]

    def mobilenet_v2():
        return keras.applications.MobileNetV2(weights=None, input_shape=(96, 96, 3),
                                              classes=10), [(1, 96, 96, 3)]

    def resnet50():
        return keras.applications.ResNet50(weights=None, input_shape=(64, 64, 3),
                                           classes=10), [(1, 64, 64, 3)]

    def text_lstm():
        return keras.Sequential([keras.Input((12,), dtype="int32"), layers.Embedding(50, 8),
                                 layers.LSTM(6), layers.Dense(2, activation="sigmoid")]), [("ids", 3, 12)]

    def gru():
        return keras.Sequential([keras.Input((7, 3)), layers.GRU(5, return_sequences=True),
                                 layers.GRU(4)]), [(3, 7, 3)]

    def transformer():
        inp = keras.Input((6, 16))
        x = layers.MultiHeadAttention(num_heads=2, key_dim=8)(inp, inp)
        x = layers.LayerNormalization()(x + inp)
        f = layers.Dense(32, activation="gelu")(x)
        f = layers.Dense(16)(f)
        x = layers.LayerNormalization()(x + f)
        x = layers.GlobalAveragePooling1D()(x)
        return keras.Model(inp, layers.Dense(3, activation="softmax")(x)), [(2, 6, 16)]

    return [mlp, cnn, mobilenet_v2, resnet50, text_lstm, gru, transformer]


def randomize_batch_norm(model, rng):
    """Moving statistics far from (0, 1), so inference batch normalization does something."""
    for layer in model.layers:
        if layer.__class__.__name__ == "BatchNormalization":
            gamma, beta, mean, var = layer.get_weights()
            layer.set_weights([1 + 0.2 * normal(rng, gamma.shape), 0.1 * normal(rng, beta.shape),
                               0.2 * normal(rng, mean.shape),
                               rng.uniform(0.5, 1.5, var.shape).astype(np.float32)])


class CondWhileModule(tf.Module):
    """tf.cond, tf.while_loop (with a TensorArray) and tf.switch_case on variables."""

    def __init__(self, rng):
        super().__init__()
        self.scale = tf.Variable(1.5)
        self.shift = tf.Variable(normal(rng, [4]))

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32),
                                  tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.int32)])
    def __call__(self, x, steps, branch):
        y = tf.cond(tf.reduce_sum(x) > 0, lambda: x * self.scale, lambda: x - self.shift)

        def body(i, y, sums):
            return i + 1, tf.tanh(y) * self.scale + 0.25, sums.write(i, tf.reduce_sum(y))

        _, y, sums = tf.while_loop(
            lambda i, y, sums: i < steps, body,
            [tf.constant(0), y, tf.TensorArray(tf.float32, size=0, dynamic_size=True)])
        z = tf.switch_case(branch, [lambda: y + 1.0, lambda: y * self.shift, lambda: -y])
        return {"y": y, "z": z, "sums": sums.stack()}


def write_zoo(out):
    import keras
    zoo = os.path.join(out, "zoo")
    models = os.path.join(zoo, "models")
    stamp = os.path.join(zoo, "stamp")
    with open(__file__, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    if os.path.exists(stamp) and open(stamp).read() == digest:
        log(f"  zoo: reusing {zoo} (written by this version of the script)")
        return
    shutil.rmtree(zoo, ignore_errors=True)
    os.makedirs(models)
    for make in keras_models():
        name = make.__name__
        t = time.time()
        keras.utils.set_random_seed(zlib.crc32(name.encode()))
        rng = rng_for(name)
        model, input_shapes = make()
        randomize_batch_norm(model, rng)
        path = os.path.join(models, name)
        model.export(path, verbose=False)
        loaded = tf.saved_model.load(path)
        spec = loaded.signatures["serving_default"].structured_input_signature[1]
        keys = sorted(spec)
        inputs = []
        for key, shape in zip(keys, input_shapes):
            if shape[0] == "ids":
                inputs.append((key, rng.integers(0, 50, shape[1:]).astype(np.int32)))
            else:
                inputs.append((key, normal(rng, shape)))
        c = Case(zoo, name)
        call_signature(c, loaded, "serving_default", inputs)
        c.finish(os.path.join("..", "models", name), rtol=1e-4, atol=1e-5)
        log(f"  zoo {name:<14} {time.time() - t:6.2f} s")
    t = time.time()
    rng = rng_for("tf_module")
    module = CondWhileModule(rng)
    path = os.path.join(models, "tf_module")
    tf.saved_model.save(module, path, signatures={"serving_default": module.__call__})
    loaded = tf.saved_model.load(path)
    c = Case(zoo, "tf_module")
    x = normal(rng, [3, 4])
    for xs, steps, branch in ((x, 3, 0), (-np.abs(x), 5, 1), (x, 1, 2), (x, 2, 7)):
        call_signature(c, loaded, "serving_default",
                       [("x", xs), ("steps", np.array(steps, np.int32)),
                        ("branch", np.array(branch, np.int32))])
    c.finish(os.path.join("..", "models", "tf_module"), rtol=1e-4, atol=1e-5)
    log(f"  zoo tf_module      {time.time() - t:6.2f} s")
    with open(stamp, "w") as f:
        f.write(digest)


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    corpus, out = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    os.makedirs(out, exist_ok=True)
    tf.config.set_visible_devices([], "GPU")
    log(f"TensorFlow {tf.__version__}; writing TF2 cases into {out}")
    t = time.time()
    write_corpus(corpus, out)
    write_zoo(out)
    log(f"done in {time.time() - t:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
