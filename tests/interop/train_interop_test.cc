// Training with tfmodel's C++ API against TensorFlow 2.21 (tf_train_reference.py, the oracle):
//   OptimizerMatchesTensorFlow.<case>   the seed model and two MLPs trained 100 steps with every
//                                       tf.compat.v1 optimizer: loss per step, final variables
//                                       and slots (by TF's names) within 1e-5 relative
//   InitializerMatchesTensorFlow.<case> seeded initializers bit for bit (op seeds, graph seed)
//   ContinueFromTensorFlow.<kind>       TF's .meta + checkpoint imported, restored through its
//                                       SaverDef, TF's own train_op run: TF's trajectory
//   WriteForTensorFlow.<kind>           tfmodel trains the seed model and writes a checkpoint
//                                       (+ .meta, state file), a frozen pb and a SavedModel,
//                                       then continues training and records the trajectory:
//                                       tf_check_tfmodel_files.py makes TensorFlow load and
//                                       continue them.
// $TFMODEL_TRAIN_REF_DIR is TF's output, $TFMODEL_TRAIN_OUT_DIR ours (set by ctest).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "tests/interop/train_models.h"
#include "tfmodel/checkpoint.h"

namespace tfmodel::interop {
namespace {

namespace fs = std::filesystem;

std::string EnvDir(const char* name) {
  const char* d = std::getenv(name);
  return d == nullptr ? "" : d;
}
std::string RefDir() { return EnvDir("TFMODEL_TRAIN_REF_DIR"); }
std::string OutDir() { return EnvDir("TFMODEL_TRAIN_OUT_DIR"); }

Tensor Npy(const std::string& path) {
  auto t = ReadNpy(path);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? *t : Tensor();
}

std::map<std::string, Tensor> Data() {
  std::map<std::string, Tensor> d;
  for (const char* k : {"x", "y", "onehot"}) d[k] = Npy(RefDir() + "/data/" + k + ".npy");
  return d;
}

// 1e-5, or ten times what rounding moves TensorFlow itself by in this case (a 1-ulp nudge of
// the start values, measured by tf_train_reference.py) when that is more.
double Tolerance(const json& sensitivity, const std::string& key) {
  return std::max(kRelTol, 10 * sensitivity.value(key, 0.0));
}

// The value of every variable named in `files` ({name: npy file} in `dir`) compared with it,
// within max(1e-5, 10 * sensitivity[name]) when TF measured its own sensitivity to rounding.
void ExpectVariables(const Graph& g, Session& s, const std::string& dir, const json& files,
                     const std::string& what, const json& sensitivity = json::object()) {
  for (const auto& [name, file] : files.items()) {
    auto v = FindVariable(g, name);
    ASSERT_TRUE(v.ok()) << what << ": tfmodel has no variable " << name << " ("
                        << v.status().ToString() << ")";
    auto got = s.Fetch({}, v->value);
    ASSERT_TRUE(got.ok()) << what << ": " << name << ": " << got.status().ToString();
    EXPECT_EQ(
        CompareClose(*got, Npy(dir + "/" + file.get<std::string>()), Tolerance(sensitivity, name)),
        "")
        << what << ": variable " << name;
  }
}

// ---- 1. optimizers ---------------------------------------------------------------------------

class OptimizerCase : public testing::Test {
 public:
  explicit OptimizerCase(std::string name) : name_(std::move(name)) {}
  void TestBody() override {
    const std::string dir = RefDir() + "/optimizers/" + name_;
    const json c = ReadJsonFile(dir + "/case.json");
    ASSERT_TRUE(c.is_object()) << "cannot read " << dir << "/case.json";
    std::map<std::string, Tensor> init;
    for (const auto& [var, file] : c["init"].items()) {
      init[var] = Npy(dir + "/" + file.get<std::string>());
    }
    const std::string model = c["model"].get<std::string>();
    Graph g;
    Model m = BuildModel(g, model, init, c["use_resource"].get<bool>());
    auto opt = MakeOptimizer(c["optimizer"].get<std::string>(), c["params"]);
    ASSERT_NE(opt, nullptr);
    Operation train = opt->Minimize(m.loss);
    ASSERT_TRUE(g.status().ok()) << g.status().ToString();
    // The same variables, by TensorFlow's names (slots "beta/Adam", "beta/Adam_1",
    // "beta1_power", "w1/RMSProp_2", ...).
    std::set<std::string> want_names, got_names;
    for (const auto& [var, file] : c["final"].items()) want_names.insert(var);
    for (const Variable& v : GlobalVariables(g)) {
      got_names.insert(v.name);
      EXPECT_EQ(v.is_resource, c["use_resource"].get<bool>()) << v.name;
    }
    EXPECT_EQ(got_names, want_names);

    const std::map<std::string, Tensor> data = Data();
    const Tensor& labels = data.at(model == "mlp_softmax" ? "onehot" : "y");
    Session s(g);
    ASSERT_TRUE(s.Run(GlobalVariablesInitializer(g)).ok());
    const Tensor want_loss = Npy(dir + "/loss.npy");
    const int steps = c["steps"].get<int>();
    ASSERT_EQ(want_loss.NumElements(), steps);
    std::vector<float> losses;
    for (int step = 0; step < steps; ++step) {
      Session::Feeds feeds = {{m.input, data.at("x")}, {m.label, labels}};
      auto loss = s.Fetch(feeds, m.loss);
      ASSERT_TRUE(loss.ok()) << "step " << step << ": " << loss.status().ToString();
      losses.push_back(loss->flat<float>()[0]);
      Status st = s.Run(feeds, {train});
      ASSERT_TRUE(st.ok()) << "step " << step << ": " << st.ToString();
    }
    const Tensor got_loss = Tensor::FromVector<float>(losses, Shape{steps});
    EXPECT_EQ(CompareSeries(got_loss, want_loss, Tolerance(c["sensitivity"], "loss")), "")
        << "loss per step";
    ExpectVariables(g, s, dir, c["final"], name_, c["sensitivity"]);
    // Ours beside TF's, for diffing a failure: $TFMODEL_TRAIN_OUT_DIR/optimizers/<case>/.
    const std::string out = OutDir() + "/optimizers/" + name_;
    fs::create_directories(out);
    ASSERT_TRUE(WriteNpy(out + "/loss.npy", got_loss).ok());
    for (const auto& [var, file] : c["final"].items()) {
      auto v = FindVariable(g, var);
      auto value = v.ok() ? s.Fetch({}, v->value) : Result<Tensor>(v.status());
      if (value.ok()) {
        ASSERT_TRUE(WriteNpy(out + "/" + file.get<std::string>(), *value).ok());
      }
    }
  }

 private:
  std::string name_;
};

// ---- 2. initializers -------------------------------------------------------------------------

Initializer MakeInitializer(const json& spec) {
  std::optional<int64_t> seed;
  if (!spec["seed"].is_null()) seed = spec["seed"].get<int64_t>();
  const std::string kind = spec["init"].get<std::string>();
  const json& a = spec["args"];
  if (kind == "glorot_normal") return GlorotNormal(seed);
  if (kind == "glorot_uniform") return GlorotUniform(seed);
  if (kind == "truncated_normal") {
    return TruncatedNormalInitializer(a["mean"].get<double>(), a["stddev"].get<double>(), seed);
  }
  if (kind == "random_normal") {
    return RandomNormalInitializer(a["mean"].get<double>(), a["stddev"].get<double>(), seed);
  }
  return RandomUniformInitializer(a["minval"].get<double>(), a["maxval"].get<double>(), seed);
}

class InitializerCase : public testing::Test {
 public:
  explicit InitializerCase(std::string name) : name_(std::move(name)) {}
  void TestBody() override {
    const std::string dir = RefDir() + "/initializers/" + name_;
    const json c = ReadJsonFile(dir + "/case.json");
    ASSERT_TRUE(c.is_object()) << "cannot read " << dir << "/case.json";
    Graph g;
    if (!c["graph_seed"].is_null()) g.SetRandomSeed(c["graph_seed"].get<int64_t>());
    std::vector<Variable> vars;
    for (const json& spec : c["vars"]) {
      auto dtype = DataTypeFromName(spec["dtype"].get<std::string>());
      ASSERT_TRUE(dtype.ok());
      vars.push_back(GetVariable(g, spec["name"].get<std::string>(),
                                 spec["shape"].get<std::vector<int64_t>>(), MakeInitializer(spec),
                                 {.dtype = *dtype}));
    }
    ASSERT_TRUE(g.status().ok()) << g.status().ToString();
    Session s(g);
    ASSERT_TRUE(s.Run(GlobalVariablesInitializer(g)).ok());
    for (size_t i = 0; i < vars.size(); ++i) {
      const json& spec = c["vars"][i];
      auto got = s.Fetch({}, vars[i].value);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      const Tensor want = Npy(dir + "/" + spec["file"].get<std::string>());
      EXPECT_TRUE(got->Equals(want)) << spec.dump() << ": not bit-identical to TensorFlow's\n got  "
                                     << got->DebugString(6) << "\n want " << want.DebugString(6);
    }
  }

 private:
  std::string name_;
};

// ---- 4b. continuing TensorFlow's training ------------------------------------------------------

class ContinueCase : public testing::Test {
 public:
  explicit ContinueCase(std::string kind) : kind_(std::move(kind)) {}
  void TestBody() override {
    const std::string dir = RefDir() + "/tf_ckpt/" + kind_;
    const json c = ReadJsonFile(dir + "/case.json");
    ASSERT_TRUE(c.is_object()) << "cannot read " << dir << "/case.json";
    auto latest = LatestCheckpoint(dir + "/ckpt");
    ASSERT_TRUE(latest.ok()) << latest.status().ToString();
    const std::string step = std::to_string(c["checkpoint_step"].get<int>());
    ASSERT_TRUE(latest->ends_with("test-model-" + step)) << *latest;
    Graph g;
    auto imported = ImportMetaGraph(g, *latest + ".meta");
    ASSERT_TRUE(imported.ok()) << imported.status().ToString();
    ASSERT_TRUE(imported->saver.has_value());
    // The restored variables are TF's: trainable beta and bias, slots, global_step.
    std::set<std::string> trainable;
    for (const Variable& v : TrainableVariables(g)) trainable.insert(v.name);
    EXPECT_EQ(trainable, (std::set<std::string>{"beta", "bias"}));
    Saver saver = Saver::FromSaverDef(g, imported->saver->saver_def());
    ASSERT_TRUE(saver.status().ok()) << saver.status().ToString();
    Session s(g);
    Status st = saver.Restore(s, *latest);
    ASSERT_TRUE(st.ok()) << st.ToString();
    auto gs = FindVariable(g, "global_step");
    ASSERT_TRUE(gs.ok());
    auto gs_value = s.Fetch({}, gs->value);
    ASSERT_TRUE(gs_value.ok()) << gs_value.status().ToString();
    EXPECT_EQ(gs_value->flat<int64_t>()[0], c["checkpoint_step"].get<int64_t>());

    auto loss = g.TensorByName(c["loss"].get<std::string>());
    auto train = g.OperationByName(c["train_op"].get<std::string>());
    auto x = g.TensorByName(c["input"].get<std::string>());
    auto y = g.TensorByName(c["label"].get<std::string>());
    ASSERT_TRUE(loss.ok() && train.ok() && x.ok() && y.ok());
    const auto& train_ops = imported->collections["train_op"];
    EXPECT_NE(std::find(train_ops.begin(), train_ops.end(), train->name()), train_ops.end());
    const std::map<std::string, Tensor> data = Data();
    const int steps = c["steps"].get<int>();
    std::vector<float> losses;
    for (int i = 0; i < steps; ++i) {
      Session::Feeds feeds = {{*x, data.at("x")}, {*y, data.at("y")}};
      auto l = s.Fetch(feeds, *loss);
      ASSERT_TRUE(l.ok()) << l.status().ToString();
      losses.push_back(l->flat<float>()[0]);
      st = s.Run(feeds, {*train});
      ASSERT_TRUE(st.ok()) << "running TF's " << train->name() << ": " << st.ToString();
    }
    EXPECT_EQ(
        CompareSeries(Tensor::FromVector<float>(losses, Shape{steps}), Npy(dir + "/loss.npy")), "")
        << "loss per step";
    ExpectVariables(g, s, dir, c["final"], "continued " + kind_);

    // TF's own save ops write the continued state; a fresh import restores exactly that.
    const std::string out = OutDir() + "/continued_" + kind_;
    std::error_code ec;
    fs::remove_all(out, ec);
    fs::create_directories(out);
    const int64_t end = c["checkpoint_step"].get<int64_t>() + steps;
    auto saved = saver.Save(s, out + "/test-model", end);
    ASSERT_TRUE(saved.ok()) << saved.status().ToString();
    Graph g2;
    auto again = ImportMetaGraph(g2, *saved + ".meta");
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    Session s2(g2);
    st = again->saver->Restore(s2, *saved);
    ASSERT_TRUE(st.ok()) << st.ToString();
    for (const Variable& v : GlobalVariables(g)) {
      auto want = s.Fetch({}, v.value);
      auto v2 = FindVariable(g2, v.name);
      ASSERT_TRUE(want.ok() && v2.ok()) << v.name;
      auto got = s2.Fetch({}, v2->value);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      EXPECT_TRUE(got->Equals(*want)) << "re-saved " << v.name;
    }
  }

 private:
  std::string kind_;
};

// ---- 3, 4a. files for TensorFlow -------------------------------------------------------------

constexpr int kCheckpointStep = 5;
constexpr int kContinueSteps = 10;

void SaveNpy(const std::string& path, const Tensor& t) {
  Status st = WriteNpy(path, t);
  ASSERT_TRUE(st.ok()) << st.ToString();
}

class WriteCase : public testing::Test {
 public:
  explicit WriteCase(std::string kind) : kind_(std::move(kind)) {}
  void TestBody() override {
    const std::string dir = OutDir() + "/" + kind_;
    std::error_code ec;
    fs::remove_all(dir, ec);
    fs::create_directories(dir + "/ckpt");
    fs::create_directories(dir + "/pb");
    const std::map<std::string, Tensor> data = Data();
    // The seed workflow: glorot_normal variables (graph seed), Adam(0.001, 0.9, 0.999, 1e-8).
    Graph g;
    g.SetRandomSeed(1234);
    Model m = BuildModel(g, "linear", {}, kind_ == "resource");
    Variable global_step = GetOrCreateGlobalStep(g);
    Operation train = AdamOptimizer(0.001, 0.9, 0.999, 1e-8).Minimize(m.loss, {}, &global_step);
    Saver saver(g, {.max_to_keep = 1});
    ASSERT_TRUE(g.status().ok()) << g.status().ToString();
    ASSERT_TRUE(saver.status().ok()) << saver.status().ToString();
    Session s(g);
    ASSERT_TRUE(s.Run(GlobalVariablesInitializer(g)).ok());
    const Session::Feeds feeds = {{m.input, data.at("x")}, {m.label, data.at("y")}};
    std::string prefix;
    for (int step = 1; step <= kCheckpointStep; ++step) {
      ASSERT_TRUE(s.Run(feeds, {train}).ok());
      auto saved = saver.Save(s, dir + "/ckpt/test-model", step);
      ASSERT_TRUE(saved.ok()) << saved.status().ToString();
      prefix = *saved;
    }
    // max_to_keep=1: only the last checkpoint is left, and the state file names only it.
    EXPECT_EQ(prefix, dir + "/ckpt/test-model-" + std::to_string(kCheckpointStep));
    std::set<std::string> files;
    for (const auto& e : fs::directory_iterator(dir + "/ckpt")) files.insert(e.path().filename());
    const std::string base = "test-model-" + std::to_string(kCheckpointStep);
    EXPECT_EQ(files, (std::set<std::string>{"checkpoint", base + ".index", base + ".meta",
                                            base + ".data-00000-of-00001"}));
    auto state = ReadCheckpointState(dir + "/ckpt");
    ASSERT_TRUE(state.ok()) << state.status().ToString();
    EXPECT_EQ(state->model_checkpoint_path, prefix);
    EXPECT_EQ(state->all_model_checkpoint_paths, std::vector<std::string>{prefix});

    auto out = s.Fetch({{m.input, data.at("x")}}, m.output);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    SaveNpy(dir + "/out_ckpt.npy", *out);
    // (b) convert_variables_to_constants with the tutorial's names.
    Status st =
        FreezeGraph(s, {"input", "label", "beta", "bias", "output"}, dir + "/pb/test-model.pb");
    ASSERT_TRUE(st.ok()) << st.ToString();
    // (c) SavedModelBuilder at DIR/1, tag serve, serving_default {"input"} -> {"output"}.
    {
      SavedModelBuilder builder(dir + "/saved_model/1");
      SavedModelBuilder::MetaGraphOptions options;
      options.signature_def_map[kDefaultServingSignatureKey] = {.inputs = {{"input", m.input}},
                                                                .outputs = {{"output", m.output}}};
      st = builder.AddMetaGraphAndVariables(s, {kServingTag}, options);
      ASSERT_TRUE(st.ok()) << st.ToString();
      auto path = builder.Save();
      ASSERT_TRUE(path.ok()) << path.status().ToString();
    }

    // 4a: our trajectory from the saved state, for TensorFlow to reproduce from the checkpoint.
    std::vector<float> losses;
    for (int i = 0; i < kContinueSteps; ++i) {
      auto l = s.Fetch(feeds, m.loss);
      ASSERT_TRUE(l.ok()) << l.status().ToString();
      losses.push_back(l->flat<float>()[0]);
      ASSERT_TRUE(s.Run(feeds, {train}).ok());
    }
    SaveNpy(dir + "/loss.npy", Tensor::FromVector<float>(losses, Shape{kContinueSteps}));
    json c = {{"loss", m.loss.name()},
              {"train_op", train.name()},
              {"input", m.input.name()},
              {"label", m.label.name()},
              {"output", m.output.name()},
              {"steps", kContinueSteps},
              {"checkpoint_step", kCheckpointStep},
              {"use_resource", kind_ == "resource"}};
    int k = 0;
    for (const Variable& v : GlobalVariables(g)) {
      auto value = s.Fetch({}, v.value);
      ASSERT_TRUE(value.ok()) << v.name << ": " << value.status().ToString();
      const std::string file = "final_" + std::to_string(k++) + ".npy";
      SaveNpy(dir + "/" + file, *value);
      c["final"][v.name] = file;
      c["trainable"][v.name] = v.trainable;
    }
    std::ofstream(dir + "/case.json") << c.dump(1);

    // Our own readers agree with what we wrote (TensorFlow's verdict is the next test).
    {
      Graph g2;
      ImportGraphDefOptions o;
      o.return_elements = {"input:0", "output:0"};
      auto io = ImportGraphDef(g2, dir + "/pb/test-model.pb", o);
      ASSERT_TRUE(io.ok()) << io.status().ToString();
      EXPECT_EQ((*io)[0].name(), "import/input:0");
      Session s2(g2);
      auto frozen = s2.Fetch({{(*io)[0], data.at("x")}}, (*io)[1]);
      ASSERT_TRUE(frozen.ok()) << frozen.status().ToString();
      EXPECT_TRUE(frozen->Equals(*out));
    }
    {
      Graph g3;
      Session s3(g3);
      auto loaded = LoadSavedModel(s3, {kServingTag}, dir + "/saved_model");
      ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
      const SignatureDef& sig = loaded->signatures.at(kDefaultServingSignatureKey);
      auto served = s3.Fetch({{sig.inputs.at("input"), data.at("x")}}, sig.outputs.at("output"));
      ASSERT_TRUE(served.ok()) << served.status().ToString();
      EXPECT_TRUE(served->Equals(*out));
    }
  }

 private:
  std::string kind_;
};

TEST(TrainInterop, ReferencePresent) {
  ASSERT_FALSE(RefDir().empty()) << "TFMODEL_TRAIN_REF_DIR is not set: run `ctest -L interop` "
                                    "(interop_train_tf writes TensorFlow's results)";
  ASSERT_FALSE(OutDir().empty()) << "TFMODEL_TRAIN_OUT_DIR is not set";
  const json cases = ReadJsonFile(RefDir() + "/cases.json");
  ASSERT_TRUE(cases.is_object()) << "no cases.json in " << RefDir();
  EXPECT_EQ(cases["optimizers"].size(), 48u);
  EXPECT_EQ(cases["initializers"].size(), 4u);
}

}  // namespace
}  // namespace tfmodel::interop

int main(int argc, char** argv) {
  using tfmodel::interop::json;
  testing::InitGoogleTest(&argc, argv);
  const json cases = tfmodel::interop::ReadJsonFile(tfmodel::interop::RefDir() + "/cases.json");
  auto add = [](const char* suite, const std::string& name, auto factory) {
    testing::RegisterTest(suite, name.c_str(), nullptr, nullptr, __FILE__, __LINE__,
                          [=]() -> testing::Test* { return factory(name); });
  };
  if (cases.is_object()) {
    for (const json& c : cases["optimizers"]) {
      add("OptimizerMatchesTensorFlow", c.get<std::string>(),
          [](const std::string& n) { return new tfmodel::interop::OptimizerCase(n); });
    }
    for (const json& c : cases["initializers"]) {
      add("InitializerMatchesTensorFlow", c.get<std::string>(),
          [](const std::string& n) { return new tfmodel::interop::InitializerCase(n); });
    }
    for (const json& c : cases["tf_ckpt"]) {
      add("ContinueFromTensorFlow", c.get<std::string>(),
          [](const std::string& n) { return new tfmodel::interop::ContinueCase(n); });
    }
  }
  for (const char* kind : {"ref", "resource"}) {
    add("WriteForTensorFlow", kind,
        [](const std::string& n) { return new tfmodel::interop::WriteCase(n); });
  }
  return RUN_ALL_TESTS();
}
