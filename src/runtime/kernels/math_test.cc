// Broadcasting, dtype dispatch and the plan/run-time errors of the math kernels. Values are
// checked against TensorFlow by tests/ops (the op harness); this file covers the edges.
#include <gtest/gtest.h>

#include <random>

#include "src/runtime/kernel.h"
#include "src/runtime/kernels/broadcast.h"

namespace tfmodel {
namespace {

Tensor Floats(std::vector<float> v, Shape s) { return Tensor::FromVector<float>(v, s); }

// Plans and runs one node; the Status of whichever step failed.
Result<std::vector<Tensor>> RunNode(const std::string& op, const AttrMap& attrs,
                                    std::vector<Tensor> inputs) {
  const std::string name = "n";
  const OpRegistration* reg = OpRegistry::Global().Find(op);
  if (reg == nullptr) return NotFound(op);
  std::vector<DataType> types;
  for (const Tensor& t : inputs) types.push_back(t.dtype());
  NodeInfo node(name, op, attrs, types);
  TFM_ASSIGN_OR_RETURN(Kernel k, reg->factory(node));
  std::vector<Tensor> outputs(k.output_types.size());
  KernelContext ctx(name, inputs, outputs, nullptr, {});
  TFM_RETURN_IF_ERROR(k.compute(ctx));
  return outputs;
}

TEST(BroadcastTest, Shapes) {
  auto s = [](const Shape& a, const Shape& b) {
    auto r = Broadcast::BroadcastShapes(a, b, "");
    return r.ok() ? r->DebugString() : r.status().message();
  };
  EXPECT_EQ(s({2, 3}, {3}), "[2,3]");
  EXPECT_EQ(s({2, 1, 4}, {3, 1}), "[2,3,4]");
  EXPECT_EQ(s({}, {2, 3}), "[2,3]");
  EXPECT_EQ(s({0, 3}, {3}), "[0,3]");
  EXPECT_EQ(s({0}, {1}), "[0]");
  EXPECT_EQ(s({2, 3}, {4}), "Incompatible shapes: [2,3] vs. [4]");
  EXPECT_EQ(s({0}, {2}), "Incompatible shapes: [0] vs. [2]");
}

TEST(BroadcastTest, ErrorNamesTheNode) {
  Shape a{2, 3}, b{4};
  auto r = Broadcast::Make({&a, &b}, "dense/add");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "node 'dense/add': Incompatible shapes: [2,3] vs. [4]");
  // Three operands: the second pass catches a later operand that disagrees.
  Shape c{3}, d{1}, e{4};
  EXPECT_FALSE(Broadcast::Make({&c, &d, &e}, "x").ok());
}

TEST(BroadcastTest, SameShapeAndScalarAreOneRow) {
  Shape a{2, 3, 4}, scalar{};
  auto same = Broadcast::Make({&a, &a}, "n");
  ASSERT_TRUE(same.ok());
  int rows = 0;
  same->ForEachRow<2>([&](int64_t, std::array<int64_t, 2>, std::array<int64_t, 2> st, int64_t len) {
    ++rows;
    EXPECT_EQ(len, 24);
    EXPECT_EQ(st[0], 1);
    EXPECT_EQ(st[1], 1);
  });
  EXPECT_EQ(rows, 1);
  auto sc = Broadcast::Make({&a, &scalar}, "n");
  ASSERT_TRUE(sc.ok());
  rows = 0;
  sc->ForEachRow<2>([&](int64_t, std::array<int64_t, 2>, std::array<int64_t, 2> st, int64_t len) {
    ++rows;
    EXPECT_EQ(len, 24);
    EXPECT_EQ(st[1], 0);
  });
  EXPECT_EQ(rows, 1);
}

// Every broadcast offset agrees with the naive multi-index computation.
TEST(BroadcastTest, OffsetsMatchNaiveIndexing) {
  std::mt19937 rng(7);
  for (int iter = 0; iter < 300; ++iter) {
    int r = rng() % 5;
    std::vector<int64_t> out(r), da, db;
    for (int d = 0; d < r; ++d) out[d] = rng() % 4;  // includes 0 and 1
    int ra = rng() % (r + 1), rb = rng() % (r + 1);
    for (int d = r - ra; d < r; ++d) da.push_back(rng() % 2 ? out[d] : 1);
    for (int d = r - rb; d < r; ++d) db.push_back(rng() % 2 ? out[d] : 1);
    Shape a = *Shape::Make(da), b = *Shape::Make(db);
    auto bc = Broadcast::Make({&a, &b}, "n");
    ASSERT_TRUE(bc.ok()) << a.DebugString() << " " << b.DebugString();
    const Shape& os = bc->output_shape();
    std::vector<std::pair<int64_t, int64_t>> got(os.NumElements(), {-1, -1});
    bc->ForEachRow<2>(
        [&](int64_t o, std::array<int64_t, 2> in, std::array<int64_t, 2> st, int64_t len) {
          for (int64_t j = 0; j < len; ++j) got[o + j] = {in[0] + j * st[0], in[1] + j * st[1]};
        });
    for (int64_t flat = 0; flat < os.NumElements(); ++flat) {
      // Naive: unravel flat over os, then ravel over each operand with stretching.
      std::vector<int64_t> idx(os.rank());
      int64_t rem = flat;
      for (int d = os.rank() - 1; d >= 0; --d) {
        idx[d] = rem % os.dim(d);
        rem /= os.dim(d);
      }
      auto ravel = [&](const Shape& s) {
        int64_t off = 0;
        for (int d = 0; d < s.rank(); ++d) {
          int od = d + os.rank() - s.rank();
          off = off * s.dim(d) + (s.dim(d) == 1 ? 0 : idx[od]);
        }
        return off;
      };
      ASSERT_EQ(got[flat].first, ravel(a)) << a.DebugString() << " vs " << b.DebugString();
      ASSERT_EQ(got[flat].second, ravel(b)) << a.DebugString() << " vs " << b.DebugString();
    }
  }
}

TEST(DispatchTest, PicksTheListedType) {
  int size = 0;
  EXPECT_TRUE(
      (Dispatch<float, int64_t>(DataType::kInt64, [&]<typename T>() { size = sizeof(T); })));
  EXPECT_EQ(size, 8);
  EXPECT_FALSE((Dispatch(FloatTypes{}, DataType::kInt32, [&]<typename T>() { size = 0; })));
  EXPECT_EQ(size, 8);
}

TEST(MathKernelsTest, AddBroadcastsAndReportsIncompatibleShapes) {
  AttrMap attrs{{"T", TypeAttr(DataType::kFloat)}};
  auto ok =
      RunNode("AddV2", attrs, {Floats({1, 2, 3, 4, 5, 6}, {2, 3}), Floats({10, 20, 30}, {3})});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE((*ok)[0].Equals(Floats({11, 22, 33, 14, 25, 36}, {2, 3})));
  auto bad =
      RunNode("AddV2", attrs, {Floats({1, 2, 3, 4, 5, 6}, {2, 3}), Floats({1, 2, 3, 4}, {4})});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "node 'n': Incompatible shapes: [2,3] vs. [4]");
  auto empty = RunNode("Mul", attrs, {Floats({}, {0, 3}), Floats({1, 2, 3}, {3})});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ((*empty)[0].shape(), (Shape{0, 3}));
}

TEST(MathKernelsTest, PlanTimeDtypeErrors) {
  // Unsupported dtype: Unimplemented at plan time, naming the dtype.
  auto s = RunNode("Add", {{"T", TypeAttr(DataType::kString)}},
                   {Tensor::Strings({"a"}), Tensor::Strings({"b"})});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(s.status().message().find("string"), std::string::npos);
  // Input dtype disagreeing with T, missing T, wrong arity.
  auto mixed = RunNode("Sub", {{"T", TypeAttr(DataType::kFloat)}},
                       {Floats({1}, {1}), Tensor::Scalar<int32_t>(1)});
  EXPECT_EQ(mixed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(RunNode("Sub", {}, {Floats({1}, {1}), Floats({1}, {1})}).ok());
  EXPECT_FALSE(RunNode("Neg", {{"T", TypeAttr(DataType::kFloat)}}, {}).ok());
  EXPECT_FALSE(
      RunNode("Sqrt", {{"T", TypeAttr(DataType::kInt32)}}, {Tensor::Scalar<int32_t>(4)}).ok());
  EXPECT_FALSE(RunNode("LogicalAnd", {}, {Floats({1}, {1}), Floats({1}, {1})}).ok());
  AttrMap cast{{"SrcT", TypeAttr(DataType::kFloat)}, {"DstT", TypeAttr(DataType::kString)}};
  EXPECT_EQ(RunNode("Cast", cast, {Floats({1}, {1})}).status().code(), StatusCode::kUnimplemented);
}

TEST(MathKernelsTest, RunTimeErrorsDoNotCrash) {
  AttrMap f{{"T", TypeAttr(DataType::kFloat)}};
  AttrMap i{{"T", TypeAttr(DataType::kInt32)}};
  EXPECT_FALSE(RunNode("Div", i, {Tensor::Scalar<int32_t>(1), Tensor::Scalar<int32_t>(0)}).ok());
  EXPECT_FALSE(
      RunNode("FloorMod", i, {Tensor::Scalar<int32_t>(1), Tensor::Scalar<int32_t>(0)}).ok());
  // INT_MIN / -1 wraps instead of trapping (UBSan would flag it otherwise).
  auto wrap = RunNode("Div", i, {Tensor::Scalar<int32_t>(INT32_MIN), Tensor::Scalar<int32_t>(-1)});
  ASSERT_TRUE(wrap.ok());
  EXPECT_EQ((*wrap)[0].flat<int32_t>()[0], INT32_MIN);
  EXPECT_FALSE(RunNode("MatMul", f, {Floats({1, 2}, {1, 2}), Floats({1, 2}, {1, 2})}).ok());
  EXPECT_FALSE(RunNode("MatMul", f, {Floats({1, 2}, {2}), Floats({1, 2}, {2, 1})}).ok());
  EXPECT_FALSE(RunNode("BatchMatMulV2", f, {Floats({1, 2}, {2}), Floats({1, 2}, {2, 1})}).ok());
  EXPECT_FALSE(RunNode("BiasAdd", f, {Floats({1, 2}, {2}), Floats({1, 2}, {2})}).ok());
  EXPECT_FALSE(RunNode("BiasAdd", f, {Floats({1, 2}, {1, 2}), Floats({1}, {1})}).ok());
  EXPECT_FALSE(RunNode("Softmax", f, {Floats({1}, {})}).ok());
  AttrMap sel{{"T", TypeAttr(DataType::kFloat)}};
  const bool cond[3] = {true, false, true};
  Tensor cond3 = Tensor::FromVector<bool>(std::span<const bool>(cond, 3), Shape{3});
  EXPECT_FALSE(RunNode("Select", sel, {cond3, Floats({1, 2}, {2}), Floats({1, 2}, {2})}).ok());
  EXPECT_FALSE(RunNode("SelectV2", sel, {cond3, Floats({1, 2}, {2}), Floats({1, 2}, {2})}).ok());
  // Reductions: out-of-range and duplicate axes, int64 axes, empty input.
  AttrMap red{{"T", TypeAttr(DataType::kFloat)}, {"keep_dims", BoolAttr(false)}};
  EXPECT_FALSE(RunNode("Sum", red, {Floats({1, 2}, {1, 2}), Tensor::Scalar<int32_t>(2)}).ok());
  EXPECT_FALSE(RunNode("Sum", red, {Floats({1, 2}, {1, 2}), Tensor::Scalar<int64_t>(-3)}).ok());
  auto dup = Tensor::FromVector<int32_t>(std::vector<int32_t>{0, -2}, Shape{2});
  EXPECT_FALSE(RunNode("Max", red, {Floats({1, 2}, {1, 2}), dup}).ok());
  auto empty_max = RunNode("Max", red, {Floats({}, {0, 2}), Tensor::Scalar<int32_t>(0)});
  ASSERT_TRUE(empty_max.ok());
  EXPECT_EQ((*empty_max)[0].flat<float>()[0], -std::numeric_limits<float>::infinity());
  EXPECT_FALSE(RunNode("Sum", red, {Floats({1, 2}, {1, 2}), Floats({0}, {1})}).ok());  // float axes
  EXPECT_FALSE(RunNode("ArgMax", f, {Floats({}, {0, 2}), Tensor::Scalar<int32_t>(0)}).ok());
  EXPECT_FALSE(RunNode("TopKV2", f, {Floats({1, 2}, {2}), Tensor::Scalar<int32_t>(3)}).ok());
  EXPECT_FALSE(RunNode("TopKV2", f, {Floats({1, 2}, {2}), Tensor::Scalar<int32_t>(-1)}).ok());
  EXPECT_FALSE(RunNode("TopKV2", f, {Floats({1}, {}), Tensor::Scalar<int32_t>(0)}).ok());
  EXPECT_FALSE(RunNode("Cumsum", f, {Floats({1}, {}), Tensor::Scalar<int32_t>(0)}).ok());
  AttrMap addn{{"T", TypeAttr(DataType::kFloat)}};
  EXPECT_FALSE(RunNode("AddN", addn, {Floats({1, 2}, {2}), Floats({1}, {1})}).ok());
  EXPECT_FALSE(RunNode("AddN", addn, {}).ok());
}


// Random arities, dtypes, shapes and attrs thrown at every op of the math families: planning
// or running may fail, but must never crash (run under ASan+UBSan).
TEST(MathKernelsTest, RandomBadInputsNeverCrash) {
  const char* ops[] = {"Add", "Sub", "Mul", "RealDiv", "Div", "FloorDiv", "FloorMod", "Maximum",
                       "Pow", "SquaredDifference", "Equal", "NotEqual", "Less", "LogicalAnd",
                       "AddN", "Select", "SelectV2", "Neg", "Abs", "Sqrt", "Round", "Sign",
                       "LogicalNot", "Cast", "ClipByValue", "Sigmoid", "Relu", "Relu6",
                       "LeakyRelu", "Softplus", "Softmax", "LogSoftmax", "BiasAdd", "Sum",
                       "Mean", "Max", "Prod", "All", "Any", "ArgMax", "ArgMin", "Cumsum",
                       "TopKV2", "MatMul", "BatchMatMul", "BatchMatMulV2"};
  const DataType types[] = {DataType::kFloat, DataType::kInt32, DataType::kInt64, DataType::kBool,
                            DataType::kHalf, DataType::kString, DataType::kUInt8};
  const Shape shapes[] = {{}, {0}, {3}, {1, 3}, {2, 3}, {3, 2}, {2, 1, 3}, {0, 3}, {2, 3, 2, 1}};
  std::mt19937 rng(42);
  int ran = 0;
  for (int iter = 0; iter < 6000; ++iter) {
    const std::string op = ops[rng() % std::size(ops)];
    const int arity = rng() % 4;
    std::vector<Tensor> inputs;
    for (int i = 0; i < arity; ++i) {
      DataType t = rng() % 2 ? types[0] : types[rng() % std::size(types)];
      if (i > 0 && rng() % 2) t = inputs[0].dtype();
      Tensor x = *Tensor::Allocate(t, shapes[rng() % std::size(shapes)]);
      if (t == DataType::kInt32) {
        for (int32_t& v : x.flat<int32_t>()) v = static_cast<int32_t>(rng() % 7) - 3;
      } else if (t == DataType::kFloat) {
        for (float& v : x.flat<float>()) v = static_cast<float>(rng() % 9) - 4.0f;
      }
      inputs.push_back(x);
    }
    AttrMap attrs;
    DataType t = arity > 0 && rng() % 4 ? inputs[0].dtype() : types[rng() % std::size(types)];
    attrs["T"] = TypeAttr(t);
    attrs["SrcT"] = TypeAttr(t);
    attrs["DstT"] = TypeAttr(types[rng() % std::size(types)]);
    if (rng() % 2) attrs["output_type"] = TypeAttr(types[rng() % std::size(types)]);
    if (rng() % 2) attrs["index_type"] = TypeAttr(types[rng() % std::size(types)]);
    attrs["keep_dims"] = BoolAttr(rng() % 2);
    attrs["transpose_a"] = BoolAttr(rng() % 2);
    attrs["adj_y"] = BoolAttr(rng() % 2);
    attrs["reverse"] = BoolAttr(rng() % 2);
    if (rng() % 3 == 0) {
      AttrValue fmt;
      fmt.kind = AttrValue::Kind::kString;
      fmt.s = rng() % 2 ? "NCHW" : "bogus";
      attrs["data_format"] = fmt;
    }
    auto r = RunNode(op, attrs, inputs);
    if (r.ok()) ++ran;
  }
  EXPECT_GT(ran, 100);  // some combinations are valid and ran to completion
}

}  // namespace
}  // namespace tfmodel
