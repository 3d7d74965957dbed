// DataType, Shape and Tensor: n-dimensional arrays of every TensorFlow dtype.
//
//   TFM_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(DataType::kFloat, Shape({2, 3})));
//   auto v = t.flat<float>();            // 6 floats, row-major, 64-byte aligned
//   v[0] = 1.5f;
//   Tensor s = Tensor::Strings({"a", ""});  // DT_STRING, shape [2]
//   TFM_RETURN_IF_ERROR(WriteNpy("t.npy", t));
//
// A Tensor is a cheap handle: copies share one reference-counted buffer (use Clone() for a deep
// copy). Handles may be used from several threads when no thread writes the elements.
#ifndef TFMODEL_TENSOR_H_
#define TFMODEL_TENSOR_H_

#include <complex>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <tfmodel/status.h>

namespace tfmodel {

// TensorFlow's DataType numbers (types.proto), so values cross the file formats unchanged.
enum class DataType : int {
  kInvalid = 0,
  kFloat = 1,
  kDouble = 2,
  kInt32 = 3,
  kUInt8 = 4,
  kInt16 = 5,
  kInt8 = 6,
  kString = 7,
  kComplex64 = 8,
  kInt64 = 9,
  kBool = 10,
  kQInt8 = 11,
  kQUInt8 = 12,
  kQInt32 = 13,
  kBFloat16 = 14,
  kQInt16 = 15,
  kQUInt16 = 16,
  kUInt16 = 17,
  kComplex128 = 18,
  kHalf = 19,
  kResource = 20,
  kVariant = 21,
  kUInt32 = 22,
  kUInt64 = 23,
  kFloat8E5M2 = 24,
  kFloat8E4M3FN = 25,
  kFloat8E4M3FNUZ = 26,
  kFloat8E4M3B11FNUZ = 27,
  kFloat8E5M2FNUZ = 28,
  kInt4 = 29,   // stored one element per byte, unpacked (checked against TensorFlow 2.21)
  kUInt4 = 30,
  kInt2 = 31,
  kUInt2 = 32,
  kFloat4E2M1FN = 33,
};

// "float32", "bfloat16", "string", ... (the names tf.DType.name uses); "invalid" if unknown.
std::string_view DataTypeName(DataType dtype);
// "DT_FLOAT", "DT_STRING", ... (the enum names of types.proto; "DT_FLOAT_REF" for 101, ...).
std::string DataTypeEnumName(DataType dtype);
// Inverse of DataTypeName; also accepts the DT_ names.
Result<DataType> DataTypeFromName(std::string_view name);
// Whether the value is one of the enumerators above (not a _REF type, not garbage).
bool IsKnownDataType(int value);
// Bytes per element of a fixed-size dtype; 0 for string, variant, resource and invalid.
size_t DataTypeSize(DataType dtype);
// Whether elements are plain bytes of DataTypeSize (everything but string/variant/resource).
bool IsPodDataType(DataType dtype);

// IEEE binary16 and bfloat16 as raw bits, with conversions to and from float.
struct Half {
  uint16_t bits = 0;
  static Half FromFloat(float f);
  float ToFloat() const;
};
struct BFloat16 {
  uint16_t bits = 0;
  static BFloat16 FromFloat(float f);  // round to nearest even, as TensorFlow does
  float ToFloat() const;
};

// A DT_VARIANT element: a shared pointer to an immutable value of some C++ type (a TensorList
// for the list ops). Copying a variant tensor copies the pointers; an op that "modifies" a value
// builds a new one, so a value seen by one kernel never changes under another. An empty pointer
// is a default-constructed (empty) variant.
class VariantValue {
 public:
  virtual ~VariantValue() = default;
  // TensorFlow's type name of the value ("tensorflow::TensorList").
  virtual std::string TypeName() const = 0;
  virtual std::string DebugString() const = 0;
};
using Variant = std::shared_ptr<const VariantValue>;

// The C++ element type of each fixed-size dtype, for flat<T>() and DispatchDataType.
template <DataType D> struct DataTypeToCpp;
#define TFM_DTYPE_CPP_(D, T) \
  template <> struct DataTypeToCpp<DataType::D> { using type = T; }
TFM_DTYPE_CPP_(kFloat, float);
TFM_DTYPE_CPP_(kDouble, double);
TFM_DTYPE_CPP_(kInt32, int32_t);
TFM_DTYPE_CPP_(kUInt8, uint8_t);
TFM_DTYPE_CPP_(kInt16, int16_t);
TFM_DTYPE_CPP_(kInt8, int8_t);
TFM_DTYPE_CPP_(kString, std::string);
TFM_DTYPE_CPP_(kComplex64, std::complex<float>);
TFM_DTYPE_CPP_(kInt64, int64_t);
TFM_DTYPE_CPP_(kBool, bool);
TFM_DTYPE_CPP_(kBFloat16, BFloat16);
TFM_DTYPE_CPP_(kUInt16, uint16_t);
TFM_DTYPE_CPP_(kComplex128, std::complex<double>);
TFM_DTYPE_CPP_(kHalf, Half);
TFM_DTYPE_CPP_(kUInt32, uint32_t);
TFM_DTYPE_CPP_(kUInt64, uint64_t);
TFM_DTYPE_CPP_(kVariant, Variant);
#undef TFM_DTYPE_CPP_

template <typename T> constexpr DataType CppToDataType();
template <> constexpr DataType CppToDataType<float>() { return DataType::kFloat; }
template <> constexpr DataType CppToDataType<double>() { return DataType::kDouble; }
template <> constexpr DataType CppToDataType<int32_t>() { return DataType::kInt32; }
template <> constexpr DataType CppToDataType<uint8_t>() { return DataType::kUInt8; }
template <> constexpr DataType CppToDataType<int16_t>() { return DataType::kInt16; }
template <> constexpr DataType CppToDataType<int8_t>() { return DataType::kInt8; }
template <> constexpr DataType CppToDataType<std::string>() { return DataType::kString; }
template <> constexpr DataType CppToDataType<std::complex<float>>() { return DataType::kComplex64; }
template <> constexpr DataType CppToDataType<int64_t>() { return DataType::kInt64; }
template <> constexpr DataType CppToDataType<bool>() { return DataType::kBool; }
template <> constexpr DataType CppToDataType<BFloat16>() { return DataType::kBFloat16; }
template <> constexpr DataType CppToDataType<uint16_t>() { return DataType::kUInt16; }
template <> constexpr DataType CppToDataType<std::complex<double>>() { return DataType::kComplex128; }
template <> constexpr DataType CppToDataType<Half>() { return DataType::kHalf; }
template <> constexpr DataType CppToDataType<uint32_t>() { return DataType::kUInt32; }
template <> constexpr DataType CppToDataType<uint64_t>() { return DataType::kUInt64; }
template <> constexpr DataType CppToDataType<Variant>() { return DataType::kVariant; }

// Calls fn(T{}) -- a value of the element type -- for the dtypes that have a C++ type above
// (not string) and returns its result; returns `fallback` for the others.
//   DispatchPod(dt, Status(...), [&](auto zero) { using T = decltype(zero); ... });
template <typename R, typename Fn>
R DispatchPod(DataType dtype, R fallback, Fn&& fn) {
  switch (dtype) {
#define TFM_CASE_(D) \
  case DataType::D:  \
    return fn(typename DataTypeToCpp<DataType::D>::type{});
    TFM_CASE_(kFloat) TFM_CASE_(kDouble) TFM_CASE_(kInt32) TFM_CASE_(kUInt8)
    TFM_CASE_(kInt16) TFM_CASE_(kInt8) TFM_CASE_(kComplex64) TFM_CASE_(kInt64)
    TFM_CASE_(kBool) TFM_CASE_(kBFloat16) TFM_CASE_(kUInt16) TFM_CASE_(kComplex128)
    TFM_CASE_(kHalf) TFM_CASE_(kUInt32) TFM_CASE_(kUInt64)
#undef TFM_CASE_
    default:
      return fallback;
  }
}

// A fully defined shape: every dimension >= 0. Rank 0 is a scalar (one element).
class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) : dims_(dims) {}
  // Fails when a dimension is negative or the element count overflows 2^62.
  static Result<Shape> Make(std::span<const int64_t> dims);

  int rank() const { return static_cast<int>(dims_.size()); }
  int64_t dim(int i) const { return dims_[i]; }
  const std::vector<int64_t>& dims() const { return dims_; }
  // REQUIRES: a shape from Make() or a literal with non-negative dims.
  int64_t NumElements() const;
  // "[2,3]", "[]" for a scalar.
  std::string DebugString() const;
  bool operator==(const Shape& other) const = default;

 private:
  std::vector<int64_t> dims_;
};

// A shape that may be partly unknown: dims of -1 are unknown; unknown_rank means no dims.
struct PartialShape {
  static PartialShape Unknown() { return PartialShape{true, {}}; }
  static PartialShape Of(const Shape& s) { return PartialShape{false, s.dims()}; }
  bool unknown_rank = false;
  std::vector<int64_t> dims;
  bool IsFullyDefined() const;
  // "(-1, 1)" as saved_model_cli prints it; "unknown_rank".
  std::string ToCliString() const;
  bool operator==(const PartialShape&) const = default;
};

// Largest tensor we allocate: bounds allocations whose size comes from a file or request.
inline constexpr uint64_t kMaxTensorBytes = uint64_t{1} << 40;

class Tensor {
 public:
  // An empty DT_INVALID tensor.
  Tensor();
  // Zero-initialised (empty strings for DT_STRING). DT_RESOURCE tensors hold one std::string per
  // element (the resource's key; read them with flat<std::string>()); DT_VARIANT tensors one
  // Variant per element, empty (flat<Variant>()). Fails for DT_INVALID, or when the byte size is
  // over kMaxTensorBytes or memory is exhausted.
  static Result<Tensor> Allocate(DataType dtype, const Shape& shape);
  // Like Allocate, but fixed-size elements are left uninitialised: for callers that overwrite
  // every byte (readers), saving a pass over the memory.
  static Result<Tensor> AllocateUninitialized(DataType dtype, const Shape& shape);
  // Convenience constructors for tests and examples.
  template <typename T>
  static Tensor FromVector(std::span<const T> values, Shape shape);
  template <typename T>
  static Tensor Scalar(T value) {
    return FromVector<T>(std::span<const T>(&value, 1), Shape{});
  }
  static Tensor Strings(const std::vector<std::string>& values);

  DataType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t NumElements() const { return num_elements_; }
  // Bytes of element storage for fixed-size dtypes; 0 for strings.
  size_t TotalBytes() const { return num_elements_ * DataTypeSize(dtype_); }

  // Element access; REQUIRES: T matches dtype() (checked: a mismatch is a programming error).
  template <typename T>
  std::span<T> flat() {
    CheckType(CppToDataType<T>());
    return {static_cast<T*>(data_), static_cast<size_t>(num_elements_)};
  }
  template <typename T>
  std::span<const T> flat() const {
    CheckType(CppToDataType<T>());
    return {static_cast<const T*>(data_), static_cast<size_t>(num_elements_)};
  }
  // Raw element bytes of a fixed-size dtype (TotalBytes() long); nullptr for strings and variants.
  void* raw_data() { return IsPodDataType(dtype_) ? data_ : nullptr; }
  const void* raw_data() const { return IsPodDataType(dtype_) ? data_ : nullptr; }

  // Same elements, new shape with the same element count.
  Result<Tensor> Reshaped(const Shape& shape) const;
  // A deep copy with its own buffer (variant elements share their immutable values).
  Tensor Clone() const;
  // Whether another Tensor handle shares this one's buffer (so writing in place would be seen
  // through it).
  bool SharesBuffer() const { return buffer_ != nullptr && buffer_.use_count() > 1; }
  // Bitwise equality of dtype, shape and elements (strings by bytes, variants by identity).
  bool Equals(const Tensor& other) const;
  // numpy-like rendering of the values ("[[1. 2.]\n [3. 4.]]"); at most `max_elements`
  // are printed, the rest summarised with "...".
  std::string DebugString(int64_t max_elements = 64) const;

 private:
  struct Buffer;
  static Result<Tensor> AllocateImpl(DataType dtype, const Shape& shape, bool zero);
  void CheckType(DataType requested) const;
  // For the convenience constructors: a failure or a count mismatch is a programming error.
  static Tensor AllocateOrDie(DataType dtype, const Shape& shape, size_t expected_count);

  DataType dtype_ = DataType::kInvalid;
  Shape shape_;
  int64_t num_elements_ = 0;
  std::shared_ptr<Buffer> buffer_;
  void* data_ = nullptr;
};

template <typename T>
Tensor Tensor::FromVector(std::span<const T> values, Shape shape) {
  Tensor t = AllocateOrDie(CppToDataType<T>(), shape, values.size());
  std::span<T> out = t.template flat<T>();
  for (size_t i = 0; i < values.size(); ++i) out[i] = values[i];
  return t;
}

// numpy .npy files (format 1.0-3.0). Reads b1, i1-i8, u1-u8, f2/f4/f8, c8/c16, S and U (as UTF-8
// DT_STRING), C order only. Writes the same dtypes (strings as S<max length>).
Result<Tensor> ReadNpy(const std::string& path);
Result<Tensor> ParseNpy(std::string_view bytes, std::string_view name_for_errors);
Status WriteNpy(const std::string& path, const Tensor& tensor);
Result<std::string> SerializeNpy(const Tensor& tensor);

}  // namespace tfmodel

#endif  // TFMODEL_TENSOR_H_
