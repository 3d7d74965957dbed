// Shared helpers for element-wise kernels: numpy/TensorFlow broadcasting, dtype dispatch over an
// explicit list of C++ element types, and the float "compute type" used for half/bfloat16.
//
//   TFM_ASSIGN_OR_RETURN(Broadcast b, Broadcast::Make({&x.shape(), &y.shape()}, c.node_name()));
//   b.ForEachRow<2>([&](int64_t out, std::array<int64_t, 2> in, std::array<int64_t, 2> step,
//                       int64_t len) { ... out[out + j] = f(x[in[0] + j * step[0]], ...) ... });
//
//   KernelFn fn;
//   if (!Dispatch<float, double, int32_t>(t, [&]<typename T>() { fn = MakeKernel<T>(); }))
//     return n.Unsupported(t);
#ifndef TFMODEL_SRC_RUNTIME_KERNELS_BROADCAST_H_
#define TFMODEL_SRC_RUNTIME_KERNELS_BROADCAST_H_

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <vector>

#include "tfmodel/status.h"
#include "tfmodel/tensor.h"

namespace tfmodel {

// ---- dtype dispatch ---------------------------------------------------------------------
// A list of element types, so families can name their dtype sets once.
template <typename... Ts>
struct TypeList {};

// Calls fn.template operator()<T>() for the T among Ts whose dtype is `t`; false if none is.
template <typename... Ts, typename Fn>
bool Dispatch(DataType t, Fn&& fn) {
  return ((CppToDataType<Ts>() == t ? (fn.template operator()<Ts>(), true) : false) || ...);
}
template <typename... Ts, typename Fn>
bool Dispatch(TypeList<Ts...>, DataType t, Fn&& fn) {
  return Dispatch<Ts...>(t, std::forward<Fn>(fn));
}

using FloatTypes = TypeList<float, double, Half, BFloat16>;
using RealTypes = TypeList<float, double, Half, BFloat16, int32_t, int64_t, uint8_t>;
using IntTypes = TypeList<int32_t, int64_t, uint8_t>;

// ---- compute type --------------------------------------------------------------------------
// Half and bfloat16 are computed in float and rounded once on store, as Eigen does.
template <typename T>
using ComputeT =
    std::conditional_t<std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>, float, T>;
template <typename T>
inline ComputeT<T> Load(T v) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
    return v.ToFloat();
  } else {
    return v;
  }
}
template <typename T, typename C>
inline T Store(C v) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
    return T::FromFloat(static_cast<float>(v));
  } else {
    return static_cast<T>(v);
  }
}
template <typename T>
constexpr bool kIsFloat = std::is_floating_point_v<ComputeT<T>>;

// Integer arithmetic that wraps like TensorFlow's (two's complement) instead of being UB.
template <typename T>
inline T WrapAdd(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
  } else {
    return a + b;
  }
}
template <typename T>
inline T WrapSub(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) - static_cast<U>(b)));
  } else {
    return a - b;
  }
}
template <typename T>
inline T WrapMul(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    // Promote small types to unsigned int first: uint16*uint16 would promote to (signed) int.
    using U = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) * static_cast<U>(b)));
  } else {
    return a * b;
  }
}

// ---- broadcasting -----------------------------------------------------------------------------
// numpy/TensorFlow broadcasting of N operand shapes against each other: shapes are aligned at
// their last dimension, and each dimension must be equal or 1 (1 stretches). The iteration
// space is collapsed (adjacent dims that broadcast the same way merge), so a same-shape or
// scalar operand costs a single row.
class Broadcast {
 public:
  // Fails with InvalidArgument "node 'n': Incompatible shapes: [2,3] vs. [4]".
  static Result<Broadcast> Make(std::initializer_list<const Shape*> shapes,
                                const std::string& node_name);
  // The broadcast shape of a and b, or the same error (without a node when node_name is "").
  static Result<Shape> BroadcastShapes(const Shape& a, const Shape& b,
                                       const std::string& node_name);

  const Shape& output_shape() const { return out_shape_; }
  int64_t num_elements() const { return out_shape_.NumElements(); }

  // Calls row(out_offset, in_offsets, in_steps, len) for each innermost row of the output:
  // element j of the row is out[out_offset + j] and operand k's in[k][in_offsets[k] +
  // j * in_steps[k]], where each step is 0 (broadcast) or 1. REQUIRES: N == operand count.
  template <size_t N, typename Row>
  void ForEachRow(Row&& row) const {
    const int64_t total = num_elements();
    if (total == 0) return;
    const int r = static_cast<int>(dims_.size());
    const int64_t len = r == 0 ? 1 : dims_[r - 1];
    std::array<int64_t, N> off{}, step{};
    for (size_t k = 0; k < N; ++k) step[k] = r == 0 ? 0 : strides_[k][r - 1];
    std::vector<int64_t> idx(r > 0 ? r - 1 : 0, 0);
    for (int64_t out = 0; out < total; out += len) {
      row(out, off, step, len);
      // Advance the odometer over the outer dims.
      for (int d = r - 2; d >= 0; --d) {
        for (size_t k = 0; k < N; ++k) off[k] += strides_[k][d];
        if (++idx[d] < dims_[d]) break;
        for (size_t k = 0; k < N; ++k) off[k] -= strides_[k][d] * dims_[d];
        idx[d] = 0;
      }
    }
  }

 private:
  Shape out_shape_;
  std::vector<int64_t> dims_;                  // collapsed output dims
  std::vector<std::vector<int64_t>> strides_;  // per operand, per collapsed dim (0 = broadcast)
};

// Applies out[i] = f(a[i], b[i]) with broadcasting. T/Out are storage types; f sees
// ComputeT<T> values and returns a value stored as Out.
template <typename T, typename Out, typename F>
void BinaryLoop(const Broadcast& b, const T* x, const T* y, Out* out, F f) {
  b.ForEachRow<2>(
      [&](int64_t o, std::array<int64_t, 2> in, std::array<int64_t, 2> st, int64_t len) {
        const T* xa = x + in[0];
        const T* ya = y + in[1];
        Out* oa = out + o;
        // Separate loops per step pattern so the compiler can vectorise each.
        if (st[0] == 1 && st[1] == 1) {
          for (int64_t j = 0; j < len; ++j) oa[j] = Store<Out>(f(Load(xa[j]), Load(ya[j])));
        } else if (st[0] == 1) {
          const auto yv = Load(ya[0]);
          for (int64_t j = 0; j < len; ++j) oa[j] = Store<Out>(f(Load(xa[j]), yv));
        } else if (st[1] == 1) {
          const auto xv = Load(xa[0]);
          for (int64_t j = 0; j < len; ++j) oa[j] = Store<Out>(f(xv, Load(ya[j])));
        } else {
          const auto v = Store<Out>(f(Load(xa[0]), Load(ya[0])));
          for (int64_t j = 0; j < len; ++j) oa[j] = v;
        }
      });
}

}  // namespace tfmodel

#endif  // TFMODEL_SRC_RUNTIME_KERNELS_BROADCAST_H_
