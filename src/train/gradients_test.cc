// The autodiff driver: sums of contributions, un-broadcasting, MatMul and the seed's MSE
// gradient against their closed forms.
#include "src/train/gradients.h"

#include <gtest/gtest.h>

#include <cmath>

#include "src/api/op_builder.h"
#include "tfmodel/train.h"

namespace tfmodel {
namespace {

using enum DataType;

Tensor F(std::vector<float> v, Shape s) { return Tensor::FromVector<float>(v, s); }

std::vector<float> Vals(const Tensor& t) {
  auto f = t.flat<float>();
  return {f.begin(), f.end()};
}

TEST(Gradients, SumsContributionsOfEveryPath) {
  Graph g;
  Output x = Placeholder(g, kFloat, {3}, "x");
  Output y = ReduceSum(Add(Mul(x, x), Mul(ScalarLike(x, 3.0), x)));  // d/dx = 2x + 3
  auto grads = Gradients({y}, {x});
  ASSERT_TRUE(grads.ok()) << grads.status().ToString();
  EXPECT_EQ((*grads)[0].op().name().rfind("gradients/", 0), 0u) << (*grads)[0].name();
  Session s(g);
  auto out = s.Fetch({{x, F({1, -2, 0.5f}, Shape{3})}}, (*grads)[0]);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Vals(*out), (std::vector<float>{5, -1, 4}));
}

TEST(Gradients, BroadcastingIsUndoneForStaticAndDynamicShapes) {
  Graph g;
  Output a = Placeholder(g, kFloat, {2, 3}, "a");
  Output b = Placeholder(g, kFloat, {3}, "b");
  Output dyn = Placeholder(g, kFloat, "dyn");  // unknown shape: the dynamic path
  Output y = ReduceSum(Mul(Add(a, b), dyn));
  auto grads = Gradients({y}, {a, b, dyn});
  ASSERT_TRUE(grads.ok()) << grads.status().ToString();
  Session s(g);
  auto out = s.Run({{a, F({1, 2, 3, 4, 5, 6}, Shape{2, 3})}, {b, F({10, 20, 30}, Shape{3})},
                    {dyn, F({2}, Shape{1})}},
                   *grads);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Vals((*out)[0]), (std::vector<float>(6, 2)));
  EXPECT_EQ((*out)[1].shape(), Shape{3});
  EXPECT_EQ(Vals((*out)[1]), (std::vector<float>{4, 4, 4}));
  EXPECT_EQ((*out)[2].shape(), Shape{1});
  EXPECT_EQ(Vals((*out)[2]), (std::vector<float>{11 + 22 + 33 + 14 + 25 + 36}));
}

TEST(Gradients, MatMulAllTransposes) {
  // L = sum(op(A) op(B)): dL/dA = ones * op(B)^T (transposed back when A is transposed).
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      Graph g;
      Output a = Placeholder(g, kFloat, ta ? std::vector<int64_t>{3, 2} : std::vector<int64_t>{2, 3}, "a");
      Output b = Placeholder(g, kFloat, tb ? std::vector<int64_t>{4, 3} : std::vector<int64_t>{3, 4}, "b");
      Output y = ReduceSum(MatMul(a, b, {.transpose_a = ta, .transpose_b = tb}));
      auto grads = Gradients({y}, {a, b});
      ASSERT_TRUE(grads.ok()) << grads.status().ToString();
      std::vector<float> av(6), bv(12);
      for (int i = 0; i < 6; ++i) av[i] = float(i + 1);
      for (int i = 0; i < 12; ++i) bv[i] = float(i % 5) - 2;
      Tensor at = F(av, ta ? Shape{3, 2} : Shape{2, 3}), bt = F(bv, tb ? Shape{4, 3} : Shape{3, 4});
      Session s(g);
      auto out = s.Run({{a, at}, {b, bt}}, *grads);
      ASSERT_TRUE(out.ok()) << out.status().ToString();
      // dA[i][k] (untransposed A) = sum_j B[k][j]; dB[k][j] = sum_i A[i][k].
      auto B = [&](int k, int j) { return tb ? bv[j * 3 + k] : bv[k * 4 + j]; };
      auto A = [&](int i, int k) { return ta ? av[k * 2 + i] : av[i * 3 + k]; };
      for (int i = 0; i < 2; ++i) {
        for (int k = 0; k < 3; ++k) {
          float want = 0;
          for (int j = 0; j < 4; ++j) want += B(k, j);
          EXPECT_EQ(Vals((*out)[0])[ta ? k * 2 + i : i * 3 + k], want) << ta << tb;
        }
      }
      for (int k = 0; k < 3; ++k) {
        for (int j = 0; j < 4; ++j) {
          float want = A(0, k) + A(1, k);
          EXPECT_EQ(Vals((*out)[1])[tb ? j * 3 + k : k * 4 + j], want) << ta << tb;
        }
      }
    }
  }
}

TEST(Gradients, UnreachableXIsInvalidAndMissingGradientIsAnError) {
  Graph g;
  Output x = Placeholder(g, kFloat, {2}, "x");
  Output z = Placeholder(g, kFloat, {2}, "z");
  auto grads = Gradients({ReduceSum(Sigmoid(x))}, {x, z});
  ASSERT_TRUE(grads.ok());
  EXPECT_TRUE((*grads)[0].valid());
  EXPECT_FALSE((*grads)[1].valid());
  // An op on the path without a registered gradient (TF registers none for LRNGrad either): a
  // clear error naming it.
  Graph g2;
  Output p = Placeholder(g2, kFloat, {1, 1, 1, 4}, "p");
  Output sorted = OpBuilder("LRNGrad", "", p).Input(p).Input(p).Input(p).Attr("T", kFloat).Out();
  auto bad = Gradients({ReduceSum(sorted)}, {p});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("LRNGrad"), std::string::npos) << bad.status().ToString();
}


// Second derivatives: the gradient graph differentiated again (the rules of the gradient ops,
// e.g. TanhGrad's), against closed forms.
TEST(Gradients, SecondDerivativesThroughGradientOps) {
  struct Fn {
    const char* name;
    Output (*f)(const Output&);
    double (*d2)(double);
  };
  const Fn fns[] = {
      {"tanh", [](const Output& x) { return Tanh(x); },
       [](double x) { return -2 * std::tanh(x) * (1 - std::tanh(x) * std::tanh(x)); }},
      {"sigmoid", [](const Output& x) { return Sigmoid(x); },
       [](double x) {
         const double s = 1 / (1 + std::exp(-x));
         return s * (1 - s) * (1 - 2 * s);
       }},
      {"rsqrt", [](const Output& x) { return Rsqrt(x); }, [](double x) { return 0.75 * std::pow(x, -2.5); }},
      {"sqrt", [](const Output& x) { return Sqrt(x); }, [](double x) { return -0.25 * std::pow(x, -1.5); }},
      {"reciprocal", [](const Output& x) { return Reciprocal(x); }, [](double x) { return 2 / (x * x * x); }},
      {"softplus", [](const Output& x) { return Softplus(x); },
       [](double x) {
         const double s = 1 / (1 + std::exp(-x));
         return s * (1 - s);
       }},
      {"x*exp(x)", [](const Output& x) { return Mul(x, Exp(x)); }, [](double x) { return (x + 2) * std::exp(x); }},
  };
  const std::vector<double> xs = {0.3, 0.9, 1.7};
  for (const Fn& fn : fns) {
    Graph g;
    Output x = Placeholder(g, kDouble, {3}, "x");
    auto d1 = Gradients({ReduceSum(fn.f(x))}, {x});
    ASSERT_TRUE(d1.ok()) << fn.name << ": " << d1.status().ToString();
    auto d2 = Gradients({ReduceSum((*d1)[0])}, {x});
    ASSERT_TRUE(d2.ok()) << fn.name << ": " << d2.status().ToString();
    Session s(g);
    auto out = s.Fetch({{x, Tensor::FromVector<double>(xs, Shape{3})}}, (*d2)[0]);
    ASSERT_TRUE(out.ok()) << fn.name << ": " << out.status().ToString();
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(out->flat<double>()[i], fn.d2(xs[i]), 1e-12) << fn.name << " at " << xs[i];
  }
}

// A rule that cannot handle its op's configuration fails with an error naming the op (no crash),
// and so does asking for PreventGradient's gradient.
TEST(Gradients, UnsupportedConfigurationsAreErrorsNamingTheOp) {
  {
    Graph g;
    Output p = Placeholder(g, kFloat, {2, 3}, "params");
    // The axis is only known at run time: the rule needs it while building.
    Output axis = Placeholder(g, kInt32, {}, "axis");
    Output idx = Const(g, Tensor::FromVector<int32_t>(std::vector<int32_t>{0, 1}, Shape{2}));
    Output gathered = OpBuilder("GatherV2", "fed_axis_gather", p)
                          .Input(p)
                          .Input(idx)
                          .Input(axis)
                          .Attr("batch_dims", int64_t{0})
                          .Attr("Tparams", kFloat)
                          .Attr("Tindices", kInt32)
                          .Attr("Taxis", kInt32)
                          .Out();
    ASSERT_TRUE(g.status().ok()) << g.status().ToString();
    auto grads = Gradients({ReduceSum(gathered)}, {p});
    ASSERT_FALSE(grads.ok());
    EXPECT_NE(grads.status().message().find("GatherV2"), std::string::npos) << grads.status().ToString();
    EXPECT_NE(grads.status().message().find("fed_axis_gather"), std::string::npos) << grads.status().ToString();
  }
  {
    Graph g;
    Output p = Placeholder(g, kFloat, {2}, "p");
    Output y = OpBuilder("PreventGradient", "guard", p).Input(p).Attr("T", kFloat).Attr("message", "why").Out();
    auto grads = Gradients({ReduceSum(y)}, {p});
    ASSERT_FALSE(grads.ok());
    EXPECT_NE(grads.status().message().find("Gradient explicitly disabled. Reason: why"), std::string::npos)
        << grads.status().ToString();
  }
}

}  // namespace
}  // namespace tfmodel
