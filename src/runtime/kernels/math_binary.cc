// Element-wise binary ops with broadcasting (arithmetic, comparisons, logical), AddN and
// Select/SelectV2.
#include <cmath>
#include <limits>
#include <optional>

#include "src/runtime/kernel.h"
#include "src/runtime/kernels/all_ops.h"
#include "src/runtime/kernels/broadcast.h"
#include "src/runtime/kernels/cwise.h"

namespace tfmodel {
namespace {

using CompareTypes = TypeList<float, double, Half, BFloat16, int32_t, int64_t, uint8_t>;
using EqualityTypes = TypeList<float, double, Half, BFloat16, int32_t, int64_t, uint8_t, bool>;
using SignedTypes = TypeList<float, double, Half, BFloat16, int32_t, int64_t>;
// Not half/bfloat16: TensorFlow rounds x / y to the narrow type before flooring, so computing in
// float would differ by a whole unit.
using FloorTypes = TypeList<float, double, int32_t, int64_t, uint8_t>;

template <typename C>
bool IsNan(C v) {
  if constexpr (std::is_floating_point_v<C>) {
    return std::isnan(v);
  } else {
    return false;
  }
}

// ---- Add, AddV2: z = x + y;  dx = dz, dy = dz (summed over broadcast dims) -----------------
Result<Kernel> Add(const NodeInfo& n) {
  return MakeBinary<false>(n, RealTypes{}, [](auto a, auto b) { return WrapAdd(a, b); });
}

// ---- Sub: z = x - y;  dx = dz, dy = -dz ------------------------------------------------------
Result<Kernel> Sub(const NodeInfo& n) {
  return MakeBinary<false>(n, RealTypes{}, [](auto a, auto b) { return WrapSub(a, b); });
}

// ---- Mul: z = x * y;  dx = dz * y, dy = dz * x ---------------------------------------------
Result<Kernel> Mul(const NodeInfo& n) {
  return MakeBinary<false>(n, RealTypes{}, [](auto a, auto b) { return WrapMul(a, b); });
}

// ---- RealDiv: z = x / y (floats);  dx = dz / y, dy = -dz * x / y^2 -----------------------------
Result<Kernel> RealDiv(const NodeInfo& n) {
  return MakeBinary<false>(n, FloatTypes{}, [](auto a, auto b) { return a / b; });
}

// ---- Div: z = x / y; integers truncate toward zero (checked against TF 2.21: -7/2 = -3) -------
// Gradient as RealDiv for floats; none for integers.
template <typename C>
C TruncDiv(C a, C b) {
  if constexpr (std::is_integral_v<C> && std::is_signed_v<C>) {
    if (b == -1) return WrapSub(C{0}, a);  // min / -1 wraps instead of trapping
  }
  return a / b;
}
Result<Kernel> Div(const NodeInfo& n) {
  return MakeBinary<false>(
      n, RealTypes{}, [](auto a, auto b) { return TruncDiv(a, b); }, NoIntZero{});
}

// ---- FloorDiv: z = floor(x / y);  no gradient
// ----------------------------------------------------
template <typename C>
C FloorDivOf(C a, C b) {
  if constexpr (std::is_floating_point_v<C>) {
    return std::floor(a / b);
  } else if constexpr (std::is_signed_v<C>) {
    C q = TruncDiv(a, b);
    if (b != -1 && (a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
  } else {
    return a / b;
  }
}
Result<Kernel> FloorDiv(const NodeInfo& n) {
  return MakeBinary<false>(
      n, FloorTypes{}, [](auto a, auto b) { return FloorDivOf(a, b); }, NoIntZero{});
}

// ---- FloorMod: z = x - floor(x / y) * y (sign of y);  dx = dz, dy = -dz * floor(x / y)
// ------------
template <typename C>
C FloorModOf(C a, C b) {
  if constexpr (std::is_floating_point_v<C>) {
    C m = std::fmod(a, b);
    if (m != 0 && ((b < 0) != (m < 0))) m += b;
    return m;
  } else if constexpr (std::is_signed_v<C>) {
    if (b == -1) return 0;
    C m = a % b;
    if (m != 0 && ((b < 0) != (m < 0))) m += b;
    return m;
  } else {
    return a % b;
  }
}
Result<Kernel> FloorMod(const NodeInfo& n) {
  return MakeBinary<false>(
      n, FloorTypes{}, [](auto a, auto b) { return FloorModOf(a, b); }, NoIntZero{});
}

// ---- Maximum / Minimum: z = max(x, y) (NaN wins);  dz goes to the selected input ---------------
Result<Kernel> Maximum(const NodeInfo& n) {
  return MakeBinary<false>(n, RealTypes{}, [](auto a, auto b) {
    if (IsNan(a) || IsNan(b)) return IsNan(a) ? a : b;
    return a < b ? b : a;
  });
}
Result<Kernel> Minimum(const NodeInfo& n) {
  return MakeBinary<false>(n, RealTypes{}, [](auto a, auto b) {
    if (IsNan(a) || IsNan(b)) return IsNan(a) ? a : b;
    return b < a ? b : a;
  });
}

// ---- Pow: z = x ** y;  dx = dz * y * x^(y-1), dy = dz * z * log(x) (x > 0)
// -----------------------
template <typename C>
C PowOf(C a, C b) {
  if constexpr (std::is_floating_point_v<C>) {
    return std::pow(a, b);
  } else {
    C result = 1;  // b >= 0 (checked)
    while (b > 0) {
      if (b & 1) result = WrapMul(result, a);
      b >>= 1;
      if (b > 0) a = WrapMul(a, a);
    }
    return result;
  }
}
Result<Kernel> Pow(const NodeInfo& n) {
  return MakeBinary<false>(
      n, SignedTypes{}, [](auto a, auto b) { return PowOf(a, b); }, NoNegativeIntExponent{});
}

// ---- SquaredDifference: z = (x - y)^2;  dx = 2 dz (x - y), dy = -dx ----------------------------
Result<Kernel> SquaredDifference(const NodeInfo& n) {
  return MakeBinary<false>(n, SignedTypes{}, [](auto a, auto b) {
    auto d = WrapSub(a, b);
    return WrapMul(d, d);
  });
}

// ---- Comparisons: z = x op y (bool);  no gradient -----------------------------------------------
Result<Kernel> Greater(const NodeInfo& n) {
  return MakeBinary<true>(n, CompareTypes{}, [](auto a, auto b) { return a > b; });
}
Result<Kernel> GreaterEqual(const NodeInfo& n) {
  return MakeBinary<true>(n, CompareTypes{}, [](auto a, auto b) { return a >= b; });
}
Result<Kernel> Less(const NodeInfo& n) {
  return MakeBinary<true>(n, CompareTypes{}, [](auto a, auto b) { return a < b; });
}
Result<Kernel> LessEqual(const NodeInfo& n) {
  return MakeBinary<true>(n, CompareTypes{}, [](auto a, auto b) { return a <= b; });
}

// Equal/NotEqual with incompatible_shape_error=false answer a scalar false/true for shapes
// that do not broadcast, instead of failing.
template <bool kEqual>
Result<Kernel> EqualityOp(const NodeInfo& n) {
  TFM_ASSIGN_OR_RETURN(Kernel k, MakeBinary<true>(n, EqualityTypes{}, [](auto a, auto b) {
                         return kEqual ? a == b : a != b;
                       }));
  if (n.BoolAttrOr("incompatible_shape_error", true)) return k;
  KernelFn inner = std::move(k.compute);
  k.compute = [inner](KernelContext& c) -> Status {
    auto shape = Broadcast::BroadcastShapes(c.input(0).shape(), c.input(1).shape(), "");
    if (shape.ok()) return inner(c);
    c.set_output(0, Tensor::Scalar(!kEqual));
    return Status::Ok();
  };
  return k;
}

// ---- LogicalAnd / LogicalOr: z = x && y, x || y (bool, no T attr) ------------------------------
template <bool kAnd>
Result<Kernel> LogicalBinary(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, DataType::kBool));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(1, DataType::kBool));
  return Kernel{{DataType::kBool},
                BinaryKernel<bool, bool>([](bool a, bool b) { return kAnd ? (a && b) : (a || b); },
                                         NoCheck{})};
}

// ---- AddN: z = sum_i x_i (all the same shape);  dx_i = dz
// -----------------------------------------
Result<Kernel> AddN(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputsAtLeast(1));
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("T"));
  for (int i = 0; i < n.num_inputs(); ++i) TFM_RETURN_IF_ERROR(n.ExpectInputType(i, t));
  KernelFn fn;
  bool ok = Dispatch(RealTypes{}, t, [&]<typename T>() {
    fn = [](KernelContext& c) -> Status {
      const Shape& shape = c.input(0).shape();
      for (int i = 1; i < c.num_inputs(); ++i) {
        if (!(c.input(i).shape() == shape)) {
          return c.Error(StatusCode::kInvalidArgument,
                         "inputs must have the same shape: " + shape.DebugString() + " vs. " +
                             c.input(i).shape().DebugString());
        }
      }
      Result<Tensor> out = Tensor::AllocateUninitialized(CppToDataType<T>(), shape);
      if (!out.ok()) return out.status().WithContext("node '" + c.node_name() + "'");
      auto o = out->flat<T>();
      std::vector<ComputeT<T>> acc(o.size());
      auto first = c.input(0).flat<T>();
      for (size_t j = 0; j < o.size(); ++j) acc[j] = Load(first[j]);
      for (int i = 1; i < c.num_inputs(); ++i) {
        auto x = c.input(i).flat<T>();
        for (size_t j = 0; j < o.size(); ++j) acc[j] = WrapAdd(acc[j], Load(x[j]));
      }
      for (size_t j = 0; j < o.size(); ++j) o[j] = Store<T>(acc[j]);
      c.set_output(0, *out);
      return Status::Ok();
    };
  });
  if (!ok) return n.Unsupported(t);
  return Kernel{{t}, std::move(fn)};
}

// ---- Select(condition, t, e): z = condition ? t : e;  dt = where(c, dz, 0), de = where(c, 0, dz)
// condition has t's shape, is a scalar, or is a vector selecting rows of t (TF1 semantics).
template <typename T>
Status SelectRows(KernelContext& c) {
  const Tensor& cond = c.input(0);
  const Tensor& t = c.input(1);
  const Tensor& e = c.input(2);
  if (!(t.shape() == e.shape())) {
    return c.Error(StatusCode::kInvalidArgument,
                   "'then' and 'else' must have the same shape: " + t.shape().DebugString() +
                       " vs. " + e.shape().DebugString());
  }
  int64_t rows = 0;
  if (cond.shape() == t.shape()) {
    rows = t.NumElements();
  } else if (cond.shape().rank() == 0) {
    rows = 1;
  } else if (cond.shape().rank() == 1 && t.shape().rank() >= 1 &&
             cond.shape().dim(0) == t.shape().dim(0)) {
    rows = cond.shape().dim(0);
  } else {
    return c.Error(StatusCode::kInvalidArgument,
                   "condition must be a scalar, have the shape of 'then' or be a vector of its "
                   "first dimension: " +
                       cond.shape().DebugString() + " vs. " + t.shape().DebugString());
  }
  Result<Tensor> out = Tensor::AllocateUninitialized(t.dtype(), t.shape());
  if (!out.ok()) return out.status().WithContext("node '" + c.node_name() + "'");
  int64_t row_len = rows == 0 ? 0 : t.NumElements() / rows;
  auto cv = cond.flat<bool>();
  auto tv = t.flat<T>();
  auto ev = e.flat<T>();
  auto ov = out->flat<T>();
  for (int64_t r = 0; r < rows; ++r) {
    auto src = cv[r] ? tv : ev;
    for (int64_t j = r * row_len; j < (r + 1) * row_len; ++j) ov[j] = src[j];
  }
  c.set_output(0, *out);
  return Status::Ok();
}

// ---- SelectV2: z = condition ? t : e with three-way broadcasting
// ------------------------------------
template <typename T>
Status SelectBroadcast(KernelContext& c) {
  const Tensor& cond = c.input(0);
  const Tensor& t = c.input(1);
  const Tensor& e = c.input(2);
  TFM_ASSIGN_OR_RETURN(Broadcast b,
                       Broadcast::Make({&cond.shape(), &t.shape(), &e.shape()}, c.node_name()));
  Result<Tensor> out = Tensor::AllocateUninitialized(t.dtype(), b.output_shape());
  if (!out.ok()) return out.status().WithContext("node '" + c.node_name() + "'");
  const bool* cv = cond.flat<bool>().data();
  const T* tv = t.flat<T>().data();
  const T* ev = e.flat<T>().data();
  T* ov = out->flat<T>().data();
  b.ForEachRow<3>(
      [&](int64_t o, std::array<int64_t, 3> in, std::array<int64_t, 3> st, int64_t len) {
        for (int64_t j = 0; j < len; ++j) {
          ov[o + j] = cv[in[0] + j * st[0]] ? tv[in[1] + j * st[1]] : ev[in[2] + j * st[2]];
        }
      });
  c.set_output(0, *out);
  return Status::Ok();
}

template <bool kV2>
Result<Kernel> Select(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(3));
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("T"));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, DataType::kBool));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(1, t));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(2, t));
  KernelFn fn;
  // Strings too: the sharded saver selects its temporary-file suffix with Select.
  bool ok = Dispatch(TypeList<float, double, Half, BFloat16, int32_t, int64_t, uint8_t, bool,
                              std::string>{},
                     t, [&]<typename T>() {
                       fn = kV2 ? KernelFn(SelectBroadcast<T>) : KernelFn(SelectRows<T>);
                     });
  if (!ok) return n.Unsupported(t);
  return Kernel{{t}, std::move(fn)};
}

}  // namespace

void RegisterMathBinaryOps(OpRegistry& r) {
  r.Add({"Add", Add});
  r.Add({"AddV2", Add});
  r.Add({"Sub", Sub});
  r.Add({"Mul", Mul});
  r.Add({"RealDiv", RealDiv});
  r.Add({"Div", Div});
  r.Add({"FloorDiv", FloorDiv});
  r.Add({"FloorMod", FloorMod});
  r.Add({"Maximum", Maximum});
  r.Add({"Minimum", Minimum});
  r.Add({"Pow", Pow});
  r.Add({"SquaredDifference", SquaredDifference});
  r.Add({"Equal", EqualityOp<true>});
  r.Add({"NotEqual", EqualityOp<false>});
  r.Add({"Greater", Greater});
  r.Add({"GreaterEqual", GreaterEqual});
  r.Add({"Less", Less});
  r.Add({"LessEqual", LessEqual});
  r.Add({"LogicalAnd", LogicalBinary<true>});
  r.Add({"LogicalOr", LogicalBinary<false>});
  r.Add({"AddN", AddN});
  r.Add({"Select", Select<false>});
  r.Add({"SelectV2", Select<true>});
}

}  // namespace tfmodel
