// Gradients of the gradient ops (second derivatives: TF's *GradGrad functions in math_grad.py,
// nn_grad.py, array_grad.py and nn_fused_batch_norm_grad.py). In each comment z is the gradient
// op's output and g = dL/dz.
#include "src/api/op_builder.h"
#include "src/train/grad/grad_util.h"
#include "src/train/gradients.h"

namespace tfmodel {
namespace {

using grad::G;
using grad::Grads;
using grad::Op2;

// ---- element-wise activation gradients ---------------------------------------------------------
// SigmoidGrad(y, b): z = b y (1 - y);  dy = g b (1 - 2y),  db = SigmoidGrad(y, g)
Grads SigmoidGradGrad(G c) {
  Output y = c.input(0), gb = Mul(c.grad(0), c.input(1), "mul");
  Output two = ScalarLike(y, 2.0, "mul_1/x");
  return {Sub(gb, Mul(Mul(two, gb, "mul_1"), y, "mul_2"), "sub"), Op2(c, "SigmoidGrad", y, c.grad(0))};
}

// TanhGrad(y, b): z = b (1 - y^2);  dy = -2 g b y,  db = TanhGrad(y, g)
Grads TanhGradGrad(G c) {
  Output y = c.input(0), b = c.input(1);
  Output t = Mul(Mul(c.grad(0), ScalarLike(y, -2.0, "mul/y"), "mul"), b, "mul_1");
  return {Mul(t, y, "mul_2"), Op2(c, "TanhGrad", y, c.grad(0))};
}

// ReciprocalGrad / InvGrad(y, b): z = -b y^2;  dy = -2 g b y,  db = ReciprocalGrad(y, g)
Grads ReciprocalGradGrad(G c) {
  Output y = c.input(0), b = c.input(1);
  Output t = Mul(Mul(c.grad(0), ScalarLike(y, -2.0, "mul/y"), "mul"), b, "mul_1");
  return {Mul(t, y, "mul_2"), Op2(c, "ReciprocalGrad", y, c.grad(0))};
}

// RsqrtGrad(y, b): z = -b y^3 / 2;  dy = -1.5 g b y^2,  db = RsqrtGrad(y, g)
Grads RsqrtGradGrad(G c) {
  Output y = c.input(0), b = c.input(1);
  Output t = Mul(Mul(ScalarLike(y, -1.5, "mul/x"), c.grad(0), "mul"), b, "mul_1");
  return {Mul(t, Square(y, "Square"), "mul_2"), Op2(c, "RsqrtGrad", y, c.grad(0))};
}

// SqrtGrad(y, b): z = b / (2y);  dy = -(g / y) z,  db = (g / y) / 2
Grads SqrtGradGrad(G c) {
  Output ga = RealDiv(c.grad(0), c.input(0), "truediv");
  return {Mul(Neg(ga, "Neg"), c.output(0), "mul"), Mul(ScalarLike(ga, 0.5, "mul_1/x"), ga, "mul_1")};
}

// ReluGrad / Relu6Grad(b, x): z = b where x is in the linear range;  db = same op(g, x),  dx = 0
Grads ReluGradGrad(G c) {
  Output x = c.input(1);
  return {Op2(c, c.op().type(), c.grad(0), x), ZerosLike(x, "zeros_like")};
}

// LeakyReluGrad(b, x): z = b (x > 0 ? 1 : alpha);  db = LeakyReluGrad(g, x),  dx = 0
Grads LeakyReluGradGrad(G c) {
  Output x = c.input(1);
  OpBuilder b("LeakyReluGrad", "LeakyReluGrad", c.graph());
  b.Input(c.grad(0)).Input(x).Attr("T", x.dtype());
  grad::CopyAttrs(b, c, {"alpha"});
  return {b.Out(), ZerosLike(x, "zeros_like")};
}

// EluGrad / SeluGrad(b, y): z = b (y > 0 ? s : y + s a);  db = same op(g, y),  dy = y < 0 ? g b : 0
Grads EluGradGrad(G c) {
  Output b = c.input(0), y = c.input(1);
  Output negative = Less(y, ScalarLike(y, 0.0, "Less/y"), "Less");
  Output dy = grad::SelectV1(negative, Mul(c.grad(0), b, "mul"), ZerosLike(y, "zeros_like"), "Select");
  return {Op2(c, c.op().type(), c.grad(0), y), dy};
}

// SoftplusGrad(b, x): z = b sigmoid(x);  db = SoftplusGrad(g, x),  dx = g b / (e^-x + 2 + e^x)
Grads SoftplusGradGrad(G c) {
  Output b = c.input(0), x = c.input(1);
  Output denom = Add(Add(Exp(Neg(x, "Neg"), "Exp"), ScalarLike(x, 2.0, "add/y"), "add"), Exp(x, "Exp_1"), "add_1");
  return {Op2(c, "SoftplusGrad", c.grad(0), x), RealDiv(Mul(c.grad(0), b, "mul"), denom, "truediv")};
}

// ---- BiasAddGrad(b): z[C] = sum of b over all but the channel axis;  db = g broadcast back ------
Grads BiasAddGradGrad(G c) {
  PartialShape s = c.input(0).shape();
  if (s.unknown_rank || s.dims.size() < 2) {
    return c.Unsupported("the bias gradient's input needs a known rank of at least 2");
  }
  const int64_t rank = static_cast<int64_t>(s.dims.size());
  const int64_t channel = c.StringAttr("data_format", "NHWC") == "NCHW" ? 1 : rank - 1;
  std::vector<int64_t> kept(rank, 1), keep_mask(rank, 1), channel_mask(rank, 0);
  kept[channel] = -1;
  keep_mask[channel] = 0;
  channel_mask[channel] = 1;
  GraphState* g = c.graph();
  Output expanded = Reshape(c.grad(0), kept, "Reshape");
  // Tile multiples: shape(b) with the channel axis set to 1.
  Output multiples = Add(Mul(grad::ShapeI32(c.input(0)), Int32Vector(g, keep_mask, "mask"), "mul"),
                         Int32Vector(g, channel_mask, "ones"), "add");
  return {OpBuilder("Tile", "Tile", g)
              .Input(expanded)
              .Input(multiples)
              .Attr("T", expanded.dtype())
              .Attr("Tmultiples", DataType::kInt32)
              .Out()};
}

// ---- convolution backprops ---------------------------------------------------------------------
// The forward op's strides, padding, dilations, explicit paddings and data format.
OpBuilder& ConvAttrs(OpBuilder& b, G c, DataType t) {
  b.Attr("T", t);
  return grad::CopyAttrs(b, c, {"strides", "padding", "explicit_paddings", "data_format", "dilations",
                                "use_cudnn_on_gpu"});
}

Output ConvOp(G c, std::string_view op, const Output& a, const Output& b, const Output& d) {
  OpBuilder builder(op, op, c.graph());
  builder.Input(a).Input(b);
  if (d.valid()) builder.Input(d);
  return ConvAttrs(builder, c, c.grad(0).dtype()).Out();
}

// Conv2DBackpropInput(sizes, f, b) = conv^T(b, f):  df = Conv2DBackpropFilter(g, shape(f), b),
// db = Conv2D(g, f);  Depthwise likewise.
Grads ConvBackpropInputGrad(G c) {
  const bool depthwise = c.op().type() == "DepthwiseConv2dNativeBackpropInput";
  Output f = c.input(1), b = c.input(2), g = c.grad(0);
  Output df = ConvOp(c, depthwise ? "DepthwiseConv2dNativeBackpropFilter" : "Conv2DBackpropFilter", g,
                     grad::ShapeI32(f), b);
  Output db = ConvOp(c, depthwise ? "DepthwiseConv2dNative" : "Conv2D", g, f, Output());
  return {Output(), df, db};
}

// Conv2DBackpropFilter(x, sizes, b):  dx = Conv2DBackpropInput(shape(x), g, b),  db = Conv2D(x, g)
Grads ConvBackpropFilterGrad(G c) {
  const bool depthwise = c.op().type() == "DepthwiseConv2dNativeBackpropFilter";
  Output x = c.input(0), b = c.input(2), g = c.grad(0);
  Output dx = ConvOp(c, depthwise ? "DepthwiseConv2dNativeBackpropInput" : "Conv2DBackpropInput",
                     grad::ShapeI32(x), g, b);
  Output db = ConvOp(c, depthwise ? "DepthwiseConv2dNative" : "Conv2D", x, g, Output());
  return {dx, Output(), db};
}

// ---- pooling gradients -------------------------------------------------------------------------
// AvgPoolGrad(shape, b): linear in b;  db = AvgPool(g)
Grads AvgPoolGradGrad(G c) {
  OpBuilder b("AvgPool", "AvgPool", c.graph());
  b.Input(c.grad(0)).Attr("T", c.grad(0).dtype());
  grad::CopyAttrs(b, c, {"ksize", "strides", "padding", "data_format"});
  return {Output(), b.Out()};
}

// MaxPoolGrad(x, y, b): b routed to each window's maximum;  db = MaxPoolGradGrad(x, y, g) (g read
// at each window's maximum), dx = dy = 0 (piecewise constant in them)
Grads MaxPoolGradGrad(G c) {
  OpBuilder b("MaxPoolGradGrad", "MaxPoolGradGrad", c.graph());
  b.Input(c.input(0)).Input(c.input(1)).Input(c.grad(0)).Attr("T", c.input(0).dtype());
  grad::CopyAttrs(b, c, {"ksize", "strides", "padding", "data_format"});
  return {ZerosLike(c.input(0), "zeros_like"), ZerosLike(c.input(1), "zeros_like_1"), b.Out()};
}

// MaxPoolGradGrad(x, y, b): b read at each window's maximum;  db = MaxPoolGrad(x, y, g),
// dx = dy = 0
Grads MaxPoolGradGradGrad(G c) {
  OpBuilder b("MaxPoolGrad", "MaxPoolGrad", c.graph());
  b.Input(c.input(0)).Input(c.input(1)).Input(c.grad(0)).Attr("T", c.input(0).dtype());
  grad::CopyAttrs(b, c, {"ksize", "strides", "padding", "data_format"});
  return {ZerosLike(c.input(0), "zeros_like"), ZerosLike(c.input(1), "zeros_like_1"), b.Out()};
}

// ---- StridedSliceGrad(shape, begin, end, strides, b): db = strided_slice(g) ---------------------
Grads StridedSliceGradGrad(G c) {
  OpBuilder b("StridedSlice", "StridedSlice", c.graph());
  b.Input(c.grad(0)).Input(c.input(1)).Input(c.input(2)).Input(c.input(3));
  b.Attr("T", c.grad(0).dtype()).Attr("Index", c.input(1).dtype());
  grad::CopyAttrs(b, c, {"begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask"});
  return {Output(), Output(), Output(), Output(), b.Out()};
}

// ---- FusedBatchNormGrad{,V2,V3}(b, x, scale, r1, r2[, r3]) -> (dx, dscale, doffset, ...) --------
// TF differentiates its own composite formula of the batch norm gradient (_BatchNormGrad) with
// a tape; here the same formula is built from primitive ops and differentiated by the driver:
//   training (axes R = all but channels, m = mean over R, v = var over R, s = rsqrt(v + eps)):
//     dx = scale s (b - mean_R(b) - (x - m) mean_R(b (x - m)) / (v + eps))
//     dscale = s sum_R(b (x - m)),  doffset = sum_R(b)
//   inference (population mean r1 and variance r2):
//     dx = b scale s,  dscale = sum_R(b (x - r1) s),  doffset = sum_R(b),  s = rsqrt(r2 + eps)
Grads FusedBatchNormGradGrad(G c) {
  const std::string format = c.StringAttr("data_format", "NHWC");
  if (format != "NHWC" && format != "NCHW") return c.Unsupported("data_format " + format);
  const AttrValue* eps_attr = c.attr("epsilon");
  const double eps = eps_attr != nullptr ? eps_attr->f : 0.0001;
  const bool training = c.BoolAttr("is_training", true);
  const bool nchw = format == "NCHW";
  const std::vector<int64_t> axes = nchw ? std::vector<int64_t>{0, 2, 3} : std::vector<int64_t>{0, 1, 2};
  // Fresh identities: the driver differentiates this subgraph only, not what produced its inputs.
  Output b = Identity(c.input(0), "grad_y"), x = Identity(c.input(1), "x");
  Output scale = Identity(c.input(2), "scale");
  auto channels = [&](const Output& v, std::string_view name) {  // [C] -> broadcastable to x
    return nchw ? Reshape(v, {1, -1, 1, 1}, name) : v;
  };
  Output epsilon = ScalarLike(x, eps, "epsilon");
  Output dx, dscale, doffset;
  if (training) {
    Output mean_b = ReduceMean(b, axes, nchw, "Mean");
    Output mean_x = ReduceMean(x, axes, nchw, "Mean_1");
    Output var_x = ReduceMean(SquaredDifference(x, StopGradient(mean_x, "StopGradient"), "SquaredDifference"),
                              axes, nchw, "Mean_2");
    Output x_offset = Sub(x, mean_x, "sub");
    Output mean = ReduceMean(Mul(b, x_offset, "mul"), axes, nchw, "Mean_3");
    Output ve = Add(var_x, epsilon, "add");
    Output s = Rsqrt(ve, "Rsqrt");
    Output inner = Sub(Sub(b, mean_b, "sub_1"), Mul(Mul(Reciprocal(ve, "Reciprocal"), mean, "mul_1"), x_offset, "mul_2"),
                       "sub_2");
    dx = Mul(Mul(channels(scale, "Reshape"), s, "mul_3"), inner, "mul_4");
    dscale = Mul(s, ReduceSum(Mul(b, x_offset, "mul_5"), axes, nchw, "Sum"), "mul_6");
    if (nchw) dscale = Reshape(dscale, {-1}, "Squeeze");
  } else {
    Output mean = channels(c.input(3), "Reshape_1"), var = channels(c.input(4), "Reshape_2");
    Output s = Rsqrt(Add(var, epsilon, "add"), "Rsqrt");
    dscale = ReduceSum(Mul(Mul(b, Sub(x, mean, "sub"), "mul"), s, "mul_1"), axes, false, "Sum");
    dx = Mul(Mul(b, channels(scale, "Reshape"), "mul_2"), s, "mul_3");
  }
  doffset = ReduceSum(b, axes, false, "Sum_1");
  auto grads = Gradients({dx, dscale, doffset}, {b, x, scale},
                         {c.GradOrZeros(0), c.GradOrZeros(1), c.GradOrZeros(2)});
  if (!grads.ok()) return c.Unsupported(grads.status().message());
  Grads out = {(*grads)[0], (*grads)[1], (*grads)[2], Output(), Output()};
  if (c.num_inputs() == 6) out.push_back(Output());
  return out;
}

}  // namespace

void RegisterGradGradients(GradientRegistry& r) {
  r.Add({"SigmoidGrad", SigmoidGradGrad});
  r.Add({"TanhGrad", TanhGradGrad});
  r.Add({"ReciprocalGrad", ReciprocalGradGrad});
  r.Add({"InvGrad", ReciprocalGradGrad});
  r.Add({"RsqrtGrad", RsqrtGradGrad});
  r.Add({"SqrtGrad", SqrtGradGrad});
  r.Add({"ReluGrad", ReluGradGrad});
  r.Add({"Relu6Grad", ReluGradGrad});
  r.Add({"LeakyReluGrad", LeakyReluGradGrad});
  r.Add({"EluGrad", EluGradGrad});
  r.Add({"SeluGrad", EluGradGrad});
  r.Add({"SoftplusGrad", SoftplusGradGrad});
  r.Add({"BiasAddGrad", BiasAddGradGrad});
  r.Add({"Conv2DBackpropInput", ConvBackpropInputGrad});
  r.Add({"Conv2DBackpropFilter", ConvBackpropFilterGrad});
  r.Add({"DepthwiseConv2dNativeBackpropInput", ConvBackpropInputGrad});
  r.Add({"DepthwiseConv2dNativeBackpropFilter", ConvBackpropFilterGrad});
  r.Add({"AvgPoolGrad", AvgPoolGradGrad});
  r.Add({"MaxPoolGrad", MaxPoolGradGrad});
  r.Add({"MaxPoolGradGrad", MaxPoolGradGradGrad});
  r.Add({"StridedSliceGrad", StridedSliceGradGrad});
  r.Add({"FusedBatchNormGrad", FusedBatchNormGradGrad});
  r.Add({"FusedBatchNormGradV2", FusedBatchNormGradGrad});
  r.Add({"FusedBatchNormGradV3", FusedBatchNormGradGrad});
}

}  // namespace tfmodel
