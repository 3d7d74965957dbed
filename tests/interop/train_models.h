// The models of tf_train_reference.py built with tfmodel's API (same op types and names), the
// optimizers by their TensorFlow class names, and tolerance comparisons. Header-only: shared by
// train_interop_test.cc and train_semantics_test.cc (single-file programs).
#ifndef TFMODEL_TESTS_INTEROP_TRAIN_MODELS_H_
#define TFMODEL_TESTS_INTEROP_TRAIN_MODELS_H_

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tfmodel/graph.h>
#include <tfmodel/ops.h>
#include <tfmodel/train.h>

namespace tfmodel::interop {

using json = nlohmann::json;

inline json ReadJsonFile(const std::string& path) {
  std::ifstream f(path);
  if (!f) return json();
  return json::parse(f, nullptr, /*allow_exceptions=*/false);
}

struct Model {
  Output input, label, output, loss;
  std::vector<Variable> variables;  // the model's own (trainable) variables, in creation order
};

// Initial values: `init` maps a variable name to its value; absent names use `fallback`.
inline Model BuildModel(const Graph& g, const std::string& model,
                        const std::map<std::string, Tensor>& init, bool use_resource,
                        const Initializer& fallback = GlorotNormal()) {
  struct Spec {
    std::string name;
    std::vector<int64_t> shape;
  };
  std::vector<Spec> specs;
  if (model == "linear") {
    specs = {{"beta", {10, 1}}, {"bias", {1}}};
  } else {
    const int64_t out = model == "mlp_softmax" ? 3 : 1;
    specs = {{"w1", {10, 16}}, {"b1", {16}}, {"w2", {16, out}}, {"b2", {out}}};
  }
  Model m;
  m.input = Placeholder(g, DataType::kFloat, {-1, 10}, "input");
  m.label = Placeholder(g, DataType::kFloat, {-1, model == "mlp_softmax" ? 3 : 1}, "label");
  std::map<std::string, Variable> v;
  for (const Spec& s : specs) {
    auto it = init.find(s.name);
    v[s.name] = GetVariable(g, s.name, s.shape,
                            it != init.end() ? ConstantInitializer(it->second) : fallback,
                            {.use_resource = use_resource});
    m.variables.push_back(v[s.name]);
  }
  if (model == "linear") {
    m.output = Add(MatMul(m.input, v["beta"]), v["bias"], "output");
    m.loss = losses::MeanSquaredError(m.label, m.output);
  } else {
    Output h = Relu(BiasAdd(MatMul(m.input, v["w1"]), v["b1"]));
    m.output = Add(MatMul(h, v["w2"]), v["b2"], "output");
    m.loss = model == "mlp_relu" ? losses::MeanSquaredError(m.label, m.output)
                                 : losses::SoftmaxCrossEntropy(m.label, m.output);
  }
  return m;
}

// An optimizer from its TensorFlow class name ("Adam") and constructor keyword arguments.
inline std::unique_ptr<Optimizer> MakeOptimizer(const std::string& cls, const json& p) {
  const double lr = p.at("learning_rate").get<double>();
  if (cls == "GradientDescent") return std::make_unique<GradientDescentOptimizer>(lr);
  if (cls == "Momentum") {
    return std::make_unique<MomentumOptimizer>(lr, p.at("momentum").get<double>(),
                                               p.value("use_nesterov", false));
  }
  if (cls == "Adam") {
    return std::make_unique<AdamOptimizer>(lr, p.at("beta1").get<double>(),
                                           p.at("beta2").get<double>(),
                                           p.at("epsilon").get<double>());
  }
  if (cls == "RMSProp") {
    return std::make_unique<RMSPropOptimizer>(
        lr, p.at("decay").get<double>(), p.at("momentum").get<double>(),
        p.at("epsilon").get<double>(), p.at("centered").get<bool>());
  }
  if (cls == "Adagrad") {
    return std::make_unique<AdagradOptimizer>(lr, p.at("initial_accumulator_value").get<double>());
  }
  return nullptr;
}

// The tolerance of the interop suite: 1e-5 relative. A tensor is compared as a whole,
// max |got - want| <= rel * max |want|, so an element that training drives through zero (a
// gradient average of a converged bias) is held to the tensor's scale, not to its own; a
// series (the loss per step) element by element.
inline constexpr double kRelTol = 1e-5;

inline std::vector<double> AsDoubles(const Tensor& t) {
  std::vector<double> out;
  if (t.dtype() == DataType::kFloat) {
    for (float f : t.flat<float>()) out.push_back(f);
  } else if (t.dtype() == DataType::kDouble) {
    for (double d : t.flat<double>()) out.push_back(d);
  } else if (t.dtype() == DataType::kInt64) {
    for (int64_t i : t.flat<int64_t>()) out.push_back(static_cast<double>(i));
  }
  return out;
}

inline std::string CompareMeta(const Tensor& got, const Tensor& want) {
  if (got.dtype() != want.dtype() || !(got.shape() == want.shape())) {
    return "got " + std::string(DataTypeName(got.dtype())) + got.shape().DebugString() + ", want " +
           std::string(DataTypeName(want.dtype())) + want.shape().DebugString();
  }
  if (got.dtype() != DataType::kFloat && got.dtype() != DataType::kDouble) {
    return got.Equals(want)
               ? ""
               : "values differ: got " + got.DebugString(8) + ", want " + want.DebugString(8);
  }
  return "";
}

// "" when `got` matches `want` as a whole (see above); else the worst element.
inline std::string CompareClose(const Tensor& got, const Tensor& want, double rel = kRelTol) {
  if (std::string meta = CompareMeta(got, want); !meta.empty() || got.dtype() == DataType::kInt64)
    return meta;
  const std::vector<double> g = AsDoubles(got), w = AsDoubles(want);
  double scale = 0, worst_diff = 0;
  size_t worst = 0;
  for (size_t i = 0; i < w.size(); ++i) scale = std::max(scale, std::fabs(w[i]));
  for (size_t i = 0; i < w.size(); ++i) {
    const double diff = std::fabs(g[i] - w[i]);
    if (!(diff <= worst_diff)) worst_diff = diff, worst = i;
  }
  if (w.empty() || worst_diff <= rel * scale) return "";
  std::ostringstream s;
  s.precision(9);
  s << "differs by " << worst_diff / scale << " of its largest value " << scale << " (allowed "
    << rel << "); worst [" << worst << "] got " << g[worst] << ", want " << w[worst];
  return s.str();
}

// "" when every element of `got` is within `rel` of the same element of `want`.
inline std::string CompareSeries(const Tensor& got, const Tensor& want, double rel = kRelTol) {
  if (std::string meta = CompareMeta(got, want); !meta.empty()) return meta;
  const std::vector<double> g = AsDoubles(got), w = AsDoubles(want);
  std::ostringstream s;
  s.precision(9);
  int bad = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    if (!(std::fabs(g[i] - w[i]) <= rel * std::fabs(w[i]))) {
      if (bad++ < 3) s << " [" << i << "] got " << g[i] << ", want " << w[i] << ";";
    }
  }
  if (bad == 0) return "";
  return std::to_string(bad) + " of " + std::to_string(w.size()) + " differ beyond " +
         std::to_string(rel) + " relative:" + s.str();
}

inline Tensor FloatMatrix(const std::vector<float>& values, int64_t rows, int64_t cols) {
  return Tensor::FromVector<float>(values, Shape{rows, cols});
}

}  // namespace tfmodel::interop

#endif  // TFMODEL_TESTS_INTEROP_TRAIN_MODELS_H_
