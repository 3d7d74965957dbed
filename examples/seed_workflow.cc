// The seed workflow, step by step, with the seed's names (size 10; tensors input, label, beta,
// bias, output; signature keys input and output). Each step prints what the Python prints.
// Where the tutorial slips (fine-tune uses new_beta twice; tf.sigmoid appears only when the
// model is rebuilt for reloading) we follow its intent: new_bias is the bias, and the rebuilt
// model is the same linear regression so the restored variables give the same predictions.
#include "examples/seed_workflow.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include <tfmodel/checkpoint.h>
#include <tfmodel/graph.h>
#include <tfmodel/model.h>
#include <tfmodel/ops.h>
#include <tfmodel/train.h>

namespace tfmodel::examples {
namespace {

using enum DataType;
constexpr int64_t kSize = 10;

Tensor Filled(int64_t rows, int64_t cols, float v) {
  std::vector<float> values(rows * cols, v);
  return Tensor::FromVector<float>(values, tfmodel::Shape{rows, cols});
}

// feed_X = ones(8, 10); feed_y = ones(8, 1); feed_z = [1,1,0,0,1,1,0,0]
Tensor FeedX() { return Filled(8, kSize, 1.0f); }
Tensor FeedY() { return Filled(8, 1, 1.0f); }
Tensor FeedZ() {
  std::vector<float> z = {1, 1, 0, 0, 1, 1, 0, 0};
  return Tensor::FromVector<float>(z, tfmodel::Shape{8, 1});
}

std::string Column(const Tensor& t) {
  // An [8, 1] prediction printed on one line: the rows are identical for ones(8, 10).
  std::string s = t.DebugString(8);
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

std::string ListDir(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& n : names) out += "  " + n + "\n";
  return out;
}

// The tutorial's model, section 1.1.
struct SeedModel {
  Graph g;
  Output X, y, pred, loss;
  Variable beta, bias;
  Operation train_op;
};

SeedModel BuildSeedModel() {
  SeedModel m;
  Graph& g = m.g;
  g.SetRandomSeed(2022);  // so the demo prints the same numbers every run
  m.X = Placeholder(g, kFloat, {-1, kSize}, "input");
  m.y = Placeholder(g, kFloat, {-1, 1}, "label");
  m.beta = GetVariable(g, "beta", {kSize, 1}, GlorotNormal());
  m.bias = GetVariable(g, "bias", {1}, GlorotNormal());
  m.pred = Add(MatMul(m.X, m.beta), m.bias, "output");
  m.loss = losses::MeanSquaredError(m.y, m.pred);
  m.train_op = AdamOptimizer(0.001, 0.9, 0.999, 1e-8).Minimize(m.loss);
  return m;
}

Status Step(std::ostream& out, const std::string& title) {
  out << "\n== " << title << "\n";
  return Status::Ok();
}

}  // namespace

Status RunSeedWorkflow(const std::string& workdir, std::ostream& out) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const char* sub : {"model_ckpt", "model_pb", "saved_model"}) fs::remove_all(fs::path(workdir) / sub, ec);
  fs::create_directories(fs::path(workdir) / "model_ckpt", ec);
  fs::create_directories(fs::path(workdir) / "model_pb", ec);
  const std::string ckpt_dir = workdir + "/model_ckpt/";
  const std::string pb_path = workdir + "/model_pb/test-model.pb";
  const std::string saved_model_dir = workdir + "/saved_model/test-model-dir/";

  // ---- 1.1 build, initialise, predict, train one step, predict again -------------------------
  SeedModel m = BuildSeedModel();
  TFM_RETURN_IF_ERROR(m.g.status());
  Session sess(m.g);
  TFM_RETURN_IF_ERROR(Step(out, "1.1 the linear regression: init, predict, one Adam step, predict"));
  TFM_RETURN_IF_ERROR(sess.Run(GlobalVariablesInitializer(m.g)));
  TFM_ASSIGN_OR_RETURN(Tensor before, sess.Fetch({{m.X, FeedX()}}, m.pred));
  TFM_RETURN_IF_ERROR(sess.Run({{m.X, FeedX()}, {m.y, FeedY()}}, {m.train_op}));
  TFM_ASSIGN_OR_RETURN(Tensor after, sess.Fetch({{m.X, FeedX()}}, m.pred));
  out << "pred before: " << Column(before) << "\npred after:  " << Column(after) << "\n";

  // ---- 1.2 checkpoint: Saver(max_to_keep=1), save with global_step and the .meta -------------
  TFM_RETURN_IF_ERROR(Step(out, "1.2 checkpoint: saver.save(sess, 'model_ckpt/test-model', global_step=i)"));
  Saver saver(m.g, {.max_to_keep = 1});
  std::string last_prefix;
  for (int i = 0; i < 3; ++i) {
    if (i > 0) TFM_RETURN_IF_ERROR(sess.Run({{m.X, FeedX()}, {m.y, FeedY()}}, {m.train_op}));
    TFM_ASSIGN_OR_RETURN(last_prefix, saver.Save(sess, ckpt_dir + "test-model", i, true));
  }
  out << "saved " << last_prefix << " (max_to_keep=1 kept only the last):\n" << ListDir(ckpt_dir);
  TFM_ASSIGN_OR_RETURN(Tensor trained, sess.Fetch({{m.X, FeedX()}}, m.pred));
  out << "pred of the saved model: " << Column(trained) << "\n";

  // ---- 1.3 frozen pb: convert_variables_to_constants(sess, graph_def, var_list) --------------
  TFM_RETURN_IF_ERROR(Step(out, "1.3 pb: convert_variables_to_constants -> model_pb/test-model.pb"));
  TFM_RETURN_IF_ERROR(FreezeGraph(sess, {"input", "label", "beta", "bias", "output"}, pb_path));
  out << "wrote " << pb_path << " (" << fs::file_size(pb_path, ec) << " bytes)\n";

  // ---- 1.4 SavedModel: version 1, tag serve, signature serving_default ----------------------
  TFM_RETURN_IF_ERROR(Step(out, "1.4 saved_model: builder at saved_model/test-model-dir/1/"));
  {
    SavedModelBuilder builder(saved_model_dir + "1");
    SignatureDef signature{.inputs = {{"input", m.X}}, .outputs = {{"output", m.pred}},
                           .method_name = kPredictMethodName};
    TFM_RETURN_IF_ERROR(builder.AddMetaGraphAndVariables(
        sess, {kServingTag}, {.signature_def_map = {{kDefaultServingSignatureKey, signature}}}));
    TFM_ASSIGN_OR_RETURN(std::string path, builder.Save());
    out << "wrote " << path << ":\n" << ListDir(path) << "  variables/:\n" << ListDir(path + "/variables");
  }

  // ---- 2.1 checkpoint, way 1: rebuild the graph in code, restore the latest checkpoint ------
  TFM_RETURN_IF_ERROR(Step(out, "2.1 load the checkpoint into a graph rebuilt in code"));
  {
    Graph g;
    Output X = Placeholder(g, kFloat, {-1, kSize}, "input");
    Variable beta = GetVariable(g, "beta", {kSize, 1}, GlorotNormal());
    Variable bias = GetVariable(g, "bias", {1}, GlorotNormal());
    Output pred = Add(MatMul(X, beta), bias, "output");
    Saver restorer(g);
    Session s(g);
    TFM_ASSIGN_OR_RETURN(std::string latest, LatestCheckpoint(ckpt_dir));
    TFM_RETURN_IF_ERROR(restorer.Restore(s, latest));
    TFM_ASSIGN_OR_RETURN(Tensor p, s.Fetch({{X, FeedX()}}, pred));
    out << "restored " << latest << "\npred: " << Column(p) << "\ntrainable variables: [";
    for (const Variable& v : TrainableVariables(g)) out << " " << v.handle.name();
    out << " ]  (restored variables are still variables, and trainable)\n";
  }

  // ---- 2.1 checkpoint, way 2: import_meta_graph, then tensors by name -----------------------
  TFM_RETURN_IF_ERROR(Step(out, "2.1 import_meta_graph('test-model-2.meta'), get_tensor_by_name"));
  {
    Graph g;
    TFM_ASSIGN_OR_RETURN(ImportedMetaGraph imported, ImportMetaGraph(g, last_prefix + ".meta"));
    Session s(g);
    TFM_ASSIGN_OR_RETURN(std::string latest, LatestCheckpoint(ckpt_dir));
    TFM_RETURN_IF_ERROR(imported.saver->Restore(s, latest));
    TFM_ASSIGN_OR_RETURN(Output X, g.TensorByName("input:0"));
    TFM_ASSIGN_OR_RETURN(Output pred, g.TensorByName("output:0"));
    TFM_ASSIGN_OR_RETURN(Tensor p, s.Fetch({{X, FeedX()}}, pred));
    out << "pred: " << Column(p) << "\n";
  }

  // ---- 2.2 frozen pb: import_graph_def with return_elements ---------------------------------
  TFM_RETURN_IF_ERROR(Step(out, "2.2 import_graph_def(graph_def, return_elements=['input:0', 'output:0'])"));
  {
    Graph g;
    TFM_ASSIGN_OR_RETURN(auto elements, ImportGraphDef(g, pb_path, {.return_elements = {"input:0", "output:0"}}));
    Session s(g);
    TFM_ASSIGN_OR_RETURN(Tensor p, s.Fetch({{elements[0], FeedX()}}, elements[1]));
    out << elements[0].name() << " -> " << elements[1].name() << "\npred: " << Column(p)
        << "  (the weights are constants now: no initializer needed)\n";
  }

  // ---- 2.3 SavedModel: loader.load by tags, tensors by name and through the signature -------
  TFM_RETURN_IF_ERROR(Step(out, "2.3 saved_model.loader.load(sess, ['serve'], 'saved_model/test-model-dir/1')"));
  {
    Graph g;
    Session s(g);
    TFM_ASSIGN_OR_RETURN(LoadedSavedModel loaded, LoadSavedModel(s, {kServingTag}, saved_model_dir + "1"));
    TFM_ASSIGN_OR_RETURN(Output X, g.TensorByName("input:0"));
    TFM_ASSIGN_OR_RETURN(Output pred, g.TensorByName("output:0"));
    TFM_ASSIGN_OR_RETURN(Tensor by_name, s.Fetch({{X, FeedX()}}, pred));
    const SignatureDef& sig = loaded.signatures.at(kDefaultServingSignatureKey);
    TFM_ASSIGN_OR_RETURN(Tensor by_sig, s.Fetch({{sig.inputs.at("input"), FeedX()}}, sig.outputs.at("output")));
    out << "by tensor name: " << Column(by_name) << "\nby signature:   " << Column(by_sig) << "\n";
    out << "signature (print(signature)):\n";
    for (const auto& [key, def] : loaded.signatures) {
      out << "{'" << key << "':\n";
      for (const auto* side : {&def.inputs, &def.outputs}) {
        for (const auto& [k, t] : *side) {
          out << (side == &def.inputs ? "inputs" : "outputs") << " {\n  key: \"" << k
              << "\"\n  value {\n    name: \"" << t.name() << "\"\n    dtype: "
              << DataTypeEnumName(t.dtype()) << "\n    tensor_shape {";
          for (int64_t d : t.shape().dims) out << " dim { size: " << d << " }";
          out << " }\n  }\n}\n";
        }
      }
      out << "method_name: \"" << def.method_name << "\"\n}\n";
    }
  }

  // ---- versioned directories: the highest number serves --------------------------------------
  TFM_RETURN_IF_ERROR(Step(out, "versions: train more, export version 2; Model::Load(base) serves the highest"));
  {
    TFM_RETURN_IF_ERROR(sess.Run({{m.X, FeedX()}, {m.y, FeedY()}}, {m.train_op}));
    SavedModelBuilder builder(saved_model_dir + "2");
    SignatureDef signature{.inputs = {{"input", m.X}}, .outputs = {{"output", m.pred}}};
    TFM_RETURN_IF_ERROR(builder.AddMetaGraphAndVariables(
        sess, {kServingTag}, {.signature_def_map = {{kDefaultServingSignatureKey, signature}}}));
    TFM_RETURN_IF_ERROR(builder.Save().status());
    TFM_ASSIGN_OR_RETURN(auto model, Model::Load(saved_model_dir));
    TFM_ASSIGN_OR_RETURN(auto outputs, model->RunSignature(kDefaultServingSignatureKey, {{"input", FeedX()}}));
    out << "serving " << model->path() << "\npred: " << Column(outputs.at("output")) << "\n";
  }

  // ---- 3. fine-tune: the frozen pb as a black box, a new logistic layer on its output --------
  TFM_RETURN_IF_ERROR(Step(out, "3. fine-tune on the frozen pb: new_pred = sigmoid(new_beta * pred + new_bias)"));
  {
    Graph g;
    g.SetRandomSeed(7);
    TFM_ASSIGN_OR_RETURN(auto elements, ImportGraphDef(g, pb_path, {.return_elements = {"input:0", "output:0"}}));
    Output X = elements[0], pred = elements[1];
    Output z = Placeholder(g, kFloat, {-1, 1}, "new_label");
    Variable new_beta = GetVariable(g, "new_beta", {1}, GlorotNormal());
    Variable new_bias = GetVariable(g, "new_bias", {1}, GlorotNormal());
    Output new_pred = Sigmoid(Add(Mul(new_beta, pred), new_bias));
    Output new_loss = ReduceMean(losses::LogLoss(z, new_pred));
    Operation train_op = AdamOptimizer(0.001, 0.9, 0.999, 1e-8).Minimize(new_loss);
    TFM_RETURN_IF_ERROR(g.status());
    Session s(g);
    TFM_RETURN_IF_ERROR(s.Run(GlobalVariablesInitializer(g)));
    TFM_ASSIGN_OR_RETURN(Tensor p0, s.Fetch({{X, FeedX()}}, new_pred));
    TFM_ASSIGN_OR_RETURN(Tensor frozen_beta0, s.Fetch({}, g.TensorByName("import/beta:0").value()));
    TFM_RETURN_IF_ERROR(s.Run({{X, FeedX()}, {z, FeedZ()}}, {train_op}));
    TFM_ASSIGN_OR_RETURN(Tensor p1, s.Fetch({{X, FeedX()}}, new_pred));
    TFM_ASSIGN_OR_RETURN(Tensor frozen_beta1, s.Fetch({}, g.TensorByName("import/beta:0").value()));
    out << "new_pred before: " << Column(p0) << "\nnew_pred after:  " << Column(p1) << "\n";
    out << "trainable variables: [";
    for (const Variable& v : TrainableVariables(g)) out << " " << v.handle.name();
    out << " ]; import/beta is a constant and " << (frozen_beta0.Equals(frozen_beta1) ? "did not change" : "CHANGED")
        << "\n";
  }

  // ---- 3. fine-tune from the checkpoint: restored variables are trainable ------------------
  TFM_RETURN_IF_ERROR(Step(out, "3. fine-tune from the checkpoint: restored beta trains, unless frozen on purpose"));
  for (bool freeze_beta : {false, true}) {
    Graph g;
    TFM_ASSIGN_OR_RETURN(ImportedMetaGraph imported, ImportMetaGraph(g, last_prefix + ".meta"));
    TFM_ASSIGN_OR_RETURN(Output X, g.TensorByName("input:0"));
    TFM_ASSIGN_OR_RETURN(Output pred, g.TensorByName("output:0"));
    TFM_ASSIGN_OR_RETURN(Variable beta, FindVariable(g, "beta"));
    Output z = Placeholder(g, kFloat, {-1, 1}, "new_label");
    Variable new_beta = GetVariable(g, "new_beta", {1}, ConstantInitializer(0.5));
    Variable new_bias = GetVariable(g, "new_bias", {1}, ZerosInitializer());
    Output new_pred = Sigmoid(Add(Mul(new_beta, pred), new_bias));
    Output new_loss = ReduceMean(losses::LogLoss(z, new_pred));
    if (freeze_beta) SetTrainable(g, beta, false);
    std::vector<Variable> train_vars;
    for (const Variable& v : TrainableVariables(g)) train_vars.push_back(v);
    Operation train_op = GradientDescentOptimizer(0.1, "FineTune").Minimize(new_loss, train_vars);
    TFM_RETURN_IF_ERROR(g.status());
    Session s(g);
    TFM_RETURN_IF_ERROR(s.Run(GlobalVariablesInitializer(g)));
    TFM_ASSIGN_OR_RETURN(std::string latest, LatestCheckpoint(ckpt_dir));
    TFM_RETURN_IF_ERROR(imported.saver->Restore(s, latest));
    TFM_ASSIGN_OR_RETURN(Tensor b0, s.Fetch({}, beta.value));
    TFM_RETURN_IF_ERROR(s.Run({{X, FeedX()}, {z, FeedZ()}}, {train_op}));
    TFM_ASSIGN_OR_RETURN(Tensor b1, s.Fetch({}, beta.value));
    out << (freeze_beta ? "beta frozen (trainable=false): " : "beta trainable: ")
        << (b0.Equals(b1) ? "unchanged" : "changed") << "\n";
  }
  out << "\ndone: every file is under " << workdir << "\n";
  return Status::Ok();
}

}  // namespace tfmodel::examples
