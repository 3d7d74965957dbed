#!/usr/bin/env python3
"""TensorFlow 2.21 (tf.compat.v1 graph mode) trains, initialises and checkpoints the seed models:
the expected values for train_interop_test.cc.

    tf_train_reference.py OUTDIR

OUTDIR/data/          x.npy [32,10], y.npy [32,1], onehot.npy [32,3]: the fixed training data
OUTDIR/optimizers/<case>/
    case.json         {"model", "optimizer", "params", "use_resource", "steps",
                       "init": {var: file}, "final": {var: file},  (var = TF variable name)
                       "sensitivity": {"loss" | var: relative change under a 1-ulp nudge}}
    init_<k>.npy      the starting value of each trainable variable (fed to constant_initializer)
    loss.npy          [steps] float32: the loss before each step (a separate run, then train_op)
    final_<k>.npy     every global variable after the last step (slots and beta powers included)
OUTDIR/initializers/<case>/
    case.json         {"graph_seed": int|null, "vars": [{"name", "init", "shape", "dtype",
                       "seed": int|null, "args": {...}, "file"}]} in creation order
    <k>.npy           the variable's initial value (compared bit for bit)
OUTDIR/tf_ckpt/<ref|resource>/   TF trains the seed model for K steps and saves; tfmodel continues
    ckpt/             Saver(max_to_keep=1).save(..., "ckpt/test-model", global_step=K): checkpoint,
                      test-model-K.{index,data-00000-of-00001,meta}
    case.json         {"loss", "train_op", "input", "label", "steps", "final": {var: file}}
    loss.npy          [steps] the loss before each of the next `steps` TF steps from that state
    final_<k>.npy     every global variable after them

The models (all built with tf.compat.v1 layers of ops, names as the seed tutorial gives them):
  linear       input [None,10], label [None,1], beta [10,1], bias [1],
               output = add(matmul(input, beta), bias), mean_squared_error
  mlp_relu     10-16-1: relu(bias_add(matmul(input, w1), b1)) @ w2 + b2, mean_squared_error
  mlp_softmax  10-16-3: relu(bias_add(matmul(input, w1), b1)) @ w2 + b2, softmax_cross_entropy
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

v1 = tf.compat.v1
v1.disable_eager_execution()

STEPS = 100
CONTINUE_STEPS = 10
CKPT_STEPS = 5

# Learning rates small enough that 100 steps stay away from the regime where rounding noise
# dominates (a gradient EMA of a converged bias crossing zero); see "sensitivity" below.
OPTIMIZERS = {
    "gradient_descent": ("GradientDescent", {"learning_rate": 0.02}),
    "momentum": ("Momentum", {"learning_rate": 0.002, "momentum": 0.9}),
    "nesterov": ("Momentum", {"learning_rate": 0.001, "momentum": 0.9, "use_nesterov": True}),
    "adam": ("Adam", {"learning_rate": 0.003, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}),
    "rmsprop": ("RMSProp", {"learning_rate": 0.001, "decay": 0.9, "momentum": 0.0,
                            "epsilon": 1e-10, "centered": False}),
    "rmsprop_momentum": ("RMSProp", {"learning_rate": 0.0005, "decay": 0.9, "momentum": 0.9,
                                     "epsilon": 1e-10, "centered": False}),
    "rmsprop_centered": ("RMSProp", {"learning_rate": 0.0003, "decay": 0.9, "momentum": 0.9,
                                     "epsilon": 1e-10, "centered": True}),
    "adagrad": ("Adagrad", {"learning_rate": 0.05, "initial_accumulator_value": 0.1}),
}

MODEL_VARS = {
    "linear": [("beta", [10, 1]), ("bias", [1])],
    "mlp_relu": [("w1", [10, 16]), ("b1", [16]), ("w2", [16, 1]), ("b2", [1])],
    "mlp_softmax": [("w1", [10, 16]), ("b1", [16]), ("w2", [16, 3]), ("b2", [3])],
}


def log(msg):
    print(msg, flush=True)


def make_data(rng):
    x = rng.normal(size=[32, 10]).astype(np.float32)
    w = rng.normal(size=[10, 1]).astype(np.float32)
    y = (x @ w + 0.5 + 0.1 * rng.normal(size=[32, 1])).astype(np.float32)
    classes = np.argmax(x[:, :3] + 0.3 * rng.normal(size=[32, 3]), axis=1)
    onehot = np.eye(3, dtype=np.float32)[classes]
    return {"x": x, "y": y, "onehot": onehot}


def build_model(model, init_values, use_resource):
    """Returns (input, label, output, loss, variables) in the default graph."""
    x = v1.placeholder(tf.float32, [None, 10], name="input")
    label_dim = 3 if model == "mlp_softmax" else 1
    y = v1.placeholder(tf.float32, [None, label_dim], name="label")
    vs = {}
    for name, shape in MODEL_VARS[model]:
        vs[name] = v1.get_variable(name, shape, initializer=v1.constant_initializer(
            init_values[name]), use_resource=use_resource)
    if model == "linear":
        out = tf.add(tf.matmul(x, vs["beta"]), vs["bias"], name="output")
        loss = v1.losses.mean_squared_error(y, out)
    else:
        h = tf.nn.relu(tf.nn.bias_add(tf.matmul(x, vs["w1"]), vs["b1"]))
        out = tf.add(tf.matmul(h, vs["w2"]), vs["b2"], name="output")
        if model == "mlp_relu":
            loss = v1.losses.mean_squared_error(y, out)
        else:
            loss = v1.losses.softmax_cross_entropy(y, out)
    return x, y, out, loss, vs


def make_optimizer(kind):
    cls, params = OPTIMIZERS[kind]
    if cls == "GradientDescent":
        return v1.train.GradientDescentOptimizer(**params)
    if cls == "Momentum":
        return v1.train.MomentumOptimizer(**params)
    if cls == "Adam":
        return v1.train.AdamOptimizer(**params)
    if cls == "RMSProp":
        return v1.train.RMSPropOptimizer(**params)
    return v1.train.AdagradOptimizer(**params)


def save_values(case_dir, prefix, names, values):
    files = {}
    for k, (name, value) in enumerate(zip(names, values)):
        files[name] = f"{prefix}_{k}.npy"
        np.save(os.path.join(case_dir, files[name]), value)
    return files


def initial_values(model, rng):
    out = {}
    for name, shape in MODEL_VARS[model]:
        scale = 0.1 if name.startswith("b") else 0.4
        out[name] = rng.uniform(-scale, scale, size=shape).astype(np.float32)
    return out


def train(model, kind, init, data, use_resource):
    """TF trains `model` STEPS steps: (losses, {variable name: final value}, variable names)."""
    with tf.Graph().as_default() as g:
        x, y, _, loss, _ = build_model(model, init, use_resource)
        train_op = make_optimizer(kind).minimize(loss)
        variables = v1.global_variables()
        labels = data["onehot"] if model == "mlp_softmax" else data["y"]
        feed = {x: data["x"], y: labels}
        losses = []
        with v1.Session(graph=g) as sess:
            sess.run(v1.global_variables_initializer())
            for _ in range(STEPS):
                losses.append(sess.run(loss, feed))
                sess.run(train_op, feed)
            final = sess.run(variables)
    return np.array(losses, dtype=np.float32), final, [v.op.name for v in variables]


def norm_rel(a, b):
    """max |a - b| / max |a|: the relative difference of two tensors as a whole."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a)), 1e-30)) if a.size else 0.0


def one_ulp(values, rng):
    """`values` with every element moved one float32 ulp up or down."""
    out = {}
    for k, v in values.items():
        target = np.where(rng.integers(0, 2, v.shape) == 1, np.float32(np.inf),
                          np.float32(-np.inf)).astype(np.float32)
        out[k] = np.nextafter(v, target).astype(np.float32)
    return out


def optimizer_case(outdir, data, model, kind, use_resource, rng):
    """Also measures how sensitive TF itself is to rounding in this case ("sensitivity": the
    relative difference TF shows when the start values move by one ulp, per tensor and for the
    loss), so the C++ test can tell rounding from a wrong formula: its tolerance is
    max(1e-5, 10 * sensitivity)."""
    name = f"{model}_{kind}_{'resource' if use_resource else 'ref'}"
    case_dir = os.path.join(outdir, "optimizers", name)
    os.makedirs(case_dir, exist_ok=True)
    init = initial_values(model, rng)
    losses, final, var_names = train(model, kind, init, data, use_resource)
    sensitivity = {"loss": 0.0, **{n: 0.0 for n in var_names}}
    for _ in range(2):
        l2, f2, _ = train(model, kind, one_ulp(init, rng), data, use_resource)
        sensitivity["loss"] = max(sensitivity["loss"],
                                  float(np.max(np.abs(l2 - losses) / np.abs(losses))))
        for n, a, b in zip(var_names, final, f2):
            sensitivity[n] = max(sensitivity[n], norm_rel(a, b))
    worst = max(sensitivity.values())
    if worst > 1e-4:
        raise RuntimeError(f"{name}: TF itself moves by {worst:.1e} when the start values move "
                           f"one ulp ({sensitivity}); choose better-conditioned parameters")
    np.save(os.path.join(case_dir, "loss.npy"), losses)
    case = {"model": model, "optimizer": OPTIMIZERS[kind][0], "params": OPTIMIZERS[kind][1],
            "use_resource": use_resource, "steps": STEPS, "sensitivity": sensitivity,
            "init": save_values(case_dir, "init", list(init), list(init.values())),
            "final": save_values(case_dir, "final", var_names, final)}
    if not np.all(np.isfinite(losses)) or not losses[-1] < 0.9 * losses[0]:
        raise RuntimeError(f"{name}: the loss does not fall ({losses[0]} -> {losses[-1]})")
    with open(os.path.join(case_dir, "case.json"), "w") as f:
        json.dump(case, f, indent=1)
    return name, worst


# ---- initializers ------------------------------------------------------------------------------

def initializer(kind, seed, args):
    if kind == "glorot_normal":
        return v1.glorot_normal_initializer(seed=seed)
    if kind == "glorot_uniform":
        return v1.glorot_uniform_initializer(seed=seed)
    if kind == "truncated_normal":
        return v1.truncated_normal_initializer(seed=seed, **args)
    if kind == "random_normal":
        return v1.random_normal_initializer(seed=seed, **args)
    if kind == "random_uniform":
        return v1.random_uniform_initializer(seed=seed, **args)
    raise ValueError(kind)


INIT_SPECS = [  # (name, initializer, shape, dtype, args)
    ("beta", "glorot_normal", [10, 1], "float32", {}),
    ("bias", "glorot_normal", [1], "float32", {}),
    ("dense/kernel", "glorot_uniform", [10, 16], "float32", {}),
    ("conv/kernel", "glorot_normal", [3, 3, 4, 8], "float32", {}),
    ("conv/kernel_u", "glorot_uniform", [5, 5, 3, 2], "float32", {}),
    ("tn", "truncated_normal", [5, 7], "float32", {"mean": 0.5, "stddev": 2.0}),
    ("rn", "random_normal", [33], "float32", {"mean": -1.0, "stddev": 0.5}),
    ("ru", "random_uniform", [4, 4, 3], "float32", {"minval": -2.0, "maxval": 3.0}),
    ("rn64", "random_normal", [9], "float64", {"mean": 0.25, "stddev": 3.0}),
    ("tn64", "truncated_normal", [2, 6], "float64", {"mean": 0.0, "stddev": 1.0}),
    ("ru64", "random_uniform", [7], "float64", {"minval": 0.0, "maxval": 1.0}),
]


def initializer_case(outdir, name, graph_seed, op_seeds):
    case_dir = os.path.join(outdir, "initializers", name)
    os.makedirs(case_dir, exist_ok=True)
    specs = []
    with tf.Graph().as_default() as g:
        if graph_seed is not None:
            v1.set_random_seed(graph_seed)
        variables = []
        for (vname, kind, shape, dtype, args), seed in zip(INIT_SPECS, op_seeds):
            variables.append(v1.get_variable(vname, shape, dtype=getattr(tf, dtype),
                                             initializer=initializer(kind, seed, args)))
            specs.append({"name": vname, "init": kind, "shape": shape, "dtype": dtype,
                          "seed": seed, "args": args, "file": f"{len(specs)}.npy"})
        with v1.Session(graph=g) as sess:
            sess.run(v1.global_variables_initializer())
            values = sess.run(variables)
        # Seeded: a second session of the same graph starts the generators afresh, same values.
        with v1.Session(graph=g) as sess:
            sess.run(v1.global_variables_initializer())
            again = sess.run(variables)
    for spec, value, value2 in zip(specs, values, again):
        if graph_seed is not None or spec["seed"] is not None:
            if not np.array_equal(value, value2):
                raise RuntimeError(f"{name}/{spec['name']}: seeded values differ between runs")
        np.save(os.path.join(case_dir, spec["file"]), value)
    with open(os.path.join(case_dir, "case.json"), "w") as f:
        json.dump({"graph_seed": graph_seed, "vars": specs}, f, indent=1)


# ---- TF's checkpoint for tfmodel to continue from -------------------------------------------

def tf_checkpoint_case(outdir, data, use_resource, rng):
    kind = "resource" if use_resource else "ref"
    case_dir = os.path.join(outdir, "tf_ckpt", kind)
    ckpt_dir = os.path.join(case_dir, "ckpt")
    os.makedirs(ckpt_dir, exist_ok=True)
    init = initial_values("linear", rng)
    with tf.Graph().as_default() as g:
        x, y, _, loss, _ = build_model("linear", init, use_resource)
        global_step = v1.train.get_or_create_global_step()
        train_op = v1.train.AdamOptimizer(0.001, 0.9, 0.999, 1e-8).minimize(
            loss, global_step=global_step)
        saver = v1.train.Saver(max_to_keep=1)
        feed = {x: data["x"], y: data["y"]}
        losses = []
        with v1.Session(graph=g) as sess:
            sess.run(v1.global_variables_initializer())
            for step in range(1, CKPT_STEPS + 1):
                sess.run(train_op, feed)
                saver.save(sess, os.path.join(ckpt_dir, "test-model"), global_step=step)
            for _ in range(CONTINUE_STEPS):
                losses.append(sess.run(loss, feed))
                sess.run(train_op, feed)
            variables = v1.global_variables()
            final = sess.run(variables)
    np.save(os.path.join(case_dir, "loss.npy"), np.array(losses, dtype=np.float32))
    case = {"loss": loss.name, "train_op": train_op.name, "input": x.name, "label": y.name,
            "steps": CONTINUE_STEPS, "checkpoint_step": CKPT_STEPS,
            "final": save_values(case_dir, "final", [v.op.name for v in variables], final)}
    with open(os.path.join(case_dir, "case.json"), "w") as f:
        json.dump(case, f, indent=1)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    outdir = sys.argv[1]
    rng = np.random.default_rng(20260301)
    data = make_data(rng)
    os.makedirs(os.path.join(outdir, "data"), exist_ok=True)
    for k, v in data.items():
        np.save(os.path.join(outdir, "data", f"{k}.npy"), v)
    cases, worst = [], (0.0, "")
    for model in MODEL_VARS:
        for kind in OPTIMIZERS:
            for use_resource in (False, True):
                name, s = optimizer_case(outdir, data, model, kind, use_resource, rng)
                cases.append(name)
                worst = max(worst, (s, name))
    log(f"optimizers: {len(cases)} cases; most sensitive to rounding: {worst[1]} ({worst[0]:.1e})")
    n = len(INIT_SPECS)
    initializer_case(outdir, "op_seeds", None, [101 + 7 * k for k in range(n)])
    initializer_case(outdir, "graph_seed", 42, [None] * n)
    initializer_case(outdir, "graph_and_op_seeds", 7,
                     [None if k % 2 else 1000 + k for k in range(n)])
    initializer_case(outdir, "negative_and_big_seeds", 2**40 + 3,
                     [-5 if k % 3 == 0 else (2**31 - 1 if k % 3 == 1 else None)
                      for k in range(n)])
    log("initializers: 4 cases")
    for use_resource in (False, True):
        tf_checkpoint_case(outdir, data, use_resource, rng)
    log("tf_ckpt: ref, resource")
    with open(os.path.join(outdir, "cases.json"), "w") as f:
        json.dump({"optimizers": cases,
                   "initializers": ["op_seeds", "graph_seed", "graph_and_op_seeds",
                                    "negative_and_big_seeds"],
                   "tf_ckpt": ["ref", "resource"]}, f, indent=1)
    log(f"wrote {outdir}")


if __name__ == "__main__":
    main()
