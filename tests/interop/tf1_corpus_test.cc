// The TF1 models of the real corpus, loaded with tfmodel::Model, against what TensorFlow 2.21
// computed from the same inputs (tf_run_corpus.py), and `tfmodel show` against saved_model_cli.
//
// The cases are found under $TFMODEL_INTEROP_CORPUS_DIR (ctest sets it; the interop_tf_run_corpus
// test fills it). A missing variable, directory or case is a failure, never a skip; a case whose
// ops another branch brings (RandomUniform) is skipped, naming them.
#include <sys/wait.h>

#include <array>
#include <cstdio>
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

struct CliRun {
  int code = -1;
  std::string out;
};

CliRun Exec(const std::string& args) {
  std::string cmd = std::string(TFMODEL_CLI) + " " + args + " 2>&1";
  CliRun r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find('\n', start);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// "The MetaGraph with tag set [...] contains the following ops: {'A', 'B'}": Python prints a set,
// whose order is arbitrary, so the ops compare as a set.
constexpr std::string_view kOpsMarker = " contains the following ops: ";

std::pair<std::string, std::set<std::string>> SplitOpsLine(const std::string& line) {
  size_t at = line.find(kOpsMarker);
  std::set<std::string> ops;
  std::string rest = line.substr(at + kOpsMarker.size());
  for (size_t q = rest.find('\''); q != std::string::npos; q = rest.find('\'', q)) {
    size_t e = rest.find('\'', q + 1);
    if (e == std::string::npos) break;
    ops.insert(rest.substr(q + 1, e - q - 1));
    q = e + 1;
  }
  return {line.substr(0, at), ops};
}

void ExpectSameShowOutput(const std::string& got, const std::string& want) {
  std::vector<std::string> g = Lines(got), w = Lines(want);
  for (size_t i = 0; i < std::max(g.size(), w.size()); ++i) {
    const std::string gl = i < g.size() ? g[i] : "<missing>";
    const std::string wl = i < w.size() ? w[i] : "<missing>";
    if (wl.find(kOpsMarker) != std::string::npos && gl.find(kOpsMarker) != std::string::npos) {
      EXPECT_EQ(SplitOpsLine(gl), SplitOpsLine(wl)) << "line " << i + 1;
      continue;
    }
    if (gl != wl) {
      ADD_FAILURE() << "line " << i + 1 << " differs\n  tfmodel:         \"" << gl
                    << "\"\n  saved_model_cli: \"" << wl << "\"\nwhole tfmodel output:\n"
                    << got;
      return;
    }
  }
}

std::vector<std::string> ShowCases() {
  std::vector<std::string> out;
  for (const std::string& name : CaseDirNames(kEnvVar)) {
    if (fs::exists(Root() / name / "saved_model_cli.txt")) out.push_back(name);
  }
  return out;
}

class Tf1CorpusShow : public testing::TestWithParam<std::string> {};

TEST_P(Tf1CorpusShow, MatchesSavedModelCli) {
  Result<ModelCase> c = LoadModelCase(Root() / GetParam());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_FALSE(c->saved_model_dir.empty());
  CliRun all = Exec("show '" + c->saved_model_dir + "' --all");
  ASSERT_EQ(all.code, 0) << all.out;
  Result<std::string> want_all = ReadWholeFile(c->dir / "saved_model_cli.txt");
  ASSERT_TRUE(want_all.ok());
  ExpectSameShowOutput(all.out, *want_all);
  CliRun tags = Exec("show '" + c->saved_model_dir + "'");
  ASSERT_EQ(tags.code, 0) << tags.out;
  Result<std::string> want_tags = ReadWholeFile(c->dir / "saved_model_cli_tags.txt");
  ASSERT_TRUE(want_tags.ok());
  EXPECT_EQ(tags.out, *want_tags);
}

INSTANTIATE_TEST_SUITE_P(Corpus, Tf1CorpusShow, testing::ValuesIn(ShowCases()),
                         [](const testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Tf1CorpusShow);

// TensorFlow.NET's bare graph/*.meta (no checkpoints): `tfmodel show` summarises every one; those
// with variables refuse to load without a checkpoint, naming the .meta; cond_test (no variables)
// loads. (Running them with values TF assigned: the tfnet_* cases above.)
TEST(Tf1Corpus, TensorflowNetGraphsShowAndLoad) {
  for (const char* name : {"xor", "cond_test", "kmeans", "word2vec"}) {
    const std::string meta = kCorpus + "/tensorflow-net/graph/" + name + ".meta";
    CliRun show = Exec("show '" + meta + "'");
    EXPECT_EQ(show.code, 0) << name << ": " << show.out;
    EXPECT_NE(show.out.find("MetaGraphDef " + meta), std::string::npos) << show.out;
    EXPECT_NE(show.out.find("Inputs (placeholders): "), std::string::npos) << show.out;
    auto m = Model::Load(meta);
    if (std::string(name) == "cond_test") {
      EXPECT_TRUE(m.ok()) << m.status().ToString();
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
