#!/usr/bin/env python3
"""TensorFlow 2.21's training step time for the models of bench/train_bench.cc, two ways:
a tf.compat.v1 Session running the minimize() train op, and a TF2 tf.function training step
(tf.Variables, tf.GradientTape and ResourceApplyAdam, the op TF's Adam optimizers end in).

  tf_train_bench.py [STEPS] [THREADS]   prints "name median_seconds_per_step" lines
Steps are timed in process CPU time (see bench/train_bench.cc).
"""
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
THREADS = int(sys.argv[2]) if len(sys.argv) > 2 else 1
tf.config.threading.set_inter_op_parallelism_threads(THREADS)
tf.config.threading.set_intra_op_parallelism_threads(THREADS)
rng = np.random.default_rng(7)


def data(batch, features, classes):
    x = rng.uniform(-1, 1, (batch, features)).astype(np.float32)
    if classes == 1:
        y = rng.uniform(-1, 1, (batch, 1)).astype(np.float32)
    else:
        y = np.eye(classes, dtype=np.float32)[rng.integers(0, classes, batch)]
    return x, y


def median(fn, steps):
    for _ in range(5):
        fn()
    times = []
    for _ in range(steps):
        t0 = time.process_time()  # CPU time of every thread: TF runs ops on its own threads
        fn()
        times.append(time.process_time() - t0)
    return float(np.median(times))


def layers_v1(kind, x, y):
    v1 = tf.compat.v1
    if kind == "seed":
        beta = v1.get_variable("beta", [10, 1], initializer=v1.glorot_normal_initializer(seed=1))
        bias = v1.get_variable("bias", [1], initializer=v1.glorot_normal_initializer(seed=2))
        pred = tf.add(tf.matmul(x, beta), bias, name="output")
        return v1.losses.mean_squared_error(y, pred)
    h, fan_in = x, 784
    for i, units in enumerate([256, 128]):
        w = v1.get_variable(f"dense_{i}/kernel", [fan_in, units],
                            initializer=v1.glorot_uniform_initializer(seed=i + 1))
        b = v1.get_variable(f"dense_{i}/bias", [units], initializer=v1.zeros_initializer())
        h = tf.nn.relu(tf.nn.bias_add(tf.matmul(h, w), b))
        fan_in = units
    w = v1.get_variable("logits/kernel", [fan_in, 10], initializer=v1.glorot_uniform_initializer(seed=3))
    b = v1.get_variable("logits/bias", [10], initializer=v1.zeros_initializer())
    return v1.losses.softmax_cross_entropy(y, tf.nn.bias_add(tf.matmul(h, w), b))


def session_step(kind, batch):
    features, classes = (10, 1) if kind == "seed" else (784, 10)
    xv, yv = data(batch, features, classes)
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, features], name="input")
        y = tf.compat.v1.placeholder(tf.float32, [None, classes], name="label")
        train = tf.compat.v1.train.AdamOptimizer(0.001).minimize(layers_v1(kind, x, y))
        init = tf.compat.v1.global_variables_initializer()
    config = tf.compat.v1.ConfigProto(inter_op_parallelism_threads=THREADS,
                                      intra_op_parallelism_threads=THREADS)
    sess = tf.compat.v1.Session(graph=g, config=config)
    sess.run(init)
    feed = {x: xv, y: yv}
    return median(lambda: sess.run(train, feed), STEPS if kind == "seed" else max(20, STEPS // 4))


def function_step(kind, batch):
    features, classes = (10, 1) if kind == "seed" else (784, 10)
    x_np, y_np = data(batch, features, classes)
    xv, yv = tf.constant(x_np), tf.constant(y_np)
    init = tf.keras.initializers.GlorotUniform(seed=1)
    if kind == "seed":
        shapes = [[10, 1], [1]]
    else:
        shapes = [[784, 256], [256], [256, 128], [128], [128, 10], [10]]
    params = [tf.Variable(init(s) if len(s) == 2 else tf.zeros(s)) for s in shapes]
    slots = [(tf.Variable(tf.zeros(s)), tf.Variable(tf.zeros(s))) for s in shapes]
    b1p, b2p = tf.Variable(0.9), tf.Variable(0.999)

    def forward(x):
        if kind == "seed":
            return tf.matmul(x, params[0]) + params[1]
        h = x
        for i in range(0, 4, 2):
            h = tf.nn.relu(tf.matmul(h, params[i]) + params[i + 1])
        return tf.matmul(h, params[4]) + params[5]

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            out = forward(x)
            if kind == "seed":
                loss = tf.reduce_mean(tf.square(out - y))
            else:
                loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(y, out))
        grads = tape.gradient(loss, params)
        for p, (m, v), g in zip(params, slots, grads):
            tf.raw_ops.ResourceApplyAdam(var=p.handle, m=m.handle, v=v.handle, beta1_power=b1p,
                                         beta2_power=b2p, lr=0.001, beta1=0.9, beta2=0.999,
                                         epsilon=1e-8, grad=g)
        b1p.assign(b1p * 0.9)
        b2p.assign(b2p * 0.999)
        return loss

    return median(lambda: step(xv, yv), STEPS if kind == "seed" else max(20, STEPS // 4))


for batch in (32, 256):
    for kind in ("seed", "mlp"):
        print(f"tf_session_{kind}_b{batch} {session_step(kind, batch):.9f}", flush=True)
        print(f"tf_function_{kind}_b{batch} {function_step(kind, batch):.9f}", flush=True)
