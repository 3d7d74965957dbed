// Loss ops that compute their own gradient: SoftmaxCrossEntropyWithLogits and
// SparseSoftmaxCrossEntropyWithLogits (outputs loss and backprop), and L2Loss.
#include <cmath>
#include <limits>

#include "src/runtime/kernel.h"
#include "src/runtime/kernels/all_ops.h"
#include "src/runtime/kernels/broadcast.h"

namespace tfmodel {
namespace {

using LossTypes = TypeList<float, double, Half, BFloat16>;

// One row of logits: returns sum(exp(x - max)) and fills shifted[j] = x[j] - max.
template <typename C, typename Get>
C ShiftedSumExp(int64_t depth, Get x, std::vector<C>& shifted) {
  C m = x(0);
  for (int64_t j = 1; j < depth; ++j) m = std::max(m, x(j));
  C sum = 0;
  for (int64_t j = 0; j < depth; ++j) {
    shifted[j] = x(j) - m;
    sum += std::exp(shifted[j]);
  }
  return sum;
}

// ---- SoftmaxCrossEntropyWithLogits(features [B, K], labels [B, K]) -> (loss [B], backprop)
// With s = x - max(x) per row (labels may broadcast against features):
//   loss[b]     = sum_k labels[b,k] * (log(sum_k exp(s[b,k])) - s[b,k])
//   backprop    = softmax(x) - labels            (= d loss / d features)
// The gradient of loss w.r.t. features is dloss * backprop (TF's
// _SoftmaxCrossEntropyWithLogitsGrad).
Result<Kernel> SoftmaxXent(const NodeInfo& n) {
  TFM_ASSIGN_OR_RETURN(DataType t, n.ExpectInputsOfTypeT(2));
  KernelFn fn;
  bool ok = Dispatch(LossTypes{}, t, [&]<typename T>() {
    fn = [](KernelContext& c) -> Status {
      using C = ComputeT<T>;
      const Tensor& x = c.input(0);
      const Tensor& labels = c.input(1);
      TFM_ASSIGN_OR_RETURN(Shape shape,
                           Broadcast::BroadcastShapes(x.shape(), labels.shape(), c.node_name()));
      if (shape.rank() != 2) {
        return c.Error(StatusCode::kInvalidArgument,
                       "logits and labels must be either 2-dimensional, or broadcasted to be "
                       "2-dimensional: " +
                           x.shape().DebugString() + " vs. " + labels.shape().DebugString());
      }
      const int64_t rows = shape.dim(0), depth = shape.dim(1);
      // Operands are rank <= 2: index them with zero strides along broadcast dims.
      auto strides = [&](const Shape& s) {
        const int r = s.rank();
        const int64_t d0 = r == 2 ? s.dim(0) : 1, d1 = r >= 1 ? s.dim(r - 1) : 1;
        return std::pair<int64_t, int64_t>{d0 == 1 ? 0 : d1, d1 == 1 ? 0 : 1};
      };
      const auto [xr, xc] = strides(x.shape());
      const auto [lr, lc] = strides(labels.shape());
      TFM_ASSIGN_OR_RETURN(Tensor loss, c.AllocateOutput(0, x.dtype(), Shape{rows}));
      TFM_ASSIGN_OR_RETURN(Tensor back, c.AllocateOutput(1, x.dtype(), shape));
      const T* xv = x.flat<T>().data();
      const T* lv = labels.flat<T>().data();
      T* loss_v = loss.flat<T>().data();
      T* bv = back.flat<T>().data();
      std::vector<C> s(depth);
      for (int64_t b = 0; b < rows && depth > 0; ++b) {
        auto xb = [&](int64_t j) { return Load(xv[b * xr + j * xc]); };
        auto lb = [&](int64_t j) { return Load(lv[b * lr + j * lc]); };
        const C sum = ShiftedSumExp<C>(depth, xb, s);
        const C log_sum = std::log(sum);
        C l = 0;
        for (int64_t j = 0; j < depth; ++j) l += lb(j) * (log_sum - s[j]);
        loss_v[b] = Store<T>(l);
        for (int64_t j = 0; j < depth; ++j)
          bv[b * depth + j] = Store<T>(std::exp(s[j]) / sum - lb(j));
      }
      c.set_output(0, loss);
      c.set_output(1, back);
      return Status::Ok();
    };
  });
  if (!ok) return n.Unsupported(t);
  return Kernel{{t, t}, std::move(fn)};
}

// ---- SparseSoftmaxCrossEntropyWithLogits(features [B, K], labels [B] int32/int64) ---------
//   loss[b]  = log(sum_k exp(s[b,k])) - s[b, labels[b]]
//   backprop = softmax(x) - one_hot(labels)
// A label outside [0, K) is an InvalidArgument (TF's CPU kernel checks them).
Result<Kernel> SparseSoftmaxXent(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("T"));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, t));
  TFM_RETURN_IF_ERROR(n.ExpectType(n.input_type(1), {DataType::kInt32, DataType::kInt64}));
  KernelFn fn;
  bool ok = Dispatch(LossTypes{}, t, [&]<typename T>() {
    fn = [](KernelContext& c) -> Status {
      using C = ComputeT<T>;
      const Tensor& x = c.input(0);
      const Tensor& labels = c.input(1);
      if (x.shape().rank() != 2) {
        return c.Error(StatusCode::kInvalidArgument,
                       "logits must be 2-D, but got shape " + x.shape().DebugString());
      }
      if (labels.shape().rank() != 1) {
        return c.Error(StatusCode::kInvalidArgument,
                       "labels must be 1-D, but got shape " + labels.shape().DebugString());
      }
      const int64_t rows = x.shape().dim(0), depth = x.shape().dim(1);
      if (labels.shape().dim(0) != rows) {
        return c.Error(StatusCode::kInvalidArgument,
                       "logits and labels must have the same first dimension, got logits shape " +
                           x.shape().DebugString() + " and labels shape " +
                           labels.shape().DebugString());
      }
      if (rows > 0 && depth == 0) {
        return c.Error(
            StatusCode::kInvalidArgument,
            "Must have at least one class, but got logits shape " + x.shape().DebugString());
      }
      std::vector<int64_t> label(rows);
      for (int64_t b = 0; b < rows; ++b) {
        label[b] = labels.dtype() == DataType::kInt32 ? labels.flat<int32_t>()[b]
                                                      : labels.flat<int64_t>()[b];
        if (label[b] < 0 || label[b] >= depth) {
          return c.Error(StatusCode::kInvalidArgument,
                         "Received a label value of " + std::to_string(label[b]) +
                             " which is outside the valid range of [0, " + std::to_string(depth) +
                             ").  Label values: " + labels.DebugString(16));
        }
      }
      TFM_ASSIGN_OR_RETURN(Tensor loss, c.AllocateOutput(0, x.dtype(), Shape{rows}));
      TFM_ASSIGN_OR_RETURN(Tensor back, c.AllocateOutput(1, x.dtype(), x.shape()));
      const T* xv = x.flat<T>().data();
      T* loss_v = loss.flat<T>().data();
      T* bv = back.flat<T>().data();
      std::vector<C> s(depth);
      for (int64_t b = 0; b < rows; ++b) {
        const C sum = ShiftedSumExp<C>(
            depth, [&](int64_t j) { return Load(xv[b * depth + j]); }, s);
        const C log_sum = std::log(sum);
        loss_v[b] = Store<T>(log_sum - s[label[b]]);
        for (int64_t j = 0; j < depth; ++j) {
          bv[b * depth + j] = Store<T>(std::exp(s[j]) / sum - C(j == label[b] ? 1 : 0));
        }
      }
      c.set_output(0, loss);
      c.set_output(1, back);
      return Status::Ok();
    };
  });
  if (!ok) return n.Unsupported(t);
  return Kernel{{t, t}, std::move(fn)};
}

// ---- L2Loss(t): y = sum(t^2) / 2;  dt = dy * t ----------------------------------------------
// Accumulates in double.
Result<Kernel> L2Loss(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("T"));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, t));
  KernelFn fn;
  bool ok = Dispatch(LossTypes{}, t, [&]<typename T>() {
    fn = [](KernelContext& c) -> Status {
      double sum = 0;
      for (const T& v : c.input(0).flat<T>()) {
        const double x = static_cast<double>(Load(v));
        sum += x * x;
      }
      c.set_output(0, Tensor::Scalar<T>(Store<T>(static_cast<ComputeT<T>>(sum * 0.5))));
      return Status::Ok();
    };
  });
  if (!ok) return n.Unsupported(t);
  return Kernel{{t}, std::move(fn)};
}

}  // namespace

void RegisterLossOps(OpRegistry& r) {
  r.Add({"SoftmaxCrossEntropyWithLogits", SoftmaxXent});
  r.Add({"SparseSoftmaxCrossEntropyWithLogits", SparseSoftmaxXent});
  r.Add({"L2Loss", L2Loss});
}

}  // namespace tfmodel
