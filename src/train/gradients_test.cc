// The autodiff driver: sums of contributions, un-broadcasting, MatMul and the seed's MSE
// gradient against their closed forms.
#include "src/train/gradients.h"

#include <gtest/gtest.h>

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
  // An op on the path without a registered gradient: a clear error naming it.
  Graph g2;
  Output p = Placeholder(g2, kFloat, {4}, "p");
  Output sorted = OpBuilder("Cumsum", "", p)
                      .Input(p)
                      .Input(Int32Scalar(p.graph(), 0))
                      .Attr("exclusive", false)
                      .Attr("reverse", false)
                      .Attr("T", kFloat)
                      .Attr("Tidx", kInt32)
                      .Out();
  auto bad = Gradients({ReduceSum(sorted)}, {p});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("Cumsum"), std::string::npos) << bad.status().ToString();
}

}  // namespace
}  // namespace tfmodel
