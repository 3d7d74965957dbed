#!/usr/bin/env python3
"""TensorFlow 2.21 loads the files tfmodel wrote (train_interop_test.cc, WriteForTensorFlow) the
ways the seed tutorial does, and continues tfmodel's training.

    tf_check_tfmodel_files.py OUTDIR --ref-dir REFDIR

For OUTDIR/<ref|resource>/ (case.json, out_ckpt.npy = tfmodel's output for REFDIR/data/x.npy
at the checkpointed state, loss.npy + final_*.npy = tfmodel's next steps from it):
  (a) ckpt/: the `checkpoint` state file names only the last checkpoint (max_to_keep=1) and only
      its files are left; tf.compat.v1.train.import_meta_graph + restore(latest_checkpoint) ->
      output:0 as tfmodel computed it; global_step as saved; then TF runs tfmodel's train_op from
      the .meta for the recorded number of steps: loss per step and every variable (slots too)
      as tfmodel computed them. Also the network rebuilt in TF from source + Saver().restore.
  (b) pb/test-model.pb: tf.import_graph_def(return_elements=["input:0", "output:0"]) -> the same
      output; the variables are Consts.
  (c) saved_model/1: tf.compat.v1.saved_model.loader.load by tag, run by tensor name and by the
      signature's names; tf.saved_model.load(...).signatures["serving_default"]; and
      `saved_model_cli show --dir saved_model/1 --all` succeeds and lists input and output.
Values match within 1e-5 relative (tensors as a whole, the loss step by step). Exits non-zero
listing every failure.
"""
import argparse
import json
import os
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

v1 = tf.compat.v1
FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what, flush=True)
    return cond


def close(got, want, what, series=False):
    """1e-5 relative: a tensor as a whole (max |got - want| <= 1e-5 max |want|, as
    train_models.h compares), a series (the loss per step) element by element."""
    got, want = np.asarray(got), np.asarray(want)
    if not check(got.shape == want.shape and got.dtype == want.dtype,
                 f"{what}: got {got.dtype}{got.shape}, want {want.dtype}{want.shape}"):
        return
    if got.dtype.kind in "iub":
        check(np.array_equal(got, want), f"{what}: got {got}, want {want}")
        return
    g, w = got.astype(np.float64), want.astype(np.float64)
    diff = np.abs(g - w)
    allowed = 1e-5 * (np.abs(w) if series else np.max(np.abs(w), initial=0.0))
    bad = ~(diff <= allowed)
    if bad.any():
        i = np.unravel_index(np.argmax(np.where(bad, diff, 0)), want.shape)
        check(False, f"{what}: {bad.sum()} of {want.size} values differ beyond 1e-5; worst {i}: "
                     f"got {got[i]!r}, want {want[i]!r}")


def check_checkpoint(d, case, x, y):
    ckpt_dir = os.path.join(d, "ckpt")
    step = case["checkpoint_step"]
    base = f"test-model-{step}"
    files = sorted(os.listdir(ckpt_dir))
    check(files == sorted(["checkpoint", base + ".index", base + ".meta",
                           base + ".data-00000-of-00001"]),
          f"{ckpt_dir}: max_to_keep=1 should leave only {base}.*, found {files}")
    state = tf.train.get_checkpoint_state(ckpt_dir)
    latest = tf.train.latest_checkpoint(ckpt_dir)
    if not check(state is not None and latest is not None, f"{ckpt_dir}: no checkpoint state"):
        return
    check(latest.endswith(base), f"latest_checkpoint {latest}, want .../{base}")
    check(list(state.all_model_checkpoint_paths) == [state.model_checkpoint_path],
          f"all_model_checkpoint_paths {list(state.all_model_checkpoint_paths)}")
    want_out = np.load(os.path.join(d, "out_ckpt.npy"))
    with tf.Graph().as_default() as g, v1.Session(graph=g) as sess:
        saver = v1.train.import_meta_graph(latest + ".meta")
        saver.restore(sess, latest)
        X = g.get_tensor_by_name("input:0")
        pred = g.get_tensor_by_name("output:0")
        close(sess.run(pred, {X: x}), want_out, f"{d}: checkpoint output:0")
        gs = v1.train.get_global_step(g)
        if check(gs is not None, f"{d}: the .meta has no global_step collection"):
            check(sess.run(gs) == step, f"{d}: global_step {sess.run(gs)}, want {step}")
        trainable = sorted(v.op.name for v in v1.trainable_variables())
        check(trainable == ["beta", "bias"], f"{d}: trainable variables {trainable}")
        # global_step is a reference variable either way (get_or_create_global_step's default).
        kinds = {v.op.name: v.op.type for v in v1.global_variables()
                 if v.op.name != "global_step"}
        want_op = "VarHandleOp" if case["use_resource"] else "VariableV2"
        check(all(t == want_op for t in kinds.values()), f"{d}: variable ops {kinds}")
        # 4a: TF continues from tfmodel's checkpoint with tfmodel's train_op.
        train_ops = v1.get_collection(v1.GraphKeys.TRAIN_OP)
        check([op.name for op in train_ops] == [case["train_op"]],
              f"{d}: train_op collection {[op.name for op in train_ops]}")
        train_op = g.get_operation_by_name(case["train_op"])
        loss = g.get_tensor_by_name(case["loss"])
        Y = g.get_tensor_by_name(case["label"])
        losses = []
        for _ in range(case["steps"]):
            losses.append(sess.run(loss, {X: x, Y: y}))
            sess.run(train_op, {X: x, Y: y})
        close(np.array(losses, np.float32), np.load(os.path.join(d, "loss.npy")),
              f"{d}: TF continuing tfmodel's training, loss per step", series=True)
        by_name = {v.op.name: v for v in v1.global_variables()}
        check(sorted(by_name) == sorted(case["final"]),
              f"{d}: variables {sorted(by_name)}, tfmodel's {sorted(case['final'])}")
        for name, file in case["final"].items():
            if name in by_name:
                close(sess.run(by_name[name]), np.load(os.path.join(d, file)),
                      f"{d}: after continuing, variable {name}")


def check_rebuilt(d, case, x):
    """The tutorial's other way (2.1): rebuild the network from source, Saver().restore."""
    latest = tf.train.latest_checkpoint(os.path.join(d, "ckpt"))
    with tf.Graph().as_default() as g, v1.Session(graph=g) as sess:
        X = v1.placeholder(name="input", shape=[None, 10], dtype=tf.float32)
        beta = v1.get_variable(name="beta", shape=[10, 1], use_resource=case["use_resource"])
        bias = v1.get_variable(name="bias", shape=[1], use_resource=case["use_resource"])
        pred = tf.add(tf.matmul(X, beta), bias, name="output")
        v1.train.Saver().restore(sess, latest)
        close(sess.run(pred, {X: x}), np.load(os.path.join(d, "out_ckpt.npy")),
              f"{d}: rebuilt network restored from tfmodel's checkpoint")


def check_frozen(d, x):
    want_out = np.load(os.path.join(d, "out_ckpt.npy"))
    with open(os.path.join(d, "pb", "test-model.pb"), "rb") as f:
        graph_def = v1.GraphDef()
        graph_def.ParseFromString(f.read())
    ops = {n.name: n.op for n in graph_def.node}
    check(ops.get("beta") == "Const" and ops.get("bias") == "Const",
          f"{d}: frozen beta/bias are {ops.get('beta')}/{ops.get('bias')}")
    check(not any(op in ("VariableV2", "VarHandleOp", "Assign", "SaveV2") for op in ops.values()),
          f"{d}: the frozen graph still has {sorted(set(ops.values()))}")
    with tf.Graph().as_default() as g:
        X, pred = tf.import_graph_def(graph_def, return_elements=["input:0", "output:0"])
        with v1.Session(graph=g) as sess:
            close(sess.run(pred, {X: x}), want_out, f"{d}: frozen pb output")


def check_saved_model(d, x):
    want_out = np.load(os.path.join(d, "out_ckpt.npy"))
    export_dir = os.path.join(d, "saved_model", "1")
    with tf.Graph().as_default() as g, v1.Session(graph=g) as sess:
        mg = v1.saved_model.loader.load(sess, tags=["serve"], export_dir=export_dir)
        close(sess.run(g.get_tensor_by_name("output:0"), {g.get_tensor_by_name("input:0"): x}),
              want_out, f"{d}: SavedModel by tensor names")
        sig = mg.signature_def["serving_default"]
        check(sig.method_name == "tensorflow/serving/predict", f"method {sig.method_name}")
        X = sig.inputs["input"].name
        pred = sig.outputs["output"].name
        close(sess.run(pred, {X: x}), want_out, f"{d}: SavedModel by signature")
        check([d.size for d in sig.inputs["input"].tensor_shape.dim] == [-1, 10],
              f"{d}: signature input shape {sig.inputs['input'].tensor_shape}")
    loaded = tf.saved_model.load(export_dir)
    fn = loaded.signatures["serving_default"]
    out = fn(input=tf.constant(x))
    check(sorted(out) == ["output"], f"{d}: TF2 signature outputs {sorted(out)}")
    close(out["output"].numpy(), want_out, f"{d}: tf.saved_model.load signature")
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    r = subprocess.run([cli, "show", "--dir", export_dir, "--all"], capture_output=True, text=True,
                       env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    text = r.stdout
    check(r.returncode == 0, f"saved_model_cli failed ({r.returncode}): {r.stderr[-2000:]}")
    for want in ["signature_def['serving_default']", "inputs['input'] tensor_info",
                 "outputs['output'] tensor_info", "shape: (-1, 10)", "shape: (-1, 1)",
                 "name: input:0", "name: output:0", "Method name is: tensorflow/serving/predict"]:
        check(want in text, f"{d}: saved_model_cli output lacks {want!r}:\n{text}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("outdir")
    p.add_argument("--ref-dir", required=True)
    a = p.parse_args()
    x = np.load(os.path.join(a.ref_dir, "data", "x.npy"))
    y = np.load(os.path.join(a.ref_dir, "data", "y.npy"))
    for kind in ("ref", "resource"):
        d = os.path.join(a.outdir, kind)
        case_path = os.path.join(d, "case.json")
        if not check(os.path.exists(case_path), f"{case_path} missing (WriteForTensorFlow)"):
            continue
        with open(case_path) as f:
            case = json.load(f)
        for fn, args in ((check_checkpoint, (d, case, x, y)), (check_rebuilt, (d, case, x)),
                         (check_frozen, (d, x)), (check_saved_model, (d, x))):
            try:
                fn(*args)
            except Exception as e:  # a TF error loading our file is a failure, not a crash
                check(False, f"{d}: {fn.__name__}: {type(e).__name__}: {e}")
        print(f"checked {d}", flush=True)
    if FAILURES:
        print(f"{len(FAILURES)} failure(s)")
        sys.exit(1)
    print("TensorFlow loads and continues tfmodel's files")


if __name__ == "__main__":
    main()
