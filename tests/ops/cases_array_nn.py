"""Op cases for the array families (array_shape, array_slice, array_gather) and nn.

Inputs use their own seeds (from 10**6 up) so adding a case here never changes the random
inputs of another cases_*.py module. Where a random spec may be invalid (StridedSlice), TF
itself decides whether the case is an expect_error case.
"""
import itertools

import numpy as np
import tensorflow as tf

from caselib import case_adder
from caselib import BF16, BOOL, F16, F32, F64, I32, I64, U8, array, rand

I8, I16, C64, STR = tf.int8, tf.int16, tf.complex64, tf.string
# Every dtype the data-movement kernels claim (array::kMoveTypes).
MOVE = [F32, F64, I32, I64, BOOL, STR, U8, I8, I16, F16, BF16, C64]

CASES = []
_seed = [10**6]


add = case_adder(CASES)


def r(shape, dtype=F32, lo=-3.0, hi=3.0):
    """Random values of any dtype, including strings and complex numbers."""
    _seed[0] += 1
    dt = tf.as_dtype(dtype)
    if dt == tf.string:
        rng = np.random.default_rng(_seed[0])
        n = int(np.prod(shape))
        flat = [("s%d" % v).encode() * int(v % 3) for v in rng.integers(0, 100, size=n)]
        return tf.reshape(tf.constant(flat, dtype=tf.string, shape=[n]), shape)
    if dt == tf.complex64:
        re = rand(shape, F32, lo, hi, seed=_seed[0])
        im = rand(shape, F32, lo, hi, seed=_seed[0] + 10**5)
        return (re + 1j * im).astype(np.complex64)
    return rand(shape, dtype, lo, hi, seed=_seed[0])


def i32(v):
    return array(v, I32)


def i64(v):
    return array(v, I64)


def tf_accepts(op, **kwargs):
    try:
        getattr(tf.raw_ops, op)(**kwargs)
        return True
    except (tf.errors.OpError, ValueError, TypeError):
        return False


# ==== array_shape ============================================================================
for t in MOVE:
    add("Reshape", {"tensor": r([2, 3, 4], t), "shape": i32([4, -1])})
for x, s in [([2, 3, 4], [24]), ([2, 3, 4], [-1]), ([2, 3, 4], [3, 2, 2, 2]), ([], [1, 1]),
             ([1], []), ([0, 3], [3, 0]), ([0, 3], [-1, 3]), ([0, 3], [0, -1]), ([6], [2, -1])]:
    add("Reshape", {"tensor": r(x), "shape": i64(s)})
add("Reshape", {"tensor": r([2, 3]), "shape": i32([4, -1])}, expect_error=True,
    name="Reshape_not_multiple")
add("Reshape", {"tensor": r([2, 3]), "shape": i32([-1, -1])}, expect_error=True,
    name="Reshape_two_unknown")
add("Reshape", {"tensor": r([2, 3]), "shape": i32([7])}, expect_error=True,
    name="Reshape_count")

# Squeeze: only the default (all size-1 dims) -- see the note at the end of this file.
for t in MOVE:
    add("Squeeze", {"input": r([1, 3, 1, 2], t)})
add("Squeeze", {"input": r([1, 1])})
add("Squeeze", {"input": r([0, 1, 2])})

for t in MOVE:
    add("ExpandDims", {"input": r([2, 3], t), "axis": i32(1)})
for shape, d in [([2, 3], 0), ([2, 3], 2), ([2, 3], -1), ([2, 3], -3), ([], 0), ([0], -1)]:
    add("ExpandDims", {"input": r(shape), "axis": i64(d)})
add("ExpandDims", {"input": r([2, 3]), "axis": i32(3)}, expect_error=True, name="ExpandDims_range")
add("ExpandDims", {"input": r([2, 3]), "axis": i32(-4)}, expect_error=True,
    name="ExpandDims_range_neg")

for t in [F32, STR, BOOL]:
    for ot in [I32, I64]:
        add("Shape", {"input": r([2, 0, 3], t)}, {"out_type": ot})
        add("Size", {"input": r([2, 5, 3], t)}, {"out_type": ot})
    add("Rank", {"input": r([2, 1, 3], t)})
add("Shape", {"input": r([])})
add("Size", {"input": r([])})
add("Size", {"input": r([4, 0])})
add("Rank", {"input": r([])})
add("ShapeN", {"input": [r([2, 3]), r([]), r([4, 0, 1])]})
add("ShapeN", {"input": [r([5], STR), r([1, 2], STR)]}, {"out_type": I64})

for t in MOVE:
    add("Fill", {"dims": i32([2, 3]), "value": r([], t)})
add("Fill", {"dims": i64([0, 4]), "value": r([])})
add("Fill", {"dims": i64([]), "value": r([])})
add("Fill", {"dims": i32([2, -1]), "value": r([])}, expect_error=True, name="Fill_negative")

for op in ["ZerosLike", "OnesLike"]:
    for t in [F32, F64, I32, I64, BOOL]:
        add(op, {"x": r([2, 3], t)})
    add(op, {"x": r([0, 2])})
    add(op, {"x": r([])})

for start, limit, delta, t in [(0, 10, 1, I32), (0, 10, 3, I64), (10, 0, -3, I32),
                               (-5, 5, 2, I64), (3, 3, 1, I32), (0, 1, 0.1, F32),
                               (10, 2, -0.7, F32), (0, 5, 0.5, F64), (2.5, -1, -0.25, F64),
                               (1, 4, 0.7, F32)]:
    add("Range", {"start": array(start, t), "limit": array(limit, t), "delta": array(delta, t)})
add("Range", {"start": i32(0), "limit": i32(10), "delta": i32(0)}, expect_error=True,
    name="Range_zero_delta")
add("Range", {"start": i32(10), "limit": i32(0), "delta": i32(1)}, expect_error=True,
    name="Range_wrong_sign")
add("Range", {"start": array(0, F32), "limit": array(1, F32), "delta": array(-0.5, F32)},
    expect_error=True, name="Range_wrong_sign_float")

for t in MOVE:
    add("Pack", {"values": [r([2, 3], t) for _ in range(3)]}, {"axis": 1})
for shape, axis, n in [([2, 3], 0, 2), ([2, 3], 2, 2), ([2, 3], -1, 3), ([2, 3], -3, 2),
                       ([], 0, 4), ([0, 2], 1, 2), ([3], 0, 1)]:
    add("Pack", {"values": [r(shape) for _ in range(n)]}, {"axis": axis})
add("Pack", {"values": [r([2]), r([3])]}, expect_error=True, name="Pack_mismatch")

for t in MOVE:
    add("Unpack", {"value": r([3, 2, 4], t)}, {"num": 2, "axis": 1})
for shape, axis in [([3, 2], 0), ([3, 2], 1), ([3, 2], -1), ([2, 3, 4], -3), ([2, 0], 0),
                    ([4], 0)]:
    add("Unpack", {"value": r(shape)}, {"num": shape[axis], "axis": axis})

for t in MOVE:
    add("ConcatV2", {"values": [r([2, 3], t), r([2, 1], t), r([2, 2], t)], "axis": i32(1)})
for shapes, axis in [([[2, 3], [4, 3]], 0), ([[2, 3], [2, 5]], -1), ([[2, 3], [2, 0]], 1),
                     ([[0, 3], [0, 3]], 0), ([[1, 2, 3], [1, 2, 3], [1, 2, 3]], -2),
                     ([[2, 2, 2], [2, 2, 1]], 2)]:
    add("ConcatV2", {"values": [r(s) for s in shapes], "axis": i64(axis)})
add("ConcatV2", {"values": [r([2, 3]), r([3, 3])], "axis": i32(1)}, expect_error=True,
    name="ConcatV2_mismatch")
add("ConcatV2", {"values": [r([2, 3]), r([2, 3])], "axis": i32(2)}, expect_error=True,
    name="ConcatV2_axis")

for t in MOVE:
    add("Split", {"axis": i32(1), "value": r([2, 6], t)}, {"num_split": 3})
for shape, axis, n in [([6, 2], 0, 2), ([6, 2], -1, 2), ([2, 3, 4], -2, 3), ([0, 4], 1, 2),
                       ([5], 0, 1)]:
    add("Split", {"axis": i32(axis), "value": r(shape)}, {"num_split": n})
add("Split", {"axis": i32(1), "value": r([2, 5])}, {"num_split": 2}, expect_error=True,
    name="Split_uneven")

for t in MOVE:
    add("SplitV", {"value": r([2, 6], t), "size_splits": i32([1, 3, 2]), "axis": i32(1)},
        {"num_split": 3})
for shape, sizes, axis in [([7, 2], [2, -1, 1], 0), ([2, 5], [5, 0], -1),
                           ([2, 4, 2], [1, 1, 2], 1), ([3, 4], [4], 1)]:
    add("SplitV", {"value": r(shape), "size_splits": i64(sizes), "axis": i32(axis)},
        {"num_split": len(sizes)})
add("SplitV", {"value": r([5]), "size_splits": i32([2, 2]), "axis": i32(0)},
    {"num_split": 2}, expect_error=True, name="SplitV_sum")
add("SplitV", {"value": r([3, 4]), "size_splits": i32([-1]), "axis": i32(1)},
    {"num_split": 1}, expect_error=True, name="SplitV_single_unknown")

for t in MOVE:
    add("Transpose", {"x": r([2, 3, 4], t), "perm": i32([2, 0, 1])})
for shape, perm in [([2, 3], [1, 0]), ([2, 3, 4, 5], [3, 1, 0, 2]), ([2, 3, 4], [0, 1, 2]),
                    ([], []), ([0, 3], [1, 0]), ([1, 5, 1], [2, 1, 0]),
                    ([2, 1, 3, 2, 2], [4, 2, 0, 3, 1])]:
    add("Transpose", {"x": r(shape), "perm": i64(perm)})
add("Transpose", {"x": r([2, 3]), "perm": i32([0, 0])}, expect_error=True, name="Transpose_dup")

for t in MOVE:
    add("Tile", {"input": r([2, 3], t), "multiples": i32([2, 1])})
for shape, m in [([2, 3], [1, 3]), ([2, 3], [2, 2]), ([3], [4]), ([], []), ([2, 3], [0, 2]),
                 ([2, 1, 2], [1, 3, 2]), ([0, 2], [3, 1])]:
    add("Tile", {"input": r(shape), "multiples": i64(m)})

# ==== array_slice ============================================================================
for t in MOVE:
    add("Slice", {"input": r([3, 4], t), "begin": i32([1, 1]), "size": i32([2, -1])})
for shape, b, s in [([5], [2], [3]), ([5], [0], [-1]), ([3, 4, 5], [1, 0, 2], [1, 4, 2]),
                    ([3, 4], [3, 0], [0, 4]), ([], [], []), ([4, 4], [0, 2], [-1, 0])]:
    add("Slice", {"input": r(shape), "begin": i64(b), "size": i64(s)})
add("Slice", {"input": r([3]), "begin": i32([2]), "size": i32([2])}, expect_error=True,
    name="Slice_past_end")

for t in MOVE:
    add("Pad", {"input": r([2, 3], t), "paddings": i32([[1, 0], [2, 1]])})
    add("PadV2", {"input": r([2, 3], t), "paddings": i32([[0, 1], [1, 2]]),
                  "constant_values": r([], t)})
for shape, p in [([3], [[2, 3]]), ([2, 3, 2], [[0, 0], [1, 1], [0, 2]]), ([], np.zeros([0, 2])),
                 ([0, 2], [[1, 1], [0, 1]]), ([2, 2], [[0, 0], [0, 0]])]:
    add("Pad", {"input": r(shape), "paddings": i64(p)})
    add("PadV2", {"input": r(shape), "paddings": i64(p), "constant_values": array(7.5, F32)})
add("Pad", {"input": r([2]), "paddings": i32([[-1, 0]])}, expect_error=True, name="Pad_negative")

for mode in ["REFLECT", "SYMMETRIC"]:
    for t in MOVE:
        add("MirrorPad", {"input": r([3, 4], t), "paddings": i32([[1, 2], [2, 0]])},
            {"mode": mode})
    for shape, p in [([5], [[4, 3]] if mode == "REFLECT" else [[5, 5]]),
                     ([3, 3, 2], [[2, 2], [0, 1], [1, 1]]), ([2, 3], [[0, 0], [0, 0]]),
                     ([1, 4], [[0, 0], [3, 3]])]:
        add("MirrorPad", {"input": r(shape), "paddings": i64(p)}, {"mode": mode})
    add("MirrorPad", {"input": r([3]), "paddings": i32([[4, 0]])}, {"mode": mode},
        expect_error=True, name="MirrorPad_too_big_" + mode)
add("MirrorPad", {"input": r([3]), "paddings": i32([[3, 0]])}, {"mode": "REFLECT"},
    expect_error=True, name="MirrorPad_reflect_edge")


def strided(x, b, e, s, idx_t=I32, **masks):
    kw = dict(input=x, begin=array(b, idx_t), end=array(e, idx_t), strides=array(s, idx_t),
              **masks)
    ok = tf_accepts("StridedSlice", **kw)
    add("StridedSlice", {"input": x, "begin": array(b, idx_t), "end": array(e, idx_t),
                         "strides": array(s, idx_t)}, masks or None,
        **({} if ok else {"expect_error": True, "name": "StridedSlice_invalid"}))


for t in MOVE:
    strided(r([4, 5], t), [1, -1], [3, 0], [1, -2])
X3 = r([4, 5, 6])
# Hand-written specs: python slices x[1:3], x[::-1], x[..., 2], x[:, tf.newaxis], ...
for b, e, s, m in [
        ([1], [3], [1], {}), ([0], [0], [-1], {"begin_mask": 1, "end_mask": 1}),
        ([0, 2], [0, 0], [1, 1], {"ellipsis_mask": 1, "shrink_axis_mask": 2}),
        ([0, 0], [0, 0], [1, 1], {"begin_mask": 1, "end_mask": 1, "new_axis_mask": 2}),
        ([-1], [0], [1], {"shrink_axis_mask": 1}), ([1, 2, 3], [4, 5, 6], [2, 2, 2], {}),
        ([3, -1, -2], [0, -6, 0], [-1, -2, -3], {}),
        ([0, 0, 0], [0, 0, 0], [1, 1, 1], {"new_axis_mask": 5, "ellipsis_mask": 2}),
        ([0, 1, 0], [0, 2, 0], [1, 1, 1], {"ellipsis_mask": 1, "new_axis_mask": 4,
                                           "shrink_axis_mask": 0}),
        ([-100, 100], [100, -100], [1, -1], {}), ([2, 0], [1, 5], [1, 1], {}),
        ([0, 0, 0, 0], [1, 1, 1, 1], [1, 1, 1, 1], {"new_axis_mask": 8}),
        ([1, 1, 1], [2, 2, 2], [1, 1, 1], {"shrink_axis_mask": 7}),
        ([0], [2], [1], {"ellipsis_mask": 0, "end_mask": 1, "begin_mask": 1}),
        ([0, 0], [1, 1], [1, 1], {"ellipsis_mask": 3}),   # two ellipses: error
        ([0], [1], [0], {}),                             # zero stride: error
        ([7], [8], [1], {"shrink_axis_mask": 1}),         # shrink out of range: error
        ([0, 0, 0, 0], [1, 1, 1, 1], [1, 1, 1, 1], {}),  # too many dims: error
]:
    strided(X3, b, e, s, **m)
strided(r([]), [], [], [])
strided(r([]), [0], [0], [1], new_axis_mask=1)
strided(r([0, 3]), [0, 1], [0, 3], [1, 1])
strided(r([5]), [1], [4], [1], idx_t=I64)
# Random specs over a rank-3 tensor: TF decides which are valid.
rng = np.random.default_rng(12345)
for _ in range(160):
    n = int(rng.integers(1, 5))
    b = [int(v) for v in rng.integers(-7, 8, size=n)]
    e = [int(v) for v in rng.integers(-7, 8, size=n)]
    s = [int(v) for v in rng.choice([-3, -2, -1, 1, 2, 3], size=n)]
    masks = {}
    for m in ["begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask"]:
        bits = int(rng.integers(0, 1 << n))
        if m in ("ellipsis_mask", "new_axis_mask", "shrink_axis_mask") and rng.random() < 0.5:
            bits = 0
        if m == "ellipsis_mask" and bits:
            bits = 1 << int(rng.integers(0, n))
        if bits:
            masks[m] = bits
    strided(X3, b, e, s, **masks)

# ==== array_gather ===========================================================================
for t in MOVE:
    add("GatherV2", {"params": r([4, 3], t), "indices": i32([3, 0, 3]), "axis": i32(0)})
for ps, idx, axis in [([4, 3], [[1, 2], [0, 0]], 1), ([4, 3, 2], [2, 1], -2), ([5], [4, 0, 2], 0),
                      ([4, 3], np.zeros([0], np.int64), 0), ([4, 3], 2, 0), ([4, 3], [[2]], -1),
                      ([2, 0, 3], [1, 1], 0)]:
    add("GatherV2", {"params": r(ps), "indices": i64(idx), "axis": i64(axis)})
add("GatherV2", {"params": r([4, 3]), "indices": i32([1, 4]), "axis": i32(0)},
    expect_error=True, name="GatherV2_out_of_range")
add("GatherV2", {"params": r([4, 3]), "indices": i32([-1]), "axis": i32(0)},
    expect_error=True, name="GatherV2_negative")
add("Gather", {"params": r([4, 3]), "indices": i32([[3, 1]])})

for t in MOVE:
    add("GatherNd", {"params": r([3, 4], t), "indices": i32([[2, 1], [0, 3]])})
for ps, idx in [([3, 4, 2], [[1], [2], [0]]), ([3, 4, 2], [[[1, 3]], [[2, 0]]]),
                ([3, 4], [[2, 3, ]]), ([3, 4], np.zeros([2, 0], np.int64)),
                ([3, 4], np.zeros([0, 2], np.int64)), ([5], [[4], [0]])]:
    add("GatherNd", {"params": r(ps), "indices": i64(idx)})
add("GatherNd", {"params": r([3, 4]), "indices": i32([[3, 0]])}, expect_error=True,
    name="GatherNd_out_of_range")

for t in [BOOL, F32, F64, I32, I64, U8, I8]:
    add("Where", {"condition": r([3, 4], t, -1, 1)})
add("Where", {"condition": r([2, 3, 2], BOOL)})
add("Where", {"condition": r([5], BOOL)})
add("Where", {"condition": np.array(True)}, expect_error=True, name="Where_scalar")
add("Where", {"condition": np.zeros([0, 3], bool)})
add("Where", {"condition": np.zeros([2, 3], bool)})
add("Where", {"condition": array([0.0, -0.0, np.nan, 1.0], F32)}, name="Where_special")

for t in [F32, F64, I32, I64, BOOL, STR, U8, I8, I16, F16, BF16, C64]:
    on, off = r([], t), r([], t)
    add("OneHot", {"indices": i32([0, 2, -1, 3, 5]), "depth": i32(4), "on_value": on,
                   "off_value": off})
for idx, depth, axis, it in [([[0, 1], [2, 3]], 3, 0, I64), ([[0, 1], [2, 3]], 3, 1, I32),
                             ([[0, 1], [2, 3]], 3, -1, U8), (2, 4, -1, I32), ([1, 2], 0, -1, I32),
                             (np.zeros([0, 2]), 3, 1, I64)]:
    add("OneHot", {"indices": array(idx, it), "depth": i32(depth),
                   "on_value": array(1.5, F32), "off_value": array(-0.5, F32)}, {"axis": axis})

# ==== nn =====================================================================================
CONV = [  # input shape, filter shape, strides, padding, dilations, explicit paddings
    ([1, 5, 5, 3], [3, 3, 3, 4], [1, 1, 1, 1], "SAME", [1, 1, 1, 1], None),
    ([2, 7, 6, 3], [3, 3, 3, 2], [1, 2, 2, 1], "SAME", [1, 1, 1, 1], None),
    ([2, 7, 6, 3], [3, 2, 3, 5], [1, 2, 1, 1], "VALID", [1, 1, 1, 1], None),
    ([1, 8, 9, 2], [3, 3, 2, 3], [1, 1, 1, 1], "SAME", [1, 2, 2, 1], None),
    ([1, 9, 8, 2], [2, 3, 2, 3], [1, 1, 1, 1], "VALID", [1, 2, 3, 1], None),
    ([1, 6, 6, 4], [1, 1, 4, 8], [1, 1, 1, 1], "VALID", [1, 1, 1, 1], None),
    ([3, 4, 4, 5], [1, 1, 5, 2], [1, 2, 2, 1], "SAME", [1, 1, 1, 1], None),
    ([1, 5, 5, 2], [3, 3, 2, 3], [1, 1, 1, 1], "EXPLICIT", [1, 1, 1, 1], [0, 0, 1, 2, 0, 3, 0, 0]),
    ([1, 6, 5, 2], [2, 2, 2, 3], [1, 2, 2, 1], "EXPLICIT", [1, 2, 1, 1], [0, 0, 2, 2, 1, 0, 0, 0]),
    ([1, 3, 3, 1], [4, 4, 1, 1], [1, 1, 1, 1], "SAME", [1, 1, 1, 1], None),
    ([0, 5, 5, 3], [3, 3, 3, 4], [1, 1, 1, 1], "SAME", [1, 1, 1, 1], None),
    ([1, 2, 2, 3], [3, 3, 3, 2], [1, 1, 1, 1], "VALID", [1, 1, 1, 1], None),  # empty output
    ([2, 17, 19, 16], [3, 3, 16, 32], [1, 1, 1, 1], "SAME", [1, 1, 1, 1], None),  # several tiles
    ([1, 1, 1, 300], [1, 1, 300, 3], [1, 1, 1, 1], "VALID", [1, 1, 1, 1], None),  # K > 256
    ([1, 3, 3, 8], [1, 1, 8, 520], [1, 1, 1, 1], "VALID", [1, 1, 1, 1], None),  # N > 512
    # Patches read in place from a padded copy of the image (small patches, >= 24 output pixels):
    ([2, 16, 16, 3], [3, 3, 3, 8], [1, 1, 1, 1], "SAME", [1, 1, 1, 1], None),  # 8 channels out
    ([2, 9, 9, 1], [5, 5, 1, 8], [1, 1, 1, 1], "SAME", [1, 1, 1, 1], None),  # runs of 5 values
    ([3, 13, 11, 3], [7, 7, 3, 24], [1, 2, 2, 1], "SAME", [1, 1, 1, 1], None),  # a ragged strip
    ([4, 8, 8, 8], [3, 3, 8, 6], [1, 2, 2, 1], "VALID", [1, 1, 1, 1], None),  # stride 2, 36 rows
    ([1, 12, 11, 2], [2, 3, 2, 6], [1, 2, 1, 1], "EXPLICIT", [1, 2, 1, 1],
     [0, 0, 1, 3, 2, 0, 0, 0]),  # asymmetric padding, dilated rows
    ([1, 10, 10, 4], [3, 3, 4, 5], [1, 1, 1, 1], "SAME", [1, 1, 2, 1], None),  # runs of C values
]
for t in [F32, F64]:
    for xs, fs, strides, pad, dil, ep in CONV:
        if t == F64 and xs[3] == 16:
            continue
        attrs = {"strides": strides, "padding": pad, "dilations": dil}
        if ep:
            attrs["explicit_paddings"] = ep
        tol = {"rel": 1e-4, "abs": 1e-4} if t == F32 else None
        add("Conv2D", {"input": r(xs, t), "filter": r(fs, t)}, attrs,
            **({"tol": tol} if tol else {}))
add("Conv2D", {"input": r([1, 4, 4, 3]), "filter": r([2, 2, 2, 1])},
    {"strides": [1, 1, 1, 1], "padding": "VALID"}, expect_error=True, name="Conv2D_depth")

DW = [
    ([1, 5, 5, 3], [3, 3, 3, 2], [1, 1, 1, 1], "SAME", None),
    ([2, 7, 6, 4], [3, 3, 4, 1], [1, 2, 2, 1], "SAME", None),
    ([2, 7, 6, 2], [2, 3, 2, 3], [1, 3, 3, 1], "VALID", None),
    ([1, 5, 5, 2], [3, 3, 2, 2], [1, 1, 1, 1], "EXPLICIT", [0, 0, 1, 2, 2, 0, 0, 0]),
    ([1, 4, 4, 3], [1, 1, 3, 4], [1, 1, 1, 1], "VALID", None),
]
for t in [F32, F64]:
    for xs, fs, strides, pad, ep in DW:
        attrs = {"strides": strides, "padding": pad}
        if ep:
            attrs["explicit_paddings"] = ep
        add("DepthwiseConv2dNative", {"input": r(xs, t), "filter": r(fs, t)}, attrs,
            tol={"rel": 1e-4, "abs": 1e-5})
add("DepthwiseConv2dNative", {"input": r([1, 5, 5, 2]), "filter": r([2, 2, 2, 1])},
    {"strides": [1, 1, 2, 1], "padding": "VALID"}, expect_error=True,
    name="DepthwiseConv2dNative_unequal_strides")

POOL = [([1, 5, 5, 2], [1, 2, 2, 1], [1, 2, 2, 1], "SAME"),
        ([2, 7, 6, 3], [1, 3, 3, 1], [1, 2, 2, 1], "SAME"),
        ([2, 7, 6, 3], [1, 3, 2, 1], [1, 1, 2, 1], "VALID"),
        ([1, 4, 4, 1], [1, 4, 4, 1], [1, 1, 1, 1], "SAME"),
        ([1, 3, 5, 2], [1, 1, 1, 1], [1, 1, 1, 1], "VALID"),
        ([1, 6, 6, 2], [1, 3, 3, 1], [1, 3, 3, 1], "VALID"),
        ([0, 4, 4, 2], [1, 2, 2, 1], [1, 2, 2, 1], "SAME")]
for t in [F32, F64]:
    for xs, k, s, pad in POOL:
        add("MaxPool", {"input": r(xs, t)}, {"ksize": k, "strides": s, "padding": pad})
        add("AvgPool", {"value": r(xs, t)}, {"ksize": k, "strides": s, "padding": pad})
add("MaxPool", {"input": r([1, 5, 5, 2])},
    {"ksize": [1, 3, 3, 1], "strides": [1, 2, 2, 1], "padding": "EXPLICIT",
     "explicit_paddings": [0, 0, 1, 1, 2, 1, 0, 0]})
add("MaxPool", {"input": r([1, 5, 5, 2], F32, -5, -1)},
    {"ksize": [1, 2, 2, 1], "strides": [1, 2, 2, 1], "padding": "SAME"}, name="MaxPool_negative")
for nan_first in [True, False]:  # TF's MaxPool ignores NaN wherever it is in the window
    v = array([np.nan, 1, 2, 3, 4, 5, np.nan, 7, 1, 2, 3, 4, 5, 6, 7, np.nan], F32)
    if not nan_first:
        v = v[::-1].copy()
    add("MaxPool", {"input": v.reshape(1, 4, 4, 1)},
        {"ksize": [1, 2, 2, 1], "strides": [1, 2, 2, 1], "padding": "VALID"}, name="MaxPool_nan")
add("MaxPool", {"input": r([1, 2, 2, 1])},
    {"ksize": [1, 3, 3, 1], "strides": [1, 1, 1, 1], "padding": "VALID"}, name="MaxPool_empty")
add("AvgPool", {"value": r([1, 2, 2, 1])},
    {"ksize": [1, 3, 3, 1], "strides": [1, 1, 1, 1], "padding": "VALID"}, name="AvgPool_empty")
add("MaxPool", {"input": r([1, 1, 1, 1])},
    {"ksize": [1, 3, 3, 1], "strides": [1, 1, 1, 1], "padding": "VALID"}, expect_error=True,
    name="MaxPool_window_too_big")

# FusedBatchNorm in training mode (every output is defined). Inference mode leaves
# reserve_space_1/2 uninitialised in TF, which the harness cannot compare yet -- see the note
# at the end; array_nn_test.cc checks inference mode against the formula.
for op in ["FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3"]:
    for xs, fmt, eps, factor in [([2, 3, 3, 4], "NHWC", 0.001, 1.0), ([1, 5, 4, 3], "NHWC", 1e-5, 0.3),
                                 ([2, 4, 3, 3], "NCHW", 0.01, 1.0), ([1, 1, 1, 2], "NHWC", 0.001, 1.0)]:
        c = xs[1] if fmt == "NCHW" else xs[3]
        attrs = {"epsilon": eps, "is_training": True, "data_format": fmt}
        if op != "FusedBatchNorm" or factor != 1.0:
            attrs["exponential_avg_factor"] = factor
        add(op, {"x": r(xs, F32), "scale": r([c], F32, 0.5, 2), "offset": r([c]),
                 "mean": r([c]), "variance": r([c], F32, 0.5, 2)}, attrs,
            tol={"rel": 1e-4, "abs": 1e-4})

for xs, radius, bias, alpha, beta in [([1, 2, 2, 7], 2, 1.0, 0.5, 0.75), ([2, 3, 1, 5], 5, 1.0, 1.0, 0.5),
                                      ([1, 1, 2, 9], 1, 2.0, 1e-4, 0.75), ([1, 2, 3, 4], 0, 0.5, 0.2, 1.0)]:
    add("LRN", {"input": r(xs)}, {"depth_radius": radius, "bias": bias, "alpha": alpha, "beta": beta},
        tol={"rel": 1e-5, "abs": 1e-6})

for ac, hp in [(False, False), (True, False), (False, True)]:
    for xs, size in [([1, 3, 4, 2], [5, 7]), ([2, 5, 6, 1], [3, 2]), ([1, 4, 4, 3], [4, 4]),
                     ([1, 1, 3, 1], [2, 5]), ([1, 3, 3, 1], [1, 1])]:
        attrs = {"align_corners": ac, "half_pixel_centers": hp}
        add("ResizeBilinear", {"images": r(xs), "size": i32(size)}, attrs)
        add("ResizeNearestNeighbor", {"images": r(xs), "size": i32(size)}, attrs)
    for t in [F64, U8, I32, I64]:
        add("ResizeBilinear", {"images": r([1, 3, 4, 2], t, 0, 200), "size": i32([5, 3])},
            {"align_corners": ac, "half_pixel_centers": hp})
        add("ResizeNearestNeighbor", {"images": r([1, 3, 4, 2], t, 0, 200), "size": i32([5, 3])},
            {"align_corners": ac, "half_pixel_centers": hp})
add("ResizeBilinear", {"images": r([1, 2, 2, 1]), "size": i32([2, 2])},
    {"align_corners": True, "half_pixel_centers": True}, expect_error=True,
    name="ResizeBilinear_both")

# Harness notes (for tests/ops/gen_op_cases.py):
# - Attrs whose raw_ops keyword differs from the OpDef name (Squeeze: axis vs squeeze_dims) can
#   not be given: the driver encodes only OpDef names but calls raw_ops with the same keys.
# - No way to compare only some outputs (FusedBatchNorm* inference: reserve_space_1/2 are
#   uninitialised in TF).
