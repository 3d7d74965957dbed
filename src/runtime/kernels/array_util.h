// Helpers shared by the data-movement op families (array_*.cc): element-size dispatch,
// index-tensor reading and the two copy primitives every layout op is built from.
#ifndef TFMODEL_SRC_RUNTIME_KERNELS_ARRAY_UTIL_H_
#define TFMODEL_SRC_RUNTIME_KERNELS_ARRAY_UTIL_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "src/runtime/kernel.h"

namespace tfmodel::array {

// Data-movement ops only move elements, so they work for every dtype by element size; these
// are the dtypes the op harness checks against TensorFlow.
inline constexpr std::initializer_list<DataType> kMoveTypes = {
    DataType::kFloat, DataType::kDouble, DataType::kInt32,    DataType::kInt64,
    DataType::kBool,  DataType::kString, DataType::kUInt8,    DataType::kInt8,
    DataType::kInt16, DataType::kHalf,   DataType::kBFloat16, DataType::kComplex64};
inline constexpr std::initializer_list<DataType> kIndexTypes = {DataType::kInt32, DataType::kInt64};

// An opaque element of N bytes: moving it is a byte copy (alignment 1, so no aliasing or
// alignment assumptions about the tensor's real element type).
template <size_t N>
struct Bytes {
  unsigned char b[N];
};

// Calls fn(E{}) with E = std::string for DT_STRING, else Bytes<DataTypeSize(dtype)>.
template <typename Fn>
Status DispatchElem(DataType dtype, Fn&& fn) {
  if (dtype == DataType::kString) return fn(std::string());
  switch (DataTypeSize(dtype)) {
    case 1:
      return fn(Bytes<1>{});
    case 2:
      return fn(Bytes<2>{});
    case 4:
      return fn(Bytes<4>{});
    case 8:
      return fn(Bytes<8>{});
    case 16:
      return fn(Bytes<16>{});
    default:
      return Unimplemented("no data-movement kernel for dtype " + std::string(DataTypeName(dtype)));
  }
}

template <typename E>
const E* Elems(const Tensor& t) {
  if constexpr (std::is_same_v<E, std::string>) {
    return t.flat<std::string>().data();
  } else {
    return static_cast<const E*>(t.raw_data());
  }
}
template <typename E>
E* Elems(Tensor& t) {
  if constexpr (std::is_same_v<E, std::string>) {
    return t.flat<std::string>().data();
  } else {
    return static_cast<E*>(t.raw_data());
  }
}

// Row-major strides of `dims` (in elements).
inline std::vector<int64_t> Strides(const std::vector<int64_t>& dims) {
  std::vector<int64_t> s(dims.size(), 1);
  for (int i = static_cast<int>(dims.size()) - 2; i >= 0; --i) s[i] = s[i + 1] * dims[i + 1];
  return s;
}

// dst[sum c_i*dst_strides_i] = src[sum c_i*src_strides_i] for every coordinate c of `dims`.
// Strides may be negative or zero; offsets are already applied to the pointers.
// Adjacent dims that are one run in both source and destination are merged first (a Pad or Slice
// of NHWC images copies runs of whole rows, not of C values).
template <typename E>
void StridedCopy(const E* src, const std::vector<int64_t>& src_strides_in, E* dst,
                 const std::vector<int64_t>& dst_strides_in, const std::vector<int64_t>& dims_in) {
  for (int64_t d : dims_in) {
    if (d == 0) return;
  }
  if (dims_in.empty()) {
    *dst = *src;
    return;
  }
  std::vector<int64_t> dims, src_strides, dst_strides;  // merged, outermost first
  for (size_t i = 0; i < dims_in.size(); ++i) {
    if (dims_in[i] == 1) continue;  // any stride: one coordinate
    if (!dims.empty() && src_strides.back() == src_strides_in[i] * dims_in[i] &&
        dst_strides.back() == dst_strides_in[i] * dims_in[i]) {
      dims.back() *= dims_in[i];
      src_strides.back() = src_strides_in[i];
      dst_strides.back() = dst_strides_in[i];
      continue;
    }
    dims.push_back(dims_in[i]);
    src_strides.push_back(src_strides_in[i]);
    dst_strides.push_back(dst_strides_in[i]);
  }
  if (dims.empty()) {  // every dim was 1
    *dst = *src;
    return;
  }
  const int rank = static_cast<int>(dims.size());
  const int64_t inner = dims[rank - 1];
  const int64_t ss = src_strides[rank - 1], ds = dst_strides[rank - 1];
  std::vector<int64_t> coord(rank, 0);
  int64_t so = 0, dof = 0;
  while (true) {
    if (ss == 1 && ds == 1) {
      if constexpr (std::is_trivially_copyable_v<E>) {
        std::memcpy(dst + dof, src + so, static_cast<size_t>(inner) * sizeof(E));
      } else {
        for (int64_t k = 0; k < inner; ++k) dst[dof + k] = src[so + k];
      }
    } else {
      for (int64_t k = 0; k < inner; ++k) dst[dof + k * ds] = src[so + k * ss];
    }
    int d = rank - 2;
    for (; d >= 0; --d) {
      so += src_strides[d];
      dof += dst_strides[d];
      if (++coord[d] < dims[d]) break;
      so -= src_strides[d] * dims[d];
      dof -= dst_strides[d] * dims[d];
      coord[d] = 0;
    }
    if (d < 0) return;
  }
}

// out[c_0, ..., c_n] = src[maps[0][c_0], ..., maps[n][c_n]] with `src_dims` the source shape
// and maps[i].size() the output's dim i. Used by Tile, MirrorPad and nearest-neighbour resize.
template <typename E>
void GatherByDimMaps(const E* src, const std::vector<int64_t>& src_dims,
                     const std::vector<std::vector<int64_t>>& maps, E* dst) {
  const int rank = static_cast<int>(maps.size());
  for (const auto& m : maps) {
    if (m.empty()) return;
  }
  if (rank == 0) {
    *dst = *src;
    return;
  }
  std::vector<int64_t> ss = Strides(src_dims);
  std::vector<int64_t> coord(rank, 0);
  const auto& inner = maps[rank - 1];
  int64_t out = 0;
  while (true) {
    int64_t base = 0;
    for (int d = 0; d < rank - 1; ++d) base += maps[d][coord[d]] * ss[d];
    for (int64_t m : inner) dst[out++] = src[base + m];
    int d = rank - 2;
    for (; d >= 0; --d) {
      if (++coord[d] < static_cast<int64_t>(maps[d].size())) break;
      coord[d] = 0;
    }
    if (d < 0) return;
  }
}

// The elements of an int32/int64 tensor as int64.
inline Result<std::vector<int64_t>> ReadInts(const Tensor& t) {
  if (t.dtype() == DataType::kInt32) {
    auto v = t.flat<int32_t>();
    return std::vector<int64_t>(v.begin(), v.end());
  }
  if (t.dtype() == DataType::kInt64) {
    auto v = t.flat<int64_t>();
    return std::vector<int64_t>(v.begin(), v.end());
  }
  return InvalidArgument("expected an int32 or int64 tensor, got " +
                         std::string(DataTypeName(t.dtype())));
}

// A scalar (or one-element) int32/int64 tensor's value.
inline Result<int64_t> ReadScalarInt(const Tensor& t, const char* what) {
  if (t.NumElements() != 1) {
    return InvalidArgument(std::string(what) + " must be a scalar, got shape " +
                           t.shape().DebugString());
  }
  TFM_ASSIGN_OR_RETURN(std::vector<int64_t> v, ReadInts(t));
  return v[0];
}

// Maps axis in [-rank, rank) to [0, rank).
inline Result<int> CanonicalAxis(int64_t axis, int rank, const char* what = "axis") {
  if (axis < -rank || axis >= rank) {
    return InvalidArgument(std::string(what) + " " + std::to_string(axis) +
                           " is out of range for a tensor of rank " + std::to_string(rank) +
                           " (expected [" + std::to_string(-rank) + ", " + std::to_string(rank) +
                           "))");
  }
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

// Tensor::Allocate from dims that may come from data (negative or huge dims are errors).
inline Result<Tensor> Alloc(DataType t, const std::vector<int64_t>& dims) {
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] < 0) {
      return InvalidArgument("dimension " + std::to_string(i) + " of the output is negative (" +
                             std::to_string(dims[i]) + ")");
    }
  }
  TFM_ASSIGN_OR_RETURN(Shape shape, Shape::Make(dims));
  return Tensor::Allocate(t, shape);
}

// Inputs whose non-zero dims multiply past 2^62 are rejected before any kernel runs: an empty
// tensor may carry huge dims (Shape::Make allows [0, 2^62, 2^62]), and products of its dims
// (outer/inner sizes, strides) must not overflow.
inline Status CheckInputShapes(const KernelContext& c) {
  for (int i = 0; i < c.num_inputs(); ++i) {
    int64_t n = 1;
    for (int64_t d : c.input(i).shape().dims()) {
      if (d > 1 && n > (int64_t{1} << 62) / d) {
        return InvalidArgument("input " + std::to_string(i) + " has shape " +
                               c.input(i).shape().DebugString() +
                               " whose non-zero dims multiply past 2^62");
      }
      if (d > 0) n *= d;
    }
  }
  return Status::Ok();
}

// Kernel bodies return plain errors; this wraps one so every error names the node
// ("node 'x': ...") and checks the input shapes first (CheckInputShapes).
template <typename F>
KernelFn Named(F f) {
  return [f = std::move(f)](KernelContext& c) -> Status {
    Status s = CheckInputShapes(c);
    if (s.ok()) s = f(c);
    return s.ok() ? s : c.Error(s.code(), s.message());
  };
}

// Bounds an attr that sizes a plan-time allocation (num_split, num, ...).
inline Status CheckCountAttr(const NodeInfo& n, const char* attr, int64_t v) {
  if (v < 0 || v > (int64_t{1} << 20)) {
    return n.Error(std::string(attr) + " must be in [0, 2^20], got " + std::to_string(v));
  }
  return Status::Ok();
}

}  // namespace tfmodel::array

#endif  // TFMODEL_SRC_RUNTIME_KERNELS_ARRAY_UTIL_H_
