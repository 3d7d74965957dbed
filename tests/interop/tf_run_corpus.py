#!/usr/bin/env python3
"""Runs the TF1 models of the real corpus in TensorFlow 2.21 (tf.compat.v1) and records outputs.

    tf_run_corpus.py CORPUS_DIR OUTDIR

For every model: OUTDIR/<case>/case.json (format in tf1_case.py) with deterministic inputs and
what TensorFlow computed from them, loaded the TF1 way: tf.import_graph_def for GraphDefs,
tf.compat.v1.train.import_meta_graph + Saver.restore for .meta files, and
tf.compat.v1.saved_model.loader.load for SavedModels. tf1_corpus_test.cc loads the same files
with tfmodel::Model and compares.

Models shipped without weights (TensorFlow.NET's example1 SavedModel and graph/*.meta) get
deterministic values assigned in TensorFlow and saved to a checkpoint in the case dir, which the
case restores before running. For every TF1 SavedModel the case dir also holds
saved_model_cli.txt / saved_model_cli_tags.txt: what `saved_model_cli show --dir D --all` and
`saved_model_cli show --dir D` print (their functions called in-process; checked once against
the real command line).
"""

import contextlib
import io
import os
import subprocess
import sys
import time
import zlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"  # deterministic Eigen kernels

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from google.protobuf import text_format  # noqa: E402
from tensorflow.python.saved_model import loader_impl  # noqa: E402
from tensorflow.python.tools import saved_model_cli  # noqa: E402

from tf1_case import Case, remove_stale  # noqa: E402

v1 = tf.compat.v1
SERVING = "tensorflow-serving/servables/tensorflow/testdata"


def log(msg):
    print(msg, flush=True)


def session(graph):
    config = v1.ConfigProto(allow_soft_placement=True, intra_op_parallelism_threads=1,
                            inter_op_parallelism_threads=1)
    return v1.Session(graph=graph, config=config)


def read_graph_def(path):
    gd = v1.GraphDef()
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".pbtxt"):
        text_format.Merge(data.decode("utf-8"), gd)
    else:
        gd.ParseFromString(data)
    return gd


def read_meta_graph(path):
    """A MetaGraphDef TF 2.21's import_meta_graph accepts: it cannot parse pre-1.0 version
    strings like "0.12.head" (a Python-side check only), so those become "0.12"."""
    mgd = v1.MetaGraphDef()
    with open(path, "rb") as f:
        mgd.ParseFromString(f.read())
    if mgd.meta_info_def.tensorflow_version.endswith(".head"):
        mgd.meta_info_def.tensorflow_version = mgd.meta_info_def.tensorflow_version[:-5]
    return mgd


def rng_for(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def normal(rng, shape, dtype=np.float32, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(dtype)


def float_example(features):
    """A serialized tf.Example with float features {name: [values]}."""
    ex = tf.train.Example()
    for k, vals in features.items():
        ex.features.feature[k].float_list.value.extend(vals)
    return ex.SerializeToString()


class Runner:
    """Runs steps in one TF session and records them into a case."""

    def __init__(self, case, sess, meta_graph_def=None):
        self.case, self.sess, self.mgd = case, sess, meta_graph_def

    def run(self, feeds, fetches, targets=()):
        """feeds: [(name, value)] or prepared case_path tensors via restore()."""
        feed_dict = {n: v for n, v in feeds}
        values = self.sess.run(list(fetches) + list(targets), feed_dict)[:len(fetches)]
        self.case.run_step(feeds, list(zip(fetches, values)), targets)
        return values

    def signature(self, key, inputs, output_keys=None):
        sig = self.mgd.signature_def[key]
        if output_keys is None:
            output_keys = sorted(sig.outputs)
        feed_dict = {sig.inputs[k].name: v for k, v in inputs}
        values = self.sess.run([sig.outputs[k].name for k in output_keys], feed_dict)
        self.case.signature_step(key, inputs, list(zip(output_keys, values)))
        return dict(zip(output_keys, values))

    def restore(self, filename_tensor, restore_op, rel_prefix):
        self.sess.run(restore_op, {filename_tensor: os.path.join(self.case.dir, rel_prefix)})
        self.case.run_step([self.case.case_path(filename_tensor, rel_prefix)], [], [restore_op])


# ---------------------------------------------------------------------------------------------
# Loading the three TF1 ways


def frozen_case(out, corpus, name, rel, feeds, fetches, **fields):
    case = Case(out, name)
    path = os.path.join(corpus, rel)
    g = tf.Graph()
    with g.as_default():
        tf.import_graph_def(read_graph_def(path), name="")
    with session(g) as sess:
        Runner(case, sess).run(feeds, fetches)
    return case.finish(path, **fields)


def meta_case(out, corpus, name, rel, feeds, fetches, ckpt_rel=None):
    case = Case(out, name)
    path = os.path.join(corpus, rel)
    prefix = os.path.join(corpus, ckpt_rel) if ckpt_rel else path[:-len(".meta")]
    g = tf.Graph()
    with g.as_default():
        saver = v1.train.import_meta_graph(read_meta_graph(path))
    with session(g) as sess:
        saver.restore(sess, prefix)
        Runner(case, sess).run(feeds, fetches)
    return case.finish(path)


def show_outputs(case, saved_model_dir):
    """What saved_model_cli prints for `show --dir D --all` and `show --dir D`."""
    for fn, fname in ((saved_model_cli._show_all, "saved_model_cli.txt"),
                      (saved_model_cli._show_tag_sets, "saved_model_cli_tags.txt")):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            fn(saved_model_dir)
        with open(case.path(fname), "w") as f:
            f.write(buf.getvalue())
    case.doc["saved_model_dir"] = saved_model_dir


def saved_model_case(out, name, export_dir, steps, tags=("serve",), load_dir=None, **fields):
    """steps(runner) records the steps; the model is loaded from `load_dir` (a versioned base
    dir) or `export_dir`."""
    case = Case(out, name)
    g = tf.Graph()
    with session(g) as sess:
        mgd = v1.saved_model.loader.load(sess, list(tags), export_dir)
        steps(Runner(case, sess, mgd))
    show_outputs(case, export_dir)
    return case.finish(load_dir or export_dir, load={"tags": list(tags)}, **fields)


# ---------------------------------------------------------------------------------------------
# Cases


def case_cppflow_frozen_graph(out, c):
    x = normal(rng_for("cppflow"), (3, 5))
    return frozen_case(out, c, "cppflow_frozen_graph",
                       "cppflow/examples/load_frozen_graph/model.pb",
                       [("x:0", x)], ["Identity:0"])


def case_cppflow1_load_model(out, c):
    a = np.arange(100, dtype=np.float32).reshape(1, 100)
    return frozen_case(out, c, "cppflow1_load_model",
                       "cppflow/cppflow1/examples/load_model/model.pb",
                       [("input_a:0", a), ("input_b:0", a * 0.5)], ["result:0"])


def mnist_input():
    return np.random.default_rng(784).uniform(0, 1, (4, 784)).astype(np.float64)


def case_cppflow1_mnist_meta(out, c):
    return meta_case(out, c, "cppflow1_mnist_meta",
                     "cppflow/cppflow1/examples/mnist/checkpoint/train.ckpt.meta",
                     [("input:0", mnist_input())], ["prediction:0", "dense/Relu:0"])


def case_cppflow1_mnist_pb(out, c):
    """The same graph as a plain GraphDef with variables, restored like cppflow1 does: feed the
    prefix to save/Const:0 and run save/restore_all."""
    case = Case(out, "cppflow1_mnist_pb")
    path = os.path.join(c, "cppflow/cppflow1/examples/mnist/model.pb")
    prefix = os.path.join(c, "cppflow/cppflow1/examples/mnist/checkpoint/train.ckpt")
    g = tf.Graph()
    with g.as_default():
        tf.import_graph_def(read_graph_def(path), name="")
    with session(g) as sess:
        sess.run("save/restore_all", {"save/Const:0": prefix})
        Runner(case, sess).run([("input:0", mnist_input())], ["prediction:0"])
    return case.finish(path, load={"checkpoint": prefix})


def onnx_frozen(out, c, model, extra_feeds=(), needs_ops=(), rtol=None):
    x = normal(rng_for(model), (1, 784))
    fields = {}
    if needs_ops:
        fields = {"needs_ops": list(needs_ops), "needs_reason": "random-ops branch"}
    if rtol is not None:
        fields["rtol"] = rtol
    return frozen_case(out, c, f"onnx_{model.replace('-', '_')}",
                       f"tensorflow-onnx/tests/models/{model}/frozen.pb",
                       [("X:0", x), *extra_feeds], ["output:0"], **fields)


def case_onnx_fc_layers(out, c):
    return onnx_frozen(out, c, "fc-layers")


def case_onnx_ae0(out, c):
    return onnx_frozen(out, c, "ae0")


def case_onnx_gru(out, c):
    # Dropout draws from RandomUniform. keep_prob 1: the dropout mask floor(keep_prob + U[0,1))
    # is all ones, so TF's output does not depend on the random draw.
    # TF's CPU tanh/sigmoid are Eigen's rational approximations (a few ulp from std::tanh);
    # over the 28-step recurrence that reaches ~1.5e-5 relative on some outputs.
    return onnx_frozen(out, c, "gru", [("keep_prob:0", np.float32(1.0))], ["RandomUniform"],
                       rtol=5e-5)


def case_onnx_lstm(out, c):
    return onnx_frozen(out, c, "lstm", [("keep_prob:0", np.float32(1.0))], ["RandomUniform"],
                       rtol=5e-5)


REGRESSION_X = np.linspace(-2, 3, 6, dtype=np.float32)


def case_onnx_regression_frozen(out, c):
    return frozen_case(out, c, "onnx_regression_frozen",
                       "tensorflow-onnx/tests/models/regression/graphdef/frozen.pb",
                       [("X:0", REGRESSION_X)], ["pred:0"])


def case_onnx_regression_meta(out, c):
    return meta_case(out, c, "onnx_regression_meta",
                     "tensorflow-onnx/tests/models/regression/checkpoint/model.meta",
                     [("X:0", REGRESSION_X)], ["pred:0", "W:0", "b:0"])


def case_onnx_regression_saved_model(out, c):
    def steps(r):
        r.signature("serving_default", [("X", REGRESSION_X)])
        r.run([("X:0", REGRESSION_X.reshape(3, 2))], ["pred:0"])
    return saved_model_case(out, "onnx_regression_saved_model",
                            os.path.join(c, "tensorflow-onnx/tests/models/regression/saved_model"),
                            steps)


def case_onnx_redundant_inputs(out, c):
    rng = rng_for("redundant")
    def steps(r):
        r.signature("serving_default", [("x", normal(rng, (1, 10))), ("y", normal(rng, (1, 10)))])
    return saved_model_case(out, "onnx_redundant_inputs",
                            os.path.join(c, "tensorflow-onnx/tests/models/"
                                            "saved_model_with_redundant_inputs"), steps)


def case_rust_addition(out, c):
    return frozen_case(out, c, "rust_addition", "tensorflow-rust/examples/addition/model.pb",
                       [("x:0", np.int32(2)), ("y:0", np.int32(40))], ["z:0"])


def case_rust_multiplication(out, c):
    return frozen_case(out, c, "rust_multiplication",
                       "tensorflow-rust/tensorflow-sys/examples/assets/multiplication.pb",
                       [("a:0", np.array([1, 2, 3], np.float32)),
                        ("b:0", np.array([4, 5, 6], np.float32))],
                       ["c:0"])


def case_rust_regression_model(out, c):
    def steps(r):
        x = np.array([2.0, -1.0, 0.5], np.float32)
        r.signature("tensorflow/serving/regress", [("x", x), ("y", x * 0.1 + 0.3)])
        r.run([("x:0", np.float32(2.0))], ["y_hat:0"])
    return saved_model_case(out, "rust_regression_model",
                            os.path.join(c, "tensorflow-rust/test_resources/regression-model"),
                            steps, tags=("train", "serve"))


def assign_deterministic(sess, variables, seed, shapes=None):
    """Gives every variable a deterministic value (for models shipped without weights);
    `shapes` for variables of unknown shape."""
    rng = np.random.default_rng(seed)
    for v in sorted(variables, key=lambda v: v.op.name):
        shape = (shapes or {}).get(v.op.name) or v.shape.as_list()
        dtype = v.dtype.base_dtype.as_numpy_dtype
        if v.dtype.base_dtype.is_floating:
            value = normal(rng, shape, dtype, 0.2)
        else:
            value = rng.integers(0, 3, shape).astype(dtype)
        v.load(value, sess)


def case_tfnet_example1(out, c):
    """No variables dir: TF assigns values, saves them with the graph's own (sharded) saver, and
    the case restores them through save/Const:0 + save/restore_all before predicting."""
    case = Case(out, "tfnet_example1")
    export_dir = os.path.join(c, "tensorflow-net/models/example1")
    g = tf.Graph()
    with session(g) as sess:
        # The Python loader insists on variables/ (C++ LoadSavedModel skips the restore).
        mgd = loader_impl.SavedModelLoader(export_dir).get_meta_graph_def_from_tags(["serve"])
        with g.as_default():
            v1.train.import_meta_graph(mgd)
            assign_deterministic(sess, v1.global_variables(), 1)
        sd = mgd.saver_def
        prefix = case.path("ckpt", "variables")
        sess.run(sd.save_tensor_name, {sd.filename_tensor_name: prefix})
        with g.as_default():
            for v in v1.global_variables():
                sess.run(v.initializer)  # forget the values: restore must bring them back
        r = Runner(case, sess, mgd)
        r.restore(sd.filename_tensor_name, sd.restore_op_name, "ckpt/variables")
        rng = rng_for("example1")
        r.signature("serving_default",
                    [("sp", normal(rng, (3, 96))), ("fuel", normal(rng, (3, 96)))])
    show_outputs(case, export_dir)
    return case.finish(export_dir)


def tfnet_graph_case(out, c, name, feeds, fetches, shapes=None):
    """A bare .meta without checkpoint: TF assigns values and saves them by name with a Saver;
    tfmodel loads the .meta with that checkpoint (LoadOptions::checkpoint)."""
    case = Case(out, f"tfnet_{name}")
    path = os.path.join(c, f"tensorflow-net/graph/{name}.meta")
    g = tf.Graph()
    with g.as_default():
        v1.train.import_meta_graph(read_meta_graph(path))
        variables = v1.global_variables()
        saver = v1.train.Saver(variables) if variables else None
    with session(g) as sess:
        fields = {}
        if saver:
            assign_deterministic(sess, variables, 2, shapes)
            prefix = case.path("ckpt", "model.ckpt")
            saver.save(sess, prefix, write_meta_graph=False, write_state=False)
            fields["load"] = {"checkpoint": "ckpt/model.ckpt"}
        Runner(case, sess).run(feeds, fetches)
    return case.finish(path, **fields)


def case_tfnet_xor(out, c):
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
    return tfnet_graph_case(out, c, "xor", [("Placeholder:0", x),
                                            ("Placeholder_1:0", np.array([0, 1, 1, 0], np.int32))],
                            ["Sigmoid:0", "loss:0"])


def case_tfnet_cond_test(out, c):
    return tfnet_graph_case(out, c, "cond_test", [], ["cond/Merge:0", "cond/Merge:1"])


def case_tfnet_word2vec(out, c):
    return tfnet_graph_case(out, c, "word2vec",
                            [("Placeholder:0", np.array([3, 1, 4, 1, 5], np.int32))],
                            ["embedding_lookup:0"])


# The half_plus_two family: every signature, with tf.Examples for string inputs.
EXAMPLES = np.array([float_example({"x": [2.0]}), float_example({"x": [4.0], "x2": [1.0]}),
                     float_example({"x": [-1.5], "x2": [8.0]})], dtype=object)


def every_signature(r, batch=3):
    """Runs every signature; inputs: tf.Examples for strings, else `batch` rows of floats."""
    for key in sorted(r.mgd.signature_def):
        sig = r.mgd.signature_def[key]
        if key.startswith("__"):
            continue
        inputs = []
        for k in sorted(sig.inputs):
            # The placeholder's dtype and shape (old exports' signatures may lack them).
            t = r.sess.graph.get_tensor_by_name(sig.inputs[k].name)
            if t.dtype == tf.string:
                inputs.append((k, EXAMPLES[:batch]))
                continue
            graph_shape = t.shape
            shape = [batch] if graph_shape.rank is None else [
                batch if d is None else d for d in graph_shape.as_list()]
            values = np.linspace(-1, 5, int(np.prod(shape)), dtype=np.float32)
            inputs.append((k, values.reshape(shape)))
        r.signature(key, inputs)


def half_plus_two_case(out, c, variant, version="00000123", base=False):
    d = os.path.join(c, SERVING, variant)
    def steps(r):
        # mkl adds zero convolutions of [1,10,10,1] to its outputs: only batch 1 broadcasts.
        every_signature(r, batch=1 if "mkl" in variant else 3)
        x = np.arange(100, 104, dtype=np.float32)
        if r.sess.graph.get_tensor_by_name("x:0").shape.rank == 2:  # newer exports: [None, 1]
            x = x.reshape(4, 1)
        r.run([("x:0", x)], ["y:0"])
    fields = {}
    if "mkl" in variant:  # its legacy_init_op re-runs every initializer, RandomUniform ones too
        fields = {"needs_ops": ["RandomUniform"], "needs_reason": "random-ops branch"}
    return saved_model_case(out, variant.replace("saved_model_", ""), os.path.join(d, version),
                            steps, load_dir=d if base else None, **fields)


def make_half_plus_two_cases():
    cases = []
    for variant, version, base in [
            ("saved_model_half_plus_two_cpu", "00000123", False),
            ("saved_model_half_plus_two_gpu", "00000123", False),
            ("saved_model_half_plus_two_gpu_trt", "00000123", False),
            ("saved_model_half_plus_two_mkl", "00000123", False),
            ("saved_model_half_plus_two_mlmd", "00000123", False),
            ("saved_model_half_plus_two_2_versions", "00000124", True),
            ("saved_model_half_plus_two_cpu_with_saved_model_config", "00000123", False),
            ("saved_model_half_plus_two_cpu_with_empty_saved_model_config", "00000123", False)]:
        def fn(out, c, variant=variant, version=version, base=base):
            return half_plus_two_case(out, c, variant, version, base)
        fn.__name__ = "case_" + variant.replace("saved_model_", "")
        cases.append(fn)
    return cases


def case_half_plus_three(out, c):
    return saved_model_case(out, "half_plus_three",
                            os.path.join(c, SERVING, "saved_model_half_plus_three/00000123"),
                            every_signature)


def case_matrix_half_plus_two(out, c):
    x = np.arange(1, 19, dtype=np.float32).reshape(2, 3, 3)
    def steps(r):
        r.signature("serving_default", [("x", x)])
    return saved_model_case(out, "matrix_half_plus_two",
                            os.path.join(c, "tensorflow-serving/batching/testdata/"
                                            "matrix_half_plus_two/1"), steps)


def case_counter(out, c):
    def steps(r):  # predict_impl_test.cc's order, then some more
        for key, inputs in [("get_counter", []), ("incr_counter", []), ("reset_counter", []),
                            ("incr_counter", []), ("incr_counter_by", [("delta", np.float32(3))]),
                            ("incr_counter", []), ("get_counter", []),
                            ("incr_counter_by", [("delta", np.float32(-0.5))])]:
            r.signature(key, inputs)
    return saved_model_case(out, "counter",
                            os.path.join(c, SERVING, "saved_model_counter/00000123"), steps)


def case_legacy_half_plus_two(out, c):
    """Pre-SavedModel export: export.meta + a V2 checkpoint with prefix "export"."""
    return meta_case(out, c, "legacy_half_plus_two",
                     f"{SERVING}/half_plus_two/00000123/export.meta",
                     [("Placeholder:0", np.array([1, 2, 3], np.float32))], ["Add:0"])


def v1_checkpoint_case(out, c, name, rel, ckpt_name, feeds, fetches, contains):
    """TensorFlow still reads V1 checkpoints; tfmodel refuses them with a clear error."""
    case = Case(out, name)
    path = os.path.join(c, rel)
    g = tf.Graph()
    with g.as_default():
        saver = v1.train.import_meta_graph(read_meta_graph(path))
    with session(g) as sess:
        saver.restore(sess, os.path.join(os.path.dirname(path), ckpt_name))
        Runner(case, sess).run(feeds, fetches)
    return case.finish(path, expect_load_error=contains)


def case_bad_half_plus_two(out, c):
    return v1_checkpoint_case(out, c, "bad_half_plus_two",
                              f"{SERVING}/bad_half_plus_two/00000123/export.meta", "export",
                              [("Placeholder:0", np.array([1, 2], np.float32))], ["Add:0"],
                              ["V1", "export"])


def case_session_bundle_half_plus_two(out, c):
    return v1_checkpoint_case(out, c, "session_bundle_half_plus_two",
                              "tensorflow-serving/session_bundle/testdata/half_plus_two/00000123/"
                              "export.meta", "export-00000-of-00001",
                              [("x:0", np.array([[1], [2]], np.float32))], ["y:0"],
                              ["V1", "export-00000-of-00001"])


CASES = ([v for k, v in sorted(globals().items()) if k.startswith("case_")] +
         make_half_plus_two_cases())


def check_show_against_cli(out, c):
    """The in-process saved_model_cli functions print what the command line prints."""
    d = os.path.join(c, SERVING, "saved_model_half_plus_two_cpu/00000123")
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    got = subprocess.run([cli, "show", "--dir", d, "--all"], capture_output=True, text=True,
                         check=True, env=dict(os.environ, PYTHONHASHSEED="0")).stdout
    with open(os.path.join(out, "half_plus_two_cpu", "saved_model_cli.txt")) as f:
        want = f.read()
    def strip(s):  # the ops line prints a Python set, in hash order
        return [line for line in s.splitlines() if "contains the following ops" not in line]
    assert strip(got) == strip(want), "saved_model_cli output differs from _show_all"


def main(argv):
    if len(argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    corpus, out = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    os.makedirs(out, exist_ok=True)
    log(f"TensorFlow {tf.__version__}; corpus {corpus}; writing cases into {out}")
    remove_stale(out, {fn.__name__[5:] for fn in CASES})
    total = time.time()
    for fn in CASES:
        t = time.time()
        n = fn(out, corpus)
        log(f"  {fn.__name__[5:]:<48} {n:2d} steps  {time.time() - t:5.2f} s")
    if "--check-cli" in argv:
        check_show_against_cli(out, corpus)
        log("  saved_model_cli command line == in-process output")
    log(f"done in {time.time() - total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
