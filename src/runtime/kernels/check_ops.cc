// Runtime checks that graphs (and their gradients) carry: EnsureShape, CheckNumerics,
// CheckNumericsV2 and Assert. Each passes its input through or fails with InvalidArgument.
#include <cmath>

#include "src/runtime/kernel.h"
#include "src/runtime/kernels/all_ops.h"
#include "src/runtime/kernels/broadcast.h"

namespace tfmodel {
namespace {

// ---- EnsureShape(input; shape): y = input when its shape is compatible with `shape` --------
// (unknown dims and unknown rank match anything).  dx = dy.
Result<Kernel> EnsureShape(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  TFM_ASSIGN_OR_RETURN(PartialShape want, n.ShapeAttr("shape"));
  return Kernel{{n.input_type(0)}, [want](KernelContext& c) -> Status {
                  const Shape& got = c.input(0).shape();
                  bool ok = want.unknown_rank;
                  if (!ok && static_cast<int>(want.dims.size()) == got.rank()) {
                    ok = true;
                    for (int i = 0; i < got.rank(); ++i) {
                      ok = ok && (want.dims[i] < 0 || want.dims[i] == got.dim(i));
                    }
                  }
                  if (!ok) {
                    return c.Error(StatusCode::kInvalidArgument,
                                   "Shape of tensor " + c.node_name() + " " + got.DebugString() +
                                       " is not compatible with expected shape " +
                                       want.ToCliString() + ".");
                  }
                  c.set_output(0, c.input(0));
                  return Status::Ok();
                }};
}

// ---- CheckNumerics(tensor; message): y = tensor unless it holds NaN or +-Inf ---------------
// V2 tells +Inf from -Inf in the message.  dx = CheckNumerics(dy) with a gradient message.
template <bool kV2>
Result<Kernel> CheckNumerics(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("T"));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, t));
  const std::string message = n.StringAttrOr("message", "");
  KernelFn fn;
  bool ok = Dispatch(FloatTypes{}, t, [&]<typename T>() {
    fn = [message](KernelContext& c) -> Status {
      bool nan = false, pos_inf = false, neg_inf = false;
      for (const T& v : c.input(0).flat<T>()) {
        const auto x = Load(v);
        nan |= std::isnan(x);
        pos_inf |= std::isinf(x) && x > 0;
        neg_inf |= std::isinf(x) && x < 0;
      }
      if (nan || pos_inf || neg_inf) {
        std::string what;
        if (kV2) {
          if (pos_inf) what += "+Inf";
          if (neg_inf) what += std::string(what.empty() ? "" : " and ") + "-Inf";
        } else if (pos_inf || neg_inf) {
          what = "Inf";
        }
        if (nan) what += std::string(what.empty() ? "" : " and ") + "NaN";
        return c.Error(StatusCode::kInvalidArgument, message + " : Tensor had " + what + " values");
      }
      c.set_output(0, c.input(0));
      return Status::Ok();
    };
  });
  if (!ok) return n.Unsupported(t);
  return Kernel{{t}, std::move(fn)};
}

// ---- Assert(condition, data...; summarize): fails with the data when condition is false ---
// No outputs (other ops depend on it through control edges); stateful, so never folded away.
Result<Kernel> Assert(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputsAtLeast(2));  // condition and at least one data tensor
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, DataType::kBool));
  const int64_t summarize = n.IntAttrOr("summarize", 3);
  return Kernel{{}, [summarize](KernelContext& c) -> Status {
                  const Tensor& cond = c.input(0);
                  if (cond.shape().rank() != 0) {
                    return c.Error(StatusCode::kInvalidArgument,
                                   "In[0] should be a scalar: " + cond.shape().DebugString());
                  }
                  if (cond.flat<bool>()[0]) return Status::Ok();
                  std::string msg = "assertion failed: ";
                  for (int i = 1; i < c.num_inputs(); ++i) {
                    msg += (i > 1 ? " [" : "[") +
                           c.input(i).DebugString(summarize < 0 ? int64_t{1} << 20 : summarize) +
                           "]";
                  }
                  return c.Error(StatusCode::kInvalidArgument, msg);
                }};
}

}  // namespace

void RegisterCheckOps(OpRegistry& r) {
  r.Add({"EnsureShape", EnsureShape});
  // Stateful as in TF, so a check is never constant-folded away.
  r.Add({.name = "CheckNumerics", .factory = CheckNumerics<false>, .stateful = true});
  r.Add({.name = "CheckNumericsV2", .factory = CheckNumerics<true>, .stateful = true});
  r.Add({.name = "Assert", .factory = Assert, .stateful = true});
}

}  // namespace tfmodel
