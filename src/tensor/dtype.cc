// DataType names and sizes, and the 16-bit float conversions.
#include <bit>
#include <cmath>
#include <cstring>

#include "tfmodel/tensor.h"

namespace tfmodel {
namespace {

struct DtypeRow {
  DataType dtype;
  std::string_view name;       // tf.DType.name
  std::string_view enum_name;  // types.proto
  size_t size;
};

constexpr DtypeRow kDtypes[] = {
    {DataType::kFloat, "float32", "DT_FLOAT", 4},
    {DataType::kDouble, "float64", "DT_DOUBLE", 8},
    {DataType::kInt32, "int32", "DT_INT32", 4},
    {DataType::kUInt8, "uint8", "DT_UINT8", 1},
    {DataType::kInt16, "int16", "DT_INT16", 2},
    {DataType::kInt8, "int8", "DT_INT8", 1},
    {DataType::kString, "string", "DT_STRING", 0},
    {DataType::kComplex64, "complex64", "DT_COMPLEX64", 8},
    {DataType::kInt64, "int64", "DT_INT64", 8},
    {DataType::kBool, "bool", "DT_BOOL", 1},
    {DataType::kQInt8, "qint8", "DT_QINT8", 1},
    {DataType::kQUInt8, "quint8", "DT_QUINT8", 1},
    {DataType::kQInt32, "qint32", "DT_QINT32", 4},
    {DataType::kBFloat16, "bfloat16", "DT_BFLOAT16", 2},
    {DataType::kQInt16, "qint16", "DT_QINT16", 2},
    {DataType::kQUInt16, "quint16", "DT_QUINT16", 2},
    {DataType::kUInt16, "uint16", "DT_UINT16", 2},
    {DataType::kComplex128, "complex128", "DT_COMPLEX128", 16},
    {DataType::kHalf, "float16", "DT_HALF", 2},
    {DataType::kResource, "resource", "DT_RESOURCE", 0},
    {DataType::kVariant, "variant", "DT_VARIANT", 0},
    {DataType::kUInt32, "uint32", "DT_UINT32", 4},
    {DataType::kUInt64, "uint64", "DT_UINT64", 8},
    {DataType::kFloat8E5M2, "float8_e5m2", "DT_FLOAT8_E5M2", 1},
    {DataType::kFloat8E4M3FN, "float8_e4m3fn", "DT_FLOAT8_E4M3FN", 1},
    {DataType::kFloat8E4M3FNUZ, "float8_e4m3fnuz", "DT_FLOAT8_E4M3FNUZ", 1},
    {DataType::kFloat8E4M3B11FNUZ, "float8_e4m3b11fnuz", "DT_FLOAT8_E4M3B11FNUZ", 1},
    {DataType::kFloat8E5M2FNUZ, "float8_e5m2fnuz", "DT_FLOAT8_E5M2FNUZ", 1},
    {DataType::kInt4, "int4", "DT_INT4", 1},
    {DataType::kUInt4, "uint4", "DT_UINT4", 1},
    {DataType::kInt2, "int2", "DT_INT2", 1},
    {DataType::kUInt2, "uint2", "DT_UINT2", 1},
    {DataType::kFloat4E2M1FN, "float4_e2m1fn", "DT_FLOAT4_E2M1FN", 1},
};

const DtypeRow* FindRow(DataType dtype) {
  for (const DtypeRow& r : kDtypes) {
    if (r.dtype == dtype) return &r;
  }
  return nullptr;
}

}  // namespace

std::string_view DataTypeName(DataType dtype) {
  const DtypeRow* r = FindRow(dtype);
  return r ? r->name : "invalid";
}

std::string DataTypeEnumName(DataType dtype) {
  const DtypeRow* r = FindRow(dtype);
  if (r) return std::string(r->enum_name);
  // Reference types (value + 100, e.g. DT_FLOAT_REF = 101) appear in old signatures whose
  // outputs are ref variables (saved_model_counter's `counter:0`).
  const int value = static_cast<int>(dtype);
  if (value > 100 && (r = FindRow(static_cast<DataType>(value - 100))) != nullptr) {
    return std::string(r->enum_name) + "_REF";
  }
  if (value == 0) return "DT_INVALID";  // as TensorFlow names it (a NoOp "output" in signatures)
  return "DT_INVALID(" + std::to_string(value) + ")";
}

Result<DataType> DataTypeFromName(std::string_view name) {
  for (const DtypeRow& r : kDtypes) {
    if (r.name == name || r.enum_name == name) return r.dtype;
  }
  if (name == "half") return DataType::kHalf;
  if (name == "float") return DataType::kFloat;
  if (name == "double") return DataType::kDouble;
  return InvalidArgument("unknown dtype \"" + std::string(name) + "\"");
}

bool IsKnownDataType(int value) { return FindRow(static_cast<DataType>(value)) != nullptr; }

size_t DataTypeSize(DataType dtype) {
  const DtypeRow* r = FindRow(dtype);
  return r ? r->size : 0;
}

bool IsPodDataType(DataType dtype) { return DataTypeSize(dtype) > 0; }

// ---- 16-bit floats ------------------------------------------------------------------------

Half Half::FromFloat(float f) {
  uint32_t x = std::bit_cast<uint32_t>(f);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t abs = x & 0x7fffffffu;
  uint16_t out;
  if (abs >= 0x7f800000u) {                       // inf or nan
    out = static_cast<uint16_t>(abs > 0x7f800000u ? 0x7e00u | ((abs >> 13) & 0x3ffu) : 0x7c00u);
  } else if (abs >= 0x477ff000u) {                // rounds to >= 65520: overflow to inf
    out = 0x7c00u;
  } else if (abs < 0x38800000u) {                 // subnormal half (or zero)
    // Add the implicit bit and shift into position, rounding to nearest even.
    uint32_t shift = 113 - (abs >> 23);
    if (shift > 11) {  // below 2^-25: rounds to zero
      out = 0;
    } else {
      uint32_t mant = (abs & 0x7fffffu) | 0x800000u;
      uint32_t half_mant = mant >> (shift + 13);
      uint32_t rem = mant & ((1u << (shift + 13)) - 1);
      uint32_t halfway = 1u << (shift + 12);
      if (rem > halfway || (rem == halfway && (half_mant & 1))) ++half_mant;
      out = static_cast<uint16_t>(half_mant);
    }
  } else {
    uint32_t v = abs - 0x38000000u;               // rebias exponent 127 -> 15
    uint32_t rem = v & 0x1fffu;
    uint32_t h = v >> 13;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1))) ++h;
    out = static_cast<uint16_t>(h);
  }
  return Half{static_cast<uint16_t>(out | sign)};
}

float Half::ToFloat() const {
  uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
  uint32_t exp = (bits >> 10) & 0x1fu;
  uint32_t mant = bits & 0x3ffu;
  uint32_t out;
  if (exp == 0x1f) {
    out = sign | 0x7f800000u | (mant << 13);
  } else if (exp == 0) {
    if (mant == 0) return std::bit_cast<float>(sign);
    float v = std::ldexp(static_cast<float>(mant), -24);
    return sign ? -v : v;
  } else {
    out = sign | ((exp + 112) << 23) | (mant << 13);
  }
  return std::bit_cast<float>(out);
}

BFloat16 BFloat16::FromFloat(float f) {
  uint32_t x = std::bit_cast<uint32_t>(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return BFloat16{static_cast<uint16_t>((x >> 16) | 0x40)};
  uint32_t rounding = 0x7fffu + ((x >> 16) & 1);
  return BFloat16{static_cast<uint16_t>((x + rounding) >> 16)};
}

float BFloat16::ToFloat() const { return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16); }

}  // namespace tfmodel
