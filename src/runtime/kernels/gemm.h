// A portable blocked matrix multiply (no BLAS): C[M,N] = A[M,K] * B[K,N], row-major, for float
// and double. Used by Conv2D (im2col); GotoBLAS structure in miniature:
//   for each NC-wide column panel and KC-deep slice: pack B into NR-wide strips,
//     for each MC-high row block: pack A into MR-high strips,
//       a 4 x NR micro-kernel keeps the C tile in 8 SIMD registers (GCC/Clang vector
//       extensions, 16-byte vectors: SSE2 on x86-64, NEON on arm64) over the KC loop.
// Packing makes every inner-loop load contiguous; the edges are zero-padded in the packs.
#ifndef TFMODEL_SRC_RUNTIME_KERNELS_GEMM_H_
#define TFMODEL_SRC_RUNTIME_KERNELS_GEMM_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

namespace tfmodel::gemm {

template <typename T>
struct Vec {
  typedef T type __attribute__((vector_size(16)));
};

inline constexpr int64_t kMr = 4;
inline constexpr int64_t kKc = 256, kMc = 128, kNc = 512;

template <typename T>
constexpr int64_t Lanes() {
  return 16 / sizeof(T);
}
template <typename T>
constexpr int64_t Nr() {
  return 2 * Lanes<T>();
}

template <typename V, typename T>
inline V Splat(T x) {
  V v;
  for (size_t i = 0; i < sizeof(V) / sizeof(T); ++i) v[i] = x;
  return v;
}

// c (ldc) = or += the product of a packed kMr x kc strip and a packed kc x Nr strip; only
// the top-left mr x nr of the tile is written.
template <typename T>
void MicroKernel(int64_t kc, const T* ap, const T* bp, T* c, int64_t ldc, bool accumulate,
                 int64_t mr, int64_t nr) {
  using V = typename Vec<T>::type;
  constexpr int64_t kL = Lanes<T>();
  // Eight named accumulators so they live in registers (an array would be kept in memory).
  V c00{}, c01{}, c10{}, c11{}, c20{}, c21{}, c30{}, c31{};
  for (int64_t p = 0; p < kc; ++p) {
    V b0, b1;
    std::memcpy(&b0, bp + p * 2 * kL, sizeof(V));
    std::memcpy(&b1, bp + p * 2 * kL + kL, sizeof(V));
    const T* a = ap + p * kMr;
    const V a0 = Splat<V>(a[0]), a1 = Splat<V>(a[1]), a2 = Splat<V>(a[2]), a3 = Splat<V>(a[3]);
    c00 += a0 * b0;
    c01 += a0 * b1;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c30 += a3 * b0;
    c31 += a3 * b1;
  }
  const V acc[kMr][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}};
  T tile[kMr][2 * kL];
  std::memcpy(tile, acc, sizeof(tile));
  for (int64_t r = 0; r < mr; ++r) {
    T* crow = c + r * ldc;
    if (accumulate) {
      for (int64_t j = 0; j < nr; ++j) crow[j] += tile[r][j];
    } else {
      for (int64_t j = 0; j < nr; ++j) crow[j] = tile[r][j];
    }
  }
}

// C = A * B. REQUIRES: a is m x k (lda = k), b is k x n (ldb = n), c is m x n (ldc = n).
template <typename T>
void Gemm(const T* a, const T* b, T* c, int64_t m, int64_t k, int64_t n) {
  constexpr int64_t kNr = Nr<T>();
  if (m == 0 || n == 0) return;
  if (k == 0) {
    std::fill(c, c + m * n, T(0));
    return;
  }
  std::vector<T> bpack(static_cast<size_t>(kKc * ((std::min(n, kNc) + kNr - 1) / kNr) * kNr));
  std::vector<T> apack(static_cast<size_t>(kKc * ((std::min(m, kMc) + kMr - 1) / kMr) * kMr));
  for (int64_t jc = 0; jc < n; jc += kNc) {
    const int64_t nc = std::min(kNc, n - jc);
    for (int64_t pc = 0; pc < k; pc += kKc) {
      const int64_t kc = std::min(kKc, k - pc);
      // B[pc:pc+kc, jc:jc+nc] as strips [kc][kNr], zero-padded on the right.
      for (int64_t js = 0; js < nc; js += kNr) {
        T* dst = bpack.data() + (js / kNr) * kc * kNr;
        const int64_t w = std::min(kNr, nc - js);
        for (int64_t p = 0; p < kc; ++p) {
          const T* src = b + (pc + p) * n + jc + js;
          for (int64_t j = 0; j < w; ++j) dst[p * kNr + j] = src[j];
          for (int64_t j = w; j < kNr; ++j) dst[p * kNr + j] = T(0);
        }
      }
      for (int64_t ic = 0; ic < m; ic += kMc) {
        const int64_t mc = std::min(kMc, m - ic);
        // A[ic:ic+mc, pc:pc+kc] as strips [kc][kMr], zero-padded at the bottom.
        for (int64_t is = 0; is < mc; is += kMr) {
          T* dst = apack.data() + (is / kMr) * kc * kMr;
          const int64_t h = std::min(kMr, mc - is);
          for (int64_t r = 0; r < kMr; ++r) {
            if (r < h) {
              const T* src = a + (ic + is + r) * k + pc;
              for (int64_t p = 0; p < kc; ++p) dst[p * kMr + r] = src[p];
            } else {
              for (int64_t p = 0; p < kc; ++p) dst[p * kMr + r] = T(0);
            }
          }
        }
        for (int64_t js = 0; js < nc; js += kNr) {
          for (int64_t is = 0; is < mc; is += kMr) {
            MicroKernel<T>(kc, apack.data() + (is / kMr) * kc * kMr,
                           bpack.data() + (js / kNr) * kc * kNr, c + (ic + is) * n + jc + js, n,
                           pc > 0, std::min(kMr, mc - is), std::min(kNr, nc - js));
          }
        }
      }
    }
  }
}

}  // namespace tfmodel::gemm

#endif  // TFMODEL_SRC_RUNTIME_KERNELS_GEMM_H_
