// Training: gradients, the tf.compat.v1.train optimizers, Saver (checkpoints + .meta), freezing
// to a constant GraphDef, SavedModelBuilder, and importing a .meta with its variables.
//
//   auto loss = losses::MeanSquaredError(y, pred);
//   Operation train_op = AdamOptimizer(0.001).Minimize(loss);
//   Session session(g);
//   TFM_RETURN_IF_ERROR(session.Run(GlobalVariablesInitializer(g)));
//   TFM_RETURN_IF_ERROR(session.Run({{x, batch_x}, {y, batch_y}}, {train_op}));
//   Saver saver(g, {.max_to_keep = 1});
//   TFM_ASSIGN_OR_RETURN(std::string prefix, saver.Save(session, "ckpt/test-model", 0));
//
// Slot and accumulator variables are named as TensorFlow names them ("beta/Adam",
// "beta/Adam_1", "beta1_power", ...), so checkpoints move between TensorFlow and tfmodel.
// Thread safety: building is single-threaded; Saver::Save/Restore may run concurrently with
// Session::Run on other ops.
#ifndef TFMODEL_TRAIN_H_
#define TFMODEL_TRAIN_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tfmodel/graph.h>
#include <tfmodel/ops.h>
#include <tfmodel/status.h>

namespace tfmodel {

// tf.gradients(ys, xs, grad_ys): one gradient per x (invalid when ys do not depend on it).
Result<std::vector<Output>> Gradients(const std::vector<Output>& ys, const std::vector<Output>& xs,
                                      const std::vector<Output>& grad_ys = {});

// tf.compat.v1.train.get_or_create_global_step: int64 scalar "global_step", not trainable.
Variable GetOrCreateGlobalStep(const Graph& g);

// The tf.compat.v1.train.Optimizer protocol: ComputeGradients, ApplyGradients, Minimize.
class Optimizer {
 public:
  virtual ~Optimizer();
  const std::string& name() const { return name_; }

  // d(loss)/d(var) for each var of var_list (default: the trainable variables). Variables the
  // loss does not depend on are skipped when var_list is defaulted and are an error when given
  // explicitly; none at all is an error.
  Result<std::vector<std::pair<Output, Variable>>> ComputeGradients(
      const Output& loss, const std::vector<Variable>& var_list = {});
  // Creates slots, then one update per variable ("<name>/update_<var>/Apply*") and the
  // finishing op named after the optimizer; with a global step, increments it last.
  Result<Operation> ApplyGradients(const std::vector<std::pair<Output, Variable>>& grads_and_vars,
                                   const Variable* global_step = nullptr);
  // ComputeGradients + ApplyGradients. The train op is added to the "train_op" collection.
  // Errors are also recorded in the graph (an invalid op is returned).
  Operation Minimize(const Output& loss, const std::vector<Variable>& var_list = {},
                     const Variable* global_step = nullptr);

  // The slot variable of `var` named `slot` ("m", "v", "momentum", "accumulator", "rms", "mg").
  Result<Variable> GetSlot(const Variable& var, const std::string& slot) const;

 protected:
  explicit Optimizer(std::string name) : name_(std::move(name)) {}
  // Hooks, called inside ApplyGradients.
  virtual Status CreateSlots(const Graph& g, const std::vector<Variable>& vars) = 0;
  virtual void Prepare(const Graph& g) = 0;  // the hyper-parameter constants
  virtual Operation ApplyDense(const Output& grad, const Variable& var) = 0;
  virtual Operation Finish(const Graph& g, const std::vector<Operation>& updates,
                           const std::string& name);
  // Helpers for the hooks: a zero (or constant-initialised) slot "<var>/<op_name>[_k]", and a
  // non-slot variable (Adam's beta powers) created once per graph.
  Variable MakeSlot(const Graph& g, const Variable& var, const std::string& slot, double init);
  Variable MakeNonSlot(const Graph& g, const std::string& name, double init, const Variable& like);
  // A hyper-parameter as a Const in the optimizer's name scope, cast to `dtype` when used.
  Output Hyper(const std::string& key, DataType dtype) const;

  std::string name_;
  std::map<std::string, Output> hyper_;                       // key -> Const (float32)
  std::map<std::pair<std::string, std::string>, Variable> slots_;  // (var, slot) -> slot
  std::map<std::string, Variable> non_slots_;
};

class GradientDescentOptimizer : public Optimizer {
 public:
  explicit GradientDescentOptimizer(double learning_rate, std::string name = "GradientDescent");

 private:
  Status CreateSlots(const Graph&, const std::vector<Variable>&) override { return Status::Ok(); }
  void Prepare(const Graph& g) override;
  Operation ApplyDense(const Output& grad, const Variable& var) override;
  double lr_;
};

class MomentumOptimizer : public Optimizer {
 public:
  MomentumOptimizer(double learning_rate, double momentum, bool use_nesterov = false,
                    std::string name = "Momentum");

 private:
  Status CreateSlots(const Graph& g, const std::vector<Variable>& vars) override;
  void Prepare(const Graph& g) override;
  Operation ApplyDense(const Output& grad, const Variable& var) override;
  double lr_, momentum_;
  bool nesterov_;
};

class AdamOptimizer : public Optimizer {
 public:
  explicit AdamOptimizer(double learning_rate = 0.001, double beta1 = 0.9, double beta2 = 0.999,
                         double epsilon = 1e-8, std::string name = "Adam");

 private:
  Status CreateSlots(const Graph& g, const std::vector<Variable>& vars) override;
  void Prepare(const Graph& g) override;
  Operation ApplyDense(const Output& grad, const Variable& var) override;
  Operation Finish(const Graph& g, const std::vector<Operation>& updates,
                   const std::string& name) override;
  double lr_, beta1_, beta2_, epsilon_;
};

class RMSPropOptimizer : public Optimizer {
 public:
  explicit RMSPropOptimizer(double learning_rate, double decay = 0.9, double momentum = 0.0,
                            double epsilon = 1e-10, bool centered = false,
                            std::string name = "RMSProp");

 private:
  Status CreateSlots(const Graph& g, const std::vector<Variable>& vars) override;
  void Prepare(const Graph& g) override;
  Operation ApplyDense(const Output& grad, const Variable& var) override;
  double lr_, decay_, momentum_, epsilon_;
  bool centered_;
};

class AdagradOptimizer : public Optimizer {
 public:
  explicit AdagradOptimizer(double learning_rate, double initial_accumulator_value = 0.1,
                            std::string name = "Adagrad");

 private:
  Status CreateSlots(const Graph& g, const std::vector<Variable>& vars) override;
  void Prepare(const Graph& g) override;
  Operation ApplyDense(const Output& grad, const Variable& var) override;
  double lr_, initial_;
};

// ---- Saver: checkpoints and meta graphs ------------------------------------------------------------

// What a .meta says about its saver (SaverDef): feed the checkpoint prefix to
// filename_tensor_name, then run restore_op_name (restore) or fetch save_tensor_name (save).
struct SaverDef {
  std::string filename_tensor_name;  // "save/Const:0"
  std::string save_tensor_name;      // "save/control_dependency:0" ("save/Identity:0" sharded)
  std::string restore_op_name;       // "save/restore_all"
  int max_to_keep = 5;
  bool sharded = false;
};

// tf.compat.v1.train.Saver. Building one adds TensorFlow's save/restore ops to the graph
// ("save/Const", "save/SaveV2", "save/restore_all", ...), so a .meta written here restores in
// TensorFlow with tf.compat.v1.train.import_meta_graph + saver.restore.
class Saver {
 public:
  struct Options {
    std::vector<Variable> var_list;  // empty: every global variable
    int max_to_keep = 5;             // <= 0 keeps every checkpoint
    bool sharded = false;            // SavedModelBuilder's savers are sharded
    std::string name = "save";
  };
  explicit Saver(const Graph& g) : Saver(g, Options{}) {}
  Saver(const Graph& g, Options options);
  // A saver over the save/restore ops a graph already has (from an imported .meta).
  static Saver FromSaverDef(const Graph& g, const SaverDef& def);

  // Writes `save_path` (or "<save_path>-<global_step>") .index/.data-00000-of-00001, the .meta
  // (unless !write_meta_graph), then the `checkpoint` state file beside it, and only then deletes
  // checkpoints beyond max_to_keep. Every file is written atomically. Returns the prefix.
  Result<std::string> Save(Session& session, const std::string& save_path,
                           std::optional<int64_t> global_step = std::nullopt,
                           bool write_meta_graph = true, bool write_state = true);
  // Restores every variable of the saver from `prefix` (run in `session`).
  Status Restore(Session& session, const std::string& prefix);

  const SaverDef& saver_def() const { return def_; }
  const std::vector<std::string>& last_checkpoints() const { return last_; }
  Status status() const { return status_; }

 private:
  Saver() = default;
  Graph graph_;
  SaverDef def_;
  std::vector<std::string> last_;
  Status status_;
};

// tf.compat.v1.train.export_meta_graph: graph, collections (variables as VariableDefs,
// train_op, ...), and the saver's SaverDef when given. Atomic.
Status ExportMetaGraph(const Graph& g, const std::string& path, const Saver* saver = nullptr,
                       bool as_text = false);

// tf.compat.v1.train.import_meta_graph: the graph's nodes, its collections and variables (from
// the VariableDefs of its `variables` collection), and a Saver over its saver_def.
struct ImportedMetaGraph {
  std::vector<Variable> variables;
  std::optional<Saver> saver;
  std::map<std::string, std::vector<std::string>> collections;  // node_list collections
};
Result<ImportedMetaGraph> ImportMetaGraph(const Graph& g, const std::string& meta_path);

// ---- freezing -------------------------------------------------------------------------------

// tf.compat.v1.graph_util.convert_variables_to_constants, written to `path` (.pbtxt as text;
// atomic): the subgraph `output_node_names` need (data and control inputs), with every variable
// it reads (VariableV2 or VarHandleOp) replaced by a Const of its current value in `session`
// (same name) and ReadVariableOps by Identities. Like TF's v1 API the GraphDef has no versions.
// Errors name an unknown output or an uninitialised variable.
Status FreezeGraph(Session& session, const std::vector<std::string>& output_node_names,
                   const std::string& path);

// ---- SavedModel -----------------------------------------------------------------------------

inline constexpr char kServingTag[] = "serve";
inline constexpr char kDefaultServingSignatureKey[] = "serving_default";
inline constexpr char kPredictMethodName[] = "tensorflow/serving/predict";
inline constexpr char kClassifyMethodName[] = "tensorflow/serving/classify";
inline constexpr char kRegressMethodName[] = "tensorflow/serving/regress";

// signature_def_utils.build_signature_def: tensors by key; dtypes and shapes come from the
// tensors' static shapes.
struct SignatureDef {
  std::map<std::string, Output> inputs;
  std::map<std::string, Output> outputs;
  std::string method_name = kPredictMethodName;
};

// tf.compat.v1.saved_model.Builder: DIR/saved_model.pb + variables/ + assets/. The directory
// must not exist yet; everything is written into a temporary sibling and renamed into place by
// Save(), so a failed export leaves nothing behind.
class SavedModelBuilder {
 public:
  explicit SavedModelBuilder(std::string export_dir);
  ~SavedModelBuilder();
  struct MetaGraphOptions {
    std::map<std::string, SignatureDef> signature_def_map;
    std::vector<std::string> assets;  // files copied into assets/ (fed to `asset_tensors`)
    std::map<std::string, Output> asset_tensors;  // asset file name -> string tensor fed its path
    std::optional<Operation> main_op;  // run by loaders after restoring
  };
  // The first meta graph: saves the variables of `session` into variables/variables.
  Status AddMetaGraphAndVariables(Session& session, const std::vector<std::string>& tags,
                                  const MetaGraphOptions& options);
  // Another meta graph (another tag set) of the same graph.
  Status AddMetaGraph(const std::vector<std::string>& tags, const MetaGraphOptions& options);
  // Writes saved_model.pb (or .pbtxt) and moves the directory into place. Returns the path.
  Result<std::string> Save(bool as_text = false);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// tf.compat.v1.saved_model.loader.load: imports the MetaGraph with exactly these tags into `g`
// (which must be the graph of `session`), restores its variables, runs its init op, and returns
// its signatures as tensors of `g`.
struct LoadedSavedModel {
  std::string path;  // the version directory loaded
  std::map<std::string, SignatureDef> signatures;
  std::vector<Variable> variables;
};
Result<LoadedSavedModel> LoadSavedModel(Session& session, const std::vector<std::string>& tags,
                                        const std::string& export_dir);

}  // namespace tfmodel

#endif  // TFMODEL_TRAIN_H_
