// Op functions: shapes and arrays, nn (conv, pooling, batch norm, dropout, cross entropy) and
// random tensors.
#include "src/api/op_builder.h"
#include "tfmodel/ops.h"

namespace tfmodel {
namespace {

Output Int32Const(const Output& like, const std::vector<int64_t>& v, std::string_view name) {
  return Int32Vector(like.graph(), v, name);
}

}  // namespace

// ---- shapes and arrays -------------------------------------------------------------------------

Output Reshape(const Output& x, const std::vector<int64_t>& shape, std::string_view name) {
  return Reshape(x, Int32Const(x, shape, "Reshape/shape"), name);
}

Output Reshape(const Output& x, const Output& shape, std::string_view name) {
  return OpBuilder("Reshape", name, GraphOf({&x, &shape}))
      .Input(x)
      .Input(shape)
      .Attr("T", x.dtype())
      .Attr("Tshape", shape.dtype())
      .Out();
}

Output ShapeOf(const Output& x, DataType out_type, std::string_view name) {
  return OpBuilder("Shape", name, x).Input(x).Attr("T", x.dtype()).Attr("out_type", out_type).Out();
}

Output Size(const Output& x, DataType out_type, std::string_view name) {
  return OpBuilder("Size", name, x).Input(x).Attr("T", x.dtype()).Attr("out_type", out_type).Out();
}

Output Rank(const Output& x, std::string_view name) {
  return OpBuilder("Rank", name, x).Input(x).Attr("T", x.dtype()).Out();
}

Output ExpandDims(const Output& x, int64_t axis, std::string_view name) {
  Output dim = Int32Scalar(x.graph(), axis, "ExpandDims/dim");
  return OpBuilder("ExpandDims", name, x)
      .Input(x)
      .Input(dim)
      .Attr("T", x.dtype())
      .Attr("Tdim", DataType::kInt32)
      .Out();
}

Output Squeeze(const Output& x, const std::vector<int64_t>& axes, std::string_view name) {
  return OpBuilder("Squeeze", name, x).Input(x).Attr("T", x.dtype()).Attr("squeeze_dims", axes).Out();
}

Output Transpose(const Output& x, const std::vector<int64_t>& perm, std::string_view name) {
  Output p = Int32Const(x, perm, "transpose/perm");
  return OpBuilder("Transpose", name, x)
      .Input(x)
      .Input(p)
      .Attr("T", x.dtype())
      .Attr("Tperm", DataType::kInt32)
      .Out();
}

Output Concat(const std::vector<Output>& values, int64_t axis, std::string_view name) {
  if (values.empty()) return Output();
  if (values.size() == 1) return Identity(values[0], name.empty() ? "concat" : name);
  Output a = Int32Scalar(values[0].graph(), axis, "concat/axis");
  return OpBuilder("ConcatV2", name.empty() ? "concat" : name, values[0])
      .Inputs(values)
      .Input(a)
      .Attr("N", static_cast<int64_t>(values.size()))
      .Attr("T", values[0].dtype())
      .Attr("Tidx", DataType::kInt32)
      .Out();
}

Output Stack(const std::vector<Output>& values, int64_t axis, std::string_view name) {
  if (values.empty()) return Output();
  return OpBuilder("Pack", name.empty() ? "stack" : name, values[0])
      .Inputs(values)
      .Attr("N", static_cast<int64_t>(values.size()))
      .Attr("T", values[0].dtype())
      .Attr("axis", axis)
      .Out();
}

std::vector<Output> Unstack(const Output& value, int64_t num, int64_t axis, std::string_view name) {
  Operation op = OpBuilder("Unpack", name.empty() ? "unstack" : name, value)
                     .Input(value)
                     .Attr("num", num)
                     .Attr("T", value.dtype())
                     .Attr("axis", axis)
                     .Build();
  std::vector<Output> out;
  for (int64_t i = 0; i < num; ++i) out.push_back(op.output(static_cast<int>(i)));
  return out;
}

Output Tile(const Output& x, const std::vector<int64_t>& multiples, std::string_view name) {
  Output m = Int32Const(x, multiples, "Tile/multiples");
  return OpBuilder("Tile", name, x)
      .Input(x)
      .Input(m)
      .Attr("T", x.dtype())
      .Attr("Tmultiples", DataType::kInt32)
      .Out();
}

Output Fill(const Output& dims, const Output& value, std::string_view name) {
  return OpBuilder("Fill", name, GraphOf({&dims, &value}))
      .Input(dims)
      .Input(value)
      .Attr("T", value.dtype())
      .Attr("index_type", dims.dtype())
      .Out();
}

Output ZerosLike(const Output& x, std::string_view name) {
  return OpBuilder("ZerosLike", name, x).Input(x).Attr("T", x.dtype()).Out();
}

Output OnesLike(const Output& x, std::string_view name) {
  return OpBuilder("OnesLike", name, x).Input(x).Attr("T", x.dtype()).Out();
}

namespace {
// tf.zeros / tf.ones: a Const when small, Fill(shape, value) otherwise (TF's threshold is 1000
// elements).
Output Filled(const Graph& g, const std::vector<int64_t>& shape, DataType dtype, double v,
              std::string_view name) {
  Result<tfmodel::Shape> s = tfmodel::Shape::Make(shape);
  if (!s.ok()) {
    g.state()->Fail(s.status().WithContext("building " + std::string(name)));
    return Output();
  }
  if (s->NumElements() > 1000) {
    NameScope scope(g, name);
    Output dims = Int32Vector(g.state(), shape, "shape_as_tensor");
    Output value = ScalarConst(g, dtype, v, "Const");
    std::string full = scope.name();
    full.pop_back();
    return OpBuilder("Fill", "", g)
        .Input(dims)
        .Input(value)
        .Attr("T", dtype)
        .Attr("index_type", DataType::kInt32)
        .ExactName(full)
        .Out();
  }
  Result<Tensor> t = Tensor::Allocate(dtype, *s);
  if (!t.ok()) {
    g.state()->Fail(t.status().WithContext("building " + std::string(name)));
    return Output();
  }
  if (v != 0 && !SetValues(&*t, {v})) {
    g.state()->Fail(InvalidArgument("cannot fill a " + std::string(DataTypeName(dtype)) + " tensor"));
    return Output();
  }
  return Const(g, *t, name);
}
}  // namespace

Output Zeros(const Graph& g, const std::vector<int64_t>& shape, DataType dtype, std::string_view name) {
  return Filled(g, shape, dtype, 0, name.empty() ? "zeros" : name);
}

Output Ones(const Graph& g, const std::vector<int64_t>& shape, DataType dtype, std::string_view name) {
  return Filled(g, shape, dtype, 1, name.empty() ? "ones" : name);
}

Output Gather(const Output& params, const Output& indices, int64_t axis, std::string_view name) {
  Output a = Int32Scalar(params.graph(), axis, "GatherV2/axis");
  return OpBuilder("GatherV2", name, GraphOf({&params, &indices}))
      .Input(params)
      .Input(indices)
      .Input(a)
      .Attr("batch_dims", int64_t{0})
      .Attr("Tparams", params.dtype())
      .Attr("Tindices", indices.dtype())
      .Attr("Taxis", DataType::kInt32)
      .Out();
}

Output Slice(const Output& x, const std::vector<int64_t>& begin, const std::vector<int64_t>& size,
             std::string_view name) {
  Output b = Int32Const(x, begin, "Slice/begin");
  Output s = Int32Const(x, size, "Slice/size");
  return OpBuilder("Slice", name, x)
      .Input(x)
      .Input(b)
      .Input(s)
      .Attr("T", x.dtype())
      .Attr("Index", DataType::kInt32)
      .Out();
}

Output Pad(const Output& x, const std::vector<std::pair<int64_t, int64_t>>& paddings,
           std::string_view name) {
  std::vector<int64_t> flat;
  for (auto [a, b] : paddings) {
    flat.push_back(a);
    flat.push_back(b);
  }
  Result<Tensor> t = Tensor::Allocate(DataType::kInt32, Shape{static_cast<int64_t>(paddings.size()), 2});
  if (!t.ok()) return Output();
  for (size_t i = 0; i < flat.size(); ++i) t->flat<int32_t>()[i] = static_cast<int32_t>(flat[i]);
  Output p = OpBuilder("Const", "Pad/paddings", x).Attr("dtype", DataType::kInt32).Attr("value", TensorAttr(*t)).Out();
  return OpBuilder("Pad", name, x)
      .Input(x)
      .Input(p)
      .Attr("T", x.dtype())
      .Attr("Tpaddings", DataType::kInt32)
      .Out();
}

Output Select(const Output& condition, const Output& t, const Output& e, std::string_view name) {
  return OpBuilder("SelectV2", name, GraphOf({&condition, &t, &e}))
      .Input(condition)
      .Input(t)
      .Input(e)
      .Attr("T", t.dtype())
      .Out();
}

Output OneHot(const Output& indices, int64_t depth, double on_value, double off_value, int64_t axis,
              DataType dtype, std::string_view name) {
  GraphState* g = indices.graph();
  Output d = Int32Scalar(g, depth, "one_hot/depth");
  Output on = ConstOf(g, dtype, {on_value}, true, "one_hot/on_value");
  Output off = ConstOf(g, dtype, {off_value}, true, "one_hot/off_value");
  return OpBuilder("OneHot", name.empty() ? "one_hot" : name, indices)
      .Input(indices)
      .Input(d)
      .Input(on)
      .Input(off)
      .Attr("axis", axis)
      .Attr("T", dtype)
      .Attr("TI", indices.dtype())
      .Out();
}

Output Range(const Output& start, const Output& limit, const Output& delta, std::string_view name) {
  return OpBuilder("Range", name, GraphOf({&start, &limit, &delta}))
      .Input(start)
      .Input(limit)
      .Input(delta)
      .Attr("Tidx", start.dtype())
      .Out();
}

// ---- nn ---------------------------------------------------------------------------------------

Output Conv2D(const Output& input, const Output& filter, const std::vector<int64_t>& strides,
              std::string_view padding, const ConvOptions& o, std::string_view name) {
  return OpBuilder("Conv2D", name, GraphOf({&input, &filter}))
      .Input(input)
      .Input(filter)
      .Attr("T", input.dtype())
      .Attr("strides", strides)
      .Attr("use_cudnn_on_gpu", true)
      .Attr("padding", padding)
      .Attr("explicit_paddings", o.explicit_paddings)
      .Attr("data_format", std::string_view(o.data_format))
      .Attr("dilations", o.dilations)
      .Out();
}

Output DepthwiseConv2dNative(const Output& input, const Output& filter,
                             const std::vector<int64_t>& strides, std::string_view padding,
                             const ConvOptions& o, std::string_view name) {
  return OpBuilder("DepthwiseConv2dNative", name, GraphOf({&input, &filter}))
      .Input(input)
      .Input(filter)
      .Attr("T", input.dtype())
      .Attr("strides", strides)
      .Attr("padding", padding)
      .Attr("explicit_paddings", o.explicit_paddings)
      .Attr("data_format", std::string_view(o.data_format))
      .Attr("dilations", o.dilations)
      .Out();
}

Output MaxPool(const Output& value, const std::vector<int64_t>& ksize,
               const std::vector<int64_t>& strides, std::string_view padding,
               std::string_view data_format, std::string_view name) {
  return OpBuilder("MaxPool", name, value)
      .Input(value)
      .Attr("T", value.dtype())
      .Attr("ksize", ksize)
      .Attr("strides", strides)
      .Attr("padding", padding)
      .Attr("explicit_paddings", std::vector<int64_t>{})
      .Attr("data_format", data_format)
      .Out();
}

Output AvgPool(const Output& value, const std::vector<int64_t>& ksize,
               const std::vector<int64_t>& strides, std::string_view padding,
               std::string_view data_format, std::string_view name) {
  return OpBuilder("AvgPool", name, value)
      .Input(value)
      .Attr("T", value.dtype())
      .Attr("ksize", ksize)
      .Attr("strides", strides)
      .Attr("padding", padding)
      .Attr("data_format", data_format)
      .Out();
}

FusedBatchNormOutputs FusedBatchNorm(const Output& x, const Output& scale, const Output& offset,
                                     const Output& mean, const Output& variance, float epsilon,
                                     bool is_training, std::string_view data_format,
                                     std::string_view name) {
  Operation op = OpBuilder("FusedBatchNormV3", name, GraphOf({&x, &scale}))
                     .Input(x)
                     .Input(scale)
                     .Input(offset)
                     .Input(mean)
                     .Input(variance)
                     .Attr("T", x.dtype())
                     .Attr("U", scale.dtype())
                     .Attr("epsilon", epsilon)
                     .Attr("exponential_avg_factor", 1.0f)
                     .Attr("data_format", data_format)
                     .Attr("is_training", is_training)
                     .Build();
  return {op.output(0), op.output(1), op.output(2), op};
}

Output Dropout(const Output& x, double rate, std::optional<int64_t> seed, std::string_view name) {
  GraphState* g = x.graph();
  if (g == nullptr) return Output();
  if (!(rate >= 0 && rate < 1)) {
    g->Fail(InvalidArgument("dropout rate must be in [0, 1), got " + std::to_string(rate)));
    return Output();
  }
  // tf.nn.dropout: x * (1 / keep) where uniform(shape(x)) >= rate, else 0.
  NameScope scope(g, name.empty() ? "dropout" : name);
  Output scaled = Mul(x, ScalarLike(x, 1.0 / (1.0 - rate), "Cast"), "Mul");
  Output shape = ShapeOf(x, DataType::kInt32, "Shape");
  auto [s1, s2] = g->GetSeed(seed);
  Output noise = OpBuilder("RandomUniform", "random_uniform/RandomUniform", g)
                     .Input(shape)
                     .Attr("seed", s1)
                     .Attr("seed2", s2)
                     .Attr("dtype", x.dtype())
                     .Attr("T", DataType::kInt32)
                     .Out();
  Output keep = GreaterEqual(noise, ScalarLike(x, rate, "GreaterEqual/y"), "GreaterEqual");
  return Select(keep, scaled, ScalarLike(x, 0, "Const"), "SelectV2");
}

Output SoftmaxCrossEntropyWithLogits(const Output& labels, const Output& logits, std::string_view name) {
  return OpBuilder("SoftmaxCrossEntropyWithLogits", name, GraphOf({&logits, &labels}))
      .Input(logits)
      .Input(labels)
      .Attr("T", logits.dtype())
      .Out(0);
}

Output SparseSoftmaxCrossEntropyWithLogits(const Output& labels, const Output& logits,
                                           std::string_view name) {
  return OpBuilder("SparseSoftmaxCrossEntropyWithLogits", name, GraphOf({&logits, &labels}))
      .Input(logits)
      .Input(labels)
      .Attr("T", logits.dtype())
      .Attr("Tlabels", labels.dtype())
      .Out(0);
}

}  // namespace tfmodel
