// Element-wise special functions and float classification Keras graphs use: Erf, Erfc (exact
// GELU), Expm1, Sin, Cos, Softsign, and IsNan/IsInf/IsFinite (-> bool).
#include <cmath>

#include "src/runtime/kernel.h"
#include "src/runtime/kernels/all_ops.h"
#include "src/runtime/kernels/broadcast.h"

namespace tfmodel {
namespace {

// out[i] = f(x[i]) for the floating types; Out = T, or bool for the classification ops.
template <bool kBoolOut, typename F>
Result<Kernel> MakeFloatUnary(const NodeInfo& n, F f) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("T"));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, t));
  KernelFn fn;
  if (!Dispatch(FloatTypes{}, t, [&]<typename T>() {
        using Out = std::conditional_t<kBoolOut, bool, T>;
        fn = [f](KernelContext& c) -> Status {
          const Tensor& x = c.input(0);
          TFM_ASSIGN_OR_RETURN(Tensor out,
                               Tensor::AllocateUninitialized(CppToDataType<Out>(), x.shape()));
          const T* xv = x.flat<T>().data();
          Out* ov = out.flat<Out>().data();
          for (int64_t i = 0; i < x.NumElements(); ++i) {
            if constexpr (kBoolOut) {
              ov[i] = f(Load(xv[i]));
            } else {
              ov[i] = Store<T>(f(Load(xv[i])));
            }
          }
          c.set_output(0, std::move(out));
          return Status::Ok();
        };
      })) {
    return n.Unsupported(t);
  }
  return Kernel{{kBoolOut ? DataType::kBool : t}, std::move(fn)};
}

// ---- Erf: y = erf(x);  dx = dy 2/sqrt(pi) exp(-x^2) -----------------------------------------
Result<Kernel> Erf(const NodeInfo& n) {
  return MakeFloatUnary<false>(n, [](auto x) { return std::erf(x); });
}

// ---- Erfc: y = 1 - erf(x), accurate for large x;  dx = -dy 2/sqrt(pi) exp(-x^2) ---------------
Result<Kernel> Erfc(const NodeInfo& n) {
  return MakeFloatUnary<false>(n, [](auto x) { return std::erfc(x); });
}

// ---- Expm1: y = exp(x) - 1, accurate near 0;  dx = dy exp(x) ---------------------------------
Result<Kernel> Expm1(const NodeInfo& n) {
  return MakeFloatUnary<false>(n, [](auto x) { return std::expm1(x); });
}

// ---- Sin: y = sin(x);  dx = dy cos(x) --------------------------------------------------------
Result<Kernel> Sin(const NodeInfo& n) {
  return MakeFloatUnary<false>(n, [](auto x) { return std::sin(x); });
}

// ---- Cos: y = cos(x);  dx = -dy sin(x) -------------------------------------------------------
Result<Kernel> Cos(const NodeInfo& n) {
  return MakeFloatUnary<false>(n, [](auto x) { return std::cos(x); });
}

// ---- Softsign: y = x / (1 + |x|);  dx = dy / (1 + |x|)^2   (TF gradient op: SoftsignGrad) ----
Result<Kernel> Softsign(const NodeInfo& n) {
  return MakeFloatUnary<false>(n, [](auto x) { return x / (decltype(x){1} + std::fabs(x)); });
}

// ---- IsNan / IsInf / IsFinite: bool per element (no gradient) ----------------------------------
Result<Kernel> IsNan(const NodeInfo& n) {
  return MakeFloatUnary<true>(n, [](auto x) { return std::isnan(x); });
}
Result<Kernel> IsInf(const NodeInfo& n) {
  return MakeFloatUnary<true>(n, [](auto x) { return std::isinf(x); });
}
Result<Kernel> IsFinite(const NodeInfo& n) {
  return MakeFloatUnary<true>(n, [](auto x) { return std::isfinite(x); });
}

}  // namespace

void RegisterMathSpecialOps(OpRegistry& r) {
  r.Add({"Erf", Erf});
  r.Add({"Erfc", Erfc});
  r.Add({"Expm1", Expm1});
  r.Add({"Sin", Sin});
  r.Add({"Cos", Cos});
  r.Add({"Softsign", Softsign});
  r.Add({"IsNan", IsNan});
  r.Add({"IsInf", IsInf});
  r.Add({"IsFinite", IsFinite});
}

}  // namespace tfmodel
