"""Op cases for the math families: math_binary, math_unary, activations, reduce, matmul."""
import numpy as np
import tensorflow as tf

from caselib import case_adder
from caselib import (BF16, BOOL, F16, F32, F64, FLOATS, I32, I64, INTS, REALS, U8, array,
                     nonzero, rand, special)

CASES = []


add = case_adder(CASES)


# Shape pairs for broadcasting: same, vector, 3-way stretch, scalars, empty.
BCAST = [([2, 3], [2, 3]), ([2, 3], [3]), ([2, 1, 4], [3, 1]), ([], [2, 3]), ([2, 3], []),
         ([], []), ([0, 3], [3]), ([4, 1], [1, 5]), ([2, 3, 4, 5], [3, 1, 5])]
FLOOR_TYPES = [F32, F64, I32, I64, U8]
SIGNED = FLOATS + [I32, I64]  # what TF allows for Neg, Abs, Sign, SquaredDifference

# ---- math_binary -------------------------------------------------------------------------------
ARITH = ["Add", "AddV2", "Sub", "Mul", "Maximum", "Minimum", "SquaredDifference"]
for op in ARITH + ["RealDiv", "Div", "FloorDiv", "FloorMod", "Pow"]:
    types = {"RealDiv": FLOATS, "Pow": FLOATS + [I32, I64], "FloorDiv": FLOOR_TYPES,
             "FloorMod": FLOOR_TYPES, "SquaredDifference": SIGNED}.get(op, REALS)
    divides = op in ("RealDiv", "Div", "FloorDiv", "FloorMod")
    for t in types:
        shapes = BCAST if t == F32 else BCAST[:3] + [BCAST[6]]
        for sx, sy in shapes:
            if op == "Pow":
                x = rand(sx, t, 0.5, 2.0) if t.is_floating else rand(sx, t, -3, 3)
                y = rand(sy, t, -2.0, 2.0) if t.is_floating else rand(sy, t, 0, 4)
            elif divides:
                x = rand(sx, t, -9, 9)
                y = nonzero(sy, t, 1 if t.is_integer else 0.5, 4)
            else:
                x, y = rand(sx, t), rand(sy, t)
            add(op, {"x": x, "y": y})
    add(op, {"x": rand([2, 3]), "y": rand([4])}, expect_error=True, name=op + "_incompatible")

# Integer division semantics (Div truncates, FloorDiv floors, FloorMod takes y's sign).
for op in ("Div", "FloorDiv", "FloorMod"):
    for t in (I32, I64):
        add(op, {"x": array([-7, 7, -7, 7, 0, -1], t), "y": array([2, -2, -2, 2, 3, 5], t)})
        add(op, {"x": array([1, 2], t), "y": array([1, 0], t)}, expect_error=True,
            name=op + "_by_zero")
for op in ("FloorDiv", "FloorMod", "RealDiv", "Div"):
    add(op, {"x": array([-7.5, 7, -7, 1, -1, 0, np.inf], F32),
             "y": array([2, -2, -2, 0, 0, 0, 2], F32)})
add("Pow", {"x": array([2, 3], I32), "y": array([1, -1], I32)}, expect_error=True,
    name="Pow_negative_int_exponent")
add("Maximum", {"x": array([np.nan, 1, 2], F32), "y": array([1, np.nan, -np.inf], F32)})
add("Minimum", {"x": array([np.nan, 1, 2], F32), "y": array([1, np.nan, -np.inf], F32)})
add("Add", {"x": array([2**31 - 1], I32), "y": array([1], I32)}, name="Add_wraps")
add("Mul", {"x": array([2**40], I64), "y": array([2**30], I64)}, name="Mul_wraps")

for op in ("Equal", "NotEqual", "Greater", "GreaterEqual", "Less", "LessEqual"):
    types = REALS + [BOOL] if op in ("Equal", "NotEqual") else REALS
    for t in types:
        shapes = BCAST if t == F32 else BCAST[:3] + [BCAST[6]]
        for sx, sy in shapes:
            x = rand(sx, t, -2, 2)
            y = rand(sy, t, -2, 2)
            add(op, {"x": x, "y": y})
    add(op, {"x": array([np.nan, 1, np.inf], F32), "y": array([np.nan, np.nan, np.inf], F32)})
    add(op, {"x": rand([2, 3]), "y": rand([4])}, expect_error=True, name=op + "_incompatible")
for op in ("Equal", "NotEqual"):
    add(op, {"x": rand([2]), "y": rand([3])}, {"incompatible_shape_error": False},
        name=op + "_incompatible_no_error")

for op in ("LogicalAnd", "LogicalOr"):
    for sx, sy in BCAST:
        add(op, {"x": rand(sx, BOOL), "y": rand(sy, BOOL)})
    add(op, {"x": rand([2, 3], BOOL), "y": rand([4], BOOL)}, expect_error=True)

for t in REALS:
    add("AddN", {"inputs": [rand([2, 3], t) for _ in range(3)]})
add("AddN", {"inputs": [rand([4])]})
add("AddN", {"inputs": [rand([0, 2]), rand([0, 2])]})
add("AddN", {"inputs": [rand([]), rand([]), rand([])]})
add("AddN", {"inputs": [rand([2, 3]), rand([3])]}, expect_error=True, name="AddN_shapes")

for t in REALS + [BOOL]:
    add("Select", {"condition": rand([2, 3], BOOL), "x": rand([2, 3], t), "y": rand([2, 3], t)})
    add("SelectV2", {"condition": rand([2, 1], BOOL), "t": rand([2, 3], t), "e": rand([3], t)})
add("Select", {"condition": rand([2], BOOL), "x": rand([2, 3]), "y": rand([2, 3])},
    name="Select_rows")
STRINGS = np.array([b"a", b"", b"\xffbin", b"long" * 40], dtype=object)
add("Select", {"condition": np.array(False), "x": STRINGS, "y": STRINGS[::-1].copy()},
    name="Select_strings")
add("SelectV2", {"condition": rand([4], BOOL), "t": STRINGS, "e": np.array(b"e", dtype=object)},
    name="SelectV2_strings")
add("Select", {"condition": np.array(True), "x": rand([2, 3]), "y": rand([2, 3])},
    name="Select_scalar")
add("Select", {"condition": rand([0], BOOL), "x": rand([0, 3]), "y": rand([0, 3])})
add("Select", {"condition": rand([3], BOOL), "x": rand([2, 3]), "y": rand([2, 3])},
    expect_error=True, name="Select_bad_condition")
add("Select", {"condition": rand([2], BOOL), "x": rand([2, 3]), "y": rand([2, 2])},
    expect_error=True, name="Select_then_else")
for sc, st, se in [([], [2, 3], [2, 3]), ([2, 3], [], [3]), ([4, 1, 1], [1, 3, 1], [2]),
                   ([0, 1], [1, 3], []), ([2], [2], [2])]:
    add("SelectV2", {"condition": rand(sc, BOOL), "t": rand(st), "e": rand(se)})
add("SelectV2", {"condition": rand([2], BOOL), "t": rand([3]), "e": rand([3])},
    expect_error=True, name="SelectV2_incompatible")

# ---- math_unary --------------------------------------------------------------------------------
UNARY = {
    "Neg": (SIGNED, -3, 3), "Abs": (SIGNED, -3, 3), "Square": (REALS, -3, 3),
    "Sign": (SIGNED, -3, 3), "Sqrt": (FLOATS, 0, 9), "Rsqrt": (FLOATS, 0.1, 9),
    "Exp": (FLOATS, -5, 5), "Log": (FLOATS, 0.01, 9), "Log1p": (FLOATS, -0.9, 9),
    "Floor": (FLOATS, -5, 5), "Ceil": (FLOATS, -5, 5), "Round": (FLOATS, -5, 5),
    "Reciprocal": (FLOATS, 0.5, 4), "Inv": (FLOATS, 0.5, 4),
}
for op, (types, lo, hi) in UNARY.items():
    for t in types:
        add(op, {"x": rand([3, 4], t, lo, hi)})
    add(op, {"x": rand([0, 3], F32, lo, hi)})
    add(op, {"x": rand([], F32, lo, hi)})
    if F32 in types and op != "Sign":
        add(op, {"x": special(F32)}, name=op + "_special")
add("Sign", {"x": array([-0.0, 0.0, 2, -3, np.nan, np.inf], F32)}, name="Sign_special")
add("Round", {"x": array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.49, 1e7 + 0.5], F32)})
add("Round", {"x": array([0.5, 1.5, 2.5, -0.5], F16)})
add("Abs", {"x": array([-2**31, 5], I32)}, name="Abs_int_min")
add("LogicalNot", {"x": rand([2, 3], BOOL)})
add("LogicalNot", {"x": rand([0], BOOL)})

CAST_TYPES = [F32, F64, F16, BF16, tf.int8, tf.int16, I32, I64, U8, tf.uint16, tf.uint32,
              tf.uint64, BOOL]
for src in CAST_TYPES:
    for dst in CAST_TYPES:
        if src == BOOL:
            x = rand([7], BOOL)
        elif src.is_floating:
            x = array([0.0, -0.0, 1.5, -1.5, 2.7, 100.25, -3.9], src) if not dst.is_unsigned \
                else array([0.0, 1.5, 2.7, 100.25, 7.9, 0.5, 255.0], src)
        elif src.is_unsigned:
            x = rand([7], src, 0, 250)
        else:
            x = rand([7], src, -100, 100)
        add("Cast", {"x": x}, {"DstT": dst})
add("Cast", {"x": array([1e10, -1e10, np.nan, 3.7, -3.7, np.inf], F32)}, {"DstT": I32},
    name="Cast_float_int32_out_of_range")
add("Cast", {"x": array([1e20, -1e20, np.nan, 3.7, -3.7], F32)}, {"DstT": I64},
    name="Cast_float_int64_out_of_range")
add("Cast", {"x": array([300, -1, 255, 256], I32)}, {"DstT": U8}, name="Cast_int_wraps")
add("Cast", {"x": array([np.nan, 0.0, -0.0, 0.1], F32)}, {"DstT": BOOL}, name="Cast_nan_bool")
add("Cast", {"x": array([65504, 70000, 1e-8, 3.14159], F32)}, {"DstT": F16})
add("Cast", {"x": array([3.14159, 1e38, -1e-39], F32)}, {"DstT": BF16})
add("Cast", {"x": rand([0, 2])}, {"DstT": I32})

for t in REALS:
    add("ClipByValue", {"t": rand([3, 4], t, -5, 5), "clip_value_min": array(-1, t) if not
                        t.is_unsigned else array(1, t), "clip_value_max": array(2, t)})
add("ClipByValue", {"t": rand([2, 3]), "clip_value_min": rand([2, 3], F32, -2, 0),
                    "clip_value_max": rand([2, 3], F32, 0, 2)})
add("ClipByValue", {"t": array([5, 0, 2], F32), "clip_value_min": array(3, F32),
                    "clip_value_max": array(1, F32)}, name="ClipByValue_min_above_max")
add("ClipByValue", {"t": rand([0, 3]), "clip_value_min": array(0, F32),
                    "clip_value_max": array(1, F32)})
add("ClipByValue", {"t": rand([2, 3]), "clip_value_min": rand([3]),
                    "clip_value_max": array(1, F32)}, expect_error=True,
    name="ClipByValue_broadcast_rejected")

# ---- activations ---------------------------------------------------------------------------------
ACT = {"Sigmoid": "x", "Tanh": "x", "Relu": "features", "Relu6": "features", "Elu": "features",
       "Selu": "features", "LeakyRelu": "features", "Softplus": "features"}
for op, arg in ACT.items():
    types = REALS if op in ("Relu", "Relu6") else FLOATS
    for t in types:
        add(op, {arg: rand([4, 5], t, -8, 8)})
    add(op, {arg: rand([0, 3])})
    add(op, {arg: array([-30, -10, -1e-3, 0, 1e-3, 3, 5.9, 6.1, 10, 30], F32)},
        name=op + "_range")
    add(op, {arg: array([-30, -10, -1e-3, 0, 1e-3, 3, 10, 30], F64)}, name=op + "_range64")
add("Relu", {"features": array([np.nan, -np.inf, np.inf], F32)}, name="Relu_nan")
add("LeakyRelu", {"features": rand([3, 4])}, {"alpha": 0.01})
add("LeakyRelu", {"features": rand([3, 4])}, {"alpha": 1.5})
add("Softplus", {"features": array([-20, -15, -13, -12, 12, 13, 15, 20, 100], F32)},
    name="Softplus_thresholds")

for op in ("Softmax", "LogSoftmax"):
    for t in FLOATS:
        add(op, {"logits": rand([3, 5], t, -4, 4)})
    add(op, {"logits": rand([7], F32, -50, 50)})
    add(op, {"logits": rand([2, 3, 4], F32, -4, 4)})
    add(op, {"logits": array([[1000, 1000, -1000], [-np.inf, 0, 0]], F32)}, name=op + "_extreme")
    add(op, {"logits": array([[-np.inf, -np.inf], [np.nan, 1]], F32)}, name=op + "_nan")
    add(op, {"logits": rand([0, 4])})
    add(op, {"logits": rand([3, 0])})
    add(op, {"logits": array(1.0, F32)}, expect_error=True, name=op + "_scalar")

for t in REALS:
    add("BiasAdd", {"value": rand([2, 3, 4], t), "bias": rand([4], t)})
add("BiasAdd", {"value": rand([2, 3, 4, 5]), "bias": rand([3])}, {"data_format": "NCHW"})
add("BiasAdd", {"value": rand([2, 3]), "bias": rand([3])}, {"data_format": "NCHW"})
add("BiasAdd", {"value": rand([2, 3, 4]), "bias": rand([3])}, {"data_format": "NCHW"})
add("BiasAdd", {"value": rand([0, 4]), "bias": rand([4])})
add("BiasAdd", {"value": rand([2, 3]), "bias": rand([4])}, expect_error=True,
    name="BiasAdd_bad_bias")
add("BiasAdd", {"value": rand([3]), "bias": rand([3])}, expect_error=True, name="BiasAdd_1d")
add("BiasAddV1", {"value": rand([2, 3, 4]), "bias": rand([4])})

# ---- reduce ---------------------------------------------------------------------------------------
AXES = [[1], [0], [0, 1], [-1], [], [0, 2], [1, 2], [2]]
for op in ("Sum", "Mean", "Max", "Min", "Prod"):
    for t in REALS:
        lo, hi = (0.5, 1.5) if op == "Prod" else (-3, 3)
        if t.is_integer:
            lo, hi = (1, 3) if op == "Prod" else (0 if t.is_unsigned else -9, 9)
        add(op, {"input": rand([2, 3, 4], t, lo, hi), "axis": array([1], I32)})
    for axes in AXES:
        for keep in (False, True):
            add(op, {"input": rand([2, 3, 4], F32, 0.5, 1.5), "axis": array(axes, I32)},
                {"keep_dims": keep})
    add(op, {"input": rand([2, 3], F32, 0.5, 1.5), "axis": array(1, I64)}, name=op + "_scalar_axis")
    add(op, {"input": rand([0, 3]), "axis": array([0], I32)}, name=op + "_empty")
    add(op, {"input": rand([0, 3], I32), "axis": array([0], I32)}, name=op + "_empty_int")
    add(op, {"input": rand([0, 3]), "axis": array([1], I32)}, name=op + "_empty_out")
    add(op, {"input": array(2.5, F32), "axis": array([], I32)}, name=op + "_scalar_input")
    add(op, {"input": rand([2, 3]), "axis": array([2], I32)}, expect_error=True,
        name=op + "_bad_axis")
    add(op, {"input": rand([2, 3]), "axis": array([0, -2], I32)}, expect_error=True,
        name=op + "_duplicate_axis")
for op in ("Max", "Min", "Sum"):
    add(op, {"input": array([[1, np.nan, 3, 2], [4, 1, 5, 0]], F32), "axis": array([1], I32)},
        name=op + "_nan")
add("Mean", {"input": array([[1, 2], [3, 6]], I32), "axis": array([1], I32)}, name="Mean_int_trunc")
add("Sum", {"input": rand([5, 300], F32, 0, 1), "axis": array([1], I32)},
    tol={"rel": 1e-5, "abs": 1e-4}, name="Sum_long")
for op in ("All", "Any"):
    for axes in AXES[:5]:
        add(op, {"input": rand([2, 3, 4], BOOL), "axis": array(axes, I32)}, {"keep_dims": True})
        add(op, {"input": rand([2, 3, 4], BOOL), "axis": array(axes, I64)})
    add(op, {"input": rand([0, 3], BOOL), "axis": array([0], I32)}, name=op + "_empty")

for op in ("ArgMax", "ArgMin"):
    for t in REALS:
        add(op, {"input": rand([3, 4], t, -3, 3), "dimension": array(1, I32)})
    for dim in (0, 1, 2, -1):
        add(op, {"input": rand([2, 3, 4]), "dimension": array(dim, I64)},
            {"output_type": I32})
    add(op, {"input": array([[1, 3, 3, 0], [2, 2, 1, 1]], F32), "dimension": array(1, I32)},
        name=op + "_ties")
    add(op, {"input": rand([0, 3]), "dimension": array(1, I32)}, name=op + "_empty_outer")
    add(op, {"input": array([[1, np.nan, 3, 2], [np.nan, 1, 5, np.nan]], F32),
             "dimension": array(1, I32)}, name=op + "_nan")
    add(op, {"input": rand([0, 3]), "dimension": array(0, I32)}, expect_error=True,
        name=op + "_empty_axis")
    add(op, {"input": rand([2, 3]), "dimension": array(2, I32)}, expect_error=True,
        name=op + "_bad_axis")

for t in REALS:
    add("Cumsum", {"x": rand([3, 4], t, 0, 3), "axis": array(1, I32)})
for ex in (False, True):
    for rev in (False, True):
        for axis in (0, 1, -1):
            add("Cumsum", {"x": rand([2, 3, 4]), "axis": array(axis, I32)},
                {"exclusive": ex, "reverse": rev})
add("Cumsum", {"x": rand([0, 3]), "axis": array(0, I64)})
add("Cumsum", {"x": rand([2, 3]), "axis": array(2, I32)}, expect_error=True,
    name="Cumsum_bad_axis")

for t in REALS:
    add("TopKV2", {"input": rand([3, 10], t, -50, 50), "k": array(4, I32)})
add("TopKV2", {"input": array([[3, 1, 3, 2, 1, 5]], F32), "k": array(4, I32)}, name="TopKV2_ties")
add("TopKV2", {"input": rand([2, 3, 6]), "k": array(6, I32)})
add("TopKV2", {"input": rand([5]), "k": array(0, I32)})
add("TopKV2", {"input": rand([5]), "k": array(2, I64)}, {"index_type": I64})
add("TopKV2", {"input": rand([0, 5]), "k": array(2, I32)})
add("TopKV2", {"input": rand([2, 3]), "k": array(4, I32)}, expect_error=True,
    name="TopKV2_k_too_big")
add("TopKV2", {"input": rand([2, 3]), "k": array(-1, I32)}, expect_error=True,
    name="TopKV2_negative_k")

# ---- matmul ------------------------------------------------------------------------------------------
MM_TYPES = FLOATS + [I32, I64]
for t in MM_TYPES:
    lo, hi = (-3, 3)
    tol = {"rel": 1e-2, "abs": 5e-2} if t in (F16, BF16) else None
    for ta in (False, True):
        for tb in (False, True):
            a = rand([5, 7] if not ta else [7, 5], t, lo, hi)
            b = rand([7, 6] if not tb else [6, 7], t, lo, hi)
            kw = {"tol": tol} if tol else {}
            add("MatMul", {"a": a, "b": b}, {"transpose_a": ta, "transpose_b": tb}, **kw)
for m, k, n in [(1, 1, 1), (33, 65, 17), (128, 300, 70), (4, 0, 3), (0, 3, 4), (3, 4, 0)]:
    add("MatMul", {"a": rand([m, k], F32, -1, 1), "b": rand([k, n], F32, -1, 1)},
        tol={"rel": 1e-4, "abs": 1e-4})
add("MatMul", {"a": rand([64, 300], F64, -1, 1), "b": rand([300, 50], F64, -1, 1)},
    tol={"rel": 1e-10, "abs": 1e-10})
add("MatMul", {"a": rand([2, 3]), "b": rand([4, 2])}, expect_error=True, name="MatMul_mismatch")
add("MatMul", {"a": rand([2, 3, 4]), "b": rand([4, 2])}, expect_error=True, name="MatMul_rank3")

for t in MM_TYPES:
    tol = {"rel": 1e-2, "abs": 5e-2} if t in (F16, BF16) else None
    kw = {"tol": tol} if tol else {}
    add("BatchMatMulV2", {"x": rand([2, 3, 4], t), "y": rand([2, 4, 5], t)}, **kw)
for ax in (False, True):
    for ay in (False, True):
        x = rand([2, 1, 4, 3] if ax else [2, 1, 3, 4])
        y = rand([3, 5, 4] if ay else [3, 4, 5])
        add("BatchMatMulV2", {"x": x, "y": y}, {"adj_x": ax, "adj_y": ay})
add("BatchMatMulV2", {"x": rand([3, 4]), "y": rand([2, 4, 5])})
add("BatchMatMulV2", {"x": rand([0, 3, 4]), "y": rand([4, 5])})
add("BatchMatMulV2", {"x": rand([2, 3, 4]), "y": rand([3, 4, 5])}, expect_error=True,
    name="BatchMatMulV2_batch_mismatch")
add("BatchMatMulV2", {"x": rand([2, 3, 4]), "y": rand([2, 3, 5])}, expect_error=True,
    name="BatchMatMulV2_inner_mismatch")
add("BatchMatMul", {"x": rand([2, 3, 4]), "y": rand([2, 4, 5])}, {"adj_x": False})
add("BatchMatMul", {"x": rand([2, 4, 3]), "y": rand([2, 5, 4])}, {"adj_x": True, "adj_y": True})
