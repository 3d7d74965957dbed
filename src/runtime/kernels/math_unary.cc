// Element-wise unary math ops, Cast and ClipByValue.
#include <cmath>
#include <limits>

#include "src/runtime/kernel.h"
#include "src/runtime/kernels/all_ops.h"
#include "src/runtime/kernels/broadcast.h"
#include "src/runtime/kernels/cwise.h"
#include "src/runtime/kernels/vmath.h"

namespace tfmodel {
namespace {

// What TensorFlow allows for Neg, Abs and Sign (no unsigned types).
using SignedTypes = TypeList<float, double, Half, BFloat16, int32_t, int64_t>;

// out[i] = f(x[i]), same shape; Out is T or bool.
template <typename T, typename Out, typename F>
KernelFn UnaryKernel(F f) {
  return [f](KernelContext& c) -> Status {
    const Tensor& x = c.input(0);
    Result<Tensor> out = ForwardOrAllocate(x, CppToDataType<Out>(), x.shape());
    if (!out.ok()) return out.status().WithContext("node '" + c.node_name() + "'");
    const T* xv = x.flat<T>().data();
    Out* ov = out->flat<Out>().data();
    const int64_t size = x.NumElements();
    if constexpr (std::is_same_v<T, Out>) {
      if (ov == xv) {  // in place: one pointer for the vectoriser (see FastBinaryLoopOn)
        for (int64_t i = 0; i < size; ++i) ov[i] = Store<Out>(f(Load(ov[i])));
        c.set_output(0, *out);
        return Status::Ok();
      }
    }
    for (int64_t i = 0; i < size; ++i) ov[i] = Store<Out>(f(Load(xv[i])));
    c.set_output(0, *out);
    return Status::Ok();
  };
}

template <typename... Ts, typename F>
Result<Kernel> MakeUnary(const NodeInfo& n, TypeList<Ts...>, F f) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("T"));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, t));
  KernelFn fn;
  if (!Dispatch<Ts...>(t, [&]<typename T>() { fn = UnaryKernel<T, T>(f); })) {
    return n.Unsupported(t);
  }
  return Kernel{{t}, std::move(fn)};
}

// ---- Neg: y = -x;  dx = -dy ---------------------------------------------------------------------
Result<Kernel> Neg(const NodeInfo& n) {
  return MakeUnary(n, SignedTypes{}, [](auto a) { return WrapSub(decltype(a){0}, a); });
}

// ---- Abs: y = |x|;  dx = dy * sign(x)
// -------------------------------------------------------------
Result<Kernel> Abs(const NodeInfo& n) {
  return MakeUnary(n, SignedTypes{}, [](auto a) {
    using C = decltype(a);
    if constexpr (std::is_floating_point_v<C>) {
      return std::fabs(a);
    } else if constexpr (std::is_signed_v<C>) {
      return a < 0 ? WrapSub(C{0}, a) : a;
    } else {
      return a;
    }
  });
}

// ---- Square: y = x^2;  dx = 2 x dy
// ------------------------------------------------------------------
Result<Kernel> Square(const NodeInfo& n) {
  return MakeUnary(n, RealTypes{}, [](auto a) { return WrapMul(a, a); });
}

// ---- Sqrt: y = sqrt(x);  dx = dy / (2 y)   (TF gradient op: SqrtGrad)
// -----------------------------
Result<Kernel> Sqrt(const NodeInfo& n) {
  return MakeUnary(n, FloatTypes{}, [](auto a) { return std::sqrt(a); });
}

// ---- Rsqrt: y = 1 / sqrt(x);  dx = -dy y^3 / 2   (TF gradient op: RsqrtGrad)
// ----------------------
Result<Kernel> Rsqrt(const NodeInfo& n) {
  return MakeUnary(n, FloatTypes{}, [](auto a) { return decltype(a){1} / std::sqrt(a); });
}

// ---- Exp: y = e^x;  dx = dy y
// -------------------------------------------------------------------------
// float through vmath::Exp (vectorised), the other types element by element.
Result<Kernel> Exp(const NodeInfo& n) {
  TFM_ASSIGN_OR_RETURN(Kernel k, MakeUnary(n, FloatTypes{}, [](auto a) { return std::exp(a); }));
  if (k.output_types[0] == DataType::kFloat) k.compute = vmath::ArrayKernel(vmath::Exp);
  return k;
}

// ---- Log: y = ln x;  dx = dy / x
// ----------------------------------------------------------------------
Result<Kernel> Log(const NodeInfo& n) {
  return MakeUnary(n, FloatTypes{}, [](auto a) { return std::log(a); });
}

// ---- Log1p: y = ln(1 + x);  dx = dy / (1 + x)
// -----------------------------------------------------------
Result<Kernel> Log1p(const NodeInfo& n) {
  return MakeUnary(n, FloatTypes{}, [](auto a) { return std::log1p(a); });
}

// ---- Sign: y = -1, 0 or 1 (NaN stays NaN, -0 gives 0);  dx = 0
// ------------------------------------------
Result<Kernel> Sign(const NodeInfo& n) {
  return MakeUnary(n, SignedTypes{}, [](auto a) {
    using C = decltype(a);
    if constexpr (std::is_floating_point_v<C>) {
      if (std::isnan(a)) return a;
    }
    return static_cast<C>((C{0} < a) - (a < C{0}));
  });
}

// ---- Floor / Ceil: y = floor(x), ceil(x);  dx = 0
// ------------------------------------------------------
Result<Kernel> Floor(const NodeInfo& n) {
  return MakeUnary(n, FloatTypes{}, [](auto a) { return std::floor(a); });
}
Result<Kernel> Ceil(const NodeInfo& n) {
  return MakeUnary(n, FloatTypes{}, [](auto a) { return std::ceil(a); });
}

// ---- Round: y = x rounded half to even (0.5 -> 0, 1.5 -> 2, -0.5 -> -0);  dx = 0
// ----------------------- (TF 2.21 returns zeros for integer Round, so only floats are claimed.)
Result<Kernel> Round(const NodeInfo& n) {
  return MakeUnary(n, FloatTypes{}, [](auto a) { return std::nearbyint(a); });
}

// ---- Reciprocal / Inv: y = 1 / x;  dx = -dy y^2   (TF gradient op: ReciprocalGrad)
// -------------------------
Result<Kernel> Reciprocal(const NodeInfo& n) {
  return MakeUnary(n, FloatTypes{}, [](auto a) { return decltype(a){1} / a; });
}

// ---- LogicalNot: y = !x (bool, no T attr)
// ---------------------------------------------------------------
Result<Kernel> LogicalNot(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, DataType::kBool));
  return Kernel{{DataType::kBool}, UnaryKernel<bool, bool>([](bool a) { return !a; })};
}

// ---- Cast: y = DstT(x);  dx = SrcT(dy) for floating pairs
// ----------------------------------------------- Integer targets wrap (two's complement); floats
// out of an integer's range and NaN give what TensorFlow's x86 build gives (cvttss2si: the minimum
// of int32/int64, then truncation to the narrower type). bool targets are x != 0. The Truncate attr
// is ignored.
using CastTypes = TypeList<float, double, Half, BFloat16, int8_t, int16_t, int32_t, int64_t,
                           uint8_t, uint16_t, uint32_t, uint64_t, bool>;

template <typename I>
I FloatToInt(double v) {
  constexpr double k31 = 2147483648.0, k63 = 9223372036854775808.0;
  if constexpr (std::is_same_v<I, uint64_t>) {
    if (v >= k63 && v < 2 * k63) return static_cast<uint64_t>(v);
  }
  if constexpr (sizeof(I) <= 2 || std::is_same_v<I, int32_t>) {
    int32_t w = (std::isnan(v) || v >= k31 || v < -k31) ? std::numeric_limits<int32_t>::min()
                                                        : static_cast<int32_t>(v);
    return static_cast<I>(w);
  } else {
    int64_t w = (std::isnan(v) || v >= k63 || v < -k63) ? std::numeric_limits<int64_t>::min()
                                                        : static_cast<int64_t>(v);
    return static_cast<I>(w);
  }
}

template <typename From, typename To>
To CastValue(From x) {
  auto v = Load(x);  // float for half/bfloat16
  using V = decltype(v);
  if constexpr (std::is_same_v<To, bool>) {
    return v != V{0};
  } else if constexpr (std::is_same_v<V, bool>) {
    return Store<To>(ComputeT<To>(v ? 1 : 0));
  } else if constexpr (std::is_floating_point_v<V> && std::is_integral_v<To>) {
    return FloatToInt<To>(static_cast<double>(v));
  } else if constexpr (std::is_same_v<To, Half> || std::is_same_v<To, BFloat16>) {
    return To::FromFloat(static_cast<float>(v));
  } else {
    return static_cast<To>(v);
  }
}

Result<Kernel> Cast(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  TFM_ASSIGN_OR_RETURN(DataType src, n.TypeAttr("SrcT"));
  TFM_ASSIGN_OR_RETURN(DataType dst, n.TypeAttr("DstT"));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, src));
  if (src == dst) {
    return Kernel{{dst}, [](KernelContext& c) -> Status {
                    c.set_output(0, c.input(0));
                    return Status::Ok();
                  }};
  }
  KernelFn fn;
  bool dst_ok = false;
  bool src_ok = Dispatch(CastTypes{}, src, [&]<typename From>() {
    dst_ok = Dispatch(CastTypes{}, dst, [&]<typename To>() {
      fn = [](KernelContext& c) -> Status {
        const Tensor& x = c.input(0);
        Result<Tensor> out = Tensor::AllocateUninitialized(CppToDataType<To>(), x.shape());
        if (!out.ok()) return out.status().WithContext("node '" + c.node_name() + "'");
        auto xv = x.flat<From>();
        auto ov = out->flat<To>();
        for (size_t i = 0; i < xv.size(); ++i) ov[i] = CastValue<From, To>(xv[i]);
        c.set_output(0, *out);
        return Status::Ok();
      };
    });
  });
  if (!src_ok) return n.Unsupported(src);
  if (!dst_ok) return n.Unsupported(dst);
  return Kernel{{dst}, std::move(fn)};
}

// ---- ClipByValue(t, lo, hi): y = max(min(t, hi), lo);  dt = dy where lo <= t <= hi
// -------------------- lo and hi are scalars or have t's shape (TensorFlow rejects other
// broadcasts).
Result<Kernel> ClipByValue(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(3));
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("T"));
  for (int i = 0; i < 3; ++i) TFM_RETURN_IF_ERROR(n.ExpectInputType(i, t));
  KernelFn fn;
  bool ok = Dispatch(RealTypes{}, t, [&]<typename T>() {
    fn = [](KernelContext& c) -> Status {
      const Tensor& x = c.input(0);
      const Tensor& lo = c.input(1);
      const Tensor& hi = c.input(2);
      for (const Tensor* b : {&lo, &hi}) {
        if (!(b->shape() == x.shape()) && b->shape().rank() != 0) {
          return c.Error(StatusCode::kInvalidArgument,
                         "clip_value_min and clip_value_max must be either of the same shape as "
                         "input, or a scalar. input shape: " +
                             x.shape().DebugString() +
                             " clip_value_min shape: " + lo.shape().DebugString() +
                             " clip_value_max shape: " + hi.shape().DebugString());
        }
      }
      Result<Tensor> out = Tensor::AllocateUninitialized(x.dtype(), x.shape());
      if (!out.ok()) return out.status().WithContext("node '" + c.node_name() + "'");
      auto xv = x.flat<T>();
      auto lv = lo.flat<T>();
      auto hv = hi.flat<T>();
      auto ov = out->flat<T>();
      const size_t ls = lo.shape().rank() == 0 ? 0 : 1, hs = hi.shape().rank() == 0 ? 0 : 1;
      for (size_t i = 0; i < xv.size(); ++i) {
        auto v = Load(xv[i]), l = Load(lv[i * ls]), h = Load(hv[i * hs]);
        auto m = h < v ? h : v;
        ov[i] = Store<T>(m < l ? l : m);
      }
      c.set_output(0, *out);
      return Status::Ok();
    };
  });
  if (!ok) return n.Unsupported(t);
  return Kernel{{t}, std::move(fn)};
}

}  // namespace

void RegisterMathUnaryOps(OpRegistry& r) {
  r.Add({"Neg", Neg});
  r.Add({"Abs", Abs});
  r.Add({"Square", Square});
  r.Add({"Sqrt", Sqrt});
  r.Add({"Rsqrt", Rsqrt});
  r.Add({"Exp", Exp});
  r.Add({"Log", Log});
  r.Add({"Log1p", Log1p});
  r.Add({"Sign", Sign});
  r.Add({"Floor", Floor});
  r.Add({"Ceil", Ceil});
  r.Add({"Round", Round});
  r.Add({"Reciprocal", Reciprocal});
  r.Add({"Inv", Reciprocal});
  r.Add({"LogicalNot", LogicalNot});
  r.Add({"Cast", Cast});
  r.Add({"ClipByValue", ClipByValue});
}

}  // namespace tfmodel
