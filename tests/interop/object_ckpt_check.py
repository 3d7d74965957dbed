#!/usr/bin/env python3
"""TensorFlow 2.21 restores the object-based checkpoints tfmodel wrote (object_ckpt_test.cc).

    object_ckpt_check.py TF_DIR OUT_DIR

TF_DIR is what object_ckpt_write.py wrote (TF's values as .npy), OUT_DIR what tfmodel wrote.
Every expected value is TF's own dump + 1, computed here. Per checkpoint:

  keras_adam_plus1   a fresh Keras model + Adam (built, so every variable exists) restored with
                     tf.train.Checkpoint(model=, optimizer=).restore().assert_consumed() and
                     assert_existing_objects_matched(); every variable equals TF's + 1 and the
                     prediction equals that of a model given those weights by set_weights.
  keras_scratch      an uncompiled fresh model, tf.train.Checkpoint(model=).restore() of the
                     graph tfmodel built from object paths (+ save_counter, which restore()
                     creates); assert_existing_objects_matched(), the same weights and
                     prediction.
  v1_slots_plus1,    tf.Variables + tf.compat.v1 Adam: restore, create the slots (restored on
  v1_scratch         creation), assert_consumed(); variables, slots and beta powers = TF's + 1.

Before each restore the fresh objects are checked to differ from the expected values, so a
restore that did nothing fails. Prints PASS/FAIL per checkpoint; exits 1 on any failure.
"""

import json
import os
import sys
import traceback

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import object_ckpt_write as gen  # noqa: E402


def tf_values(tf_dir, case):
    """TF's dumped tensors of `case`, by checkpoint key."""
    d = os.path.join(tf_dir, case)
    with open(os.path.join(d, "case.json")) as f:
        c = json.load(f)
    return {t["key"]: np.load(os.path.join(d, t["npy"])) for t in c["tensors"]}


def key(path):
    return path + "/.ATTRIBUTES/VARIABLE_VALUE"


def check_close(what, got, want):
    got = np.asarray(got)
    if got.shape != want.shape or got.dtype != want.dtype or not np.array_equal(got, want):
        raise AssertionError("%s: restored %r, expected %r" % (what, got, want))


def check_differs(what, got, want):
    if np.array_equal(np.asarray(got), want):
        raise AssertionError("%s already holds the expected value before the restore: the "
                             "check could not tell whether the restore happened" % what)


def expected_prediction(weights, x):
    reference = gen.build_keras_model(seed=99)
    reference.set_weights(weights)
    return reference.predict(x, verbose=0)


def check_keras(tf_dir, out_dir, name, with_optimizer):
    tf_case = os.path.join(tf_dir, "keras_adam")
    vals = tf_values(tf_dir, "keras_adam")
    plus1 = {k: v + 1 for k, v in vals.items()}
    weights = [plus1[key("optimizer/_trainable_variables/%d" % i)] for i in range(4)]
    x = np.load(os.path.join(tf_case, "x.npy"))

    model = gen.build_keras_model(seed=7)  # other initial values than TF's and tfmodel's
    for i, v in enumerate(model.weights):
        check_differs("model weight %d" % i, v.numpy(), weights[i])
    prefix = os.path.join(out_dir, name, "ckpt-1" if with_optimizer else "ckpt")
    if with_optimizer:
        opt = keras.optimizers.Adam(0.01)
        model.compile(optimizer=opt, loss="mse")
        opt.build(model.trainable_variables)
        check_differs("optimizer iterations", opt.iterations.numpy(),
                      plus1[key("optimizer/_iterations")])
        ckpt = tf.train.Checkpoint(model=model, optimizer=opt)
        status = ckpt.restore(prefix)
        status.assert_consumed()
        status.assert_existing_objects_matched()
        check_close("save_counter", ckpt.save_counter.numpy(), plus1[key("save_counter")])
        check_close("iterations", opt.iterations.numpy(), plus1[key("optimizer/_iterations")])
        check_close("learning_rate", opt.learning_rate.numpy(),
                    plus1[key("optimizer/_learning_rate")])
        for i in range(2, 10):  # momentums and velocities
            check_close("optimizer/_variables/%d" % i, opt.variables[i].numpy(),
                        plus1[key("optimizer/_variables/%d" % i)])
    else:
        ckpt = tf.train.Checkpoint(model=model)
        status = ckpt.restore(prefix)
        status.assert_existing_objects_matched()
        check_close("save_counter", ckpt.save_counter.numpy(), plus1[key("save_counter")])
    for i, v in enumerate(model.weights):
        check_close("model weight %d (%s)" % (i, v.path), v.numpy(), weights[i])
    got = model.predict(x, verbose=0)
    want = expected_prediction(weights, x)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    # And it is not TF's model: the + 1 changed its output.
    if np.allclose(got, np.load(os.path.join(tf_case, "prediction.npy"))):
        raise AssertionError("the prediction equals the un-updated model's")


def check_v1(tf_dir, out_dir, name, prefix_name):
    plus1 = {k: v + 1 for k, v in tf_values(tf_dir, "v1_slots").items()}
    v, w, opt = gen.build_v1_objects()
    variables = {"v": v, "w": w}
    for n, var in variables.items():
        check_differs(n, var.numpy(), plus1[key(n)])
    ckpt = tf.train.Checkpoint(v=v, w=w, opt=opt)
    status = ckpt.restore(os.path.join(out_dir, name, prefix_name))
    # The slots and beta powers are created now and restored on creation.
    opt._create_slots([v, w])  # pylint: disable=protected-access
    status.assert_consumed()
    status.assert_existing_objects_matched()
    for n, var in variables.items():
        check_close(n, var.numpy(), plus1[key(n)])
        for slot in ("m", "v"):
            check_close("%s slot %s" % (n, slot), opt.get_slot(var, slot).numpy(),
                        plus1[key("%s/.OPTIMIZER_SLOT/opt/%s" % (n, slot))])
    check_close("save_counter", ckpt.save_counter.numpy(), plus1[key("save_counter")])
    beta1, beta2 = opt._get_beta_accumulators()  # pylint: disable=protected-access
    check_close("beta1_power", beta1.numpy(), plus1[key("opt/beta1_power")])
    check_close("beta2_power", beta2.numpy(), plus1[key("opt/beta2_power")])


def main():
    tf_dir, out_dir = sys.argv[1], sys.argv[2]
    checks = [
        ("keras_adam_plus1", lambda: check_keras(tf_dir, out_dir, "keras_adam_plus1", True)),
        ("keras_scratch", lambda: check_keras(tf_dir, out_dir, "keras_scratch", False)),
        ("v1_slots_plus1", lambda: check_v1(tf_dir, out_dir, "v1_slots_plus1", "ckpt-1")),
        ("v1_scratch", lambda: check_v1(tf_dir, out_dir, "v1_scratch", "ckpt")),
    ]
    failed = 0
    for name, check in checks:
        try:
            check()
            print("PASS", name)
        except Exception:  # noqa: BLE001 -- report every case
            failed += 1
            print("FAIL %s: %s" % (name, traceback.format_exc()))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
