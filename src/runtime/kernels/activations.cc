// Activation functions, Softmax/LogSoftmax over the last axis and BiasAdd.
#include <cmath>
#include <limits>

#include "src/runtime/kernel.h"
#include "src/runtime/kernels/all_ops.h"
#include "src/runtime/kernels/broadcast.h"
#include "src/runtime/kernels/cwise.h"
#include "src/runtime/kernels/vmath.h"

namespace tfmodel {
namespace {

template <typename T, typename F>
KernelFn Elementwise(F f) {
  return [f](KernelContext& c) -> Status {
    const Tensor& x = c.input(0);
    Result<Tensor> out = ForwardOrAllocate(x, x.dtype(), x.shape());
    if (!out.ok()) return out.status().WithContext("node '" + c.node_name() + "'");
    const T* xv = x.flat<T>().data();
    T* ov = out->flat<T>().data();
    const int64_t size = x.NumElements();
    if (ov == xv) {  // in place: one pointer for the vectoriser (see FastBinaryLoopOn)
      for (int64_t i = 0; i < size; ++i) ov[i] = Store<T>(f(Load(ov[i])));
    } else {
      for (int64_t i = 0; i < size; ++i) ov[i] = Store<T>(f(Load(xv[i])));
    }
    c.set_output(0, *out);
    return Status::Ok();
  };
}

// One input "features" (or "x") of dtype T, output T. `make` is a templated lambda returning
// the element function for T, so it can depend on attrs and on T's epsilon. A float tensor goes
// through `float_fn` instead when given (vmath's vectorised exp-based functions).
template <typename... Ts, typename Make>
Result<Kernel> MakeActivation(const NodeInfo& n, TypeList<Ts...>, Make make,
                              vmath::ArrayFn float_fn = nullptr) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("T"));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, t));
  KernelFn fn;
  if (!Dispatch<Ts...>(t, [&]<typename T>() {
        if constexpr (std::is_same_v<T, float>) {
          if (float_fn != nullptr) {
            fn = vmath::ArrayKernel(float_fn);
            return;
          }
        }
        fn = Elementwise<T>(make.template operator()<T>());
      })) {
    return n.Unsupported(t);
  }
  return Kernel{{t}, std::move(fn)};
}

// ---- Sigmoid: y = 1 / (1 + exp(-x));  dx = dy y (1 - y)   (TF gradient op: SigmoidGrad)
// ----------
Result<Kernel> Sigmoid(const NodeInfo& n) {
  return MakeActivation(
      n, FloatTypes{},
      []<typename T>() {
        return [](auto x) { return decltype(x){1} / (decltype(x){1} + std::exp(-x)); };
      },
      vmath::Sigmoid);
}

// ---- Tanh: y = tanh(x);  dx = dy (1 - y^2)   (TF gradient op: TanhGrad)
// -----------------------------
Result<Kernel> Tanh(const NodeInfo& n) {
  return MakeActivation(
      n, FloatTypes{}, []<typename T>() { return [](auto x) { return std::tanh(x); }; },
      vmath::Tanh);
}

// ---- Relu: y = max(x, 0) (NaN passes);  dx = dy (x > 0)   (TF gradient op: ReluGrad)
// ----------------
Result<Kernel> Relu(const NodeInfo& n) {
  return MakeActivation(n, RealTypes{}, []<typename T>() {
    return [](auto x) { return x < decltype(x){0} ? decltype(x){0} : x; };
  });
}

// ---- Relu6: y = min(max(x, 0), 6);  dx = dy (0 < x < 6)   (TF gradient op: Relu6Grad)
// ---------------
Result<Kernel> Relu6(const NodeInfo& n) {
  return MakeActivation(n, RealTypes{}, []<typename T>() {
    return [](auto x) {
      using C = decltype(x);
      return x < C{0} ? C{0} : (C{6} < x ? C{6} : x);
    };
  });
}

// ---- Elu: y = x > 0 ? x : exp(x) - 1;  dx = dy (x > 0 ? 1 : y + 1)   (TF gradient op: EluGrad)
// -------
Result<Kernel> Elu(const NodeInfo& n) {
  return MakeActivation(n, FloatTypes{}, []<typename T>() {
    return [](auto x) { return x < decltype(x){0} ? std::exp(x) - decltype(x){1} : x; };
  });
}

// ---- Selu: y = scale * (x > 0 ? x : alpha (exp(x) - 1));  (TF gradient op: SeluGrad)
// --------------------
Result<Kernel> Selu(const NodeInfo& n) {
  return MakeActivation(n, FloatTypes{}, []<typename T>() {
    return [](auto x) {
      using C = decltype(x);
      const C scale = static_cast<C>(1.0507009873554804934193349852946);
      const C scale_alpha = static_cast<C>(1.7580993408473768599402175208123);
      return x < C{0} ? scale_alpha * (std::exp(x) - C{1}) : scale * x;
    };
  });
}

// ---- LeakyRelu: y = x > 0 ? x : alpha x;  dx = dy (x > 0 ? 1 : alpha)   (LeakyReluGrad)
// --------------
Result<Kernel> LeakyRelu(const NodeInfo& n) {
  const float alpha = n.FloatAttrOr("alpha", 0.2f);
  return MakeActivation(n, FloatTypes{}, [alpha]<typename T>() {
    return [alpha](auto x) {
      using C = decltype(x);
      return x > C{0} ? x : static_cast<C>(alpha) * x;
    };
  });
}

// ---- Softplus: y = log(1 + exp(x));  dx = dy sigmoid(x)   (TF gradient op: SoftplusGrad)
// -------------- As TensorFlow: x itself above -threshold, exp(x) below threshold, threshold =
// log(eps) + 2 of T.
template <typename T>
constexpr double Epsilon() {
  if constexpr (std::is_same_v<T, Half>) {
    return 0.0009765625;  // 2^-10
  } else if constexpr (std::is_same_v<T, BFloat16>) {
    return 0.0078125;  // 2^-7
  } else {
    return std::numeric_limits<T>::epsilon();
  }
}
Result<Kernel> Softplus(const NodeInfo& n) {
  return MakeActivation(n, FloatTypes{}, []<typename T>() {
    using C = ComputeT<T>;
    const C threshold = static_cast<C>(std::log(Epsilon<T>()) + 2.0);
    return [threshold](C x) -> C {
      if (x > -threshold) return x;
      if (x < threshold) return std::exp(x);
      return std::log1p(std::exp(x));
    };
  });
}

// ---- Softmax: y = exp(x - max) / sum(exp(x - max)) over the last axis
// ---------------------------- dx = (dy - sum(dy y)) y.  LogSoftmax: y = (x - max) - log(sum(exp(x
// - max))); dx = dy - exp(y) sum(dy).
template <bool kLog>
Result<Kernel> SoftmaxOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("T"));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, t));
  KernelFn fn;
  bool ok = Dispatch(FloatTypes{}, t, [&]<typename T>() {
    fn = [](KernelContext& c) -> Status {
      const Tensor& x = c.input(0);
      if (x.shape().rank() < 1) {
        return c.Error(StatusCode::kInvalidArgument,
                       "logits must have >= 1 dimension, got " + x.shape().DebugString());
      }
      Result<Tensor> out = Tensor::AllocateUninitialized(x.dtype(), x.shape());
      if (!out.ok()) return out.status().WithContext("node '" + c.node_name() + "'");
      using C = ComputeT<T>;
      const int64_t depth = x.shape().dim(x.shape().rank() - 1);
      const int64_t rows = depth == 0 ? 0 : x.NumElements() / depth;
      const T* xv = x.flat<T>().data();
      T* ov = out->flat<T>().data();
      std::vector<C> e(depth);
      for (int64_t r = 0; r < rows; ++r) {
        const T* xr = xv + r * depth;
        T* orow = ov + r * depth;
        C m = Load(xr[0]);
        for (int64_t j = 1; j < depth; ++j) m = std::max(m, Load(xr[j]));
        C sum = 0;
        for (int64_t j = 0; j < depth; ++j) {
          e[j] = Load(xr[j]) - m;
          sum += std::exp(e[j]);
        }
        if constexpr (kLog) {
          const C log_sum = std::log(sum);
          for (int64_t j = 0; j < depth; ++j) orow[j] = Store<T>(e[j] - log_sum);
        } else {
          for (int64_t j = 0; j < depth; ++j) orow[j] = Store<T>(std::exp(e[j]) / sum);
        }
      }
      c.set_output(0, *out);
      return Status::Ok();
    };
  });
  if (!ok) return n.Unsupported(t);
  return Kernel{{t}, std::move(fn)};
}

// ---- BiasAdd(value, bias): y = value + bias along the channel dim (last for NHWC, 1 for NCHW)
// d_value = dy, d_bias = sum of dy over all but the channel dim   (TF gradient op: BiasAddGrad)
// BiasAddV1 is the same op without data_format.
Result<Kernel> BiasAdd(const NodeInfo& n) {
  TFM_ASSIGN_OR_RETURN(DataType t, n.ExpectInputsOfTypeT(2));
  const std::string format = n.StringAttrOr("data_format", "NHWC");
  if (format != "NHWC" && format != "NCHW") {
    return n.Error("data_format must be NHWC or NCHW, got '" + format + "'");
  }
  const bool nchw = format == "NCHW";
  KernelFn fn;
  bool ok = Dispatch(RealTypes{}, t, [&]<typename T>() {
    fn = [nchw](KernelContext& c) -> Status {
      const Tensor& x = c.input(0);
      const Tensor& bias = c.input(1);
      const int rank = x.shape().rank();
      if (rank < 2) {
        return c.Error(StatusCode::kInvalidArgument,
                       "Input tensor must be at least 2D: " + x.shape().DebugString());
      }
      if (bias.shape().rank() != 1) {
        return c.Error(StatusCode::kInvalidArgument,
                       "Biases must be 1D: " + bias.shape().DebugString());
      }
      const int channel_dim = (nchw && rank >= 3) ? 1 : rank - 1;
      const int64_t channels = x.shape().dim(channel_dim);
      if (bias.shape().dim(0) != channels) {
        return c.Error(StatusCode::kInvalidArgument,
                       "Must provide as many biases as the channel dimension of the input "
                       "tensor: " +
                           bias.shape().DebugString() + " vs. " + x.shape().DebugString());
      }
      int64_t inner = 1;
      for (int d = channel_dim + 1; d < rank; ++d) inner *= x.shape().dim(d);
      Result<Tensor> out = ForwardOrAllocate(x, x.dtype(), x.shape());
      if (!out.ok()) return out.status().WithContext("node '" + c.node_name() + "'");
      const T* bv = bias.flat<T>().data();
      T* ov = out->flat<T>().data();
      const int64_t block = channels * inner;
      const int64_t outer = block == 0 ? 0 : x.NumElements() / block;
      // In place, the loop reads ov itself (one pointer for the vectoriser, see FastBinaryLoopOn).
      auto add = [&]<bool kInPlace>() {
        const T* xv = kInPlace ? ov : x.flat<T>().data();
        if (inner == 1) {  // NHWC: channels innermost (a loop of one per channel is not vectorised)
          for (int64_t base = 0; base < outer * channels; base += channels) {
            for (int64_t ch = 0; ch < channels; ++ch)
              ov[base + ch] = Store<T>(WrapAdd(Load(xv[base + ch]), Load(bv[ch])));
          }
          return;
        }
        for (int64_t o = 0; o < outer; ++o) {
          for (int64_t ch = 0; ch < channels; ++ch) {
            const auto b = Load(bv[ch]);
            const int64_t base = (o * channels + ch) * inner;
            for (int64_t i = 0; i < inner; ++i)
              ov[base + i] = Store<T>(WrapAdd(Load(xv[base + i]), b));
          }
        }
      };
      if (ov == x.flat<T>().data()) {
        add.template operator()<true>();
      } else {
        add.template operator()<false>();
      }
      c.set_output(0, *out);
      return Status::Ok();
    };
  });
  if (!ok) return n.Unsupported(t);
  return Kernel{{t}, std::move(fn)};
}

}  // namespace

void RegisterActivationOps(OpRegistry& r) {
  r.Add({"Sigmoid", Sigmoid});
  r.Add({"Tanh", Tanh});
  r.Add({"Relu", Relu});
  r.Add({"Relu6", Relu6});
  r.Add({"Elu", Elu});
  r.Add({"Selu", Selu});
  r.Add({"LeakyRelu", LeakyRelu});
  r.Add({"Softplus", Softplus});
  r.Add({"Softmax", SoftmaxOp<false>});
  r.Add({"LogSoftmax", SoftmaxOp<true>});
  r.Add({"BiasAdd", BiasAdd});
  r.Add({"BiasAddV1", BiasAdd});
}

}  // namespace tfmodel
