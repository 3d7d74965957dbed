// TF2 functions in a GraphSession: calls (nested, by op name, with attr placeholders), resource
// handles reaching the caller's variables, control returns, If/Case/While with TensorLists, and
// the errors: a missing function or op at load naming the function, node and op; recursion;
// dtype mismatches; run-time errors naming the function and node. Concurrent runs. Element-wise
// chains fused into Conv2D, depthwise and MatMul epilogues: bit for bit the unfused results.
#include "src/runtime/function.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
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
constexpr DataType kD = DataType::kDouble;

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

// ---- Element-wise chains fused into a convolution's or a MatMul's epilogue ----------------------
//
// Each body is run twice: as is (the planner fuses the chain after the producer) and with the
// producer's output also returned (two readers: nothing is fused). The fused result must be the
// unfused one bit for bit, and both must be the producer's output put through the ops one at a
// time in plain float loops here, with numpy broadcasting.

NodeDefData Conv(std::string name, std::string x, std::string f, std::string padding,
                 DataType t = kF, std::string op = "Conv2D") {
  return N(
      std::move(name), std::move(op), {std::move(x), std::move(f)},
      {{"T", Type(t)}, {"strides", IntListAttr({1, 1, 1, 1})}, {"padding", StringAttr(padding)}});
}
NodeDefData Binary(std::string name, std::string op, std::string x, std::string y,
                   DataType t = kF) {
  return N(std::move(name), std::move(op), {std::move(x), std::move(y)}, {{"T", Type(t)}});
}
NodeDefData Unary(std::string name, std::string op, std::string x, DataType t = kF) {
  return N(std::move(name), std::move(op), {std::move(x)}, {{"T", Type(t)}});
}

template <typename T>
Tensor Random(Shape shape, unsigned seed, double lo = -1, double hi = 1) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<T> v(shape.NumElements());
  for (T& x : v) x = static_cast<T>(u(rng));
  return Tensor::FromVector<T>(v, std::move(shape));
}
template <typename T>
Tensor WithValues(Tensor t, std::vector<std::pair<int64_t, T>> values) {
  std::vector<T> v(t.flat<T>().begin(), t.flat<T>().end());
  for (auto [i, x] : values) v[i] = x;
  return Tensor::FromVector<T>(v, t.shape());
}

struct FuseRun {
  std::vector<std::pair<std::string, Tensor>> args;
  std::vector<NodeDefData> nodes;
  std::string result;              // "node:out:0" returned as y
  std::string producer;            // returned as well by the unfused variant
  std::vector<std::string> extra;  // returned by both variants, after y (and the producer)
  DataType type = kF;
  int threads = 1;
};

// Runs the body with (unfused) or without the producer among the returned tensors: outputs y,
// [producer], extra...
Result<std::vector<Tensor>> RunBody(const FuseRun& r, bool unfused) {
  std::vector<ArgDefData> in;
  std::vector<DataType> tin;
  GraphDefData g;
  std::vector<std::string> inputs;
  std::vector<std::pair<std::string, Tensor>> feeds;
  for (const auto& [name, t] : r.args) {
    in.push_back(Arg(name, t.dtype()));
    tin.push_back(t.dtype());
    g.nodes.push_back(Input("in_" + name, t.dtype()));
    inputs.push_back("in_" + name);
    feeds.emplace_back("in_" + name, t);
  }
  std::vector<ArgDefData> out{Arg("y", r.type)};
  std::map<std::string, std::string> ret{{"y", r.result}};
  if (unfused) {
    out.push_back(Arg("producer", r.type));
    ret["producer"] = r.producer;
  }
  for (size_t i = 0; i < r.extra.size(); ++i) {
    out.push_back(Arg("extra" + std::to_string(i), r.type));
    ret["extra" + std::to_string(i)] = r.extra[i];
  }
  std::vector<DataType> tout;
  std::vector<std::string> fetch;
  for (const ArgDefData& a : out) {
    fetch.push_back("top:" + std::to_string(tout.size()));
    tout.push_back(a.type);
  }
  g.functions = {Fn("f", in, out, r.nodes, ret)};
  g.nodes.push_back(Call("top", "f", inputs, tin, tout));
  SessionOptions options;
  options.num_threads = r.threads;
  options.schedule = SessionOptions::Schedule::kSequential;
  TFM_ASSIGN_OR_RETURN(auto s, Make(g, options));
  std::vector<Tensor> got;
  TFM_RETURN_IF_ERROR(s->Run(feeds, fetch, {}, &got));
  return got;
}

// The operand of element `i` of `out` for an operand of shape `s` (numpy broadcasting).
int64_t BroadcastIndex(const Shape& s, const Shape& out, int64_t i) {
  int64_t index = 0, scale = 1;
  for (int d = out.rank() - 1, e = s.rank() - 1; d >= 0; --d, --e) {
    const int64_t coord = i % out.dim(d);
    i /= out.dim(d);
    if (e < 0) continue;
    if (s.dim(e) != 1) index += coord * scale;
    scale *= s.dim(e);
  }
  return index;
}

// `x` through `ops` (op name, operand; the operand unset for Relu and Relu6), one at a time.
template <typename T>
std::vector<T> ApplyOps(const Tensor& x, const std::vector<std::pair<std::string, Tensor>>& ops) {
  std::vector<T> v(x.flat<T>().begin(), x.flat<T>().end());
  for (const auto& [op, operand] : ops) {
    for (int64_t i = 0; i < static_cast<int64_t>(v.size()); ++i) {
      T& e = v[i];
      if (op == "Relu") {
        e = e < T(0) ? T(0) : e;
      } else if (op == "Relu6") {
        e = e < T(0) ? T(0) : (T(6) < e ? T(6) : e);
      } else {
        const T w = operand.template flat<T>()[BroadcastIndex(operand.shape(), x.shape(), i)];
        e = op == "Mul" ? e * w : e + w;
      }
    }
  }
  return v;
}

template <typename T>
bool Same(T a, T b) {  // bit for bit; NaNs equal whatever their payloads
  if (std::isnan(a) && std::isnan(b)) return true;
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

// Counts the elements of `got` that differ from `want` (ADD_FAILURE for the first few).
template <typename T>
int64_t Mismatches(const Tensor& got, const std::vector<T>& want, const std::string& what) {
  EXPECT_EQ(got.NumElements(), static_cast<int64_t>(want.size())) << what;
  if (got.NumElements() != static_cast<int64_t>(want.size())) return 1;
  int64_t bad = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    if (Same(got.flat<T>()[i], want[i])) continue;
    if (++bad <= 3)
      ADD_FAILURE() << what << " at " << i << ": " << got.flat<T>()[i] << " vs " << want[i];
  }
  return bad;
}

// Runs `r` fused and unfused; checks the fused y, the unfused y and the extras against `ops`
// applied to the unfused producer's output. Returns the unfused outputs.
template <typename T = float>
std::vector<Tensor> ExpectFusedMatchesUnfused(
    const FuseRun& r, const std::vector<std::pair<std::string, Tensor>>& ops,
    const std::vector<std::vector<std::pair<std::string, Tensor>>>& extra_ops = {}) {
  auto fused = RunBody(r, /*unfused=*/false);
  auto plain = RunBody(r, /*unfused=*/true);
  EXPECT_TRUE(fused.ok()) << fused.status().ToString();
  EXPECT_TRUE(plain.ok()) << plain.status().ToString();
  if (!fused.ok() || !plain.ok()) return {};
  const Tensor& producer = (*plain)[1];
  const std::vector<T> want = ApplyOps<T>(producer, ops);
  EXPECT_EQ(Mismatches((*fused)[0], want, "fused y"), 0);
  EXPECT_EQ(Mismatches((*plain)[0], want, "unfused y"), 0);
  for (size_t i = 0; i < extra_ops.size(); ++i) {
    const std::vector<T> w = ApplyOps<T>(producer, extra_ops[i]);
    EXPECT_EQ(Mismatches((*fused)[1 + i], w, "fused extra " + std::to_string(i)), 0);
    EXPECT_EQ(Mismatches((*plain)[2 + i], w, "unfused extra " + std::to_string(i)), 0);
  }
  return *plain;
}

// NHWC convolution (stride 1, SAME or VALID) in double, for the producer's own values.
double ConvAt(const Tensor& x, const Tensor& f, bool same, int64_t b, int64_t oy, int64_t ox,
              int64_t o, bool depthwise) {
  const int64_t h = x.shape().dim(1), w = x.shape().dim(2), ch = x.shape().dim(3);
  const int64_t kh = f.shape().dim(0), kw = f.shape().dim(1);
  const int64_t py = same ? (kh - 1) / 2 : 0, px = same ? (kw - 1) / 2 : 0;
  double sum = 0;
  for (int64_t ky = 0; ky < kh; ++ky) {
    for (int64_t kx = 0; kx < kw; ++kx) {
      const int64_t iy = oy + ky - py, ix = ox + kx - px;
      if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
      for (int64_t c = depthwise ? o : 0; c < (depthwise ? o + 1 : ch); ++c) {
        const double xv = x.flat<float>()[((b * h + iy) * w + ix) * ch + c];
        const double fv = depthwise
                              ? f.flat<float>()[(ky * kw + kx) * ch + c]
                              : f.flat<float>()[((ky * kw + kx) * ch + c) * f.shape().dim(3) + o];
        sum += xv * fv;
      }
    }
  }
  return sum;
}
void ExpectConvNear(const Tensor& y, const Tensor& x, const Tensor& f, bool same,
                    bool depthwise = false) {
  const int64_t kh = f.shape().dim(0), kw = f.shape().dim(1), ch = x.shape().dim(3);
  ASSERT_EQ(y.shape(),
            (Shape{x.shape().dim(0), x.shape().dim(1) - (same ? 0 : kh - 1),
                   x.shape().dim(2) - (same ? 0 : kw - 1), depthwise ? ch : f.shape().dim(3)}));
  const int64_t oh = y.shape().dim(1), ow = y.shape().dim(2), oc = y.shape().dim(3);
  const int64_t taps = kh * kw * (depthwise ? 1 : ch);
  int64_t bad = 0;
  for (int64_t i = 0; i < y.NumElements() && bad < 3; ++i) {
    const int64_t o = i % oc, ox = i / oc % ow, oy = i / oc / ow % oh, b = i / oc / ow / oh;
    const double want = ConvAt(x, f, same, b, oy, ox, o, depthwise);
    const float got = y.flat<float>()[i];
    if (std::isnan(want) ? std::isnan(got) : std::abs(got - want) <= 1e-5 * taps) continue;
    ++bad;
    ADD_FAILURE() << "convolution at " << i << ": " << got << " vs " << want;
  }
}

// Conv2D -> BiasAdd -> Mul(scale) -> AddV2(shift) -> Relu6, scale and shift a batch norm's,
// computed in the body from its arguments. A NaN input pixel spreads to its neighbours: Relu6
// passes NaN.
void CheckConvBatchNorm(Shape x_shape, Shape f_shape, const std::string& padding, int threads) {
  const int64_t oc = f_shape.dim(3);
  FuseRun r;
  Tensor x = WithValues<float>(Random<float>(x_shape, 1, -2, 2), {{37, std::nanf("")}});
  Tensor f = Random<float>(f_shape, 2);
  r.args = {{"x", x},
            {"f", f},
            {"bias", Random<float>(Shape{oc}, 3)},
            {"gamma", Random<float>(Shape{oc}, 4, 0.5, 4)},
            {"beta", Random<float>(Shape{oc}, 5, -1, 6)},
            {"mean", Random<float>(Shape{oc}, 6)},
            {"var", Random<float>(Shape{oc}, 7, 0.1, 2)}};
  r.nodes = {Const("eps", Tensor::Scalar(1e-3f)),
             Binary("var_eps", "AddV2", "var", "eps:output:0"),
             Unary("inv", "Rsqrt", "var_eps:z:0"),
             Binary("scale", "Mul", "gamma", "inv:y:0"),
             Binary("mean_scale", "Mul", "mean", "scale:z:0"),
             Binary("shift", "Sub", "beta", "mean_scale:z:0"),
             Conv("conv", "x", "f", padding),
             N("bias_add", "BiasAdd", {"conv:output:0", "bias"},
               {{"T", Type(kF)}, {"data_format", StringAttr("NHWC")}}),
             Binary("mul", "Mul", "bias_add:output:0", "scale:z:0"),
             Binary("add", "AddV2", "mul:z:0", "shift:z:0"),
             Unary("relu6", "Relu6", "add:z:0")};
  r.result = "relu6:activations:0";
  r.producer = "conv:output:0";
  r.extra = {"scale:z:0", "shift:z:0"};
  r.threads = threads;
  auto fused = RunBody(r, false);
  ASSERT_TRUE(fused.ok()) << fused.status().ToString();
  const Tensor scale = (*fused)[1], shift = (*fused)[2];
  std::vector<Tensor> plain = ExpectFusedMatchesUnfused(
      r, {{"Add", r.args[2].second}, {"Mul", scale}, {"Add", shift}, {"Relu6", Tensor()}});
  ASSERT_EQ(plain.size(), 4u);
  ExpectConvNear(plain[1], x, f, padding == "SAME");
}

TEST(Fusion, ConvBiasAddBatchNormRelu6IsBitForBitTheUnfusedResult) {
  // im2col over several tiles of 1024 rows, 16 channels (full 6 x 16 tiles)
  CheckConvBatchNorm(Shape{2, 30, 30, 3}, Shape{3, 3, 3, 16}, "SAME", 1);
  // 8 output channels (narrower than a strip), VALID
  CheckConvBatchNorm(Shape{2, 30, 30, 3}, Shape{3, 3, 3, 8}, "VALID", 1);
  // pointwise (the input is the matrix), 20 channels (partial tiles)
  CheckConvBatchNorm(Shape{1, 10, 11, 16}, Shape{1, 1, 16, 20}, "VALID", 1);
  // over 1M multiply-adds on two threads: the product's rows and the tiles split over the pool
  CheckConvBatchNorm(Shape{2, 40, 40, 8}, Shape{3, 3, 8, 16}, "SAME", 2);
  CheckConvBatchNorm(Shape{1, 64, 64, 32}, Shape{1, 1, 32, 24}, "VALID", 2);
}

// MatMul -> BiasAdd -> Relu (one NaN input row), and MatMul -> Mul -> Relu6 where a zero scale
// makes -0.0 of negative products, which Relu6 keeps.
TEST(Fusion, MatMulBiasAddReluIsBitForBitTheUnfusedResult) {
  for (auto [m, k, n, tb, threads] :
       {std::tuple{7, 33, 20, false, 1}, std::tuple{3, 33, 20, false, 1},
        std::tuple{13, 40, 8, true, 1}, std::tuple{2, 300, 2000, false, 2},
        std::tuple{500, 100, 30, false, 2}}) {
    SCOPED_TRACE("m=" + std::to_string(m) + " k=" + std::to_string(k) + " n=" + std::to_string(n));
    FuseRun r;
    Tensor a = WithValues<float>(Random<float>(Shape{m, k}, 11), {{k + 1, std::nanf("")}});
    Tensor b = Random<float>(tb ? Shape{n, k} : Shape{k, n}, 12);
    Tensor bias = Random<float>(Shape{n}, 13);
    r.args = {{"a", a}, {"b", b}, {"bias", bias}};
    r.nodes = {
        N("mm", "MatMul", {"a", "b"},
          {{"T", Type(kF)}, {"transpose_a", BoolAttr(false)}, {"transpose_b", BoolAttr(tb)}}),
        Binary("bias_add", "BiasAdd", "mm:product:0", "bias"),
        Unary("relu", "Relu", "bias_add:output:0")};
    r.result = "relu:activations:0";
    r.producer = "mm:product:0";
    r.threads = threads;
    std::vector<Tensor> plain = ExpectFusedMatchesUnfused(r, {{"Add", bias}, {"Relu", Tensor()}});
    ASSERT_EQ(plain.size(), 2u);
    for (int64_t i = 0; i < m; ++i) {  // the product itself, in double
      for (int64_t j = 0; j < n; ++j) {
        double want = 0;
        for (int64_t p = 0; p < k; ++p) {
          want += static_cast<double>(a.flat<float>()[i * k + p]) *
                  b.flat<float>()[tb ? j * k + p : p * n + j];
        }
        const float got = plain[1].flat<float>()[i * n + j];
        if (i == 1) {
          ASSERT_TRUE(std::isnan(got));
        } else {
          ASSERT_NEAR(got, want, 1e-5 * k) << i << "," << j;
        }
      }
    }
  }
  FuseRun r;
  std::vector<float> s(20, 1.5f);
  s[3] = 0.0f, s[4] = -1.0f, s[5] = 1e30f;
  Tensor scale = Tensor::FromVector<float>(s, Shape{20});
  r.args = {{"a", Random<float>(Shape{9, 5}, 14)},
            {"b", Random<float>(Shape{5, 20}, 15)},
            {"scale", scale}};
  r.nodes = {N("mm", "MatMul", {"a", "b"}, {{"T", Type(kF)}}),
             Binary("mul", "Mul", "mm:product:0", "scale"), Unary("relu6", "Relu6", "mul:z:0")};
  r.result = "relu6:activations:0";
  r.producer = "mm:product:0";
  std::vector<Tensor> plain = ExpectFusedMatchesUnfused(r, {{"Mul", scale}, {"Relu6", Tensor()}});
  ASSERT_EQ(plain.size(), 2u);
  int negative_zeros = 0;
  for (int64_t i = 0; i < 9; ++i) {
    negative_zeros += plain[1].flat<float>()[i * 20 + 3] < 0;
  }
  EXPECT_GT(negative_zeros, 0);  // the case happened (and ApplyOps kept -0.0 bit for bit)
}

// DepthwiseConv2dNative -> Mul(scale [C]) -> Add(shift [1, 1, C]) -> Relu6.
TEST(Fusion, DepthwiseMulAddRelu6IsBitForBitTheUnfusedResult) {
  for (auto [x_shape, threads] :
       {std::pair{Shape{2, 12, 12, 5}, 1}, std::pair{Shape{4, 32, 32, 32}, 2}}) {
    const int64_t ch = x_shape.dim(3);
    FuseRun r;
    Tensor x = Random<float>(x_shape, 21, -2, 2);
    Tensor f = Random<float>(Shape{3, 3, ch, 1}, 22);
    Tensor scale = Random<float>(Shape{ch}, 23, -3, 3);
    Tensor shift = Random<float>(Shape{1, 1, ch}, 24, -1, 6);
    r.args = {{"x", x}, {"f", f}, {"scale", scale}, {"shift", shift}};
    r.nodes = {Conv("dw", "x", "f", "SAME", kF, "DepthwiseConv2dNative"),
               Binary("mul", "Mul", "scale", "dw:output:0"),  // the chain as the second operand
               Binary("add", "Add", "mul:z:0", "shift"), Unary("relu6", "Relu6", "add:z:0")};
    r.result = "relu6:activations:0";
    r.producer = "dw:output:0";
    r.threads = threads;
    std::vector<Tensor> plain =
        ExpectFusedMatchesUnfused(r, {{"Mul", scale}, {"Add", shift}, {"Relu6", Tensor()}});
    ASSERT_EQ(plain.size(), 2u);
    ExpectConvNear(plain[1], x, f, /*same=*/true, /*depthwise=*/true);
  }
}

// A residual connection: AddV2 of the block's input, which has the output's shape.
TEST(Fusion, ResidualAddOfAFullShapeOperand) {
  for (bool computed : {false, true}) {
    FuseRun r;
    Tensor x = Random<float>(Shape{2, 6, 7, 8}, 31, -3, 3);
    Tensor f = Random<float>(Shape{1, 1, 8, 8}, 32);
    Tensor bias = Random<float>(Shape{8}, 33);
    r.args = {{"x", x}, {"f", f}, {"bias", bias}};
    r.nodes = {Conv("conv", "x", "f", "VALID"),
               Binary("bias_add", "BiasAdd", "conv:output:0", "bias"),
               Binary("res", "AddV2", computed ? "skip:y:0" : "x", "bias_add:output:0"),
               Unary("relu", "Relu", "res:z:0")};
    if (computed) r.nodes.insert(r.nodes.begin(), Unary("skip", "Neg", "x"));
    r.result = "relu:activations:0";
    r.producer = "conv:output:0";
    std::vector<float> neg(x.flat<float>().begin(), x.flat<float>().end());
    for (float& v : neg) v = -v;
    Tensor skip = computed ? Tensor::FromVector<float>(neg, x.shape()) : x;
    ExpectFusedMatchesUnfused(r, {{"Add", bias}, {"Add", skip}, {"Relu", Tensor()}});
  }
}

// A Mul by a per-image [N, 1, 1, 1] operand in the middle of a chain: the kernel applies the ops
// before it; it and the rest run as steps, on the producer's output handed over.
TEST(Fusion, AnOperandOfAnotherShapeEndsWhatTheKernelApplies) {
  FuseRun r;
  Tensor per_image =
      Tensor::FromVector<float>(std::vector<float>{0.5f, -2.0f, 3.0f}, Shape{3, 1, 1, 1});
  Tensor bias = Random<float>(Shape{16}, 43);
  Tensor shift = Random<float>(Shape{16}, 44);
  r.args = {{"x", Random<float>(Shape{3, 8, 8, 4}, 41)},
            {"f", Random<float>(Shape{3, 3, 4, 16}, 42)},
            {"bias", bias},
            {"per_image", per_image},
            {"shift", shift}};
  r.nodes = {Conv("conv", "x", "f", "SAME"), Binary("bias_add", "BiasAdd", "conv:output:0", "bias"),
             Binary("mul", "Mul", "bias_add:output:0", "per_image"),
             Binary("add", "AddV2", "mul:z:0", "shift"), Unary("relu", "Relu", "add:z:0")};
  r.result = "relu:activations:0";
  r.producer = "conv:output:0";
  ExpectFusedMatchesUnfused(
      r, {{"Add", bias}, {"Mul", per_image}, {"Add", shift}, {"Relu", Tensor()}});
  // A [3, 1] operand of a MatMul (one value per row) likewise, then a Relu after it.
  FuseRun m;
  Tensor rows = Tensor::FromVector<float>(std::vector<float>{1.0f, -1.0f, 2.0f}, Shape{3, 1});
  Tensor mbias = Random<float>(Shape{10}, 46);
  m.args = {{"a", Random<float>(Shape{3, 6}, 45)},
            {"b", Random<float>(Shape{6, 10}, 47)},
            {"bias", mbias},
            {"rows", rows}};
  m.nodes = {N("mm", "MatMul", {"a", "b"}, {{"T", Type(kF)}}),
             Binary("bias_add", "BiasAdd", "mm:product:0", "bias"),
             Binary("mul", "Mul", "bias_add:output:0", "rows"), Unary("relu", "Relu", "mul:z:0")};
  m.result = "relu:activations:0";
  m.producer = "mm:product:0";
  ExpectFusedMatchesUnfused(m, {{"Add", mbias}, {"Mul", rows}, {"Relu", Tensor()}});
}

// An intermediate that is returned, or read twice, ends the chain: it keeps its own value.
TEST(Fusion, AReturnedOrTwiceReadIntermediateEndsTheChain) {
  FuseRun r;
  Tensor bias = Random<float>(Shape{12}, 53);
  r.args = {{"x", Random<float>(Shape{2, 7, 7, 3}, 51)},
            {"f", Random<float>(Shape{3, 3, 3, 12}, 52)},
            {"bias", bias}};
  r.nodes = {Conv("conv", "x", "f", "SAME"), Binary("bias_add", "BiasAdd", "conv:output:0", "bias"),
             Unary("relu", "Relu", "bias_add:output:0"),
             Unary("relu6", "Relu6", "relu:activations:0"),
             Binary("square", "Mul", "relu:activations:0", "relu:activations:0")};
  r.result = "relu6:activations:0";
  r.producer = "conv:output:0";
  r.extra = {"bias_add:output:0", "square:z:0"};
  auto fused = RunBody(r, false);
  ASSERT_TRUE(fused.ok()) << fused.status().ToString();
  std::vector<Tensor> plain = ExpectFusedMatchesUnfused(
      r, {{"Add", bias}, {"Relu", Tensor()}, {"Relu6", Tensor()}}, {{{"Add", bias}}});
  ASSERT_EQ(plain.size(), 4u);
  std::vector<float> relu = ApplyOps<float>(plain[1], {{"Add", bias}, {"Relu", Tensor()}});
  for (float& v : relu) v = v * v;
  EXPECT_EQ(Mismatches((*fused)[2], relu, "fused square"), 0);
}

// Double convolutions and MatMuls are not fused (the kernels' epilogue is float): still right.
TEST(Fusion, DoubleChainsRunUnfusedAndRight) {
  FuseRun r;
  Tensor bias = Random<double>(Shape{6}, 63);
  r.args = {{"x", Random<double>(Shape{1, 5, 5, 2}, 61)},
            {"f", Random<double>(Shape{3, 3, 2, 6}, 62)},
            {"bias", bias}};
  r.nodes = {Conv("conv", "x", "f", "SAME", kD),
             Binary("bias_add", "BiasAdd", "conv:output:0", "bias", kD),
             Unary("relu", "Relu", "bias_add:output:0", kD)};
  r.result = "relu:activations:0";
  r.producer = "conv:output:0";
  r.type = kD;
  std::vector<Tensor> plain =
      ExpectFusedMatchesUnfused<double>(r, {{"Add", bias}, {"Relu", Tensor()}});
  ASSERT_EQ(plain.size(), 2u);
  // The convolution itself at one pixel, in double.
  const Tensor& x = r.args[0].second;
  const Tensor& f = r.args[1].second;
  for (int64_t o = 0; o < 6; ++o) {
    double want = 0;
    for (int64_t ky = 0; ky < 3; ++ky) {
      for (int64_t kx = 0; kx < 3; ++kx) {
        for (int64_t c = 0; c < 2; ++c) {
          want += x.flat<double>()[((1 + ky) * 5 + (1 + kx)) * 2 + c] *
                  f.flat<double>()[((ky * 3 + kx) * 2 + c) * 6 + o];
        }
      }
    }
    EXPECT_NEAR(plain[1].flat<double>()[(2 * 5 + 2) * 6 + o], want, 1e-12);
  }
}

// A fused step's operand of the wrong shape: the step is not fused and reports its own error.
TEST(Fusion, AFusedStepsBadOperandGivesThatStepsOwnError) {
  FuseRun r;
  r.args = {{"x", Random<float>(Shape{1, 4, 4, 3}, 71)},
            {"f", Random<float>(Shape{3, 3, 3, 8}, 72)},
            {"bias", Random<float>(Shape{7}, 73)},
            {"shift", Random<float>(Shape{5}, 74)}};
  r.nodes = {Conv("conv", "x", "f", "SAME"), Binary("bias_add", "BiasAdd", "conv:output:0", "bias"),
             Unary("relu", "Relu", "bias_add:output:0")};
  r.result = "relu:activations:0";
  r.producer = "conv:output:0";
  for (bool unfused : {false, true}) {
    auto got = RunBody(r, unfused);
    ASSERT_FALSE(got.ok());
    EXPECT_NE(got.status().message().find(
                  "function 'f': node 'bias_add': Must provide as many biases as the channel "
                  "dimension of the input tensor: [7] vs. [1,4,4,8]"),
              std::string::npos)
        << got.status().ToString();
  }
  // A bias of rank 2, and an AddV2 whose operand does not broadcast.
  r.args[2].second = Random<float>(Shape{1, 8}, 75);
  auto got = RunBody(r, false);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("node 'bias_add': Biases must be 1D"), std::string::npos)
      << got.status().ToString();
  r.args[2].second = Random<float>(Shape{8}, 76);
  r.nodes.push_back(Binary("add", "AddV2", "relu:activations:0", "shift"));
  r.result = "add:z:0";
  got = RunBody(r, false);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("node 'add'"), std::string::npos)
      << got.status().ToString();
}

// A control edge can put a step between the producer and a fused step: an operand whose last
// reader is the fused step must live until that step's place in the order, for the steps in
// between (a Neg waiting on the convolution) and for another producer's epilogue (conv1's Mul).
TEST(Fusion, AFusedStepsOperandLivesUntilTheStepsPlace) {
  Tensor shift = Random<float>(Shape{8}, 81);
  FuseRun r;
  r.args = {{"x", Random<float>(Shape{1, 5, 5, 3}, 82)},
            {"f", Random<float>(Shape{3, 3, 3, 8}, 83)}};
  r.nodes = {Const("shift", shift), Conv("conv", "x", "f", "SAME"),
             Binary("add", "AddV2", "conv:output:0", "shift:output:0"),
             N("neg", "Neg", {"shift:output:0", "^conv"}, {{"T", Type(kF)}})};
  r.result = "add:z:0";
  r.producer = "conv:output:0";
  r.extra = {"neg:y:0"};
  std::vector<float> neg(shift.flat<float>().begin(), shift.flat<float>().end());
  for (float& v : neg) v = -v;
  auto fused = RunBody(r, false);
  ASSERT_TRUE(fused.ok()) << fused.status().ToString();
  EXPECT_EQ(Mismatches((*fused)[1], neg, "neg"), 0);
  ExpectFusedMatchesUnfused(r, {{"Add", shift}});

  FuseRun two;
  two.args = {{"x", Random<float>(Shape{1, 5, 5, 3}, 84)},
              {"f0", Random<float>(Shape{3, 3, 3, 8}, 85)},
              {"f1", Random<float>(Shape{3, 3, 3, 8}, 86)}};
  two.nodes = {Const("shift", shift), Conv("conv0", "x", "f0", "SAME"),
               Conv("conv1", "x", "f1", "SAME"),
               N("add0", "AddV2", {"conv0:output:0", "shift:output:0", "^mul1"}, {{"T", Type(kF)}}),
               Binary("mul1", "Mul", "conv1:output:0", "shift:output:0")};
  two.result = "mul1:z:0";
  two.producer = "conv1:output:0";
  two.extra = {"add0:z:0"};
  auto got = RunBody(two, false);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectFusedMatchesUnfused(two, {{"Mul", shift}});
}

// No taps (no input channels, or k = 0): the product is zeros, then the ops.
TEST(Fusion, ProductsWithoutTapsStillApplyTheOps) {
  Tensor bias = Random<float>(Shape{4}, 91);
  FuseRun r;
  r.args = {{"x", Random<float>(Shape{2, 3, 3, 0}, 92)},
            {"f", Random<float>(Shape{1, 1, 0, 4}, 93)},
            {"bias", bias}};
  r.nodes = {Conv("conv", "x", "f", "SAME"), Binary("bias_add", "BiasAdd", "conv:output:0", "bias"),
             Unary("relu", "Relu", "bias_add:output:0")};
  r.result = "relu:activations:0";
  r.producer = "conv:output:0";
  std::vector<Tensor> plain = ExpectFusedMatchesUnfused(r, {{"Add", bias}, {"Relu", Tensor()}});
  ASSERT_EQ(plain.size(), 2u);
  EXPECT_EQ(Mismatches(plain[1], std::vector<float>(2 * 3 * 3 * 4, 0.0f), "convolution"), 0);
  FuseRun m;
  m.args = {
      {"a", Random<float>(Shape{3, 0}, 94)}, {"b", Random<float>(Shape{0, 4}, 95)}, {"bias", bias}};
  m.nodes = {N("mm", "MatMul", {"a", "b"}, {{"T", Type(kF)}}),
             Binary("bias_add", "BiasAdd", "mm:product:0", "bias"),
             Unary("relu6", "Relu6", "bias_add:output:0")};
  m.result = "relu6:activations:0";
  m.producer = "mm:product:0";
  plain = ExpectFusedMatchesUnfused(m, {{"Add", bias}, {"Relu6", Tensor()}});
  ASSERT_EQ(plain.size(), 2u);
  EXPECT_EQ(Mismatches(plain[1], std::vector<float>(3 * 4, 0.0f), "product"), 0);
}

// A chain longer than the kernels take (gemm::kMaxPostOps): the first ops fused, the rest steps.
TEST(Fusion, AChainLongerThanTheEpilogueRunsTheRestAsSteps) {
  FuseRun r;
  Tensor scale = Random<float>(Shape{1, 16}, 102, -2, 2);
  Tensor shift = Random<float>(Shape{16}, 103, -1, 1);
  r.args = {{"a", Random<float>(Shape{20, 9}, 101)},
            {"b", Random<float>(Shape{9, 16}, 104)},
            {"scale", scale},
            {"shift", shift}};
  r.nodes = {N("mm", "MatMul", {"a", "b"}, {{"T", Type(kF)}})};
  std::vector<std::pair<std::string, Tensor>> ops;
  std::string last = "mm:product:0";
  for (int i = 0; i < 2 * gemm::kMaxPostOps; ++i) {
    const std::string name = "op" + std::to_string(i);
    if (i % 3 == 0) {
      r.nodes.push_back(Binary(name, "Mul", last, "scale"));
      ops.emplace_back("Mul", scale);
    } else if (i % 3 == 1) {
      r.nodes.push_back(Binary(name, "AddV2", "shift", last));
      ops.emplace_back("Add", shift);
    } else {
      r.nodes.push_back(Unary(name, i % 2 == 0 ? "Relu6" : "Relu", last));
      ops.emplace_back(i % 2 == 0 ? "Relu6" : "Relu", Tensor());
    }
    last = name + ":z:0";
  }
  r.result = last;
  r.producer = "mm:product:0";
  ExpectFusedMatchesUnfused(r, ops);
}

// ---- Pad folded into the convolution after it (FoldPads) ----------------------------------------

// Pad(x, paddings) -> conv (VALID), run as planned (the Pad folded into the convolution as EXPLICIT
// padding when it qualifies) and with the Pad also returned, which keeps it a step: the same
// values, bit for bit, and the same shape.
void ExpectPadFoldMatches(const std::string& op, Shape x_shape, Shape f_shape, Tensor paddings,
                          int64_t stride, const std::string& padding = "VALID") {
  FuseRun r;
  Tensor x = Random<float>(x_shape, 41, -2, 2);
  Tensor f = Random<float>(f_shape, 42);
  r.args = {{"x", x}, {"f", f}};
  NodeDefData conv = Conv("conv", "pad:output:0", "f", padding, kF, op);
  conv.attrs["strides"] = IntListAttr({1, stride, stride, 1});
  r.nodes = {Const("paddings", paddings),
             N("pad", "Pad", {"x", "paddings:output:0"}, {{"T", Type(kF)}}), conv};
  r.result = "conv:output:0";
  r.producer = "pad:output:0";
  auto folded = RunBody(r, /*unfused=*/false);
  auto plain = RunBody(r, /*unfused=*/true);
  ASSERT_TRUE(folded.ok()) << folded.status().ToString();
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  const Tensor& want = (*plain)[0];
  ASSERT_EQ((*folded)[0].shape(), want.shape()) << op;
  EXPECT_EQ(Mismatches((*folded)[0], std::vector<float>(want.flat<float>().begin(),
                                                       want.flat<float>().end()),
                       op + " folded"),
            0);
}

TEST(PadFold, ZeroPaddingBeforeAStridedDepthwiseOrConvIsTheConvolutionsOwnPadding) {
  // MobileNetV2's block pads: one row and column after, then a stride-2 3x3 depthwise.
  ExpectPadFoldMatches("DepthwiseConv2dNative", Shape{2, 12, 12, 8}, Shape{3, 3, 8, 1},
                       Tensor::FromVector<int32_t>(std::vector<int32_t>{0, 0, 0, 1, 0, 1, 0, 0}, Shape{4, 2}), 2);
  // ResNet50's stem: 3 on each side, then a stride-2 7x7 convolution (int64 paddings).
  ExpectPadFoldMatches("Conv2D", Shape{2, 16, 16, 3}, Shape{7, 7, 3, 8},
                       Tensor::FromVector<int64_t>(std::vector<int64_t>{0, 0, 3, 3, 3, 3, 0, 0}, Shape{4, 2}), 2);
  // Asymmetric and larger than the window, stride 1, on the im2col path (16 channels).
  ExpectPadFoldMatches("Conv2D", Shape{1, 7, 6, 16}, Shape{3, 3, 16, 4},
                       Tensor::FromVector<int32_t>(std::vector<int32_t>{0, 0, 4, 0, 1, 5, 0, 0}, Shape{4, 2}), 1);
}

TEST(PadFold, PaddingsThatAreNotHeightAndWidthOnlyOrASamePaddedConvStayAPad) {
  // Batch and channel padding change the convolution's input itself: not folded, still right.
  ExpectPadFoldMatches("Conv2D", Shape{1, 6, 6, 4}, Shape{3, 3, 5, 2},
                       Tensor::FromVector<int32_t>(std::vector<int32_t>{1, 0, 1, 1, 1, 1, 0, 1}, Shape{4, 2}), 1);
  // A SAME convolution pads again after the Pad.
  ExpectPadFoldMatches("DepthwiseConv2dNative", Shape{1, 9, 9, 4}, Shape{3, 3, 4, 1},
                       Tensor::FromVector<int32_t>(std::vector<int32_t>{0, 0, 1, 1, 2, 0, 0, 0}, Shape{4, 2}), 2,
                       "SAME");
}

}  // namespace
}  // namespace tfmodel
