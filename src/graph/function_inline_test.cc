// InlineFunctionCalls: nested calls become the bodies' nodes (named after the calls) and the
// inlined graph computes what the calls computed; a missing function and recursion are errors
// naming the call.
#include "src/graph/function_inline.h"

#include "src/graph/freeze_test_graphs.h"

namespace tfmodel {
namespace {

using namespace freeze_test;  // NOLINT

// outer(b) = inner(b) + b, inner(a) = a * a; the graph calls outer(x).
GraphDefData Nested() {
  GraphDefData g;
  g.nodes = {Input("x"), Call("call", "outer", {"x"}, {DataType::kFloat}, {DataType::kFloat})};
  g.functions.push_back(Fn("inner", {Arg("a")}, {Arg("y")}, {N("sq", "Mul", {"a", "a"}, FloatT())},
                           {{"y", "sq:z:0"}}));
  g.functions.push_back(
      Fn("outer", {Arg("b")}, {Arg("y")},
         {Call("c", "inner", {"b"}, {DataType::kFloat}, {DataType::kFloat}, "PartitionedCall"),
          N("add", "AddV2", {"c:output:0", "b"}, FloatT())},
         {{"y", "add:z:0"}}));
  return g;
}

TEST(FunctionInline, NestedCallsComputeTheSameValues) {
  GraphDefData g = Nested();
  auto r = InlineFunctionCalls(g);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->calls, 2);
  EXPECT_EQ(CountOps(g, "StatefulPartitionedCall") + CountOps(g, "PartitionedCall"), 0);
  bool inner_node = false;
  for (const NodeDefData& n : g.nodes) inner_node |= n.name == "call/c/sq" && n.op == "Mul";
  EXPECT_TRUE(inner_node) << "the inner body is named after both calls";
  ForwardInlinedOutputs(g, r->output_nodes);
  ASSERT_TRUE(PruneToNodes(g, {"call"}).ok());
  PruneLibrary(g);
  EXPECT_TRUE(g.functions.empty());
  // x * x + x
  auto y = RunGraph(g, Floats({3, -2, 0.5f}), "call:0");
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  EXPECT_EQ(y->flat<float>()[0], 12.0f);
  EXPECT_EQ(y->flat<float>()[1], 2.0f);
  EXPECT_EQ(y->flat<float>()[2], 0.75f);
}

TEST(FunctionInline, MissingFunctionNamesTheCall) {
  GraphDefData g = Nested();
  g.functions.erase(g.functions.begin());  // "inner"
  auto r = InlineFunctionCalls(g);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound) << r.status().ToString();
  EXPECT_NE(r.status().message().find("'inner', which is not in the library"), std::string::npos)
      << r.status().ToString();
  EXPECT_NE(r.status().message().find("call/c"), std::string::npos) << r.status().ToString();
}

TEST(FunctionInline, RecursionIsAnError) {
  GraphDefData g;
  g.nodes = {Input("x"), Call("call", "f", {"x"}, {DataType::kFloat}, {DataType::kFloat})};
  g.functions.push_back(
      Fn("f", {Arg("a")}, {Arg("y")},
         {Call("again", "f", {"a"}, {DataType::kFloat}, {DataType::kFloat})},
         {{"y", "again:output:0"}}));
  auto r = InlineFunctionCalls(g);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("recursive"), std::string::npos) << r.status().ToString();
}

}  // namespace
}  // namespace tfmodel
