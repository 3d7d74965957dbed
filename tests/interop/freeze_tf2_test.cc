// TF2 SavedModels frozen with FreezeSavedModel (tfmodel/freeze.h), then run by our runtime as
// frozen GraphDefs against what TensorFlow 2.21 computed on the SavedModel's signatures. The
// cases are tf2_models.py's ($TFMODEL_INTEROP_TF2_DIR: its zoo and the corpus's TF2 models).
//
// Per case and signature this writes $TFMODEL_INTEROP_FREEZE_DIR/<group>/<case>/<key>.pb and
// freeze.json (what to feed and fetch, which steps the frozen graph reproduces), for
// freeze_tf2_check.py to import into TensorFlow. Steps after a signature that does not freeze
// (one that writes its variables) are not compared: TensorFlow ran them on changed variables.
// A signature that does not freeze must be listed in kExpectedFailures with its reason.
#include <tfmodel/freeze.h>

#include <fstream>

#include "model_case.h"

namespace tfmodel::interop {
namespace {

namespace fs = std::filesystem;

fs::path EnvPath(const char* name) {
  const char* v = std::getenv(name);
  return v ? fs::path(v) : fs::path();
}

// "<case>/<signature>" -> a substring of the error FreezeSavedModel must give.
const std::map<std::string, std::string> kExpectedFailures = {
    // train(x, y) runs an optimizer step: AssignVariableOp on the variables.
    {"rust_regression_savedmodel/train", "only reads of a variable can be frozen"},
};

// The cases whose serving signature must freeze and match (the brief's minimum).
const std::vector<std::string> kRequired = {"zoo/mlp",       "zoo/cnn",
                                            "zoo/text_lstm", "zoo/gru",
                                            "zoo/tf_module", "corpus/half_plus_two_tf2",
                                            "corpus/cppflow_load_model"};

struct Frozen {
  std::string key, pb;
  FrozenSavedModel f;
  std::vector<int> steps;
};

void FreezeCase(const std::string& group, const fs::path& dir, const fs::path& out,
                std::set<std::string>* passed) {
  Result<ModelCase> loaded = LoadModelCase(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const ModelCase& c = *loaded;
  SCOPED_TRACE("case " + group + "/" + c.name + ": " + c.model);
  if (!c.expect_load_error.empty()) return;  // TensorFlow did not load it either
  fs::create_directories(out);
  std::vector<Frozen> frozen;
  std::map<std::string, size_t> by_key;
  std::set<std::string> failed;
  bool stateful_seen = false;  // a non-freezable signature ran: later steps saw other values
  for (size_t i = 0; i < c.steps.size(); ++i) {
    const Step& step = c.steps[i];
    if (step.key.empty() || failed.count(step.key)) {
      stateful_seen = true;
      continue;
    }
    if (!by_key.count(step.key)) {
      Frozen fr;
      fr.key = step.key;
      fr.pb = (out / (step.key + ".pb")).string();
      auto f = FreezeSavedModel(c.model, fr.pb, {.tags = c.load.tags, .signature_key = step.key});
      auto expected = kExpectedFailures.find(c.name + "/" + step.key);
      if (!f.ok()) {
        EXPECT_NE(expected, kExpectedFailures.end()) << "freezing " << step.key << ": " << f.status().ToString();
        if (expected != kExpectedFailures.end()) {
          EXPECT_NE(f.status().message().find(expected->second), std::string::npos)
              << f.status().ToString();
        }
        std::printf("  %s/%s %s does not freeze: %s\n", group.c_str(), c.name.c_str(),
                    step.key.c_str(), f.status().ToString().c_str());
        failed.insert(step.key);
        stateful_seen = true;
        continue;
      }
      EXPECT_EQ(expected, kExpectedFailures.end()) << step.key << " froze; expected: " << expected->second;
      fr.f = std::move(f).value();
      by_key[step.key] = frozen.size();
      frozen.push_back(std::move(fr));
    }
    if (stateful_seen) continue;
    Frozen& fr = frozen[by_key.at(step.key)];
    auto model = Model::LoadFrozenGraph(fr.pb, {});
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    std::vector<std::pair<std::string, Tensor>> feeds;
    for (const StepTensor& t : step.feeds) {
      ASSERT_TRUE(fr.f.inputs.count(t.name)) << "no input " << t.name;
      feeds.emplace_back(fr.f.inputs.at(t.name), StepValue(c, t).value());
    }
    std::vector<std::string> fetches;
    for (const StepTensor& t : step.fetches) {
      ASSERT_TRUE(fr.f.outputs.count(t.name)) << "no output " << t.name;
      fetches.push_back(fr.f.outputs.at(t.name));
    }
    auto got = (*model)->Run(feeds, fetches);
    ASSERT_TRUE(got.ok()) << step.key << ": " << got.status().ToString();
    bool same = true;
    for (size_t k = 0; k < fetches.size(); ++k) {
      std::string diff = CompareClose((*got)[k], StepValue(c, step.fetches[k]).value(), c.rtol, c.atol);
      EXPECT_EQ(diff, "") << "step " << i << " " << step.key << " output " << step.fetches[k].name;
      same &= diff.empty();
    }
    fr.steps.push_back(static_cast<int>(i));
    if (same) passed->insert(group + "/" + c.name);
  }
  nlohmann::json doc = {{"case_dir", fs::absolute(dir).string()}, {"frozen", nlohmann::json::array()}};
  for (const Frozen& fr : frozen) {
    if (fr.steps.empty()) continue;
    doc["frozen"].push_back({{"signature", fr.key}, {"pb", fs::absolute(fr.pb).string()},
                             {"inputs", fr.f.inputs}, {"outputs", fr.f.outputs},
                             {"steps", fr.steps}, {"variables", fr.f.variables.size()}});
  }
  std::ofstream(out / "freeze.json") << doc.dump(1) << "\n";
}

TEST(FreezeTf2, EveryCaseFreezesAndMatchesTensorFlow) {
  const fs::path in = EnvPath("TFMODEL_INTEROP_TF2_DIR"), out = EnvPath("TFMODEL_INTEROP_FREEZE_DIR");
  ASSERT_FALSE(in.empty() || out.empty()) << "set TFMODEL_INTEROP_TF2_DIR and TFMODEL_INTEROP_FREEZE_DIR (ctest does)";
  std::set<std::string> passed;
  for (const std::string group : {"zoo", "corpus"}) {
    ASSERT_TRUE(fs::exists(in / group)) << in / group << " is missing: run interop_tf2_models_write";
    for (const fs::path& dir : FindCaseDirs(in / group)) {
      FreezeCase(group, dir, out / group / dir.filename(), &passed);
    }
  }
  for (const std::string& name : kRequired) EXPECT_TRUE(passed.count(name)) << name << " did not freeze and match";
  std::printf("%zu cases froze and matched TensorFlow\n", passed.size());
}

}  // namespace
}  // namespace tfmodel::interop
