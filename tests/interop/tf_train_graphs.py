#!/usr/bin/env python3
"""Writes TF1 training graphs and TensorFlow's results of training them (the oracle for
train_graphs_test.cc).

  tf_train_graphs.py OUTDIR

For each case, OUTDIR/<case>/ gets
  graph.pb          the GraphDef of a small model + loss + tf.compat.v1 optimizer.minimize()
  case.json         {"init": op, "train": op, "loss": tensor, "feeds": [tensor, ...],
                     "reads": [tensor, ...], "steps": N}
  feed_<s>_<i>.npy  the value of feeds[i] at step s
  want_<s>_<j>.npy  reads[j] after step s (0-based), as TensorFlow computed it
  loss_<s>.npy      the loss TensorFlow computed in step s (with the pre-step variables)
Variables start from constants (no random ops), so our session computes the same start.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

v1 = tf.compat.v1
STEPS = 4
rng = np.random.default_rng(7)


def const_init(shape, scale=0.5):
    return v1.constant_initializer(rng.uniform(-scale, scale, size=shape).astype(np.float32))


def mlp(use_resource):
    """x [8, 4] -> dense(5) + relu -> dense(3) -> sparse softmax xent + L2 of the first kernel."""
    x = v1.placeholder(tf.float32, [8, 4], name="x")
    y = v1.placeholder(tf.int32, [8], name="y")
    w1 = v1.get_variable("w1", [4, 5], initializer=const_init([4, 5]), use_resource=use_resource)
    b1 = v1.get_variable("b1", [5], initializer=const_init([5], 0.1), use_resource=use_resource)
    w2 = v1.get_variable("w2", [5, 3], initializer=const_init([5, 3]), use_resource=use_resource)
    b2 = v1.get_variable("b2", [3], initializer=const_init([3], 0.1), use_resource=use_resource)
    h = tf.nn.relu(tf.nn.bias_add(tf.matmul(x, w1), b1))
    logits = tf.matmul(h, w2) + b2
    loss = v1.losses.sparse_softmax_cross_entropy(y, logits) + 0.01 * tf.nn.l2_loss(w1)
    feeds = [(x, lambda: rng.normal(size=[8, 4]).astype(np.float32)),
             (y, lambda: rng.integers(0, 3, size=[8]).astype(np.int32))]
    return loss, [w1, b1, w2, b2], feeds


def cnn(use_resource):
    """x [2, 6, 6, 2] -> conv 3x3 SAME + fused batch norm + relu6 -> max pool -> dense -> MSE."""
    x = v1.placeholder(tf.float32, [2, 6, 6, 2], name="x")
    t = v1.placeholder(tf.float32, [2, 2], name="t")
    k = v1.get_variable("k", [3, 3, 2, 3], initializer=const_init([3, 3, 2, 3]),
                        use_resource=use_resource)
    gamma = v1.get_variable("gamma", [3], initializer=v1.ones_initializer(),
                            use_resource=use_resource)
    beta = v1.get_variable("beta", [3], initializer=v1.zeros_initializer(),
                           use_resource=use_resource)
    w = v1.get_variable("w", [27, 2], initializer=const_init([27, 2]), use_resource=use_resource)
    c = tf.nn.conv2d(x, k, strides=1, padding="SAME")
    n, _, _ = v1.nn.fused_batch_norm(c, gamma, beta, is_training=True)
    p = tf.nn.max_pool2d(tf.nn.relu6(n), 2, 2, "VALID")
    out = tf.tanh(tf.matmul(tf.reshape(p, [2, 27]), w))
    loss = v1.losses.mean_squared_error(t, out)
    feeds = [(x, lambda: rng.normal(size=[2, 6, 6, 2]).astype(np.float32)),
             (t, lambda: rng.uniform(-1, 1, size=[2, 2]).astype(np.float32))]
    return loss, [k, gamma, beta, w], feeds


OPTIMIZERS = {
    "sgd": lambda: v1.train.GradientDescentOptimizer(0.1),
    "momentum": lambda: v1.train.MomentumOptimizer(0.1, 0.9),
    "nesterov": lambda: v1.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True),
    "adam": lambda: v1.train.AdamOptimizer(0.01),
    "rmsprop": lambda: v1.train.RMSPropOptimizer(0.01),
    "rmsprop_centered": lambda: v1.train.RMSPropOptimizer(0.01, momentum=0.5, centered=True),
    "adagrad": lambda: v1.train.AdagradOptimizer(0.1),
    "adadelta": lambda: v1.train.AdadeltaOptimizer(1.0),
    "ftrl": lambda: v1.train.FtrlOptimizer(0.1, l1_regularization_strength=0.001),
}


def write_case(outdir, name, model, opt_name, use_resource):
    case_dir = os.path.join(outdir, name)
    os.makedirs(case_dir, exist_ok=True)
    with tf.Graph().as_default() as g:
        loss, variables, feeds = model(use_resource)
        train = OPTIMIZERS[opt_name]().minimize(
            loss, global_step=v1.train.get_or_create_global_step(), name="train")
        init = v1.global_variables_initializer()
        # Reads of every variable (and the optimizer's slots): the values after each step.
        all_vars = v1.global_variables()
        reads = [tf.identity(v, name=f"read_{i}") for i, v in enumerate(all_vars)]
        tf.io.write_graph(g.as_graph_def(), case_dir, "graph.pb", as_text=False)
        with v1.Session(graph=g) as sess:
            sess.run(init)
            for s in range(STEPS):
                fd = {}
                for i, (ph, make) in enumerate(feeds):
                    fd[ph] = make()
                    np.save(os.path.join(case_dir, f"feed_{s}_{i}.npy"), fd[ph])
                loss_value, _ = sess.run([loss, train], feed_dict=fd)
                np.save(os.path.join(case_dir, f"loss_{s}.npy"), np.asarray(loss_value))
                for j, value in enumerate(sess.run(reads)):
                    np.save(os.path.join(case_dir, f"want_{s}_{j}.npy"), np.asarray(value))
        meta = {"init": init.name, "train": train.name, "loss": loss.name,
                "feeds": [ph.name for ph, _ in feeds], "reads": [r.name for r in reads],
                "variables": [v.op.name for v in all_vars], "steps": STEPS,
                "ops": sorted({op.type for op in g.get_operations()})}
    with open(os.path.join(case_dir, "case.json"), "w") as f:
        json.dump(meta, f, indent=1)
    return meta


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    names = []
    for use_resource in (False, True):
        kind = "resource" if use_resource else "ref"
        for opt_name in OPTIMIZERS:
            names.append(f"mlp_{opt_name}_{kind}")
            write_case(outdir, names[-1], mlp, opt_name, use_resource)
        for opt_name in ("adam", "momentum"):
            names.append(f"cnn_{opt_name}_{kind}")
            write_case(outdir, names[-1], cnn, opt_name, use_resource)
    with open(os.path.join(outdir, "cases.json"), "w") as f:
        json.dump({"tensorflow_version": tf.__version__, "cases": names}, f, indent=1)
    print(f"wrote {len(names)} training graphs to {outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
