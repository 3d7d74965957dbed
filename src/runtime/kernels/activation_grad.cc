// Gradient ops of the element-wise activations and unary math (what TF's gradient functions
// emit for Sigmoid, Tanh, Relu, ..., Rsqrt, Sqrt, Reciprocal), and BiasAddGrad.
// Each *Grad op takes two tensors of the same shape and dtype (the forward op's output or
// input, and the incoming gradient); formulas and selects are TensorFlow's
// (core/kernels/relu_op_functor.h, cwise_ops_gradients.h, softplus_op.h).
#include <cmath>

#include "src/runtime/kernel.h"
#include "src/runtime/kernels/all_ops.h"
#include "src/runtime/kernels/broadcast.h"

namespace tfmodel {
namespace {

using RealNoU8 = TypeList<float, double, Half, BFloat16, int32_t, int64_t>;

// out[i] = f(a[i], b[i]) for two same-shape inputs of dtype T (the attr "T").
template <typename... Ts, typename Make>
Result<Kernel> MakeGradBinary(const NodeInfo& n, TypeList<Ts...>, Make make) {
  TFM_ASSIGN_OR_RETURN(DataType t, n.ExpectInputsOfTypeT(2));
  KernelFn fn;
  bool ok = Dispatch<Ts...>(t, [&]<typename T>() {
    auto f = make.template operator()<ComputeT<T>>();
    fn = [f](KernelContext& c) -> Status {
      const Tensor& a = c.input(0);
      const Tensor& b = c.input(1);
      if (!(a.shape() == b.shape())) {
        return c.Error(StatusCode::kInvalidArgument,
                       "inputs must have the same shape: " + a.shape().DebugString() + " vs. " +
                           b.shape().DebugString());
      }
      Result<Tensor> out = Tensor::AllocateUninitialized(a.dtype(), a.shape());
      if (!out.ok()) return c.Error(out.status().code(), out.status().message());
      const T* av = a.flat<T>().data();
      const T* bv = b.flat<T>().data();
      T* ov = out->flat<T>().data();
      const int64_t size = a.NumElements();  // hoisted: the stores could alias the shape
      for (int64_t i = 0; i < size; ++i) ov[i] = Store<T>(f(Load(av[i]), Load(bv[i])));
      c.set_output(0, *out);
      return Status::Ok();
    };
  });
  if (!ok) return n.Unsupported(t);
  return Kernel{{t}, std::move(fn)};
}

// ---- SigmoidGrad(y, dy): y = sigmoid(x);  dx = dy * y * (1 - y) --------------------------
Result<Kernel> SigmoidGrad(const NodeInfo& n) {
  return MakeGradBinary(n, FloatTypes{},
                        []<typename C>() { return [](C y, C dy) { return dy * y * (C(1) - y); }; });
}

// ---- TanhGrad(y, dy): y = tanh(x);  dx = dy * (1 - y^2) ---------------------------------
Result<Kernel> TanhGrad(const NodeInfo& n) {
  return MakeGradBinary(n, FloatTypes{},
                        []<typename C>() { return [](C y, C dy) { return dy * (C(1) - y * y); }; });
}

// ---- ReluGrad(gradients, features): y = max(x, 0);  dx = dy * (x > 0) --------------------
// A product, not a select (as TF): a NaN gradient stays NaN where x <= 0. features may be the
// Relu's input or output.
Result<Kernel> ReluGrad(const NodeInfo& n) {
  return MakeGradBinary(n, RealTypes{}, []<typename C>() {
    return [](C dy, C x) { return WrapMul(dy, C(x > C(0) ? 1 : 0)); };
  });
}

// ---- Relu6Grad(gradients, features): y = min(max(x, 0), 6);  dx = dy * (0 < x < 6) -------
Result<Kernel> Relu6Grad(const NodeInfo& n) {
  return MakeGradBinary(n, RealTypes{}, []<typename C>() {
    return [](C dy, C x) { return WrapMul(dy, C(x > C(0) && x < C(6) ? 1 : 0)); };
  });
}

// ---- EluGrad(gradients, outputs): y = x > 0 ? x : exp(x) - 1;  dx = y < 0 ? dy (y + 1) : dy
Result<Kernel> EluGrad(const NodeInfo& n) {
  return MakeGradBinary(n, FloatTypes{}, []<typename C>() {
    return [](C dy, C y) { return y < C(0) ? (y + C(1)) * dy : dy; };
  });
}

// ---- SeluGrad(gradients, outputs): y = x > 0 ? s x : s a (exp(x) - 1)
// dx = y < 0 ? dy (y + s a) : dy s,  s = 1.0507..., s a = 1.7580...
Result<Kernel> SeluGrad(const NodeInfo& n) {
  return MakeGradBinary(n, FloatTypes{}, []<typename C>() {
    return [](C dy, C y) {
      const C scale = static_cast<C>(1.0507009873554804934193349852946);
      const C scale_alpha = static_cast<C>(1.7580993408473768599402175208123);
      return y < C(0) ? dy * (y + scale_alpha) : dy * scale;
    };
  });
}

// ---- SoftplusGrad(gradients, features): y = log(1 + exp(x));  dx = dy / (exp(-x) + 1) -----
Result<Kernel> SoftplusGrad(const NodeInfo& n) {
  return MakeGradBinary(n, FloatTypes{}, []<typename C>() {
    return [](C dy, C x) { return dy / (std::exp(-x) + C(1)); };
  });
}

// ---- LeakyReluGrad(gradients, features; alpha): dx = x > 0 ? dy : alpha dy ----------------
Result<Kernel> LeakyReluGrad(const NodeInfo& n) {
  const float alpha = n.FloatAttrOr("alpha", 0.2f);
  return MakeGradBinary(n, FloatTypes{}, [alpha]<typename C>() {
    // alpha is first rounded to T, as TF's kernel reads the attr into a T.
    const C a = static_cast<C>(alpha);
    return [a](C dy, C x) { return x > C(0) ? dy : dy * a; };
  });
}

// ---- RsqrtGrad(y, dy): y = x^-1/2;  dx = -1/2 dy y^3 ---------------------------------------
Result<Kernel> RsqrtGrad(const NodeInfo& n) {
  return MakeGradBinary(n, FloatTypes{}, []<typename C>() {
    return [](C y, C dy) { return C(-0.5) * (dy * y) * (y * y); };
  });
}

// ---- SqrtGrad(y, dy): y = sqrt(x);  dx = dy / (2 y) ----------------------------------------
Result<Kernel> SqrtGrad(const NodeInfo& n) {
  return MakeGradBinary(n, FloatTypes{},
                        []<typename C>() { return [](C y, C dy) { return (C(0.5) * dy) / y; }; });
}

// ---- ReciprocalGrad / InvGrad(y, dy): y = 1 / x;  dx = -dy y^2 -----------------------------
Result<Kernel> ReciprocalGrad(const NodeInfo& n) {
  return MakeGradBinary(n, FloatTypes{},
                        []<typename C>() { return [](C y, C dy) { return -y * y * dy; }; });
}

// ---- BiasAddGrad(out_backprop; data_format): d_bias[c] = sum of dy over all but channel c
// The channel is the last dim for NHWC, dim 1 for NCHW (rank >= 3), as BiasAdd.
// Sums accumulate in double (float/half/bfloat16) or the integer type.
Result<Kernel> BiasAddGrad(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("T"));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, t));
  const std::string format = n.StringAttrOr("data_format", "NHWC");
  if (format != "NHWC" && format != "NCHW") {
    return n.Error("data_format must be NHWC or NCHW, got '" + format + "'");
  }
  const bool nchw = format == "NCHW";
  KernelFn fn;
  bool ok = Dispatch(RealNoU8{}, t, [&]<typename T>() {
    fn = [nchw](KernelContext& c) -> Status {
      const Tensor& dy = c.input(0);
      const int rank = dy.shape().rank();
      if (rank < 2) {
        return c.Error(StatusCode::kInvalidArgument,
                       "Input tensor must be at least 2D: " + dy.shape().DebugString());
      }
      const int channel_dim = (nchw && rank >= 3) ? 1 : rank - 1;
      const int64_t channels = dy.shape().dim(channel_dim);
      int64_t inner = 1;
      for (int d = channel_dim + 1; d < rank; ++d) inner *= dy.shape().dim(d);
      using A = std::conditional_t<kIsFloat<T>, double, T>;
      std::vector<A> acc(channels, A(0));
      const T* v = dy.flat<T>().data();
      const int64_t block = channels * inner;
      const int64_t outer = block == 0 ? 0 : dy.NumElements() / block;
      for (int64_t o = 0; o < outer; ++o) {
        for (int64_t ch = 0; ch < channels; ++ch) {
          const T* row = v + (o * channels + ch) * inner;
          for (int64_t i = 0; i < inner; ++i)
            acc[ch] = WrapAdd(acc[ch], static_cast<A>(Load(row[i])));
        }
      }
      TFM_ASSIGN_OR_RETURN(Tensor out, c.AllocateOutput(0, dy.dtype(), Shape{channels}));
      T* ov = out.flat<T>().data();
      for (int64_t ch = 0; ch < channels; ++ch)
        ov[ch] = Store<T>(static_cast<ComputeT<T>>(acc[ch]));
      c.set_output(0, out);
      return Status::Ok();
    };
  });
  if (!ok) return n.Unsupported(t);
  return Kernel{{t}, std::move(fn)};
}

}  // namespace

void RegisterActivationGradOps(OpRegistry& r) {
  r.Add({"SigmoidGrad", SigmoidGrad});
  r.Add({"TanhGrad", TanhGrad});
  r.Add({"ReluGrad", ReluGrad});
  r.Add({"Relu6Grad", Relu6Grad});
  r.Add({"EluGrad", EluGrad});
  r.Add({"SeluGrad", SeluGrad});
  r.Add({"SoftplusGrad", SoftplusGrad});
  r.Add({"LeakyReluGrad", LeakyReluGrad});
  r.Add({"RsqrtGrad", RsqrtGrad});
  r.Add({"SqrtGrad", SqrtGrad});
  r.Add({"ReciprocalGrad", ReciprocalGrad});
  r.Add({"InvGrad", ReciprocalGrad});
  r.Add({"BiasAddGrad", BiasAddGrad});
}

}  // namespace tfmodel
