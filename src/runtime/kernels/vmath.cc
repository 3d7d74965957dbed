// vmath: exp, tanh and sigmoid on GCC/Clang vectors, compiled once per vector ISA and chosen at
// run time like gemm.cc. The per-ISA body is the second half of this file: the first half includes
// this file again inside each ISA's namespace with TFM_VMATH_BODY defined (one source file, no
// macro-generated code, and the AVX2 copy is compiled under `#pragma GCC target`).
#ifndef TFM_VMATH_BODY
#include "src/runtime/kernels/vmath.h"

// Every standard header the body uses comes first, before any `#pragma GCC target`.
#include <atomic>
#include <cstdint>
#include <cstring>

#include "src/runtime/kernels/cpu_features.h"
#include "src/runtime/kernels/cwise.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define TFM_VMATH_HAVE_AVX2 1
#endif

namespace tfmodel::vmath {
namespace {

// ---- The approximations (coefficients fitted for this file by Lawson's iteratively reweighted
// least squares towards the minimax relative error, then rounded to float).
//
// exp(x) = 2^n e^r with n = round(x / ln 2) and r = x - n ln 2, |r| <= ln(2)/2. ln 2 is split into
// kLn2Hi (9 significant bits, so n kLn2Hi is exact for |n| < 2^15) and kLn2Lo (Cody and Waite).
// e^r = 1 + r + r^2 P(r), P of degree 4: relative error 3.1e-9 (0.05 ulp) on |r| <= ln(2)/2.
// 2^n is applied as 2^(n/2) 2^(n - n/2): both factors are normal floats for n in [-150, 128], so
// results below 2^-126 round once to the denormal they should be and results above the float range
// overflow to inf. x is first clamped to [kExpMin, kExpMax]: exp(kExpMin) rounds to 0 and
// exp(kExpMax) to inf.
constexpr float kExpMin = -104.0f;
constexpr float kExpMax = 88.8f;
constexpr float kLog2e = 1.44269502f;
constexpr float kLn2Hi = 0.693359375f;
constexpr float kLn2Lo = -0.000212194442f;
constexpr float kExpP0 = 0.49999994f, kExpP1 = 0.166665211f, kExpP2 = 0.041668389f,
                kExpP3 = 0.00836874545f, kExpP4 = 0.00138145394f;
// Adding 1.5 * 2^23 rounds a float of magnitude below 2^22 to an integer (round to nearest), which
// is then the low bits of the sum's representation.
constexpr float kRoundMagic = 12582912.0f;
constexpr uint32_t kRoundMagicBits = 0x4B400000u;

// tanh(a), a = |x|: below kTanhSmall, a + a^3 Q(a^2) with Q of degree 4 (relative error 4.4e-9);
// above, (1 - e) / (1 + e) with e = exp(-2a) in [0, 0.287]: no cancellation worth an ulp, and
// exactly 1 once e < 2^-25 (a > 9.01). The sign is put back last, so tanh(-x) = -tanh(x).
constexpr float kTanhSmall = 0.625f;
constexpr float kTanhQ0 = -0.333332807f, kTanhQ1 = 0.133314356f, kTanhQ2 = -0.053739097f,
                kTanhQ3 = 0.0206369795f, kTanhQ4 = -0.00570253469f;

// sigmoid(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0, e = exp(-|x|): both forms keep
// the full relative accuracy, down to the denormal results for x < -87.

constexpr uint32_t kSignBit = 0x80000000u;

// ---- 16-byte vectors (SSE2 on x86-64, NEON on arm64). No FMA: a * b + c rounds twice, which costs
// under an ulp here (the exp reduction's n kLn2Hi is exact).
namespace vec128 {
struct Isa {
  typedef float V __attribute__((vector_size(16)));
  typedef uint32_t U __attribute__((vector_size(16)));
  typedef int32_t S __attribute__((vector_size(16)));
  static constexpr int64_t kL = 4;
  static V Fma(V a, V b, V c) { return a * b + c; }
};
#define TFM_VMATH_BODY
#include "src/runtime/kernels/vmath.cc"  // NOLINT(build/include): the per-ISA body below
#undef TFM_VMATH_BODY
}  // namespace vec128

#ifdef TFM_VMATH_HAVE_AVX2
#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace avx2 {
struct Isa {
  typedef float V __attribute__((vector_size(32)));
  typedef uint32_t U __attribute__((vector_size(32)));
  typedef int32_t S __attribute__((vector_size(32)));
  static constexpr int64_t kL = 8;
  static V Fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
};
#define TFM_VMATH_BODY
#include "src/runtime/kernels/vmath.cc"  // NOLINT(build/include): the per-ISA body below
#undef TFM_VMATH_BODY
}  // namespace avx2
#pragma GCC pop_options

KernelIsa isa;

bool HasAvx2Fma() { return isa.Avx2Fma(); }
#endif

}  // namespace

void Exp(const float* x, float* y, int64_t n) {
#ifdef TFM_VMATH_HAVE_AVX2
  if (HasAvx2Fma()) return avx2::Exp(x, y, n);
#endif
  vec128::Exp(x, y, n);
}
void Tanh(const float* x, float* y, int64_t n) {
#ifdef TFM_VMATH_HAVE_AVX2
  if (HasAvx2Fma()) return avx2::Tanh(x, y, n);
#endif
  vec128::Tanh(x, y, n);
}
void Sigmoid(const float* x, float* y, int64_t n) {
#ifdef TFM_VMATH_HAVE_AVX2
  if (HasAvx2Fma()) return avx2::Sigmoid(x, y, n);
#endif
  vec128::Sigmoid(x, y, n);
}

KernelFn ArrayKernel(ArrayFn f) {
  return [f](KernelContext& c) -> Status {
    const Tensor& x = c.input(0);
    Result<Tensor> out = ForwardOrAllocate(x, x.dtype(), x.shape());
    if (!out.ok()) return out.status().WithContext("node '" + c.node_name() + "'");
    f(x.flat<float>().data(), out->flat<float>().data(), x.NumElements());
    c.set_output(0, *out);
    return Status::Ok();
  };
}

const char* KernelName() {
#ifdef TFM_VMATH_HAVE_AVX2
  if (HasAvx2Fma()) return "avx2+fma";
#endif
  return "vec128";
}

void ForceVec128ForTesting(bool force) {
#ifdef TFM_VMATH_HAVE_AVX2
  isa.ForceVec128(force);
#else
  (void)force;
#endif
}

}  // namespace tfmodel::vmath

#else   // TFM_VMATH_BODY
// ---- The per-ISA body, inside namespace tfmodel::vmath::(anonymous)::<isa>, given `Isa`.
using V = Isa::V;
using U = Isa::U;
using S = Isa::S;
constexpr int64_t kL = Isa::kL;

inline V Splat(float c) { return V{} + c; }
inline U Bits(V v) { return __builtin_bit_cast(U, v); }
inline V FromBits(U u) { return __builtin_bit_cast(V, u); }
inline V Fma(V a, V b, V c) { return Isa::Fma(a, b, c); }

inline V ExpV(V x) {
  x = x < Splat(kExpMin) ? Splat(kExpMin) : x;  // NaN compares false and stays NaN
  x = x > Splat(kExpMax) ? Splat(kExpMax) : x;
  const V t = Fma(x, Splat(kLog2e), Splat(kRoundMagic));
  const V nf = t - kRoundMagic;
  V r = Fma(nf, Splat(-kLn2Hi), x);
  r = Fma(nf, Splat(-kLn2Lo), r);
  V p = Fma(Splat(kExpP4), r, Splat(kExpP3));
  p = Fma(p, r, Splat(kExpP2));
  p = Fma(p, r, Splat(kExpP1));
  p = Fma(p, r, Splat(kExpP0));
  p = Fma(r * r, p, r) + 1.0f;
  const S n = __builtin_bit_cast(S, Bits(t) - kRoundMagicBits);
  const S n1 = n >> 1;
  const U s1 = (__builtin_bit_cast(U, n1) + 127u) << 23;
  const U s2 = (__builtin_bit_cast(U, n - n1) + 127u) << 23;
  return p * FromBits(s1) * FromBits(s2);
}

inline V TanhV(V x) {
  const U sign = Bits(x) & kSignBit;
  const V a = FromBits(Bits(x) ^ sign);
  const V t = a * a;
  V q = Fma(Splat(kTanhQ4), t, Splat(kTanhQ3));
  q = Fma(q, t, Splat(kTanhQ2));
  q = Fma(q, t, Splat(kTanhQ1));
  q = Fma(q, t, Splat(kTanhQ0));
  const V small = Fma(a * t, q, a);
  const V e = ExpV(a * -2.0f);
  const V large = (1.0f - e) / (1.0f + e);
  const V y = a < Splat(kTanhSmall) ? small : large;  // NaN takes `large`, which is NaN
  return FromBits(Bits(y) | sign);
}

inline V SigmoidV(V x) {
  const V a = FromBits(Bits(x) & ~kSignBit);
  const V e = ExpV(-a);
  return (x < Splat(0.0f) ? e : Splat(1.0f)) / (1.0f + e);
}

inline V Load(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof(V));
  return v;
}
inline void Store(float* p, V v) { std::memcpy(p, &v, sizeof(V)); }

// y[i] = f(x[i]); the last n % kL elements go through a zero-padded vector, so every element gets
// the same arithmetic wherever it sits.
template <V (*f)(V)>
inline void Apply(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + kL <= n; i += kL) Store(y + i, f(Load(x + i)));
  if (i < n) {
    float tail[kL] = {};
    std::memcpy(tail, x + i, (n - i) * sizeof(float));
    Store(tail, f(Load(tail)));
    std::memcpy(y + i, tail, (n - i) * sizeof(float));
  }
}

void Exp(const float* x, float* y, int64_t n) { Apply<ExpV>(x, y, n); }
void Tanh(const float* x, float* y, int64_t n) { Apply<TanhV>(x, y, n); }
void Sigmoid(const float* x, float* y, int64_t n) { Apply<SigmoidV>(x, y, n); }
#endif  // TFM_VMATH_BODY
