// The graph-building API: names as TensorFlow makes them, static shapes, errors kept by the
// graph, sessions that see a growing graph, variables and initializers.
#include <gtest/gtest.h>

#include <cmath>

#include "tfmodel/graph.h"
#include "tfmodel/ops.h"

namespace tfmodel {
namespace {

using enum DataType;

Tensor Ones2D(int64_t rows, int64_t cols) {
  std::vector<float> v(rows * cols, 1.0f);
  return Tensor::FromVector<float>(v, Shape{rows, cols});
}

TEST(Api, NamesFollowTensorFlowsUniqueNameRules) {
  Graph g;
  Output a = Placeholder(g, kFloat, {-1, 2}, "input");
  Output b = Placeholder(g, kFloat, {-1, 2});
  Output c = Placeholder(g, kFloat, {-1, 2});
  EXPECT_EQ(a.name(), "input:0");
  EXPECT_EQ(b.name(), "Placeholder:0");
  EXPECT_EQ(c.name(), "Placeholder_1:0");
  {
    NameScope dense(g, "dense");
    EXPECT_EQ(dense.name(), "dense/");
    EXPECT_EQ(MatMul(a, Transpose(b, {1, 0})).name(), "dense/MatMul:0");
  }
  {
    NameScope dense(g, "dense");
    EXPECT_EQ(dense.name(), "dense_1/");
    NameScope again(g, "dense/");
    EXPECT_EQ(Identity(a).name(), "dense/Identity:0");
  }
  // Case-insensitive, as TensorFlow compares names.
  EXPECT_EQ(Identity(a, "INPUT").name(), "INPUT_1:0");
  ASSERT_TRUE(g.status().ok()) << g.status().ToString();
}

TEST(Api, StaticShapesFlowThroughTheSeedModel) {
  Graph g;
  Output x = Placeholder(g, kFloat, {-1, 10}, "input");
  Variable beta = GetVariable(g, "beta", {10, 1}, GlorotNormal());
  Variable bias = GetVariable(g, "bias", {1}, GlorotNormal());
  Output pred = Add(MatMul(x, beta), bias, "output");
  ASSERT_TRUE(g.status().ok()) << g.status().ToString();
  EXPECT_EQ(pred.name(), "output:0");
  EXPECT_EQ(pred.shape().ToCliString(), "(-1, 1)");
  EXPECT_EQ(beta.handle.name(), "beta:0");
  EXPECT_EQ(beta.value.name(), "beta/read:0");
  EXPECT_EQ(beta.initializer.name(), "beta/Assign");
  EXPECT_EQ(beta.initial_value.name(), "beta/Initializer/truncated_normal:0");
  EXPECT_EQ(ReduceSum(pred).shape().ToCliString(), "()");
  EXPECT_EQ(ReduceMean(pred, {1}, true).shape().ToCliString(), "(-1, 1)");
  EXPECT_EQ(Reshape(beta, {-1}).shape().ToCliString(), "(10)");
}

TEST(Api, BuildingErrorsAreKeptAndReported) {
  Graph g;
  Output x = Placeholder(g, kFloat, {2}, "x");
  Output i = Placeholder(g, kInt32, {2}, "i");
  Output bad = Add(x, i, "bad");
  EXPECT_FALSE(bad.valid());
  Output later = Sigmoid(bad);
  EXPECT_FALSE(later.valid());
  ASSERT_FALSE(g.status().ok());
  EXPECT_NE(g.status().message().find("bad"), std::string::npos) << g.status().ToString();
  Session s(g);
  auto run = s.Fetch({{x, Tensor::FromVector<float>(std::vector<float>{1, 2}, Shape{2})}}, x);
  EXPECT_FALSE(run.ok());
  EXPECT_EQ(run.status().message(), g.status().message());
}

TEST(Api, SessionRunsAndSeesTheGraphGrow) {
  Graph g;
  Output x = Placeholder(g, kFloat, {-1, 2}, "x");
  Output y = Mul(x, ScalarLike(x, 3.0));
  Session s(g);
  auto out = s.Fetch({{x, Ones2D(2, 2)}}, y);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->flat<float>()[3], 3.0f);
  Output z = Add(y, ScalarLike(y, 1.0));  // built after the session ran
  auto out2 = s.Fetch({{x, Ones2D(1, 2)}}, z);
  ASSERT_TRUE(out2.ok()) << out2.status().ToString();
  EXPECT_EQ(out2->flat<float>()[0], 4.0f);
  auto missing = s.Fetch({}, z);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("'x'"), std::string::npos) << missing.status().ToString();
}

TEST(Api, VariablesInitializeAssignAndStayPerSession) {
  Graph g;
  Variable v = GetVariable(g, "v", {2}, ConstantInitializer(5.0));
  Variable r = GetVariable(g, "r", {2}, OnesInitializer(), {.use_resource = true});
  Operation add = AssignAdd(v, r);
  Operation init = GlobalVariablesInitializer(g);
  ASSERT_TRUE(g.status().ok()) << g.status().ToString();
  EXPECT_EQ(r.value.name(), "r/Read/ReadVariableOp:0");
  Session s1(g), s2(g);
  auto uninit = s1.Fetch({}, v.value);
  ASSERT_FALSE(uninit.ok());
  EXPECT_NE(uninit.status().message().find("uninitialized"), std::string::npos) << uninit.status().ToString();
  ASSERT_TRUE(s1.Run(init).ok());
  ASSERT_TRUE(s2.Run(init).ok());
  ASSERT_TRUE(s1.Run(add).ok());
  auto v1 = s1.Fetch({}, v.value);
  auto v2 = s2.Fetch({}, v.value);
  ASSERT_TRUE(v1.ok() && v2.ok());
  EXPECT_EQ(v1->flat<float>()[0], 6.0f);
  EXPECT_EQ(v2->flat<float>()[0], 5.0f);
  EXPECT_EQ(GetVariable(g, "v", {2}, ZerosInitializer()).valid(), false);
  EXPECT_NE(g.status().message().find("already exists"), std::string::npos);
}

TEST(Api, GlorotNormalStddevAndTruncation) {
  // VarianceScaling(1, fan_avg, truncated_normal) for [200, 100]: stddev sqrt(1/150)/0.8796...,
  // values within two stddevs of the truncated distribution's underlying normal.
  Graph g;
  g.SetRandomSeed(7);
  Variable w = GetVariable(g, "w", {200, 100}, GlorotNormal());
  Session s(g);
  ASSERT_TRUE(s.Run(w.initializer).ok());
  auto value = s.Fetch({}, w.value);
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  const double sigma = std::sqrt(1.0 / 150.0) / 0.87962566103423978;
  double sum2 = 0;
  for (float f : value->flat<float>()) {
    ASSERT_LE(std::abs(f), 2 * sigma + 1e-6);
    sum2 += double(f) * f;
  }
  const double std_truncated = sigma * 0.87962566103423978;
  EXPECT_NEAR(std::sqrt(sum2 / 20000), std_truncated, 0.02 * std_truncated);
}

}  // namespace
}  // namespace tfmodel
