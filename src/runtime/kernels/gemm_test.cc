// gemm::Gemm against a double-precision triple loop: every path (few rows without packing, packed
// tiles with ragged edges, several KC slices, transposed operands, accumulate, split over a pool),
// for both the AVX2+FMA and the 16-byte-vector kernels.
#include "src/runtime/kernels/gemm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "src/base/thread_pool.h"

namespace tfmodel::gemm {
namespace {

struct Case {
  int64_t m, n, k;
  bool ta, tb, accumulate;
};

template <typename T>
void Check(const Case& c, ThreadPool* pool) {
  std::mt19937 rng(static_cast<unsigned>(c.m * 131 + c.n * 7 + c.k));
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<T> a(c.m * c.k), b(c.k * c.n);
  for (T& x : a) x = static_cast<T>(u(rng));
  for (T& x : b) x = static_cast<T>(u(rng));
  // a holds A (m x k) row-major, or A^T (k x m) row-major when ta; same for b.
  const Matrix<T> av = c.ta ? Matrix<T>{a.data(), 1, c.m} : Matrix<T>{a.data(), c.k, 1};
  const Matrix<T> bv = c.tb ? Matrix<T>{b.data(), 1, c.k} : Matrix<T>{b.data(), c.n, 1};
  const int64_t ldc = c.n + 3;  // a padded C: columns past n must stay untouched
  std::vector<T> out(c.m * ldc, T(0.5));
  Gemm(c.m, c.n, c.k, av, bv, out.data(), ldc, c.accumulate, pool);
  const double eps = sizeof(T) == 4 ? 1e-5 : 1e-13;
  for (int64_t i = 0; i < c.m; ++i) {
    for (int64_t j = 0; j < ldc; ++j) {
      double want = 0.5;
      if (j < c.n) {
        want = c.accumulate ? 0.5 : 0.0;
        for (int64_t p = 0; p < c.k; ++p) {
          want += static_cast<double>(av.data[i * av.row_stride + p * av.col_stride]) *
                  static_cast<double>(bv.data[p * bv.row_stride + j * bv.col_stride]);
        }
      }
      ASSERT_NEAR(out[i * ldc + j], want, eps * (1 + c.k))
          << "m=" << c.m << " n=" << c.n << " k=" << c.k << " ta=" << c.ta << " tb=" << c.tb
          << " acc=" << c.accumulate << " at (" << i << "," << j << ") kernel " << KernelName();
    }
  }
}

const Case kCases[] = {
    {1, 1, 1, false, false, false},      {1, 10, 1, false, false, false},
    {1, 256, 784, false, false, false},  {2, 33, 17, false, false, true},
    {3, 100, 5, false, false, false},    {5, 64, 300, false, false, false},
    {1, 40, 9, true, false, false},      {4, 7, 3, false, true, false},
    {6, 16, 256, false, false, false},   {7, 17, 257, false, false, true},
    {32, 256, 784, false, false, false}, {145, 47, 600, true, true, false},
    {300, 2100, 20, false, true, true},  {64, 64, 0, false, false, false},
    {64, 64, 0, false, false, true},     {13, 1, 40, false, false, false},
};

class GemmTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { ForceVec128ForTesting(GetParam()); }
  void TearDown() override { ForceVec128ForTesting(false); }
};

TEST_P(GemmTest, FloatMatchesReference) {
  ThreadPool pool(2);
  for (const Case& c : kCases) {
    Check<float>(c, nullptr);
    Check<float>(c, &pool);
  }
}

TEST_P(GemmTest, DoubleMatchesReference) {
  ThreadPool pool(1);
  for (const Case& c : kCases) {
    Check<double>(c, nullptr);
    Check<double>(c, &pool);
  }
}

TEST_P(GemmTest, LargeProductSplitOverThreadsMatches) {
  ThreadPool pool(3);
  Check<float>({200, 300, 129, false, false, false}, &pool);  // split along n
  Check<float>({1000, 20, 64, false, true, false}, &pool);    // split along m
  Check<float>({2, 9000, 80, false, false, false},
               &pool);  // few rows, split along n
}

// The few-rows path (m <= 32 rows of C, B read in place in blocks of its rows) for every m below 6
// and the row groups above, over A and B views whose row strides exceed their widths (C's columns
// past n must stay untouched; A's and B's past k and n must not count): n and k cover the vector
// remainders (1, 7, 63, 65, 200 columns) and the blocks of 8 rows of B below 6 rows of C (k = 1, 3,
// 7, 8, 9, 255, 256, 257, 1000) and of 16 above (k = 15, 16, 17, 33), with and without accumulate;
// m = 33 is the packed tiles' again.
template <typename T>
void CheckFewRows(int64_t m, int64_t n, int64_t k, bool accumulate, ThreadPool* pool) {
  std::mt19937 rng(static_cast<unsigned>(m * 1009 + n * 13 + k));
  std::uniform_real_distribution<double> u(-1, 1);
  const int64_t lda = k + 5, ldb = n + 9, ldc = n + 3;
  std::vector<T> a(m * lda), b(k * ldb), out(m * ldc);
  for (T& x : a) x = static_cast<T>(u(rng));
  for (T& x : b) x = static_cast<T>(u(rng));
  for (T& x : out) x = static_cast<T>(u(rng));
  const std::vector<T> before = out;
  Gemm(m, n, k, Matrix<T>{a.data(), lda, 1}, Matrix<T>{b.data(), ldb, 1}, out.data(), ldc,
       accumulate, pool);
  const double eps = sizeof(T) == 4 ? 1e-5 : 1e-13;
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < ldc; ++j) {
      double want = before[i * ldc + j];
      if (j < n) {
        if (!accumulate) want = 0;
        for (int64_t p = 0; p < k; ++p) {
          want += static_cast<double>(a[i * lda + p]) * static_cast<double>(b[p * ldb + j]);
        }
      }
      ASSERT_NEAR(out[i * ldc + j], want, eps * (1 + k))
          << "m=" << m << " n=" << n << " k=" << k << " acc=" << accumulate << " at (" << i << ","
          << j << ") kernel " << KernelName() << (pool != nullptr ? " pool" : "");
    }
  }
}

template <typename T>
void CheckEveryFewRowsShape(ThreadPool* pool) {
  for (int64_t m = 1; m < 6; ++m) {
    for (int64_t n : {1, 7, 16, 63, 64, 65, 200}) {
      for (int64_t k : {1, 3, 7, 8, 9, 255, 256, 257, 1000}) {
        CheckFewRows<T>(m, n, k, false, pool);
        CheckFewRows<T>(m, n, k, true, pool);
      }
    }
    // Wide enough to be split over the pool, with ragged pieces.
    CheckFewRows<T>(m, 2053, 600, false, pool);
    CheckFewRows<T>(m, 517, 2100, true, pool);
  }
  for (int64_t m : {6, 7, 8, 9, 10, 11, 16, 31, 32, 33}) {
    for (int64_t n : {7, 24, 65, 200}) {
      for (int64_t k : {3, 15, 16, 17, 33, 257}) CheckFewRows<T>(m, n, k, k % 2 == 1, pool);
    }
    CheckFewRows<T>(m, 1003, 100, false, pool);  // split over the pool
  }
}

TEST_P(GemmTest, FewRowsFloatMatchesReference) {
  ThreadPool pool(1);  // the caller and one worker: 2 threads
  CheckEveryFewRowsShape<float>(nullptr);
  CheckEveryFewRowsShape<float>(&pool);
}

TEST_P(GemmTest, FewRowsDoubleMatchesReference) {
  ThreadPool pool(1);
  CheckEveryFewRowsShape<double>(nullptr);
  CheckEveryFewRowsShape<double>(&pool);
}

INSTANTIATE_TEST_SUITE_P(Kernels, GemmTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "vec128" : "native"; });

}  // namespace
}  // namespace tfmodel::gemm
