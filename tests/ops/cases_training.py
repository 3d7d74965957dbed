"""Op cases for kernels/training.cc: the optimizer update ops, TF1 reference-variable form
(Apply*) and resource form (ResourceApply*). Each optimizer runs single steps in several dtypes
and shapes, a multi-step run (slots carried between steps, Adam's beta powers advancing), and
the error cases TensorFlow rejects (mismatched shapes, non-scalar hyperparameters, integer
dtypes, uninitialised variables)."""
import numpy as np

from caselib import BF16, F16, F32, F64, I32, array, rand

CASES = []


def positive(shape, dtype, lo=0.1, hi=1.0):
    return rand(shape, dtype, lo, hi)


def scalar(v, dtype):
    return array(v, dtype)


# name -> (slot names, slot initialiser, hyperparameters (name, value) in input order, attrs
# variants). Slot initialisers keep the updates well defined (positive accumulators).
def slots_for(name, shape, dt):
    if name in ("GradientDescent",):
        return {}
    if name in ("Momentum", "KerasMomentum"):
        return {"accum": rand(shape, dt, -0.5, 0.5)}
    if name == "Adam":
        return {"m": rand(shape, dt, -0.5, 0.5), "v": positive(shape, dt, 0.0, 0.5)}
    if name == "RMSProp":
        return {"ms": positive(shape, dt, 0.0, 0.5), "mom": rand(shape, dt, -0.1, 0.1)}
    if name == "CenteredRMSProp":
        return {"mg": rand(shape, dt, -0.2, 0.2), "ms": positive(shape, dt, 0.5, 1.0),
                "mom": rand(shape, dt, -0.1, 0.1)}
    if name in ("Adagrad", "AdagradV2"):
        return {"accum": positive(shape, dt, 0.1, 1.0)}
    if name == "Adadelta":
        return {"accum": positive(shape, dt, 0.0, 0.5), "accum_update": positive(shape, dt, 0.0, 0.5)}
    if name in ("Ftrl", "FtrlV2"):
        return {"accum": positive(shape, dt, 0.1, 1.0), "linear": rand(shape, dt, -0.5, 0.5)}
    raise ValueError(name)


HYPER = {
    "GradientDescent": [("alpha", 0.1)],
    "Momentum": [("lr", 0.05), ("momentum", 0.9)],
    "KerasMomentum": [("lr", 0.05), ("momentum", 0.9)],
    "Adam": [("beta1_power", 0.9), ("beta2_power", 0.999), ("lr", 0.01), ("beta1", 0.9),
             ("beta2", 0.999), ("epsilon", 1e-7)],
    "RMSProp": [("lr", 0.01), ("rho", 0.9), ("momentum", 0.5), ("epsilon", 1e-7)],
    "CenteredRMSProp": [("lr", 0.01), ("rho", 0.9), ("momentum", 0.5), ("epsilon", 1e-7)],
    "Adagrad": [("lr", 0.1)],
    "AdagradV2": [("lr", 0.1), ("epsilon", 1e-7)],
    "Adadelta": [("lr", 1.0), ("rho", 0.95), ("epsilon", 1e-6)],
    "Ftrl": [("lr", 0.1), ("l1", 0.01), ("l2", 0.02), ("lr_power", -0.5)],
    "FtrlV2": [("lr", 0.1), ("l1", 0.01), ("l2", 0.02), ("l2_shrinkage", 0.03), ("lr_power", -0.5)],
}
ATTRS = {
    "Momentum": [{}, {"use_nesterov": True}],
    "KerasMomentum": [{}, {"use_nesterov": True}],
    "Adam": [{}, {"use_nesterov": True}],
    "Adagrad": [{}, {"update_slots": False}],
    "AdagradV2": [{}, {"update_slots": False}],
    "Ftrl": [{}, {"multiply_linear_by_lr": True}],
    "FtrlV2": [{}, {"multiply_linear_by_lr": True}],
}
REF_OPS = ["GradientDescent", "Momentum", "Adam", "RMSProp", "CenteredRMSProp", "Adagrad",
           "AdagradV2", "Adadelta", "Ftrl", "FtrlV2"]
RESOURCE_OPS = REF_OPS + ["KerasMomentum"]
GRAD_INPUT = {"GradientDescent": "delta"}


def case(opt, form, shape, dt, attrs=None, hyper=None, **kw):
    name = opt
    op = ("Resource" if form == "resource" else "") + "Apply" + name
    inputs = {"var": rand(shape, dt, -1, 1)}
    inputs.update(slots_for(name, shape, dt))
    variables = list(inputs)
    for k, v in (hyper or HYPER[name]):
        inputs[k] = scalar(v, dt)
    inputs[GRAD_INPUT.get(name, "grad")] = rand(shape, dt, -1, 1)
    c = {"op": op, "inputs": inputs, "variables": variables}
    if attrs:
        c["attrs"] = attrs
    c.update(kw)
    return c


def add(c, override=None):
    if override:
        c["inputs"].update(override)
    CASES.append(c)
    return c


for form, names in (("ref", REF_OPS), ("resource", RESOURCE_OPS)):
    for name in names:
        g = GRAD_INPUT.get(name, "grad")
        for attrs in ATTRS.get(name, [{}]):
            for shape in ([3], [2, 3], []):
                add(case(name, form, shape, F32, attrs))
            add(case(name, form, [2, 2], F64, attrs))
            add(case(name, form, [0], F32, attrs))
        # Lower precision: TF rounds every intermediate to the narrow type, we round once.
        add(case(name, form, [4], F16, tol={"rel": 1e-2, "abs": 5e-3}))
        add(case(name, form, [4], BF16, tol={"rel": 5e-2, "abs": 3e-2}))
        # Several steps, the slots carried over; new gradients each step.
        steps = [{g: rand([5], F32, -1, 1)} for _ in range(3)]
        if name == "Adam":  # the caller advances beta1^t and beta2^t
            for t, st in enumerate(steps, start=2):
                st["beta1_power"] = scalar(0.9 ** t, F32)
                st["beta2_power"] = scalar(0.999 ** t, F32)
        for attrs in ATTRS.get(name, [{}]):
            add(case(name, form, [5], F32, attrs, name=f"{name}_multistep", steps=steps))
        # Errors TensorFlow reports too.
        slot_names = list(slots_for(name, [1], F32))
        if slot_names:
            c = case(name, form, [3], F32, name=f"{name}_slot_shape", expect_error=True)
            add(c, {slot_names[0]: rand([4], F32)})
        add(case(name, form, [3], F32, name=f"{name}_grad_shape", expect_error=True),
            {g: rand([2, 3], F32)})
        first_hyper = HYPER[name][0][0]
        add(case(name, form, [3], F32, name=f"{name}_nonscalar", expect_error=True),
            {first_hyper: rand([2], F32)})
        add(case(name, form, [3], I32, name=f"{name}_int32", expect_error=True),
            {k: array(v, I32) for k, v in HYPER[name]})
        add(case(name, form, [3], F32, name=f"{name}_uninitialized", expect_error=True,
                 uninitialized=["var"]))
        if slot_names:
            add(case(name, form, [3], F32, name=f"{name}_uninitialized_slot", expect_error=True,
                     uninitialized=[slot_names[-1]]))
    # TF 2.21 does not range-check Ftrl's hyperparameters: lr = 0 gives inf/nan, negative
    # l1/l2 and a positive lr_power just compute.
    for name in ("Ftrl", "FtrlV2"):
        for k, odd in (("lr", 0.0), ("l1", -0.1), ("l2", -0.1), ("lr_power", 0.5)):
            add(case(name, form, [3], F32, name=f"{name}_odd_{k}"), {k: scalar(odd, F32)})
        add(case(name, form, [3], F32, hyper=[(k, -0.25 if k == "lr_power" else v)
                                             for k, v in HYPER[name]], name=f"{name}_lr_power"))
    # A variable with a NaN gradient keeps NaN (no hidden clipping).
    add(case("GradientDescent", form, [3], F32, name="GradientDescent_nan"),
        {"delta": array([np.nan, 1.0, -np.inf], F32)})
