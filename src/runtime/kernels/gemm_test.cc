// gemm::Gemm against a double-precision triple loop: every path (few rows without packing, packed
// tiles with ragged edges, several KC slices, transposed operands, accumulate, split over a pool),
// for both the AVX2+FMA and the 16-byte-vector kernels. Post ops (the fused epilogue) against the
// same product without them followed by the ops one at a time in a plain float loop, bit for bit.
#include "src/runtime/kernels/gemm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
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


// ---- Post ops -----------------------------------------------------------------------------------

using Kind = PostOp::Kind;
enum class Operand { kNone, kOne, kColumn, kWhole };
struct OpSpec {
  Kind kind;
  Operand operand = Operand::kNone;
};
using Chain = std::vector<OpSpec>;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// Values that make the ops' edge cases: NaN, infinities, signed zeros, 6 and its neighbours.
const float kSpecials[] = {kNaN,       -0.0f, 0.0f,  6.0f,   -6.0f,  5.9999995f,
                           6.0000005f, kInf,  -kInf, 1e-30f, -1e-30f};

// The ops one at a time, each rounded to float, as the standalone kernels compute them.
float Reference(Kind kind, float x, float v) {
  switch (kind) {
    case Kind::kAdd:
      return x + v;
    case Kind::kMul:
      return x * v;
    case Kind::kRelu:
      return x < 0.0f ? 0.0f : x;
    case Kind::kRelu6:
      return x < 0.0f ? 0.0f : (6.0f < x ? 6.0f : x);
  }
  return x;
}

// Bit for bit, except that any NaN equals any NaN (the payload of a NaN made by the ops is not
// specified); -0.0 and 0.0 differ.
bool SameFloat(float a, float b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  return std::memcmp(&a, &b, sizeof(float)) == 0;
}

std::string ChainName(const Chain& chain) {
  static const char* const kinds[] = {"Add", "Mul", "Relu", "Relu6"};
  static const char* const operands[] = {"", "(one)", "(column)", "(whole)"};
  std::string s;
  for (const OpSpec& op : chain) {
    if (!s.empty()) s += " -> ";
    s += std::string(kinds[static_cast<int>(op.kind)]) + operands[static_cast<int>(op.operand)];
  }
  return s;
}

// Checks Gemm(..., post) on case `c` with `chain` against Gemm without post then the reference
// loop. C has leading dimension ldc = n + pad (the padding must stay untouched).
void CheckPost(const Case& c, const Chain& chain, ThreadPool* pool, int64_t pad = 3) {
  ASSERT_LE(chain.size(), static_cast<size_t>(kMaxPostOps));
  const int64_t m = c.m, n = c.n, k = c.k, ldc = n + pad;
  std::mt19937 rng(static_cast<unsigned>(m * 131 + n * 7 + k + chain.size() * 1000));
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> a(m * k), b(k * n);
  for (float& x : a) x = u(rng);
  for (float& x : b) x = u(rng);
  const Matrix<float> av = c.ta ? Matrix<float>{a.data(), 1, m} : Matrix<float>{a.data(), k, 1};
  const Matrix<float> bv = c.tb ? Matrix<float>{b.data(), 1, k} : Matrix<float>{b.data(), n, 1};

  // The product lands around [-sqrt(k), sqrt(k)]; operands scaled so the chain crosses 0 and 6,
  // with a special value at every 5th position.
  const float spread = 6.0f / (1.0f + std::sqrt(static_cast<float>(k)));
  std::vector<std::vector<float>> values(chain.size());
  std::vector<PostOp> ops(chain.size());
  size_t special = 0;
  for (size_t i = 0; i < chain.size(); ++i) {
    int64_t count = 0;
    switch (chain[i].operand) {
      case Operand::kNone:
        break;
      case Operand::kOne:
        count = 1;
        break;
      case Operand::kColumn:
        count = n;
        break;
      case Operand::kWhole:
        count = m * n;
        break;
    }
    values[i].resize(count);
    for (int64_t q = 0; q < count; ++q) {
      const bool mul = chain[i].kind == Kind::kMul;
      values[i][q] = mul ? 1 + 4 * spread * u(rng) : 6 * u(rng);
      if (count > 1 && q % 5 == 3) values[i][q] = kSpecials[special++ % std::size(kSpecials)];
    }
    ops[i].kind = chain[i].kind;
    ops[i].values = count == 0 ? nullptr : values[i].data();
    const bool per_element =
        chain[i].operand == Operand::kColumn || chain[i].operand == Operand::kWhole;
    ops[i].stride = per_element ? 1 : 0;
    ops[i].row_stride = chain[i].operand == Operand::kWhole ? n : 0;
  }
  const PostOps post{ops.data(), static_cast<int>(ops.size())};

  std::vector<float> init(m * ldc, 0.5f);
  if (c.accumulate) {
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) init[i * ldc + j] = j % 7 == 2 ? -0.0f : 2 * u(rng);
    }
  }
  std::vector<float> want = init, got = init;
  Gemm(m, n, k, av, bv, want.data(), ldc, c.accumulate, pool);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      float& x = want[i * ldc + j];
      for (const PostOp& op : ops) {
        const float v = op.values == nullptr ? 0.0f : op.values[i * op.row_stride + j * op.stride];
        x = Reference(op.kind, x, v);
      }
    }
  }
  Gemm(m, n, k, av, bv, got.data(), ldc, c.accumulate, pool, &post);
  int64_t bad = 0;
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < ldc; ++j) {
      const float w = want[i * ldc + j], g = got[i * ldc + j];
      if (SameFloat(w, g)) continue;
      ADD_FAILURE() << "m=" << m << " n=" << n << " k=" << k << " ta=" << c.ta << " tb=" << c.tb
                    << " acc=" << c.accumulate << " ldc=" << ldc << " pool=" << (pool != nullptr)
                    << " chain " << ChainName(chain) << " at (" << i << "," << j << "): got " << g
                    << ", want " << w << " kernel " << KernelName();
      if (++bad == 5) return;
    }
  }
}

const Chain kChains[] = {
    {{Kind::kRelu}},
    {{Kind::kRelu6}},
    {{Kind::kAdd, Operand::kColumn}},
    {{Kind::kMul, Operand::kOne}},
    {{Kind::kAdd, Operand::kWhole}},
    {{Kind::kAdd, Operand::kColumn}, {Kind::kRelu6}},
    {{Kind::kMul, Operand::kOne}, {Kind::kRelu}},  // -1 * 0 gives -0.0, which Relu keeps
    {{Kind::kMul, Operand::kColumn}, {Kind::kAdd, Operand::kColumn}, {Kind::kRelu6}},
    {{Kind::kAdd, Operand::kColumn},
     {Kind::kMul, Operand::kColumn},
     {Kind::kAdd, Operand::kColumn},
     {Kind::kRelu6}},
    {{Kind::kAdd, Operand::kWhole},
     {Kind::kMul, Operand::kOne},
     {Kind::kAdd, Operand::kOne},
     {Kind::kRelu}},
    {{Kind::kAdd, Operand::kWhole},
     {Kind::kRelu6},
     {Kind::kMul, Operand::kWhole},
     {Kind::kAdd, Operand::kColumn}},
    {{Kind::kRelu}, {Kind::kMul, Operand::kColumn}, {Kind::kRelu6}, {Kind::kAdd, Operand::kOne}},
};

const Case kPostCases[] = {
    {12, 32, 20, false, false, false},      // full 6 x 16 tiles only
    {13, 37, 20, false, false, false},      // partial tiles at the bottom and the right
    {100, 8, 30, false, false, false},      // narrower than a strip: per block of rows
    {100, 6, 30, false, false, false},      //
    {100, 1, 5, false, false, false},       //
    {150, 40, 9, false, false, false},      // more than one block of rows (kMc), B packed
    {1, 10, 7, false, false, false},        // few rows: the direct path
    {3, 100, 50, false, false, false},      //
    {5, 70, 9, false, false, true},         //
    {7, 17, 600, false, false, false},      // several KC slices: the ops once, after the last
    {20, 40, 300, false, false, true},      // accumulate over several slices
    {12, 32, 20, false, false, true},       // accumulate into full tiles
    {13, 37, 50, true, false, false},       // transposed A: packed
    {9, 33, 20, false, true, false},        // transposed B
    {4, 20, 9, true, true, false},          // few rows, transposed: not direct
    {7, 2048 + 8, 5, false, false, false},  // a last column block narrower than a strip
    {10, 20, 0, false, false, false},       // no k: C = 0, then the ops
    {10, 20, 0, false, false, true},        // no k, accumulate: C, then the ops
};

TEST_P(GemmTest, PostOpsMatchTheProductThenEachOpAlone) {
  for (const Case& c : kPostCases) {
    for (const Chain& chain : kChains) {
      CheckPost(c, chain, nullptr);
      CheckPost(c, chain, nullptr, /*pad=*/0);  // C contiguous
    }
  }
}

// Over 1M multiply-adds: the product is split over two threads, along rows and along columns,
// and each piece's ops must read the operands of its own rows and columns.
TEST_P(GemmTest, PostOpsOnAProductSplitOverThreads) {
  ThreadPool pool(1);  // the caller and one worker
  const Case cases[] = {
      {600, 100, 20, false, false, false},  // split along m
      {60, 1200, 20, false, false, false},  // split along n
      {300, 400, 40, true, false, true},    // split along m, A packed, accumulate
      {1000, 8, 200, false, false, false},  // narrow, split along m
      {2, 9000, 80, false, false, false},   // few rows, split along n
      {5, 4000, 60, false, false, false},   //
  };
  for (const Case& c : cases) {
    for (const Chain& chain : kChains) {
      CheckPost(c, chain, &pool);
      CheckPost(c, chain, &pool, /*pad=*/0);
    }
  }
}

// ApplyPostOps on a block of C from (i0, j0): the operands are indexed from there.
TEST_P(GemmTest, ApplyPostOpsOnABlockReadsItsOperandsFromItsCorner) {
  const int64_t m = 20, n = 30, i0 = 3, j0 = 5, rows = 11, cols = 17;
  std::vector<float> col(n), whole(m * n), c(m * n);
  for (int64_t j = 0; j < n; ++j) col[j] = static_cast<float>(j) - 10;
  for (int64_t q = 0; q < m * n; ++q) {
    whole[q] = static_cast<float>(q % 13) * 0.5f - 3;
    c[q] = static_cast<float>(q % 11) * 0.25f - 1;
  }
  const float one = 0.75f;
  const PostOp ops[] = {{Kind::kMul, col.data(), 1, 0},
                        {Kind::kAdd, whole.data(), 1, n},
                        {Kind::kAdd, &one, 0, 0},
                        {Kind::kRelu6}};
  std::vector<float> want = c;
  for (int64_t i = i0; i < i0 + rows; ++i) {
    for (int64_t j = j0; j < j0 + cols; ++j) {
      float& x = want[i * n + j];
      x = Reference(Kind::kMul, x, col[j]);
      x = Reference(Kind::kAdd, x, whole[i * n + j]);
      x = Reference(Kind::kAdd, x, one);
      x = Reference(Kind::kRelu6, x, 0);
    }
  }
  ApplyPostOps(PostOps{ops, 4}, c.data() + i0 * n + j0, n, rows, i0, j0, cols);
  for (int64_t q = 0; q < m * n; ++q) {
    ASSERT_TRUE(SameFloat(c[q], want[q])) << "at " << q << ": " << c[q] << " vs " << want[q];
  }
}

INSTANTIATE_TEST_SUITE_P(Kernels, GemmTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "vec128" : "native"; });

}  // namespace
}  // namespace tfmodel::gemm
