// Models TensorFlow 2.21 wrote with tf.compat.v1 (tf1_models.py: the seed tutorial's linear
// regression in its three formats, an MLP, a CNN, a string model; .pb, .pbtxt, .meta,
// saved_model.pb and saved_model.pbtxt), loaded with tfmodel::Model every way the tutorial loads
// them, against TensorFlow's outputs; and `tfmodel show` against saved_model_cli.
//
// The cases are found under $TFMODEL_INTEROP_TF1_MODELS_DIR (ctest sets it; the
// interop_tf1_models_write test fills it). A missing variable, directory or case is a failure.
#include <set>

#include "model_case.h"

namespace tfmodel::interop {
namespace {

namespace fs = std::filesystem;

constexpr const char* kEnvVar = "TFMODEL_INTEROP_TF1_MODELS_DIR";

fs::path Root() {
  const char* v = std::getenv(kEnvVar);
  return v ? fs::path(v) : fs::path();
}

TEST(Tf1Models, CasesArePresent) {
  ASSERT_FALSE(Root().empty()) << kEnvVar
                               << " is not set: it must name the directory "
                                  "tf1_models.py filled (ctest -L interop sets it)";
  std::vector<std::string> names = CaseDirNames(kEnvVar);
  std::set<std::string> have(names.begin(), names.end());
  for (const char* want :
       {"seed_ckpt_meta", "seed_ckpt_latest", "seed_ckpt_text_meta", "seed_frozen_import",
        "seed_frozen", "seed_saved_model", "seed_saved_model_base", "mlp_saved_model",
        "mlp_ckpt_meta", "mlp_frozen", "cnn_frozen_pbtxt", "cnn_saved_model", "cnn_edge_frozen",
        "init_main_op", "init_legacy_op", "strings_saved_model_pbtxt"}) {
    EXPECT_TRUE(have.count(want)) << "case " << want << " missing under " << Root();
  }
}

class Tf1ModelCase : public testing::TestWithParam<std::string> {};

TEST_P(Tf1ModelCase, MatchesTensorFlow) { RunModelCase(Root() / GetParam()); }

INSTANTIATE_TEST_SUITE_P(Tf1Models, Tf1ModelCase, testing::ValuesIn(CaseDirNames(kEnvVar)),
                         [](const testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Tf1ModelCase);

class Tf1ModelShow : public testing::TestWithParam<std::string> {};

TEST_P(Tf1ModelShow, MatchesSavedModelCli) { ExpectShowMatchesSavedModelCli(Root() / GetParam()); }

INSTANTIATE_TEST_SUITE_P(Tf1Models, Tf1ModelShow, testing::ValuesIn(ShowCaseNames(kEnvVar)),
                         [](const testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Tf1ModelShow);

// The seed tutorial's SavedModel as its last section reads it: the signature names the
// tensors; the versioned base dir serves the highest version.
TEST(Tf1Models, SeedSavedModelSignatureAndVersions) {
  const fs::path sm = Root() / "models" / "seed" / "saved_model";
  auto one = Model::Load((sm / "1").string(), {.tags = {"serve"}});
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  const Signature& sig = (*one)->signatures().at("serving_default");
  EXPECT_EQ(sig.method_name, "tensorflow/serving/predict");
  EXPECT_EQ(sig.inputs.at("input").name, "input:0");
  EXPECT_EQ(sig.inputs.at("input").dims, (std::vector<int64_t>{-1, 10}));
  EXPECT_EQ(sig.outputs.at("output").name, "output:0");
  EXPECT_EQ(sig.outputs.at("output").dims, (std::vector<int64_t>{-1, 1}));
  auto base = Model::Load(sm.string());
  ASSERT_TRUE(base.ok()) << base.status().ToString();
  EXPECT_EQ(fs::path((*base)->path()).filename(), "2");
}

}  // namespace
}  // namespace tfmodel::interop
