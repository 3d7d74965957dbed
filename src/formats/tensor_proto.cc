// TensorProto decoding and encoding with TensorFlow's rules (spec/tf-formats.md 3.9).
//
// TensorProto: dtype=1, tensor_shape=2, tensor_content=4 (raw little-endian elements, or for
// DT_STRING: varint32 length[0..n-1] then the bytes of every element back to back), and one typed
// field per dtype family (float_val=5, double_val=6, int_val=7, string_val=8, scomplex_val=9,
// int64_val=10, bool_val=11, dcomplex_val=12, half_val=13, uint32_val=16, uint64_val=17,
// float8_val=18). tensor_content wins when non-empty.
#include "src/formats/tensor_proto.h"

#include <algorithm>
#include <complex>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "src/formats/graph_io.h"

namespace tfmodel {
namespace {

// TensorShape::kMaxDimensions.
constexpr int kMaxRank = 254;

std::string Describe(DataType dtype, const Shape& shape) {
  return "shape " + shape.DebugString() + " of " + std::string(DataTypeName(dtype));
}

Result<Shape> ShapeFromProto(const tensorflow::TensorShapeProto& proto) {
  if (proto.unknown_rank()) return InvalidArgument("tensor shape has unknown rank");
  if (proto.dim_size() > kMaxRank) {
    return InvalidArgument("tensor shape has rank " + std::to_string(proto.dim_size()) +
                           ", more than " + std::to_string(kMaxRank));
  }
  std::vector<int64_t> dims;
  dims.reserve(proto.dim_size());
  for (const auto& d : proto.dim()) dims.push_back(d.size());
  Result<Shape> shape = Shape::Make(dims);
  if (!shape.ok()) {
    std::string text;
    for (int64_t d : dims) text += (text.empty() ? "" : ",") + std::to_string(d);
    return InvalidArgument("invalid tensor shape [" + text + "]: " + shape.status().message());
  }
  return shape;
}

// ---- tensor_content ------------------------------------------------------------------------

// Reads a varint32 at *pos; false when truncated or longer than 5 bytes / 32 bits.
bool ReadVarint32(std::string_view in, size_t* pos, uint32_t* value) {
  uint32_t result = 0;
  for (int shift = 0; shift <= 28 && *pos < in.size(); shift += 7) {
    const uint32_t byte = static_cast<uint8_t>(in[(*pos)++]);
    if (shift == 28 && byte > 0x0f) return false;
    result |= (byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      *value = result;
      return true;
    }
  }
  return false;
}

// DT_STRING tensor_content: n varint32 lengths, then exactly the sum of the lengths in bytes.
Result<Tensor> StringsFromContent(const Shape& shape, std::string_view content) {
  const auto n = static_cast<uint64_t>(shape.NumElements());
  // Each length takes at least one byte: this bounds the allocation by the content's size.
  if (n > content.size()) {
    return InvalidArgument("string tensor_content of " + std::to_string(content.size()) +
                           " bytes cannot hold " + std::to_string(n) + " elements");
  }
  std::vector<uint32_t> lengths(n);
  size_t pos = 0;
  uint64_t total = 0;
  for (uint64_t i = 0; i < n; ++i) {
    if (!ReadVarint32(content, &pos, &lengths[i])) {
      return InvalidArgument("string tensor_content: bad length of element " + std::to_string(i));
    }
    total += lengths[i];
  }
  if (total != content.size() - pos) {
    return InvalidArgument("string tensor_content: lengths add up to " + std::to_string(total) +
                           " bytes, but " + std::to_string(content.size() - pos) + " follow");
  }
  TFM_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(DataType::kString, shape));
  auto out = t.flat<std::string>();
  for (uint64_t i = 0; i < n; ++i) {
    out[i].assign(content.substr(pos, lengths[i]));
    pos += lengths[i];
  }
  return t;
}

Result<Tensor> FromContent(DataType dtype, const Shape& shape, std::string_view content) {
  if (dtype == DataType::kString) return StringsFromContent(shape, content);
  const size_t elem = DataTypeSize(dtype);
  const auto n = static_cast<uint64_t>(shape.NumElements());
  if (content.size() % elem != 0 || content.size() / elem != n) {
    return InvalidArgument("tensor_content has " + std::to_string(content.size()) + " bytes, but " +
                           Describe(dtype, shape) + " needs " + std::to_string(n) + " x " +
                           std::to_string(elem));
  }
  if (dtype == DataType::kBool) {
    for (size_t i = 0; i < content.size(); ++i) {
      if (static_cast<uint8_t>(content[i]) > 1) {
        return InvalidArgument("bool tensor_content byte " + std::to_string(i) + " is " +
                               std::to_string(static_cast<uint8_t>(content[i])) + ", not 0 or 1");
      }
    }
  }
  TFM_ASSIGN_OR_RETURN(Tensor t, Tensor::AllocateUninitialized(dtype, shape));
  if (!content.empty()) std::memcpy(t.raw_data(), content.data(), content.size());
  return t;
}

// ---- typed fields ----------------------------------------------------------------------------

// Allocates for a typed field holding `k` values. When k < n the tensor is expanded from fewer
// values than it has elements, so its size must be bounded (`bytes_per_element` estimates it).
Result<Tensor> AllocateForTyped(DataType dtype, const Shape& shape, int64_t k,
                                uint64_t bytes_per_element) {
  const int64_t n = shape.NumElements();
  if (k >= n) return Tensor::AllocateUninitialized(dtype, shape);
  if (static_cast<uint64_t>(n) >
      kMaxExpandedTensorBytes / std::max<uint64_t>(bytes_per_element, 1)) {
    return InvalidArgument(Describe(dtype, shape) + " is given by " + std::to_string(k) +
                           " value(s) and would expand to more than " +
                           std::to_string(kMaxExpandedTensorBytes >> 30) + " GiB");
  }
  return Tensor::Allocate(dtype, shape);  // zero-filled: the k == 0 case
}

// The first min(n, k) elements come from get(i); if 0 < k < n the last one is repeated
// (TensorFlow's rule, so one value broadcasts to the whole shape).
template <typename T, typename Get>
Result<Tensor> FromTyped(DataType dtype, const Shape& shape, int64_t k, Get get) {
  TFM_ASSIGN_OR_RETURN(Tensor t, AllocateForTyped(dtype, shape, k, sizeof(T)));
  T* out = static_cast<T*>(t.raw_data());
  const int64_t n = t.NumElements();
  const int64_t m = std::min(n, k);
  for (int64_t i = 0; i < m; ++i) out[i] = get(i);
  if (m > 0) std::fill(out + m, out + n, out[m - 1]);
  return t;
}

Result<Tensor> StringsFromTyped(const Shape& shape, const tensorflow::TensorProto& p) {
  const int64_t k = p.string_val_size();
  const uint64_t last = k > 0 ? p.string_val(k - 1).size() : 0;
  TFM_ASSIGN_OR_RETURN(Tensor t,
                       AllocateForTyped(DataType::kString, shape, k, sizeof(std::string) + last));
  auto out = t.flat<std::string>();
  const int64_t n = t.NumElements();
  const int64_t m = std::min(n, k);
  for (int64_t i = 0; i < m; ++i) out[i] = p.string_val(i);
  for (int64_t i = m; m > 0 && i < n; ++i) out[i] = out[m - 1];
  return t;
}

template <typename T, typename Field>
Result<Tensor> FromComplex(DataType dtype, const Shape& shape, const Field& v) {
  return FromTyped<T>(dtype, shape, v.size() / 2,
                      [&](int64_t i) { return T(v[2 * i], v[2 * i + 1]); });
}

Result<Tensor> FromTypedField(DataType dtype, const Shape& shape,
                              const tensorflow::TensorProto& p) {
  const auto int_val = [&](int64_t i) { return p.int_val(static_cast<int>(i)); };
  switch (dtype) {
    case DataType::kFloat:
      return FromTyped<float>(dtype, shape, p.float_val_size(),
                              [&](int64_t i) { return p.float_val(i); });
    case DataType::kDouble:
      return FromTyped<double>(dtype, shape, p.double_val_size(),
                               [&](int64_t i) { return p.double_val(i); });
    case DataType::kInt32:
    case DataType::kQInt32: return FromTyped<int32_t>(dtype, shape, p.int_val_size(), int_val);
    // Narrow integer types keep the low bits of each int32, as static_cast in TensorFlow does
    // (int4/int2 included: TF 2.21 stores int_val 9 of an int4 as the byte 0x09).
    case DataType::kInt16:
    case DataType::kQInt16:
      return FromTyped<int16_t>(dtype, shape, p.int_val_size(),
                                [&](int64_t i) { return static_cast<int16_t>(int_val(i)); });
    case DataType::kUInt16:
    case DataType::kQUInt16:
      return FromTyped<uint16_t>(dtype, shape, p.int_val_size(),
                                 [&](int64_t i) { return static_cast<uint16_t>(int_val(i)); });
    case DataType::kInt8:
    case DataType::kQInt8:
    case DataType::kInt4:
    case DataType::kInt2:
      return FromTyped<int8_t>(dtype, shape, p.int_val_size(),
                               [&](int64_t i) { return static_cast<int8_t>(int_val(i)); });
    case DataType::kUInt8:
    case DataType::kQUInt8:
    case DataType::kUInt4:
    case DataType::kUInt2:
      return FromTyped<uint8_t>(dtype, shape, p.int_val_size(),
                                [&](int64_t i) { return static_cast<uint8_t>(int_val(i)); });
    case DataType::kInt64:
      return FromTyped<int64_t>(dtype, shape, p.int64_val_size(),
                                [&](int64_t i) { return p.int64_val(i); });
    case DataType::kUInt32:
      return FromTyped<uint32_t>(dtype, shape, p.uint32_val_size(),
                                 [&](int64_t i) { return p.uint32_val(i); });
    case DataType::kUInt64:
      return FromTyped<uint64_t>(dtype, shape, p.uint64_val_size(),
                                 [&](int64_t i) { return p.uint64_val(i); });
    case DataType::kBool:
      return FromTyped<bool>(dtype, shape, p.bool_val_size(),
                             [&](int64_t i) { return p.bool_val(i); });
    case DataType::kComplex64:
      return FromComplex<std::complex<float>>(dtype, shape, p.scomplex_val());
    case DataType::kComplex128:
      return FromComplex<std::complex<double>>(dtype, shape, p.dcomplex_val());
    case DataType::kHalf:
    case DataType::kBFloat16:  // half_val holds the 16-bit pattern; only the low 16 bits count
      return FromTyped<uint16_t>(dtype, shape, p.half_val_size(),
                                 [&](int64_t i) { return static_cast<uint16_t>(p.half_val(i)); });
    case DataType::kFloat8E5M2:
    case DataType::kFloat8E4M3FN:
    case DataType::kFloat8E4M3FNUZ:
    case DataType::kFloat8E4M3B11FNUZ:
    case DataType::kFloat8E5M2FNUZ:
    case DataType::kFloat4E2M1FN: {
      const std::string& bytes = p.float8_val();
      return FromTyped<uint8_t>(dtype, shape, static_cast<int64_t>(bytes.size()),
                                [&](int64_t i) { return static_cast<uint8_t>(bytes[i]); });
    }
    case DataType::kString: return StringsFromTyped(shape, p);
    default:
      return Unimplemented("TensorProto values of dtype " + DataTypeEnumName(dtype) +
                           " are not supported");
  }
}

// ---- encoding --------------------------------------------------------------------------------

// Python's _TENSOR_CONTENT_TYPES (tensor_util.py, TF 2.21): int4/uint4/int2/uint2 are left out
// on purpose there, and uint16, bool, complex and string were never in it.
bool UsesTensorContent(DataType dtype) {
  switch (dtype) {
    case DataType::kHalf:
    case DataType::kFloat:
    case DataType::kDouble:
    case DataType::kInt32:
    case DataType::kUInt8:
    case DataType::kInt16:
    case DataType::kInt8:
    case DataType::kInt64:
    case DataType::kQInt8:
    case DataType::kQUInt8:
    case DataType::kQInt16:
    case DataType::kQUInt16:
    case DataType::kQInt32:
    case DataType::kUInt32:
    case DataType::kUInt64:
    case DataType::kFloat8E5M2:
    case DataType::kFloat8E4M3FN:
    case DataType::kFloat8E4M3FNUZ:
    case DataType::kFloat8E4M3B11FNUZ:
    case DataType::kFloat8E5M2FNUZ:
    case DataType::kFloat4E2M1FN:
    case DataType::kBFloat16: return true;
    default: return false;
  }
}

// Appends the first `n` elements of `t` to a typed field.
template <typename T, typename Field, typename Conv>
void Append(const Tensor& t, int64_t n, Field* field, Conv conv) {
  const T* in = static_cast<const T*>(t.raw_data());
  field->Reserve(static_cast<int>(n));
  for (int64_t i = 0; i < n; ++i) field->Add(conv(in[i]));
}

template <typename T, typename Field>
void Append(const Tensor& t, int64_t n, Field* field) {
  Append<T>(t, n, field, [](T v) { return v; });
}

// Whether every element is bitwise equal to the first (so -0.0 and 0.0 differ, as do NaNs with
// different payloads: decoding the one value must give back the same bytes).
bool IsSplat(const Tensor& t) {
  const int64_t n = t.NumElements();
  if (t.dtype() == DataType::kString) {
    auto s = t.flat<std::string>();
    return std::all_of(s.begin() + 1, s.end(), [&](const std::string& v) { return v == s[0]; });
  }
  const size_t elem = DataTypeSize(t.dtype());
  const auto* p = static_cast<const char*>(t.raw_data());
  for (int64_t i = 1; i < n; ++i) {
    if (std::memcmp(p, p + i * elem, elem) != 0) return false;
  }
  return true;
}

// int4/int2 values as Python writes them (ml_dtypes value .astype(int8)): the low bits,
// sign-extended for the signed types and masked for the unsigned ones.
int32_t NarrowIntValue(DataType dtype, uint8_t byte) {
  switch (dtype) {
    case DataType::kInt4: return static_cast<int8_t>(static_cast<uint8_t>(byte << 4)) >> 4;
    case DataType::kUInt4: return byte & 0x0f;
    case DataType::kInt2: return static_cast<int8_t>(static_cast<uint8_t>(byte << 6)) >> 6;
    default: return byte & 0x03;  // kUInt2
  }
}

}  // namespace

Result<Tensor> TensorFromProto(const tensorflow::TensorProto& proto) {
  const int dtype_value = proto.dtype();
  if (dtype_value == 0 || !IsKnownDataType(dtype_value)) {
    return InvalidArgument("TensorProto has invalid dtype " + std::to_string(dtype_value));
  }
  const auto dtype = static_cast<DataType>(dtype_value);
  if (dtype == DataType::kResource || dtype == DataType::kVariant) {
    return Unimplemented("TensorProto values of dtype " + DataTypeEnumName(dtype) +
                         " are not supported");
  }
  TFM_ASSIGN_OR_RETURN(Shape shape, ShapeFromProto(proto.tensor_shape()));
  if (!proto.tensor_content().empty()) return FromContent(dtype, shape, proto.tensor_content());
  return FromTypedField(dtype, shape, proto);
}

void TensorToProto(const Tensor& t, tensorflow::TensorProto* p, bool splat_as_one_value) {
  p->Clear();
  const DataType dtype = t.dtype();
  p->set_dtype(static_cast<tensorflow::DataType>(dtype));
  tensorflow::TensorShapeProto* shape = p->mutable_tensor_shape();  // present even for scalars
  for (int64_t d : t.shape().dims()) shape->add_dim()->set_size(d);
  if (dtype == DataType::kInvalid) return;  // an empty Tensor: dtype and shape say everything
  int64_t n = t.NumElements();
  if (n > 1 && splat_as_one_value && IsSplat(t)) {
    n = 1;
  } else if (n > 1 && UsesTensorContent(dtype)) {
    p->set_tensor_content(static_cast<const char*>(t.raw_data()), t.TotalBytes());
    return;
  }
  switch (dtype) {
    case DataType::kFloat: Append<float>(t, n, p->mutable_float_val()); break;
    case DataType::kDouble: Append<double>(t, n, p->mutable_double_val()); break;
    case DataType::kInt32:
    case DataType::kQInt32: Append<int32_t>(t, n, p->mutable_int_val()); break;
    case DataType::kInt16:
    case DataType::kQInt16: Append<int16_t>(t, n, p->mutable_int_val()); break;
    case DataType::kUInt16:
    case DataType::kQUInt16: Append<uint16_t>(t, n, p->mutable_int_val()); break;
    case DataType::kInt8:
    case DataType::kQInt8: Append<int8_t>(t, n, p->mutable_int_val()); break;
    case DataType::kUInt8:
    case DataType::kQUInt8: Append<uint8_t>(t, n, p->mutable_int_val()); break;
    case DataType::kInt4:
    case DataType::kUInt4:
    case DataType::kInt2:
    case DataType::kUInt2:
      Append<uint8_t>(t, n, p->mutable_int_val(),
                      [dtype](uint8_t b) { return NarrowIntValue(dtype, b); });
      break;
    case DataType::kInt64: Append<int64_t>(t, n, p->mutable_int64_val()); break;
    case DataType::kUInt32: Append<uint32_t>(t, n, p->mutable_uint32_val()); break;
    case DataType::kUInt64: Append<uint64_t>(t, n, p->mutable_uint64_val()); break;
    case DataType::kBool: Append<bool>(t, n, p->mutable_bool_val()); break;
    case DataType::kHalf:
    case DataType::kBFloat16:
      Append<uint16_t>(t, n, p->mutable_half_val(), [](uint16_t bits) { return int32_t{bits}; });
      break;
    case DataType::kComplex64:
      for (std::complex<float> c : t.flat<std::complex<float>>().first(n)) {
        p->add_scomplex_val(c.real());
        p->add_scomplex_val(c.imag());
      }
      break;
    case DataType::kComplex128:
      for (std::complex<double> c : t.flat<std::complex<double>>().first(n)) {
        p->add_dcomplex_val(c.real());
        p->add_dcomplex_val(c.imag());
      }
      break;
    case DataType::kFloat8E5M2:
    case DataType::kFloat8E4M3FN:
    case DataType::kFloat8E4M3FNUZ:
    case DataType::kFloat8E4M3B11FNUZ:
    case DataType::kFloat8E5M2FNUZ:
    case DataType::kFloat4E2M1FN:
      p->set_float8_val(static_cast<const char*>(t.raw_data()), n);
      break;
    case DataType::kString:
      for (const std::string& s : t.flat<std::string>().first(n)) p->add_string_val(s);
      break;
    default:  // DT_RESOURCE / DT_VARIANT: TensorFromProto does not produce them
      break;
  }
}

Result<Tensor> ParseTensorProto(std::string_view bytes, const std::string& name_for_errors) {
  tensorflow::TensorProto proto;
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return InvalidArgument(name_for_errors + ": TensorProto of " + std::to_string(bytes.size()) +
                           " bytes is over protobuf's 2 GiB limit");
  }
  if (!proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return DataLoss(name_for_errors + ": truncated or not a TensorProto");
  }
  Result<Tensor> t = TensorFromProto(proto);
  if (!t.ok()) return t.status().WithContext(name_for_errors);
  return t;
}

std::string SerializeTensorProto(const Tensor& tensor) {
  tensorflow::TensorProto proto;
  TensorToProto(tensor, &proto);
  return proto.SerializeAsString();
}

}  // namespace tfmodel
