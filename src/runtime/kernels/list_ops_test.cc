// The TensorList kernels on their own: values TensorFlow's list semantics define (unset elements
// read as zeros of a fully defined shape, element shapes merge, lists are immutable values) and
// errors, never crashes, on bad data (also run under ASan+UBSan).
#include <gtest/gtest.h>

#include "src/runtime/kernel.h"
#include "src/runtime/tensor_list.h"

namespace tfmodel {
namespace {

AttrValue Type(DataType t) {
  AttrValue a;
  a.kind = AttrValue::Kind::kType;
  a.type = t;
  return a;
}
const AttrMap kFloatList = {{"element_dtype", Type(DataType::kFloat)},
                            {"shape_type", Type(DataType::kInt32)}};

Tensor F(std::vector<float> v, Shape s) { return Tensor::FromVector<float>(v, s); }
Tensor I32(std::vector<int32_t> v, Shape s) { return Tensor::FromVector<int32_t>(v, s); }
Tensor ShapeT(std::vector<int32_t> dims) {
  return I32(dims, Shape{static_cast<int64_t>(dims.size())});
}
Tensor UnknownRank() { return Tensor::Scalar<int32_t>(-1); }

struct Ran {
  Status status;
  std::vector<Tensor> outputs;
};

Ran RunOp(const std::string& op, std::vector<Tensor> inputs, const AttrMap& attrs = kFloatList) {
  static const std::string kName = "list_node";
  const OpRegistration* reg = OpRegistry::Global().Find(op);
  if (reg == nullptr) return {NotFound("op " + op + " not registered"), {}};
  std::vector<DataType> types;
  for (const Tensor& t : inputs) types.push_back(t.dtype());
  NodeInfo info(kName, op, attrs, types);
  Result<Kernel> k = reg->factory(info);
  if (!k.ok()) return {k.status(), {}};
  std::vector<Tensor> outputs(k->output_types.size());
  KernelContext ctx(kName, inputs, outputs, nullptr, {});
  Status s = k->compute(ctx);
  return {s, outputs};
}

Tensor Ok(const Ran& r, int i = 0) {
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  return r.status.ok() ? r.outputs[i] : Tensor();
}

void ExpectError(const Ran& r, const std::string& substring) {
  ASSERT_FALSE(r.status.ok());
  EXPECT_NE(r.status.message().find(substring), std::string::npos) << r.status.ToString();
  EXPECT_NE(r.status.message().find("list_node"), std::string::npos) << r.status.ToString();
}

TEST(ListOps, FromTensorGetItemAndStackRoundTrip) {
  Tensor t = F({1, 2, 3, 4, 5, 6}, Shape{3, 2});
  Tensor list = Ok(RunOp("TensorListFromTensor", {t, ShapeT({-1})}));
  EXPECT_EQ(Ok(RunOp("TensorListLength", {list}, {})).flat<int32_t>()[0], 3);
  Tensor item = Ok(RunOp("TensorListGetItem", {list, Tensor::Scalar<int32_t>(1), ShapeT({2})}));
  EXPECT_TRUE(item.Equals(F({3, 4}, Shape{2})));
  Tensor stacked = Ok(RunOp("TensorListStack", {list, ShapeT({2})}));
  EXPECT_TRUE(stacked.Equals(t));
  Tensor shape =
      Ok(RunOp("TensorListElementShape", {list}, {{"shape_type", Type(DataType::kInt32)}}));
  EXPECT_TRUE(shape.Equals(ShapeT({-1})));
}

TEST(ListOps, UnsetElementsReadAsZerosOfAKnownShape) {
  Tensor list = Ok(RunOp("TensorListReserve", {ShapeT({-1, 2}), Tensor::Scalar<int32_t>(2)}));
  Tensor z = Ok(RunOp("TensorListGetItem", {list, Tensor::Scalar<int32_t>(0), ShapeT({3, -1})}));
  EXPECT_TRUE(z.Equals(Tensor::Allocate(DataType::kFloat, Shape{3, 2}).value()));
  // The element shape is known from neither the list nor the op: an error, not a guess.
  ExpectError(RunOp("TensorListGetItem", {list, Tensor::Scalar<int32_t>(0), UnknownRank()}),
              "not fully defined");
  ExpectError(RunOp("TensorListStack", {list, UnknownRank()}), "not fully defined");
  // Set one element: Stack learns the shape from it and fills the other with zeros.
  Tensor set = Ok(RunOp("TensorListSetItem",
                        {list, Tensor::Scalar<int32_t>(1), F({7, 8, 9, 1, 2, 3}, Shape{3, 2})}));
  Tensor stacked = Ok(RunOp("TensorListStack", {set, UnknownRank()}));
  EXPECT_TRUE(stacked.Equals(F({0, 0, 0, 0, 0, 0, 7, 8, 9, 1, 2, 3}, Shape{2, 3, 2})));
  // The input list was not modified.
  EXPECT_EQ(
      std::dynamic_pointer_cast<const TensorList>(list.flat<Variant>()[0])->tensors[1].dtype(),
      DataType::kInvalid);
}

TEST(ListOps, PushBackPopBackAndEmptyLists) {
  Tensor empty = Ok(RunOp("EmptyTensorList", {UnknownRank(), Tensor::Scalar<int32_t>(1)}));
  Tensor one = Ok(RunOp("TensorListPushBack", {empty, F({5}, Shape{1})}));
  ExpectError(RunOp("TensorListPushBack", {one, F({6}, Shape{1})}), "full");
  Ran popped = RunOp("TensorListPopBack", {one, UnknownRank()});
  EXPECT_TRUE(Ok(popped, 1).Equals(F({5}, Shape{1})));
  EXPECT_EQ(Ok(RunOp("TensorListLength", {popped.outputs[0]}, {})).flat<int32_t>()[0], 0);
  ExpectError(RunOp("TensorListPopBack", {empty, UnknownRank()}), "empty list");
  Tensor none = Ok(RunOp("TensorListStack", {empty, ShapeT({2})}));
  EXPECT_EQ(none.shape(), (Shape{0, 2}));
  Tensor shape =
      Ok(RunOp("TensorListElementShape", {empty}, {{"shape_type", Type(DataType::kInt64)}}));
  EXPECT_EQ(shape.shape(), Shape{});
  EXPECT_EQ(shape.flat<int64_t>()[0], -1);
}

TEST(ListOps, BadDataIsAnError) {
  Tensor list = Ok(RunOp("TensorListReserve", {ShapeT({2}), Tensor::Scalar<int32_t>(2)}));
  ExpectError(RunOp("TensorListGetItem", {list, Tensor::Scalar<int32_t>(2), ShapeT({2})}),
              "out of range");
  ExpectError(RunOp("TensorListGetItem", {list, Tensor::Scalar<int32_t>(-1), ShapeT({2})}),
              "out of range");
  ExpectError(RunOp("TensorListSetItem", {list, Tensor::Scalar<int32_t>(5), F({1, 2}, Shape{2})}),
              "cannot set element 5");
  ExpectError(
      RunOp("TensorListSetItem", {list, Tensor::Scalar<int32_t>(0), F({1, 2, 3}, Shape{3})}),
      "does not fit");
  ExpectError(RunOp("TensorListReserve", {ShapeT({2}), Tensor::Scalar<int32_t>(-3)}),
              "num_elements");
  ExpectError(RunOp("TensorListFromTensor", {Tensor::Scalar(1.0f), ShapeT({})}),
              "at least a vector");
  ExpectError(
      RunOp("TensorListReserve", {I32({1, 2, 3, 4}, Shape{2, 2}), Tensor::Scalar<int32_t>(1)}),
      "scalar or a vector");
  ExpectError(RunOp("TensorListReserve", {Tensor::Scalar<int32_t>(3), Tensor::Scalar<int32_t>(1)}),
              "must be -1");
  // A variant that holds no list, and a list of another dtype.
  Tensor not_a_list = Tensor::Allocate(DataType::kVariant, Shape{}).value();
  ExpectError(RunOp("TensorListLength", {not_a_list}, {}), "empty variant");
  AttrMap ints = {{"element_dtype", Type(DataType::kInt32)}};
  ExpectError(RunOp("TensorListGetItem", {list, Tensor::Scalar<int32_t>(0), ShapeT({2})}, ints),
              "holds float32 elements");
  ExpectError(RunOp("TensorListStack", {list, ShapeT({2})},
                    {{"element_dtype", Type(DataType::kFloat)},
                     {"num_elements",
                      [] {
                        AttrValue a;
                        a.kind = AttrValue::Kind::kInt;
                        a.i = 3;
                        return a;
                      }()}}),
              "expects 3");
}

}  // namespace
}  // namespace tfmodel
