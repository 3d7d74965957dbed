#!/usr/bin/env python3
"""Writes TF1-style models with TensorFlow 2.21 (tf.compat.v1) and records what they compute.

    tf1_models.py OUTDIR

OUTDIR/models/<family>/ holds the model files; OUTDIR/<case>/case.json (format in tf1_case.py)
loads one of them one way and replays inputs with TensorFlow's outputs. tf1_models_test.cc
loads the same files with tfmodel::Model and compares.

Families:
  seed    the linear regression of /work/shared/seed/000_dfe9e626f0ab2fef.txt, exactly as the
          tutorial builds it (ref variables like TF1), trained a few Adam steps and saved the
          tutorial's three ways: Saver(max_to_keep=1) checkpoints with global_step, a frozen
          test-model.pb (convert_variables_to_constants), a SavedModel at saved_model/1 (and a
          later saved_model/2, so the versioned base dir resolves to 2); plus a text .meta
  mlp     3 dense layers relu/tanh/softmax (resource variables): SavedModel, Saver checkpoint,
          frozen .pb
  cnn     Conv2D, DepthwiseConv2dNative, FusedBatchNormV3 (inference), Relu6, BiasAdd, MaxPool,
          AvgPool, Reshape, dense, Softmax: SavedModel (strip_default_attrs) + frozen .pbtxt
  cnn_edge  SAME/VALID/explicit padding, strides, dilation, NCHW BiasAdd, FusedBatchNorm V1,
          LRN, resizes, MirrorPad: one frozen graph
  init_assets  SavedModelBuilder main_op (tags serve) / legacy_init_op (tags train) and an asset
          whose assets/ path the init ops store in a variable
  strings serialized tf.Example -> ParseExampleV2, StringJoin, DecodeBase64,
          StaticRegexFullMatch: a SavedModel as saved_model.pbtxt (as_text=True)

Each SavedModel case dir also holds saved_model_cli.txt / saved_model_cli_tags.txt (what
`saved_model_cli show --dir D [--all]` prints). Deterministic: fixed graph seeds and inputs.
"""

import os
import shutil
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"  # deterministic Eigen kernels

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from google.protobuf import text_format  # noqa: E402

from tf1_case import Case, prepare_out  # noqa: E402
from tf_run_corpus import Runner, session, show_outputs  # noqa: E402

v1 = tf.compat.v1


def log(msg):
    print(msg, flush=True)


def models_dir(out, family):
    d = os.path.join(out, "models", family)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def rel(case, path):
    return os.path.relpath(path, case.dir)


def save_saved_model(sess, export_dir, inputs, outputs, extra_signatures=None, as_text=False,
                     strip_default_attrs=False):
    builder = v1.saved_model.builder.SavedModelBuilder(export_dir)
    sigs = {"serving_default": v1.saved_model.signature_def_utils.build_signature_def(
        inputs={k: v1.saved_model.utils.build_tensor_info(t) for k, t in inputs.items()},
        outputs={k: v1.saved_model.utils.build_tensor_info(t) for k, t in outputs.items()},
        method_name=v1.saved_model.signature_constants.PREDICT_METHOD_NAME)}
    for key, (ins, outs) in (extra_signatures or {}).items():
        sigs[key] = v1.saved_model.signature_def_utils.build_signature_def(
            inputs={k: v1.saved_model.utils.build_tensor_info(t) for k, t in ins.items()},
            outputs={k: v1.saved_model.utils.build_tensor_info(t) for k, t in outs.items()},
            method_name=v1.saved_model.signature_constants.PREDICT_METHOD_NAME)
    builder.add_meta_graph_and_variables(sess, tags=[v1.saved_model.tag_constants.SERVING],
                                         signature_def_map=sigs,
                                         strip_default_attrs=strip_default_attrs)
    builder.save(as_text=as_text)


def freeze(sess, output_names):
    return v1.graph_util.convert_variables_to_constants(
        sess, sess.graph.as_graph_def(), output_names)


def run_saved_model(case, export_dir, steps):
    """Records steps(runner) against the SavedModel as TF's own loader loads it."""
    with session(tf.Graph()) as sess:
        mgd = v1.saved_model.loader.load(sess, ["serve"], export_dir)
        steps(Runner(case, sess, mgd))
    show_outputs(case, export_dir)


def run_frozen(case, path, prefix, feeds, fetches):
    gd = v1.GraphDef()
    if path.endswith(".pbtxt"):
        with open(path) as f:
            text_format.Merge(f.read(), gd)
    else:
        with open(path, "rb") as f:
            gd.ParseFromString(f.read())
    g = tf.Graph()
    with g.as_default():
        tf.import_graph_def(gd, name=prefix)
    with session(g) as sess:
        Runner(case, sess).run(feeds, fetches)


def run_meta(case, meta, prefix, feeds, fetches):
    g = tf.Graph()
    with g.as_default():
        saver = v1.train.import_meta_graph(meta)
    with session(g) as sess:
        saver.restore(sess, prefix)
        Runner(case, sess).run(feeds, fetches)


# ---------------------------------------------------------------------------------------------
# The seed tutorial's linear regression


def build_seed_graph():
    size = 10
    X = v1.placeholder(name="input", shape=[None, size], dtype=tf.float32)
    y = v1.placeholder(name="label", shape=[None, 1], dtype=tf.float32)
    # TF1 made ref variables (VariableV2); tf.compat.v1 in TF2 defaults to resource variables.
    beta = v1.get_variable(name="beta", shape=[size, 1], initializer=v1.glorot_normal_initializer(),
                           use_resource=False)
    bias = v1.get_variable(name="bias", shape=[1], initializer=v1.glorot_normal_initializer(),
                           use_resource=False)
    pred = tf.add(tf.matmul(X, beta), bias, name="output")
    loss = v1.losses.mean_squared_error(y, pred)
    train_op = v1.train.AdamOptimizer(learning_rate=0.001, beta1=0.9, beta2=0.999,
                                      epsilon=1e-8).minimize(loss)
    return X, y, pred, train_op


def families_seed(out):
    d = models_dir(out, "seed")
    rng = np.random.default_rng(10)
    feed_X = rng.standard_normal((8, 10)).astype(np.float32)
    feed_y = rng.standard_normal((8, 1)).astype(np.float32)
    g = tf.Graph()
    with g.as_default():
        v1.set_random_seed(1234)
        X, y, pred, train_op = build_seed_graph()
        saver = v1.train.Saver(max_to_keep=1)
        with session(g) as sess:
            sess.run(v1.global_variables_initializer())
            ckpt_dir = os.path.join(d, "model_ckpt")
            cwd = os.getcwd()
            os.chdir(d)  # the tutorial's relative "./model_ckpt/": a relative `checkpoint` file
            try:
                for i in range(1, 4):  # max_to_keep=1: only test-model-3 stays
                    sess.run(train_op, feed_dict={X: feed_X, y: feed_y})
                    saver.save(sess, "./model_ckpt/test-model", global_step=i,
                               write_meta_graph=True)
            finally:
                os.chdir(cwd)
            # The tutorial imports a .meta of another step, then restores the latest checkpoint.
            v1.train.export_meta_graph(os.path.join(ckpt_dir, "test-model.meta"),
                                       saver_def=saver.saver_def)
            v1.train.export_meta_graph(os.path.join(ckpt_dir, "test-model-text.meta"),
                                       saver_def=saver.saver_def, as_text=True)
            constant_graph = freeze(sess, ["input", "label", "beta", "bias", "output"])
            os.makedirs(os.path.join(d, "model_pb"))
            with open(os.path.join(d, "model_pb", "test-model.pb"), "wb") as f:
                f.write(constant_graph.SerializeToString())
            save_saved_model(sess, os.path.join(d, "saved_model", "1"), {"input": X},
                             {"output": pred})
            sess.run(train_op, feed_dict={X: feed_X, y: feed_y})  # version 2 differs
            save_saved_model(sess, os.path.join(d, "saved_model", "2"), {"input": X},
                             {"output": pred})
    assert sorted(os.listdir(ckpt_dir)) == [
        "checkpoint", "test-model-3.data-00000-of-00001", "test-model-3.index",
        "test-model-3.meta", "test-model-text.meta", "test-model.meta"], os.listdir(ckpt_dir)
    x = np.ones((8, 10), np.float32)  # the tutorial's feed
    x2 = np.random.default_rng(11).standard_normal((3, 10)).astype(np.float32)
    n = 0

    case = Case(out, "seed_ckpt_meta")  # .meta beside its checkpoint, by tensor names
    meta = os.path.join(ckpt_dir, "test-model-3.meta")
    run_meta(case, meta, os.path.join(ckpt_dir, "test-model-3"), [("input:0", x)],
             ["output:0", "beta:0", "bias:0"])
    n += case.finish(rel(case, meta))

    case = Case(out, "seed_ckpt_latest")  # another .meta + tf.train.latest_checkpoint(dir)
    meta = os.path.join(ckpt_dir, "test-model.meta")
    latest = v1.train.latest_checkpoint(ckpt_dir)
    assert latest.endswith("test-model-3"), latest
    run_meta(case, meta, latest, [("input:0", x2)], ["output:0"])
    n += case.finish(rel(case, meta))

    case = Case(out, "seed_ckpt_text_meta")  # a text MetaGraphDef (as_text=True)
    meta = os.path.join(ckpt_dir, "test-model-text.meta")
    run_meta(case, meta, latest, [("input:0", x2)], ["output:0"])
    n += case.finish(rel(case, meta))

    pb = os.path.join(d, "model_pb", "test-model.pb")
    case = Case(out, "seed_frozen_import")  # tf.import_graph_def's default "import/" prefix
    run_frozen(case, pb, "import", [("import/input:0", x)], ["import/output:0", "import/beta:0"])
    n += case.finish(rel(case, pb), load={"import_prefix": "import"})

    case = Case(out, "seed_frozen")  # name="": the file's names
    run_frozen(case, pb, "", [("input:0", x2)], ["output:0", "bias:0"])
    n += case.finish(rel(case, pb))

    sm = os.path.join(d, "saved_model")

    def by_tensor_names_and_signature(r):
        r.run([("input:0", x)], ["output:0"])
        r.signature("serving_default", [("input", x2)])

    case = Case(out, "seed_saved_model")  # tags ["serve"]: signature keys and tensor names
    run_saved_model(case, os.path.join(sm, "1"), by_tensor_names_and_signature)
    n += case.finish(rel(case, os.path.join(sm, "1")), load={"tags": ["serve"]})

    case = Case(out, "seed_saved_model_base")  # the versioned base dir: version 2
    run_saved_model(case, os.path.join(sm, "2"), by_tensor_names_and_signature)
    n += case.finish(rel(case, sm))
    return n


# ---------------------------------------------------------------------------------------------
# MLP, CNN, strings


def dense(x, n_out, name, activation=None):
    with v1.variable_scope(name):
        w = v1.get_variable("kernel", [x.shape[-1], n_out],
                            initializer=v1.glorot_uniform_initializer())
        b = v1.get_variable("bias", [n_out], initializer=v1.random_normal_initializer(stddev=0.1))
        y = tf.nn.bias_add(tf.matmul(x, w), b)
        return activation(y) if activation else y


def families_mlp(out):
    d = models_dir(out, "mlp")
    x_in = np.random.default_rng(20).standard_normal((5, 20)).astype(np.float32)
    g = tf.Graph()
    with g.as_default():
        v1.set_random_seed(20)
        x = v1.placeholder(tf.float32, [None, 20], name="x")
        h1 = dense(x, 32, "dense", tf.nn.relu)
        h2 = dense(h1, 16, "dense_1", tf.nn.tanh)
        probs = tf.nn.softmax(dense(h2, 5, "dense_2"), name="probs")
        saver = v1.train.Saver()
        with session(g) as sess:
            sess.run(v1.global_variables_initializer())
            save_saved_model(sess, os.path.join(d, "saved_model"), {"x": x}, {"probs": probs})
            prefix = saver.save(sess, os.path.join(d, "ckpt", "model.ckpt"))
            frozen = freeze(sess, ["probs"])  # resource variables: ReadVariableOp -> Identity
    pb = os.path.join(d, "frozen.pb")
    with open(pb, "wb") as f:
        f.write(frozen.SerializeToString())
    n = 0
    case = Case(out, "mlp_frozen")
    run_frozen(case, pb, "", [("x:0", x_in)], ["probs:0"])
    n += case.finish(rel(case, pb))
    case = Case(out, "mlp_saved_model")

    def steps(r):
        r.signature("serving_default", [("x", x_in)])
        r.run([("x:0", x_in[:2])], ["dense/Relu:0", "dense_1/Tanh:0", "probs:0"])

    run_saved_model(case, os.path.join(d, "saved_model"), steps)
    n += case.finish(rel(case, os.path.join(d, "saved_model")))
    case = Case(out, "mlp_ckpt_meta")
    run_meta(case, prefix + ".meta", prefix, [("x:0", x_in)], ["probs:0"])
    n += case.finish(rel(case, prefix + ".meta"))
    return n


def families_cnn(out):
    d = models_dir(out, "cnn")
    x_in = np.random.default_rng(30).standard_normal((2, 16, 16, 3)).astype(np.float32)
    g = tf.Graph()
    with g.as_default():
        v1.set_random_seed(30)
        init = v1.random_normal_initializer(stddev=0.3)
        x = v1.placeholder(tf.float32, [None, 16, 16, 3], name="image")
        k = v1.get_variable("conv/kernel", [3, 3, 3, 8], initializer=init)
        b = v1.get_variable("conv/bias", [8], initializer=init)
        y = tf.nn.bias_add(tf.nn.conv2d(x, k, strides=[1, 1, 1, 1], padding="SAME"), b)
        scale = v1.get_variable("bn/gamma", [8],
                                initializer=v1.random_uniform_initializer(0.5, 1.5))
        offset = v1.get_variable("bn/beta", [8], initializer=init)
        mean = v1.get_variable("bn/moving_mean", [8], initializer=init, trainable=False)
        var = v1.get_variable("bn/moving_variance", [8],
                              initializer=v1.random_uniform_initializer(0.5, 2), trainable=False)
        y, _, _ = v1.nn.fused_batch_norm(y, scale, offset, mean=mean, variance=var, epsilon=1e-3,
                                         is_training=False)
        y = tf.nn.relu6(y)
        dk = v1.get_variable("dw/depthwise_kernel", [3, 3, 8, 2], initializer=init)
        db = v1.get_variable("dw/bias", [16], initializer=init)
        y = tf.nn.relu(tf.nn.bias_add(
            tf.nn.depthwise_conv2d(y, dk, strides=[1, 2, 2, 1], padding="VALID"), db))  # 7x7x16
        y = tf.nn.max_pool2d(y, ksize=2, strides=2, padding="SAME")  # 4x4
        y = tf.nn.avg_pool2d(y, ksize=2, strides=1, padding="VALID")  # 3x3
        y = tf.reshape(y, [-1, 3 * 3 * 16], name="flatten")
        probs = tf.nn.softmax(dense(y, 10, "logits"), name="probs")
        with session(g) as sess:
            sess.run(v1.global_variables_initializer())
            # strip_default_attrs: attrs at their OpDef default are left out of the NodeDefs.
            save_saved_model(sess, os.path.join(d, "saved_model"), {"image": x}, {"probs": probs},
                             strip_default_attrs=True)
            frozen = freeze(sess, ["probs"])
    ops = {n.op for n in frozen.node}
    for op in ("Conv2D", "DepthwiseConv2dNative", "FusedBatchNormV3", "Relu6", "BiasAdd", "MaxPool",
               "AvgPool", "Reshape", "MatMul", "Softmax"):
        assert op in ops, f"the CNN has no {op}: {sorted(ops)}"
    pbtxt = os.path.join(d, "frozen.pbtxt")
    with open(pbtxt, "w") as f:
        f.write(text_format.MessageToString(frozen))
    n = 0
    case = Case(out, "cnn_frozen_pbtxt")
    run_frozen(case, pbtxt, "", [("image:0", x_in)], ["probs:0", "flatten:0", "Relu6:0"])
    n += case.finish(rel(case, pbtxt))
    case = Case(out, "cnn_saved_model")
    run_saved_model(case, os.path.join(d, "saved_model"),
                    lambda r: r.signature("serving_default", [("image", x_in)]))
    n += case.finish(rel(case, os.path.join(d, "saved_model")))
    return n


def families_cnn_edge(out):
    """Padding, stride, dilation and format corners of the conv/pool family in one frozen graph."""
    d = models_dir(out, "cnn_edge")
    rng = np.random.default_rng(40)
    x_in = rng.standard_normal((2, 10, 10, 4)).astype(np.float32)
    g = tf.Graph()
    with g.as_default():
        x = v1.placeholder(tf.float32, [None, 10, 10, 4], name="x")

        def const(name, *shape):
            return tf.constant(rng.standard_normal(shape).astype(np.float32) * 0.5, name=name)

        outs = {
            "conv_s2_same": tf.nn.conv2d(x, const("k1", 3, 3, 4, 6), 2, "SAME"),  # pads 0 / 1
            "conv_even_same": tf.nn.conv2d(x, const("k2", 2, 2, 4, 6), 1, "SAME"),
            "conv_dilated": tf.nn.conv2d(x, const("k3", 3, 3, 4, 6), 1, "SAME", dilations=2),
            "conv_s2_valid": tf.nn.conv2d(x, const("k4", 3, 3, 4, 5), [1, 2, 3, 1], "VALID"),
            "conv_explicit": tf.nn.conv2d(x, const("k5", 3, 3, 4, 3), 1,
                                          [[0, 0], [1, 2], [2, 0], [0, 0]]),
            "depthwise_s2_same": tf.nn.depthwise_conv2d(x, const("dk", 3, 3, 4, 2), [1, 2, 2, 1],
                                                        "SAME"),
            "avg_s2_same": tf.nn.avg_pool2d(x, 3, 2, "SAME"),  # divides by the in-bounds count
            "max_s2_same": tf.nn.max_pool2d(x, 3, 2, "SAME"),
            "max_valid_rect": tf.nn.max_pool2d(x, [2, 3], [1, 2], "VALID"),
            "bias_nchw": tf.nn.bias_add(tf.transpose(x, [0, 3, 1, 2]), const("b", 4),
                                        data_format="NCHW"),
            "fused_bn_v1": tf.raw_ops.FusedBatchNorm(
                x=x, scale=const("s", 4) + 1, offset=const("o", 4), mean=const("m", 4),
                variance=tf.abs(const("v", 4)) + 0.5, epsilon=1e-3, is_training=False)[0],
            "global_mean": tf.reduce_mean(x, [1, 2]),
            "lrn": tf.nn.local_response_normalization(x, depth_radius=2, bias=1.0, alpha=0.1,
                                                      beta=0.75),
            "resize_half_pixel": v1.image.resize_bilinear(x, [7, 13], half_pixel_centers=True),
            "resize_align": v1.image.resize_bilinear(x, [7, 13], align_corners=True),
            "resize_nearest": v1.image.resize_nearest_neighbor(x, [15, 6]),
            "leaky_elu_selu": tf.concat([tf.nn.leaky_relu(x, 0.1), tf.nn.elu(x), tf.nn.selu(x)],
                                        -1),
            "mirror_pad": tf.pad(x, [[0, 0], [2, 1], [1, 2], [0, 0]], mode="REFLECT"),
        }
        outs = {"out_" + k: tf.identity(v, name="out_" + k) for k, v in outs.items()}
    pb = os.path.join(d, "frozen.pb")
    with open(pb, "wb") as f:
        f.write(g.as_graph_def().SerializeToString())
    case = Case(out, "cnn_edge_frozen")
    run_frozen(case, pb, "", [("x:0", x_in)], [k + ":0" for k in sorted(outs)])
    return case.finish(rel(case, pb))


def families_init_assets(out):
    """SavedModelBuilder's init ops and assets: main_op (tags serve) and legacy_init_op (tags
    train) run after the restore, with the asset tensor fed its path under assets/."""
    d = models_dir(out, "init_assets")
    vocab = os.path.join(d, "vocab.txt")
    with open(vocab, "w") as f:
        f.write("a\nb\n")
    export = os.path.join(d, "saved_model")
    g = tf.Graph()
    with g.as_default():
        v = v1.get_variable("v", [3], initializer=v1.constant_initializer([1.0, 2.0, 3.0]),
                            use_resource=False)
        x = v1.placeholder(tf.float32, [None, 3], name="x")
        y = tf.multiply(x, v, name="y")
        asset = tf.constant(vocab, name="vocab_filename")
        v1.add_to_collection(v1.GraphKeys.ASSET_FILEPATHS, asset)
        asset_var = v1.Variable("", name="asset_path", use_resource=False)
        main_op = tf.group(v1.assign(v, v * 10.0), v1.assign(asset_var, asset), name="main_op")
        legacy = tf.group(v1.assign_add(v, [1.0, 1.0, 1.0]), v1.assign(asset_var, asset),
                          name="legacy_init_op")
        sig = v1.saved_model.signature_def_utils.predict_signature_def(
            {"x": x}, {"y": y, "asset": asset_var.value()})
        with session(g) as sess:
            sess.run(v1.global_variables_initializer())
            builder = v1.saved_model.builder.SavedModelBuilder(export)
            builder.add_meta_graph_and_variables(
                sess, ["serve"], signature_def_map={"serving_default": sig},
                assets_collection=v1.get_collection(v1.GraphKeys.ASSET_FILEPATHS), main_op=main_op)
            g.clear_collection("saved_model_main_op")  # one init op per MetaGraph
            builder.add_meta_graph(
                ["train"], signature_def_map={"train_default": sig},
                assets_collection=v1.get_collection(v1.GraphKeys.ASSET_FILEPATHS),
                legacy_init_op=legacy)
            builder.save()
    x_in = np.array([[1, 1, 1], [0.5, -1, 2]], np.float32)
    n = 0
    for name, tags, key in (("init_main_op", ["serve"], "serving_default"),
                            ("init_legacy_op", ["train"], "train_default")):
        case = Case(out, name)
        with session(tf.Graph()) as sess:
            mgd = v1.saved_model.loader.load(sess, tags, export)
            Runner(case, sess, mgd).signature(key, [("x", x_in)])
        if name == "init_main_op":
            show_outputs(case, export)
        n += case.finish(rel(case, export), load={"tags": tags})
    return n


def example(floats, label, word):
    ex = tf.train.Example()
    if floats is not None:  # absent: the default (present but empty is an error)
        ex.features.feature["f"].float_list.value.extend(floats)
    if label is not None:
        ex.features.feature["label"].int64_list.value.append(label)
    if word is not None:
        ex.features.feature["word"].bytes_list.value.append(word)
    return ex.SerializeToString()


def families_strings(out):
    d = models_dir(out, "strings")
    g = tf.Graph()
    with g.as_default():
        examples = v1.placeholder(tf.string, [None], name="examples")
        parsed = tf.io.parse_example(examples, {
            "f": tf.io.FixedLenFeature([3], tf.float32, default_value=[0.5, 0.25, 0.125]),
            "label": tf.io.FixedLenFeature([1], tf.int64, default_value=[-1]),
            "word": tf.io.FixedLenFeature([], tf.string, default_value="none")})
        w = v1.get_variable("w", [3], initializer=v1.constant_initializer([1.0, -2.0, 0.5]))
        score = tf.reduce_sum(parsed["f"] * w, axis=1, name="score")
        label = tf.identity(parsed["label"], name="label")
        word = tf.identity(parsed["word"], name="word")
        text = v1.placeholder(tf.string, [None], name="text")
        b64 = v1.placeholder(tf.string, [None], name="b64")
        joined = tf.strings.join([text, word, "suffix"], separator="-", name="joined")
        decoded = tf.io.decode_base64(b64, name="decoded")
        matched = tf.strings.regex_full_match(text, "[a-z]+[0-9]*", name="matched")
        with session(g) as sess:
            sess.run(v1.global_variables_initializer())
            save_saved_model(sess, os.path.join(d, "saved_model"), {"examples": examples},
                             {"score": score, "label": label, "word": word},
                             extra_signatures={"strings": (
                                 {"text": text, "b64": b64, "examples": examples},
                                 {"joined": joined, "decoded": decoded, "matched": matched})},
                             as_text=True)
    export = os.path.join(d, "saved_model")
    assert os.path.exists(os.path.join(export, "saved_model.pbtxt")), os.listdir(export)
    pb = tf.io.gfile.GFile(os.path.join(export, "saved_model.pbtxt")).read()
    for op in ("ParseExampleV2", "StringJoin", "DecodeBase64", "StaticRegexFullMatch"):
        assert f'op: "{op}"' in pb, f"no {op} in the strings model"
    exs = np.array([example([1, 2, 3], 7, b"apple"), example([-1, 0.5, 4], None, b"kiwi"),
                    example(None, 3, None), b""], dtype=object)
    texts = np.array([b"abc12", b"Abc", b"x", b"hello world"], dtype=object)
    b64s = np.array([b"aGVsbG8", b"", b"AAEC_w", b"dGZtb2RlbA=="], dtype=object)
    case = Case(out, "strings_saved_model_pbtxt")

    def steps(r):
        r.signature("serving_default", [("examples", exs)])
        r.signature("strings", [("text", texts), ("b64", b64s), ("examples", exs)])

    run_saved_model(case, export, steps)
    return case.finish(rel(case, export))


FAMILIES = [families_seed, families_mlp, families_cnn, families_cnn_edge, families_init_assets,
            families_strings]
CASE_NAMES = {"seed_ckpt_meta", "seed_ckpt_latest", "seed_ckpt_text_meta", "seed_frozen_import",
              "seed_frozen", "seed_saved_model", "seed_saved_model_base", "mlp_saved_model",
              "mlp_ckpt_meta", "mlp_frozen", "cnn_frozen_pbtxt", "cnn_saved_model",
              "cnn_edge_frozen", "init_main_op", "init_legacy_op", "strings_saved_model_pbtxt"}


def main(argv):
    out = prepare_out(argv, __doc__, CASE_NAMES)
    if out is None:
        return 2
    log(f"TensorFlow {tf.__version__}; writing models and cases into {out}")
    total = time.time()
    for fn in FAMILIES:
        t = time.time()
        n = fn(out)
        log(f"  {fn.__name__[9:]:<10} {n:2d} steps  {time.time() - t:5.2f} s")
    got = {d for d in os.listdir(out) if os.path.exists(os.path.join(out, d, "case.json"))}
    assert got == CASE_NAMES, f"cases {sorted(got ^ CASE_NAMES)} differ from CASE_NAMES"
    log(f"done in {time.time() - total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
