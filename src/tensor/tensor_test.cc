#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tfmodel/tensor.h"

namespace tfmodel {
namespace {

TEST(DataType, NamesAndSizesFollowTensorFlow) {
  EXPECT_EQ(static_cast<int>(DataType::kBFloat16), 14);
  EXPECT_EQ(static_cast<int>(DataType::kUInt64), 23);
  EXPECT_EQ(DataTypeName(DataType::kHalf), "float16");
  EXPECT_EQ(DataTypeEnumName(DataType::kString), "DT_STRING");
  EXPECT_EQ(DataTypeSize(DataType::kComplex128), 16u);
  EXPECT_EQ(DataTypeSize(DataType::kString), 0u);
  EXPECT_EQ(DataTypeFromName("DT_INT64").value(), DataType::kInt64);
  EXPECT_EQ(DataTypeFromName("bfloat16").value(), DataType::kBFloat16);
  EXPECT_FALSE(DataTypeFromName("float33").ok());
  EXPECT_FALSE(IsKnownDataType(101));  // DT_FLOAT_REF
  // saved_model_cli prints reference dtypes of old signatures by their enum names.
  EXPECT_EQ(DataTypeEnumName(static_cast<DataType>(101)), "DT_FLOAT_REF");
  EXPECT_EQ(DataTypeEnumName(static_cast<DataType>(107)), "DT_STRING_REF");
  EXPECT_EQ(DataTypeEnumName(static_cast<DataType>(100)), "DT_INVALID(100)");
  EXPECT_EQ(DataTypeEnumName(static_cast<DataType>(99)), "DT_INVALID(99)");
  // TensorFlow 2.21's SaveV2 writes 7 int4/uint4/float8 elements as 7 bytes (one per element).
  EXPECT_EQ(DataTypeSize(DataType::kInt4), 1u);
  EXPECT_EQ(DataTypeSize(DataType::kUInt4), 1u);
  EXPECT_EQ(DataTypeSize(DataType::kFloat8E5M2), 1u);
}

TEST(Half, ConversionsAreExactWhereIeeeSaysSo) {
  // IEEE binary16 bit patterns.
  EXPECT_EQ(Half::FromFloat(1.0f).bits, 0x3c00);
  EXPECT_EQ(Half::FromFloat(-2.0f).bits, 0xc000);
  EXPECT_EQ(Half::FromFloat(65504.0f).bits, 0x7bff);
  EXPECT_EQ(Half::FromFloat(65520.0f).bits, 0x7c00);  // rounds to inf
  EXPECT_EQ(Half::FromFloat(std::ldexp(1.0f, -24)).bits, 0x0001);  // smallest subnormal
  EXPECT_EQ(Half::FromFloat(std::ldexp(1.0f, -25)).bits, 0x0000);  // ties to even
  EXPECT_EQ(Half::FromFloat(std::ldexp(3.0f, -26)).bits, 0x0001);
  EXPECT_EQ(Half::FromFloat(1.0f + std::ldexp(1.0f, -11)).bits, 0x3c00);  // tie -> even
  EXPECT_EQ(Half::FromFloat(1.0f + std::ldexp(3.0f, -11)).bits, 0x3c02);
  EXPECT_TRUE(std::isnan(Half{0x7e00}.ToFloat()));
  EXPECT_EQ(Half{0x0001}.ToFloat(), std::ldexp(1.0f, -24));
  EXPECT_EQ(Half{0x3555}.ToFloat(), 0.333251953125f);
  for (uint32_t b = 0; b < 0x7c00; ++b) {  // every finite half round-trips
    ASSERT_EQ(Half::FromFloat(Half{static_cast<uint16_t>(b)}.ToFloat()).bits, b);
  }
}

TEST(BFloat16, RoundsToNearestEven) {
  EXPECT_EQ(BFloat16::FromFloat(1.0f).bits, 0x3f80);
  EXPECT_EQ(BFloat16::FromFloat(std::bit_cast<float>(0x3f808000u)).bits, 0x3f80);  // tie, even
  EXPECT_EQ(BFloat16::FromFloat(std::bit_cast<float>(0x3f818000u)).bits, 0x3f82);  // tie, odd
  EXPECT_EQ(BFloat16{0x4049}.ToFloat(), 3.140625f);
}

TEST(Shape, RejectsNegativeAndOverflow) {
  EXPECT_FALSE(Shape::Make(std::vector<int64_t>{2, -1}).ok());
  EXPECT_FALSE(Shape::Make(std::vector<int64_t>{int64_t{1} << 40, int64_t{1} << 40}).ok());
  EXPECT_EQ(Shape({2, 3}).NumElements(), 6);
  EXPECT_EQ(Shape({}).NumElements(), 1);
  EXPECT_EQ(Shape({4, 0}).NumElements(), 0);
  EXPECT_EQ(Shape({2, 3}).DebugString(), "[2,3]");
}

TEST(Tensor, AllocateAlignedZeroedAndShared) {
  auto t = Tensor::Allocate(DataType::kFloat, Shape({3, 5}));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t->raw_data()) % 64, 0u);
  for (float v : t->flat<float>()) EXPECT_EQ(v, 0.0f);
  Tensor alias = *t;
  alias.flat<float>()[4] = 2.5f;
  EXPECT_EQ(t->flat<float>()[4], 2.5f);
  Tensor copy = t->Clone();
  copy.flat<float>()[4] = 1.0f;
  EXPECT_EQ(t->flat<float>()[4], 2.5f);
  EXPECT_FALSE(copy.Equals(*t));
}

TEST(Tensor, RefusesHugeAndUnallocatableTypes) {
  auto huge = Tensor::Allocate(DataType::kDouble, Shape({int64_t{1} << 30, int64_t{1} << 20}));
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().code(), StatusCode::kResourceExhausted);
  EXPECT_FALSE(Tensor::Allocate(DataType::kInvalid, Shape({1})).ok());
  auto handle = Tensor::Allocate(DataType::kResource, Shape({}));
  ASSERT_TRUE(handle.ok());
  EXPECT_EQ(handle->flat<std::string>()[0], "");
}

// A variant element counting its live copies: the buffer must destroy what it constructed.
struct CountedValue : VariantValue {
  explicit CountedValue(int* live) : live_(live) { ++*live_; }
  ~CountedValue() override { --*live_; }
  std::string TypeName() const override { return "test::Counted"; }
  std::string DebugString() const override { return "counted"; }
  int* live_;
};

TEST(Tensor, VariantsShareImmutableValues) {
  int live = 0;
  {
    auto t = Tensor::Allocate(DataType::kVariant, Shape({2}));
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->flat<Variant>()[0], nullptr);
    t->flat<Variant>()[1] = std::make_shared<CountedValue>(&live);
    EXPECT_EQ(live, 1);
    Tensor copy = t->Clone();
    EXPECT_TRUE(copy.Equals(*t));  // the same value, shared
    EXPECT_EQ(t->DebugString(), "[<empty variant> <counted>]");
    t->flat<Variant>()[1] = nullptr;
    EXPECT_EQ(live, 1);  // the clone still holds it
    EXPECT_FALSE(copy.Equals(*t));
  }
  EXPECT_EQ(live, 0);
}

TEST(Tensor, StringsAndDebugString) {
  Tensor s = Tensor::Strings({"a", std::string("\0b", 2)});
  EXPECT_EQ(s.shape(), Shape({2}));
  EXPECT_EQ(s.DebugString(), "[b'a' b'\\x00b']");
  std::vector<float> v{1, 2, 3, 4, 5, 6};
  Tensor m = Tensor::FromVector<float>(v, Shape({2, 3}));
  EXPECT_EQ(m.DebugString(), "[[1. 2. 3.]\n [4. 5. 6.]]");  // as numpy prints it
  EXPECT_EQ(m.DebugString(4), "[[1. 2. 3.]\n [4. ...]]");
  EXPECT_EQ(Tensor::Scalar(true).DebugString(), "True");
  auto r = m.Reshaped(Shape({3, 2}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->flat<float>()[5], 6.0f);
  EXPECT_FALSE(m.Reshaped(Shape({4})).ok());
}

}  // namespace
}  // namespace tfmodel
