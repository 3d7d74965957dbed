"""Writes the inference benchmark's models as TF1 SavedModels with TensorFlow 2.21.

  make_inference_models.py OUT_DIR

OUT_DIR/linear/1  the seed linear regression: input [None,10] -> matmul(beta [10,1]) + bias [1]
OUT_DIR/mlp/1     784-256-128-10, relu, softmax
OUT_DIR/cnn/1     32x32x3: conv3x3(16)+BN+relu6, depthwise3x3/2+BN+relu6, conv1x1(32)+BN+relu6,
                  maxpool2, conv3x3(64)+relu6, avgpool2, global mean, dense 10
Every model has signature "serving_default" with input "input" and output "output"
(tensors input:0 and output:0). Variables are reference variables (VariableV2), as the seed.
"""
import os
import shutil
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf1 = tf.compat.v1
tf1.disable_v2_behavior()


def variable(name, shape, rng, scale=None):
    fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
    scale = scale if scale is not None else np.sqrt(2.0 / max(fan_in, 1))
    init = (rng.standard_normal(shape) * scale).astype(np.float32)
    return tf1.get_variable(name, shape=shape, initializer=tf1.constant_initializer(init))


def batch_norm(x, name, rng):
    c = int(x.shape[-1])
    with tf1.variable_scope(name):
        gamma = variable("gamma", [c], rng, 0.1)
        beta = variable("beta", [c], rng, 0.1)
        mean = variable("moving_mean", [c], rng, 0.1)
        var = tf1.get_variable("moving_variance", shape=[c],
                               initializer=tf1.constant_initializer(
                                   (1.0 + rng.random(c)).astype(np.float32)))
    y, _, _ = tf1.nn.fused_batch_norm(x, 1.0 + gamma, beta, mean, var, epsilon=1e-3,
                                      is_training=False)
    return y


def linear(rng):
    x = tf1.placeholder(tf.float32, [None, 10], name="input")
    beta = variable("beta", [10, 1], rng)
    bias = variable("bias", [1], rng)
    return x, tf.add(tf.matmul(x, beta), bias, name="output")


def mlp(rng):
    x = tf1.placeholder(tf.float32, [None, 784], name="input")
    h = x
    for i, (a, b) in enumerate([(784, 256), (256, 128)]):
        h = tf.nn.relu(tf.matmul(h, variable(f"w{i}", [a, b], rng)) + variable(f"b{i}", [b], rng))
    logits = tf.matmul(h, variable("w2", [128, 10], rng)) + variable("b2", [10], rng)
    return x, tf.nn.softmax(logits, name="output")


def cnn(rng):
    x = tf1.placeholder(tf.float32, [None, 32, 32, 3], name="input")
    h = tf.nn.conv2d(x, variable("conv1", [3, 3, 3, 16], rng), 1, "SAME")
    h = tf.nn.relu6(batch_norm(h, "bn1", rng))
    h = tf.nn.depthwise_conv2d(h, variable("dw2", [3, 3, 16, 1], rng), [1, 2, 2, 1], "SAME")
    h = tf.nn.relu6(batch_norm(h, "bn2", rng))
    h = tf.nn.conv2d(h, variable("pw3", [1, 1, 16, 32], rng), 1, "SAME")
    h = tf.nn.relu6(batch_norm(h, "bn3", rng))
    h = tf.nn.max_pool2d(h, 2, 2, "VALID")
    h = tf.nn.conv2d(h, variable("conv4", [3, 3, 32, 64], rng), 1, "SAME")
    h = tf.nn.relu6(tf.nn.bias_add(h, variable("b4", [64], rng, 0.1)))
    h = tf.nn.avg_pool2d(h, 2, 2, "VALID")
    h = tf.reduce_mean(h, axis=[1, 2])
    logits = tf.matmul(h, variable("fc", [64, 10], rng)) + variable("fc_b", [10], rng, 0.1)
    return x, tf.identity(logits, name="output")


def save(out_dir, name, build):
    path = os.path.join(out_dir, name, "1")
    shutil.rmtree(os.path.join(out_dir, name), ignore_errors=True)
    graph = tf.Graph()
    with graph.as_default():
        x, y = build(np.random.default_rng(42))
        with tf1.Session(graph=graph) as sess:
            sess.run(tf1.global_variables_initializer())
            builder = tf1.saved_model.Builder(path)
            sig = tf1.saved_model.signature_def_utils.predict_signature_def({"input": x},
                                                                            {"output": y})
            builder.add_meta_graph_and_variables(sess, [tf1.saved_model.tag_constants.SERVING],
                                                 signature_def_map={"serving_default": sig})
            builder.save()
    print(path)


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    for name, build in [("linear", linear), ("mlp", mlp), ("cnn", cnn)]:
        save(out_dir, name, build)


if __name__ == "__main__":
    main()
