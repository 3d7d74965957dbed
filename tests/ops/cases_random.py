"""Op cases for kernels/random.cc and kernels/stateless_random.cc: every op and dtype, output
sizes around TensorFlow's groups of 2 and 4 values (0, 1, 3, 4, 5, 17, 1000+, multi-dim),
several seeds, compared bit-exactly (tolerance 0).

Stateful ops run in a fresh graph and Session per case ("graph"), so each case sees the first
draws of a newly created op (eager's kernel cache would keep the generator across cases); some
run the node twice ("runs") to check the per-run reservation. seed = seed2 = 0 is seeded
nondeterministically, so those cases check dtype, shape and bounds only ("bounds")."""
import numpy as np
import tensorflow as tf

from caselib import BF16, F16, F32, F64, I32, I64, array, rand

CASES = []
EXACT = {"rel": 0.0, "abs": 0.0}
U32, U64 = tf.uint32, tf.uint64


def add(op, inputs, attrs=None, **kw):
    c = {"op": op, "inputs": inputs, "tol": EXACT}
    if attrs:
        c["attrs"] = attrs
    c.update(kw)
    CASES.append(c)


def shape_of(dims, dtype=I32):
    return array(dims, dtype).reshape([len(dims)])


SHAPES = [[0], [1], [3], [4], [5], [17], [1001], [2, 3, 5], [3, 0, 2]]
FLOATS = [F32, F64, F16, BF16]
SEEDS = [(1, 2), (0, 7), (-3, 2**40 + 5), (87654321, 0)]
FLOAT_OPS = ["RandomUniform", "RandomStandardNormal", "TruncatedNormal"]
# Box-Muller never exceeds sqrt(-2 ln 1e-7) ~ 5.68 in magnitude (u1 is clamped to 1e-7); the
# truncated normal's float values are < 2, which half/bfloat16 rounding can make exactly 2.
FLOAT_BOUNDS = {"RandomUniform": {"min": 0, "below": 1},
                "RandomStandardNormal": {"min": -5.7, "max": 5.7},
                "TruncatedNormal": {"min": -2, "max": 2}}

# ---- Stateful float ops ----------------------------------------------------------------------
for op in FLOAT_OPS:
    for dt in FLOATS:
        for dims in SHAPES:
            add(op, {"shape": shape_of(dims)}, {"dtype": dt, "seed": 1, "seed2": 2}, graph=True)
        for seed, seed2 in SEEDS[1:]:
            add(op, {"shape": shape_of([5], I64)}, {"dtype": dt, "seed": seed, "seed2": seed2},
                graph=True)
            add(op, {"shape": shape_of([1003])}, {"dtype": dt, "seed": seed, "seed2": seed2},
                graph=True)
        # The second run starts 256 Philox outputs per element later.
        add(op, {"shape": shape_of([6])}, {"dtype": dt, "seed": 5, "seed2": 9}, graph=True, runs=3)
        add(op, {"shape": shape_of([2, 9])}, {"dtype": dt, "seed": 0, "seed2": 3}, graph=True,
            runs=2)
        add(op, {"shape": shape_of([257])}, {"dtype": dt, "seed": 0, "seed2": 0}, graph=True,
            runs=2, bounds=FLOAT_BOUNDS[op])
    add(op, {"shape": shape_of([2, -1])}, {"dtype": F32, "seed": 1}, graph=True, expect_error=True)
    add(op, {"shape": array([[2]], I32)}, {"dtype": F32, "seed": 1}, graph=True, expect_error=True)
    add(op, {"shape": shape_of([2**31, 2**31, 2**10], I64)}, {"dtype": F32, "seed": 1},
        graph=True, expect_error=True)

# ---- RandomUniformInt ------------------------------------------------------------------------
INT_RANGES = {I32: [(0, 10), (-5, 3), (7, 8), (-2**31, 2**31 - 1), (-1000, 2**30)],
              I64: [(0, 10), (-5, 3), (-2**62, 2**62), (-2**63, 2**63 - 1), (3, 2**40)]}
for dt, ranges in INT_RANGES.items():
    for lo, hi in ranges:
        for dims in ([1], [4], [5], [17], [1001], [3, 2, 2]):
            add("RandomUniformInt", {"shape": shape_of(dims), "minval": array(lo, dt),
                                     "maxval": array(hi, dt)}, {"seed": 4, "seed2": 11}, graph=True)
    add("RandomUniformInt", {"shape": shape_of([7]), "minval": array(-9, dt),
                             "maxval": array(99, dt)}, {"seed": 0, "seed2": 1}, graph=True, runs=3)
    add("RandomUniformInt", {"shape": shape_of([300]), "minval": array(-9, dt),
                             "maxval": array(99, dt)}, {"seed": 0, "seed2": 0}, graph=True,
        runs=2, bounds={"min": -9, "below": 99})
    # An empty output needs no valid range.
    add("RandomUniformInt", {"shape": shape_of([0, 3]), "minval": array(5, dt),
                             "maxval": array(5, dt)}, {"seed": 1}, graph=True)
    add("RandomUniformInt", {"shape": shape_of([3]), "minval": array(5, dt),
                             "maxval": array(5, dt)}, {"seed": 1}, graph=True, expect_error=True)
    add("RandomUniformInt", {"shape": shape_of([3]), "minval": array([1], dt),
                             "maxval": array(5, dt)}, {"seed": 1}, graph=True, expect_error=True)

# ---- RandomShuffle ---------------------------------------------------------------------------
STRS = np.array([b"a", b"bb", b"", b"dddd", b"e"], dtype=object)
for x in (rand([0]), rand([1]), rand([2]), rand([5]), rand([17], I32), rand([1000], F64),
          rand([4, 3]), rand([6, 2, 2], I64), rand([1, 5]), rand([3, 0]), rand([], F32), STRS,
          rand([9], F16)):
    add("RandomShuffle", {"value": x}, {"seed": 3, "seed2": 1}, graph=True)
add("RandomShuffle", {"value": rand([10], I32)}, {"seed": 0, "seed2": 2}, graph=True, runs=3)
add("RandomShuffle", {"value": array(list(range(40)), I32)}, {"seed": 0, "seed2": 0}, graph=True,
    bounds={"min": 0, "max": 39})

# ---- Stateless V1: (shape, seed) -------------------------------------------------------------
STATELESS_SEEDS = [array([1, 2], I32), array([-1, -2], I32), array([2**40 + 3, -7], I64),
                   array([0, 0], I64)]
for op in ("StatelessRandomUniform", "StatelessRandomNormal", "StatelessTruncatedNormal"):
    for dt in FLOATS:
        for dims in SHAPES:
            add(op, {"shape": shape_of(dims), "seed": STATELESS_SEEDS[0]}, {"dtype": dt})
        for seed in STATELESS_SEEDS[1:]:
            add(op, {"shape": shape_of([5], I64), "seed": seed}, {"dtype": dt})
            add(op, {"shape": shape_of([1002]), "seed": seed}, {"dtype": dt})
    add(op, {"shape": shape_of([2]), "seed": array([1, 2, 3], I32)}, expect_error=True)
    add(op, {"shape": shape_of([2, -1]), "seed": STATELESS_SEEDS[0]}, expect_error=True)

for dt, ranges in INT_RANGES.items():
    for lo, hi in ranges:
        for dims in ([1], [4], [5], [1001], [2, 3]):
            add("StatelessRandomUniformInt", {"shape": shape_of(dims), "seed": STATELESS_SEEDS[2],
                                              "minval": array(lo, dt), "maxval": array(hi, dt)})
    add("StatelessRandomUniformInt", {"shape": shape_of([0]), "seed": STATELESS_SEEDS[0],
                                      "minval": array(5, dt), "maxval": array(5, dt)})
    add("StatelessRandomUniformInt", {"shape": shape_of([2]), "seed": STATELESS_SEEDS[0],
                                      "minval": array(5, dt), "maxval": array(-5, dt)},
        expect_error=True)

for dt in (I32, I64, U32, U64):
    for dims in ([1], [3], [4], [5], [1001]):
        for seed in STATELESS_SEEDS[:3]:
            add("StatelessRandomUniformFullInt", {"shape": shape_of(dims), "seed": seed},
                {"dtype": dt})

# ---- Key/counter/alg ops and the V2 forms ---------------------------------------------------
for seed in STATELESS_SEEDS:
    add("StatelessRandomGetKeyCounter", {"seed": seed})
    add("StatelessRandomGetKeyCounterAlg", {"seed": seed})
add("StatelessRandomGetKeyCounter", {"seed": array([1], I64)}, expect_error=True)
add("StatelessRandomGetAlg", {})


def key_counter(seed):
    k, c = tf.raw_ops.StatelessRandomGetKeyCounter(seed=tf.constant(seed))
    return k.numpy(), c.numpy()


KEY_COUNTERS = [key_counter(s) for s in STATELESS_SEEDS[:3]]
# Arbitrary state, with a counter near a 64-bit carry and a longer counter (extra words unused).
KEY_COUNTERS.append((np.array([0x0123456789abcdef], np.uint64),
                     np.array([0xfffffffffffffff0, 0x7], np.uint64)))
KEY_COUNTERS.append((np.array([42], np.uint64), np.array([5, 6, 7], np.uint64)))
ALGS = [array(1, I32), array(3, I32)]
for op in ("StatelessRandomUniformV2", "StatelessRandomNormalV2", "StatelessTruncatedNormalV2"):
    for dt in FLOATS:
        for dims in SHAPES:
            key, counter = KEY_COUNTERS[0]
            add(op, {"shape": shape_of(dims), "key": key, "counter": counter, "alg": ALGS[1]},
                {"dtype": dt})
        for key, counter in KEY_COUNTERS[1:]:
            for alg in ALGS:
                add(op, {"shape": shape_of([1001], I64), "key": key, "counter": counter,
                         "alg": alg}, {"dtype": dt})
    key, counter = KEY_COUNTERS[0]
    add(op, {"shape": shape_of([3]), "key": key, "counter": counter, "alg": array(2, I32)},
        expect_error=True)  # ThreeFry: no CPU kernel
    add(op, {"shape": shape_of([3]), "key": np.array([1, 2], np.uint64), "counter": counter,
             "alg": ALGS[0]}, expect_error=True)
    # (A counter of one word: TensorFlow 2.21 accepts it for Philox and reads the second word
    # past the end of the tensor -- nondeterministic values; we reject it, see random_test.cc.)

for dt, ranges in INT_RANGES.items():
    for lo, hi in ranges:
        for key, counter in KEY_COUNTERS[:4]:
            for dims in ([3], [4], [1001]):
                add("StatelessRandomUniformIntV2",
                    {"shape": shape_of(dims), "key": key, "counter": counter, "alg": ALGS[0],
                     "minval": array(lo, dt), "maxval": array(hi, dt)})
    key, counter = KEY_COUNTERS[0]
    add("StatelessRandomUniformIntV2",
        {"shape": shape_of([2]), "key": key, "counter": counter, "alg": ALGS[0],
         "minval": array(3, dt), "maxval": array(3, dt)}, expect_error=True)
for dt in (I32, I64, U32, U64):
    for key, counter in KEY_COUNTERS:
        for dims in ([1], [5], [1001], [2, 2]):
            add("StatelessRandomUniformFullIntV2",
                {"shape": shape_of(dims), "key": key, "counter": counter, "alg": ALGS[1]},
                {"dtype": dt})

# ---- Which checks come before the early exit for an empty output (TensorFlow's order) -------
add("RandomUniformInt", {"shape": shape_of([0]), "minval": array([1], I32),
                         "maxval": array(4, I32)}, {"seed": 1}, graph=True, expect_error=True)
add("StatelessRandomUniformInt", {"shape": shape_of([0]), "seed": STATELESS_SEEDS[0],
                                  "minval": array([1], I32), "maxval": array(4, I32)})
add("StatelessRandomUniform", {"shape": shape_of([0]), "seed": array([1, 2, 3], I32)},
    expect_error=True)
_key, _counter = KEY_COUNTERS[0]
add("StatelessRandomUniformV2", {"shape": shape_of([0]), "key": np.array([1, 2], np.uint64),
                                 "counter": _counter, "alg": ALGS[0]}, expect_error=True)
add("StatelessRandomUniformIntV2", {"shape": shape_of([0]), "key": _key, "counter": _counter,
                                    "alg": ALGS[0], "minval": array(5, I32),
                                    "maxval": array(5, I32)})
add("StatelessRandomUniformIntV2", {"shape": shape_of([2]), "key": _key, "counter": _counter,
                                    "alg": ALGS[0], "minval": array([5], I32),
                                    "maxval": array(7, I32)}, expect_error=True)

# ---- Multinomial / StatelessMultinomial ------------------------------------------------------
# Small batches: TensorFlow splits the rows over threads (and its values then depend on its
# thread count) only above ~1e5 cost units, batch * 50 * (samples * log2(classes) + classes).
LOGITS = [rand([1, 3]), rand([3, 5], lo=-8, hi=8), rand([2, 7], F64), rand([4, 4], F16),
          rand([2, 6], BF16), array([[0.0, -np.inf, 1.0, np.nan], [-np.inf, -np.inf, 2.0, 2.0]], F32),
          array([[np.inf, 0.0], [-np.inf, -np.inf]], F32), rand([0, 3])]
for logits in LOGITS:
    for samples in (0, 1, 5, 17):
        for out in (I32, I64):
            add("Multinomial", {"logits": logits, "num_samples": array(samples, I32)},
                {"seed": 6, "seed2": 2, "output_dtype": out}, graph=True)
            add("StatelessMultinomial", {"logits": logits, "num_samples": array(samples, I32),
                                         "seed": STATELESS_SEEDS[2]}, {"output_dtype": out})
add("Multinomial", {"logits": rand([2, 3]), "num_samples": array(6, I32)}, {"seed": 0, "seed2": 1},
    graph=True, runs=3)
add("Multinomial", {"logits": rand([2, 3]), "num_samples": array(40, I32)},
    {"seed": 0, "seed2": 0}, graph=True, runs=2, bounds={"min": 0, "max": 2})
add("Multinomial", {"logits": rand([2, 3]), "num_samples": array(-1, I32)}, {"seed": 1},
    graph=True, expect_error=True)
add("Multinomial", {"logits": rand([2, 0]), "num_samples": array(3, I32)}, {"seed": 1},
    graph=True, expect_error=True)
add("StatelessMultinomial", {"logits": rand([3]), "num_samples": array(3, I32),
                             "seed": STATELESS_SEEDS[0]}, expect_error=True)
