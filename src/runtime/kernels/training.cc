// Optimizer update ops: Apply* (TF1 reference variables: var and slots are ref inputs,
// output 0 is var's new value) and ResourceApply* (resource handles, no outputs).
//
// Every op has the same layout: the variable and its slots come first, then scalar
// hyperparameters and one gradient of var's shape (in the OpDef's order). An optimizer is an
// element-wise step over (var, slots..., grad) whose constants come from the scalars; the
// shared driver (ApplyOp) resolves the variables, validates shapes and scalars, locks the
// variables and runs the step in place. Formulas are TensorFlow's (core/kernels/
// training_ops.cc, documented in core/ops/training_ops.cc), in its order of operations, so
// float results match to the last bit or two. Half and bfloat16 compute in float.
#include <cmath>
#include <string>
#include <vector>

#include "src/runtime/kernel.h"
#include "src/runtime/kernels/all_ops.h"
#include "src/runtime/kernels/broadcast.h"
#include "src/runtime/kernels/variables.h"
#include "src/runtime/resource.h"

namespace tfmodel {
namespace {

// How an optimizer's inputs are laid out, and which scalar checks TF applies.
struct Layout {
  std::vector<const char*> slots;    // var first, then the slot variables
  std::vector<const char*> scalars;  // the other inputs but grad, in input order
  int grad;                          // input index of the gradient
};

template <typename C>
C Sgn(C x) {
  return x == C(0) ? C(0) : (x < C(0) ? C(-1) : C(1));
}

// ---- GradientDescent ------------------------------------------------------------------
// TF doc: tf.raw_ops.ApplyGradientDescent
// var -= alpha * delta
struct GradientDescent {
  static constexpr int kSlots = 1;  // var and its slot variables
  static Layout layout() { return {{"var"}, {"alpha"}, 2}; }
  template <typename C>
  auto Step(const C* k) const {
    const C alpha = k[0];
    return [=](C* s, C g) { s[0] -= g * alpha; };
  }
};

// ---- Momentum (Polyak heavy ball; use_nesterov: Sutskever et al. 2013) ------------------
// TF doc: tf.raw_ops.ApplyMomentum
// accum = accum * momentum + grad
// var  -= lr * accum                              (nesterov: grad * lr + accum * momentum * lr)
template <bool kNesterov>
struct Momentum {
  static constexpr int kSlots = 2;  // var and its slot variables
  static Layout layout() { return {{"var", "accum"}, {"lr", "momentum"}, 3}; }
  template <typename C>
  auto Step(const C* k) const {
    const C lr = k[0], momentum = k[1];
    return [=](C* s, C g) {
      C& var = s[0];
      C& accum = s[1];
      accum = accum * momentum + g;
      if constexpr (kNesterov) {
        var -= g * lr + accum * momentum * lr;
      } else {
        var -= accum * lr;
      }
    };
  }
};

// ---- KerasMomentum (resource only): the Keras form, lr folded into the velocity ---------
// TF doc: tf.raw_ops.ResourceApplyKerasMomentum
// accum = accum * momentum - lr * grad
// var  += accum                                   (nesterov: accum * momentum - lr * grad)
template <bool kNesterov>
struct KerasMomentum {
  static constexpr int kSlots = 2;  // var and its slot variables
  static Layout layout() { return {{"var", "accum"}, {"lr", "momentum"}, 3}; }
  template <typename C>
  auto Step(const C* k) const {
    const C lr = k[0], momentum = k[1];
    return [=](C* s, C g) {
      C& var = s[0];
      C& accum = s[1];
      accum = accum * momentum - g * lr;
      if constexpr (kNesterov) {
        var += accum * momentum - g * lr;
      } else {
        var += accum;
      }
    };
  }
};

// ---- Adam (Kingma & Ba 2014, https://arxiv.org/abs/1412.6980) ---------------------------
// TF doc: tf.raw_ops.ApplyAdam
// The bias corrections come in as beta1_power = beta1^t and beta2_power = beta2^t:
//   alpha = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
//   m += (grad - m) * (1 - beta1)
//   v += (grad^2 - v) * (1 - beta2)
//   var -= m * alpha / (sqrt(v) + epsilon)
//   (use_nesterov: (grad * (1 - beta1) + beta1 * m) * alpha / (sqrt(v) + epsilon))
template <bool kNesterov>
struct Adam {
  static constexpr int kSlots = 3;  // var and its slot variables
  static Layout layout() {
    return {
        {"var", "m", "v"}, {"beta1_power", "beta2_power", "lr", "beta1", "beta2", "epsilon"}, 9};
  }
  template <typename C>
  auto Step(const C* k) const {
    const C alpha = k[2] * std::sqrt(C(1) - k[1]) / (C(1) - k[0]);
    const C beta1 = k[3], beta2 = k[4], epsilon = k[5];
    return [=](C* s, C g) {
      C& var = s[0];
      C& m = s[1];
      C& v = s[2];
      m += (g - m) * (C(1) - beta1);
      v += (g * g - v) * (C(1) - beta2);
      C num;
      if constexpr (kNesterov) {
        num = (g * (C(1) - beta1) + beta1 * m) * alpha;
      } else {
        num = m * alpha;
      }
      var -= num / (std::sqrt(v) + epsilon);
    };
  }
};

// ---- RMSProp (Hinton, Coursera lecture 6e) -----------------------------------------------
// TF doc: tf.raw_ops.ApplyRMSProp
// ms  += (grad^2 - ms) * (1 - rho)
// mom  = mom * momentum + lr * grad / sqrt(ms + epsilon)
// var -= mom
struct RmsProp {
  static constexpr int kSlots = 3;  // var and its slot variables
  static Layout layout() { return {{"var", "ms", "mom"}, {"lr", "rho", "momentum", "epsilon"}, 7}; }
  template <typename C>
  auto Step(const C* k) const {
    const C lr = k[0], rho = k[1], momentum = k[2], epsilon = k[3];
    return [=](C* s, C g) {
      C& var = s[0];
      C& ms = s[1];
      C& mom = s[2];
      ms += (g * g - ms) * (C(1) - rho);
      mom = mom * momentum + (g * lr) / std::sqrt(ms + epsilon);
      var -= mom;
    };
  }
};

// ---- CenteredRMSProp (Graves 2013, https://arxiv.org/abs/1308.0850 eq. 38-45) -------------
// TF doc: tf.raw_ops.ApplyCenteredRMSProp
// ms  += (grad^2 - ms) * (1 - rho);   mg += (grad - mg) * (1 - rho)
// mom  = mom * momentum + lr * grad / sqrt(ms - mg^2 + epsilon)
// var -= mom
struct CenteredRmsProp {
  static constexpr int kSlots = 4;  // var and its slot variables
  static Layout layout() {
    return {{"var", "mg", "ms", "mom"}, {"lr", "rho", "momentum", "epsilon"}, 8};
  }
  template <typename C>
  auto Step(const C* k) const {
    const C lr = k[0], rho = k[1], momentum = k[2], epsilon = k[3];
    return [=](C* s, C g) {
      C& var = s[0];
      C& mg = s[1];
      C& ms = s[2];
      C& mom = s[3];
      ms += (g * g - ms) * (C(1) - rho);
      mg += (g - mg) * (C(1) - rho);
      mom = mom * momentum + (g * lr) / std::sqrt((ms - mg * mg) + epsilon);
      var -= mom;
    };
  }
};

// ---- Adagrad (Duchi et al. 2011) and AdagradV2 (with epsilon) ------------------------------
// TF doc: tf.raw_ops.ApplyAdagrad, tf.raw_ops.ApplyAdagradV2
// accum += grad^2                                  (only when update_slots)
// var   -= lr * grad / sqrt(accum)                 (V2: lr * grad / (sqrt(accum) + epsilon))
struct Adagrad {
  static constexpr int kSlots = 2;  // var and its slot variables
  bool update_slots;
  static Layout layout() { return {{"var", "accum"}, {"lr"}, 3}; }
  template <typename C>
  auto Step(const C* k) const {
    const C lr = k[0];
    return [=, update_slots = update_slots](C* s, C g) {
      if (update_slots) s[1] += g * g;
      s[0] -= g * lr * (C(1) / std::sqrt(s[1]));
    };
  }
};
struct AdagradV2 {
  static constexpr int kSlots = 2;  // var and its slot variables
  bool update_slots;
  static Layout layout() { return {{"var", "accum"}, {"lr", "epsilon"}, 4}; }
  template <typename C>
  auto Step(const C* k) const {
    const C lr = k[0], epsilon = k[1];
    return [=, update_slots = update_slots](C* s, C g) {
      if (update_slots) s[1] += g * g;
      s[0] -= g * lr / (std::sqrt(s[1]) + epsilon);
    };
  }
};

// ---- Adadelta (Zeiler 2012, https://arxiv.org/abs/1212.5701) --------------------------------
// TF doc: tf.raw_ops.ApplyAdadelta
// accum        = accum * rho + grad^2 * (1 - rho)
// update       = sqrt(accum_update + epsilon) / sqrt(accum + epsilon) * grad
// var         -= lr * update
// accum_update = accum_update * rho + update^2 * (1 - rho)
struct Adadelta {
  static constexpr int kSlots = 3;  // var and its slot variables
  static Layout layout() { return {{"var", "accum", "accum_update"}, {"lr", "rho", "epsilon"}, 6}; }
  template <typename C>
  auto Step(const C* k) const {
    const C lr = k[0], rho = k[1], epsilon = k[2];
    return [=](C* s, C g) {
      C& var = s[0];
      C& accum = s[1];
      C& accum_update = s[2];
      accum = accum * rho + g * g * (C(1) - rho);
      const C update = std::sqrt(accum_update + epsilon) * (C(1) / std::sqrt(accum + epsilon)) * g;
      var -= update * lr;
      accum_update = accum_update * rho + update * update * (C(1) - rho);
    };
  }
};

// ---- Ftrl-proximal (McMahan et al. 2013) and FtrlV2 (with l2_shrinkage) ------------------
// TF doc: tf.raw_ops.ApplyFtrl, tf.raw_ops.ApplyFtrlV2
// g'      = grad + 2 * l2_shrinkage * var                           (V2; else g' = grad)
// new_acc = accum + grad^2
// linear += g' - (new_acc^-lr_power - accum^-lr_power) / lr * var
// var     = |linear| > l1 ? (sign(linear) * l1 - linear) / (new_acc^-lr_power / lr + 2 l2) : 0
// accum   = new_acc
// (multiply_linear_by_lr: linear is kept multiplied by lr, so lr moves onto g' and l1, l2.)
// lr_power == -0.5 uses sqrt, as TF does. TF 2.21 does not range-check lr, l1, l2 or lr_power.
template <bool kV2>
struct Ftrl {
  static constexpr int kSlots = 3;  // var and its slot variables
  bool by_lr;
  static Layout layout() {
    if (kV2) return {{"var", "accum", "linear"}, {"lr", "l1", "l2", "l2_shrinkage", "lr_power"}, 3};
    return {{"var", "accum", "linear"}, {"lr", "l1", "l2", "lr_power"}, 3};
  }
  template <typename C>
  auto Step(const C* k) const {
    const C lr = k[0], l1 = k[1], l2 = k[2], shrink = kV2 ? k[3] : C(0), lr_power = k[kV2 ? 4 : 3];
    return [=, by_lr = by_lr](C* s, C g) {
      C& var = s[0];
      C& accum = s[1];
      C& linear = s[2];
      const C gs = kV2 ? g + C(2) * shrink * var : g;
      const C new_accum = accum + g * g;
      auto p = [&](C x) { return lr_power == C(-0.5) ? std::sqrt(x) : std::pow(x, -lr_power); };
      if (by_lr) {
        linear += gs * lr - (p(new_accum) - p(accum)) * var;
        const C x = l1 * lr * Sgn(linear) - linear;
        const C y = p(new_accum) + C(2) * l2 * lr;
        var = std::abs(linear) > l1 * lr ? x / y : C(0);
      } else {
        linear += gs - (p(new_accum) - p(accum)) / lr * var;
        const C x = l1 * Sgn(linear) - linear;
        const C y = p(new_accum) / lr + C(2) * l2;
        var = std::abs(linear) > l1 ? x / y : C(0);
      }
      accum += g * g;
    };
  }
};

// ---- the shared driver -------------------------------------------------------------------
// step(s, g) over every element: s holds the element of var and of each slot. The buffers are
// distinct (UpdateVariables gives each variable its own unshared buffer, grad is not one of
// them), which the restrict-qualified pointers tell the compiler so that the loop vectorises.
template <int N, typename T, typename C, typename Step>
void ApplyLoop(T* const* data, const T* g_in, int64_t n, const Step& step_in) {
  const Step step = step_in;  // a local copy: its captures cannot alias the buffers
  T* __restrict d0 = data[0];
  T* __restrict d1 = N > 1 ? data[1] : nullptr;
  T* __restrict d2 = N > 2 ? data[2] : nullptr;
  T* __restrict d3 = N > 3 ? data[3] : nullptr;
  const T* __restrict g = g_in;
  for (int64_t e = 0; e < n; ++e) {
    C s[N];
    s[0] = Load(d0[e]);
    if constexpr (N > 1) s[1] = Load(d1[e]);
    if constexpr (N > 2) s[2] = Load(d2[e]);
    if constexpr (N > 3) s[3] = Load(d3[e]);
    step(s, Load(g[e]));
    d0[e] = Store<T>(s[0]);
    if constexpr (N > 1) d1[e] = Store<T>(s[1]);
    if constexpr (N > 2) d2[e] = Store<T>(s[2]);
    if constexpr (N > 3) d3[e] = Store<T>(s[3]);
  }
}

// Runs opt's step over the variables of a planned Apply*/ResourceApply* node.
template <typename T, typename Opt>
Status RunApply(KernelContext& c, const Opt& opt, bool resource) {
  using C = ComputeT<T>;
  const Layout l = Opt::layout();
  const int nslots = static_cast<int>(l.slots.size());
  // The variables: resource handles, or reference inputs.
  std::vector<std::shared_ptr<VariableState>> owned;
  std::vector<VariableState*> vars;
  for (int i = 0; i < nslots; ++i) {
    if (resource) {
      TFM_ASSIGN_OR_RETURN(auto v, HandleVariable(c, i));
      vars.push_back(v.get());
      owned.push_back(std::move(v));
    } else {
      VariableState* v = c.ref_input(i);
      if (v == nullptr) {
        return c.Error(StatusCode::kInvalidArgument,
                       std::string("input ") + l.slots[i] + " must be a reference variable");
      }
      vars.push_back(v);
    }
    if (vars.back()->dtype() != CppToDataType<T>()) {
      return c.Error(StatusCode::kInvalidArgument,
                     std::string(l.slots[i]) + " is variable " + vars.back()->name() +
                         " of dtype " + std::string(DataTypeName(vars.back()->dtype())) +
                         ", expected " + std::string(DataTypeName(CppToDataType<T>())));
    }
    for (int j = 0; j < i; ++j) {
      if (vars[j] == vars[i]) {
        return c.Error(StatusCode::kInvalidArgument, std::string(l.slots[j]) + " and " +
                                                         l.slots[i] + " are the same variable " +
                                                         vars[i]->name());
      }
    }
  }
  // The scalars, in input order (skipping grad).
  std::vector<C> k;
  for (int i = nslots, s = 0; i < c.num_inputs(); ++i) {
    if (i == l.grad) continue;
    TFM_ASSIGN_OR_RETURN(Tensor t, ReadInput(c, i));
    if (t.dtype() != CppToDataType<T>()) {
      return c.Error(StatusCode::kInvalidArgument, std::string(l.scalars[s]) + " has dtype " +
                                                       std::string(DataTypeName(t.dtype())));
    }
    if (t.shape().rank() != 0) {
      return c.Error(StatusCode::kInvalidArgument,
                     std::string(l.scalars[s]) + " is not a scalar: " + t.shape().DebugString());
    }
    k.push_back(Load(t.flat<T>()[0]));
    ++s;
  }
  TFM_ASSIGN_OR_RETURN(Tensor grad, ReadInput(c, l.grad));
  if (grad.dtype() != CppToDataType<T>()) {
    return c.Error(StatusCode::kInvalidArgument,
                   "grad has dtype " + std::string(DataTypeName(grad.dtype())));
  }
  const auto step = opt.template Step<C>(k.data());
  Status st = UpdateVariables(vars, [&](std::span<Tensor* const> values) -> Status {
    const Shape& shape = values[0]->shape();
    for (int i = 1; i < nslots; ++i) {
      if (!(values[i]->shape() == shape)) {
        return InvalidArgument(std::string("var and ") + l.slots[i] +
                               " do not have the same shape: " + shape.DebugString() + " vs. " +
                               values[i]->shape().DebugString());
      }
    }
    if (!(grad.shape() == shape)) {
      return InvalidArgument("var and grad do not have the same shape: " + shape.DebugString() +
                             " vs. " + grad.shape().DebugString());
    }
    T* data[4];  // var and up to 3 slots (CenteredRMSProp)
    for (int i = 0; i < nslots; ++i) data[i] = values[i]->template flat<T>().data();
    const T* g = grad.flat<T>().data();
    const int64_t n = grad.NumElements();
    static_assert(Opt::kSlots >= 1 && Opt::kSlots <= 4);
    ApplyLoop<Opt::kSlots, T, C>(data, g, n, step);  // a compile-time count: it vectorises
    return Status::Ok();
  });
  if (!st.ok()) return c.Error(st.code(), st.message());
  if (!resource) {
    TFM_ASSIGN_OR_RETURN(Tensor now, vars[0]->Read());
    c.set_output(0, now);
  }
  return Status::Ok();
}

using ApplyTypes = TypeList<float, double, Half, BFloat16>;

// Plan time: the layout's arity and dtypes, then a kernel for T.
template <typename Opt>
Result<Kernel> MakeApply(const NodeInfo& n, Opt opt) {
  const bool resource = n.op().starts_with("Resource");
  const Layout l = Opt::layout();
  const int nslots = static_cast<int>(l.slots.size());
  TFM_RETURN_IF_ERROR(n.ExpectInputs(nslots + static_cast<int>(l.scalars.size()) + 1));
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("T"));
  for (int i = 0; i < n.num_inputs(); ++i) {
    TFM_RETURN_IF_ERROR(n.ExpectInputType(i, resource && i < nslots ? DataType::kResource : t));
  }
  KernelFn fn;
  if (!Dispatch(ApplyTypes{}, t, [&]<typename T>() {
        fn = [opt, resource](KernelContext& c) { return RunApply<T>(c, opt, resource); };
      })) {
    return n.Unsupported(t);
  }
  return Kernel{resource ? std::vector<DataType>{} : std::vector<DataType>{t}, std::move(fn)};
}

Result<Kernel> GradientDescentOp(const NodeInfo& n) { return MakeApply(n, GradientDescent{}); }
// use_nesterov picks a compile-time variant: a run-time branch in the element loop keeps it
// scalar (the float ops may trap, so GCC does not compute both sides and select).
template <template <bool> class Opt>
Result<Kernel> MakeNesterovApply(const NodeInfo& n) {
  if (n.BoolAttrOr("use_nesterov", false)) return MakeApply(n, Opt<true>{});
  return MakeApply(n, Opt<false>{});
}
Result<Kernel> MomentumOp(const NodeInfo& n) { return MakeNesterovApply<Momentum>(n); }
Result<Kernel> KerasMomentumOp(const NodeInfo& n) { return MakeNesterovApply<KerasMomentum>(n); }
Result<Kernel> AdamOp(const NodeInfo& n) { return MakeNesterovApply<Adam>(n); }
Result<Kernel> RmsPropOp(const NodeInfo& n) { return MakeApply(n, RmsProp{}); }
Result<Kernel> CenteredRmsPropOp(const NodeInfo& n) { return MakeApply(n, CenteredRmsProp{}); }
Result<Kernel> AdagradOp(const NodeInfo& n) {
  return MakeApply(n, Adagrad{n.BoolAttrOr("update_slots", true)});
}
Result<Kernel> AdagradV2Op(const NodeInfo& n) {
  return MakeApply(n, AdagradV2{n.BoolAttrOr("update_slots", true)});
}
Result<Kernel> AdadeltaOp(const NodeInfo& n) { return MakeApply(n, Adadelta{}); }
Result<Kernel> FtrlOp(const NodeInfo& n) {
  return MakeApply(n, Ftrl<false>{n.BoolAttrOr("multiply_linear_by_lr", false)});
}
Result<Kernel> FtrlV2Op(const NodeInfo& n) {
  return MakeApply(n, Ftrl<true>{n.BoolAttrOr("multiply_linear_by_lr", false)});
}

}  // namespace

void RegisterTrainingOps(OpRegistry& r) {
  struct Entry {
    std::string_view name;
    KernelFactory factory;
  };
  static constexpr Entry kRefOps[] = {
      {"ApplyGradientDescent", GradientDescentOp},
      {"ApplyMomentum", MomentumOp},
      {"ApplyAdam", AdamOp},
      {"ApplyRMSProp", RmsPropOp},
      {"ApplyCenteredRMSProp", CenteredRmsPropOp},
      {"ApplyAdagrad", AdagradOp},
      {"ApplyAdagradV2", AdagradV2Op},
      {"ApplyAdadelta", AdadeltaOp},
      {"ApplyFtrl", FtrlOp},
      {"ApplyFtrlV2", FtrlV2Op},
  };
  for (const Entry& e : kRefOps) {
    r.Add({.name = e.name, .factory = e.factory, .stateful = true, .writes_ref_inputs = true});
  }
  static constexpr Entry kResourceOps[] = {
      {"ResourceApplyGradientDescent", GradientDescentOp},
      {"ResourceApplyMomentum", MomentumOp},
      {"ResourceApplyKerasMomentum", KerasMomentumOp},
      {"ResourceApplyAdam", AdamOp},
      {"ResourceApplyRMSProp", RmsPropOp},
      {"ResourceApplyCenteredRMSProp", CenteredRmsPropOp},
      {"ResourceApplyAdagrad", AdagradOp},
      {"ResourceApplyAdagradV2", AdagradV2Op},
      {"ResourceApplyAdadelta", AdadeltaOp},
      {"ResourceApplyFtrl", FtrlOp},
      {"ResourceApplyFtrlV2", FtrlV2Op},
  };
  for (const Entry& e : kResourceOps) {
    r.Add({.name = e.name, .factory = e.factory, .stateful = true});
  }
}

}  // namespace tfmodel
