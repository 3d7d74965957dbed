// GraphSession with threads: the pending-count executor gives the sequential results on wide
// graphs, returns the first error without running what depends on it, and sessions are safe
// to Run from several threads at once. Deterministic: nothing here measures time.
#include <gtest/gtest.h>

#include <thread>

#include "src/runtime/session.h"

namespace tfmodel {
namespace {

AttrValue DimsAttr(std::vector<int64_t> dims) { return ShapeAttr(PartialShape{false, std::move(dims)}); }
NodeDefData N(std::string name, std::string op, std::vector<std::string> inputs,
              AttrMap attrs = {}) {
  return NodeDefData{std::move(name), std::move(op), std::move(inputs), "", std::move(attrs)};
}
const AttrValue kFloat = TypeAttr(DataType::kFloat);

NodeDefData FloatConst(const std::string& name, std::vector<float> values, Shape shape) {
  return N(name, "Const", {},
           {{"dtype", kFloat}, {"value", TensorAttr(Tensor::FromVector<float>(values, shape))}});
}

// x [4,16] -> `width` branches of `depth` (MatMul by a 16x16 constant, Tanh) -> AddN.
GraphDefData WideGraph(int width, int depth) {
  GraphDefData g;
  g.nodes.push_back(N("x", "Placeholder", {}, {{"dtype", kFloat}, {"shape", DimsAttr({4, 16})}}));
  std::vector<std::string> ends;
  for (int b = 0; b < width; ++b) {
    std::string prev = "x";
    for (int d = 0; d < depth; ++d) {
      std::vector<float> w(16 * 16);
      for (int i = 0; i < 256; ++i) w[i] = static_cast<float>(((i * 31 + b * 7 + d) % 17) - 8) / 32;
      const std::string id = "b" + std::to_string(b) + "_" + std::to_string(d);
      g.nodes.push_back(FloatConst(id + "/w", w, Shape({16, 16})));
      g.nodes.push_back(N(id + "/mm", "MatMul", {prev, id + "/w"}, {{"T", kFloat}}));
      g.nodes.push_back(N(id + "/tanh", "Tanh", {id + "/mm"}, {{"T", kFloat}}));
      prev = id + "/tanh";
    }
    ends.push_back(prev);
  }
  g.nodes.push_back(N("sum", "AddN", ends, {{"T", kFloat}, {"N", IntAttr(width)}}));
  return g;
}

std::unique_ptr<GraphSession> Make(const GraphDefData& def, SessionOptions options) {
  GraphIR g;
  EXPECT_TRUE(g.Import(def).ok());
  auto s = GraphSession::Create(std::move(g), nullptr, options);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

Tensor Input(float seed) {
  std::vector<float> v(4 * 16);
  for (size_t i = 0; i < v.size(); ++i) v[i] = seed + static_cast<float>(i % 9) / 8 - 0.5f;
  return Tensor::FromVector<float>(v, Shape({4, 16}));
}

const SessionOptions kSequential{.num_threads = 1};
const SessionOptions kParallel{.num_threads = 3,
                               .schedule = SessionOptions::Schedule::kParallel};

TEST(ParallelSession, WideGraphEqualsSequentialRun) {
  const GraphDefData def = WideGraph(/*width=*/8, /*depth=*/6);
  auto seq = Make(def, kSequential);
  auto par = Make(def, kParallel);
  EXPECT_EQ(par->num_threads(), 3);
  std::vector<std::string> fetches = {"sum:0", "b3_5/tanh:0", "b0_0/mm:0"};
  for (int r = 0; r < 30; ++r) {
    const Tensor x = Input(static_cast<float>(r) / 30);
    std::vector<Tensor> want, got;
    ASSERT_TRUE(seq->Run({{"x:0", x}}, fetches, {}, &want).ok());
    Status s = par->Run({{"x:0", x}}, fetches, {}, &got);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_TRUE(got[i].Equals(want[i])) << fetches[i] << " differs in run " << r;
    }
  }
}

TEST(ParallelSession, AutoScheduleGivesTheSameResults) {
  // kAuto times the first runs and may pick either executor; the results must not change.
  const GraphDefData def = WideGraph(4, 3);
  auto seq = Make(def, kSequential);
  auto aut = Make(def, {.num_threads = 2});
  for (int r = 0; r < 8; ++r) {
    std::vector<Tensor> want, got;
    ASSERT_TRUE(seq->Run({{"x:0", Input(r)}}, {"sum:0"}, {}, &want).ok());
    ASSERT_TRUE(aut->Run({{"x:0", Input(r)}}, {"sum:0"}, {}, &got).ok());
    EXPECT_TRUE(got[0].Equals(want[0])) << "run " << r;
  }
}

// Branch `bad` gathers with a fed index; when the index is out of range it fails. `bump`
// (AssignAdd on v) waits for `bad` through a control edge, so it must not run after the error.
GraphDefData FailingBranchGraph() {
  GraphDefData g = WideGraph(4, 3);
  const AttrValue kInt32 = TypeAttr(DataType::kInt32);
  g.nodes.push_back(N("index", "Placeholder", {}, {{"dtype", kInt32}, {"shape", DimsAttr({})}}));
  std::vector<int32_t> zero{0};
  g.nodes.push_back(N("axis", "Const", {},
                      {{"dtype", kInt32},
                       {"value", TensorAttr(Tensor::FromVector<int32_t>(zero, Shape{}))}}));
  g.nodes.push_back(N("bad", "GatherV2", {"b1_1/tanh", "index", "axis"},
                      {{"Tparams", kFloat}, {"Tindices", kInt32}, {"Taxis", kInt32}}));
  g.nodes.push_back(N("v", "VariableV2", {}, {{"dtype", kFloat}, {"shape", DimsAttr({1})}}));
  g.nodes.push_back(FloatConst("one", {1.0f}, Shape({1})));
  g.nodes.push_back(N("init", "Assign", {"v", "one"}, {{"T", kFloat}}));
  g.nodes.push_back(N("bump", "AssignAdd", {"v", "one", "^bad"}, {{"T", kFloat}}));
  g.nodes.push_back(N("read", "Identity", {"v"}, {{"T", kFloat}}));
  g.nodes.push_back(N("step", "NoOp", {"^bump", "^sum"}));
  return g;
}

TEST(ParallelSession, ErrorInOneBranchIsReturnedAndStopsItsDependents) {
  auto s = Make(FailingBranchGraph(), kParallel);
  std::vector<Tensor> out;
  ASSERT_TRUE(s->Run({}, {}, {"init"}, &out).ok());
  for (int r = 0; r < 20; ++r) {
    Status st = s->Run({{"x:0", Input(r)}, {"index:0", Tensor::Scalar<int32_t>(7)}}, {"sum:0"},
                       {"step"}, &out);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
    EXPECT_NE(st.message().find("= 7 is not in [0, 4)"), std::string::npos) << st.ToString();
  }
  // No failed run reached `bump`; a good run does, once.
  ASSERT_TRUE(s->Run({}, {"read:0"}, {}, &out).ok());
  EXPECT_EQ(out[0].flat<float>()[0], 1.0f);
  Status ok = s->Run({{"x:0", Input(0)}, {"index:0", Tensor::Scalar<int32_t>(2)}}, {"sum:0"},
                     {"step"}, &out);
  ASSERT_TRUE(ok.ok()) << ok.ToString();
  ASSERT_TRUE(s->Run({}, {"read:0"}, {}, &out).ok());
  EXPECT_EQ(out[0].flat<float>()[0], 2.0f);
}

TEST(ParallelSession, ConcurrentRunsFromSeveralThreads) {
  const GraphDefData def = WideGraph(6, 4);
  auto seq = Make(def, kSequential);
  std::vector<Tensor> want(8);
  for (int i = 0; i < 8; ++i) {
    std::vector<Tensor> out;
    ASSERT_TRUE(seq->Run({{"x:0", Input(i)}}, {"sum:0"}, {}, &out).ok());
    want[i] = out[0];
  }
  for (const SessionOptions& options : {kSequential, kParallel}) {
    auto s = Make(def, options);
    std::vector<int> mismatches(4, 0), failures(4, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int r = 0; r < 40; ++r) {
          const int i = (t + r) % 8;
          std::vector<Tensor> out;
          // Alternate two plans (different fetch lists) so plan creation races too.
          std::vector<std::string> fetches = {"sum:0"};
          if (r % 2) fetches.push_back("b2_3/tanh:0");
          if (!s->Run({{"x:0", Input(i)}}, fetches, {}, &out).ok()) {
            ++failures[t];
          } else if (!out[0].Equals(want[i])) {
            ++mismatches[t];
          }
        }
      });
    }
    for (std::thread& th : threads) th.join();
    for (int t = 0; t < 4; ++t) {
      EXPECT_EQ(failures[t], 0) << "thread " << t;
      EXPECT_EQ(mismatches[t], 0) << "thread " << t;
    }
  }
}

TEST(ParallelSession, FetchingAFeedAndAnUnconsumedOutput) {
  GraphDefData g = WideGraph(2, 1);
  auto s = Make(g, kParallel);
  std::vector<Tensor> out;
  const Tensor x = Input(1);
  ASSERT_TRUE(s->Run({{"x:0", x}}, {"x:0", "b1_0/mm:0", "x:0"}, {}, &out).ok());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_TRUE(out[0].Equals(x));
  EXPECT_TRUE(out[2].Equals(x));
  EXPECT_EQ(out[1].shape(), Shape({4, 16}));
}

}  // namespace
}  // namespace tfmodel
