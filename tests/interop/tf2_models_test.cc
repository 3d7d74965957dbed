// TF2 SavedModels loaded with tfmodel::Model: the corpus's and the zoo tf2_models.py writes, run
// against what TensorFlow 2.21 computed, the values MANIFEST.md states, and the CLI on them.
// The run writes docs/compatibility.md (TFMODEL_COMPAT_DOC): one row per model.
//
// Cases come from $TFMODEL_INTEROP_TF2_DIR (ctest sets it; interop_tf2_models_write fills it).
// A missing variable or case is a failure, never a skip.
#include <atomic>
#include <cmath>
#include <fstream>
#include <set>
#include <thread>

#include "model_case.h"

namespace tfmodel::interop {
namespace {

namespace fs = std::filesystem;

constexpr const char* kEnvVar = "TFMODEL_INTEROP_TF2_DIR";
const fs::path kCorpus = TFMODEL_CORPUS_DIR;
const std::string kServing = "tensorflow-serving/servables/tensorflow/testdata";

fs::path Root() {
  const char* v = std::getenv(kEnvVar);
  return v ? fs::path(v) : fs::path();
}

std::vector<fs::path> Cases(const std::string& group) {
  if (Root().empty() || !fs::exists(Root() / group)) return {};
  return FindCaseDirs(Root() / group);
}

// ---- Against TensorFlow -------------------------------------------------------------------------

// The largest errors of `got` against `want` over every float element: absolute, and relative
// to |want| + 0.01 (so that values near zero do not dominate).
struct Errors {
  double abs = 0, rel = 0;
  void Add(const Errors& e) {
    abs = std::max(abs, e.abs);
    rel = std::max(rel, e.rel);
  }
};

Errors MaxErrors(const Tensor& got, const Tensor& want) {
  Errors e;
  auto run = [&](auto tag) {
    using T = decltype(tag);
    auto g = got.flat<T>();
    auto w = want.flat<T>();
    for (size_t i = 0; i < w.size(); ++i) {
      double d = std::fabs(static_cast<double>(g[i]) - static_cast<double>(w[i]));
      if (std::isnan(d))
        d = std::isnan(static_cast<double>(g[i])) && std::isnan(static_cast<double>(w[i]))
                ? 0
                : INFINITY;
      e.abs = std::max(e.abs, d);
      e.rel = std::max(e.rel, d / (std::fabs(static_cast<double>(w[i])) + 0.01));
    }
  };
  if (got.dtype() == want.dtype() && got.shape() == want.shape()) {
    if (want.dtype() == DataType::kFloat) run(float{});
    if (want.dtype() == DataType::kDouble) run(double{});
  }
  return e;
}

struct Row {
  std::string group, name, model;
  bool pass = false;
  Errors errors;
  std::string note;
};

// Loads a case's model and replays its steps: EXPECTs every output within the case's
// tolerance (model_case.h) and returns the row for the compatibility table.
Row RunCase(const std::string& group, const fs::path& dir) {
  Row row;
  row.group = group;
  row.name = dir.filename().string();
  Result<ModelCase> loaded = LoadModelCase(dir);
  if (!loaded.ok()) {
    ADD_FAILURE() << loaded.status().ToString();
    row.note = loaded.status().ToString();
    return row;
  }
  const ModelCase& c = *loaded;
  row.model = c.model;
  SCOPED_TRACE("case " + c.name + ": " + c.model);
  const int failures_before = testing::UnitTest::GetInstance()->failed_test_count();
  auto model = Model::Load(c.model, c.load);
  if (!model.ok()) {
    ADD_FAILURE() << model.status().ToString();
    row.note = model.status().ToString();
    return row;
  }
  bool pass = true;
  for (size_t i = 0; i < c.steps.size(); ++i) {
    const Step& step = c.steps[i];
    std::map<std::string, Tensor> inputs;
    for (const StepTensor& f : step.feeds) inputs[f.name] = StepValue(c, f).value();
    std::vector<std::string> keys;
    for (const StepTensor& f : step.fetches) keys.push_back(f.name);
    auto out = (*model)->RunSignature(step.key, inputs, keys);
    if (!out.ok()) {
      ADD_FAILURE() << "step " << i << " (" << step.key << "): " << out.status().ToString();
      row.note = out.status().ToString();
      return row;
    }
    for (const StepTensor& f : step.fetches) {
      Tensor want = StepValue(c, f).value();
      const Tensor& got = out->at(f.name);
      row.errors.Add(MaxErrors(got, want));
      std::string diff = CompareClose(got, want, c.rtol, c.atol);
      if (!diff.empty()) {
        pass = false;
        ADD_FAILURE() << "step " << i << " (" << step.key << ") output " << f.name << ": " << diff;
      }
    }
  }
  row.pass = pass && testing::UnitTest::GetInstance()->failed_test_count() == failures_before;
  return row;
}

std::string Sci(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1e", v);
  return buf;
}

void WriteCompatibility(const std::vector<Row>& rows) {
  std::ofstream f(TFMODEL_COMPAT_DOC);
  ASSERT_TRUE(f) << "cannot write " << TFMODEL_COMPAT_DOC;
  f << "# TF2 SavedModel compatibility\n\n"
       "Written by `tests/interop/tf2_models_test.cc` (ctest `interop_tf2_models`): each model is "
       "loaded with `tfmodel::Model::Load` and its signatures are run on the inputs "
       "`tests/interop/tf2_models.py` gave TensorFlow 2.21; every output is compared with "
       "TensorFlow's. *corpus* models are the TF2 SavedModels of the real corpus "
       "(`../shared/corpus/real`, run by TensorFlow's session loader); *zoo* models are written "
       "by TF 2.21 + Keras 3 with random weights (`keras.Model.export`, `tf.saved_model.save`).\n\n"
       "Pass: every float output within |tfmodel - TF| <= atol + rtol |TF| (corpus 1e-6 + 1e-5 "
       "except lexci 1e-5 + 1e-4, "
       "zoo 1e-5 + 1e-4); other dtypes exactly. Max rel. error is |tfmodel - TF| / (|TF| + 0.01) "
       "over all outputs.\n\n"
       "| group | model | result | max abs. error | max rel. error |\n"
       "|---|---|---|---|---|\n";
  for (const Row& r : rows) {
    f << "| " << r.group << " | " << r.name << " | " << (r.pass ? "pass" : "**FAIL**") << " | "
      << Sci(r.errors.abs) << " | " << Sci(r.errors.rel) << " |";
    if (!r.note.empty()) f << " " << r.note.substr(0, 200);
    f << "\n";
  }
}

TEST(Tf2Models, CasesArePresent) {
  ASSERT_FALSE(Root().empty()) << kEnvVar
                               << " is not set: it must name the directory "
                                  "tf2_models.py filled (ctest -L interop sets it)";
  std::set<std::string> have;
  for (const char* g : {"corpus", "zoo"}) {
    for (const fs::path& d : Cases(g)) have.insert(std::string(g) + "/" + d.filename().string());
  }
  for (const char* want : {"corpus/half_plus_two_tf2",
                           "corpus/rust_regression_savedmodel",
                           "corpus/rust_keras_single_input",
                           "corpus/rust_keras_multiple_inputs",
                           "corpus/cppflow_load_model",
                           "corpus/cppflow_multi_input_output",
                           "corpus/cppflow_lexci",
                           "corpus/java_python_tf_function",
                           "corpus/tfnet_simple_model",
                           "corpus/tfnet_python_func_model",
                           "corpus/tfnet_lstm_from_sequential",
                           "corpus/tfnet_leak_test_model",
                           "zoo/mlp",
                           "zoo/cnn",
                           "zoo/mobilenet_v2",
                           "zoo/resnet50",
                           "zoo/text_lstm",
                           "zoo/gru",
                           "zoo/transformer",
                           "zoo/tf_module"}) {
    EXPECT_TRUE(have.count(want)) << "case " << want << " missing under " << Root();
  }
}

TEST(Tf2Models, MatchTensorFlowAndWriteCompatibility) {
  ASSERT_FALSE(Root().empty()) << kEnvVar << " is not set";
  std::vector<Row> rows;
  for (const char* g : {"corpus", "zoo"}) {
    for (const fs::path& d : Cases(g)) rows.push_back(RunCase(g, d));
  }
  ASSERT_FALSE(rows.empty()) << "no cases under " << Root();
  WriteCompatibility(rows);
}

// fingerprint.pb as InspectModel reads it, against TensorFlow's read_fingerprint.
TEST(Tf2Models, FingerprintsMatchTensorFlow) {
  int checked = 0;
  for (const fs::path& d : Cases("corpus")) {
    if (!fs::exists(d / "fingerprint.json")) continue;
    SCOPED_TRACE(d.string());
    Result<ModelCase> c = LoadModelCase(d);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    auto info = InspectModel(c->model);
    ASSERT_TRUE(info.ok()) << info.status().ToString();
    ASSERT_TRUE(info->has_fingerprint);
    const SavedModelFingerprint& f = info->fingerprint;
    nlohmann::json want = nlohmann::json::parse(ReadWholeFile(d / "fingerprint.json").value());
    EXPECT_EQ(f.saved_model_checksum, want["saved_model_checksum"].get<uint64_t>());
    EXPECT_EQ(f.graph_def_program_hash, want["graph_def_program_hash"].get<uint64_t>());
    EXPECT_EQ(f.signature_def_hash, want["signature_def_hash"].get<uint64_t>());
    EXPECT_EQ(f.saved_object_graph_hash, want["saved_object_graph_hash"].get<uint64_t>());
    EXPECT_EQ(f.checkpoint_hash, want["checkpoint_hash"].get<uint64_t>());
    EXPECT_EQ(f.producer, want["version"].get<int>());
    EXPECT_EQ(f.singleprint, want["singleprint"].get<std::string>());
    ++checked;
  }
  EXPECT_GE(checked, 3) << "corpus models with a fingerprint.pb";
}

// ---- What MANIFEST.md states --------------------------------------------------------------------

Tensor Floats(std::vector<float> v, Shape shape) { return Tensor::FromVector<float>(v, shape); }

std::unique_ptr<Model> LoadCorpus(const std::string& rel) {
  auto m = Model::Load((kCorpus / rel).string());
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? std::move(m).value() : nullptr;
}

TEST(Tf2Stated, HalfPlusTwoPredictsAndUsesTheDefaultInput) {
  auto m = LoadCorpus(kServing + "/saved_model_half_plus_two_tf2_cpu/00000123");
  ASSERT_TRUE(m);
  auto y = m->RunSignature("serving_default", {{"x", Floats({2.0f}, Shape{1})}});
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  EXPECT_EQ(y->at("y").flat<float>()[0], 3.0f);
  // No inputs: the signature's default x=[0] -> y=[2] with shape [1].
  auto d = m->RunSignature("serving_default", {});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->at("y").shape(), Shape{1});
  EXPECT_EQ(d->at("y").flat<float>()[0], 2.0f);
  EXPECT_EQ(m->signatures().at("serving_default").defaults.count("x"), 1u);
}

TEST(Tf2Stated, CppflowLoadModelOnes) {
  auto m = LoadCorpus("cppflow/examples/load_model/model");
  ASSERT_TRUE(m);
  std::vector<float> ones(50, 1.0f);
  auto out = m->RunSignature("serving_default", {{"input_1", Floats(ones, Shape{10, 5})}});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const Tensor& y = out->begin()->second;
  ASSERT_EQ(y.shape(), (Shape{10, 1}));
  for (float v : y.flat<float>()) EXPECT_NEAR(v, 0.9522027f, 1e-6);
}

TEST(Tf2Stated, CppflowMultiInputOutput) {
  auto m = LoadCorpus("cppflow/examples/multi_input_output/model");
  ASSERT_TRUE(m);
  auto out = m->RunSignature("serving_default",
                             {{"my_input_1", Floats(std::vector<float>(5, 1), Shape{1, 5})},
                              {"my_input_2", Floats(std::vector<float>(5, -1), Shape{1, 5})}});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_NEAR(out->at("my_outputs_1").flat<float>()[0], 0.5527571f, 1e-6);
  EXPECT_NEAR(out->at("my_outputs_2").flat<float>()[0], 0.4889577f, 1e-6);
}

TEST(Tf2Stated, JavaPythonTfFunction) {
  auto m = LoadCorpus("tensorflow-java/saved_model_using_python/model");
  ASSERT_TRUE(m);
  auto add = m->RunSignature("add", {{"a", Tensor::Scalar(10.0f)}, {"b", Tensor::Scalar(15.5f)}});
  ASSERT_TRUE(add.ok()) << add.status().ToString();
  EXPECT_EQ(add->at("output_0").flat<float>()[0], 25.5f);
  auto v = m->RunSignature("get_variable", {{"dummy", Tensor::Scalar(1.0f)}});
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->at("output_0").flat<float>()[0], 2.0f);
}

// A Keras LSTM (a While loop over TensorLists in a function) run from several threads at once
// gives every thread the single-threaded result.
TEST(Tf2Stated, ConcurrentRunsAgree) {
  auto m = LoadCorpus("tensorflow-net/Assets/lstm_from_sequential");
  ASSERT_TRUE(m);
  std::vector<float> x(2 * 5 * 3);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.7f * static_cast<float>(i));
  const std::map<std::string, Tensor> in = {{"input_1", Floats(x, Shape{2, 5, 3})}};
  auto want = m->RunSignature("serving_default", in);
  ASSERT_TRUE(want.ok()) << want.status().ToString();
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        auto got = m->RunSignature("serving_default", in);
        if (!got.ok() || !got->at("dense").Equals(want->at("dense"))) ++mismatches;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

// ---- The CLI on TF2 SavedModels
// -------------------------------------------------------------------

TEST(Tf2Cli, RunUsesSignatureKeysAndDefaults) {
  const std::string dir =
      (kCorpus / kServing / "saved_model_half_plus_two_tf2_cpu/00000123").string();
  CliRun r = Exec("run '" + dir + "' --signature_def serving_default --input_exprs 'x=[2.0]'");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "Result for output key y:\n[3.]\n");
  CliRun d = Exec("run '" + dir + "' --signature_def serving_default");
  ASSERT_EQ(d.code, 0) << d.out;
  EXPECT_EQ(d.out, "Result for output key y:\n[2.]\n");
  CliRun bad = Exec("run '" + dir + "' --signature_def serving_default --inputs 'nope=x.npy'");
  EXPECT_NE(bad.code, 0);
}

TEST(Tf2Cli, ShowPrintsTheFingerprintAndNotesKerasMetadata) {
  const std::string dir =
      (kCorpus / kServing / "saved_model_half_plus_two_tf2_cpu/00000123").string();
  CliRun r = Exec("show '" + dir + "' --all");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("The SavedModel fingerprint (fingerprint.pb):\n  saved_model_checksum: "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  singleprint: "), std::string::npos) << r.out;
  const std::string keras = (kCorpus / "tensorflow-net/Assets/lstm_from_sequential").string();
  CliRun k = Exec("show '" + keras + "'");
  ASSERT_EQ(k.code, 0) << k.out;
  EXPECT_NE(k.out.find("tfmodel: ignoring " + keras + "/keras_metadata.pb"), std::string::npos)
      << k.out;
}

}  // namespace
}  // namespace tfmodel::interop
