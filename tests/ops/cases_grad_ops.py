"""Op cases for the gradient ops and gradient machinery: kernels/activation_grad.cc,
loss_ops.cc, math_grad_ops.cc, array_grad_ops.cc, segment_ops.cc, check_ops.cc, and Cumprod
(reduce.cc)."""
import numpy as np
import tensorflow as tf

from caselib import case_adder
from caselib import (BF16, BOOL, F16, F32, F64, FLOATS, I32, I64, REALS, U8, array, nonzero,
                     rand, special)

CASES = []


add = case_adder(CASES)


SHAPES = [[2, 3], [5], [], [0, 4], [2, 1, 3]]

# ---- activation_grad.cc ------------------------------------------------------------------------
# (input names, dtypes, how to draw the first input)
GRADS = {
    "SigmoidGrad": (("y", "dy"), FLOATS, lambda s, t: rand(s, t, 0.01, 0.99)),
    "TanhGrad": (("y", "dy"), FLOATS, lambda s, t: rand(s, t, -0.99, 0.99)),
    "RsqrtGrad": (("y", "dy"), FLOATS, lambda s, t: rand(s, t, 0.1, 3)),
    "SqrtGrad": (("y", "dy"), FLOATS, lambda s, t: rand(s, t, 0.1, 3)),
    "ReciprocalGrad": (("y", "dy"), FLOATS, lambda s, t: nonzero(s, t, 0.2, 3)),
    "InvGrad": (("y", "dy"), FLOATS, lambda s, t: nonzero(s, t, 0.2, 3)),
    "ReluGrad": (("gradients", "features"), REALS, None),
    "Relu6Grad": (("gradients", "features"), REALS, None),
    "EluGrad": (("gradients", "outputs"), FLOATS, None),
    "SeluGrad": (("gradients", "outputs"), FLOATS, None),
    "SoftplusGrad": (("gradients", "features"), FLOATS, None),
    "LeakyReluGrad": (("gradients", "features"), FLOATS, None),
}
for op, (names, types, draw) in GRADS.items():
    for t in types:
        for s in (SHAPES if t == F32 else SHAPES[:2]):
            if draw is not None:  # (y, dy): the forward output first
                a, b = draw(s, t), rand(s, t)
            else:  # (gradients, features/outputs)
                a = rand(s, t, -3, 3)
                b = rand(s, t, -2, 8) if op == "Relu6Grad" else rand(s, t, -3, 3)
            add(op, {names[0]: a, names[1]: b})
    add(op, {names[0]: rand([2, 3]), names[1]: rand([3])}, expect_error=True,
        name=op + "_shape_mismatch")
# Boundaries: x exactly 0 and 6 pass no gradient; NaN gradients stay NaN (a product, not a
# select) for Relu*, special values through the float formulas.
for op in ("ReluGrad", "Relu6Grad"):
    add(op, {"gradients": array([1, 2, 3, 4, np.nan, np.nan], F32),
             "features": array([0, 6, -0.0, 5.5, -1, 1], F32)}, name=op + "_edges")
add("LeakyReluGrad", {"gradients": rand([6]), "features": array([0, -0.0, 1, -1, 2, -2], F32)},
    {"alpha": 0.3}, name="LeakyReluGrad_alpha")
add("LeakyReluGrad", {"gradients": rand([3], F16), "features": rand([3], F16)}, {"alpha": 0.1})
add("EluGrad", {"gradients": rand([13]), "outputs": special()}, name="EluGrad_special")
add("SoftplusGrad", {"gradients": rand([13]), "features": special()}, name="SoftplusGrad_special")
add("RsqrtGrad", {"y": special(), "dy": rand([13])}, name="RsqrtGrad_special")
add("SqrtGrad", {"y": special(), "dy": rand([13])}, name="SqrtGrad_special")

# BiasAddGrad over NHWC (last dim) and NCHW (dim 1), ranks 2-5.
for t in (F32, F64, F16, BF16, I32, I64):
    for fmt in ("NHWC", "NCHW"):
        for s in ([4, 3], [2, 3, 4], [2, 3, 2, 2], [2, 2, 2, 2, 3], [0, 3, 2]):
            if t != F32 and len(s) > 3:
                continue
            add("BiasAddGrad", {"out_backprop": rand(s, t)}, {"data_format": fmt},
                tol={"rel": 3e-3, "abs": 3e-3} if t == F16 else None)
add("BiasAddGrad", {"out_backprop": rand([3])}, expect_error=True, name="BiasAddGrad_rank1")
CASES[:] = [{k: v for k, v in c.items() if v is not None} for c in CASES]

# ---- loss_ops.cc ----------------------------------------------------------------------------------
def probs(shape, t):
    p = rand(shape, F32, 0.05, 1.0)
    return (p / p.sum(axis=-1, keepdims=True)).astype(tf.as_dtype(t).as_numpy_dtype)


for t in (F32, F64, F16, BF16):
    for s in ([4, 5], [1, 3], [3, 1], [0, 4]):
        tol = {"rel": 2e-2, "abs": 2e-2} if t == BF16 else None
        c = {"features": rand(s, t, -4, 4), "labels": probs(s, t)}
        add("SoftmaxCrossEntropyWithLogits", c, **({"tol": tol} if tol else {}))
        labels = rand(s[:1], I32, 0, max(s[1] - 1, 0)) if s[0] else np.zeros([0], np.int32)
        add("SparseSoftmaxCrossEntropyWithLogits", {"features": rand(s, t, -4, 4),
                                                     "labels": labels},
            **({"tol": tol} if tol else {}))
# Broadcasting labels/logits (TF 2 broadcasts both to [B, K]); large logits stay finite.
add("SoftmaxCrossEntropyWithLogits", {"features": rand([3, 4]), "labels": probs([1, 4], F32)})
add("SoftmaxCrossEntropyWithLogits", {"features": rand([1, 4]), "labels": probs([3, 4], F32)})
add("SoftmaxCrossEntropyWithLogits", {"features": array([[1000, 0, -1000], [50, 50, 50]], F32),
                                      "labels": probs([2, 3], F32)})
add("SoftmaxCrossEntropyWithLogits", {"features": rand([2, 3]), "labels": probs([3, 3], F32)},
    expect_error=True, name="Xent_incompatible")
add("SoftmaxCrossEntropyWithLogits", {"features": rand([2, 3, 4]), "labels": probs([2, 3, 4], F32)},
    expect_error=True, name="Xent_rank3")
add("SparseSoftmaxCrossEntropyWithLogits", {"features": rand([3, 4]),
                                            "labels": array([0, 3, 1], I64)})
add("SparseSoftmaxCrossEntropyWithLogits",
    {"features": array([[1000, 0, -1000]], F32), "labels": array([2], I32)})
for bad in ([0, 4, 1], [0, -1, 1]):
    add("SparseSoftmaxCrossEntropyWithLogits", {"features": rand([3, 4]), "labels": array(bad, I32)},
        expect_error=True, name="SparseXent_bad_label")
add("SparseSoftmaxCrossEntropyWithLogits", {"features": rand([3, 4]), "labels": array([0, 1], I32)},
    expect_error=True, name="SparseXent_batch_mismatch")
add("SparseSoftmaxCrossEntropyWithLogits", {"features": rand([4]), "labels": array([0], I32)},
    expect_error=True, name="SparseXent_rank1")
for t in (F32, F64, F16, BF16):
    for s in ([3, 4], [], [0], [7]):
        add("L2Loss", {"t": rand(s, t)})

# ---- math_grad_ops.cc ---------------------------------------------------------------------------
PAIRS = [([2, 3], [2, 3]), ([1], [1]), ([1, 1], [1]), ([2, 1, 3], [3]), ([], [2, 3]),
         ([2, 3], []), ([4, 1], [1, 5]), ([1, 2, 1], [1, 1, 1]), ([0, 3], [3]), ([0], [1]),
         ([], []), ([3, 1, 2], [1, 1, 2]), ([5], [1, 5])]
for t in (I32, I64):
    for a, b in PAIRS:
        add("BroadcastGradientArgs", {"s0": array(a, t), "s1": array(b, t)})
add("BroadcastGradientArgs", {"s0": array([2, 3], I32), "s1": array([4], I32)},
    expect_error=True, name="BroadcastGradientArgs_incompatible")

for x, shape in (([1, 2, 3], [2, 3]), ([[1], [2]], [2, 4]), (5, [3]), ([1, 2], [3, 1, 2]),
                 ([[1, 2]], [0, 2]), ([7], [7])):
    for t in (F32, I32, BOOL, F16):
        add("BroadcastTo", {"input": array(x, t) if t != BOOL else array(np.array(x) > 1, t),
                            "shape": array(shape, I32)})
add("BroadcastTo", {"input": rand([2, 3], F64), "shape": array([4, 2, 3], I64)})
add("BroadcastTo", {"input": np.array([b"a", b"bc"], dtype=object), "shape": array([2, 2], I32)})
add("BroadcastTo", {"input": rand([2, 3]), "shape": array([3, 3], I32)}, expect_error=True,
    name="BroadcastTo_incompatible")
add("BroadcastTo", {"input": rand([2, 3]), "shape": array([3], I32)}, expect_error=True,
    name="BroadcastTo_fewer_dims")

BCAST = [([2, 3], [2, 3]), ([2, 3], [3]), ([2, 1, 4], [3, 1]), ([], [2, 3]), ([0, 3], [3])]
for op in ("DivNoNan", "MulNoNan", "Xdivy", "Xlogy", "Xlog1py"):
    for t in FLOATS:
        for sx, sy in (BCAST if t == F32 else BCAST[:2]):
            x = rand(sx, t, -3, 3)
            y = rand(sy, t, 0.1, 3) if op in ("Xlogy", "Xlog1py") else rand(sy, t, -3, 3)
            add(op, {"x": x, "y": y})
    # zeros, infinities and NaN in both positions (every pair of special values)
    sx, sy = np.meshgrid(special(), special())
    add(op, {"x": sx.astype(np.float32), "y": sy.astype(np.float32)}, name=op + "_special")
    add(op, {"x": rand([2, 3]), "y": rand([4])}, expect_error=True, name=op + "_incompatible")

for t in REALS:
    for s, axis in (([2, 3], 1), ([4], 0), ([2, 3, 2], -2), ([0, 3], 1)):
        x = rand(s, t, 0.5, 1.5) if tf.as_dtype(t).is_floating else rand(s, t, 1, 3)
        tol = {"rel": 1e-2, "abs": 1e-2} if t in (F16, BF16) else None
        for attrs in ({}, {"exclusive": True}, {"reverse": True},
                      {"exclusive": True, "reverse": True}):
            add("Cumprod", {"x": x, "axis": array(axis, I32)}, attrs,
                **({"tol": tol} if tol else {}))
add("Cumprod", {"x": rand([2, 3]), "axis": array(2, I32)}, expect_error=True,
    name="Cumprod_bad_axis")

# ---- array_grad_ops.cc ----------------------------------------------------------------------------
MOVE = [F32, F64, I32, I64, BOOL, U8, F16, BF16]
for t in MOVE:
    add("DynamicStitch", {"indices": [array([0, 2], I32), array([[1], [3]], I32)],
                          "data": [rand([2, 3], t), rand([2, 1, 3], t)]})
    add("ParallelDynamicStitch", {"indices": [array([0, 2], I32), array([[1], [3]], I32)],
                                  "data": [rand([2, 3], t), rand([2, 1, 3], t)]})
add("DynamicStitch", {"indices": [array([0, 1, 2], I32), array([1], I32)],
                      "data": [rand([3]), rand([1])]}, name="DynamicStitch_duplicate_last_wins")
add("DynamicStitch", {"indices": [array(1, I32), array([0], I32)],
                      "data": [rand([2]), rand([1, 2])]}, name="DynamicStitch_scalar_index")
add("DynamicStitch", {"indices": [array([], I32)], "data": [rand([0, 3])]})
add("DynamicStitch", {"indices": [array([0, 1], I32)],
                      "data": [np.array([b"x", b"yz"], dtype=object)]})
add("DynamicStitch", {"indices": [array([0, 1], I32)], "data": [rand([3, 2])]},
    expect_error=True, name="DynamicStitch_prefix")
add("DynamicStitch", {"indices": [array([0], I32), array([1], I32)],
                      "data": [rand([1, 2]), rand([1, 3])]}, expect_error=True,
    name="DynamicStitch_slice_mismatch")
add("DynamicStitch", {"indices": [array([0, -1], I32)], "data": [rand([2, 2])]},
    expect_error=True, name="DynamicStitch_negative")

for t in (I32, I64):
    for p in ([2, 0, 1], [0], [], [3, 1, 0, 2, 4]):
        add("InvertPermutation", {"x": array(p, t)})
    for bad in ([0, 0, 1], [0, 3, 1], [-1, 0]):
        add("InvertPermutation", {"x": array(bad, t)}, expect_error=True,
            name="InvertPermutation_bad")
add("InvertPermutation", {"x": array([[0, 1]], I32)}, expect_error=True,
    name="InvertPermutation_rank2")

for t in (I32, I64):
    add("ConcatOffset", {"concat_dim": array(1, I32),
                         "shape": [array([2, 3, 5], t), array([2, 7, 5], t), array([2, 0, 5], t)]})
    add("ConcatOffset", {"concat_dim": array(-1, I32),
                         "shape": [array([2, 3], t), array([2, 4], t)]})
    add("ConcatOffset", {"concat_dim": array(0, I32), "shape": [array([1], t), array([4], t)]})
add("ConcatOffset", {"concat_dim": array(1, I32), "shape": [array([2, 3], I32), array([3, 3], I32)]},
    expect_error=True, name="ConcatOffset_mismatch")
add("ConcatOffset", {"concat_dim": array(2, I32), "shape": [array([2, 3], I32), array([2, 3], I32)]},
    expect_error=True, name="ConcatOffset_bad_dim")
add("ConcatOffset", {"concat_dim": array(0, I32), "shape": [array([2, 3], I32), array([2], I32)]},
    expect_error=True, name="ConcatOffset_rank")

# StridedSliceGrad: the same slices as StridedSlice's cases, with dy of the slice's shape.
SLICES = [  # (shape, begin, end, strides, attrs)
    ([5], [1], [4], [1], {}),
    ([5], [4], [0], [-2], {}),
    ([4, 5], [1, 0], [3, 5], [1, 2], {}),
    ([4, 5], [0, 1], [0, 4], [1, 1], {"begin_mask": 1, "end_mask": 1}),
    ([4, 5], [2], [3], [1], {"shrink_axis_mask": 1}),
    ([3, 4, 5], [0, 1], [0, 3], [1, 1], {"ellipsis_mask": 1}),
    ([3, 4], [0, 0, 1], [0, 0, 3], [1, 1, 1], {"new_axis_mask": 2, "begin_mask": 1, "end_mask": 1}),
    ([3, 4], [-1, -3], [-4, -1], [-1, 1], {}),
    ([4], [1], [1], [1], {}),
]
for t in (F32, I32, F64, BOOL, F16):
    for shape, b, e, s, attrs in SLICES:
        x = tf.zeros(shape, t)
        dy_shape = tf.raw_ops.StridedSlice(input=x, begin=b, end=e, strides=s, **attrs).shape
        for it in ((I32, I64) if t == F32 else (I32,)):
            add("StridedSliceGrad", {"shape": array(shape, it), "begin": array(b, it),
                                     "end": array(e, it), "strides": array(s, it),
                                     "dy": rand(dy_shape, t)}, attrs)
add("StridedSliceGrad", {"shape": array([5], I32), "begin": array([1], I32),
                         "end": array([4], I32), "strides": array([1], I32), "dy": rand([2])},
    expect_error=True, name="StridedSliceGrad_dy_shape")
add("StridedSliceGrad", {"shape": array([5], I32), "begin": array([1], I32),
                         "end": array([4], I32), "strides": array([0], I32), "dy": rand([3])},
    expect_error=True, name="StridedSliceGrad_zero_stride")

for t in MOVE + [tf.string]:
    x = rand([2, 3, 4], t) if t != tf.string else np.array([[b"a", b"b"], [b"c", b"d"]], dtype=object)
    axes_list = ([0], [1, 2], [-1], [], [0, 1, 2]) if t != tf.string else ([0], [1], [])
    for axes in axes_list:
        add("ReverseV2", {"tensor": x, "axis": array(axes, I32)})
add("ReverseV2", {"tensor": rand([2, 3]), "axis": array([1], I64)})
add("ReverseV2", {"tensor": rand([0, 3]), "axis": array([1], I32)})
add("ReverseV2", {"tensor": rand([2, 3]), "axis": array([1, -1], I32)}, expect_error=True,
    name="ReverseV2_duplicate")
add("ReverseV2", {"tensor": rand([2, 3]), "axis": array([2], I32)}, expect_error=True,
    name="ReverseV2_out_of_range")

for mode in ("REFLECT", "SYMMETRIC"):
    for t in (F32, F64, I32, I64, F16):
        for shape, pads in (([6, 5], [[1, 2], [0, 1]]), ([8], [[2, 2]]),
                            ([3, 4, 5], [[0, 0], [1, 1], [2, 0]])):
            add("MirrorPadGrad", {"input": rand(shape, t), "paddings": array(pads, I32)},
                {"mode": mode})
    add("MirrorPadGrad", {"input": rand([5, 7]), "paddings": array([[1, 1], [2, 2]], I64)},
        {"mode": mode})
    add("MirrorPadGrad", {"input": rand([3]), "paddings": array([[2, 2]], I32)}, {"mode": mode},
        expect_error=True, name="MirrorPadGrad_too_large")
    add("MirrorPadGrad", {"input": rand([4]), "paddings": array([[2, 0]], I32)}, {"mode": mode},
        expect_error=mode == "REFLECT", name="MirrorPadGrad_pad_equals_dim")

for t in (F32, F64, I32, I64, F16):
    add("ScatterNd", {"indices": array([[0], [2], [0]], I32), "updates": rand([3, 4], t),
                      "shape": array([3, 4], I32)})
    add("ScatterNd", {"indices": array([[0, 1], [2, 3], [0, 1]], I64), "updates": rand([3], t),
                      "shape": array([3, 4], I64)})
add("ScatterNd", {"indices": array([[[1], [0]]], I32), "updates": rand([1, 2, 2, 3]),
                  "shape": array([2, 2, 3], I32)})
add("ScatterNd", {"indices": np.zeros([0, 1], np.int32), "updates": rand([0, 4]),
                  "shape": array([3, 4], I32)})
add("ScatterNd", {"indices": array([[0], [5]], I32), "updates": rand([2, 4]),
                  "shape": array([3, 4], I32)}, {"bad_indices_policy": "IGNORE"})
add("ScatterNd", {"indices": array([[0], [3]], I32), "updates": rand([2, 4]),
                  "shape": array([3, 4], I32)}, expect_error=True, name="ScatterNd_out_of_range")
add("ScatterNd", {"indices": array([[0], [1]], I32), "updates": rand([2, 5]),
                  "shape": array([3, 4], I32)}, expect_error=True, name="ScatterNd_updates_shape")
add("ScatterNd", {"indices": array([[0, 1, 2]], I32), "updates": rand([1]),
                  "shape": array([3, 4], I32)}, expect_error=True, name="ScatterNd_index_depth")

for t in (F32, F64, I32, I64, U8, F16):
    add("ListDiff", {"x": array([1, 2, 3, 4, 5, 2, 6], t), "y": array([2, 5, 7], t)})
    add("ListDiff", {"x": array([1, 2], t), "y": array([], t)}, {"out_idx": I64})
add("ListDiff", {"x": array([np.nan, 0.0, -0.0, 1], F32), "y": array([np.nan, 0.0], F32)})
add("ListDiff", {"x": array([], I32), "y": array([1], I32)})
add("ListDiff", {"x": array([[1]], I32), "y": array([1], I32)}, expect_error=True,
    name="ListDiff_rank2")

# ---- segment_ops.cc ---------------------------------------------------------------------------------
for t in (F32, F64, I32, I64, F16):
    add("UnsortedSegmentSum", {"data": rand([5, 3], t), "segment_ids": array([0, 2, 0, -1, 3], I32),
                               "num_segments": array(4, I32)})
    add("UnsortedSegmentSum", {"data": rand([2, 3, 2], t),
                               "segment_ids": array([[1, 0, 1], [0, 0, 2]], I64),
                               "num_segments": array(3, I64)})
    add("SegmentSum", {"data": rand([5, 2], t), "segment_ids": array([0, 0, 2, 2, 3], I32)})
add("UnsortedSegmentSum", {"data": rand([4]), "segment_ids": array([0, 1, 0, 1], I32),
                           "num_segments": array(0, I32)}, expect_error=True,
    name="UnsortedSegmentSum_out_of_range")
add("UnsortedSegmentSum", {"data": rand([0, 3]), "segment_ids": array([], I32),
                           "num_segments": array(2, I32)})
add("UnsortedSegmentSum", {"data": rand([4, 2]), "segment_ids": array([0, 1, 0], I32),
                           "num_segments": array(2, I32)}, expect_error=True,
    name="UnsortedSegmentSum_prefix")
add("SegmentSum", {"data": rand([0, 3]), "segment_ids": array([], I64)})
add("SegmentSum", {"data": rand([3]), "segment_ids": array([1, 1, 4], I64)})
add("SegmentSum", {"data": rand([3, 2]), "segment_ids": array([1, 0, 2], I32)}, expect_error=True,
    name="SegmentSum_unsorted")
add("SegmentSum", {"data": rand([3, 2]), "segment_ids": array([-1, 0, 0], I32)},
    expect_error=True, name="SegmentSum_negative")
add("SegmentSum", {"data": rand([3, 2]), "segment_ids": array([0, 0], I32)}, expect_error=True,
    name="SegmentSum_size")

# ---- check_ops.cc ----------------------------------------------------------------------------------
for t in (F32, I32, BOOL, F16):
    add("EnsureShape", {"input": rand([2, 3], t)}, {"shape": [2, 3]})
    add("EnsureShape", {"input": rand([2, 3], t)}, {"shape": [None, 3]})
add("EnsureShape", {"input": rand([2, 3])}, {"shape": None})
add("EnsureShape", {"input": rand([])}, {"shape": []})
add("EnsureShape", {"input": rand([2, 3])}, {"shape": [3, 3]}, expect_error=True,
    name="EnsureShape_mismatch")
add("EnsureShape", {"input": rand([2, 3])}, {"shape": [2, 3, 1]}, expect_error=True,
    name="EnsureShape_rank")
for op in ("CheckNumerics", "CheckNumericsV2"):
    for t in FLOATS:
        add(op, {"tensor": rand([2, 3], t)}, {"message": "fine"})
    add(op, {"tensor": rand([0])}, {"message": "empty"})
    for bad in ([1, np.nan], [1, np.inf], [-np.inf, 2], [np.nan, -np.inf, np.inf]):
        add(op, {"tensor": array(bad, F32)}, {"message": "bad values"}, expect_error=True,
            name=op + "_bad")
add("Assert", {"condition": array(True, BOOL), "data": [rand([3]), np.array(b"msg", dtype=object)]})
add("Assert", {"condition": array(True, BOOL), "data": []}, expect_error=True,
    name="Assert_no_data")
add("Assert", {"condition": array(False, BOOL), "data": [np.array(b"x must be positive", dtype=object),
                                                        rand([4])]}, {"summarize": 2},
    expect_error=True, name="Assert_false")
add("Assert", {"condition": array([True, True], BOOL), "data": [rand([1])]}, expect_error=True,
    name="Assert_not_scalar")
