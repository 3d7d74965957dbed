"""Helpers for tests/ops/cases_*.py: deterministic random inputs of any dtype."""
import numpy as np
import tensorflow as tf

F32, F64, F16, BF16 = tf.float32, tf.float64, tf.float16, tf.bfloat16
I32, I64, U8, BOOL = tf.int32, tf.int64, tf.uint8, tf.bool
FLOATS = [F32, F64, F16, BF16]
INTS = [I32, I64, U8]
REALS = FLOATS + INTS

_seed = [0]


def rand(shape, dtype=F32, lo=-3.0, hi=3.0, seed=None):
    """Uniform values in [lo, hi] (integers: inclusive range, clipped to the dtype), as numpy."""
    if seed is None:
        _seed[0] += 1
        seed = _seed[0]
    rng = np.random.default_rng(seed)
    dt = tf.as_dtype(dtype)
    if dt == tf.bool:
        return rng.random(shape) < 0.5
    if dt.is_integer:
        lo = max(int(lo), int(dt.min))
        hi = min(int(hi), int(dt.max))
        return rng.integers(lo, hi + 1, size=shape).astype(dt.as_numpy_dtype)
    return rng.uniform(lo, hi, size=shape).astype(np.float32).astype(dt.as_numpy_dtype)


def nonzero(shape, dtype=F32, lo=0.5, hi=3.0, seed=None):
    """Values with |v| in [lo, hi] and random signs (unsigned: positive)."""
    v = rand(shape, dtype, lo, hi, seed)
    dt = tf.as_dtype(dtype)
    if dt.is_unsigned:
        return np.maximum(v, 1).astype(v.dtype)
    signs = rand(shape, BOOL, seed=None if seed is None else seed + 1)
    if dt.is_integer:
        v = np.maximum(v, 1).astype(v.dtype)
    return np.where(signs, v, -v).astype(v.dtype)


def special(dtype=F32):
    """Edge values of a floating dtype: signed zeros, infinities, NaN, halves."""
    vals = [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 0.5, 1.5, 2.5, -2.5, 1e-30, -7.25]
    return np.array(vals, dtype=np.float32).astype(tf.as_dtype(dtype).as_numpy_dtype)


def array(values, dtype):
    return np.array(values).astype(tf.as_dtype(dtype).as_numpy_dtype)


def case_adder(cases):
    """add(op, inputs, attrs=None, **fields) appending one case dict to `cases`."""
    def add(op, inputs, attrs=None, **kw):
        c = {"op": op, "inputs": inputs}
        if attrs:
            c["attrs"] = attrs
        c.update(kw)
        cases.append(c)
    return add
