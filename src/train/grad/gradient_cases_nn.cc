// Gradient check cases: activations, bias, softmax and cross entropy, convolutions, pooling,
// batch norm, LRN, resizing, top-k.
#include "src/train/grad/gradient_check.h"

namespace tfmodel::gradcheck {
namespace {

AttrValue B(bool v) { return BoolAttr(v); }
AttrValue S(const char* v) { return StringAttr(v); }
AttrValue L(std::vector<int64_t> v) { return IntListAttr(v); }

GradCase Activation(const std::string& op, Tensor x, const std::string& variant = "",
                    std::initializer_list<std::pair<const char*, AttrValue>> attrs = {}) {
  std::vector<std::pair<const char*, AttrValue>> a(attrs);
  return {op + (variant.empty() ? "" : "." + variant), op, {X(x)}, [op, a](const Ins& in) {
            OpBuilder b(op, "", in[0].graph());
            b.Input(in[0]).Attr("T", in[0].dtype());
            for (const auto& [k, v] : a) b.Attr(k, v);
            return Outs{b.Out()};
          }};
}

// Conv-like ops: x [1, 5, 5, 2] (or NCHW), filter [3, 3, 2, m].
GradCase Conv(const std::string& op, const std::string& variant, std::vector<int64_t> x, std::vector<int64_t> f,
              std::vector<int64_t> strides, const char* padding, const char* format = "NHWC",
              std::vector<int64_t> dilations = {1, 1, 1, 1}) {
  return {op + "." + variant, op, {X(Rand(x)), X(Rand(f))}, [=](const Ins& in) {
            return Outs{Op(op, in, {{"strides", L(strides)}, {"padding", S(padding)}, {"data_format", S(format)},
                                    {"dilations", L(dilations)}})};
          }};
}

GradCase Pool(const std::string& op, const std::string& variant, Tensor x, std::vector<int64_t> ksize,
              std::vector<int64_t> strides, const char* padding, const char* format = "NHWC") {
  return {op + "." + variant, op, {X(x)}, [=](const Ins& in) {
            return Outs{Op(op, in, {{"ksize", L(ksize)}, {"strides", L(strides)}, {"padding", S(padding)},
                                    {"data_format", S(format)}})};
          }};
}

// FusedBatchNorm{,V2,V3}: x, scale, offset differentiated; in inference mode the population
// statistics are constants (TF gives them no gradient). Only y enters the loss: TF's rule
// ignores gradients reaching the batch statistics.
GradCase BatchNorm(const std::string& op, bool training, const char* format) {
  const bool nchw = std::string(format) == "NCHW";
  std::vector<int64_t> xs = nchw ? std::vector<int64_t>{2, 3, 2, 2} : std::vector<int64_t>{2, 2, 2, 3};
  std::vector<In> in = {X(Rand(xs, -1, 1, DataType::kFloat)), X(Rand({3}, 0.5, 1.5, DataType::kFloat)),
                        X(Rand({3}, -1, 1, DataType::kFloat))};
  if (training) {
    in.push_back(C(Values({}, {0}, DataType::kFloat)));
    in.push_back(C(Values({}, {0}, DataType::kFloat)));
  } else {
    in.push_back(C(Rand({3}, -0.5, 0.5, DataType::kFloat)));
    in.push_back(C(Rand({3}, 0.5, 1.5, DataType::kFloat)));
  }
  std::string name = op + (training ? ".training_" : ".inference_") + format;
  return {name, op, in, [=](const Ins& x) {
            OpBuilder b(op, "", x[0].graph());
            b.Inputs(x).Attr("T", DataType::kFloat).Attr("epsilon", 0.001f).Attr("data_format", format);
            b.Attr("is_training", training);
            if (op != "FusedBatchNorm") b.Attr("U", DataType::kFloat);
            return Outs{b.Build().output(0)};
          },
          // float only (the runtime's batch norm kernels); a float-sized step.
          /*eps=*/1e-2, /*tol=*/5e-3};
}

}  // namespace

void AddNnCases(std::vector<GradCase>& cases) {
  // ---- activations (away from their kinks) ----
  cases.push_back(Activation("Relu", RandAway({2, 3}, -2, 2, {0})));
  cases.push_back(Activation("Relu6", RandAway({3, 4}, -2, 8, {0, 6}, 0.3)));
  cases.push_back(Activation("Elu", RandAway({2, 3}, -2, 2, {0})));
  cases.push_back(Activation("Selu", RandAway({2, 3}, -2, 2, {0})));
  cases.push_back(Activation("Softplus", Rand({2, 3}, -3, 3)));
  cases.push_back(Activation("LeakyRelu", RandAway({2, 3}, -2, 2, {0}), "alpha_0.3", {{"alpha", FloatAttr(0.3f)}}));
  cases.push_back(Activation("Softmax", Rand({3, 4}, -2, 2)));
  cases.push_back(Activation("LogSoftmax", Rand({3, 4}, -2, 2)));
  cases.push_back(Activation("Softmax", Rand({2, 2, 3}, -2, 2), "rank3"));

  // ---- bias ----
  cases.push_back({"BiasAdd.NHWC", "BiasAdd", {X(Rand({2, 3, 4})), X(Rand({4}))},
                   [](const Ins& in) { return Outs{Op("BiasAdd", in, {{"data_format", S("NHWC")}})}; }});
  cases.push_back({"BiasAdd.NCHW", "BiasAdd", {X(Rand({2, 3, 2, 2})), X(Rand({3}))},
                   [](const Ins& in) { return Outs{Op("BiasAdd", in, {{"data_format", S("NCHW")}})}; }});
  cases.push_back({"BiasAdd.dynamic", "BiasAdd", {XDyn(Rand({2, 3})), X(Rand({3}))},
                   [](const Ins& in) { return Outs{Op("BiasAdd", in, {{"data_format", S("NHWC")}})}; }});
  cases.push_back({"BiasAddV1", "BiasAddV1", {X(Rand({2, 2, 3})), X(Rand({3}))},
                   [](const Ins& in) { return Outs{Op("BiasAddV1", in)}; }});

  // ---- cross entropy: both outputs enter the loss (the backprop output's gradient too) ----
  // Labels are distributions (rows summing to 1): the op's backprop output, which the rule uses,
  // is softmax - labels, the logits' gradient only then. With the backprop output in the loss the
  // labels are constant: TF's rule (like ours) gives them no gradient through that output.
  cases.push_back({"SoftmaxCrossEntropyWithLogits.both_outputs", "SoftmaxCrossEntropyWithLogits",
                   {X(Rand({3, 4}, -2, 2)), C(Values({0.1, 0.2, 0.3, 0.4, 1, 0, 0, 0, 0.25, 0.25, 0.5, 0}, {3, 4}))},
                   [](const Ins& in) { return AllOutputs(OpN("SoftmaxCrossEntropyWithLogits", in)); }});
  cases.push_back({"SoftmaxCrossEntropyWithLogits.loss_only", "SoftmaxCrossEntropyWithLogits",
                   {X(Rand({2, 5}, -2, 2)), X(Values({0.1, 0.2, 0.3, 0.4, 0, 0.5, 0.5, 0, 0, 0}, {2, 5}))},
                   [](const Ins& in) { return Outs{Op("SoftmaxCrossEntropyWithLogits", in)}; }});
  cases.push_back({"SparseSoftmaxCrossEntropyWithLogits.both_outputs", "SparseSoftmaxCrossEntropyWithLogits",
                   {X(Rand({3, 4}, -2, 2)), C(Ints({0, 3, 1}, {3}))},
                   [](const Ins& in) {
                     return AllOutputs(OpN("SparseSoftmaxCrossEntropyWithLogits", in, {{"Tlabels", TypeAttr(DataType::kInt32)}}));
                   }});
  cases.push_back({"SparseSoftmaxCrossEntropyWithLogits.loss_only", "SparseSoftmaxCrossEntropyWithLogits",
                   {X(Rand({3, 4}, -2, 2)), C(Ints({2, 2, 0}, {3}, DataType::kInt64))},
                   [](const Ins& in) {
                     return Outs{Op("SparseSoftmaxCrossEntropyWithLogits", in, {{"Tlabels", TypeAttr(DataType::kInt64)}})};
                   }});

  // ---- convolutions ----
  cases.push_back(Conv("Conv2D", "valid", {1, 5, 5, 2}, {3, 3, 2, 3}, {1, 1, 1, 1}, "VALID"));
  cases.push_back(Conv("Conv2D", "same_stride2", {2, 5, 4, 2}, {3, 3, 2, 2}, {1, 2, 2, 1}, "SAME"));
  // No dilated case: TF 2.21's CPU backprop kernels (and ours) reject dilations > 1.
  cases.push_back({"Conv2D.explicit_padding", "Conv2D", {X(Rand({1, 4, 4, 2})), X(Rand({3, 3, 2, 2}))},
                   [](const Ins& in) {
                     return Outs{Op("Conv2D", in, {{"strides", L({1, 1, 1, 1})}, {"padding", S("EXPLICIT")},
                                                   {"explicit_paddings", L({0, 0, 1, 2, 0, 1, 0, 0})},
                                                   {"data_format", S("NHWC")}, {"dilations", L({1, 1, 1, 1})}})};
                   }});
  cases.push_back(Conv("DepthwiseConv2dNative", "valid", {1, 5, 5, 2}, {3, 3, 2, 2}, {1, 1, 1, 1}, "VALID"));
  cases.push_back(Conv("DepthwiseConv2dNative", "same_stride2", {2, 5, 5, 3}, {2, 2, 3, 1}, {1, 2, 2, 1}, "SAME"));

  // ---- pooling (distinct values: one maximum per window) ----
  cases.push_back(Pool("MaxPool", "valid", Distinct({1, 4, 4, 2}), {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID"));
  cases.push_back(Pool("MaxPool", "same_overlapping", Distinct({2, 5, 5, 1}), {1, 3, 3, 1}, {1, 2, 2, 1}, "SAME"));
  cases.push_back(Pool("AvgPool", "valid", Rand({1, 4, 4, 2}), {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID"));
  cases.push_back(Pool("AvgPool", "same_overlapping", Rand({2, 5, 5, 1}), {1, 3, 3, 1}, {1, 2, 2, 1}, "SAME"));

  // ---- batch norm ----
  for (const char* op : {"FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3"}) {
    cases.push_back(BatchNorm(op, true, "NHWC"));
    cases.push_back(BatchNorm(op, false, "NHWC"));
  }
  cases.push_back(BatchNorm("FusedBatchNormV3", true, "NCHW"));
  cases.push_back(BatchNorm("FusedBatchNormV3", false, "NCHW"));

  // ---- LRN, resizing, top-k ----
  cases.push_back({"LRN", "LRN", {X(Rand({1, 2, 2, 5}, 0.5, 1.5, DataType::kFloat))}, [](const Ins& in) {
                     return Outs{Op("LRN", in, {{"depth_radius", IntAttr(2)}, {"bias", FloatAttr(1.0f)},
                                                {"alpha", FloatAttr(0.5f)}, {"beta", FloatAttr(0.75f)}})};
                   }, /*eps=*/1e-2, /*tol=*/5e-3});
  for (bool align : {false, true}) {
    for (bool half : {false, true}) {
      if (align && half) continue;  // TF rejects the combination
      std::string v = std::string(align ? "align_corners" : "") + (half ? "half_pixel" : "") + (!align && !half ? "plain" : "");
      auto attrs = [align, half](std::string_view op, const Ins& in) {
        return Outs{Op(op, in, {{"align_corners", B(align)}, {"half_pixel_centers", B(half)}})};
      };
      cases.push_back({"ResizeBilinear." + v, "ResizeBilinear",
                       {X(Rand({1, 3, 2, 2}, -1, 1, DataType::kFloat)), C(Ints({5, 3}, {2}))},
                       [attrs](const Ins& in) { return attrs("ResizeBilinear", in); }, 1e-2, 5e-3});
      cases.push_back({"ResizeNearestNeighbor." + v, "ResizeNearestNeighbor", {X(Rand({1, 3, 2, 2})), C(Ints({5, 3}, {2}))},
                       [attrs](const Ins& in) { return attrs("ResizeNearestNeighbor", in); }});
    }
  }
  cases.push_back({"ResizeNearestNeighbor.downsample_dynamic", "ResizeNearestNeighbor",
                   {XDyn(Rand({2, 4, 4, 1})), C(Ints({2, 3}, {2}))},
                   [](const Ins& in) { return Outs{Op("ResizeNearestNeighbor", in)}; }});
  cases.push_back({"TopKV2.rank2", "TopKV2", {X(Distinct({3, 5})), C(IntScalar(2))},
                   [](const Ins& in) { return Outs{Op("TopKV2", in, {{"sorted", B(true)}})}; }});
  cases.push_back({"TopKV2.vector_dynamic", "TopKV2", {XDyn(Distinct({6})), C(IntScalar(3))},
                   [](const Ins& in) { return Outs{Op("TopKV2", in, {{"sorted", B(true)}})}; }});

  // ---- TF2 activations ----
  cases.push_back(Activation("Softsign", RandAway({2, 3}, -3, 3, {0})));
}

}  // namespace tfmodel::gradcheck
