// Op functions: constants, placeholders, identities, element-wise math, matmul, reductions.
#include "src/api/op_builder.h"
#include "tfmodel/ops.h"

namespace tfmodel {
namespace {

Output Unary(std::string_view op, const Output& x, std::string_view name) {
  return OpBuilder(op, name, x).Input(x).Attr("T", x.dtype()).Out();
}

Output Binary(std::string_view op, const Output& x, const Output& y, std::string_view name) {
  return OpBuilder(op, name, GraphOf({&x, &y})).Input(x).Input(y).Attr("T", x.dtype()).Out();
}

bool IsFloating(DataType t) {
  return t == DataType::kFloat || t == DataType::kDouble || t == DataType::kHalf ||
         t == DataType::kBFloat16 || t == DataType::kComplex64 || t == DataType::kComplex128;
}

// Reduction indices: the given axes, or every axis (a Const when the rank is known, else
// Range(0, Rank(x), 1) as tf.reduce_* builds it).
Output Axes(const Output& x, const std::vector<int64_t>& axes) {
  GraphState* g = x.graph();
  if (!axes.empty()) return Int32Vector(g, axes);
  PartialShape s = x.shape();
  if (!s.unknown_rank) {
    std::vector<int64_t> all;
    for (size_t i = 0; i < s.dims.size(); ++i) all.push_back(static_cast<int64_t>(i));
    return Int32Vector(g, all);
  }
  return Range(Int32Scalar(g, 0, "range/start"), Rank(x), Int32Scalar(g, 1, "range/delta"), "range");
}

Output ReduceOp(std::string_view op, const Output& x, const std::vector<int64_t>& axes, bool keep,
                 std::string_view name) {
  Output indices = Axes(x, axes);
  return OpBuilder(op, name, x)
      .Input(x)
      .Input(indices)
      .Attr("T", x.dtype())
      .Attr("Tidx", DataType::kInt32)
      .Attr("keep_dims", keep)
      .Out();
}

}  // namespace

// ---- constants, placeholders, identities -------------------------------------------------------

Output Const(const Graph& g, const Tensor& value, std::string_view name) {
  return OpBuilder("Const", name.empty() ? "Const" : name, g)
      .Attr("dtype", value.dtype())
      .Attr("value", TensorAttr(value))
      .Out();
}

Output ScalarConst(const Graph& g, DataType dtype, double value, std::string_view name) {
  return ConstOf(g.state(), dtype, {value}, /*scalar=*/true, name.empty() ? "Const" : name);
}

Output ScalarLike(const Output& x, double value, std::string_view name) {
  return ConstOf(x.graph(), x.dtype(), {value}, /*scalar=*/true, name.empty() ? "Const" : name);
}

Output Placeholder(const Graph& g, DataType dtype, const std::vector<int64_t>& shape,
                   std::string_view name) {
  return OpBuilder("Placeholder", name, g)
      .Attr("dtype", dtype)
      .Attr("shape", ShapeAttr(PartialShape{false, shape}))
      .Out();
}

Output Placeholder(const Graph& g, DataType dtype, std::string_view name) {
  return OpBuilder("Placeholder", name, g)
      .Attr("dtype", dtype)
      .Attr("shape", ShapeAttr(PartialShape{true, {}}))
      .Out();
}

Output PlaceholderWithDefault(const Output& input, const std::vector<int64_t>& shape,
                              std::string_view name) {
  return OpBuilder("PlaceholderWithDefault", name, input)
      .Input(input)
      .Attr("dtype", input.dtype())
      .Attr("shape", ShapeAttr(PartialShape{false, shape}))
      .Out();
}

Output Identity(const Output& x, std::string_view name) { return Unary("Identity", x, name); }
Output StopGradient(const Output& x, std::string_view name) { return Unary("StopGradient", x, name); }
Operation NoOp(const Graph& g, std::string_view name) { return OpBuilder("NoOp", name, g).Build(); }

Operation Group(const Graph& g, const std::vector<Operation>& ops, std::string_view name) {
  OpBuilder b("NoOp", name.empty() ? "group_deps" : name, g);
  for (const Operation& op : ops) b.ControlInput(op);
  return b.Build();
}

// ---- element-wise math --------------------------------------------------------------------------

Output Add(const Output& x, const Output& y, std::string_view name) {
  return Binary(x.dtype() == DataType::kString ? "Add" : "AddV2", x, y, name);
}
Output Sub(const Output& x, const Output& y, std::string_view name) { return Binary("Sub", x, y, name); }
Output Mul(const Output& x, const Output& y, std::string_view name) { return Binary("Mul", x, y, name); }
Output RealDiv(const Output& x, const Output& y, std::string_view name) {
  return Binary("RealDiv", x, y, name);
}
Output Div(const Output& x, const Output& y, std::string_view name) {
  return Binary(IsFloating(x.dtype()) ? "RealDiv" : "Div", x, y, name);
}
Output FloorDiv(const Output& x, const Output& y, std::string_view name) {
  return Binary("FloorDiv", x, y, name);
}
Output FloorMod(const Output& x, const Output& y, std::string_view name) {
  return Binary("FloorMod", x, y, name);
}
Output DivNoNan(const Output& x, const Output& y, std::string_view name) {
  return Binary("DivNoNan", x, y, name);
}
Output Maximum(const Output& x, const Output& y, std::string_view name) {
  return Binary("Maximum", x, y, name);
}
Output Minimum(const Output& x, const Output& y, std::string_view name) {
  return Binary("Minimum", x, y, name);
}
Output Pow(const Output& x, const Output& y, std::string_view name) { return Binary("Pow", x, y, name); }
Output SquaredDifference(const Output& x, const Output& y, std::string_view name) {
  return Binary("SquaredDifference", x, y, name);
}
Output Equal(const Output& x, const Output& y, std::string_view name) {
  return OpBuilder("Equal", name, GraphOf({&x, &y}))
      .Input(x)
      .Input(y)
      .Attr("T", x.dtype())
      .Attr("incompatible_shape_error", true)
      .Out();
}
Output NotEqual(const Output& x, const Output& y, std::string_view name) {
  return OpBuilder("NotEqual", name, GraphOf({&x, &y}))
      .Input(x)
      .Input(y)
      .Attr("T", x.dtype())
      .Attr("incompatible_shape_error", true)
      .Out();
}
Output Less(const Output& x, const Output& y, std::string_view name) { return Binary("Less", x, y, name); }
Output LessEqual(const Output& x, const Output& y, std::string_view name) {
  return Binary("LessEqual", x, y, name);
}
Output Greater(const Output& x, const Output& y, std::string_view name) {
  return Binary("Greater", x, y, name);
}
Output GreaterEqual(const Output& x, const Output& y, std::string_view name) {
  return Binary("GreaterEqual", x, y, name);
}
Output LogicalAnd(const Output& x, const Output& y, std::string_view name) {
  return OpBuilder("LogicalAnd", name, GraphOf({&x, &y})).Input(x).Input(y).Out();
}
Output LogicalOr(const Output& x, const Output& y, std::string_view name) {
  return OpBuilder("LogicalOr", name, GraphOf({&x, &y})).Input(x).Input(y).Out();
}
Output LogicalNot(const Output& x, std::string_view name) {
  return OpBuilder("LogicalNot", name, x).Input(x).Out();
}

Output AddN(const std::vector<Output>& inputs, std::string_view name) {
  if (inputs.empty()) return Output();
  if (inputs.size() == 1) return inputs[0];
  return OpBuilder("AddN", name, inputs[0])
      .Inputs(inputs)
      .Attr("N", static_cast<int64_t>(inputs.size()))
      .Attr("T", inputs[0].dtype())
      .Out();
}

Output Neg(const Output& x, std::string_view name) { return Unary("Neg", x, name); }
Output Abs(const Output& x, std::string_view name) { return Unary("Abs", x, name); }
Output Square(const Output& x, std::string_view name) { return Unary("Square", x, name); }
Output Sqrt(const Output& x, std::string_view name) { return Unary("Sqrt", x, name); }
Output Rsqrt(const Output& x, std::string_view name) { return Unary("Rsqrt", x, name); }
Output Exp(const Output& x, std::string_view name) { return Unary("Exp", x, name); }
Output Log(const Output& x, std::string_view name) { return Unary("Log", x, name); }
Output Log1p(const Output& x, std::string_view name) { return Unary("Log1p", x, name); }
Output Sign(const Output& x, std::string_view name) { return Unary("Sign", x, name); }
Output Floor(const Output& x, std::string_view name) { return Unary("Floor", x, name); }
Output Ceil(const Output& x, std::string_view name) { return Unary("Ceil", x, name); }
Output Round(const Output& x, std::string_view name) { return Unary("Round", x, name); }
Output Reciprocal(const Output& x, std::string_view name) { return Unary("Reciprocal", x, name); }
Output Sigmoid(const Output& x, std::string_view name) { return Unary("Sigmoid", x, name); }
Output Tanh(const Output& x, std::string_view name) { return Unary("Tanh", x, name); }
Output Relu(const Output& x, std::string_view name) { return Unary("Relu", x, name); }
Output Relu6(const Output& x, std::string_view name) { return Unary("Relu6", x, name); }
Output Elu(const Output& x, std::string_view name) { return Unary("Elu", x, name); }
Output Selu(const Output& x, std::string_view name) { return Unary("Selu", x, name); }
Output Softplus(const Output& x, std::string_view name) { return Unary("Softplus", x, name); }
Output LeakyRelu(const Output& x, float alpha, std::string_view name) {
  return OpBuilder("LeakyRelu", name, x).Input(x).Attr("alpha", alpha).Attr("T", x.dtype()).Out();
}
Output Softmax(const Output& logits, std::string_view name) { return Unary("Softmax", logits, name); }
Output LogSoftmax(const Output& logits, std::string_view name) {
  return Unary("LogSoftmax", logits, name);
}

Output Cast(const Output& x, DataType dtype, std::string_view name) {
  if (x.valid() && x.dtype() == dtype) return x;  // math_ops.cast returns x unchanged
  return OpBuilder("Cast", name, x)
      .Input(x)
      .Attr("SrcT", x.dtype())
      .Attr("DstT", dtype)
      .Attr("Truncate", false)
      .Out();
}

Output operator+(const Output& x, const Output& y) { return Add(x, y, "add"); }
Output operator-(const Output& x, const Output& y) { return Sub(x, y, "sub"); }
Output operator*(const Output& x, const Output& y) { return Mul(x, y, "mul"); }
Output operator/(const Output& x, const Output& y) { return Div(x, y, "truediv"); }
Output operator-(const Output& x) { return Neg(x, "Neg"); }
Output operator+(const Output& x, double y) { return Add(x, ScalarLike(x, y, "add/y"), "add"); }
Output operator+(double x, const Output& y) { return Add(ScalarLike(y, x, "add/x"), y, "add"); }
Output operator-(const Output& x, double y) { return Sub(x, ScalarLike(x, y, "sub/y"), "sub"); }
Output operator-(double x, const Output& y) { return Sub(ScalarLike(y, x, "sub/x"), y, "sub"); }
Output operator*(const Output& x, double y) { return Mul(x, ScalarLike(x, y, "mul/y"), "mul"); }
Output operator*(double x, const Output& y) { return Mul(ScalarLike(y, x, "mul/x"), y, "mul"); }
Output operator/(const Output& x, double y) { return Div(x, ScalarLike(x, y, "truediv/y"), "truediv"); }
Output operator/(double x, const Output& y) { return Div(ScalarLike(y, x, "truediv/x"), y, "truediv"); }

// ---- linear algebra ---------------------------------------------------------------------------

Output MatMul(const Output& a, const Output& b, MatMulOptions options, std::string_view name) {
  return OpBuilder("MatMul", name, GraphOf({&a, &b}))
      .Input(a)
      .Input(b)
      .Attr("T", a.dtype())
      .Attr("transpose_a", options.transpose_a)
      .Attr("transpose_b", options.transpose_b)
      .Out();
}

Output MatMul(const Output& a, const Output& b, std::string_view name) {
  return MatMul(a, b, MatMulOptions{}, name);
}

Output BatchMatMul(const Output& x, const Output& y, bool adj_x, bool adj_y, std::string_view name) {
  return OpBuilder("BatchMatMulV2", name, GraphOf({&x, &y}))
      .Input(x)
      .Input(y)
      .Attr("T", x.dtype())
      .Attr("adj_x", adj_x)
      .Attr("adj_y", adj_y)
      .Out();
}

Output BiasAdd(const Output& value, const Output& bias, std::string_view data_format,
               std::string_view name) {
  return OpBuilder("BiasAdd", name, GraphOf({&value, &bias}))
      .Input(value)
      .Input(bias)
      .Attr("T", value.dtype())
      .Attr("data_format", data_format)
      .Out();
}

// ---- reductions --------------------------------------------------------------------------------

Output ReduceSum(const Output& x, const std::vector<int64_t>& axes, bool keep, std::string_view name) {
  return ReduceOp("Sum", x, axes, keep, name);
}
Output ReduceMean(const Output& x, const std::vector<int64_t>& axes, bool keep, std::string_view name) {
  return ReduceOp("Mean", x, axes, keep, name);
}
Output ReduceMax(const Output& x, const std::vector<int64_t>& axes, bool keep, std::string_view name) {
  return ReduceOp("Max", x, axes, keep, name);
}
Output ReduceMin(const Output& x, const std::vector<int64_t>& axes, bool keep, std::string_view name) {
  return ReduceOp("Min", x, axes, keep, name);
}
Output ReduceProd(const Output& x, const std::vector<int64_t>& axes, bool keep, std::string_view name) {
  return ReduceOp("Prod", x, axes, keep, name);
}

namespace {
Output ArgReduce(std::string_view op, const Output& x, int64_t axis, DataType out, std::string_view name) {
  Output dim = Int32Scalar(x.graph(), axis, "dimension");
  return OpBuilder(op, name, x)
      .Input(x)
      .Input(dim)
      .Attr("T", x.dtype())
      .Attr("Tidx", DataType::kInt32)
      .Attr("output_type", out)
      .Out();
}
}  // namespace

Output ArgMax(const Output& x, int64_t axis, DataType output_type, std::string_view name) {
  return ArgReduce("ArgMax", x, axis, output_type, name);
}
Output ArgMin(const Output& x, int64_t axis, DataType output_type, std::string_view name) {
  return ArgReduce("ArgMin", x, axis, output_type, name);
}

}  // namespace tfmodel
