// The seed tutorial's fine-tuning semantics and bad input to the training API (no oracle: the
// expectations are what the formats and the maths imply).
//   FineTune.*   from a frozen pb the imported weights are Consts and stay bit-identical while a
//                new sigmoid/log_loss layer trains; from a checkpoint the restored variables are
//                trainable and change, unless excluded via var_list or SetTrainable(false).
//   BadInput.*   a loss that does not depend on a var_list variable, an integer variable, saving
//                into a missing or read-only directory, freezing an unknown output, exporting
//                into an existing directory: a clear error, and what was saved before survives.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "tests/interop/train_models.h"
#include "tfmodel/checkpoint.h"

namespace tfmodel::interop {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    path_ = (fs::temp_directory_path() / ("tfmodel_train_" + std::to_string(getpid()) + "_" +
                                          info->test_suite_name() + "_" + info->name()))
                .string();
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    for (const auto& e : fs::recursive_directory_iterator(path_, ec)) {
      if (e.is_directory()) {
        fs::permissions(e.path(), fs::perms::owner_all, fs::perm_options::add, ec);
      }
    }
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Deterministic inputs: x[i][j] = sin(i * 10 + j), y = sum of the row / 4 + 0.5.
Tensor X(int rows) {
  std::vector<float> v;
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < 10; ++j) v.push_back(static_cast<float>(std::sin(i * 10.0 + j)));
  }
  return FloatMatrix(v, rows, 10);
}
Tensor Y(int rows) {
  const Tensor x = X(rows);
  std::vector<float> v;
  for (int i = 0; i < rows; ++i) {
    float s = 0;
    for (int j = 0; j < 10; ++j) s += x.flat<float>()[i * 10 + j];
    v.push_back(s / 4 + 0.5f);
  }
  return FloatMatrix(v, rows, 1);
}
// The tutorial's new labels.
Tensor Z() { return FloatMatrix({1, 1, 0, 0, 1, 1, 0, 0}, 8, 1); }

Tensor Value(Session& s, const Output& t) {
  auto v = s.Fetch({}, t);
  EXPECT_TRUE(v.ok()) << t.name() << ": " << v.status().ToString();
  return v.ok() ? *v : Tensor();
}

// The seed model trained `steps` Adam steps; returns the trained values of beta and bias.
struct Trained {
  Graph g;
  Model m;
  Operation train;
  std::unique_ptr<Session> session;
};
Trained TrainSeedModel(int steps, bool use_resource = false) {
  Trained t;
  t.g.SetRandomSeed(99);
  t.m = BuildModel(t.g, "linear", {}, use_resource);
  t.train = AdamOptimizer(0.01).Minimize(t.m.loss);
  EXPECT_TRUE(t.g.status().ok()) << t.g.status().ToString();
  t.session = std::make_unique<Session>(t.g);
  EXPECT_TRUE(t.session->Run(GlobalVariablesInitializer(t.g)).ok());
  for (int i = 0; i < steps; ++i) {
    EXPECT_TRUE(t.session->Run({{t.m.input, X(8)}, {t.m.label, Y(8)}}, {t.train}).ok());
  }
  return t;
}

// The tutorial's fine-tuning head on `pred`: sigmoid(new_beta * pred + new_bias), log_loss.
struct Head {
  Output z, new_pred, loss;
  Variable new_beta, new_bias;
};
Head AddHead(const Graph& g, const Output& pred) {
  Head h;
  h.z = Placeholder(g, DataType::kFloat, {-1, 1}, "new_label");
  h.new_beta = GetVariable(g, "new_beta", {1}, GlorotNormal());
  h.new_bias = GetVariable(g, "new_bias", {1}, GlorotNormal());
  h.new_pred = Sigmoid(Add(Mul(h.new_beta, pred), h.new_bias));
  h.loss = ReduceMean(losses::LogLoss(h.z, h.new_pred));
  return h;
}

std::set<std::string> Names(const std::vector<Variable>& vars) {
  std::set<std::string> out;
  for (const Variable& v : vars) out.insert(v.name);
  return out;
}

// Trains the head `steps` steps; returns the losses of the first and last step.
std::pair<float, float> TrainHead(Session& s, const Output& x, const Head& h, Operation train,
                                  int steps) {
  float first = 0, last = 0;
  for (int i = 0; i < steps; ++i) {
    Session::Feeds feeds = {{x, X(8)}, {h.z, Z()}};
    auto l = s.Fetch(feeds, h.loss);
    EXPECT_TRUE(l.ok()) << l.status().ToString();
    if (!l.ok()) break;
    (i == 0 ? first : last) = l->flat<float>()[0];
    EXPECT_TRUE(s.Run(feeds, {train}).ok());
  }
  return {first, last};
}

// ---- 5. fine-tuning ----------------------------------------------------------------------------

TEST(FineTune, FromFrozenPbTheImportedWeightsAreConstants) {
  for (bool use_resource : {false, true}) {
    SCOPED_TRACE(use_resource ? "resource variables" : "reference variables");
    TempDir dir;
    Trained t = TrainSeedModel(20, use_resource);
    const Tensor beta = Value(*t.session, t.m.variables[0]);
    const Tensor bias = Value(*t.session, t.m.variables[1]);
    const std::string pb = dir.path() + "/test-model.pb";
    ASSERT_TRUE(FreezeGraph(*t.session, {"input", "label", "beta", "bias", "output"}, pb).ok());

    Graph g;
    g.SetRandomSeed(5);
    ImportGraphDefOptions o;
    o.return_elements = {"input:0", "output:0"};
    auto io = ImportGraphDef(g, pb, o);
    ASSERT_TRUE(io.ok()) << io.status().ToString();
    const Output x = (*io)[0], pred = (*io)[1];
    Head h = AddHead(g, pred);
    Operation train = AdamOptimizer(0.05, 0.9, 0.999, 1e-8).Minimize(h.loss);
    ASSERT_TRUE(g.status().ok()) << g.status().ToString();
    // The frozen weights are constants, not variables: only the new layer trains.
    auto beta_op = g.OperationByName("import/beta");
    auto bias_op = g.OperationByName("import/bias");
    ASSERT_TRUE(beta_op.ok() && bias_op.ok());
    EXPECT_EQ(beta_op->type(), "Const");
    EXPECT_EQ(bias_op->type(), "Const");
    EXPECT_EQ(Names(TrainableVariables(g)), (std::set<std::string>{"new_beta", "new_bias"}));

    Session s(g);
    ASSERT_TRUE(s.Run(GlobalVariablesInitializer(g)).ok());
    const Tensor new_beta0 = Value(s, h.new_beta);
    EXPECT_TRUE(Value(s, beta_op->output(0)).Equals(beta));
    auto [first, last] = TrainHead(s, x, h, train, 200);
    EXPECT_LT(last, first) << "the new layer's log loss does not fall";
    EXPECT_TRUE(Value(s, beta_op->output(0)).Equals(beta)) << "a frozen weight changed";
    EXPECT_TRUE(Value(s, bias_op->output(0)).Equals(bias)) << "a frozen weight changed";
    EXPECT_FALSE(Value(s, h.new_beta).Equals(new_beta0)) << "new_beta did not train";
  }
}

// The tutorial's checkpoint fine-tuning, three ways: everything trains; var_list holds only the
// new layer; the restored variables are made non-trainable.
enum class Exclude { kNothing, kByVarList, kBySetTrainable };

void FineTuneFromCheckpoint(Exclude exclude, bool use_resource) {
  TempDir dir;
  std::string prefix;
  Tensor beta_saved, bias_saved;
  {
    Trained t = TrainSeedModel(20, use_resource);
    Saver saver(t.g, {.max_to_keep = 1});
    auto saved = saver.Save(*t.session, dir.path() + "/test-model", 20);
    ASSERT_TRUE(saved.ok()) << saved.status().ToString();
    prefix = *saved;
    beta_saved = Value(*t.session, t.m.variables[0]);
    bias_saved = Value(*t.session, t.m.variables[1]);
  }
  Graph g;
  g.SetRandomSeed(6);
  auto imported = ImportMetaGraph(g, prefix + ".meta");
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  auto x = g.TensorByName("input:0");
  auto pred = g.TensorByName("output:0");
  auto beta = FindVariable(g, "beta");
  auto bias = FindVariable(g, "bias");
  ASSERT_TRUE(x.ok() && pred.ok() && beta.ok() && bias.ok());
  // Restored variables are variables, and trainable (print(tf.trainable_variables())).
  EXPECT_EQ(Names(TrainableVariables(g)), (std::set<std::string>{"beta", "bias"}));
  EXPECT_EQ(beta->is_resource, use_resource);
  Head h = AddHead(g, *pred);
  std::vector<Variable> var_list;
  if (exclude == Exclude::kByVarList) var_list = {h.new_beta, h.new_bias};
  if (exclude == Exclude::kBySetTrainable) {
    SetTrainable(g, *beta, false);
    SetTrainable(g, *bias, false);
    EXPECT_EQ(Names(TrainableVariables(g)), (std::set<std::string>{"new_beta", "new_bias"}));
  }
  AdamOptimizer opt(0.05);
  Operation train = opt.Minimize(h.loss, var_list);
  ASSERT_TRUE(g.status().ok()) << g.status().ToString();
  // The new optimizer's slots do not collide with the imported optimizer's (beta/Adam exists).
  EXPECT_EQ(opt.GetSlot(h.new_beta, "m")->name, "new_beta/Adam");
  if (exclude == Exclude::kNothing) {
    EXPECT_EQ(opt.GetSlot(*beta, "m")->name, "beta/Adam_2");
  }

  Session s(g);
  ASSERT_TRUE(s.Run(GlobalVariablesInitializer(g)).ok());
  ASSERT_TRUE(imported->saver->Restore(s, prefix).ok());
  EXPECT_TRUE(Value(s, *beta).Equals(beta_saved));
  EXPECT_TRUE(Value(s, *bias).Equals(bias_saved));
  auto [first, last] = TrainHead(s, *x, h, train, 100);
  EXPECT_LT(last, first);
  if (exclude == Exclude::kNothing) {
    EXPECT_FALSE(Value(s, *beta).Equals(beta_saved)) << "restored beta did not train";
    EXPECT_FALSE(Value(s, *bias).Equals(bias_saved)) << "restored bias did not train";
  } else {
    EXPECT_TRUE(Value(s, *beta).Equals(beta_saved)) << "an excluded variable changed";
    EXPECT_TRUE(Value(s, *bias).Equals(bias_saved)) << "an excluded variable changed";
  }
}

TEST(FineTune, FromCheckpointRestoredVariablesTrain) {
  FineTuneFromCheckpoint(Exclude::kNothing, false);
  FineTuneFromCheckpoint(Exclude::kNothing, true);
}
TEST(FineTune, FromCheckpointVarListExcludesRestoredVariables) {
  FineTuneFromCheckpoint(Exclude::kByVarList, false);
  FineTuneFromCheckpoint(Exclude::kByVarList, true);
}
TEST(FineTune, FromCheckpointSetTrainableFalseExcludesRestoredVariables) {
  FineTuneFromCheckpoint(Exclude::kBySetTrainable, false);
  FineTuneFromCheckpoint(Exclude::kBySetTrainable, true);
}

// ---- 6. bad input ------------------------------------------------------------------------------

bool Contains(const Status& s, const std::string& text) {
  return s.message().find(text) != std::string::npos;
}

TEST(BadInput, LossThatDoesNotDependOnAVariableOfVarList) {
  Graph g;
  Model m = BuildModel(g, "linear", {}, false);
  Variable unrelated = GetVariable(g, "unrelated", {3}, ZerosInitializer());
  AdamOptimizer opt;
  auto grads = opt.ComputeGradients(m.loss, {m.variables[0], unrelated});
  ASSERT_FALSE(grads.ok());
  EXPECT_EQ(grads.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(grads.status(), "unrelated")) << grads.status().ToString();
  EXPECT_TRUE(Contains(grads.status(), m.loss.name())) << grads.status().ToString();
  EXPECT_TRUE(g.status().ok()) << "ComputeGradients reports, it does not break the graph";
  // Only unrelated variables: no gradients at all.
  auto none = opt.ComputeGradients(m.loss, {unrelated});
  ASSERT_FALSE(none.ok());
  EXPECT_TRUE(Contains(none.status(), "unrelated")) << none.status().ToString();
  // Minimize records the error in the graph, which then refuses to run.
  Operation train = opt.Minimize(m.loss, {unrelated});
  EXPECT_FALSE(train.valid());
  EXPECT_TRUE(Contains(g.status(), "unrelated")) << g.status().ToString();
  Session s(g);
  EXPECT_FALSE(s.Run(GlobalVariablesInitializer(g)).ok());
}

TEST(BadInput, NonFloatVariableInAnOptimizer) {
  Graph g;
  Model m = BuildModel(g, "linear", {}, false);
  // Trainable, as tf.compat.v1.get_variable makes an int32 variable by default.
  Variable count = GetVariable(g, "count", {}, ZerosInitializer(), {.dtype = DataType::kInt32});
  ASSERT_TRUE(count.trainable);
  AdamOptimizer opt;
  auto grads = opt.ComputeGradients(m.loss, {m.variables[0], count});
  ASSERT_FALSE(grads.ok()) << "an int32 variable in var_list";
  EXPECT_EQ(grads.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(grads.status(), "count")) << grads.status().ToString();
  EXPECT_TRUE(Contains(grads.status(), "int32")) << grads.status().ToString();
  EXPECT_TRUE(g.status().ok());
  // The default list (the trainable variables) skips it, as TensorFlow does: it has no gradient.
  auto defaulted = opt.ComputeGradients(m.loss);
  ASSERT_TRUE(defaulted.ok()) << defaulted.status().ToString();
  std::set<std::string> names;
  for (const auto& [grad, var] : *defaulted) names.insert(var.name);
  EXPECT_EQ(names, (std::set<std::string>{"beta", "bias"}));
  Operation train = opt.Minimize(m.loss);
  ASSERT_TRUE(train.valid()) << g.status().ToString();
  Session s(g);
  ASSERT_TRUE(s.Run(GlobalVariablesInitializer(g)).ok());
  ASSERT_TRUE(s.Run({{m.input, X(8)}, {m.label, Y(8)}}, {train}).ok());
  EXPECT_EQ(Value(s, count).flat<int32_t>()[0], 0);
}

// A trained seed model with one checkpoint saved in `dir`.
struct Saved {
  Trained t;
  std::unique_ptr<Saver> saver;
  std::string prefix;
  Tensor beta;
};
void SaveOnce(const std::string& dir, Saved* out) {
  out->t = TrainSeedModel(3);
  out->saver = std::make_unique<Saver>(out->t.g, Saver::Options{.max_to_keep = 1});
  auto p = out->saver->Save(*out->t.session, dir + "/test-model", 3);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  out->prefix = *p;
  out->beta = Value(*out->t.session, out->t.m.variables[0]);
}

// Training on, then restoring `prefix`, gives back the saved beta.
void ExpectRestores(Saved& s) {
  ASSERT_TRUE(s.t.session->Run({{s.t.m.input, X(8)}, {s.t.m.label, Y(8)}}, {s.t.train}).ok());
  ASSERT_FALSE(Value(*s.t.session, s.t.m.variables[0]).Equals(s.beta));
  Status st = s.saver->Restore(*s.t.session, s.prefix);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_TRUE(Value(*s.t.session, s.t.m.variables[0]).Equals(s.beta));
  // A fresh graph and session restore it too (through the .meta).
  Graph g;
  auto imported = ImportMetaGraph(g, s.prefix + ".meta");
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  Session fresh(g);
  st = imported->saver->Restore(fresh, s.prefix);
  ASSERT_TRUE(st.ok()) << st.ToString();
  auto beta = FindVariable(g, "beta");
  ASSERT_TRUE(beta.ok());
  EXPECT_TRUE(Value(fresh, *beta).Equals(s.beta));
}

TEST(BadInput, SaveIntoAMissingDirectory) {
  TempDir dir;
  Saved s;
  SaveOnce(dir.path(), &s);
  const std::string missing = dir.path() + "/no/such/dir";
  auto r = s.saver->Save(*s.t.session, missing + "/test-model", 4);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Contains(r.status(), missing)) << r.status().ToString();
  EXPECT_FALSE(fs::exists(missing));
  // The failed save neither retired the earlier checkpoint nor touched its state file.
  EXPECT_EQ(s.saver->last_checkpoints(), std::vector<std::string>{s.prefix});
  auto latest = LatestCheckpoint(dir.path());
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  EXPECT_EQ(*latest, s.prefix);
  ExpectRestores(s);
}

TEST(BadInput, SaveIntoAReadOnlyDirectory) {
  if (geteuid() == 0) {
    GTEST_SKIP() << "running as root: a 0555 directory is still writable for root, so this one "
                    "case cannot fail the way it would for a user";
  }
  TempDir dir;
  Saved s;
  SaveOnce(dir.path(), &s);
  std::set<std::string> before;
  for (const auto& e : fs::directory_iterator(dir.path())) before.insert(e.path().filename());
  ASSERT_EQ(chmod(dir.path().c_str(), 0555), 0);
  auto r = s.saver->Save(*s.t.session, dir.path() + "/test-model", 4);
  chmod(dir.path().c_str(), 0755);
  ASSERT_FALSE(r.ok()) << "saved into a read-only directory";
  EXPECT_TRUE(Contains(r.status(), dir.path())) << r.status().ToString();
  std::set<std::string> after;
  for (const auto& e : fs::directory_iterator(dir.path())) after.insert(e.path().filename());
  EXPECT_EQ(after, before);
  EXPECT_EQ(s.saver->last_checkpoints(), std::vector<std::string>{s.prefix});
  auto latest = LatestCheckpoint(dir.path());
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  EXPECT_EQ(*latest, s.prefix);
  ExpectRestores(s);
  // And the next save, once the directory is writable, retires the old one as usual.
  auto next = s.saver->Save(*s.t.session, dir.path() + "/test-model", 5);
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_FALSE(fs::exists(s.prefix + ".index"));
}

TEST(BadInput, FreezeGraphWithAnUnknownOutput) {
  TempDir dir;
  Trained t = TrainSeedModel(1);
  const std::string pb = dir.path() + "/frozen.pb";
  Status st = FreezeGraph(*t.session, {"input", "outptu"}, pb);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_TRUE(Contains(st, "outptu")) << st.ToString();
  EXPECT_FALSE(fs::exists(pb));
  // The graph and session are unharmed: the right names freeze.
  st = FreezeGraph(*t.session, {"output"}, pb);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_TRUE(fs::exists(pb));
}

TEST(BadInput, SavedModelBuilderIntoAnExistingDirectory) {
  TempDir dir;
  Trained t = TrainSeedModel(2);
  const std::string export_dir = dir.path() + "/saved_model/1";
  SavedModelBuilder::MetaGraphOptions options;
  options.signature_def_map[kDefaultServingSignatureKey] = {.inputs = {{"input", t.m.input}},
                                                            .outputs = {{"output", t.m.output}}};
  {
    SavedModelBuilder first(export_dir);
    Status st = first.AddMetaGraphAndVariables(*t.session, {kServingTag}, options);
    ASSERT_TRUE(st.ok()) << st.ToString();
    auto saved = first.Save();
    ASSERT_TRUE(saved.ok()) << saved.status().ToString();
  }
  const Tensor want = Value(*t.session, t.m.variables[0]);
  ASSERT_TRUE(t.session->Run({{t.m.input, X(8)}, {t.m.label, Y(8)}}, {t.train}).ok());
  {
    SavedModelBuilder second(export_dir);
    Status st = second.AddMetaGraphAndVariables(*t.session, {kServingTag}, options);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.code(), StatusCode::kAlreadyExists);
    EXPECT_TRUE(Contains(st, export_dir)) << st.ToString();
    auto saved = second.Save();
    EXPECT_FALSE(saved.ok());
  }
  // The first export is intact and still holds the first values.
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir.path() + "/saved_model")) {
    names.insert(e.path().filename());
  }
  EXPECT_EQ(names, std::set<std::string>{"1"}) << "a temporary directory was left behind";
  Graph g;
  Session s(g);
  auto loaded = LoadSavedModel(s, {kServingTag}, export_dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  auto beta = FindVariable(g, "beta");
  ASSERT_TRUE(beta.ok());
  EXPECT_TRUE(Value(s, *beta).Equals(want));
}

}  // namespace
}  // namespace tfmodel::interop
