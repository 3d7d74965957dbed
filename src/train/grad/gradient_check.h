// The numeric gradient check (gradient_check_test.cc): one or more cases per op with a gradient
// rule. A case builds the forward op on its inputs; the harness forms
//   L = sum_k sum(y_k * c_k)        (c_k fixed random cotangents, in double)
// and compares dL/dx from Gradients() with central finite differences of L for every element of
// every differentiable input:  |symbolic - numeric| <= tol * (1 + |numeric|).
//
//   GradCase("Mul.broadcast", "Mul", {X(Rand({2, 3})), X(Rand({3}))},
//            [](const Ins& in) { return Outs{Mul(in[0], in[1])}; });
//
// Cases are data, listed per family (gradient_cases_*.cc); the test also fails when a rule has
// no case and when an op TensorFlow differentiates (tf_gradients.txt) has no rule.
#ifndef TFMODEL_SRC_TRAIN_GRAD_GRADIENT_CHECK_H_
#define TFMODEL_SRC_TRAIN_GRAD_GRADIENT_CHECK_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "src/api/op_builder.h"
#include "tfmodel/ops.h"
#include "tfmodel/tensor.h"

namespace tfmodel::gradcheck {

// One input of the forward op.
struct In {
  enum Kind {
    kDiff,   // a Placeholder, fed, differentiated and perturbed
    kConst,  // a Const (indices, axes, shapes: what rules may read while building)
    kFed,    // a Placeholder, fed, not differentiated (a dynamic axis or index tensor)
  };
  Tensor value;
  Kind kind = kDiff;
  // The Placeholder's static shape: nullopt = the value's shape; {} with unknown_rank = unknown.
  bool unknown_shape = false;
};

using Ins = std::vector<Output>;   // the inputs as graph tensors, in order
using Outs = std::vector<Output>;  // the forward outputs that enter the loss

struct GradCase {
  std::string name;  // "Mul.broadcast_static"
  std::string op;    // the op type whose rule this case checks
  std::vector<In> inputs;
  std::function<Outs(const Ins&)> build;
  // Finite-difference step and tolerance; float inputs default to a larger step (see harness).
  double eps = 0;
  double tol = 0;
  // Non-empty: building the gradient must fail with an error containing this.
  std::string expect_error;
  // Non-empty: the case is skipped, with this reason (a missing kernel).
  std::string skip;
  // Non-empty: TensorFlow rejects the forward op (the runtime is more lenient), so the case is
  // not exported to the TF gradient oracle; the reason.
  std::string not_in_tf;
};

// ---- inputs --------------------------------------------------------------------------------
// Deterministic uniform values in [lo, hi] (seeded by a running counter, so every case is fixed).
Tensor Rand(const std::vector<int64_t>& shape, double lo = -1, double hi = 1,
            DataType dtype = DataType::kDouble);
// Values in [lo, hi] at least `gap` away from each kink (Relu's 0, Relu6's 0 and 6, ...).
Tensor RandAway(const std::vector<int64_t>& shape, double lo, double hi, std::vector<double> kinks,
                double gap = 0.1, DataType dtype = DataType::kDouble);
// Distinct values (a shuffled grid lo, lo + step, ...): no ties for Max, TopK, MaxPool.
Tensor Distinct(const std::vector<int64_t>& shape, double lo = -1, double step = 0.1,
                DataType dtype = DataType::kDouble);
Tensor Values(const std::vector<double>& v, const std::vector<int64_t>& shape,
              DataType dtype = DataType::kDouble);
Tensor Ints(const std::vector<int64_t>& v, const std::vector<int64_t>& shape,
            DataType dtype = DataType::kInt32);
Tensor IntScalar(int64_t v, DataType dtype = DataType::kInt32);

inline In X(Tensor t) { return In{std::move(t), In::kDiff, false}; }
inline In XDyn(Tensor t) { return In{std::move(t), In::kDiff, true}; }  // unknown shape
inline In C(Tensor t) { return In{std::move(t), In::kConst, false}; }
inline In Fed(Tensor t) { return In{std::move(t), In::kFed, true}; }

// ---- building --------------------------------------------------------------------------------
// An op with inputs `in` and attrs; T is the first input's dtype unless attrs set it.
Output Op(std::string_view op, const Ins& in, std::initializer_list<std::pair<const char*, AttrValue>> attrs = {},
          int output = 0);
Operation OpN(std::string_view op, const Ins& in,
              std::initializer_list<std::pair<const char*, AttrValue>> attrs = {});
// All outputs of an op.
Outs AllOutputs(const Operation& op);

// ---- the cases and their loss ----------------------------------------------------------------------
// Every case of every family, in a fixed order.
const std::vector<GradCase>& AllCases();
// The case's name with every non-alphanumeric character replaced by '_' (test and file names).
std::string CaseId(const GradCase& c);

// A case built into its own graph: the inputs in order (Placeholders "in<i>" or Consts), the
// indices of the differentiable ones, and the loss L = sum_k sum(y_k * c_k) in double.
struct BuiltCase {
  Graph g;
  std::vector<Output> in;
  std::vector<int> diff;
  Output loss;
};
// Errors: the case does not build, builds no op of its type, or its forward run fails.
Status BuildLoss(const GradCase& c, BuiltCase& b);

// ---- the case lists (gradient_cases_*.cc) -------------------------------------------------------
void AddMathCases(std::vector<GradCase>& cases);
void AddNnCases(std::vector<GradCase>& cases);
void AddArrayCases(std::vector<GradCase>& cases);
void AddSecondOrderCases(std::vector<GradCase>& cases);

}  // namespace tfmodel::gradcheck

#endif  // TFMODEL_SRC_TRAIN_GRAD_GRADIENT_CHECK_H_
