// Writes every gradient check case for the TensorFlow cross-check (tf_gradient_oracle.py, then
// gradient_tf_test.cc): per case its forward graph with the loss (<id>.pbtxt, the graph our
// Gradients() and TF's tf.gradients both differentiate), its fed inputs (<id>.in<i>.npy), and
// DIR/manifest.json listing the loss, the differentiated inputs and the feeds by tensor name.
//
//   gradient_cases_export DIR
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "src/train/grad/gradient_check.h"

int main(int argc, char** argv) {
  using namespace tfmodel;
  using namespace tfmodel::gradcheck;
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  nlohmann::json manifest = nlohmann::json::array();
  int failures = 0;
  for (const GradCase& c : AllCases()) {
    if (!c.skip.empty() || !c.expect_error.empty() || !c.not_in_tf.empty()) continue;
    BuiltCase b;
    Status st = BuildLoss(c, b);
    const std::string id = CaseId(c);
    if (st.ok()) st = b.g.WriteGraph((dir / (id + ".pbtxt")).string(), /*as_text=*/true);
    nlohmann::json entry = {{"id", id}, {"op", c.op}, {"graph", id + ".pbtxt"}, {"loss", b.loss.name()}};
    entry["xs"] = nlohmann::json::array();
    for (int i : b.diff) entry["xs"].push_back(b.in[i].name());
    entry["feeds"] = nlohmann::json::array();
    for (size_t i = 0; st.ok() && i < c.inputs.size(); ++i) {
      if (c.inputs[i].kind == In::kConst) continue;
      const std::string npy = id + ".in" + std::to_string(i) + ".npy";
      st = WriteNpy((dir / npy).string(), c.inputs[i].value);
      entry["feeds"].push_back({{"tensor", b.in[i].name()}, {"npy", npy}});
    }
    if (!st.ok()) {
      std::fprintf(stderr, "%s: %s\n", id.c_str(), st.ToString().c_str());
      ++failures;
      continue;
    }
    manifest.push_back(entry);
  }
  std::ofstream(dir / "manifest.json") << manifest.dump(1) << "\n";
  std::printf("%zu cases written to %s\n", manifest.size(), dir.c_str());
  return failures == 0 ? 0 : 1;
}
