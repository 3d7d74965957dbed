"""Op cases for the families Keras TF2 graphs brought in: math_special (Erf, Erfc, Expm1, Sin,
Cos, Softsign, IsNan/IsInf/IsFinite), einsum (Einsum) and BatchMatMulV3 (matmul)."""
import numpy as np

from caselib import case_adder
from caselib import F16, F32, F64, FLOATS, array
from caselib import rand as _rand

CASES = []
_seed = [90_000]


def rand(shape, dtype=F32, lo=-3.0, hi=3.0):
    """caselib.rand with this module's own seeds: the shared counter stays as the modules
    loaded before this one left it (their inputs do not change when cases are added here)."""
    _seed[0] += 1
    return _rand(shape, dtype, lo, hi, seed=_seed[0])


add = case_adder(CASES)


# ---- math_special ------------------------------------------------------------------------------
for op, lo, hi in (("Erf", -4, 4), ("Erfc", -4, 12), ("Expm1", -5, 5), ("Sin", -7, 7),
                   ("Cos", -7, 7), ("Softsign", -9, 9)):
    arg = "features" if op == "Softsign" else "x"
    for t in FLOATS:
        add(op, {arg: rand([2, 7], t, lo, hi)})
    add(op, {arg: rand([0, 3])})
# Erfc far in the tail: a relative accuracy 1 - erf would lose.
add("Erfc", {"x": array([3.0, 5.0, 7.5, 9.0, -2.0, 0.0], F32)}, name="Erfc_tail")
add("Expm1", {"x": array([1e-7, -1e-6, 1e-3, 0.0], F32)}, name="Expm1_tiny")
for op in ("IsNan", "IsInf", "IsFinite"):
    for t, big in ((F32, 3e38), (F64, 1e300), (F16, 6e4)):
        add(op, {"x": array([0.0, -1.5, np.inf, -np.inf, np.nan, big, 1e-40], t)})
    add(op, {"x": rand([2, 3], F64)})

# ---- Einsum ------------------------------------------------------------------------------------
EQUATIONS = [
    ("ab,bc->ac", [2, 3], [3, 4]),
    ("abc,cde->abde", [2, 3, 4], [4, 2, 5]),       # EinsumDense / MHA projections
    ("aecd,abcd->acbe", [2, 5, 2, 3], [2, 4, 2, 3]),  # MHA attention scores
    ("acbe,aecd->abcd", [2, 2, 4, 5], [2, 5, 2, 3]),  # MHA attention output
    ("abcd,cde->abe", [2, 4, 2, 3], [2, 3, 6]),       # MHA output projection
    ("bij,bjk->bik", [3, 2, 4], [3, 4, 2]),
    ("...ij,...jk->...ik", [2, 3, 2, 4], [2, 3, 4, 5]),
    ("ab,cd->abcd", [2, 3], [2, 2]),                # outer product (no contraction)
    ("abc,c->ab", [2, 3, 4], [4]),
    ("abc,bd->ad", [2, 3, 4], [3, 5]),              # c summed out of the first operand alone
    ("i,i->", [5], [5]),
]
for eq, sa, sb in EQUATIONS:
    add("Einsum", {"inputs": [rand(sa), rand(sb)]}, {"equation": eq}, name=f"Einsum_{eq}")
for eq, s in (("ij->ji", [3, 4]), ("abc->ca", [2, 3, 4]), ("ij->", [3, 4]), ("...j->j...", [2, 3, 4])):
    add("Einsum", {"inputs": [rand(s)]}, {"equation": eq}, name=f"Einsum_{eq}")
add("Einsum", {"inputs": [rand([2, 3], F64), rand([3, 2], F64)]}, {"equation": "ij,jk->ik"},
    name="Einsum_f64")
add("Einsum", {"inputs": [rand([2, 3]), rand([4, 2])]}, {"equation": "ij,jk->ik"},
    expect_error=True, name="Einsum_size_mismatch")
add("Einsum", {"inputs": [rand([2, 3]), rand([4, 3])]}, {"equation": "ij,kj"},
    expect_error=True, name="Einsum_implicit_output")  # TF's op needs the "->"

# ---- BatchMatMulV3 -----------------------------------------------------------------------------
for t in (F32, F64):
    add("BatchMatMulV3", {"x": rand([2, 3, 4], t), "y": rand([2, 4, 5], t)}, {"Tout": t})
add("BatchMatMulV3", {"x": rand([2, 4, 3]), "y": rand([1, 5, 4])},
    {"Tout": F32, "adj_x": True, "adj_y": True})
