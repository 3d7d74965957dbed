// The TF1 models of the real corpus, loaded with tfmodel::Model, against what TensorFlow 2.21
// computed from the same inputs (tf_run_corpus.py), and `tfmodel show` against saved_model_cli.
//
// The cases are found under $TFMODEL_INTEROP_CORPUS_DIR (ctest sets it; the interop_tf_run_corpus
// test fills it). A missing variable, directory or case is a failure, never a skip; a case whose
// ops another branch brings (RandomUniform) is skipped, naming them.
#include <set>

#include "model_case.h"

namespace tfmodel::interop {
namespace {

namespace fs = std::filesystem;

constexpr const char* kEnvVar = "TFMODEL_INTEROP_CORPUS_DIR";
const std::string kCorpus = TFMODEL_CORPUS_DIR;

fs::path Root() {
  const char* v = std::getenv(kEnvVar);
  return v ? fs::path(v) : fs::path();
}

TEST(Tf1Corpus, CasesArePresent) {
  ASSERT_FALSE(Root().empty()) << kEnvVar
                               << " is not set: it must name the directory "
                                  "tf_run_corpus.py filled (ctest -L interop sets it)";
  std::vector<std::string> names = CaseDirNames(kEnvVar);
  std::set<std::string> have(names.begin(), names.end());
  for (const char* want : {"cppflow_frozen_graph",
                           "cppflow1_mnist_meta",
                           "cppflow1_mnist_pb",
                           "cppflow1_load_model",
                           "onnx_fc_layers",
                           "onnx_ae0",
                           "onnx_gru",
                           "onnx_lstm",
                           "onnx_regression_frozen",
                           "onnx_regression_meta",
                           "onnx_regression_saved_model",
                           "onnx_redundant_inputs",
                           "rust_addition",
                           "rust_multiplication",
                           "rust_regression_model",
                           "tfnet_example1",
                           "tfnet_xor",
                           "tfnet_word2vec",
                           "tfnet_cond_test",
                           "half_plus_two_cpu",
                           "half_plus_two_mkl",
                           "half_plus_two_2_versions",
                           "half_plus_three",
                           "matrix_half_plus_two",
                           "counter",
                           "legacy_half_plus_two",
                           "bad_half_plus_two",
                           "session_bundle_half_plus_two"}) {
    EXPECT_TRUE(have.count(want)) << "case " << want << " missing under " << Root();
  }
}

class Tf1CorpusCase : public testing::TestWithParam<std::string> {};

TEST_P(Tf1CorpusCase, MatchesTensorFlow) { RunModelCase(Root() / GetParam()); }

INSTANTIATE_TEST_SUITE_P(Corpus, Tf1CorpusCase, testing::ValuesIn(CaseDirNames(kEnvVar)),
                         [](const testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Tf1CorpusCase);

// ---- `tfmodel show` vs `saved_model_cli show` (spec/tf-formats.md 6.2) -------------------------

class Tf1CorpusShow : public testing::TestWithParam<std::string> {};

TEST_P(Tf1CorpusShow, MatchesSavedModelCli) { ExpectShowMatchesSavedModelCli(Root() / GetParam()); }

INSTANTIATE_TEST_SUITE_P(Corpus, Tf1CorpusShow, testing::ValuesIn(ShowCaseNames(kEnvVar)),
                         [](const testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Tf1CorpusShow);

// TensorFlow.NET's bare graph/*.meta (no checkpoints): `tfmodel show` summarises every one; those
// with variables refuse to load without a checkpoint, naming the .meta; cond_test (no variables,
// TF1 control flow) loads and runs: tf.cond(2 < 5, lambda: 2 * 17, lambda: 5 + 23) is 34 (int32).
// (Running them with values TF assigned and computed: the tfnet_* cases above.)
TEST(Tf1Corpus, TensorflowNetGraphsShowAndLoad) {
  for (const char* name : {"xor", "cond_test", "kmeans", "word2vec"}) {
    const std::string meta = kCorpus + "/tensorflow-net/graph/" + name + ".meta";
    CliRun show = Exec("show '" + meta + "'");
    EXPECT_EQ(show.code, 0) << name << ": " << show.out;
    EXPECT_NE(show.out.find("MetaGraphDef " + meta), std::string::npos) << show.out;
    EXPECT_NE(show.out.find("Inputs (placeholders): "), std::string::npos) << show.out;
    auto m = Model::Load(meta);
    if (std::string(name) == "cond_test") {
      ASSERT_TRUE(m.ok()) << m.status().ToString();
      auto out = (*m)->Run({}, {"cond/Merge:0", "cond/Merge:1"});
      ASSERT_TRUE(out.ok()) << out.status().ToString();
      ASSERT_EQ((*out)[0].dtype(), DataType::kInt32);
      EXPECT_EQ((*out)[0].flat<int32_t>()[0], 34);
      EXPECT_EQ((*out)[1].flat<int32_t>()[0], 1);  // value_index: the true branch
      // The untaken branch is dead: fetching it is an error naming the tensor.
      auto dead = (*m)->Run({}, {"cond/Add:0"});
      ASSERT_FALSE(dead.ok());
      EXPECT_NE(dead.status().message().find("'cond/Add:0'"), std::string::npos)
          << dead.status().ToString();
    } else {
      ASSERT_FALSE(m.ok()) << name << " loaded without its variables";
      EXPECT_NE(m.status().message().find(meta), std::string::npos) << m.status().ToString();
      EXPECT_NE(m.status().message().find("checkpoint"), std::string::npos)
          << m.status().ToString();
    }
  }
}

}  // namespace
}  // namespace tfmodel::interop
