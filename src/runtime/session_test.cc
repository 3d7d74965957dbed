// GraphSession: planning at load, pruning, feeds, control dependencies, variables, errors.
#include "src/runtime/session.h"

#include <gtest/gtest.h>

namespace tfmodel {
namespace {

AttrValue DimsAttr(std::vector<int64_t> dims) { return ShapeAttr(PartialShape{false, std::move(dims)}); }
NodeDefData N(std::string name, std::string op, std::vector<std::string> inputs, AttrMap attrs = {}) {
  return NodeDefData{std::move(name), std::move(op), std::move(inputs), "", std::move(attrs)};
}

// x (placeholder [?]) ; v = VariableV2 float [2]; init = Assign(v, c); read = Identity(v);
// out = IdentityN(x, read); counter: AssignAdd(v, c) with a control edge to `bump`.
GraphDefData TestGraph() {
  GraphDefData g;
  std::vector<float> two{1.5f, -2.0f};
  g.nodes.push_back(N("x", "Placeholder", {}, {{"dtype", TypeAttr(DataType::kFloat)}, {"shape", DimsAttr({-1})}}));
  g.nodes.push_back(N("c", "Const", {}, {{"dtype", TypeAttr(DataType::kFloat)},
                                          {"value", TensorAttr(Tensor::FromVector<float>(two, Shape({2})))}}));
  g.nodes.push_back(N("v", "VariableV2", {}, {{"dtype", TypeAttr(DataType::kFloat)}, {"shape", DimsAttr({2})}}));
  g.nodes.push_back(N("init", "Assign", {"v", "c"}, {{"T", TypeAttr(DataType::kFloat)}}));
  g.nodes.push_back(N("read", "Identity", {"v"}, {{"T", TypeAttr(DataType::kFloat)}}));
  g.nodes.push_back(N("add", "AssignAdd", {"v", "c"}, {{"T", TypeAttr(DataType::kFloat)}}));
  g.nodes.push_back(N("bump", "NoOp", {"^add"}));
  g.nodes.push_back(N("both", "IdentityN", {"x", "read"}));
  return g;
}

std::unique_ptr<GraphSession> Make(const GraphDefData& def) {
  GraphIR g;
  EXPECT_TRUE(g.Import(def).ok());
  auto s = GraphSession::Create(std::move(g));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

TEST(GraphSession, RunsOnlyWhatFetchesNeed) {
  auto s = Make(TestGraph());
  std::vector<Tensor> out;
  // Fetching c needs neither the placeholder nor the variable.
  ASSERT_TRUE(s->Run({}, {"c:0"}, {}, &out).ok());
  EXPECT_EQ(out[0].flat<float>()[1], -2.0f);
  // Reading the variable before init: FailedPrecondition naming it.
  Status st = s->Run({}, {"read:0"}, {}, &out);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition) << st.ToString();
  EXPECT_NE(st.message().find("uninitialized value v"), std::string::npos) << st.ToString();
}

TEST(GraphSession, VariablesAssignAndControlDependencies) {
  auto s = Make(TestGraph());
  std::vector<Tensor> out;
  ASSERT_TRUE(s->Run({}, {}, {"init"}, &out).ok());
  ASSERT_TRUE(s->Run({}, {}, {"bump"}, &out).ok());  // runs `add` through the control edge
  ASSERT_TRUE(s->Run({}, {"read:0"}, {}, &out).ok());
  EXPECT_EQ(out[0].flat<float>()[0], 3.0f);
  EXPECT_EQ(out[0].flat<float>()[1], -4.0f);
}

TEST(GraphSession, FeedsAreCheckedByDtypeAndShape) {
  auto s = Make(TestGraph());
  std::vector<Tensor> out;
  Status missing = s->Run({}, {"both:0"}, {}, &out);
  EXPECT_EQ(missing.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.message().find("placeholder tensor 'x'"), std::string::npos) << missing.ToString();
  std::vector<int32_t> ints{1, 2};
  Status dtype = s->Run({{"x:0", Tensor::FromVector<int32_t>(ints, Shape({2}))}}, {"both:0"}, {}, &out);
  EXPECT_NE(dtype.message().find("'x:0' is fed a int32"), std::string::npos) << dtype.ToString();
  std::vector<float> m{1, 2, 3, 4};
  Status shape = s->Run({{"x", Tensor::FromVector<float>(m, Shape({2, 2}))}}, {"both:0"}, {}, &out);
  EXPECT_NE(shape.message().find("placeholder 'x' has shape (-1)"), std::string::npos) << shape.ToString();
  ASSERT_TRUE(s->Run({}, {}, {"init"}, &out).ok());
  Status ok = s->Run({{"x", Tensor::FromVector<float>(m, Shape({4}))}}, {"both:0"}, {}, &out);
  EXPECT_TRUE(ok.ok()) << ok.ToString();
  EXPECT_EQ(out[0].flat<float>()[3], 4.0f);
  Status unknown = s->Run({}, {"nope:0"}, {}, &out);
  EXPECT_EQ(unknown.code(), StatusCode::kNotFound);
  Status bad_index = s->Run({}, {"c:3"}, {}, &out);
  EXPECT_EQ(bad_index.code(), StatusCode::kInvalidArgument);
}

TEST(GraphSession, LoadTimeErrorsNameTheNode) {
  GraphDefData unknown = TestGraph();
  unknown.nodes.push_back(N("weird", "FrobnicateV7", {"x"}));
  GraphIR g;
  ASSERT_TRUE(g.Import(unknown).ok());
  auto s = GraphSession::Create(std::move(g));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(s.status().message().find("'weird'"), std::string::npos);
  EXPECT_NE(s.status().message().find("FrobnicateV7"), std::string::npos);

  GraphDefData cycle;
  cycle.nodes.push_back(N("a", "Identity", {"b"}));
  cycle.nodes.push_back(N("b", "Identity", {"a"}));
  GraphIR gc;
  ASSERT_TRUE(gc.Import(cycle).ok());
  auto sc = GraphSession::Create(std::move(gc));
  ASSERT_FALSE(sc.ok());
  EXPECT_NE(sc.status().message().find("cycle"), std::string::npos);

  GraphDefData dangling;
  dangling.nodes.push_back(N("a", "Identity", {"missing:0"}));
  GraphIR gd;
  Status st = gd.Import(dangling);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("missing:0"), std::string::npos);
}

TEST(GraphIR, ImportWithPrefixAndInputMap) {
  GraphIR g;
  ASSERT_TRUE(g.Import(TestGraph(), {.prefix = "import"}).ok());
  EXPECT_GE(g.Find("import/read"), 0);
  EXPECT_EQ(g.Find("read"), -1);
  // A second copy whose placeholder is replaced by the first copy's constant.
  GraphIR::ImportOptions o{.prefix = "second", .input_map = {{"x:0", "import/c:0"}}};
  ASSERT_TRUE(g.Import(TestGraph(), o).ok());
  const Node& both = g.node(g.Find("second/both"));
  EXPECT_EQ(g.node(both.inputs[0].node).name, "import/c");
  GraphIR::ImportOptions bad{.prefix = "third", .input_map = {{"nothere:0", "import/c:0"}}};
  EXPECT_FALSE(g.Import(TestGraph(), bad).ok());
  EXPECT_EQ(ParseTensorName("a:1").value().second, 1);
  EXPECT_EQ(ParseTensorName("^a").value().second, -1);
  EXPECT_FALSE(ParseTensorName("a:x").ok());
}

}  // namespace
}  // namespace tfmodel
