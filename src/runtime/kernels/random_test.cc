// Stateful random ops in a session (a node keeps its generator across runs, sessions restart
// it, concurrent runs draw disjoint ranges) and the errors of the random kernels. Single-run
// values of every op and dtype are checked against TensorFlow by tests/ops (cases_random.py).
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "src/runtime/kernel.h"
#include "src/runtime/session.h"

namespace tfmodel {
namespace {

NodeDefData N(std::string name, std::string op, std::vector<std::string> inputs, AttrMap attrs) {
  return NodeDefData{std::move(name), std::move(op), std::move(inputs), "", std::move(attrs)};
}

NodeDefData ConstNode(std::string name, Tensor t) {
  const DataType dt = t.dtype();
  return N(std::move(name), "Const", {},
           {{"dtype", TypeAttr(dt)}, {"value", TensorAttr(std::move(t))}});
}

template <typename T>
Tensor Vec(std::vector<T> v) {
  return Tensor::FromVector<T>(v, Shape({static_cast<int64_t>(v.size())}));
}

// TensorFlow 2.21's values below come from running this graph in Python:
//   u = RandomUniform(shape=[5], dtype=float32, seed=7, seed2=3)
//   i = RandomUniformInt(shape=int64 [4], minval=int64 -100, maxval=int64 1000, seed=7, seed2=3)
//   t = TruncatedNormal(shape=[3], dtype=float64, seed=0, seed2=9)
//   with tf.compat.v1.Session(graph=g) as s: s.run([u, i, t]) twice
GraphDefData OracleGraph() {
  GraphDefData g;
  g.nodes.push_back(ConstNode("shape5", Vec<int32_t>({5})));
  g.nodes.push_back(ConstNode("shape4", Vec<int64_t>({4})));
  g.nodes.push_back(ConstNode("shape3", Vec<int32_t>({3})));
  g.nodes.push_back(ConstNode("lo", Tensor::Scalar<int64_t>(-100)));
  g.nodes.push_back(ConstNode("hi", Tensor::Scalar<int64_t>(1000)));
  g.nodes.push_back(N("u", "RandomUniform", {"shape5"},
                      {{"dtype", TypeAttr(DataType::kFloat)},
                       {"T", TypeAttr(DataType::kInt32)},
                       {"seed", IntAttr(7)},
                       {"seed2", IntAttr(3)}}));
  g.nodes.push_back(N("i", "RandomUniformInt", {"shape4", "lo", "hi"},
                      {{"Tout", TypeAttr(DataType::kInt64)},
                       {"T", TypeAttr(DataType::kInt64)},
                       {"seed", IntAttr(7)},
                       {"seed2", IntAttr(3)}}));
  g.nodes.push_back(N("t", "TruncatedNormal", {"shape3"},
                      {{"dtype", TypeAttr(DataType::kDouble)},
                       {"T", TypeAttr(DataType::kInt32)},
                       {"seed", IntAttr(0)},
                       {"seed2", IntAttr(9)}}));
  return g;
}

std::unique_ptr<GraphSession> Make(const GraphDefData& def) {
  GraphIR g;
  EXPECT_TRUE(g.Import(def).ok());
  auto s = GraphSession::Create(std::move(g));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

template <typename T>
std::vector<T> Values(const Tensor& t) {
  auto f = t.flat<T>();
  return {f.begin(), f.end()};
}

// TensorFlow's first and second draws (printed with float.hex()).
const std::vector<float> kU1 = {0x1.9ab6c8p-2f, 0x1.81e21p-2f, 0x1.3cb74p-2f, 0x1.68c2p-4f,
                                0x1.7dfb38p-1f};
const std::vector<float> kU2 = {0x1.e06348p-2f, 0x1.869df0p-3f, 0x1.884c18p-1f, 0x1.bbd28p-6f,
                                0x1.bea3d8p-1f};
const std::vector<int64_t> kI1 = {561, 148, 622, -58};
const std::vector<int64_t> kI2 = {496, 21, 204, -94};
const std::vector<double> kT1 = {0x1.22509401a94e2p-1, -0x1.62011be36fcdap-1,
                                 -0x1.2dad57f172142p+0};
const std::vector<double> kT2 = {0x1.acba34d0d5520p-1, 0x1.66f08282c4cafp-2, 0x1.dd19f9bfc6ae5p-3};

TEST(StatefulRandom, SecondRunGivesTensorFlowsSecondDraw) {
  auto s = Make(OracleGraph());
  std::vector<Tensor> out;
  ASSERT_TRUE(s->Run({}, {"u", "i", "t"}, {}, &out).ok());
  EXPECT_EQ(Values<float>(out[0]), kU1);
  EXPECT_EQ(Values<int64_t>(out[1]), kI1);
  EXPECT_EQ(Values<double>(out[2]), kT1);
  ASSERT_TRUE(s->Run({}, {"u", "i", "t"}, {}, &out).ok());
  EXPECT_EQ(Values<float>(out[0]), kU2);
  EXPECT_EQ(Values<int64_t>(out[1]), kI2);
  EXPECT_EQ(Values<double>(out[2]), kT2);
}

TEST(StatefulRandom, EachNodeKeepsItsOwnStreamAndSessionsRestart) {
  auto s = Make(OracleGraph());
  std::vector<Tensor> out;
  // Running only u advances u, not i: i's first run still gives its first draw.
  ASSERT_TRUE(s->Run({}, {"u"}, {}, &out).ok());
  ASSERT_TRUE(s->Run({}, {"u", "i"}, {}, &out).ok());
  EXPECT_EQ(Values<float>(out[0]), kU2);
  EXPECT_EQ(Values<int64_t>(out[1]), kI1);
  auto fresh = Make(OracleGraph());
  ASSERT_TRUE(fresh->Run({}, {"u"}, {}, &out).ok());
  EXPECT_EQ(Values<float>(out[0]), kU1);
}

TEST(StatefulRandom, ConcurrentRunsDrawDisjointRanges) {
  constexpr int kRuns = 16;
  auto reference = Make(OracleGraph());
  std::vector<std::vector<float>> want;
  for (int r = 0; r < kRuns; ++r) {
    std::vector<Tensor> out;
    ASSERT_TRUE(reference->Run({}, {"u"}, {}, &out).ok());
    want.push_back(Values<float>(out[0]));
  }
  auto s = Make(OracleGraph());
  std::vector<std::vector<float>> got(kRuns);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int r = t; r < kRuns; r += 4) {
        std::vector<Tensor> out;
        if (s->Run({}, {"u"}, {}, &out).ok()) got[r] = Values<float>(out[0]);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
}

TEST(StatefulRandom, ZeroSeedsDifferPerKernel) {
  GraphDefData g;
  g.nodes.push_back(ConstNode("shape", Vec<int32_t>({64})));
  g.nodes.push_back(N("a", "RandomStandardNormal", {"shape"},
                      {{"dtype", TypeAttr(DataType::kFloat)},
                       {"T", TypeAttr(DataType::kInt32)},
                       {"seed", IntAttr(0)},
                       {"seed2", IntAttr(0)}}));
  std::vector<Tensor> x, y;
  ASSERT_TRUE(Make(g)->Run({}, {"a"}, {}, &x).ok());
  ASSERT_TRUE(Make(g)->Run({}, {"a"}, {}, &y).ok());
  EXPECT_NE(Values<float>(x[0]), Values<float>(y[0]));
}

// ---- Errors name the node and never crash ----------------------------------------------------
Status RunOp(const std::string& op, AttrMap attrs, std::vector<Tensor> inputs) {
  const OpRegistration* reg = OpRegistry::Global().Find(op);
  if (reg == nullptr) return NotFound(op);
  std::vector<DataType> types;
  for (const Tensor& t : inputs) types.push_back(t.dtype());
  const std::string name = "rng";
  NodeInfo node(name, op, attrs, types);
  auto k = reg->factory(node);
  if (!k.ok()) return k.status();
  std::vector<Tensor> outputs(k->output_types.size());
  KernelContext ctx(name, inputs, outputs, nullptr, {});
  return k->compute(ctx);
}

void ExpectError(const Status& s, const std::string& part) {
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("'rng'"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find(part), std::string::npos) << s.ToString();
}

TEST(RandomErrors, BadShapes) {
  const AttrMap f32 = {{"dtype", TypeAttr(DataType::kFloat)}, {"seed", IntAttr(1)}};
  ExpectError(RunOp("RandomUniform", f32, {Vec<int32_t>({2, -1})}), "must be >= 0");
  ExpectError(RunOp("RandomUniform", f32, {Tensor::Scalar<int32_t>(3)}), "vector");
  // Over kMaxTensorBytes (2^40): 2^30 x 2^12 floats.
  ExpectError(RunOp("TruncatedNormal", f32, {Vec<int64_t>({int64_t{1} << 30, 1 << 12})}), "");
  ExpectError(RunOp("RandomStandardNormal", f32,
                    {Vec<int64_t>({int64_t{1} << 31, int64_t{1} << 31, 1 << 10})}),
              "too large");
  ExpectError(RunOp("StatelessRandomUniform", {{"dtype", TypeAttr(DataType::kFloat)}},
                    {Vec<int64_t>({int64_t{1} << 40, 1 << 10}), Vec<int64_t>({1, 2})}),
              "");
  EXPECT_FALSE(RunOp("RandomUniform", f32, {Vec<float>({2})}).ok());  // plan time: shape dtype
  EXPECT_FALSE(
      RunOp("RandomUniform", {{"dtype", TypeAttr(DataType::kInt32)}}, {Vec<int32_t>({2})}).ok());
}

TEST(RandomErrors, BadRangesAndSeeds) {
  const AttrMap i32 = {{"Tout", TypeAttr(DataType::kInt32)}, {"seed", IntAttr(1)}};
  ExpectError(RunOp("RandomUniformInt", i32,
                    {Vec<int32_t>({3}), Tensor::Scalar<int32_t>(4), Tensor::Scalar<int32_t>(4)}),
              "Need minval < maxval, got 4 >= 4");
  ExpectError(RunOp("RandomUniformInt", i32,
                    {Vec<int32_t>({3}), Vec<int32_t>({1}), Tensor::Scalar<int32_t>(4)}),
              "minval must be 0-D");
  const AttrMap sf = {{"dtype", TypeAttr(DataType::kFloat)}};
  ExpectError(RunOp("StatelessRandomNormal", sf, {Vec<int32_t>({3}), Vec<int32_t>({1, 2, 3})}),
              "seed must have shape [2]");
  ExpectError(RunOp("StatelessRandomGetKeyCounter", {}, {Tensor::Scalar<int64_t>(5)}),
              "seed must have shape [2]");
  const Tensor key = Vec<uint64_t>({1}), counter = Vec<uint64_t>({5, 6});
  ExpectError(RunOp("StatelessRandomUniformV2", sf,
                    {Vec<int32_t>({3}), key, counter, Tensor::Scalar<int32_t>(2)}),
              "Unsupported algorithm id: 2");
  ExpectError(
      RunOp("StatelessRandomUniformV2", sf,
            {Vec<int32_t>({3}), Vec<uint64_t>({1, 2}), counter, Tensor::Scalar<int32_t>(1)}),
      "key must have shape [1]");
  // TensorFlow 2.21 accepts a one-word counter for Philox and then reads the second word past
  // the end of the tensor (its values vary from run to run); we reject it.
  ExpectError(RunOp("StatelessRandomUniformV2", sf,
                    {Vec<int32_t>({3}), key, Vec<uint64_t>({5}), Tensor::Scalar<int32_t>(1)}),
              "counter must be a vector with length at least 2");
  ExpectError(
      RunOp("StatelessRandomUniformV2", sf, {Vec<int32_t>({3}), key, counter, Vec<int32_t>({1})}),
      "must have shape []");
  // Plan time: the key must be uint64, the algorithm int32.
  EXPECT_FALSE(RunOp("StatelessRandomUniformV2", sf,
                     {Vec<int32_t>({3}), Vec<int64_t>({1}), counter, Tensor::Scalar<int32_t>(1)})
                   .ok());
}

}  // namespace
}  // namespace tfmodel
