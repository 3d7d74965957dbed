// Saver: TensorFlow's save/restore subgraph (spec 3.2), and Save/Restore around it with the
// TF1 checkpoint-state and retention rules (spec 2.3, 2.4), made crash-safe: the new checkpoint,
// its .meta and the state file are durable before any old checkpoint is deleted.
#include <algorithm>

#include "src/api/op_builder.h"
#include "src/api/session_impl.h"
#include "src/base/file.h"
#include "src/formats/graph_io.h"
#include "tfmodel/checkpoint.h"
#include "tfmodel/train.h"

namespace tfmodel {
namespace {

Output StringVector(GraphState* g, const std::vector<std::string>& values, std::string_view name) {
  Tensor t = Tensor::Strings(values);
  return OpBuilder("Const", name, g).Attr("dtype", DataType::kString).Attr("value", TensorAttr(t)).Out();
}

Output StringScalar(GraphState* g, const std::string& value, std::string_view name) {
  Tensor t = Tensor::Strings({value}).Reshaped(tfmodel::Shape{}).value();
  return OpBuilder("Const", name, g).Attr("dtype", DataType::kString).Attr("value", TensorAttr(t)).Out();
}

// SaveV2(prefix, names, slices, tensors) then Identity(prefix) after it: the save tensor.
Output AddSaveOps(GraphState* g, const Output& prefix, const std::vector<Variable>& vars) {
  std::vector<std::string> names, slices;
  std::vector<Output> tensors;
  std::vector<DataType> dtypes;
  for (const Variable& v : vars) {
    names.push_back(v.name);
    slices.push_back("");
    tensors.push_back(v.is_resource ? ReadValue(v, "ReadVariableOp") : v.handle);
    dtypes.push_back(v.dtype);
  }
  Output tensor_names = StringVector(g, names, "SaveV2/tensor_names");
  Output shape_and_slices = StringVector(g, slices, "SaveV2/shape_and_slices");
  Operation save = OpBuilder("SaveV2", "SaveV2", g)
                       .Input(prefix)
                       .Input(tensor_names)
                       .Input(shape_and_slices)
                       .Inputs(tensors)
                       .Attr("dtypes", TypeListAttr(dtypes))
                       .Build();
  return OpBuilder("Identity", "control_dependency", g)
      .Input(prefix)
      .ControlInput(save)
      .Attr("T", DataType::kString)
      .Out();
}

// RestoreV2(prefix, names, slices) then one Assign per variable, grouped as `group_name`.
Operation AddRestoreOps(GraphState* g, const Output& prefix, const std::vector<Variable>& vars,
                        const std::string& group_name) {
  std::vector<std::string> names, slices;
  std::vector<DataType> dtypes;
  for (const Variable& v : vars) {
    names.push_back(v.name);
    slices.push_back("");
    dtypes.push_back(v.dtype);
  }
  Output tensor_names = StringVector(g, names, "RestoreV2/tensor_names");
  Output shape_and_slices = StringVector(g, slices, "RestoreV2/shape_and_slices");
  Operation restore = OpBuilder("RestoreV2", "RestoreV2", g)
                          .Input(prefix)
                          .Input(tensor_names)
                          .Input(shape_and_slices)
                          .Attr("dtypes", TypeListAttr(dtypes))
                          .Build();
  OpBuilder group("NoOp", group_name, g);
  for (size_t i = 0; i < vars.size(); ++i) {
    const Variable& v = vars[i];
    Operation assign;
    if (v.is_resource) {
      assign = OpBuilder("AssignVariableOp", "AssignVariableOp", g)
                   .Input(v.handle)
                   .Input(restore.output(static_cast<int>(i)))
                   .Attr("dtype", v.dtype)
                   .Attr("validate_shape", false)
                   .Build();
    } else {
      assign = OpBuilder("Assign", "Assign", g)
                   .Input(v.handle)
                   .Input(restore.output(static_cast<int>(i)))
                   .Attr("T", v.dtype)
                   .Attr("validate_shape", true)
                   .Attr("use_locking", true)
                   .Build();
    }
    group.ControlInput(assign);
  }
  return group.Build();
}

}  // namespace

Saver::Saver(const Graph& g, Options options) : graph_(g) {
  GraphState* s = g.state();
  std::vector<Variable> vars = options.var_list.empty() ? GlobalVariables(g) : options.var_list;
  if (vars.empty()) {
    status_ = InvalidArgument("saver: there are no variables to save");
    return;
  }
  // Saveables in name order, as TensorFlow sorts them.
  std::sort(vars.begin(), vars.end(), [](const Variable& a, const Variable& b) { return a.name < b.name; });
  for (size_t i = 1; i < vars.size(); ++i) {
    if (vars[i].name == vars[i - 1].name) {
      s->Fail(InvalidArgument("saver: variable " + vars[i].name + " is listed twice"));
    }
  }
  std::string saved_scope = s->name_stack;
  std::vector<Operation> saved_deps = s->control_stack;
  s->name_stack.clear();
  s->control_stack.clear();
  {
    NameScope scope(g, options.name);
    std::string prefix = scope.name();
    // filename: PlaceholderWithDefault("model"), then another named "Const" (the name TF keeps
    // for compatibility: saver_def.filename_tensor_name is "save/Const:0").
    Output model = StringScalar(s, "model", "filename/input");
    Output filename = OpBuilder("PlaceholderWithDefault", "filename", s)
                          .Input(model)
                          .Attr("dtype", DataType::kString)
                          .Attr("shape", ShapeAttr(PartialShape{false, {}}))
                          .Out();
    Output filename_tensor = OpBuilder("PlaceholderWithDefault", "Const", s)
                                 .Input(filename)
                                 .Attr("dtype", DataType::kString)
                                 .Attr("shape", ShapeAttr(PartialShape{false, {}}))
                                 .Out();
    Output save_tensor;
    Operation restore_all;
    if (!options.sharded) {
      save_tensor = AddSaveOps(s, filename_tensor, vars);
      restore_all = AddRestoreOps(s, filename_tensor, vars, "restore_all");
    } else {
      // One shard on the CPU: save to "<prefix>_temp/part-00000-of-00001" and merge into prefix.
      Output is_s3 = OpBuilder("StaticRegexFullMatch", "StaticRegexFullMatch", s)
                         .Input(filename_tensor)
                         .Attr("pattern", "^s3://.*")
                         .Out();
      Output suffix = OpBuilder("Select", "Select", s)
                          .Input(is_s3)
                          .Input(StringScalar(s, ".part", "Const_1"))
                          .Input(StringScalar(s, "_temp/part", "Const_2"))
                          .Attr("T", DataType::kString)
                          .Out();
      Output tmp = OpBuilder("StringJoin", "StringJoin", s)
                       .Input(filename_tensor)
                       .Input(suffix)
                       .Attr("N", int64_t{2})
                       .Attr("separator", "")
                       .Out();
      Output num_shards = Int32Scalar(s, 1, "num_shards");
      Output shard = Int32Scalar(s, 0, "ShardedFilename/shard");
      Output sharded = OpBuilder("ShardedFilename", "ShardedFilename", s)
                           .Input(tmp)
                           .Input(shard)
                           .Input(num_shards)
                           .Out();
      Output saved = AddSaveOps(s, sharded, vars);
      Output prefixes = OpBuilder("Pack", "MergeV2Checkpoints/checkpoint_prefixes", s)
                            .Input(sharded)
                            .Attr("N", int64_t{1})
                            .Attr("T", DataType::kString)
                            .Attr("axis", int64_t{0})
                            .ControlInput(saved.op())
                            .Out();
      Operation merge = OpBuilder("MergeV2Checkpoints", "MergeV2Checkpoints", s)
                            .Input(prefixes)
                            .Input(filename_tensor)
                            .Attr("delete_old_dirs", true)
                            .Attr("allow_missing_files", false)
                            .ControlInput(saved.op())
                            .Build();
      save_tensor = OpBuilder("Identity", "Identity", s)
                        .Input(filename_tensor)
                        .ControlInput(merge)
                        .Attr("T", DataType::kString)
                        .Out();
      Operation shard_restore = AddRestoreOps(s, filename_tensor, vars, "restore_shard");
      restore_all = OpBuilder("NoOp", "restore_all", s).ControlInput(shard_restore).Build();
    }
    def_.filename_tensor_name = filename_tensor.name();
    def_.save_tensor_name = save_tensor.name();
    def_.restore_op_name = restore_all.name();
    def_.max_to_keep = options.max_to_keep;
    def_.sharded = options.sharded;
    (void)prefix;
  }
  s->name_stack = saved_scope;
  s->control_stack = saved_deps;
  status_ = s->error();
}

Saver Saver::FromSaverDef(const Graph& g, const SaverDef& def) {
  Saver saver;
  saver.graph_ = g;
  saver.def_ = def;
  for (const std::string* name : {&def.filename_tensor_name, &def.save_tensor_name}) {
    if (!g.TensorByName(*name).ok()) {
      saver.status_ = NotFound("saver_def names tensor '" + *name + "', which is not in the graph");
    }
  }
  if (saver.status_.ok() && !g.OperationByName(def.restore_op_name).ok()) {
    saver.status_ = NotFound("saver_def names op '" + def.restore_op_name + "', which is not in the graph");
  }
  return saver;
}

Result<std::string> Saver::Save(Session& session, const std::string& save_path,
                                std::optional<int64_t> global_step, bool write_meta_graph, bool write_state) {
  TFM_RETURN_IF_ERROR(status_);
  TFM_RETURN_IF_ERROR(graph_.status());
  const std::string prefix = global_step.has_value() ? save_path + "-" + std::to_string(*global_step) : save_path;
  std::string dir = Dirname(prefix);
  if (dir.empty()) dir = ".";
  if (!IsDirectory(dir)) {
    return NotFound("cannot save to " + prefix + ": the directory " + dir + " does not exist");
  }
  TFM_ASSIGN_OR_RETURN(Output filename, graph_.TensorByName(def_.filename_tensor_name));
  TFM_ASSIGN_OR_RETURN(Output save_tensor, graph_.TensorByName(def_.save_tensor_name));
  Tensor feed = Tensor::Strings({prefix}).Reshaped(tfmodel::Shape{}).value();
  auto saved = session.Run({{filename, feed}}, {save_tensor});
  if (!saved.ok()) return saved.status().WithContext("saving checkpoint " + prefix);
  if (write_meta_graph) {
    TFM_RETURN_IF_ERROR(ExportMetaGraph(graph_, prefix + ".meta", this).WithContext("saving " + prefix));
  }
  if (!write_state) return prefix;
  // The state file lists the kept checkpoints, oldest first (TF1 Saver semantics).
  last_.erase(std::remove(last_.begin(), last_.end(), prefix), last_.end());
  last_.push_back(prefix);
  std::vector<std::string> retire;
  if (def_.max_to_keep > 0) {
    while (static_cast<int>(last_.size()) > def_.max_to_keep) {
      retire.push_back(last_.front());
      last_.erase(last_.begin());
    }
  }
  CheckpointState state;
  state.model_checkpoint_path = prefix;
  state.all_model_checkpoint_paths = def_.max_to_keep > 0 ? last_ : std::vector<std::string>{prefix};
  TFM_RETURN_IF_ERROR(WriteCheckpointState(dir, state).WithContext("saving " + prefix));
  for (const std::string& old : retire) {
    if (old != prefix) TFM_RETURN_IF_ERROR(DeleteCheckpointFiles(old));
  }
  return prefix;
}

Status Saver::Restore(Session& session, const std::string& prefix) {
  TFM_RETURN_IF_ERROR(status_);
  TFM_RETURN_IF_ERROR(graph_.status());
  if (!FileExists(prefix + ".index")) {
    return NotFound("the passed save_path is not a valid checkpoint: " + prefix);
  }
  TFM_ASSIGN_OR_RETURN(Output filename, graph_.TensorByName(def_.filename_tensor_name));
  TFM_ASSIGN_OR_RETURN(Operation restore, graph_.OperationByName(def_.restore_op_name));
  Tensor feed = Tensor::Strings({prefix}).Reshaped(tfmodel::Shape{}).value();
  return session.Run({{filename, feed}}, {restore}).WithContext("restoring from " + prefix);
}

}  // namespace tfmodel
