// Vectorised float exp, tanh and sigmoid over arrays, for the element-wise kernels (Exp, Tanh,
// Sigmoid): AVX2+FMA when the CPU has both, else 16-byte vectors (SSE2 / NEON).
//
//   vmath::Tanh(x, y, n);     // y[i] = tanh(x[i]) for i < n; y == x is allowed (in place)
//
// Accuracy: within 4 ulp of the exact result for every float input, denormal inputs and results
// included (vmath_test.cc checks a sweep; a run over all 2^32 floats measured at most 1.01 ulp for
// exp, 1.52 for tanh and 2.40 for sigmoid, on both code paths). Special values as the C library:
// NaN in gives NaN out, exp(-inf) = 0, exp(inf) = inf, tanh(+-inf) = +-1, sigmoid(-inf) = 0,
// sigmoid(inf) = 1; tanh is odd and exactly +-1 where it saturates; tanh(x) = x for tiny x; sigmoid
// lies in [0, 1]. The results depend only on each element's value, never on its position in the
// array.
#ifndef TFMODEL_SRC_RUNTIME_KERNELS_VMATH_H_
#define TFMODEL_SRC_RUNTIME_KERNELS_VMATH_H_

#include <cstdint>

#include "src/runtime/kernel.h"

namespace tfmodel::vmath {

// y[i] = f(x[i]) for 0 <= i < n. REQUIRES: x and y are either the same array or do not overlap.
void Exp(const float* x, float* y, int64_t n);
void Tanh(const float* x, float* y, int64_t n);
void Sigmoid(const float* x, float* y, int64_t n);  // 1 / (1 + exp(-x))
using ArrayFn = void (*)(const float* x, float* y, int64_t n);

// The kernel of a one-input float op y = f(x) (Exp, Tanh, Sigmoid): y has x's shape and takes x's
// buffer when no one else holds it (ForwardOrAllocate).
KernelFn ArrayKernel(ArrayFn f);

// The code this CPU runs: "avx2+fma" or "vec128".
const char* KernelName();
// Tests: run the 16-byte-vector code even where AVX2 is available (process-wide).
void ForceVec128ForTesting(bool force);

}  // namespace tfmodel::vmath

#endif  // TFMODEL_SRC_RUNTIME_KERNELS_VMATH_H_
