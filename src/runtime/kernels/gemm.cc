// The GEMM kernels compiled per vector ISA (gemm_kernels.inc) and the run-time choice between them:
// AVX2+FMA when the CPU has both, else 16-byte vectors (SSE2 / NEON).
#include "src/runtime/kernels/gemm.h"

// Every standard header the kernels use comes first, before any `#pragma GCC target`.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <type_traits>

#include "src/base/logging.h"
#include "src/base/thread_pool.h"
#include "src/runtime/kernels/cpu_features.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define TFM_GEMM_HAVE_AVX2 1
#endif

namespace tfmodel::gemm {
namespace {

// Below this many multiply-adds a product runs on one thread: a thread hand-off costs about as much
// as 0.5-1 M multiply-adds (bench/inference_bench.sh, matmul section).
constexpr double kParallelMacs = 1 << 20;
// B's rows are read in place (not packed) for at most this many rows of C, unless B's row stride is
// a multiple of 2 KiB (rows then share L1 sets and evict each other). Measured on 1 thread vs
// packing: 32x784x256 1.33x, 96x784x256 1.12x faster; 64x1024x1024 0.93x and 128x1024x1024 0.71x (4
// KiB stride) slower. A's rows are always read in place when contiguous: as fast as packing
// them within noise on square products, 3x faster on Conv2D's im2col products.
constexpr int64_t kDirectBMaxRows = 96;
constexpr int64_t kAliasingStrideBytes = 2048;

// ---- 16-byte vectors through GCC/Clang vector extensions (SSE2 on x86-64,
// NEON on arm64). No FMA: a * b + c is two roundings, as the C++ source says (contraction is off in
// ISO mode).
namespace vec128 {
template <typename T>
struct Isa {
  typedef T V __attribute__((vector_size(16)));
  static constexpr int64_t kL = 16 / sizeof(T);
  static V Zero() { return V{}; }
  static V Load(const T* p) {
    V v;
    std::memcpy(&v, p, sizeof(V));
    return v;
  }
  static void Store(T* p, V v) { std::memcpy(p, &v, sizeof(V)); }
  static V Splat(T x) {
    V v;
    for (int64_t i = 0; i < kL; ++i) v[i] = x;
    return v;
  }
  static V Fma(V a, V b, V c) { return c + a * b; }
  // max(x, 0) and min(max(x, 0), 6), NaN passing (as `x < 0 ? 0 : x`).
  static V Relu(V x) { return x < Zero() ? Zero() : x; }
  static V Relu6(V x) {
    const V six = Splat(T(6));
    x = x < Zero() ? Zero() : x;
    return six < x ? six : x;
  }
};
#include "src/runtime/kernels/gemm_kernels.inc"
}  // namespace vec128

#ifdef TFM_GEMM_HAVE_AVX2
#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace avx2 {
template <typename T>
struct Isa;
template <>
struct Isa<float> {
  using V = __m256;
  static constexpr int64_t kL = 8;
  static V Zero() { return _mm256_setzero_ps(); }
  static V Load(const float* p) { return _mm256_loadu_ps(p); }
  static void Store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V Splat(float x) { return _mm256_set1_ps(x); }
  static V Fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  // max_ps / min_ps return their second operand when either is NaN: NaN passes, as in Relu.
  static V Relu(V x) { return _mm256_max_ps(_mm256_setzero_ps(), x); }
  static V Relu6(V x) { return _mm256_min_ps(_mm256_set1_ps(6.0f), Relu(x)); }
};
template <>
struct Isa<double> {
  using V = __m256d;
  static constexpr int64_t kL = 4;
  static V Zero() { return _mm256_setzero_pd(); }
  static V Load(const double* p) { return _mm256_loadu_pd(p); }
  static void Store(double* p, V v) { _mm256_storeu_pd(p, v); }
  static V Splat(double x) { return _mm256_set1_pd(x); }
  static V Fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
};
#include "src/runtime/kernels/gemm_kernels.inc"
}  // namespace avx2
#pragma GCC pop_options

KernelIsa isa;

bool HasAvx2Fma() { return isa.Avx2Fma(); }
#endif

template <typename T>
void Dispatch(int64_t m, int64_t n, int64_t k, Matrix<T> a, Matrix<T> b, T* c, int64_t ldc,
              bool accumulate, ThreadPool* pool, const PostOps* post) {
  if (m <= 0 || n <= 0) return;
  if (post != nullptr && post->count == 0) post = nullptr;
  if (k <= 0) {
    if (!accumulate) {
      for (int64_t i = 0; i < m; ++i) std::fill(c + i * ldc, c + i * ldc + n, T(0));
    }
    if constexpr (std::is_same_v<T, float>) {
      if (post != nullptr) ApplyPostOps(*post, c, ldc, m, 0, 0, n);
    }
    return;
  }
#ifdef TFM_GEMM_HAVE_AVX2
  if (HasAvx2Fma()) return avx2::Gemm<T>(m, n, k, a, b, c, ldc, accumulate, pool, post);
#endif
  vec128::Gemm<T>(m, n, k, a, b, c, ldc, accumulate, pool, post);
}

}  // namespace

void Gemm(int64_t m, int64_t n, int64_t k, Matrix<float> a, Matrix<float> b, float* c, int64_t ldc,
          bool accumulate, ThreadPool* pool, const PostOps* post) {
  Dispatch(m, n, k, a, b, c, ldc, accumulate, pool, post);
}
void Gemm(int64_t m, int64_t n, int64_t k, Matrix<double> a, Matrix<double> b, double* c,
          int64_t ldc, bool accumulate, ThreadPool* pool) {
  Dispatch<double>(m, n, k, a, b, c, ldc, accumulate, pool, nullptr);
}

void Gemm(int64_t m, int64_t n, int64_t k, const ConvRows& a, Matrix<float> b, float* c,
          int64_t ldc, ThreadPool* pool, const PostOps* post) {
  if (m <= 0 || n <= 0) return;
  if (post != nullptr && post->count == 0) post = nullptr;
  if (k <= 0) {
    for (int64_t i = 0; i < m; ++i) std::fill(c + i * ldc, c + i * ldc + n, 0.0f);
    if (post != nullptr) ApplyPostOps(*post, c, ldc, m, 0, 0, n);
    return;
  }
#ifdef TFM_GEMM_HAVE_AVX2
  if (HasAvx2Fma()) return avx2::GemmConv(m, n, k, a, b, c, ldc, pool, post);
#endif
  vec128::GemmConv(m, n, k, a, b, c, ldc, pool, post);
}

PostOps PostOps::From(int64_t i0, int64_t j0, PostOp* storage) const {
  for (int i = 0; i < count; ++i) {
    storage[i] = ops[i];
    if (storage[i].values != nullptr) {
      storage[i].values += i0 * storage[i].row_stride + j0 * storage[i].stride;
    }
  }
  return PostOps{storage, count};
}

void ApplyPostOps(const PostOps& post, float* c, int64_t ldc, int64_t rows, int64_t i0, int64_t j0,
                  int64_t cols) {
  if (rows <= 0 || cols <= 0 || post.count == 0) return;
#ifdef TFM_GEMM_HAVE_AVX2
  if (HasAvx2Fma()) return avx2::PostOpsOn(post, c, ldc, rows, i0, j0, cols);
#endif
  vec128::PostOpsOn(post, c, ldc, rows, i0, j0, cols);
}

void ForceVec128ForTesting(bool force) {
#ifdef TFM_GEMM_HAVE_AVX2
  isa.ForceVec128(force);
#else
  (void)force;
#endif
}

const char* KernelName() {
#ifdef TFM_GEMM_HAVE_AVX2
  if (HasAvx2Fma()) return "avx2+fma";
#endif
  return "vec128";
}

}  // namespace tfmodel::gemm
