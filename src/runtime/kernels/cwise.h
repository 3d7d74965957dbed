// Element-wise binary kernels with broadcasting, shared by the binary op families
// (math_binary.cc, math_grad_ops.cc):
//
//   Result<Kernel> Add(const NodeInfo& n) {
//     return MakeBinary<false>(n, RealTypes{}, [](auto a, auto b) { return WrapAdd(a, b); });
//   }
//
// f sees ComputeT<T> values; `check` may reject y's values first (integer division by zero).
#ifndef TFMODEL_SRC_RUNTIME_KERNELS_CWISE_H_
#define TFMODEL_SRC_RUNTIME_KERNELS_CWISE_H_

#include <optional>
#include <span>
#include <string>
#include <type_traits>

#include "src/runtime/kernel.h"
#include "src/runtime/kernels/broadcast.h"

namespace tfmodel {

// No data-dependent check.
struct NoCheck {
  template <typename T>
  std::optional<std::string> operator()(std::span<const T>) const {
    return std::nullopt;
  }
};

// Integer division by zero is an error in TensorFlow (floats give inf/nan).
struct NoIntZero {
  template <typename T>
  std::optional<std::string> operator()(std::span<const T> y) const {
    if constexpr (std::is_integral_v<T>) {
      for (T v : y) {
        if (v == 0) return "Integer division by zero";
      }
    }
    return std::nullopt;
  }
};

// x ** y for integers needs y >= 0.
struct NoNegativeIntExponent {
  template <typename T>
  std::optional<std::string> operator()(std::span<const T> y) const {
    if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
      for (T v : y) {
        if (v < 0) return "Integers to negative integer powers are not allowed";
      }
    }
    return std::nullopt;
  }
};

// The common shapes, computed without building a Broadcast (a dozen small allocations, which
// dominate small inference graphs): equal shapes, a single-element operand whose rank does not
// exceed the other's, and y a vector along x's last dimension (a bias).
enum class FastShapes { kNone, kSame, kScalarY, kScalarX, kRowY };

inline FastShapes FastShapesOf(const Tensor& x, const Tensor& y) {
  const Shape& xs = x.shape();
  const Shape& ys = y.shape();
  if (xs == ys) return FastShapes::kSame;
  if (y.NumElements() == 1 && ys.rank() <= xs.rank()) return FastShapes::kScalarY;
  if (x.NumElements() == 1 && xs.rank() <= ys.rank()) return FastShapes::kScalarX;
  if (ys.rank() == 1 && xs.rank() >= 1 && xs.dim(xs.rank() - 1) == ys.dim(0)) {
    return FastShapes::kRowY;
  }
  return FastShapes::kNone;
}

// The output of an element-wise op of `x`'s shape and dtype may take x's buffer when no other
// handle shares it (the executors move a tensor into its last reader), as TensorFlow's
// forward_input: no new memory to fault in (a fresh multi-MB tensor costs more in page clearing
// than a Mul or Relu6 over it). Else a new uninitialised tensor.
inline Result<Tensor> ForwardOrAllocate(const Tensor& x, DataType dtype, const Shape& shape) {
  if (x.dtype() == dtype && IsPodDataType(dtype) && x.NumElements() > 0 && !x.SharesBuffer() &&
      x.shape() == shape) {
    return x;
  }
  return Tensor::AllocateUninitialized(dtype, shape);
}

// kXIsO / kYIsO: o is x's / y's buffer, and the loop reads o itself, so the vectoriser sees one
// pointer rather than two that overlap exactly (its run-time alias check would take the scalar
// loop for those).
template <bool kXIsO, bool kYIsO, typename T, typename Out, typename F>
void FastBinaryLoopOn(FastShapes kind, const T* x, const T* y, Out* o, int64_t n, int64_t row,
                      F f) {
  auto xi = [&](int64_t i) {
    if constexpr (kXIsO) return Load(o[i]); else return Load(x[i]);
  };
  auto yi = [&](int64_t i) {
    if constexpr (kYIsO) return Load(o[i]); else return Load(y[i]);
  };
  switch (kind) {
    case FastShapes::kSame:
      for (int64_t i = 0; i < n; ++i) o[i] = Store<Out>(f(xi(i), yi(i)));
      break;
    case FastShapes::kScalarY: {
      const auto b = Load(y[0]);
      for (int64_t i = 0; i < n; ++i) o[i] = Store<Out>(f(xi(i), b));
      break;
    }
    case FastShapes::kScalarX: {
      const auto a = Load(x[0]);
      for (int64_t i = 0; i < n; ++i) o[i] = Store<Out>(f(a, yi(i)));
      break;
    }
    case FastShapes::kRowY:
      for (int64_t r = 0; r < n; r += row) {
        for (int64_t j = 0; j < row; ++j) o[r + j] = Store<Out>(f(xi(r + j), Load(y[j])));
      }
      break;
    case FastShapes::kNone:
      break;
  }
}

template <typename T, typename Out, typename F>
void FastBinaryLoop(FastShapes kind, const T* x, const T* y, Out* o, int64_t n, int64_t row,
                    F f) {
  if constexpr (std::is_same_v<T, Out>) {
    if (o == x) return FastBinaryLoopOn<true, false>(kind, x, y, o, n, row, f);
    if (o == y) return FastBinaryLoopOn<false, true>(kind, x, y, o, n, row, f);
  }
  FastBinaryLoopOn<false, false>(kind, x, y, o, n, row, f);
}

// out = f(x, y) with broadcasting; `check` inspects y (after the shapes were checked).
template <typename T, typename Out, typename F, typename Check>
KernelFn BinaryKernel(F f, Check check) {
  return [f, check](KernelContext& c) -> Status {
    const Tensor& x = c.input(0);
    const Tensor& y = c.input(1);
    const FastShapes fast = FastShapesOf(x, y);
    if (fast != FastShapes::kNone) {
      if (auto err = check(y.flat<T>())) return c.Error(StatusCode::kInvalidArgument, *err);
      const Shape& shape = fast == FastShapes::kScalarX ? y.shape() : x.shape();
      // y's buffer only when x's is not to be had (kSame: y's shape is x's).
      const bool y_free = fast == FastShapes::kScalarX ||
                          (fast == FastShapes::kSame && x.SharesBuffer() && !y.SharesBuffer());
      Result<Tensor> out = ForwardOrAllocate(y_free ? y : x, CppToDataType<Out>(), shape);
      if (!out.ok()) return out.status().WithContext("node '" + c.node_name() + "'");
      FastBinaryLoop<T, Out>(fast, x.flat<T>().data(), y.flat<T>().data(),
                             out->flat<Out>().data(), out->NumElements(),
                             y.shape().rank() == 1 ? y.shape().dim(0) : 1, f);
      c.set_output(0, *std::move(out));
      return Status::Ok();
    }
    TFM_ASSIGN_OR_RETURN(Broadcast b, Broadcast::Make({&x.shape(), &y.shape()}, c.node_name()));
    if (auto err = check(y.flat<T>())) return c.Error(StatusCode::kInvalidArgument, *err);
    Result<Tensor> out = Tensor::AllocateUninitialized(CppToDataType<Out>(), b.output_shape());
    if (!out.ok()) return out.status().WithContext("node '" + c.node_name() + "'");
    BinaryLoop<T, Out>(b, x.flat<T>().data(), y.flat<T>().data(), out->flat<Out>().data(), f);
    c.set_output(0, *out);
    return Status::Ok();
  };
}

// Plan-time part shared by every binary op: two inputs of dtype T (attr), one of `types`.
template <bool kBoolOut, typename... Ts, typename F, typename Check = NoCheck>
Result<Kernel> MakeBinary(const NodeInfo& n, TypeList<Ts...>, F f, Check check = {}) {
  TFM_ASSIGN_OR_RETURN(DataType t, n.ExpectInputsOfTypeT(2));
  KernelFn fn;
  bool ok = Dispatch<Ts...>(t, [&]<typename T>() {
    if constexpr (kBoolOut) {
      fn = BinaryKernel<T, bool>(f, check);
    } else {
      fn = BinaryKernel<T, T>(f, check);
    }
  });
  if (!ok) return n.Unsupported(t);
  return Kernel{{kBoolOut ? DataType::kBool : t}, std::move(fn)};
}

}  // namespace tfmodel

#endif  // TFMODEL_SRC_RUNTIME_KERNELS_CWISE_H_
