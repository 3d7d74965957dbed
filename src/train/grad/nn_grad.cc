// Gradients of activations, bias, softmax, cross entropy, convolutions, pooling and batch norm
// (TF: nn_grad.py), emitting TensorFlow's gradient ops (SigmoidGrad, ReluGrad, BiasAddGrad,
// Conv2DBackpropInput, ...).
#include "src/api/op_builder.h"
#include "src/train/gradients.h"

namespace tfmodel {
namespace {

using G = const GradContext&;
using Grads = std::vector<Output>;

// An element-wise gradient op: op(first, second), T = first's dtype.
Output GradOp(std::string_view op, G c, const Output& first, const Output& second) {
  return OpBuilder(op, op, c.graph()).Input(first).Input(second).Attr("T", first.dtype()).Out();
}

// SigmoidGrad(y, dy) = dy y (1 - y);  TanhGrad(y, dy) = dy (1 - y^2)
Grads SigmoidGrad(G c) { return {GradOp("SigmoidGrad", c, c.output(0), c.grad(0))}; }
Grads TanhGrad(G c) { return {GradOp("TanhGrad", c, c.output(0), c.grad(0))}; }
// ReluGrad(dy, x) = dy (x > 0);  Relu6Grad(dy, x) = dy (0 < x < 6);  SoftplusGrad(dy, x) = dy sigmoid(x)
Grads ReluGrad(G c) { return {GradOp("ReluGrad", c, c.grad(0), c.input(0))}; }
Grads Relu6Grad(G c) { return {GradOp("Relu6Grad", c, c.grad(0), c.input(0))}; }
Grads SoftplusGrad(G c) { return {GradOp("SoftplusGrad", c, c.grad(0), c.input(0))}; }
// EluGrad(dy, y) = dy (y > 0 ? 1 : y + 1);  SeluGrad(dy, y) likewise with SELU's constants
Grads EluGrad(G c) { return {GradOp("EluGrad", c, c.grad(0), c.output(0))}; }
Grads SeluGrad(G c) { return {GradOp("SeluGrad", c, c.grad(0), c.output(0))}; }
// LeakyReluGrad(dy, x) = dy (x > 0 ? 1 : alpha)
Grads LeakyReluGrad(G c) {
  const AttrValue* alpha = c.attr("alpha");
  return {OpBuilder("LeakyReluGrad", "LeakyReluGrad", c.graph())
              .Input(c.grad(0))
              .Input(c.input(0))
              .Attr("alpha", alpha != nullptr ? alpha->f : 0.2f)
              .Attr("T", c.grad(0).dtype())
              .Out()};
}

// BiasAdd: dvalue = dy, dbias = BiasAddGrad(dy) (sum over all but the channel axis)
Grads BiasAddGrad(G c) {
  Output db = OpBuilder("BiasAddGrad", "BiasAddGrad", c.graph())
                  .Input(c.grad(0))
                  .Attr("T", c.grad(0).dtype())
                  .Attr("data_format", std::string_view(c.StringAttr("data_format", "NHWC")))
                  .Out();
  return {c.grad(0), db};
}

// Softmax: dx = (dy - sum(dy * y, -1, keepdims)) * y
Grads SoftmaxGrad(G c) {
  Output y = c.output(0), dy = c.grad(0);
  Output sum = ReduceSum(Mul(dy, y, "mul"), {-1}, true, "Sum");
  return {Mul(Sub(dy, sum, "sub"), y, "mul_1")};
}

// LogSoftmax: dx = dy - sum(dy, -1, keepdims) * exp(y)
Grads LogSoftmaxGrad(G c) {
  Output y = c.output(0), dy = c.grad(0);
  return {Sub(dy, Mul(ReduceSum(dy, {-1}, true, "Sum"), Exp(y, "Exp"), "mul"), "sub")};
}

// SoftmaxCrossEntropyWithLogits(logits, labels) -> (loss[b], backprop[b, c]):
//   dlogits = dloss[:, None] * backprop;  dlabels = dloss[:, None] * -log_softmax(logits)
Grads SoftmaxXentGrad(G c) {
  Output dloss = ExpandDims(c.GradOrZeros(0), -1, "ExpandDims");
  Output dlogits = Mul(dloss, c.output(1), "mul");
  Output dlabels = Mul(dloss, Neg(LogSoftmax(c.input(0), "LogSoftmax"), "Neg"), "mul_1");
  return {dlogits, dlabels};
}

// SparseSoftmaxCrossEntropyWithLogits: dlogits = dloss[:, None] * backprop; labels: none
Grads SparseSoftmaxXentGrad(G c) {
  Output dloss = ExpandDims(c.GradOrZeros(0), -1, "ExpandDims");
  return {Mul(dloss, c.output(1), "mul"), Output()};
}

// L2Loss = sum(x^2) / 2: dx = x dy
Grads L2LossGrad(G c) { return {Mul(c.input(0), c.grad(0), "mul")}; }

// ---- convolutions: Conv2DBackpropInput(input_sizes, filter, dy), Conv2DBackpropFilter(x,
// filter_sizes, dy), with the forward op's strides, padding, dilations and data format.
OpBuilder& ConvAttrs(OpBuilder& b, G c, bool cudnn) {
  b.Attr("T", c.input(0).dtype())
      .Attr("strides", c.IntListAttr("strides"))
      .Attr("padding", std::string_view(c.StringAttr("padding", "VALID")))
      .Attr("explicit_paddings", c.IntListAttr("explicit_paddings"))
      .Attr("data_format", std::string_view(c.StringAttr("data_format", "NHWC")));
  std::vector<int64_t> dilations = c.IntListAttr("dilations");
  if (dilations.empty()) dilations = {1, 1, 1, 1};
  b.Attr("dilations", dilations);
  if (cudnn) b.Attr("use_cudnn_on_gpu", c.BoolAttr("use_cudnn_on_gpu", true));
  return b;
}

Grads ConvGrad(G c, std::string_view input_op, std::string_view filter_op, bool cudnn) {
  Output x = c.input(0), f = c.input(1), dy = c.grad(0);
  Output x_shape = ShapeOf(x, DataType::kInt32, "ShapeN");
  Output f_shape = ShapeOf(f, DataType::kInt32, "ShapeN_1");
  OpBuilder bi(input_op, input_op, c.graph());
  bi.Input(x_shape).Input(f).Input(dy);
  Output dx = ConvAttrs(bi, c, cudnn).Out();
  OpBuilder bf(filter_op, filter_op, c.graph());
  bf.Input(x).Input(f_shape).Input(dy);
  Output df = ConvAttrs(bf, c, cudnn).Out();
  return {dx, df};
}

Grads Conv2DGrad(G c) { return ConvGrad(c, "Conv2DBackpropInput", "Conv2DBackpropFilter", true); }
Grads DepthwiseGrad(G c) {
  return ConvGrad(c, "DepthwiseConv2dNativeBackpropInput", "DepthwiseConv2dNativeBackpropFilter", false);
}

// MaxPoolGrad(x, y, dy): dy routed to each window's maximum.
Grads MaxPoolGrad(G c) {
  return {OpBuilder("MaxPoolGrad", "MaxPoolGrad", c.graph())
              .Input(c.input(0))
              .Input(c.output(0))
              .Input(c.grad(0))
              .Attr("ksize", c.IntListAttr("ksize"))
              .Attr("strides", c.IntListAttr("strides"))
              .Attr("padding", std::string_view(c.StringAttr("padding", "VALID")))
              .Attr("explicit_paddings", c.IntListAttr("explicit_paddings"))
              .Attr("data_format", std::string_view(c.StringAttr("data_format", "NHWC")))
              .Attr("T", c.input(0).dtype())
              .Out()};
}

// AvgPoolGrad(shape(x), dy): dy spread evenly over each window.
Grads AvgPoolGrad(G c) {
  Output shape = ShapeOf(c.input(0), DataType::kInt32, "Shape");
  return {OpBuilder("AvgPoolGrad", "AvgPoolGrad", c.graph())
              .Input(shape)
              .Input(c.grad(0))
              .Attr("ksize", c.IntListAttr("ksize"))
              .Attr("strides", c.IntListAttr("strides"))
              .Attr("padding", std::string_view(c.StringAttr("padding", "VALID")))
              .Attr("data_format", std::string_view(c.StringAttr("data_format", "NHWC")))
              .Attr("T", c.input(0).dtype())
              .Out()};
}

// FusedBatchNormV3 -> FusedBatchNormGradV3(dy, x, scale, reserve_1, reserve_2, reserve_3):
// dx, dscale, doffset (no gradients to the running mean and variance).
Grads FusedBatchNormGrad(G c) {
  const AttrValue* eps = c.attr("epsilon");
  const bool v3 = c.op().type() == "FusedBatchNormV3";
  OpBuilder b(v3 ? "FusedBatchNormGradV3" : "FusedBatchNormGradV2",
              v3 ? "FusedBatchNormGradV3" : "FusedBatchNormGradV2", c.graph());
  b.Input(c.GradOrZeros(0)).Input(c.input(0)).Input(c.input(1)).Input(c.output(3)).Input(c.output(4));
  if (v3) b.Input(c.output(5));
  b.Attr("T", c.input(0).dtype())
      .Attr("U", c.input(1).dtype())
      .Attr("epsilon", eps != nullptr ? eps->f : 0.001f)
      .Attr("data_format", std::string_view(c.StringAttr("data_format", "NHWC")))
      .Attr("is_training", c.BoolAttr("is_training", true));
  Operation op = b.Build();
  return {op.output(0), op.output(1), op.output(2), Output(), Output()};
}

}  // namespace

void RegisterNnGradients(GradientRegistry& r) {
  r.Add({"Sigmoid", SigmoidGrad});
  r.Add({"Tanh", TanhGrad});
  r.Add({"Relu", ReluGrad});
  r.Add({"Relu6", Relu6Grad});
  r.Add({"Softplus", SoftplusGrad});
  r.Add({"Elu", EluGrad});
  r.Add({"Selu", SeluGrad});
  r.Add({"LeakyRelu", LeakyReluGrad});
  r.Add({"BiasAdd", BiasAddGrad});
  r.Add({"BiasAddV1", BiasAddGrad});
  r.Add({"Softmax", SoftmaxGrad});
  r.Add({"LogSoftmax", LogSoftmaxGrad});
  r.Add({"SoftmaxCrossEntropyWithLogits", SoftmaxXentGrad});
  r.Add({"SparseSoftmaxCrossEntropyWithLogits", SparseSoftmaxXentGrad});
  r.Add({"L2Loss", L2LossGrad});
  r.Add({"Conv2D", Conv2DGrad});
  r.Add({"DepthwiseConv2dNative", DepthwiseGrad});
  r.Add({"MaxPool", MaxPoolGrad});
  r.Add({"AvgPool", AvgPoolGrad});
  r.Add({"FusedBatchNormV3", FusedBatchNormGrad});
  r.Add({"FusedBatchNormV2", FusedBatchNormGrad});
}

}  // namespace tfmodel
