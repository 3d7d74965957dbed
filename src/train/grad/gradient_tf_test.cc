// Our gradients against TensorFlow 2.21's, case by case: every gradient check case exported by
// gradient_cases_export (graph + loss + feeds), differentiated by tf.gradients in
// tf_gradient_oracle.py, is imported here, differentiated by our Gradients() and run; the values
// must match TF's (its "no gradient" as zeros), within 1e-9 (double) or 1e-5 (float) of
// |want|-scaled error. The directory comes from $TFMODEL_GRAD_CASES_DIR (ctest sets it).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>

#include "src/train/gradients.h"
#include "tfmodel/train.h"

namespace tfmodel {
namespace {

using json = nlohmann::json;

std::vector<double> AsDoubles(const Tensor& t) {
  std::vector<double> v;
  if (t.dtype() == DataType::kDouble) {
    for (double x : t.flat<double>()) v.push_back(x);
  } else if (t.dtype() == DataType::kFloat) {
    for (float x : t.flat<float>()) v.push_back(x);
  }
  return v;
}

// "" when our gradients match TF's for this case.
std::string CompareCase(const std::string& dir, const json& entry, const json& tf) {
  Graph g;
  ImportGraphDefOptions options;
  options.prefix = "";
  options.return_elements.push_back(entry.at("loss").get<std::string>());
  for (const json& x : entry.at("xs")) options.return_elements.push_back(x.get<std::string>());
  auto imported = ImportGraphDef(g, dir + "/" + entry.at("graph").get<std::string>(), options);
  if (!imported.ok()) return "import: " + imported.status().ToString();
  std::vector<Output> xs(imported->begin() + 1, imported->end());
  auto grads = Gradients({(*imported)[0]}, xs);
  if (!grads.ok()) return "gradients: " + grads.status().ToString();
  Session::Feeds feeds;
  for (const json& f : entry.at("feeds")) {
    auto t = g.TensorByName(f.at("tensor").get<std::string>());
    auto v = ReadNpy(dir + "/" + f.at("npy").get<std::string>());
    if (!t.ok() || !v.ok()) return "bad feed " + f.dump();
    feeds.emplace_back(*t, *v);
  }
  Session s(g);
  std::string failures;
  for (size_t k = 0; k < xs.size(); ++k) {
    auto x = s.Fetch(feeds, xs[k]);
    if (!x.ok()) return "input: " + x.status().ToString();
    std::vector<double> ours(x->NumElements(), 0.0), want(x->NumElements(), 0.0);
    if ((*grads)[k].valid()) {
      auto got = s.Fetch(feeds, (*grads)[k]);
      if (!got.ok()) return "running our gradient: " + got.status().ToString();
      if (!(got->shape() == x->shape())) return "gradient shape " + got->shape().DebugString();
      ours = AsDoubles(*got);
    }
    const json& tf_grad = tf.at("grads").at(k);
    if (!tf_grad.is_null()) {
      auto w = ReadNpy(dir + "/" + tf_grad.get<std::string>());
      if (!w.ok()) return "bad TF result: " + w.status().ToString();
      if (!(w->shape() == x->shape())) return "TF's gradient has shape " + w->shape().DebugString();
      want = AsDoubles(*w);
    }
    const double tol = x->dtype() == DataType::kFloat ? 1e-5 : 1e-9;
    int bad = 0;
    for (size_t e = 0; e < want.size(); ++e) {
      if (std::fabs(ours[e] - want[e]) <= tol * (1 + std::fabs(want[e]))) continue;
      if (++bad <= 3) {
        failures += "\n  input " + std::to_string(k) + " [" + std::to_string(e) + "]: ours " +
                    std::to_string(ours[e]) + ", TensorFlow " + std::to_string(want[e]);
      }
    }
  }
  return failures;
}

TEST(GradientsAgainstTensorFlow, EveryExportedCase) {
  const char* env = std::getenv("TFMODEL_GRAD_CASES_DIR");
  ASSERT_NE(env, nullptr) << "set TFMODEL_GRAD_CASES_DIR (ctest -L interop runs the export and the oracle)";
  const std::string dir = env;
  std::ifstream mf(dir + "/manifest.json"), rf(dir + "/tf_results.json");
  ASSERT_TRUE(mf.good() && rf.good()) << "missing manifest.json or tf_results.json in " << dir;
  const json manifest = json::parse(mf), results = json::parse(rf);
  int compared = 0, rejected = 0;
  for (const json& entry : manifest) {
    const std::string id = entry.at("id").get<std::string>();
    ASSERT_TRUE(results.contains(id)) << id << " has no TensorFlow result";
    const json& tf = results.at(id);
    if (tf.contains("error")) {
      ++rejected;
      std::printf("TensorFlow rejected %s: %s\n", id.c_str(), tf["error"].get<std::string>().c_str());
      continue;
    }
    ++compared;
    std::string diff = CompareCase(dir, entry, tf);
    EXPECT_TRUE(diff.empty()) << id << " (" << entry.at("op").get<std::string>() << "): " << diff;
  }
  std::printf("%d cases compared with TensorFlow, %d rejected by it\n", compared, rejected);
  // TF must differentiate nearly every case; a broken export or oracle must not pass silently.
  EXPECT_GE(compared, static_cast<int>(manifest.size()) - 10);
}

}  // namespace
}  // namespace tfmodel
