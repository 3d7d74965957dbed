// tf.compat.v1.losses, with TensorFlow's scopes and reductions (losses_impl.py of TF 2.21):
// per-element losses, weighted, then reduced; every loss joins the "losses" collection.
#include "src/api/op_builder.h"
#include "tfmodel/ops.h"

namespace tfmodel {
namespace losses {
namespace {

std::string ScopeOf(const NameScope& s) { return s.name(); }

// _safe_mean: sum(losses) / num_present, 0 when num_present is 0.
Output SafeMean(const Output& losses, const Output& num_present) {
  Output total = ReduceSum(losses, {}, false, "Sum_1");
  return DivNoNan(total, num_present, "value");
}

// _num_present: how many weights are non-zero, broadcast against the losses.
Output NumPresent(const Output& losses, const Output& weights) {
  NameScope scope(losses.graph(), "num_present");
  Output zero = ScalarLike(weights, 0.0, "Equal/y");
  Output is_zero = Equal(weights, zero, "Equal");
  Output present = Select(is_zero, ZerosLike(weights, "zeros_like"), OnesLike(weights, "ones_like"), "Select");
  Output broadcast;
  {
    NameScope b(losses.graph(), "broadcast_weights");
    broadcast = Mul(present, OnesLike(losses, "ones_like"), "");
  }
  std::string full = scope.name();
  full.pop_back();
  Output axes = Int32Vector(losses.graph(), [&] {
    std::vector<int64_t> all;
    PartialShape s = losses.shape();
    for (size_t i = 0; !s.unknown_rank && i < s.dims.size(); ++i) all.push_back(static_cast<int64_t>(i));
    return all;
  }(), "Const");
  if (losses.shape().unknown_rank) return ReduceSum(broadcast, {}, false, "Sum");
  return OpBuilder("Sum", "", losses)
      .Input(broadcast)
      .Input(axes)
      .Attr("T", broadcast.dtype())
      .Attr("Tidx", DataType::kInt32)
      .Attr("keep_dims", false)
      .ExactName(full)
      .Out();
}

Output Weights(const Output& like, const Output& weights) {
  if (weights.valid()) return Cast(weights, DataType::kFloat);
  return ScalarLike(like, 1.0, "Cast/x");  // weights=1.0, cast to float32 (a no-op in TF)
}

}  // namespace

namespace {
// compute_weighted_loss inside `scope` ("weighted_loss" when called directly; a loss passes its
// own scope, re-entered with a trailing "/").
Output WeightedLoss(const Output& losses_in, const Output& weights_in, Reduction reduction,
                    const std::string& scope_name) {
  GraphState* g = losses_in.graph();
  if (g == nullptr) return Output();
  const DataType input_dtype = losses_in.dtype();
  Output result;
  {
    NameScope scope(g, scope_name);
    Output losses = Cast(losses_in, DataType::kFloat);
    Output weights = Weights(losses, weights_in);
    Output weighted = Mul(losses, weights, "Mul");
    if (reduction == Reduction::kNone) {
      result = weighted;
    } else {
      Output loss = ReduceSum(weighted, {}, false, "Sum");
      if (reduction == Reduction::kMean) {
        loss = SafeMean(loss, ReduceSum(Mul(OnesLike(losses, "ones_like"), weights, "mul"), {}, false, "Sum_2"));
      } else if (reduction == Reduction::kSumByNonzeroWeights) {
        loss = SafeMean(loss, NumPresent(losses, weights));
      } else if (reduction == Reduction::kSumOverBatchSize) {
        Output n;
        {
          NameScope ne(g, "num_elements");
          std::string full = ne.name();
          full.pop_back();
          Output size = OpBuilder("Size", "", g)
                            .Input(losses)
                            .Attr("T", losses.dtype())
                            .Attr("out_type", DataType::kInt32)
                            .ExactName(full)
                            .Out();
          n = Cast(size, losses.dtype(), "Cast");
        }
        loss = SafeMean(loss, n);
      }
      result = loss;
    }
    result = Cast(result, input_dtype);
  }
  if (result.valid()) g->collections["losses"].push_back(result.name());
  return result;
}
}  // namespace

Output ComputeWeightedLoss(const Output& losses, const Output& weights, Reduction reduction) {
  return WeightedLoss(losses, weights, reduction, "weighted_loss");
}

namespace {
// Runs `body` inside the loss's name scope and reduces its per-element losses.
template <typename Body>
Output Loss(const Output& a, const char* scope_name, const Output& weights, Reduction reduction,
            Body body) {
  GraphState* g = a.graph();
  if (g == nullptr) return Output();
  NameScope scope(g, scope_name);
  Output per_element = body();
  if (!per_element.valid()) return Output();
  // compute_weighted_loss(losses, weights, scope): re-enters this loss's scope.
  return WeightedLoss(per_element, weights, reduction, ScopeOf(scope));
}
}  // namespace

Output MeanSquaredError(const Output& labels, const Output& predictions, const Output& weights,
                        Reduction reduction) {
  return Loss(predictions, "mean_squared_error", weights, reduction, [&] {
    Output p = Cast(predictions, DataType::kFloat);
    Output l = Cast(labels, DataType::kFloat);
    return SquaredDifference(p, l, "SquaredDifference");
  });
}

Output AbsoluteDifference(const Output& labels, const Output& predictions, const Output& weights,
                          Reduction reduction) {
  return Loss(predictions, "absolute_difference", weights, reduction, [&] {
    Output p = Cast(predictions, DataType::kFloat);
    Output l = Cast(labels, DataType::kFloat);
    return Abs(Sub(p, l, "Sub"), "Abs");
  });
}

Output LogLoss(const Output& labels, const Output& predictions, const Output& weights,
               double epsilon, Reduction reduction) {
  return Loss(predictions, "log_loss", weights, reduction, [&] {
    Output p = Cast(predictions, DataType::kFloat);
    Output l = Cast(labels, DataType::kFloat);
    // -labels * log(p + eps) - (1 - labels) * log(1 - p + eps)
    Output pos = Mul(l, Log(Add(p, ScalarLike(p, epsilon, "add/y"), "add"), "Log"), "Mul");
    Output one_minus_l = Sub(ScalarLike(l, 1.0, "sub/x"), l, "sub");
    Output one_minus_p = Add(Sub(ScalarLike(p, 1.0, "sub_1/x"), p, "sub_1"), ScalarLike(p, epsilon, "add_1/y"), "add_1");
    Output neg = Mul(one_minus_l, Log(one_minus_p, "Log_1"), "Mul_1");
    return Sub(Neg(pos, "Neg"), neg, "sub_2");
  });
}

Output SigmoidCrossEntropy(const Output& multi_class_labels, const Output& logits,
                           const Output& weights, double label_smoothing, Reduction reduction) {
  return Loss(logits, "sigmoid_cross_entropy_loss", weights, reduction, [&] {
    Output labels = Cast(multi_class_labels, logits.dtype());
    if (label_smoothing > 0) {
      labels = Add(Mul(labels, ScalarLike(labels, 1 - label_smoothing, "mul/y"), "mul"),
                   ScalarLike(labels, 0.5 * label_smoothing, "add/y"), "add");
    }
    return SigmoidCrossEntropyWithLogits(labels, logits, "xentropy");
  });
}

Output SoftmaxCrossEntropy(const Output& onehot_labels, const Output& logits, const Output& weights,
                           double label_smoothing, Reduction reduction) {
  return Loss(logits, "softmax_cross_entropy_loss", weights, reduction, [&] {
    Output labels = Cast(onehot_labels, logits.dtype());
    if (label_smoothing > 0) {
      PartialShape s = labels.shape();
      if (s.unknown_rank || s.dims.empty() || s.dims.back() < 0) {
        logits.graph()->Fail(Unimplemented("softmax_cross_entropy label smoothing needs a known number of classes"));
        return Output();
      }
      const double classes = static_cast<double>(s.dims.back());
      labels = Add(Mul(labels, ScalarLike(labels, 1 - label_smoothing, "mul/y"), "mul"),
                   ScalarLike(labels, label_smoothing / classes, "add/y"), "add");
    }
    labels = StopGradient(labels, "labels_stop_gradient");
    return SoftmaxCrossEntropyWithLogits(labels, logits, "xentropy");
  });
}

Output SparseSoftmaxCrossEntropy(const Output& labels, const Output& logits, const Output& weights,
                                 Reduction reduction) {
  return Loss(logits, "sparse_softmax_cross_entropy_loss", weights, reduction, [&] {
    return SparseSoftmaxCrossEntropyWithLogits(labels, logits, "xentropy");
  });
}

}  // namespace losses

Output SigmoidCrossEntropyWithLogits(const Output& labels, const Output& logits, std::string_view name) {
  GraphState* g = logits.graph();
  if (g == nullptr) return Output();
  NameScope scope(g, name.empty() ? "logistic_loss" : name);
  std::string full = scope.name();
  full.pop_back();
  // max(x, 0) - x * z + log1p(exp(-|x|)), written with selects as TF does for stability.
  Output zeros = ZerosLike(logits, "zeros_like");
  Output cond = GreaterEqual(logits, zeros, "GreaterEqual");
  Output relu_logits = Select(cond, logits, zeros, "Select");
  Output neg_abs = Select(cond, Neg(logits, "Neg"), logits, "Select_1");
  Output lhs = Sub(relu_logits, Mul(logits, labels, "mul"), "sub");
  Output rhs = Log1p(Exp(neg_abs, "Exp"), "Log1p");
  return OpBuilder("AddV2", "", g).Input(lhs).Input(rhs).Attr("T", logits.dtype()).ExactName(full).Out();
}

}  // namespace tfmodel
