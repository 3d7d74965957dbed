// TF1 control flow in GraphSession (session_flow.cc): hand-built graphs shaped like the ones
// tf.cond / tf.while_loop write with control flow v1; expected values are arithmetic.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <thread>

#include "src/runtime/session.h"

namespace tfmodel {
namespace {

NodeDefData N(std::string name, std::string op, std::vector<std::string> inputs,
              AttrMap attrs = {}) {
  return NodeDefData{std::move(name), std::move(op), std::move(inputs), "", std::move(attrs)};
}
AttrMap T() { return {{"T", TypeAttr(DataType::kFloat)}}; }
NodeDefData Scalar(std::string name, float v, std::vector<std::string> control = {}) {
  return N(
      std::move(name), "Const", std::move(control),
      {{"dtype", TypeAttr(DataType::kFloat)}, {"value", TensorAttr(Tensor::Scalar<float>(v))}});
}
NodeDefData Pred(std::string name) {
  return N(std::move(name), "Placeholder", {},
           {{"dtype", TypeAttr(DataType::kBool)}, {"shape", ShapeAttr(PartialShape{false, {}})}});
}
NodeDefData Enter(std::string name, std::string in, std::string frame, bool constant = false,
                  int parallel = 10) {
  return N(std::move(name), "Enter", {std::move(in)},
           {{"T", TypeAttr(DataType::kFloat)},
            {"frame_name", StringAttr(frame)},
            {"is_constant", BoolAttr(constant)},
            {"parallel_iterations", IntAttr(parallel)}});
}
NodeDefData Merge(std::string name, std::vector<std::string> in) {
  AttrMap a = T();
  a["N"] = IntAttr(static_cast<int64_t>(in.size()));
  return N(std::move(name), "Merge", std::move(in), a);
}

// The body of a loop: given the loop's graph, its prefix and the incremented counter, returns
// the tensor added to the accumulator (a node in the loop's frame).
using Term =
    std::function<std::string(GraphDefData&, const std::string& prefix, const std::string& i)>;

// The while loop tf.while_loop writes for
//   i, acc = i0, acc0;  while i < n: i += 1; acc += term(i)
// in frame `frame`; its inputs i0, acc0, n are tensors of the enclosing frame. Returns the name of
// its Exit for acc.
std::string AddWhile(GraphDefData& g, const std::string& p, const std::string& frame,
                     const std::string& i0, const std::string& acc0, const std::string& n,
                     const Term& term, int parallel = 10) {
  g.nodes.push_back(Enter(p + "/Enter_i", i0, frame, false, parallel));
  g.nodes.push_back(Enter(p + "/Enter_acc", acc0, frame, false, parallel));
  g.nodes.push_back(Enter(p + "/Enter_n", n, frame, true, parallel));
  g.nodes.push_back(Merge(p + "/Merge_i", {p + "/Enter_i", p + "/NextIteration_i"}));
  g.nodes.push_back(Merge(p + "/Merge_acc", {p + "/Enter_acc", p + "/NextIteration_acc"}));
  g.nodes.push_back(N(p + "/Less", "Less", {p + "/Merge_i", p + "/Enter_n"}, T()));
  g.nodes.push_back(N(p + "/LoopCond", "LoopCond", {p + "/Less"}));
  g.nodes.push_back(N(p + "/Switch_i", "Switch", {p + "/Merge_i", p + "/LoopCond"}, T()));
  g.nodes.push_back(N(p + "/Switch_acc", "Switch", {p + "/Merge_acc", p + "/LoopCond"}, T()));
  g.nodes.push_back(N(p + "/Identity_i", "Identity", {p + "/Switch_i:1"}, T()));
  g.nodes.push_back(N(p + "/Identity_acc", "Identity", {p + "/Switch_acc:1"}, T()));
  g.nodes.push_back(Scalar(p + "/one", 1, {"^" + p + "/Identity_i"}));
  g.nodes.push_back(N(p + "/add_i", "Add", {p + "/Identity_i", p + "/one"}, T()));
  std::string t = term(g, p, p + "/add_i");
  g.nodes.push_back(N(p + "/add_acc", "Add", {p + "/Identity_acc", t}, T()));
  g.nodes.push_back(N(p + "/NextIteration_i", "NextIteration", {p + "/add_i"}, T()));
  g.nodes.push_back(N(p + "/NextIteration_acc", "NextIteration", {p + "/add_acc"}, T()));
  g.nodes.push_back(N(p + "/Exit_i", "Exit", {p + "/Switch_i:0"}, T()));
  g.nodes.push_back(N(p + "/Exit_acc", "Exit", {p + "/Switch_acc:0"}, T()));
  return p + "/Exit_acc";
}

std::string Counter(GraphDefData&, const std::string&, const std::string& i) { return i; }

std::unique_ptr<GraphSession> Make(const GraphDefData& def, SessionOptions o = {}) {
  GraphIR g;
  Status st = g.Import(def);
  EXPECT_TRUE(st.ok()) << st.ToString();
  auto s = GraphSession::Create(std::move(g), nullptr, o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

float RunScalar(GraphSession& s, const std::vector<std::pair<std::string, Tensor>>& feeds,
                const std::string& fetch) {
  std::vector<Tensor> out;
  Status st = s.Run(feeds, {fetch}, {}, &out);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return st.ok() ? out[0].flat<float>()[0] : -1e30f;
}

// tf.cond(p, lambda: x * 2, lambda: x + 10), x = 3.
GraphDefData CondGraph() {
  GraphDefData g;
  g.nodes.push_back(Pred("p"));
  g.nodes.push_back(Scalar("x", 3));
  g.nodes.push_back(N("cond/Switch", "Switch", {"x", "p"}, T()));
  g.nodes.push_back(N("cond/switch_t", "Identity", {"cond/Switch:1"}, T()));
  g.nodes.push_back(N("cond/switch_f", "Identity", {"cond/Switch"}, T()));
  g.nodes.push_back(Scalar("cond/two", 2, {"^cond/switch_t"}));
  g.nodes.push_back(Scalar("cond/ten", 10, {"^cond/switch_f"}));
  g.nodes.push_back(N("cond/mul", "Mul", {"cond/Switch:1", "cond/two"}, T()));
  g.nodes.push_back(N("cond/add", "Add", {"cond/Switch", "cond/ten"}, T()));
  g.nodes.push_back(Merge("cond/Merge", {"cond/add", "cond/mul"}));
  return g;
}

TEST(Tf1ControlFlow, CondTakesOneBranch) {
  auto s = Make(CondGraph());
  ASSERT_NE(s, nullptr);
  for (bool p : {true, false}) {
    std::vector<Tensor> out;
    Status st =
        s->Run({{"p", Tensor::Scalar<bool>(p)}}, {"cond/Merge:0", "cond/Merge:1"}, {}, &out);
    ASSERT_TRUE(st.ok()) << st.ToString();
    EXPECT_EQ(out[0].flat<float>()[0], p ? 6.0f : 13.0f);
    EXPECT_EQ(out[1].dtype(), DataType::kInt32);
    EXPECT_EQ(out[1].flat<int32_t>()[0], p ? 1 : 0);
  }
}

TEST(Tf1ControlFlow, FetchingADeadTensorNamesIt) {
  auto s = Make(CondGraph());
  ASSERT_NE(s, nullptr);
  std::vector<Tensor> out;
  Status st =
      s->Run({{"p", Tensor::Scalar<bool>(false)}}, {"cond/Merge:0", "cond/mul:0"}, {}, &out);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("Retval[1] does not have value"), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("'cond/mul:0'"), std::string::npos) << st.ToString();
  // The live side of the same Switch is fine, and a dead target is not an error (as in TF).
  EXPECT_EQ(RunScalar(*s, {{"p", Tensor::Scalar<bool>(false)}}, "cond/add:0"), 13.0f);
  EXPECT_TRUE(s->Run({{"p", Tensor::Scalar<bool>(false)}}, {}, {"cond/mul"}, &out).ok());
}

TEST(Tf1ControlFlow, WhileLoopCountsAndAccumulates) {
  for (int parallel : {10, 1}) {
    GraphDefData g;
    g.nodes.push_back(Scalar("zero", 0));
    g.nodes.push_back(N("n", "Placeholder", {}, {{"dtype", TypeAttr(DataType::kFloat)}}));
    AddWhile(g, "while", "while/while_context", "zero", "zero", "n", Counter, parallel);
    for (auto schedule : {SessionOptions::Schedule::kAuto, SessionOptions::Schedule::kParallel}) {
      auto s = Make(g, {.num_threads = 2, .schedule = schedule});
      ASSERT_NE(s, nullptr);
      EXPECT_EQ(RunScalar(*s, {{"n", Tensor::Scalar<float>(5)}}, "while/Exit_acc:0"), 15.0f);
      EXPECT_EQ(RunScalar(*s, {{"n", Tensor::Scalar<float>(5)}}, "while/Exit_i:0"), 5.0f);
      EXPECT_EQ(RunScalar(*s, {{"n", Tensor::Scalar<float>(0)}}, "while/Exit_acc:0"), 0.0f);
      EXPECT_EQ(RunScalar(*s, {{"n", Tensor::Scalar<float>(100)}}, "while/Exit_acc:0"), 5050.0f);
    }
  }
}

TEST(Tf1ControlFlow, ConcurrentRunsOfOneLoopPlan) {
  GraphDefData g;
  g.nodes.push_back(Scalar("zero", 0));
  g.nodes.push_back(N("n", "Placeholder", {}, {{"dtype", TypeAttr(DataType::kFloat)}}));
  AddWhile(g, "while", "while/while_context", "zero", "zero", "n", Counter);
  auto s = Make(g, {.num_threads = 2});
  ASSERT_NE(s, nullptr);
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < 50; ++k) {
        const float n = static_cast<float>(t * 7 + k % 5);
        std::vector<Tensor> out;
        Status st = s->Run({{"n", Tensor::Scalar<float>(n)}}, {"while/Exit_acc:0"}, {}, &out);
        if (!st.ok() || out[0].flat<float>()[0] != n * (n + 1) / 2) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(Tf1ControlFlow, NestedWhile) {
  // acc = sum over j in 1..m of (sum over k in 1..j of k).
  GraphDefData g;
  g.nodes.push_back(Scalar("zero", 0));
  g.nodes.push_back(N("m", "Placeholder", {}, {{"dtype", TypeAttr(DataType::kFloat)}}));
  Term inner = [](GraphDefData& g, const std::string& p, const std::string& j) {
    g.nodes.push_back(Scalar(p + "/inner_zero", 0, {"^" + p + "/Identity_i"}));
    return AddWhile(g, p + "/inner", p + "/inner/while_context", p + "/inner_zero",
                    p + "/inner_zero", j, Counter);
  };
  AddWhile(g, "outer", "outer/while_context", "zero", "zero", "m", inner);
  auto s = Make(g);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(RunScalar(*s, {{"m", Tensor::Scalar<float>(4)}}, "outer/Exit_acc:0"), 20.0f);
  EXPECT_EQ(RunScalar(*s, {{"m", Tensor::Scalar<float>(10)}}, "outer/Exit_acc:0"), 220.0f);
}

TEST(Tf1ControlFlow, CondInsideWhile) {
  // acc = sum over i in 1..n of (i > 2 ? 10 i : i)
  GraphDefData g;
  g.nodes.push_back(Scalar("zero", 0));
  g.nodes.push_back(N("n", "Placeholder", {}, {{"dtype", TypeAttr(DataType::kFloat)}}));
  Term cond = [](GraphDefData& g, const std::string& p, const std::string& i) {
    g.nodes.push_back(Scalar(p + "/two", 2, {"^" + p + "/Identity_i"}));
    g.nodes.push_back(N(p + "/gt", "Greater", {i, p + "/two"}, T()));
    g.nodes.push_back(N(p + "/cond/Switch", "Switch", {i, p + "/gt"}, T()));
    g.nodes.push_back(N(p + "/cond/switch_t", "Identity", {p + "/cond/Switch:1"}, T()));
    g.nodes.push_back(Scalar(p + "/cond/ten", 10, {"^" + p + "/cond/switch_t"}));
    g.nodes.push_back(N(p + "/cond/mul", "Mul", {p + "/cond/Switch:1", p + "/cond/ten"}, T()));
    g.nodes.push_back(N(p + "/cond/id", "Identity", {p + "/cond/Switch:0"}, T()));
    g.nodes.push_back(Merge(p + "/cond/Merge", {p + "/cond/id", p + "/cond/mul"}));
    return p + "/cond/Merge";
  };
  AddWhile(g, "while", "while/while_context", "zero", "zero", "n", cond);
  auto s = Make(g);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(RunScalar(*s, {{"n", Tensor::Scalar<float>(5)}}, "while/Exit_acc:0"), 123.0f);
}

TEST(Tf1ControlFlow, WhileInsideAnUntakenBranchIsDead) {
  // tf.cond(p, lambda: while-sum 1..n, lambda: -1): the loop's frame is entered dead.
  GraphDefData g;
  g.nodes.push_back(Pred("p"));
  g.nodes.push_back(Scalar("n", 4));
  g.nodes.push_back(N("cond/Switch", "Switch", {"n", "p"}, T()));
  g.nodes.push_back(N("cond/switch_t", "Identity", {"cond/Switch:1"}, T()));
  g.nodes.push_back(N("cond/switch_f", "Identity", {"cond/Switch"}, T()));
  g.nodes.push_back(Scalar("cond/zero", 0, {"^cond/switch_t"}));
  g.nodes.push_back(Scalar("cond/minus", -1, {"^cond/switch_f"}));
  std::string exit = AddWhile(g, "cond/while", "cond/while/while_context", "cond/zero", "cond/zero",
                              "cond/Switch:1", Counter);
  g.nodes.push_back(Merge("cond/Merge", {"cond/minus", exit}));
  // A ControlTrigger runs even when what it waits for is dead; a NoOp does not.
  g.nodes.push_back(N("trigger", "ControlTrigger", {"^" + exit}));
  g.nodes.push_back(N("noop", "NoOp", {"^" + exit}));
  g.nodes.push_back(N("after_trigger", "Identity", {"n", "^trigger"}, T()));
  g.nodes.push_back(N("after_noop", "Identity", {"n", "^noop"}, T()));
  auto s = Make(g);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(RunScalar(*s, {{"p", Tensor::Scalar<bool>(true)}}, "cond/Merge:0"), 10.0f);
  EXPECT_EQ(RunScalar(*s, {{"p", Tensor::Scalar<bool>(false)}}, "cond/Merge:0"), -1.0f);
  EXPECT_EQ(RunScalar(*s, {{"p", Tensor::Scalar<bool>(false)}}, "after_trigger:0"), 4.0f);
  std::vector<Tensor> out;
  Status st = s->Run({{"p", Tensor::Scalar<bool>(false)}}, {"after_noop:0"}, {}, &out);
  EXPECT_NE(st.message().find("does not have value"), std::string::npos) << st.ToString();
  EXPECT_EQ(RunScalar(*s, {{"p", Tensor::Scalar<bool>(true)}}, "after_noop:0"), 4.0f);
}

TEST(Tf1ControlFlow, RefSwitchAssignsOnlyOnTheTakenBranch) {
  // v = 1; tf.cond(p, lambda: v.assign_add(2), lambda: v) as a RefSwitch on the variable.
  GraphDefData g;
  g.nodes.push_back(Pred("p"));
  g.nodes.push_back(Scalar("one", 1));
  g.nodes.push_back(Scalar("two", 2));
  g.nodes.push_back(
      N("v", "VariableV2", {},
        {{"dtype", TypeAttr(DataType::kFloat)}, {"shape", ShapeAttr(PartialShape{false, {}})}}));
  g.nodes.push_back(N("init", "Assign", {"v", "one"}, T()));
  g.nodes.push_back(N("cond/RefSwitch", "RefSwitch", {"v", "p"}, T()));
  g.nodes.push_back(N("cond/add", "AssignAdd", {"cond/RefSwitch:1", "two"}, T()));
  g.nodes.push_back(N("read", "Identity", {"v"}, T()));
  auto s = Make(g);
  ASSERT_NE(s, nullptr);
  std::vector<Tensor> out;
  ASSERT_TRUE(s->Run({}, {}, {"init"}, &out).ok());
  ASSERT_TRUE(s->Run({{"p", Tensor::Scalar<bool>(false)}}, {}, {"cond/add"}, &out).ok());
  EXPECT_EQ(RunScalar(*s, {}, "read:0"), 1.0f);
  ASSERT_TRUE(s->Run({{"p", Tensor::Scalar<bool>(true)}}, {}, {"cond/add"}, &out).ok());
  EXPECT_EQ(RunScalar(*s, {}, "read:0"), 3.0f);
}

// tf.TensorArray without a loop: scatter rows, write one more (dynamic_size), gather, read, size.
GraphDefData TensorArrayGraph() {
  GraphDefData g;
  auto i32 = [&](std::string name, std::vector<int32_t> v, Shape shape) {
    g.nodes.push_back(N(std::move(name), "Const", {},
                        {{"dtype", TypeAttr(DataType::kInt32)},
                         {"value", TensorAttr(Tensor::FromVector<int32_t>(v, shape))}}));
  };
  i32("size", {3}, Shape{});
  i32("rows", {0, 1, 2}, Shape{3});
  i32("three", {3}, Shape{});
  i32("pick", {3, 0, 2}, Shape{3});
  i32("seven", {7}, Shape{});
  std::vector<float> v{1, 2, 3, 4, 5, 6};
  g.nodes.push_back(N("value", "Const", {},
                      {{"dtype", TypeAttr(DataType::kFloat)},
                       {"value", TensorAttr(Tensor::FromVector<float>(v, Shape({3, 2})))}}));
  g.nodes.push_back(Scalar("extra", 9));
  g.nodes.push_back(
      N("extra2", "Pack", {"extra", "extra"},
        {{"T", TypeAttr(DataType::kFloat)}, {"N", IntAttr(2)}, {"axis", IntAttr(0)}}));
  g.nodes.push_back(N("ta", "TensorArrayV3", {"size"},
                      {{"dtype", TypeAttr(DataType::kFloat)},
                       {"element_shape", ShapeAttr(PartialShape{false, {2}})},
                       {"dynamic_size", BoolAttr(true)}}));
  g.nodes.push_back(N("scatter", "TensorArrayScatterV3", {"ta", "rows", "value", "ta:1"}, T()));
  g.nodes.push_back(N("write", "TensorArrayWriteV3", {"ta", "three", "extra2", "scatter"}, T()));
  AttrMap read{{"dtype", TypeAttr(DataType::kFloat)}};
  g.nodes.push_back(N("gather", "TensorArrayGatherV3", {"ta", "pick", "write"}, read));
  g.nodes.push_back(N("read", "TensorArrayReadV3", {"ta", "three", "write"}, read));
  g.nodes.push_back(N("bad_read", "TensorArrayReadV3", {"ta", "seven", "write"}, read));
  g.nodes.push_back(N("size_out", "TensorArraySizeV3", {"ta", "write"}));
  g.nodes.push_back(N("bad_write", "TensorArrayWriteV3", {"ta", "three", "extra", "ta:1"}, T()));
  return g;
}

TEST(Tf1ControlFlow, TensorArrayScatterWriteGatherRead) {
  auto s = Make(TensorArrayGraph());
  ASSERT_NE(s, nullptr);
  std::vector<Tensor> out;
  Status st = s->Run({}, {"gather:0", "read:0", "size_out:0"}, {}, &out);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(out[0].shape(), Shape({3, 2}));
  std::vector<float> want{9, 9, 1, 2, 5, 6};
  EXPECT_EQ(std::vector<float>(out[0].flat<float>().begin(), out[0].flat<float>().end()), want);
  EXPECT_EQ(out[1].shape(), Shape({2}));
  EXPECT_EQ(out[1].flat<float>()[0], 9.0f);
  EXPECT_EQ(out[2].flat<int32_t>()[0], 4);  // grew from 3 (dynamic_size)
  // Errors name the node and the index; an element of the wrong shape is refused.
  Status bad = s->Run({}, {"bad_read:0"}, {}, &out);
  EXPECT_NE(bad.message().find("'bad_read'"), std::string::npos) << bad.ToString();
  EXPECT_NE(bad.message().find("index 7"), std::string::npos) << bad.ToString();
  Status shape = s->Run({}, {"bad_write:0"}, {}, &out);
  EXPECT_NE(shape.message().find("not compatible"), std::string::npos) << shape.ToString();
}

Status PlanError(const GraphDefData& def, const std::string& fetch) {
  GraphIR g;
  Status st = g.Import(def);
  if (!st.ok()) return st;
  auto s = GraphSession::Create(std::move(g));
  if (!s.ok()) return s.status();
  std::vector<Tensor> out;
  return (*s)->Run({}, {fetch}, {}, &out);
}

TEST(Tf1ControlFlow, MalformedFramesAreErrorsAtPlanTime) {
  GraphDefData exit_only;
  exit_only.nodes.push_back(Scalar("x", 1));
  exit_only.nodes.push_back(N("Exit", "Exit", {"x"}, T()));
  Status a = PlanError(exit_only, "Exit:0");
  EXPECT_EQ(a.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(a.message().find("'Exit'"), std::string::npos) << a.ToString();
  EXPECT_NE(a.message().find("no Enter"), std::string::npos) << a.ToString();

  GraphDefData mixed;
  mixed.nodes.push_back(Scalar("x", 1));
  mixed.nodes.push_back(Enter("a", "x", "frame_a"));
  mixed.nodes.push_back(Enter("b", "x", "frame_b"));
  mixed.nodes.push_back(N("sum", "Add", {"a", "b"}, T()));
  mixed.nodes.push_back(N("out", "Exit", {"sum"}, T()));
  Status b = PlanError(mixed, "out:0");
  EXPECT_EQ(b.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(b.message().find("'sum'"), std::string::npos) << b.ToString();
  EXPECT_NE(b.message().find("mismatched control-flow frames"), std::string::npos) << b.ToString();
  EXPECT_NE(b.message().find("frame_a"), std::string::npos) << b.ToString();

  GraphDefData inside;
  inside.nodes.push_back(Scalar("x", 1));
  inside.nodes.push_back(Enter("e", "x", "f"));
  Status c = PlanError(inside, "e:0");
  EXPECT_NE(c.message().find("inside the while loop frame 'f'"), std::string::npos) << c.ToString();

  GraphDefData back;  // a NextIteration feeding something other than a Merge
  back.nodes.push_back(Scalar("x", 1));
  back.nodes.push_back(Enter("e", "x", "f"));
  back.nodes.push_back(N("add", "Add", {"e", "next"}, T()));
  back.nodes.push_back(N("next", "NextIteration", {"add"}, T()));
  back.nodes.push_back(N("exit", "Exit", {"add"}, T()));
  Status d = PlanError(back, "exit:0");
  EXPECT_NE(d.message().find("not a Merge"), std::string::npos) << d.ToString();

  GraphDefData cycle;  // a cycle without NextIteration is still a cycle
  cycle.nodes.push_back(Merge("m", {"x", "id"}));
  cycle.nodes.push_back(Scalar("x", 1));
  cycle.nodes.push_back(N("id", "Identity", {"m"}, T()));
  Status e = PlanError(cycle, "id:0");
  EXPECT_NE(e.message().find("cycle"), std::string::npos) << e.ToString();
}

}  // namespace
}  // namespace tfmodel
