// Gradient check cases for the gradient ops themselves (second derivatives): each gradient op is
// checked as a function of all its float inputs.
#include "src/train/grad/gradient_check.h"

namespace tfmodel::gradcheck {
namespace {

using enum DataType;

AttrValue L(std::vector<int64_t> v) { return IntListAttr(v); }
AttrValue S(const char* v) { return StringAttr(v); }

GradCase Elementwise(const std::string& op, Tensor a, Tensor b, const std::string& variant = "",
                     std::vector<std::pair<const char*, AttrValue>> attrs = {}) {
  return {op + (variant.empty() ? "" : "." + variant), op, {X(a), X(b)}, [op, attrs](const Ins& in) {
            OpBuilder builder(op, "", in[0].graph());
            builder.Inputs(in).Attr("T", in[0].dtype());
            for (const auto& [k, v] : attrs) builder.Attr(k, v);
            return Outs{builder.Out()};
          }};
}

Outs ConvGrad(const std::string& op, const Ins& in, std::vector<int64_t> strides, const char* padding) {
  return Outs{Op(op, in, {{"T", TypeAttr(kDouble)}, {"strides", L(strides)}, {"padding", S(padding)},
                          {"data_format", S("NHWC")}, {"dilations", L({1, 1, 1, 1})}})};
}

// FusedBatchNormGrad{,V2,V3} on the statistics of its own forward op (training: the reserve
// spaces are functions of x, as TF's second derivative assumes) or on constant population
// statistics (inference).
GradCase BatchNormGrad(const std::string& op, bool training, const char* format) {
  const bool nchw = std::string(format) == "NCHW";
  const std::vector<int64_t> xs = nchw ? std::vector<int64_t>{2, 3, 2, 2} : std::vector<int64_t>{2, 2, 2, 3};
  std::vector<In> in = {X(Rand(xs, -1, 1, kFloat)), X(Rand(xs, -1, 1, kFloat)), X(Rand({3}, 0.5, 1.5, kFloat))};
  if (!training) {
    in.push_back(C(Rand({3}, -0.5, 0.5, kFloat)));
    in.push_back(C(Rand({3}, 0.5, 1.5, kFloat)));
  }
  const std::string forward = op == "FusedBatchNormGradV3"   ? "FusedBatchNormV3"
                              : op == "FusedBatchNormGradV2" ? "FusedBatchNormV2"
                                                             : "FusedBatchNorm";
  std::string name = op + (training ? ".training_" : ".inference_") + format;
  return {name, op, in, [=](const Ins& x) {
            GraphState* g = x[0].graph();
            Output dy = x[0], input = x[1], scale = x[2];
            std::vector<Output> reserve;
            Operation fwd;
            if (training) {
              OpBuilder f(forward, "forward", g);
              Output empty = Const(Graph(g), Values({}, {0}, kFloat), "empty");
              f.Input(input).Input(scale).Input(ZerosLike(scale)).Input(empty).Input(empty);
              f.Attr("T", kFloat).Attr("epsilon", 0.001f).Attr("data_format", format).Attr("is_training", true);
              if (forward != "FusedBatchNorm") f.Attr("U", kFloat);
              fwd = f.Build();
              reserve = {fwd.output(3), fwd.output(4)};
            } else {
              reserve = {x[3], x[4]};
            }
            OpBuilder b(op, "", g);
            b.Input(dy).Input(input).Input(scale).Input(reserve[0]).Input(reserve[1]);
            if (op == "FusedBatchNormGradV3") {
              b.Input(training ? fwd.output(5) : Const(Graph(g), Values({}, {0}, kFloat), "reserve_3"));
            }
            b.Attr("T", kFloat).Attr("epsilon", 0.001f).Attr("data_format", format).Attr("is_training", training);
            if (op != "FusedBatchNormGrad") b.Attr("U", kFloat);
            Operation grad = b.Build();
            return Outs{grad.output(0), grad.output(1), grad.output(2)};
          },
          /*eps=*/1e-2, /*tol=*/5e-3};
}

}  // namespace

void AddSecondOrderCases(std::vector<GradCase>& cases) {
  // ---- element-wise: (y or x, upstream gradient b) ----
  cases.push_back(Elementwise("SigmoidGrad", Rand({2, 3}, 0.1, 0.9), Rand({2, 3})));
  cases.push_back(Elementwise("TanhGrad", Rand({2, 3}, -0.9, 0.9), Rand({2, 3})));
  cases.push_back(Elementwise("ReciprocalGrad", RandAway({2, 3}, -2, 2, {0}, 0.5), Rand({2, 3})));
  cases.push_back(Elementwise("InvGrad", RandAway({2, 3}, -2, 2, {0}, 0.5), Rand({2, 3})));
  cases.push_back(Elementwise("RsqrtGrad", Rand({2, 3}, 0.5, 2), Rand({2, 3})));
  cases.push_back(Elementwise("SqrtGrad", Rand({2, 3}, 0.5, 2), Rand({2, 3})));
  cases.push_back(Elementwise("ReluGrad", Rand({2, 3}), RandAway({2, 3}, -2, 2, {0})));
  cases.push_back(Elementwise("Relu6Grad", Rand({3, 3}), RandAway({3, 3}, -2, 8, {0, 6}, 0.3)));
  cases.push_back(Elementwise("LeakyReluGrad", Rand({2, 3}), RandAway({2, 3}, -2, 2, {0}), "alpha_0.2",
                              {{"alpha", FloatAttr(0.2f)}}));
  cases.push_back(Elementwise("EluGrad", Rand({2, 3}), RandAway({2, 3}, -0.9, 2, {0})));
  cases.push_back(Elementwise("SeluGrad", Rand({2, 3}), RandAway({2, 3}, -1.5, 2, {0})));
  cases.push_back(Elementwise("SoftplusGrad", Rand({2, 3}), Rand({2, 3}, -3, 3)));
  cases.push_back({"BiasAddGrad.NHWC", "BiasAddGrad", {X(Rand({2, 3, 4}))},
                   [](const Ins& in) { return Outs{Op("BiasAddGrad", in, {{"data_format", S("NHWC")}})}; }});
  cases.push_back({"BiasAddGrad.NCHW", "BiasAddGrad", {X(Rand({2, 3, 2, 2}))},
                   [](const Ins& in) { return Outs{Op("BiasAddGrad", in, {{"data_format", S("NCHW")}})}; }});

  // ---- convolution backprops: Conv2DBackpropInput(sizes, filter, dy), ...Filter(x, sizes, dy) ----
  cases.push_back({"Conv2DBackpropInput.valid", "Conv2DBackpropInput",
                   {C(Ints({1, 5, 5, 2}, {4})), X(Rand({3, 3, 2, 3})), X(Rand({1, 3, 3, 3}))},
                   [](const Ins& in) { return ConvGrad("Conv2DBackpropInput", {in[0], in[1], in[2]}, {1, 1, 1, 1}, "VALID"); }});
  cases.push_back({"Conv2DBackpropInput.same_stride2", "Conv2DBackpropInput",
                   {C(Ints({1, 5, 4, 2}, {4})), X(Rand({3, 3, 2, 2})), X(Rand({1, 3, 2, 2}))},
                   [](const Ins& in) { return ConvGrad("Conv2DBackpropInput", in, {1, 2, 2, 1}, "SAME"); }});
  cases.push_back({"Conv2DBackpropFilter.valid", "Conv2DBackpropFilter",
                   {X(Rand({1, 5, 5, 2})), C(Ints({3, 3, 2, 3}, {4})), X(Rand({1, 3, 3, 3}))},
                   [](const Ins& in) { return ConvGrad("Conv2DBackpropFilter", in, {1, 1, 1, 1}, "VALID"); }});
  cases.push_back({"DepthwiseConv2dNativeBackpropInput", "DepthwiseConv2dNativeBackpropInput",
                   {C(Ints({1, 4, 4, 2}, {4})), X(Rand({3, 3, 2, 2})), X(Rand({1, 2, 2, 4}))},
                   [](const Ins& in) { return ConvGrad("DepthwiseConv2dNativeBackpropInput", in, {1, 1, 1, 1}, "VALID"); }});
  cases.push_back({"DepthwiseConv2dNativeBackpropFilter", "DepthwiseConv2dNativeBackpropFilter",
                   {X(Rand({1, 4, 4, 2})), C(Ints({3, 3, 2, 2}, {4})), X(Rand({1, 2, 2, 4}))},
                   [](const Ins& in) { return ConvGrad("DepthwiseConv2dNativeBackpropFilter", in, {1, 1, 1, 1}, "VALID"); }});

  // ---- pooling gradients ----
  cases.push_back({"AvgPoolGrad", "AvgPoolGrad", {C(Ints({1, 4, 4, 1}, {4})), X(Rand({1, 2, 2, 1}))}, [](const Ins& in) {
                     return Outs{Op("AvgPoolGrad", {in[0], in[1]}, {{"T", TypeAttr(kDouble)}, {"ksize", L({1, 3, 3, 1})},
                                                                   {"strides", L({1, 2, 2, 1})}, {"padding", S("SAME")},
                                                                   {"data_format", S("NHWC")}})};
                   }});
  // MaxPoolGrad of its own MaxPool (y = MaxPool(x)): x moves the maxima only at ties (none here).
  // MaxPoolGrad / MaxPoolGradGrad of their own MaxPool (y = MaxPool(x)): x moves the maxima only
  // at ties (none here), so only the last input has a non-zero gradient.
  for (const std::string op : {"MaxPoolGrad", "MaxPoolGradGrad"}) {
    const bool grad_grad = op == "MaxPoolGradGrad";
    cases.push_back({op, op, {X(Distinct({1, 4, 4, 1})), X(Rand(grad_grad ? std::vector<int64_t>{1, 4, 4, 1}
                                                                           : std::vector<int64_t>{1, 2, 2, 1}))},
                     [op](const Ins& in) {
                       auto attrs = [](OpBuilder& b) {
                         b.Attr("ksize", L({1, 2, 2, 1})).Attr("strides", L({1, 2, 2, 1})).Attr("padding", S("VALID"));
                         b.Attr("data_format", S("NHWC"));
                       };
                       OpBuilder f("MaxPool", "", in[0].graph());
                       f.Input(in[0]).Attr("T", kDouble);
                       attrs(f);
                       Output y = f.Out();
                       OpBuilder b(op, "", in[0].graph());
                       b.Input(in[0]).Input(y).Input(in[1]).Attr("T", kDouble);
                       attrs(b);
                       return Outs{b.Out()};
                     }});
  }

  // ---- StridedSliceGrad, MirrorPadGrad ----
  cases.push_back({"StridedSliceGrad", "StridedSliceGrad",
                   {C(Ints({4, 5}, {2})), C(Ints({1, 0}, {2})), C(Ints({3, 5}, {2})), C(Ints({1, 2}, {2})), X(Rand({2, 3}))},
                   [](const Ins& in) {
                     return Outs{Op("StridedSliceGrad", in, {{"T", TypeAttr(kDouble)}, {"Index", TypeAttr(kInt32)},
                                                             {"begin_mask", IntAttr(0)}, {"end_mask", IntAttr(0)},
                                                             {"ellipsis_mask", IntAttr(0)}, {"new_axis_mask", IntAttr(0)},
                                                             {"shrink_axis_mask", IntAttr(0)}})};
                   }});
  cases.push_back({"MirrorPadGrad.SYMMETRIC", "MirrorPadGrad", {X(Rand({5, 7})), C(Ints({1, 1, 2, 2}, {2, 2}))},
                   [](const Ins& in) {
                     return Outs{Op("MirrorPadGrad", in, {{"Tpaddings", TypeAttr(kInt32)}, {"mode", S("SYMMETRIC")}})};
                   }});

  // ---- batch norm gradients ----
  for (const char* op : {"FusedBatchNormGrad", "FusedBatchNormGradV2", "FusedBatchNormGradV3"}) {
    cases.push_back(BatchNormGrad(op, true, "NHWC"));
    cases.push_back(BatchNormGrad(op, false, "NHWC"));
  }
  cases.push_back(BatchNormGrad("FusedBatchNormGradV3", true, "NCHW"));
  // (No inference NCHW case: the gradient kernels, like TF's, only take NHWC when not training.)
}

}  // namespace tfmodel::gradcheck
