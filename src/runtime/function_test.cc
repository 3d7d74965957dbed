// TF2 functions in a GraphSession: calls (nested, by op name, with attr placeholders), resource
// handles reaching the caller's variables, control returns, If/Case/While with TensorLists, and
// the errors: a missing function or op at load naming the function, node and op; recursion;
// dtype mismatches; run-time errors naming the function and node. Concurrent runs.
#include "src/runtime/function.h"

#include <gtest/gtest.h>

#include <thread>

#include "src/runtime/session.h"

namespace tfmodel {
namespace {

AttrValue Type(DataType t) {
  AttrValue v;
  v.kind = AttrValue::Kind::kType;
  v.type = t;
  return v;
}
AttrValue Types(std::vector<DataType> ts) {
  AttrValue v;
  v.kind = AttrValue::Kind::kList;
  v.list.type = std::move(ts);
  return v;
}
AttrValue Placeholder(std::string name) {
  AttrValue v;
  v.kind = AttrValue::Kind::kPlaceholder;
  v.s = std::move(name);
  return v;
}
AttrValue Func(std::string name, AttrMap attrs = {}) {
  AttrValue v;
  v.kind = AttrValue::Kind::kFunc;
  v.func.name = std::move(name);
  v.func.attrs = std::make_shared<AttrMap>(std::move(attrs));
  return v;
}
AttrValue Value(Tensor t) {
  AttrValue v;
  v.kind = AttrValue::Kind::kTensor;
  v.tensor = std::move(t);
  return v;
}
AttrValue Shape0() {
  AttrValue v;
  v.kind = AttrValue::Kind::kShape;
  return v;
}

NodeDefData N(std::string name, std::string op, std::vector<std::string> inputs,
              AttrMap attrs = {}) {
  return NodeDefData{std::move(name), std::move(op), std::move(inputs), "", std::move(attrs)};
}
NodeDefData Const(std::string name, Tensor t) {
  DataType d = t.dtype();
  return N(std::move(name), "Const", {}, {{"dtype", Type(d)}, {"value", Value(std::move(t))}});
}
NodeDefData Input(std::string name, DataType t = DataType::kFloat) {
  return N(std::move(name), "Placeholder", {}, {{"dtype", Type(t)}});
}
NodeDefData Call(std::string name, std::string f, std::vector<std::string> inputs,
                 std::vector<DataType> tin, std::vector<DataType> tout, AttrMap fattrs = {},
                 std::string op = "StatefulPartitionedCall") {
  return N(
      std::move(name), std::move(op), std::move(inputs),
      {{"f", Func(std::move(f), std::move(fattrs))}, {"Tin", Types(tin)}, {"Tout", Types(tout)}});
}

ArgDefData Arg(std::string name, DataType t) {
  return ArgDefData{.name = std::move(name), .type = t};
}
ArgDefData ArgAttr(std::string name, std::string type_attr) {
  return ArgDefData{.name = std::move(name), .type_attr = std::move(type_attr)};
}

FunctionDefData Fn(std::string name, std::vector<ArgDefData> in, std::vector<ArgDefData> out,
                   std::vector<NodeDefData> nodes, std::map<std::string, std::string> ret,
                   std::map<std::string, std::string> control_ret = {}) {
  FunctionDefData f;
  f.name = std::move(name);
  f.input_args = std::move(in);
  f.output_args = std::move(out);
  f.nodes = std::move(nodes);
  f.ret = std::move(ret);
  f.control_ret = std::move(control_ret);
  return f;
}

constexpr DataType kF = DataType::kFloat;
constexpr DataType kI = DataType::kInt32;

// scale(x: T, y: T) -> z = x * y, with T a placeholder.
FunctionDefData Scale() {
  return Fn("scale", {ArgAttr("x", "T"), ArgAttr("y", "T")}, {ArgAttr("z", "T")},
            {N("mul", "Mul", {"x", "y"}, {{"T", Placeholder("T")}})}, {{"z", "mul:z:0"}});
}

// outer(a) -> (scale(a, 3) via a call node, scale(a, a) via a node whose op is the function).
FunctionDefData Outer() {
  return Fn("outer", {Arg("a", kF)}, {Arg("p", kF), Arg("q", kF)},
            {Const("three", Tensor::Scalar(3.0f)),
             Call("call", "scale", {"a", "three:output:0"}, {kF, kF}, {kF}, {{"T", Type(kF)}},
                  "PartitionedCall"),
             N("direct", "scale", {"a", "a"}, {{"T", Type(kF)}})},
            {{"p", "call:output:0"}, {"q", "direct:z:0"}});
}

Result<std::unique_ptr<GraphSession>> Make(GraphDefData def, const SessionOptions& options = {}) {
  GraphIR g;
  TFM_RETURN_IF_ERROR(g.Import(def));
  return GraphSession::Create(std::move(g), nullptr, options);
}

float Scalar(const Tensor& t) { return t.flat<float>()[0]; }

TEST(Functions, NestedCallsByNodeAndByOpNameWithAttrPlaceholders) {
  GraphDefData g;
  g.functions = {Scale(), Outer()};
  g.nodes = {Input("a"), Call("top", "outer", {"a"}, {kF}, {kF, kF})};
  auto s = Make(g);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::vector<Tensor> out;
  ASSERT_TRUE((*s)->Run({{"a", Tensor::Scalar(2.0f)}}, {"top:0", "top:1"}, {}, &out).ok());
  EXPECT_EQ(Scalar(out[0]), 6.0f);
  EXPECT_EQ(Scalar(out[1]), 4.0f);
}

TEST(Functions, InstantiatedOncePerNameAndAttrs) {
  FunctionLibrary lib({Scale()});
  auto a = lib.Instantiate("scale", {{"T", Type(kF)}});
  auto b = lib.Instantiate("scale", {{"T", Type(kF)}});
  auto c = lib.Instantiate("scale", {{"T", Type(kI)}});
  ASSERT_TRUE(a.ok() && b.ok() && c.ok()) << a.status().ToString();
  EXPECT_EQ(a->get(), b->get());
  EXPECT_NE(a->get(), c->get());
  EXPECT_EQ((*c)->ret_types(), std::vector<DataType>{kI});
  auto missing = lib.Instantiate("scale", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("type attr 'T', which the instantiation does not set"),
            std::string::npos)
      << missing.status().ToString();
}

// bump(h) adds 1 to the variable behind handle h (a control return, off the data path) and
// returns a constant; read(h) returns the variable.
GraphDefData VariableGraph() {
  GraphDefData g;
  g.functions = {
      Fn("bump", {Arg("h", DataType::kResource)}, {Arg("done", kF)},
         {Const("one", Tensor::Scalar(1.0f)),
          N("add", "AssignAddVariableOp", {"h", "one:output:0"}, {{"dtype", Type(kF)}}),
          Const("zero", Tensor::Scalar(0.0f))},
         {{"done", "zero:output:0"}}, {{"add", "add"}}),
      Fn("read", {Arg("h", DataType::kResource)}, {Arg("v", kF)},
         {N("r", "ReadVariableOp", {"h"}, {{"dtype", Type(kF)}})}, {{"v", "r:value:0"}})};
  g.nodes = {N("v", "VarHandleOp", {}, {{"dtype", Type(kF)}, {"shape", Shape0()}}),
             Const("init_value", Tensor::Scalar(10.0f)),
             N("init", "AssignVariableOp", {"v", "init_value"}, {{"dtype", Type(kF)}}),
             Call("bump", "bump", {"v"}, {DataType::kResource}, {kF}),
             Call("read", "read", {"v"}, {DataType::kResource}, {kF})};
  return g;
}

TEST(Functions, ResourceHandlesReachTheCallersVariables) {
  auto s = Make(VariableGraph());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::vector<Tensor> out;
  ASSERT_TRUE((*s)->Run({}, {}, {"init"}, &out).ok());
  ASSERT_TRUE((*s)->Run({}, {"bump:0"}, {}, &out).ok());
  ASSERT_TRUE((*s)->Run({}, {"bump:0"}, {}, &out).ok());
  ASSERT_TRUE((*s)->Run({}, {"read:0"}, {}, &out).ok());
  EXPECT_EQ(Scalar(out[0]), 12.0f);  // the control return ran each time
  auto var = (*s)->resources().Lookup("/v");
  ASSERT_TRUE(var);
  EXPECT_EQ(Scalar(var->Read().value()), 12.0f);
}

TEST(Functions, ConcurrentRunsShareBodiesAndVariables) {
  auto s = Make(VariableGraph(), {.num_threads = 4});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::vector<Tensor> out;
  ASSERT_TRUE((*s)->Run({}, {}, {"init"}, &out).ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      std::vector<Tensor> o;
      for (int i = 0; i < 50; ++i) EXPECT_TRUE((*s)->Run({}, {"bump:0", "read:0"}, {}, &o).ok());
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE((*s)->Run({}, {"read:0"}, {}, &out).ok());
  EXPECT_EQ(Scalar(out[0]), 10.0f + 8 * 50);
}

TEST(Functions, AMissingFunctionIsReportedAtLoadNamingNodeAndFunction) {
  GraphDefData g;
  g.functions = {Fn("outer", {Arg("a", kF)}, {Arg("b", kF)},
                    {Call("inner_call", "nope", {"a"}, {kF}, {kF})},
                    {{"b", "inner_call:output:0"}})};
  g.nodes = {Input("a"), Call("top", "outer", {"a"}, {kF}, {kF})};
  auto s = Make(g);
  ASSERT_FALSE(s.ok());
  const std::string m = s.status().message();
  for (const char* want : {"'top'", "function 'outer'", "'inner_call'", "function 'nope'"}) {
    EXPECT_NE(m.find(want), std::string::npos) << want << " in " << m;
  }
  EXPECT_EQ(s.status().code(), StatusCode::kNotFound);
}

TEST(Functions, AnOpWithoutAKernelIsReportedAtLoadNamingFunctionNodeAndOp) {
  GraphDefData g;
  g.functions = {Fn("f", {Arg("a", kF)}, {Arg("b", kF)}, {N("weird", "FrobnicateV7", {"a"})},
                    {{"b", "weird:y:0"}})};
  g.nodes = {Input("a"), Call("top", "f", {"a"}, {kF}, {kF})};
  auto s = Make(g);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnimplemented);
  const std::string m = s.status().message();
  for (const char* want : {"function 'f'", "node 'weird'", "op 'FrobnicateV7'"}) {
    EXPECT_NE(m.find(want), std::string::npos) << want << " in " << m;
  }
}

TEST(Functions, RecursionIsRejected) {
  GraphDefData g;
  g.functions = {Fn("f", {Arg("a", kF)}, {Arg("b", kF)}, {Call("c", "g", {"a"}, {kF}, {kF})},
                    {{"b", "c:output:0"}}),
                 Fn("g", {Arg("a", kF)}, {Arg("b", kF)}, {N("c", "f", {"a"})}, {{"b", "c:b:0"}})};
  g.nodes = {Input("a"), Call("top", "f", {"a"}, {kF}, {kF})};
  auto s = Make(g);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("calls itself (f -> g -> f)"), std::string::npos)
      << s.status().ToString();
}

TEST(Functions, NestingDepthIsBounded) {
  GraphDefData g;
  for (int i = 0; i < 2000; ++i) {  // f0 -> f1 -> ... -> f1999
    std::vector<NodeDefData> nodes;
    if (i + 1 < 2000) {
      nodes.push_back(Call("c", "f" + std::to_string(i + 1), {"a"}, {kF}, {kF}));
    } else {
      nodes.push_back(N("c", "Identity", {"a"}, {{"T", Type(kF)}}));
    }
    g.functions.push_back(Fn("f" + std::to_string(i), {Arg("a", kF)}, {Arg("b", kF)},
                             std::move(nodes), {{"b", "c:output:0"}}));
  }
  g.nodes = {Input("a"), Call("top", "f0", {"a"}, {kF}, {kF})};
  auto s = Make(g);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("nested more than 100 calls deep"), std::string::npos)
      << s.status().message().substr(0, 300);
}

TEST(Functions, DtypeMismatchesAreLoadErrors) {
  GraphDefData g;
  g.functions = {Scale()};
  g.nodes = {Input("a", kI), Input("b", kI),
             Call("top", "scale", {"a", "b"}, {kI, kI}, {kI}, {{"T", Type(kF)}})};
  auto s = Make(g);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("input 0 is int32, but function 'scale' takes float32"),
            std::string::npos)
      << s.status().ToString();
}

TEST(Functions, RunTimeErrorsNameTheFunctionAndNode) {
  GraphDefData g;
  std::vector<int32_t> idx{5};
  g.functions = {
      Fn("pick", {Arg("x", kF)}, {Arg("y", kF)},
         {Const("i", Tensor::FromVector<int32_t>(idx, Shape{1})), Const("axis", Tensor::Scalar(0)),
          N("gather", "GatherV2", {"x", "i:output:0", "axis:output:0"},
            {{"Tparams", Type(kF)}, {"Tindices", Type(kI)}, {"Taxis", Type(kI)}})},
         {{"y", "gather:output:0"}})};
  g.nodes = {Input("x"), Call("top", "pick", {"x"}, {kF}, {kF})};
  auto s = Make(g);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::vector<float> two{1, 2};
  std::vector<Tensor> out;
  Status r = (*s)->Run({{"x", Tensor::FromVector<float>(two, Shape{2})}}, {"top:0"}, {}, &out);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("node 'top': function 'pick': node 'gather'"), std::string::npos)
      << r.ToString();
}

// ---- Control flow -------------------------------------------------------------------------------

TEST(ControlFlow, IfAndCaseRunTheChosenBranch) {
  GraphDefData g;
  auto unary = [](std::string name, std::string op) {
    return Fn(name, {Arg("x", kF)}, {Arg("y", kF)}, {N("op", op, {"x"}, {{"T", Type(kF)}})},
              {{"y", "op:y:0"}});
  };
  g.functions = {unary("neg", "Neg"), unary("square", "Square"), unary("exp", "Exp")};
  g.nodes = {Input("p", DataType::kBool), Input("k", kI), Input("x"),
             N("if", "StatelessIf", {"p", "x"},
               {{"Tcond", Type(DataType::kBool)},
                {"Tin", Types({kF})},
                {"Tout", Types({kF})},
                {"then_branch", Func("neg")},
                {"else_branch", Func("square")}}),
             N("case", "Case", {"k", "x"}, {{"Tin", Types({kF})}, {"Tout", Types({kF})}})};
  AttrValue branches;
  branches.kind = AttrValue::Kind::kList;
  for (const char* b : {"neg", "square", "exp"}) branches.list.func.push_back(Func(b).func);
  g.nodes.back().attrs["branches"] = branches;
  auto s = Make(g);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::vector<Tensor> out;
  auto run = [&](bool p, int k) {
    EXPECT_TRUE(
        (*s)->Run({{"p", Tensor::Scalar(p)}, {"k", Tensor::Scalar(k)}, {"x", Tensor::Scalar(3.0f)}},
                  {"if:0", "case:0"}, {}, &out)
            .ok());
    return std::pair(Scalar(out[0]), Scalar(out[1]));
  };
  EXPECT_EQ(run(true, 0), std::pair(-3.0f, -3.0f));
  EXPECT_EQ(run(false, 1), std::pair(9.0f, 9.0f));
  EXPECT_EQ(run(false, 7).second, std::exp(3.0f));  // out of range: the last branch
  EXPECT_EQ(run(false, -1).second, std::exp(3.0f));
}

// while (i < n) { acc = acc.SetItem(i, x * i); x = x + 1; i = i + 1 }, then Stack(acc).
GraphDefData WhileGraph() {
  GraphDefData g;
  const DataType kV = DataType::kVariant;
  std::vector<int32_t> shape{2};
  g.functions = {
      Fn("cond", {Arg("i", kI), Arg("n", kI), Arg("x", kF), Arg("acc", kV)},
         {Arg("go", DataType::kBool)}, {N("less", "Less", {"i", "n"}, {{"T", Type(kI)}})},
         {{"go", "less:z:0"}}),
      Fn("body", {Arg("i", kI), Arg("n", kI), Arg("x", kF), Arg("acc", kV)},
         {Arg("i2", kI), Arg("n2", kI), Arg("x2", kF), Arg("acc2", kV)},
         {Const("one_i", Tensor::Scalar(1)), Const("one_f", Tensor::Scalar(1.0f)),
          N("fi", "Cast", {"i"}, {{"SrcT", Type(kI)}, {"DstT", Type(kF)}}),
          N("xi", "Mul", {"x", "fi:y:0"}, {{"T", Type(kF)}}),
          N("set", "TensorListSetItem", {"acc", "i", "xi:z:0"}, {{"element_dtype", Type(kF)}}),
          N("x_next", "AddV2", {"x", "one_f:output:0"}, {{"T", Type(kF)}}),
          N("i_next", "AddV2", {"i", "one_i:output:0"}, {{"T", Type(kI)}})},
         {{"i2", "i_next:z:0"},
          {"n2", "n"},
          {"x2", "x_next:z:0"},
          {"acc2", "set:output_handle:0"}})};
  g.nodes = {Input("n", kI),
             Input("x"),
             Const("zero", Tensor::Scalar(0)),
             Const("shape", Tensor::FromVector<int32_t>(shape, Shape{1})),
             N("reserve", "TensorListReserve", {"shape", "n"},
               {{"element_dtype", Type(kF)}, {"shape_type", Type(kI)}}),
             N("loop", "StatelessWhile", {"zero", "n", "x", "reserve"},
               {{"T", Types({kI, kI, kF, kV})}, {"cond", Func("cond")}, {"body", Func("body")}}),
             N("stack", "TensorListStack", {"loop:3", "shape"}, {{"element_dtype", Type(kF)}}),
             N("length", "TensorListLength", {"loop:3"})};
  return g;
}

TEST(ControlFlow, WhileLoopFillsATensorList) {
  auto s = Make(WhileGraph());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::vector<float> x{1, 2};
  std::vector<Tensor> out;
  ASSERT_TRUE((*s)->Run({{"n", Tensor::Scalar(3)}, {"x", Tensor::FromVector<float>(x, Shape{2})}},
                        {"loop:0", "loop:2", "stack:0", "length:0"}, {}, &out)
                  .ok());
  EXPECT_EQ(out[0].flat<int32_t>()[0], 3);
  EXPECT_EQ(out[1].flat<float>()[0], 4.0f);  // x + 3
  ASSERT_EQ(out[2].shape(), (Shape{3, 2}));
  // Rows: x*0, (x+1)*1, (x+2)*2.
  std::vector<float> want{0, 0, 2, 3, 6, 8};
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(out[2].flat<float>()[i], want[i]) << i;
  EXPECT_EQ(out[3].flat<int32_t>()[0], 3);
  // Zero iterations: the list stays unset and stacks to an empty [0, 2].
  ASSERT_TRUE((*s)->Run({{"n", Tensor::Scalar(0)}, {"x", Tensor::FromVector<float>(x, Shape{2})}},
                        {"stack:0"}, {}, &out)
                  .ok());
  EXPECT_EQ(out[0].shape(), (Shape{0, 2}));
}

TEST(ControlFlow, TensorListErrorsAreErrors) {
  auto s = Make(WhileGraph());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::vector<float> x{1, 2, 3};  // the list's elements are [2]: SetItem must refuse [3]
  std::vector<Tensor> out;
  Status r = (*s)->Run({{"n", Tensor::Scalar(2)}, {"x", Tensor::FromVector<float>(x, Shape{3})}},
                       {"stack:0"}, {}, &out);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("does not fit the list's element shape"), std::string::npos)
      << r.ToString();
  r = (*s)->Run({{"n", Tensor::Scalar(-1)}, {"x", Tensor::FromVector<float>(x, Shape{3})}},
                {"stack:0"}, {}, &out);
  EXPECT_FALSE(r.ok());
}

TEST(ControlFlow, TruthValues) {
  EXPECT_TRUE(TensorIsTrue(Tensor::Scalar(2.5f)));
  EXPECT_FALSE(TensorIsTrue(Tensor::Scalar(0)));
  EXPECT_FALSE(TensorIsTrue(Tensor::Strings({""}).Reshaped(Shape{}).value()));
  std::vector<int32_t> zeros{0, 0};
  EXPECT_TRUE(
      TensorIsTrue(Tensor::FromVector<int32_t>(zeros, Shape{2})));  // non-scalar: has elements
  EXPECT_FALSE(TensorIsTrue(Tensor::Allocate(kF, Shape{0}).value()));
}

}  // namespace
}  // namespace tfmodel
