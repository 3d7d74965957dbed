// The numeric gradient check of every gradient rule (cases in gradient_cases_*.cc, format in
// gradient_check.h), and the coverage tests: every rule has a case, every op TensorFlow 2.21
// differentiates (tf_gradients.txt, produced by tf_gradients.py) has a rule or is on the explicit
// list of ops we deliberately do not differentiate (control flow, TensorLists), and that list
// names every op of the runtime.
#include "src/train/grad/gradient_check.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "src/api/op_builder.h"
#include "src/runtime/kernel.h"
#include "src/train/gradients.h"
#include "tfmodel/train.h"

namespace tfmodel::gradcheck {

namespace {

using gradcheck::AllCases;

std::vector<double> AsDoubles(const Tensor& t) {
  std::vector<double> v;
  if (t.dtype() == DataType::kDouble) {
    for (double x : t.flat<double>()) v.push_back(x);
  } else if (t.dtype() == DataType::kFloat) {
    for (float x : t.flat<float>()) v.push_back(x);
  }
  return v;
}

// ---- the harness ------------------------------------------------------------------------------

struct Built : BuiltCase {
  Result<std::vector<Output>> grads = std::vector<Output>{};
};

// Builds the case and its loss, then (unless the case expects an error) the gradients.
testing::AssertionResult Build(const GradCase& c, Built& b) {
  Status st = BuildLoss(c, b);
  if (!st.ok()) return testing::AssertionFailure() << st.ToString();
  std::vector<Output> xs;
  for (int i : b.diff) xs.push_back(b.in[i]);
  b.grads = Gradients({b.loss}, xs);
  return testing::AssertionSuccess();
}

Session::Feeds FeedsWith(const GradCase& c, const Built& b, int replaced, const Tensor& value) {
  Session::Feeds feeds;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    if (c.inputs[i].kind == In::kConst) continue;
    feeds.emplace_back(b.in[i], static_cast<int>(i) == replaced ? value : c.inputs[i].value);
  }
  return feeds;
}

double LossAt(Session& s, const GradCase& c, const Built& b, int input, const Tensor& value) {
  auto l = s.Fetch(FeedsWith(c, b, input, value), b.loss);
  EXPECT_TRUE(l.ok()) << l.status().ToString();
  return l.ok() ? l->flat<double>()[0] : NAN;
}

void Check(const GradCase& c) {
  Built b;
  ASSERT_TRUE(Build(c, b));
  if (!c.expect_error.empty()) {
    ASSERT_FALSE(b.grads.ok()) << "the gradient was built, but the case expects an error";
    EXPECT_NE(b.grads.status().message().find(c.expect_error), std::string::npos) << b.grads.status().ToString();
    EXPECT_NE(b.grads.status().message().find(c.op), std::string::npos) << "the error names no op";
    return;
  }
  ASSERT_TRUE(b.grads.ok()) << b.grads.status().ToString();
  Session s(b.g);
  std::vector<Output> fetch;
  for (const Output& gr : *b.grads) {
    if (gr.valid()) fetch.push_back(gr);
  }
  auto sym = s.Run(FeedsWith(c, b, -1, Tensor()), fetch);
  ASSERT_TRUE(sym.ok()) << "running the gradient: " << sym.status().ToString();
  size_t next = 0;
  for (size_t k = 0; k < b.diff.size(); ++k) {
    const int input = b.diff[k];
    const Tensor& x = c.inputs[input].value;
    const bool is_float = x.dtype() == DataType::kFloat;
    const double eps = c.eps > 0 ? c.eps : (is_float ? 3e-3 : 1e-6);
    const double tol = c.tol > 0 ? c.tol : (is_float ? 2e-3 : 1e-6);
    std::vector<double> symbolic(x.NumElements(), 0.0);
    if ((*b.grads)[k].valid()) {
      const Tensor& gt = (*sym)[next++];
      ASSERT_EQ(gt.shape(), x.shape()) << "input " << input << ": gradient shape";
      symbolic = AsDoubles(gt);
    }
    const std::vector<double> base = AsDoubles(x);
    int bad = 0;
    for (size_t e = 0; e < base.size(); ++e) {
      std::vector<double> plus = base, minus = base;
      plus[e] += eps;
      minus[e] -= eps;
      Tensor tp = Values(plus, x.shape().dims(), x.dtype()), tm = Values(minus, x.shape().dims(), x.dtype());
      // The step actually taken (float inputs round).
      const double step = AsDoubles(tp)[e] - AsDoubles(tm)[e];
      const double numeric = (LossAt(s, c, b, input, tp) - LossAt(s, c, b, input, tm)) / step;
      if (!(std::fabs(symbolic[e] - numeric) <= tol * (1 + std::fabs(numeric))) && ++bad <= 5) {
        ADD_FAILURE() << "input " << input << " element " << e << ": symbolic " << symbolic[e]
                      << ", numeric " << numeric << (!(*b.grads)[k].valid() ? " (no gradient)" : "");
      }
    }
    EXPECT_EQ(bad, 0) << "input " << input << ": " << bad << " of " << base.size() << " elements differ";
  }
}

std::string TestName(const testing::TestParamInfo<int>& info) { return CaseId(AllCases()[info.param]); }

class GradientCheck : public testing::TestWithParam<int> {};

TEST_P(GradientCheck, MatchesFiniteDifferences) {
  const GradCase& c = AllCases()[GetParam()];
  if (!c.skip.empty()) GTEST_SKIP() << c.skip;
  Check(c);
}

INSTANTIATE_TEST_SUITE_P(Cases, GradientCheck, testing::Range(0, static_cast<int>(AllCases().size())),
                         TestName);

// ---- coverage ----------------------------------------------------------------------------------

// tf_gradients.txt: op -> status.
std::map<std::string, std::string> TfList() {
  std::map<std::string, std::string> out;
  std::ifstream f(std::string(TFMODEL_SOURCE_DIR) + "/src/train/grad/tf_gradients.txt");
  EXPECT_TRUE(f.good()) << "cannot read src/train/grad/tf_gradients.txt";
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string op, status;
    std::getline(fields, op, '\t');
    std::getline(fields, status, '\t');
    out[op] = status;
  }
  return out;
}

// Rules checked by a dedicated test instead of a finite-difference case, and why.
const std::map<std::string, std::string>& CoveredElsewhere() {
  static const auto* m = new std::map<std::string, std::string>{
      {"ReadVariableOp", "GradientCheckSpecial.ReadVariableOpGivesTheHandleTheValuesGradient (a resource "
                         "handle cannot be perturbed)"},
  };
  return *m;
}

TEST(GradientCheckSpecial, ReadVariableOpGivesTheHandleTheValuesGradient) {
  // L = sum(read(v) * c): dL/d(handle) is dL/d(value) = c, as TF's _ReadGrad passes it on.
  Graph g;
  Tensor init = Rand({2, 3}), cot = Rand({2, 3});
  Variable v = GetVariable(g, "v", {2, 3}, ConstantInitializer(init), {.dtype = DataType::kDouble, .use_resource = true});
  Output read = ReadValue(v);
  ASSERT_EQ(read.op().type(), "ReadVariableOp");
  Output loss = ReduceSum(Mul(read, Const(g, cot)), {0, 1});
  auto grads = Gradients({loss}, {v.handle});
  ASSERT_TRUE(grads.ok()) << grads.status().ToString();
  ASSERT_TRUE((*grads)[0].valid());
  Session s(g);
  ASSERT_TRUE(s.Run(GlobalVariablesInitializer(g)).ok());
  auto got = s.Fetch({}, (*grads)[0]);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(got->Equals(cot)) << got->DebugString();
}

Output ListShape(Graph& g, std::vector<int64_t> dims) { return Const(g, Ints(dims, {static_cast<int64_t>(dims.size())})); }

Output ListOp(std::string_view op, std::string_view name, const Ins& in, bool with_num_elements = false) {
  OpBuilder b(op, name, in[0]);
  b.Inputs(in).Attr("element_dtype", DataType::kDouble);
  if (op == "TensorListFromTensor") b.Attr("shape_type", DataType::kInt32);
  if (with_num_elements) b.Attr("num_elements", int64_t{-1});
  return b.Out();
}

TEST(GradientCheckSpecial, AnOpWithoutARuleIsAClearError) {
  // x -> TensorListFromTensor -> TensorListStack -> loss: the gradient reaches the Stack first.
  Graph g;
  Output x = Placeholder(g, DataType::kDouble, {3, 2}, "x");
  Output list = ListOp("TensorListFromTensor", "rnn/list", {x, ListShape(g, {2})});
  Output stacked = ListOp("TensorListStack", "rnn/stack", {list, ListShape(g, {2})}, true);
  ASSERT_TRUE(g.status().ok()) << g.status().ToString();
  Output loss = ReduceSum(Mul(stacked, stacked), {0, 1});
  auto grads = Gradients({loss}, {x});
  ASSERT_FALSE(grads.ok());
  EXPECT_EQ(grads.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(grads.status().message().find("gradient of TensorListStack 'rnn/stack' is not supported"),
            std::string::npos)
      << grads.status().ToString();
}

TEST(GradientCheckSpecial, AnOpWithoutARuleThatNoGradientReachesIsSkipped) {
  // loss = sum(x^2) + length(list(x)): the list op's output is a variant (no gradient), so only
  // the sum contributes, dL/dx = 2x.
  Graph g;
  Tensor xv = Rand({3, 2});
  Output x = Placeholder(g, DataType::kDouble, {3, 2}, "x");
  Output list = ListOp("TensorListFromTensor", "list", {x, ListShape(g, {2})});
  Output length = OpBuilder("TensorListLength", "length", list).Input(list).Out();
  Output loss = Add(ReduceSum(Square(x), {0, 1}), Cast(length, DataType::kDouble));
  ASSERT_TRUE(g.status().ok()) << g.status().ToString();
  auto grads = Gradients({loss}, {x});
  ASSERT_TRUE(grads.ok()) << grads.status().ToString();
  Session s(g);
  auto got = s.Fetch({{x, xv}}, (*grads)[0]);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  std::vector<double> want;
  for (double v : xv.flat<double>()) want.push_back(2 * v);
  EXPECT_TRUE(got->Equals(Values(want, {3, 2}))) << got->DebugString();
}

TEST(GradientCoverage, EveryRuleHasACase) {
  std::set<std::string> covered;
  for (const auto& [op, why] : CoveredElsewhere()) covered.insert(op);
  for (const GradCase& c : AllCases()) covered.insert(c.op);
  for (std::string_view op : GradientRegistry::Global().Names()) {
    const GradientDef* def = GradientRegistry::Global().Find(op);
    if (def->fn == nullptr) continue;
    EXPECT_TRUE(covered.count(std::string(op))) << "the gradient of " << op << " has no gradient check case";
  }
}

TEST(GradientCoverage, EveryCaseChecksARule) {
  for (const GradCase& c : AllCases()) {
    const GradientDef* def = GradientRegistry::Global().Find(c.op);
    EXPECT_TRUE(def != nullptr && def->fn != nullptr) << c.name << ": " << c.op << " has no rule";
  }
}

// Ops TensorFlow differentiates that tfmodel deliberately does not, and why. They have no rule:
// Gradients() through one fails naming the op and node (GradientCheckSpecial.
// AnOpWithoutARuleIsAClearError); every other op TF differentiates must have a rule.
const std::map<std::string, std::string>& NotDifferentiatedByTfmodel() {
  static const std::string kControlFlow =
      "TF's gradient (cond_v2/while_v2) builds new branch or body functions and, for While, "
      "accumulates the forward values in TensorLists; differentiating through functions is not "
      "implemented (a Graph cannot hold function-calling ops yet)";
  static const std::string kLists =
      "TF's gradient (list_ops.py) builds the inverse list op on the variant handle; gradients "
      "through TensorLists are only needed for While loops, which are not differentiated either";
  static const auto* m = new std::map<std::string, std::string>{
      {"If", kControlFlow}, {"StatelessIf", kControlFlow}, {"Case", kControlFlow},
      {"StatelessCase", kControlFlow}, {"While", kControlFlow}, {"StatelessWhile", kControlFlow},
      {"TensorListFromTensor", kLists}, {"TensorListGetItem", kLists}, {"TensorListSetItem", kLists},
      {"TensorListStack", kLists}, {"TensorListPopBack", kLists}, {"TensorListPushBack", kLists},
  };
  return *m;
}

TEST(GradientCoverage, EveryOpTensorFlowDifferentiatesHasARule) {
  const auto tf = TfList();
  ASSERT_FALSE(tf.empty());
  const auto& skipped = NotDifferentiatedByTfmodel();
  for (const auto& [op, why] : skipped) {
    ASSERT_TRUE(tf.count(op)) << op << " is listed as not differentiated, but is not in tf_gradients.txt";
    EXPECT_TRUE(tf.at(op) == "gradient" || tf.at(op) == "raises")
        << op << ": TensorFlow does not differentiate it (" << tf.at(op) << "): drop it from the list";
  }
  for (const auto& [op, status] : tf) {
    const GradientDef* def = GradientRegistry::Global().Find(op);
    const bool rule = def != nullptr && def->fn != nullptr;
    if (skipped.count(op)) {
      EXPECT_TRUE(def == nullptr) << op << " is listed as not differentiated, but is registered: drop it from the list";
    } else if (status == "gradient" || status == "raises") {
      EXPECT_TRUE(rule) << op << ": TensorFlow has a gradient (" << status << ") but we have no rule";
    } else if (status == "none" || status == "not_differentiable") {
      EXPECT_FALSE(rule) << op << ": TensorFlow passes no gradient through it (" << status
                         << ") but we have a rule";
    }
  }
}

TEST(GradientCoverage, TheTensorFlowListNamesEveryRuntimeOp) {
  const auto tf = TfList();
  for (std::string_view op : OpRegistry::Global().Names()) {
    EXPECT_TRUE(tf.count(std::string(op)))
        << op << " is not in src/train/grad/tf_gradients.txt: regenerate it with "
        << "build/src/train/list_runtime_ops | <tf2.21 python> src/train/grad/tf_gradients.py";
  }
}

}  // namespace
}  // namespace tfmodel::gradcheck
