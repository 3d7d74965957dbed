// vmath::Exp, Tanh and Sigmoid against the double-precision C library (the mathematics, rounded
// once): at most 4 ulp over a sweep of every exponent range and dense runs around the
// approximations' seams, the special values, odd symmetry and bounds, and every array length's
// vector remainder, in place and out of place. Both the AVX2+FMA and the 16-byte-vector code.
#include "src/runtime/kernels/vmath.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace tfmodel::vmath {
namespace {

constexpr double kMaxUlp = 4;
constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

struct Fn {
  const char* name;
  ArrayFn f;
  double (*ref)(double);
};
double RefSigmoid(double x) {
  return x < 0 ? std::exp(x) / (1 + std::exp(x)) : 1 / (1 + std::exp(-x));
}
const Fn kFns[] = {{"exp", Exp, [](double x) { return std::exp(x); }},
                   {"tanh", Tanh, [](double x) { return std::tanh(x); }},
                   {"sigmoid", Sigmoid, RefSigmoid}};

float FromBits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof(f));
  return f;
}
uint32_t ToBits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof(b));
  return b;
}

// The spacing of floats at the exact value r (2^-149 among the denormals).
double Ulp(double r) {
  const double a = std::fabs(r);
  if (a < 0x1p-126) return 0x1p-149;
  int e;
  std::frexp(a, &e);  // a = m 2^e, m in [0.5, 1)
  return std::ldexp(1.0, e - 24);
}

// Checks f over xs against the reference: within kMaxUlp of it, or equal to it where it rounds to
// an infinity; NaN exactly for NaN inputs.
void ExpectAccurate(const Fn& fn, const std::vector<float>& xs) {
  std::vector<float> ys(xs.size());
  fn.f(xs.data(), ys.data(), static_cast<int64_t>(xs.size()));
  double worst = 0;
  float worst_x = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const float x = xs[i], y = ys[i];
    if (std::isnan(x)) {
      ASSERT_TRUE(std::isnan(y)) << fn.name << "(" << x << ") = " << y;
      continue;
    }
    const double r = fn.ref(x);
    if (std::isinf(static_cast<float>(r))) {
      ASSERT_EQ(y, static_cast<float>(r)) << fn.name << "(" << std::hexfloat << x << ")";
      continue;
    }
    ASSERT_TRUE(std::isfinite(y)) << fn.name << "(" << std::hexfloat << x << ") = " << y;
    const double err = std::fabs(y - r) / Ulp(r);
    if (err > worst) worst = err, worst_x = x;
  }
  EXPECT_LE(worst, kMaxUlp) << fn.name << " worst at x = " << std::hexfloat << worst_x << " ("
                            << KernelName() << ")";
}

class VmathTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { ForceVec128ForTesting(GetParam()); }
  void TearDown() override { ForceVec128ForTesting(false); }
};

// Every 509th float of each sign, in chunks: ~16000 values in every binade, denormals, +-inf
// and NaNs included.
TEST_P(VmathTest, WithinFourUlpAcrossAllExponents) {
  std::vector<float> xs = {FromBits(0x7F800000u), FromBits(0xFF800000u), FromBits(0x7FC00000u),
                           FromBits(0x00000001u), FromBits(0x80000001u)};
  for (uint64_t b = 0; b <= 0xFFFFFFFFu; b += 509) {
    xs.push_back(FromBits(static_cast<uint32_t>(b)));
    if (xs.size() == (1u << 20) || b + 509 > 0xFFFFFFFFu) {
      for (const Fn& fn : kFns) ExpectAccurate(fn, xs);
      xs.clear();
    }
  }
}

// Every float in runs of 2^15 around the seams: tanh's switch from polynomial to exp, the
// exp-reduction's half-ulp rounding points, the thresholds where tanh and sigmoid saturate, where
// exp overflows, turns denormal and underflows, and around 0.
TEST_P(VmathTest, WithinFourUlpAroundSeams) {
  std::vector<float> xs;
  for (float c : {0.625f, 0.3466f, 1.0397f, 9.01f, 16.6f, 88.72f, -87.33f, -103.28f, -103.97f,
                  0x1p-12f, 1.0f, 5.0f}) {
    for (float s : {c, -c}) {
      const uint32_t b = ToBits(s);
      for (uint32_t d = 0; d < (1u << 15); ++d) xs.push_back(FromBits(b - (1u << 14) + d));
    }
  }
  // A uniform grid over [-20, 20], where the models' pre-activations live.
  for (int i = -200000; i <= 200000; ++i) xs.push_back(static_cast<float>(i * 1e-4));
  for (const Fn& fn : kFns) ExpectAccurate(fn, xs);
}

TEST_P(VmathTest, SpecialValues) {
  const std::vector<float> x = {0.0f,    -0.0f,    kInf,      -kInf,      kNaN,  -kNaN,
                                1e-30f,  -1e-30f,  0x1p-149f, -0x1p-149f, 20.0f, -20.0f,
                                1000.0f, -1000.0f, 89.0f,     -104.0f};
  std::vector<float> e(x.size()), t(x.size()), s(x.size());
  Exp(x.data(), e.data(), static_cast<int64_t>(x.size()));
  Tanh(x.data(), t.data(), static_cast<int64_t>(x.size()));
  Sigmoid(x.data(), s.data(), static_cast<int64_t>(x.size()));
  EXPECT_EQ(e[0], 1.0f);
  EXPECT_EQ(e[1], 1.0f);
  EXPECT_EQ(e[2], kInf);
  EXPECT_EQ(e[3], 0.0f);
  EXPECT_EQ(e[14], kInf);  // e^89 > FLT_MAX
  EXPECT_EQ(e[15], 0.0f);  // e^-104 < 2^-150
  EXPECT_EQ(t[0], 0.0f);
  EXPECT_TRUE(std::signbit(t[1])) << "tanh(-0) = -0";
  EXPECT_EQ(t[2], 1.0f);
  EXPECT_EQ(t[3], -1.0f);
  EXPECT_EQ(t[6], 1e-30f);  // tiny x: tanh(x) = x, denormals too
  EXPECT_EQ(t[7], -1e-30f);
  EXPECT_EQ(t[8], 0x1p-149f);
  EXPECT_EQ(t[9], -0x1p-149f);
  EXPECT_EQ(t[10], 1.0f);  // saturated: exactly +-1
  EXPECT_EQ(t[11], -1.0f);
  EXPECT_EQ(s[0], 0.5f);
  EXPECT_EQ(s[1], 0.5f);
  EXPECT_EQ(s[2], 1.0f);
  EXPECT_EQ(s[3], 0.0f);
  EXPECT_EQ(s[6], 0.5f);
  EXPECT_EQ(s[12], 1.0f);
  EXPECT_EQ(s[13], 0.0f);
  for (int i : {4, 5}) {
    EXPECT_TRUE(std::isnan(e[i]));
    EXPECT_TRUE(std::isnan(t[i]));
    EXPECT_TRUE(std::isnan(s[i]));
  }
}

// tanh(-x) = -tanh(x) bit for bit, |tanh| <= 1, 0 <= sigmoid <= 1 and sigmoid(-x) = 1 - sigmoid(x)
// within rounding, over the sweep.
TEST_P(VmathTest, SymmetryAndBounds) {
  std::vector<float> xs, neg;
  for (uint32_t b = 0; b < 0x7F800000u; b += 1021) {
    xs.push_back(FromBits(b));
    neg.push_back(-FromBits(b));
  }
  const int64_t n = static_cast<int64_t>(xs.size());
  std::vector<float> tp(n), tn(n), sp(n), sn(n);
  Tanh(xs.data(), tp.data(), n);
  Tanh(neg.data(), tn.data(), n);
  Sigmoid(xs.data(), sp.data(), n);
  Sigmoid(neg.data(), sn.data(), n);
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_EQ(ToBits(tn[i]), ToBits(-tp[i])) << "tanh(" << neg[i] << ")";
    ASSERT_LE(tp[i], 1.0f);
    ASSERT_GE(tp[i], 0.0f);
    ASSERT_GE(sn[i], 0.0f);
    ASSERT_LE(sp[i], 1.0f);
    ASSERT_GE(sp[i], 0.5f);
    ASSERT_LE(sn[i], 0.5f);
    ASSERT_NEAR(static_cast<double>(sp[i]) + sn[i], 1.0, 3e-7) << "x = " << xs[i];
  }
}

// Lengths around the vector widths (8 and 4): the same values as element by element, in place
// and out of place, and nothing written past the end.
TEST_P(VmathTest, EveryLengthAndInPlace) {
  for (int64_t n : {0, 1, 7, 8, 9, 31, 1000}) {
    std::vector<float> x(n);
    for (int64_t i = 0; i < n; ++i) x[i] = static_cast<float>(std::sin(i * 0.37) * 6 + i * 1e-3);
    for (const Fn& fn : kFns) {
      std::vector<float> out(n + 3, 42.0f);
      fn.f(x.data(), out.data(), n);
      std::vector<float> in_place = x;
      fn.f(in_place.data(), in_place.data(), n);
      for (int64_t i = 0; i < n; ++i) {
        float one;
        fn.f(&x[i], &one, 1);
        ASSERT_EQ(ToBits(out[i]), ToBits(one)) << fn.name << " n=" << n << " i=" << i;
        ASSERT_EQ(ToBits(in_place[i]), ToBits(one)) << fn.name << " n=" << n << " i=" << i;
        const double r = fn.ref(x[i]);
        ASSERT_LE(std::fabs(one - r) / Ulp(r), kMaxUlp) << fn.name << "(" << x[i] << ")";
      }
      for (int64_t i = n; i < n + 3; ++i) ASSERT_EQ(out[i], 42.0f) << fn.name << " n=" << n;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Isa, VmathTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return std::string(p.param ? "Vec128" : "Native");
                         });

}  // namespace
}  // namespace tfmodel::vmath
