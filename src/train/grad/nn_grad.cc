// Gradients of activations, bias, softmax, cross entropy, convolutions, pooling and batch norm
// (TF: nn_grad.py), emitting TensorFlow's gradient ops (SigmoidGrad, ReluGrad, BiasAddGrad,
// Conv2DBackpropInput, ...).
#include "src/api/op_builder.h"
#include "src/train/grad/grad_util.h"
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
// ReluGrad(dy, y) = dy (y > 0);  Relu6Grad(dy, y) = dy (0 < y < 6): TF passes the output, which
// is positive (and below 6) exactly where the input is.
Grads ReluGrad(G c) { return {GradOp("ReluGrad", c, c.grad(0), c.output(0))}; }
Grads Relu6Grad(G c) { return {GradOp("Relu6Grad", c, c.grad(0), c.output(0))}; }
// Softplus: dx = dy sigmoid(x) (TF builds it from Sigmoid and Mul, not SoftplusGrad)
Grads SoftplusGrad(G c) { return {Mul(c.grad(0), Sigmoid(c.input(0), "Sigmoid"), "mul")}; }
// Softsign: dx = dy / (1 + |x|)^2 (TF emits SoftsignGrad, which the runtime lacks: the same
// formula from Abs, Add, Square and RealDiv)
Grads SoftsignGrad(G c) {
  Output x = c.input(0);
  Output denom = Square(Add(ScalarLike(x, 1.0, "add/x"), Abs(x, "Abs"), "add"), "Square");
  return {RealDiv(c.grad(0), denom, "truediv")};
}
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

// BiasAddV1 (always NHWC-like: bias on the last axis): dbias = sum of dy over all other axes
Grads BiasAddV1Grad(G c) {
  GraphState* g = c.graph();
  Output dy = c.grad(0);
  Output axes = Range(Int32Scalar(g, 0, "range/start"), Sub(Rank(dy, "Rank"), Int32Scalar(g, 1, "sub/y"), "sub"),
                      Int32Scalar(g, 1, "range/delta"), "range");
  Output db = OpBuilder("Sum", "Sum", g)
                  .Input(dy)
                  .Input(axes)
                  .Attr("T", dy.dtype())
                  .Attr("Tidx", DataType::kInt32)
                  .Attr("keep_dims", false)
                  .Out();
  return {dy, db};
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

// SoftmaxCrossEntropyWithLogits(logits, labels) -> (loss[b], backprop[b, c]), backprop =
// softmax(logits) - labels:
//   dlogits = dloss[:, None] * backprop + (dbackprop - sum(dbackprop * p, -1)[:, None]) * p
//   dlabels = dloss[:, None] * -log_softmax(logits)            (p = softmax(logits))
// The second dlogits term is the softmax gradient of what reaches the backprop output.
Output XentBackpropGrad(G c, const Output& dlogits) {
  if (!c.grad(1).valid()) return dlogits;
  Output p = OpBuilder("Softmax", "Softmax", c.graph()).Input(c.input(0)).Attr("T", c.input(0).dtype()).Out();
  Output dbp = c.grad(1);
  Output sum = ReduceSum(Mul(dbp, p, "mul_2"), {-1}, true, "Sum");
  return Add(dlogits, Mul(Sub(dbp, sum, "sub"), p, "mul_3"), "add");
}

Grads SoftmaxXentGrad(G c) {
  Output dloss = ExpandDims(c.GradOrZeros(0), -1, "ExpandDims");
  Output dlogits = XentBackpropGrad(c, Mul(dloss, c.output(1), "mul"));
  Output dlabels = Mul(dloss, Neg(LogSoftmax(c.input(0), "LogSoftmax"), "Neg"), "mul_1");
  return {dlogits, dlabels};
}

// SparseSoftmaxCrossEntropyWithLogits: dlogits as above; the integer labels get none
Grads SparseSoftmaxXentGrad(G c) {
  Output dloss = ExpandDims(c.GradOrZeros(0), -1, "ExpandDims");
  return {XentBackpropGrad(c, Mul(dloss, c.output(1), "mul")), Output()};
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

// FusedBatchNorm{,V2,V3} -> FusedBatchNormGrad{,V2,V3}(dy, x, scale, r1, r2[, r3]): dx, dscale,
// doffset (none to the running mean and variance). Training: r1, r2 are the forward op's saved
// batch statistics (outputs 3, 4). Inference: the population mean and variance (inputs 3, 4),
// and TF computes it in NHWC, transposing NCHW around the gradient op:
//   dx = dy scale / sqrt(var + eps),  dscale = sum(dy (x - mean) / sqrt(var + eps)),  doffset = sum(dy)
Grads FusedBatchNormGrad(G c) {
  const AttrValue* eps = c.attr("epsilon");
  const std::string& type = c.op().type();
  const std::string grad_op = type == "FusedBatchNormV3"   ? "FusedBatchNormGradV3"
                              : type == "FusedBatchNormV2" ? "FusedBatchNormGradV2"
                                                           : "FusedBatchNormGrad";
  const bool training = c.BoolAttr("is_training", true);
  const std::string format = c.StringAttr("data_format", "NHWC");
  if (format != "NHWC" && format != "NCHW") return c.Unsupported("data_format " + format);
  Output x = c.input(0), dy = c.GradOrZeros(0);
  std::string grad_format = format;
  if (!training && format == "NCHW") {
    x = Transpose(x, {0, 2, 3, 1}, "transpose");
    dy = Transpose(dy, {0, 2, 3, 1}, "transpose_1");
    grad_format = "NHWC";
  }
  OpBuilder b(grad_op, grad_op, c.graph());
  b.Input(dy).Input(x).Input(c.input(1));
  if (training) {
    b.Input(c.output(3)).Input(c.output(4));
  } else {
    b.Input(c.input(3)).Input(c.input(4));
  }
  if (grad_op == "FusedBatchNormGradV3") b.Input(c.output(5));
  b.Attr("T", c.input(0).dtype())
      .Attr("epsilon", eps != nullptr ? eps->f : 0.0001f)
      .Attr("data_format", std::string_view(grad_format))
      .Attr("is_training", training);
  if (grad_op != "FusedBatchNormGrad") b.Attr("U", c.input(1).dtype());
  Operation op = b.Build();
  Output dx = op.output(0);
  if (!training && format == "NCHW") dx = Transpose(dx, {0, 3, 1, 2}, "transpose_2");
  return {dx, op.output(1), op.output(2), Output(), Output()};
}

// LRN: dx = LRNGrad(dy, x, y) with the forward op's depth_radius, bias, alpha, beta
Grads LrnGrad(G c) {
  OpBuilder b("LRNGrad", "LRNGrad", c.graph());
  b.Input(c.grad(0)).Input(c.input(0)).Input(c.output(0)).Attr("T", c.input(0).dtype());
  grad::CopyAttrs(b, c, {"depth_radius", "bias", "alpha", "beta"});
  return {b.Out()};
}

// ResizeBilinear(images, size): dimages = ResizeBilinearGrad(dy, images) (float gradients only)
Grads ResizeBilinearGrad(G c) {
  OpBuilder b("ResizeBilinearGrad", "ResizeBilinearGrad", c.graph());
  b.Input(c.grad(0)).Input(c.input(0)).Attr("T", c.input(0).dtype());
  grad::CopyAttrs(b, c, {"align_corners", "half_pixel_centers"});
  return {b.Out(), Output()};
}

// ResizeNearestNeighbor(images, size): dimages = ResizeNearestNeighborGrad(dy, images' [H, W])
Grads ResizeNearestGrad(G c) {
  PartialShape s = c.input(0).shape();
  Output hw;
  if (!s.unknown_rank && s.dims.size() == 4 && s.dims[1] >= 0 && s.dims[2] >= 0) {
    hw = Int32Vector(c.graph(), {s.dims[1], s.dims[2]}, "size");
  } else {
    hw = grad::SliceT(grad::ShapeI32(c.input(0)), Int32Vector(c.graph(), {1}, "Slice/begin"),
                      Int32Vector(c.graph(), {2}, "Slice/size"), "Slice");
  }
  OpBuilder b("ResizeNearestNeighborGrad", "ResizeNearestNeighborGrad", c.graph());
  b.Input(c.grad(0)).Input(hw).Attr("T", c.grad(0).dtype());
  grad::CopyAttrs(b, c, {"align_corners", "half_pixel_centers"});
  return {b.Out(), Output()};
}

// TopKV2(x, k) -> (values, indices): dx = dvalues scattered to the selected positions of each
// row (flattened to [rows, k] and offset by row * n), zeros elsewhere; k gets none.
Grads TopKGrad(G c) {
  GraphState* g = c.graph();
  Output x = c.input(0), indices = c.output(1), dy = c.GradOrZeros(0);
  Output in_shape = grad::ShapeI32(x, "Shape");
  Output ind_shape = grad::ShapeI32(indices, "Shape_1");
  auto last = [&](const Output& shape, std::string_view name) {
    return grad::GatherT(shape, Sub(Size(shape, DataType::kInt32, "Size"), Int32Scalar(g, 1, "sub/y"), "sub"), 0, name);
  };
  Output k = last(ind_shape, "GatherV2");
  Output n = last(in_shape, "GatherV2_1");
  Output ind_2d = Reshape(indices, Stack({Int32Scalar(g, -1, "stack/0"), k}, 0, "stack"), "Reshape");
  Output rows = grad::GatherT(grad::ShapeI32(ind_2d, "Shape_2"), Int32Scalar(g, 0, "GatherV2_2/indices"), 0, "GatherV2_2");
  Output offsets = Range(Int32Scalar(g, 0, "range/start"), Mul(rows, n, "mul"), n, "range");
  Output flat = Reshape(Add(ind_2d, ExpandDims(offsets, -1, "ExpandDims"), "add"), {-1}, "Reshape_1");
  Output total = Reshape(ReduceProd(in_shape, {}, false, "Prod"), {1}, "Reshape_2");
  Output scattered = OpBuilder("ScatterNd", "ScatterNd", g)
                         .Input(ExpandDims(flat, -1, "ExpandDims_1"))
                         .Input(Reshape(dy, {-1}, "Reshape_3"))
                         .Input(total)
                         .Attr("T", dy.dtype())
                         .Attr("Tindices", DataType::kInt32)
                         .Out();
  return {Reshape(scattered, in_shape, "Reshape_4"), Output()};
}

}  // namespace

void RegisterNnGradients(GradientRegistry& r) {
  r.Add({"Sigmoid", SigmoidGrad});
  r.Add({"Tanh", TanhGrad});
  r.Add({"Relu", ReluGrad});
  r.Add({"Relu6", Relu6Grad});
  r.Add({"Softplus", SoftplusGrad});
  r.Add({"Softsign", SoftsignGrad});
  r.Add({"Elu", EluGrad});
  r.Add({"Selu", SeluGrad});
  r.Add({"LeakyRelu", LeakyReluGrad});
  r.Add({"BiasAdd", BiasAddGrad});
  r.Add({"BiasAddV1", BiasAddV1Grad});
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
  r.Add({"FusedBatchNorm", FusedBatchNormGrad});
  r.Add({"LRN", LrnGrad});
  r.Add({"ResizeBilinear", ResizeBilinearGrad});
  r.Add({"ResizeNearestNeighbor", ResizeNearestGrad});
  r.Add({"TopKV2", TopKGrad});
}

}  // namespace tfmodel
