// Shape and Tensor: a 64-byte aligned, reference-counted buffer behind a cheap handle.
#include <sys/mman.h>

#include <cstdlib>
#include <limits>
#include <new>
#include <sstream>

#include "src/base/logging.h"
#include "src/base/strings.h"
#include "src/tensor/buffer_pool.h"
#include "tfmodel/tensor.h"

namespace tfmodel {

// ---- Shape --------------------------------------------------------------------------------

namespace {

Status CheckDims(std::span<const int64_t> dims) {
  constexpr int64_t kMaxElements = int64_t{1} << 62;
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) return InvalidArgument("negative dimension in shape");
    if (d != 0 && n > kMaxElements / d) return InvalidArgument("shape has too many elements");
    n *= d;
  }
  return Status::Ok();
}

}  // namespace

Result<Shape> Shape::Make(std::span<const int64_t> dims) {
  TFM_RETURN_IF_ERROR(CheckDims(dims));
  Shape s;
  s.dims_.assign(dims.begin(), dims.end());
  return s;
}

int64_t Shape::NumElements() const {
  int64_t n = 1;
  for (int64_t d : dims_) n *= d;
  return n;
}

std::string Shape::DebugString() const {
  std::string out = "[";
  for (size_t i = 0; i < dims_.size(); ++i) {
    if (i) out += ",";
    out += std::to_string(dims_[i]);
  }
  return out + "]";
}

namespace {
// DT_RESOURCE tensors hold one std::string per element (the resource's key), like strings.
bool IsStringLike(DataType d) { return d == DataType::kString || d == DataType::kResource; }
}  // namespace

// ---- Buffer -------------------------------------------------------------------------------

namespace {
// Buffers this large come from BufferPool: their pages stay mapped for the next inference call
// instead of being faulted in and cleared by the kernel again. Under ASan every buffer is
// malloc'ed, so use-after-free of a tensor buffer is still reported as such.
constexpr size_t kPooledBytes = kAddressSanitizer ? 0 : size_t{256} << 10;
}  // namespace

struct Tensor::Buffer {
  void* data = nullptr;
  void* allocation = nullptr;  // what to free: `data`, or the malloc block it is aligned in
  size_t pooled_bytes = 0;     // nonzero: `data` is a BufferPool block of this size
  int64_t string_count = 0;    // number of std::string objects constructed in `data`
  int64_t variant_count = 0;   // number of Variant objects constructed in `data`

  ~Buffer() {
    auto* strings = static_cast<std::string*>(data);
    for (int64_t i = 0; i < string_count; ++i) strings[i].~basic_string();
    auto* variants = static_cast<Variant*>(data);
    for (int64_t i = 0; i < variant_count; ++i) variants[i].~Variant();
    if (pooled_bytes != 0) {
      BufferPool::Global().Free(data, pooled_bytes);
    } else {
      std::free(allocation);
    }
  }
};

Tensor::Tensor() = default;

Result<Tensor> Tensor::Allocate(DataType dtype, const Shape& shape) {
  return AllocateImpl(dtype, shape, /*zero=*/true);
}

Result<Tensor> Tensor::AllocateUninitialized(DataType dtype, const Shape& shape) {
  return AllocateImpl(dtype, shape, /*zero=*/false);
}

Result<Tensor> Tensor::AllocateImpl(DataType dtype, const Shape& shape, bool zero) {
  TFM_RETURN_IF_ERROR(CheckDims(shape.dims()));
  const int64_t n = shape.NumElements();
  size_t elem;
  if (IsStringLike(dtype)) {
    elem = sizeof(std::string);
  } else if (dtype == DataType::kVariant) {
    elem = sizeof(Variant);
  } else if (IsPodDataType(dtype)) {
    elem = DataTypeSize(dtype);
  } else {
    return InvalidArgument("cannot allocate a tensor of dtype " + DataTypeEnumName(dtype));
  }
  if (static_cast<uint64_t>(n) > kMaxTensorBytes / elem) {
    return ResourceExhausted("tensor of shape " + shape.DebugString() + " and dtype " +
                             std::string(DataTypeName(dtype)) + " is larger than the limit");
  }
  size_t bytes = static_cast<size_t>(n) * elem;
  size_t rounded = (bytes + 63) / 64 * 64;
  auto buffer = std::make_shared<Buffer>();
  // Large buffers are 2 MiB aligned and asked to use transparent huge pages: filling 1 GB
  // through 4 KiB pages costs a quarter-million page faults (BufferPool does the same).
  constexpr size_t kHuge = BufferPool::kHugeAlign;
  if (kPooledBytes != 0 && rounded >= kPooledBytes) {
    bool zeroed = false;
    buffer->data = BufferPool::Global().Allocate(rounded, &zeroed);
    if (buffer->data != nullptr) buffer->pooled_bytes = rounded;
    zero = zero && !zeroed;
  } else if (rounded >= 2 * kHuge) {
    rounded = (rounded + kHuge - 1) / kHuge * kHuge;
    buffer->data = buffer->allocation = std::aligned_alloc(kHuge, rounded);
    if (buffer->data != nullptr) ::madvise(buffer->data, rounded, MADV_HUGEPAGE);
  } else {
    // malloc and align by hand: glibc's aligned_alloc splits and frees a chunk every time, and
    // small tensors are allocated on every kernel call.
    buffer->allocation = std::malloc(rounded + 64);
    if (buffer->allocation != nullptr) {
      const auto p = reinterpret_cast<uintptr_t>(buffer->allocation);
      buffer->data = reinterpret_cast<void*>((p + 63) & ~uintptr_t{63});
    }
  }
  if (buffer->data == nullptr) {
    return ResourceExhausted("out of memory allocating " + std::to_string(bytes) +
                             " bytes for a tensor of shape " + shape.DebugString());
  }
  if (IsStringLike(dtype)) {
    auto* strings = static_cast<std::string*>(buffer->data);
    for (int64_t i = 0; i < n; ++i) new (&strings[i]) std::string();
    buffer->string_count = n;
  } else if (dtype == DataType::kVariant) {
    auto* variants = static_cast<Variant*>(buffer->data);
    for (int64_t i = 0; i < n; ++i) new (&variants[i]) Variant();
    buffer->variant_count = n;
  } else if (zero) {
    std::memset(buffer->data, 0, bytes);
  }
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = shape;
  t.num_elements_ = n;
  t.data_ = buffer->data;
  t.buffer_ = std::move(buffer);
  return t;
}

Tensor Tensor::AllocateOrDie(DataType dtype, const Shape& shape, size_t expected_count) {
  Result<Tensor> t = Allocate(dtype, shape);
  TFM_CHECK(t.ok());
  TFM_CHECK(static_cast<size_t>(t->NumElements()) == expected_count);
  return std::move(t).value();
}

Tensor Tensor::Strings(const std::vector<std::string>& values) {
  Tensor t = AllocateOrDie(DataType::kString, Shape{static_cast<int64_t>(values.size())},
                           values.size());
  auto out = t.flat<std::string>();
  for (size_t i = 0; i < values.size(); ++i) out[i] = values[i];
  return t;
}

void Tensor::CheckType(DataType requested) const {
  TFM_CHECK(requested == dtype_ || (requested == DataType::kString && IsStringLike(dtype_)));
}

Result<Tensor> Tensor::Reshaped(const Shape& shape) const {
  auto checked = Shape::Make(shape.dims());
  if (!checked.ok()) return checked.status();
  if (shape.NumElements() != num_elements_) {
    return InvalidArgument("cannot reshape a tensor of shape " + shape_.DebugString() + " to " +
                           shape.DebugString());
  }
  Tensor t = *this;
  t.shape_ = shape;
  return t;
}

Tensor Tensor::Clone() const {
  if (dtype_ == DataType::kInvalid) return Tensor();
  Tensor t = AllocateOrDie(dtype_, shape_, static_cast<size_t>(num_elements_));
  if (IsStringLike(dtype_)) {
    auto src = flat<std::string>();
    auto dst = t.flat<std::string>();
    for (size_t i = 0; i < src.size(); ++i) dst[i] = src[i];
  } else if (dtype_ == DataType::kVariant) {
    auto src = flat<Variant>();
    auto dst = t.flat<Variant>();
    for (size_t i = 0; i < src.size(); ++i) dst[i] = src[i];
  } else if (TotalBytes() > 0) {
    std::memcpy(t.data_, data_, TotalBytes());
  }
  return t;
}

bool Tensor::Equals(const Tensor& other) const {
  if (dtype_ != other.dtype_ || !(shape_ == other.shape_)) return false;
  if (IsStringLike(dtype_)) {
    auto a = flat<std::string>();
    auto b = other.flat<std::string>();
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }
  if (dtype_ == DataType::kVariant) {
    auto a = flat<Variant>();
    auto b = other.flat<Variant>();
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }
  return TotalBytes() == 0 || std::memcmp(data_, other.data_, TotalBytes()) == 0;
}

// ---- DebugString --------------------------------------------------------------------------

namespace {

// numpy style: a float that prints as an integer keeps a trailing "." ("3." not "3").
std::string NumpyFloat(std::string s) {
  if (s.find_first_of(".eni") == std::string::npos) s += ".";
  return s;
}

std::string FormatElement(DataType dtype, const void* data, int64_t i) {
  switch (dtype) {
    case DataType::kFloat: return NumpyFloat(FormatFloat(static_cast<const float*>(data)[i]));
    case DataType::kDouble: return NumpyFloat(FormatDouble(static_cast<const double*>(data)[i]));
    case DataType::kHalf: return NumpyFloat(FormatFloat(static_cast<const Half*>(data)[i].ToFloat()));
    case DataType::kBFloat16:
      return NumpyFloat(FormatFloat(static_cast<const BFloat16*>(data)[i].ToFloat()));
    case DataType::kInt8:
    case DataType::kQInt8: return std::to_string(static_cast<const int8_t*>(data)[i]);
    case DataType::kUInt8:
    case DataType::kQUInt8: return std::to_string(static_cast<const uint8_t*>(data)[i]);
    case DataType::kInt16:
    case DataType::kQInt16: return std::to_string(static_cast<const int16_t*>(data)[i]);
    case DataType::kUInt16:
    case DataType::kQUInt16: return std::to_string(static_cast<const uint16_t*>(data)[i]);
    case DataType::kInt32:
    case DataType::kQInt32: return std::to_string(static_cast<const int32_t*>(data)[i]);
    case DataType::kUInt32: return std::to_string(static_cast<const uint32_t*>(data)[i]);
    case DataType::kInt64: return std::to_string(static_cast<const int64_t*>(data)[i]);
    case DataType::kUInt64: return std::to_string(static_cast<const uint64_t*>(data)[i]);
    case DataType::kBool: return static_cast<const uint8_t*>(data)[i] ? "True" : "False";
    case DataType::kComplex64: {
      auto c = static_cast<const std::complex<float>*>(data)[i];
      return "(" + FormatFloat(c.real()) + (c.imag() < 0 ? "" : "+") + FormatFloat(c.imag()) + "j)";
    }
    case DataType::kComplex128: {
      auto c = static_cast<const std::complex<double>*>(data)[i];
      return "(" + FormatDouble(c.real()) + (c.imag() < 0 ? "" : "+") + FormatDouble(c.imag()) +
             "j)";
    }
    case DataType::kString:
      return "b'" + CEscape(static_cast<const std::string*>(data)[i]) + "'";
    case DataType::kVariant: {
      const Variant& v = static_cast<const Variant*>(data)[i];
      return v ? "<" + v->DebugString() + ">" : "<empty variant>";
    }
    default: {
      size_t sz = DataTypeSize(dtype);
      const auto* p = static_cast<const uint8_t*>(data) + i * sz;
      std::string hex = "0x";
      static const char* kHex = "0123456789abcdef";
      for (size_t b = sz; b-- > 0;) {
        hex += kHex[p[b] >> 4];
        hex += kHex[p[b] & 15];
      }
      return hex;
    }
  }
}

}  // namespace

std::string Tensor::DebugString(int64_t max_elements) const {
  if (dtype_ == DataType::kInvalid) return "<invalid tensor>";
  const int rank = shape_.rank();
  if (rank == 0) return FormatElement(dtype_, data_, 0);
  // Row-major walk printing nested brackets; elements past max_elements become "...".
  std::string out;
  std::vector<int64_t> index(rank, 0);
  int64_t printed = 0;
  for (int64_t flat = 0; flat < num_elements_; ++flat) {
    int open = 0;
    for (int d = rank - 1; d >= 0 && index[d] == 0; --d) ++open;
    // numpy layout: elements separated by a space, one newline per closed dimension.
    if (flat > 0) out += open > 0 ? std::string(open, '\n') + std::string(rank - open, ' ') : " ";
    out += std::string(open, '[');
    if (printed < max_elements) {
      out += FormatElement(dtype_, data_, flat);
      ++printed;
    } else {
      out += "...";
      out += std::string(rank, ']');
      return out;
    }
    int close = 0;
    for (int d = rank - 1; d >= 0; --d) {
      if (++index[d] < shape_.dim(d)) break;
      index[d] = 0;
      ++close;
    }
    out += std::string(close, ']');
  }
  if (num_elements_ == 0) out = std::string(rank, '[') + std::string(rank, ']');
  return out;
}

bool PartialShape::IsFullyDefined() const {
  if (unknown_rank) return false;
  for (int64_t d : dims) {
    if (d < 0) return false;
  }
  return true;
}

std::string PartialShape::ToCliString() const {
  if (unknown_rank) return "unknown_rank";
  std::string out = "(";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(dims[i]);
  }
  return out + ")";
}

}  // namespace tfmodel
