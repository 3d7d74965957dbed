// Error paths of the array and nn kernels: bad data must give a clear error naming the node,
// never a crash (also run under ASan+UBSan). Forward values are checked against TensorFlow by
// the op harness (tests/ops/cases_array_nn.py); the few value checks here are mathematical.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "src/formats/graph_io.h"
#include "src/runtime/kernel.h"
#include "src/runtime/kernels/kernel_test_util.h"

namespace tfmodel {
namespace {

AttrValue I(int64_t v) { return IntAttr(v); }
AttrValue S(const std::string& v) { return StringAttr(v); }
AttrValue B(bool v) { return BoolAttr(v); }
AttrValue Ints(std::vector<int64_t> v) { return IntListAttr(v); }

Tensor F(std::vector<float> v, Shape s) { return Tensor::FromVector<float>(v, s); }
Tensor I32(std::vector<int32_t> v, Shape s) { return Tensor::FromVector<int32_t>(v, s); }
Tensor I64(std::vector<int64_t> v, Shape s) { return Tensor::FromVector<int64_t>(v, s); }
Tensor Zeros(Shape s) { return Tensor::Allocate(DataType::kFloat, s).value(); }

using test::Ran;

// Plans and runs one node named "bad_node" the way the executor does.
Ran RunOp(const std::string& op, const AttrMap& attrs, std::vector<Tensor> inputs) {
  return test::RunKernel("bad_node", op, attrs, std::move(inputs));
}

// The error must be InvalidArgument (or `code`), name the node and contain `needle`.
void ExpectError(const Ran& r, const std::string& needle,
                 StatusCode code = StatusCode::kInvalidArgument) {
  ASSERT_FALSE(r.status.ok());
  EXPECT_EQ(r.status.code(), code) << r.status.ToString();
  EXPECT_NE(r.status.message().find("bad_node"), std::string::npos) << r.status.ToString();
  EXPECT_NE(r.status.message().find(needle), std::string::npos) << r.status.ToString();
}

TEST(ArrayErrors, ReshapeBadSizes) {
  Tensor x = Zeros({2, 3});
  ExpectError(RunOp("Reshape", {}, {x, I32({4, 2}, {2})}), "6 values");
  ExpectError(RunOp("Reshape", {}, {x, I32({-1, -1}, {2})}), "only one input size may be -1");
  ExpectError(RunOp("Reshape", {}, {x, I32({4, -1}, {2})}), "multiple of 4");
  ExpectError(RunOp("Reshape", {}, {x, I32({-3, 2}, {2})}), "non-negative");
  ExpectError(RunOp("Reshape", {}, {x, I64({int64_t{1} << 40, int64_t{1} << 40}, {2})}),
              "too large");
  ExpectError(RunOp("Reshape", {}, {x, I32({6}, {1, 1})}), "1-D");
  Ran ok = RunOp("Reshape", {}, {x, I32({3, -1}, {2})});
  ASSERT_TRUE(ok.status.ok()) << ok.status.ToString();
  EXPECT_EQ(ok.outputs[0].shape(), (Shape{3, 2}));
}

TEST(ArrayErrors, GatherIndexOutOfRange) {
  Tensor params = F({1, 2, 3, 4, 5, 6}, {3, 2});
  Ran r = RunOp("GatherV2", {}, {params, I32({0, 7, 1, 2}, {2, 2}), I32({0}, {})});
  ExpectError(r, "indices[0,1] = 7 is not in [0, 3)");
  ExpectError(RunOp("GatherV2", {}, {params, I64({-1}, {1}), I32({1}, {})}),
              "indices[0] = -1 is not in [0, 2)");
  ExpectError(RunOp("GatherV2", {}, {params, I32({0}, {1}), I32({2}, {})}), "axis 2");
  ExpectError(RunOp("GatherV2", {{"batch_dims", I(1)}}, {params, I32({0}, {1}), I32({0}, {})}),
              "batch_dims", StatusCode::kUnimplemented);
  ExpectError(RunOp("GatherNd", {}, {params, I32({0, 0, 3, 1}, {2, 2})}),
              "indices[1] = [3, 1] does not index into param shape [3,2]");
  ExpectError(RunOp("GatherNd", {}, {params, I32({0, 0, 0}, {1, 3})}), "innermost");
  Ran ok = RunOp("GatherV2", {}, {params, I32({2, 0}, {2}), I32({0}, {})});
  ASSERT_TRUE(ok.status.ok()) << ok.status.ToString();
  EXPECT_TRUE(ok.outputs[0].Equals(F({5, 6, 1, 2}, {2, 2})));
}

TEST(ArrayErrors, ConcatMismatchedShapes) {
  AttrMap n2 = {{"N", I(2)}};
  ExpectError(RunOp("ConcatV2", n2, {Zeros({2, 3}), Zeros({3, 3}), I32({1}, {})}),
              "Dimension mismatch");
  ExpectError(RunOp("ConcatV2", n2, {Zeros({2, 3}), Zeros({2, 3, 1}), I32({0}, {})}),
              "Dimension mismatch");
  ExpectError(RunOp("ConcatV2", n2, {Zeros({2, 3}), Zeros({2, 3}), I32({2}, {})}), "axis 2");
  ExpectError(RunOp("ConcatV2", n2, {Zeros({}), Zeros({}), I32({0}, {})}), "scalars");
  ExpectError(RunOp("Pack", {{"axis", I(0)}}, {Zeros({2}), Zeros({3})}), "must match");
  ExpectError(RunOp("Split", {{"num_split", I(2)}}, {I32({1}, {}), Zeros({2, 3})}),
              "evenly divide");
  ExpectError(
      RunOp("SplitV", {{"num_split", I(2)}}, {Zeros({5}), I32({-1, -1}, {2}), I32({0}, {})}),
      "one -1");
  ExpectError(RunOp("SplitV", {{"num_split", I(2)}}, {Zeros({5}), I32({2, 2}, {2}), I32({0}, {})}),
              "Determined shape");
  ExpectError(RunOp("Unpack", {{"num", I(3)}, {"axis", I(0)}}, {Zeros({2, 3})}), "must equal 3");
}

TEST(ArrayErrors, TransposeBadPerm) {
  Tensor x = Zeros({2, 3, 4});
  ExpectError(RunOp("Transpose", {}, {x, I32({0, 1}, {2})}), "vector of size 3");
  ExpectError(RunOp("Transpose", {}, {x, I32({0, 1, 1}, {3})}), "duplicate");
  ExpectError(RunOp("Transpose", {}, {x, I64({0, 3, 1}, {3})}), "3 is out of range");
  ExpectError(RunOp("Transpose", {}, {x, I32({0, -1, 1}, {3})}), "out of range");
}

TEST(ArrayErrors, FillNegativeDims) {
  Tensor v = F({1}, {});
  ExpectError(RunOp("Fill", {}, {I32({2, -3}, {2}), v}), "negative");
  ExpectError(RunOp("Fill", {}, {I64({int64_t{1} << 40, int64_t{1} << 40}, {2}), v}),
              "too many elements");
  ExpectError(RunOp("Fill", {}, {I32({2}, {1}), F({1, 2}, {2})}), "scalar");
  ExpectError(RunOp("Fill", {}, {I32({2}, {1, 1}), v}), "vector");
  Ran ok = RunOp("Fill", {}, {I32({2, 0}, {2}), v});
  ASSERT_TRUE(ok.status.ok()) << ok.status.ToString();
  EXPECT_EQ(ok.outputs[0].shape(), (Shape{2, 0}));
}

TEST(ArrayErrors, RangeSliceTilePad) {
  ExpectError(RunOp("Range", {}, {I32({0}, {}), I32({5}, {}), I32({0}, {})}), "delta != 0");
  ExpectError(RunOp("Range", {}, {I32({5}, {}), I32({0}, {}), I32({1}, {})}), "start <= limit");
  ExpectError(RunOp("Range", {}, {F({0}, {}), F({1e30f}, {}), F({1e-30f}, {})}), "2^40");
  const float nan = std::numeric_limits<float>::quiet_NaN();
  ExpectError(RunOp("Range", {}, {F({0}, {}), F({nan}, {}), F({1}, {})}), "Requires");
  Tensor x = Zeros({2, 3});
  ExpectError(RunOp("Slice", {}, {x, I32({1, 1}, {2}), I32({2, 1}, {2})}), "size[0]");
  ExpectError(RunOp("Slice", {}, {x, I32({-1, 0}, {2}), I32({1, 1}, {2})}), "begin -1");
  ExpectError(RunOp("Slice", {}, {x, I32({0}, {1}), I32({1}, {1})}), "1-D tensors of size 2");
  ExpectError(RunOp("Tile", {}, {x, I32({1, -1}, {2})}), "multiples[1] >= 0");
  ExpectError(RunOp("Tile", {}, {x, I32({1}, {1})}), "length 2");
  ExpectError(RunOp("Pad", {}, {x, I32({0, 0, -1, 0}, {2, 2})}), "non-negative");
  ExpectError(RunOp("Pad", {}, {x, I32({0, 0}, {1, 2})}), "2 rows");
  ExpectError(RunOp("MirrorPad", {{"mode", S("REFLECT")}}, {x, I32({2, 0, 0, 0}, {2, 2})}),
              "less than");
  ExpectError(RunOp("MirrorPad", {{"mode", S("WRAP")}}, {x, I32({0, 0, 0, 0}, {2, 2})}),
              "REFLECT or SYMMETRIC");
  ExpectError(RunOp("Squeeze", {{"squeeze_dims", Ints({0})}}, {x}), "squeeze dim[0]");
  ExpectError(RunOp("ExpandDims", {}, {x, I32({3}, {})}), "dim 3");
  ExpectError(
      RunOp("OneHot", {{"axis", I(-1)}}, {I32({1}, {1}), I32({-2}, {}), F({1}, {}), F({0}, {})}),
      "depth must be non-negative");
}

TEST(ArrayErrors, StridedSlice) {
  Tensor x = Zeros({3, 4});
  auto ss = [&](std::vector<int32_t> b, std::vector<int32_t> e, std::vector<int32_t> s,
                AttrMap attrs = {}) {
    const int64_t n = static_cast<int64_t>(b.size());
    return RunOp("StridedSlice", attrs, {x, I32(b, {n}), I32(e, {n}), I32(s, {n})});
  };
  ExpectError(ss({0, 0}, {1, 1}, {1, 0}), "strides[1] must be non-zero");
  ExpectError(ss({5}, {6}, {1}, {{"shrink_axis_mask", I(1)}}), "out of bounds");
  ExpectError(ss({0, 0, 0}, {1, 1, 1}, {1, 1, 1}), "Index out of range");
  ExpectError(ss({0, 0}, {1, 1}, {1, 1}, {{"ellipsis_mask", I(3)}}), "Multiple ellipses");
  ExpectError(ss({1}, {2}, {-1}, {{"shrink_axis_mask", I(1)}}), "only stride 1");
  ExpectError(RunOp("StridedSlice", {}, {x, I32({0}, {1}), I32({0, 1}, {2}), I32({1}, {1})}),
              "equal size");
  Ran ok = ss({-1, 3}, {0, 0}, {-1, -2}, {{"end_mask", I(1)}});
  ASSERT_TRUE(ok.status.ok()) << ok.status.ToString();
  EXPECT_EQ(ok.outputs[0].shape(), (Shape{3, 2}));
}

TEST(NnErrors, BadShapesAndAttrs) {
  AttrMap conv = {{"strides", Ints({1, 1, 1, 1})}, {"padding", S("VALID")}};
  ExpectError(RunOp("Conv2D", conv, {Zeros({1, 1, 1, 3}), Zeros({3, 3, 3, 1})}), "negative");
  ExpectError(RunOp("Conv2D", conv, {Zeros({1, 4, 4, 3}), Zeros({1, 1, 2, 1})}), "depth");
  ExpectError(RunOp("Conv2D", conv, {Zeros({4, 4, 3}), Zeros({1, 1, 3, 1})}), "4-dimensional");
  AttrMap nchw = conv;
  nchw["data_format"] = S("NCHW");
  ExpectError(RunOp("Conv2D", nchw, {Zeros({1, 3, 4, 4}), Zeros({1, 1, 3, 1})}), "NCHW",
              StatusCode::kUnimplemented);
  AttrMap bad_strides = {{"strides", Ints({2, 1, 1, 1})}, {"padding", S("VALID")}};
  ExpectError(RunOp("Conv2D", bad_strides, {Zeros({1, 4, 4, 3}), Zeros({1, 1, 3, 1})}),
              "batch and depth");
  AttrMap dil = conv;
  dil["dilations"] = Ints({1, 2, 2, 1});
  ExpectError(RunOp("DepthwiseConv2dNative", dil, {Zeros({1, 4, 4, 3}), Zeros({1, 1, 3, 1})}),
              "dilations", StatusCode::kUnimplemented);
  AttrMap pool = {
      {"ksize", Ints({1, 5, 5, 1})}, {"strides", Ints({1, 1, 1, 1})}, {"padding", S("VALID")}};
  ExpectError(RunOp("MaxPool", pool, {Zeros({1, 3, 3, 1})}), "negative");
  ExpectError(RunOp("AvgPool", pool, {Zeros({3, 3, 1})}), "4-dimensional");
  AttrMap bn = {{"is_training", B(false)}};
  ExpectError(RunOp("FusedBatchNormV3", bn,
                    {Zeros({1, 2, 2, 3}), Zeros({3}), Zeros({3}), Zeros({2}), Zeros({3})}),
              "mean must be a vector of 3");
  ExpectError(RunOp("ResizeBilinear", {}, {Zeros({1, 2, 2, 1}), I32({0, 3}, {2})}), "positive");
  ExpectError(RunOp("ResizeNearestNeighbor", {}, {Zeros({1, 0, 2, 1}), I32({2, 3}, {2})}),
              "non-zero size");
  ExpectError(RunOp("ResizeBilinear", {{"align_corners", B(true)}, {"half_pixel_centers", B(true)}},
                    {Zeros({1, 2, 2, 1}), I32({2, 3}, {2})}),
              "align_corners must be False");
}

// Empty tensors may carry huge dims; no kernel may overflow computing sizes from them.
TEST(ArrayErrors, HugeEmptyShapes) {
  const int64_t big = int64_t{1} << 40;
  const std::vector<int64_t> huge_dims = {0, big, big}, pool_dims = {0, 1, 1, big};
  Tensor e = Tensor::Allocate(DataType::kFloat, Shape::Make(huge_dims).value()).value();
  Tensor p = Tensor::Allocate(DataType::kFloat, Shape::Make(pool_dims).value()).value();
  ExpectError(RunOp("ConcatV2", {{"N", I(2)}}, {e, e, I32({0}, {})}), "past 2^62");
  ExpectError(RunOp("Transpose", {}, {e, I32({2, 1, 0}, {3})}), "past 2^62");
  ExpectError(RunOp("Split", {{"num_split", I(int64_t{1} << 40)}}, {I32({0}, {}), Zeros({2})}),
              "num_split");
  // Pooling an empty batch with a huge channel count allocates nothing.
  Ran ok = RunOp(
      "AvgPool",
      {{"ksize", Ints({1, 1, 1, 1})}, {"strides", Ints({1, 1, 1, 1})}, {"padding", S("VALID")}},
      {p});
  ASSERT_TRUE(ok.status.ok()) << ok.status.ToString();
  EXPECT_EQ(ok.outputs[0].shape(), Shape::Make(pool_dims).value());
  // Range next to the int64 limit must not overflow.
  const int64_t max = std::numeric_limits<int64_t>::max();
  ok = RunOp("Range", {}, {I64({max - 5}, {}), I64({max}, {}), I64({2}, {})});
  ASSERT_TRUE(ok.status.ok()) << ok.status.ToString();
  EXPECT_TRUE(ok.outputs[0].Equals(I64({max - 5, max - 3, max - 1}, {3})));
  ok = RunOp("Range", {},
             {I64({std::numeric_limits<int64_t>::min() + 1}, {}), I64({max}, {}), I64({max}, {})});
  ASSERT_TRUE(ok.status.ok()) << ok.status.ToString();
  EXPECT_TRUE(ok.outputs[0].Equals(I64({std::numeric_limits<int64_t>::min() + 1, 0}, {2})));
}

// Values from mathematics (TF's agreement is the harness's job).
TEST(NnValues, ConvIsCorrelation) {
  // 1x3x3x1 image 1..9, 2x2 all-ones filter, VALID: sums of 2x2 windows.
  AttrMap conv = {{"strides", Ints({1, 1, 1, 1})}, {"padding", S("VALID")}};
  Ran r = RunOp("Conv2D", conv,
                {F({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 3, 3, 1}), F({1, 1, 1, 1}, {2, 2, 1, 1})});
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_TRUE(r.outputs[0].Equals(F({12, 16, 24, 28}, {1, 2, 2, 1})));
  // SAME with stride 2 on 3x3 pads one row/col after: windows at (0,0),(0,2),(2,0),(2,2).
  conv["strides"] = Ints({1, 2, 2, 1});
  conv["padding"] = S("SAME");
  r = RunOp("Conv2D", conv,
            {F({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 3, 3, 1}), F({1, 1, 1, 1}, {2, 2, 1, 1})});
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_TRUE(r.outputs[0].Equals(F({12, 9, 15, 9}, {1, 2, 2, 1})));
}

// FusedBatchNorm inference is not in the op harness (TF leaves reserve_space_1/2
// uninitialised, and the harness compares every output): checked against the formula here,
// y = scale * (x - mean) / sqrt(variance + epsilon) + offset, computed in double.
TEST(NnValues, FusedBatchNormInference) {
  const int64_t c = 3;
  std::vector<float> x, scale = {0.5f, 2.f, -1.f}, offset = {0.1f, -0.2f, 0.3f},
                        mean = {1.f, -1.f, 0.5f}, var = {0.25f, 4.f, 1.f};
  for (int i = 0; i < 2 * 2 * 2 * c; ++i) x.push_back(static_cast<float>((i * 37) % 11) - 5.f);
  for (const char* op : {"FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3"}) {
    for (bool nchw : {false, true}) {
      AttrMap attrs = {{"is_training", B(false)}, {"data_format", S(nchw ? "NCHW" : "NHWC")}};
      attrs["epsilon"].kind = AttrValue::Kind::kFloat;
      attrs["epsilon"].f = 0.01f;
      Shape xs = nchw ? Shape{2, c, 2, 2} : Shape{2, 2, 2, c};
      Ran r =
          RunOp(op, attrs, {F(x, xs), F(scale, {c}), F(offset, {c}), F(mean, {c}), F(var, {c})});
      ASSERT_TRUE(r.status.ok()) << r.status.ToString();
      ASSERT_EQ(r.outputs.size(), std::string(op) == "FusedBatchNormV3" ? 6u : 5u);
      auto y = r.outputs[0].flat<float>();
      for (size_t i = 0; i < x.size(); ++i) {
        const size_t ch = nchw ? (i / 4) % c : i % c;
        const double want =
            scale[ch] * (x[i] - mean[ch]) / std::sqrt(double{var[ch]} + 0.01) + offset[ch];
        EXPECT_NEAR(y[i], want, 1e-5 * (1 + std::fabs(want))) << op << " element " << i;
      }
      EXPECT_TRUE(r.outputs[1].Equals(F(mean, {c})));  // batch_mean passes mean through
      EXPECT_TRUE(r.outputs[2].Equals(F(var, {c})));   // batch_variance passes variance
    }
  }
}

// Squeeze's squeeze_dims is not reachable from the harness (raw_ops calls it `axis`).
TEST(ArrayValues, SqueezeDims) {
  Tensor x = F({1, 2, 3, 4, 5, 6}, {1, 2, 1, 3, 1});
  struct Case {
    std::vector<int64_t> dims;
    Shape want;
  } cases[] = {{{}, {2, 3}},
               {{0}, {2, 1, 3, 1}},
               {{-1}, {1, 2, 1, 3}},
               {{2, -5}, {2, 3, 1}},
               {{4, 0, 2}, {2, 3}}};
  for (const Case& c : cases) {
    Ran r = RunOp("Squeeze", {{"squeeze_dims", Ints(c.dims)}}, {x});
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    EXPECT_EQ(r.outputs[0].shape(), c.want);
    EXPECT_EQ(r.outputs[0].flat<float>()[5], 6.f);
  }
  ExpectError(RunOp("Squeeze", {{"squeeze_dims", Ints({1})}}, {x}), "expected a dimension of 1");
  ExpectError(RunOp("Squeeze", {{"squeeze_dims", Ints({5})}}, {x}), "out of range");
  ExpectError(RunOp("Squeeze", {{"squeeze_dims", Ints({-6})}}, {x}), "out of range");
}

}  // namespace
}  // namespace tfmodel
