// MetaGraphDefs to and from a Graph: export_meta_graph (collections with VariableDefs, the
// saver's SaverDef), import_meta_graph, and loading a SavedModel into a graph and session.
#include "src/train/meta_graph.h"

#include <algorithm>
#include <set>

#include "src/api/session_impl.h"
#include "src/base/file.h"
#include "tfmodel/checkpoint.h"
#include "tfmodel/model.h"

namespace tfmodel {
namespace {

VariableDefData DefOf(const Variable& v) {
  VariableDefData d;
  d.variable_name = v.handle.name();
  d.initial_value_name = v.initial_value.name();
  d.initializer_name = v.initializer.name();
  d.snapshot_name = v.value.name();
  d.is_resource = v.is_resource;
  d.trainable = v.trainable;
  return d;
}

// The Variable a VariableDef describes, resolved in `g`.
Result<Variable> VariableFrom(const Graph& g, const VariableDefData& d) {
  Variable v;
  TFM_ASSIGN_OR_RETURN(v.handle, g.TensorByName(d.variable_name));
  v.name = v.handle.op().name();
  if (!d.snapshot_name.empty()) {
    auto snap = g.TensorByName(d.snapshot_name);
    if (snap.ok()) v.value = *snap;
  }
  if (!d.initializer_name.empty()) {
    auto init = g.OperationByName(d.initializer_name);
    if (init.ok()) v.initializer = *init;
  }
  if (!d.initial_value_name.empty()) {
    auto iv = g.TensorByName(d.initial_value_name);
    if (iv.ok()) v.initial_value = *iv;
  }
  const Node& n = g.state()->ir().node(v.handle.node());
  auto dtype = n.attrs.find("dtype");
  auto shape = n.attrs.find("shape");
  if (dtype == n.attrs.end()) return InvalidArgument("variable " + v.name + " has no dtype attr");
  v.dtype = dtype->second.type;
  if (shape != n.attrs.end()) v.shape = shape->second.shape.dims;
  v.is_resource = d.is_resource || n.op == "VarHandleOp";
  v.trainable = d.trainable;
  if (!v.value.valid()) v.value = v.handle;
  return v;
}

}  // namespace

MetaGraphData BuildMetaGraph(const Graph& g, const Saver* saver) {
  GraphState* s = g.state();
  MetaGraphData m;
  m.tensorflow_version = kWrittenTensorflowVersion;
  m.tensorflow_git_version = kWrittenGitVersion;
  m.graph = s->ir().ToGraphDef();
  m.graph.producer = kGraphDefProducer;
  if (saver != nullptr) {
    const SaverDef& d = saver->saver_def();
    m.has_saver = true;
    m.saver = {.filename_tensor_name = d.filename_tensor_name,
               .save_tensor_name = d.save_tensor_name,
               .restore_op_name = d.restore_op_name,
               .max_to_keep = d.max_to_keep,
               .sharded = d.sharded,
               .keep_checkpoint_every_n_hours = 10000.0f,
               .version = 2};
  }
  for (const auto& [key, names] : s->collections) {
    if (!names.empty()) m.collections[key].node_list = names;
  }
  for (const Variable& v : s->variables) {
    std::string bytes = SerializeVariableDef(DefOf(v));
    m.collections["variables"].bytes_list.push_back(bytes);
    if (v.trainable) m.collections["trainable_variables"].bytes_list.push_back(bytes);
    if (v.name == "global_step" && v.dtype == DataType::kInt64) {
      m.collections["global_step"].bytes_list.push_back(bytes);
    }
  }
  return m;
}

Status ExportMetaGraph(const Graph& g, const std::string& path, const Saver* saver, bool as_text) {
  TFM_RETURN_IF_ERROR(g.status());
  return WriteMetaGraph(path, BuildMetaGraph(g, saver), as_text);
}

Result<ImportedMetaGraph> ImportMetaGraphData(const Graph& g, const MetaGraphData& mg,
                                              const std::string& what) {
  GraphState* s = g.state();
  TFM_RETURN_IF_ERROR(s->error());
  Status st = s->Import(mg.graph, GraphIR::ImportOptions{});
  if (!st.ok()) return st.WithContext("importing " + what);
  ImportedMetaGraph out;
  for (const auto& [key, c] : mg.collections) {
    if (!c.node_list.empty()) {
      out.collections[key] = c.node_list;
      auto& mine = s->collections[key];
      mine.insert(mine.end(), c.node_list.begin(), c.node_list.end());
    }
  }
  // Variables: the `variables` collection, trainability from `trainable_variables`.
  std::set<std::string> trainable;
  if (auto it = mg.collections.find("trainable_variables"); it != mg.collections.end()) {
    for (const std::string& bytes : it->second.bytes_list) {
      auto d = ParseVariableDef(bytes, what + ": collection trainable_variables");
      if (d.ok()) trainable.insert(d->variable_name);
    }
  }
  if (auto it = mg.collections.find("variables"); it != mg.collections.end()) {
    for (const std::string& bytes : it->second.bytes_list) {
      TFM_ASSIGN_OR_RETURN(VariableDefData d, ParseVariableDef(bytes, what + ": collection variables"));
      d.trainable = trainable.count(d.variable_name) > 0;
      auto v = VariableFrom(g, d);
      if (!v.ok()) return v.status().WithContext(what + ": collection variables");
      s->variables.push_back(*v);
      out.variables.push_back(*v);
    }
  }
  if (mg.has_saver) {
    SaverDef d{mg.saver.filename_tensor_name, mg.saver.save_tensor_name, mg.saver.restore_op_name,
               mg.saver.max_to_keep, mg.saver.sharded};
    Saver saver = Saver::FromSaverDef(g, d);
    TFM_RETURN_IF_ERROR(saver.status().WithContext(what));
    out.saver = std::move(saver);
  }
  return out;
}

Result<ImportedMetaGraph> ImportMetaGraph(const Graph& g, const std::string& meta_path) {
  TFM_ASSIGN_OR_RETURN(MetaGraphData mg, ReadMetaGraph(meta_path));
  return ImportMetaGraphData(g, mg, meta_path);
}

Result<LoadedSavedModel> LoadSavedModel(Session& session, const std::vector<std::string>& tags,
                                        const std::string& export_dir) {
  std::string dir = export_dir;
  if (!FileExists(JoinPath(dir, "saved_model.pb")) && !FileExists(JoinPath(dir, "saved_model.pbtxt"))) {
    auto version = LatestVersionDirectory(dir);
    if (!version.ok()) {
      return NotFound(dir + " is neither a SavedModel (no saved_model.pb) nor a base directory of "
                      "numeric versions");
    }
    dir = *version;
  }
  TFM_ASSIGN_OR_RETURN(SavedModelData sm, ReadSavedModel(dir));
  auto same = [](std::vector<std::string> a, std::vector<std::string> b) {
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    a.erase(std::unique(a.begin(), a.end()), a.end());
    b.erase(std::unique(b.begin(), b.end()), b.end());
    return a == b;
  };
  const MetaGraphData* chosen = nullptr;
  std::string available;
  for (const MetaGraphData& mg : sm.meta_graphs) {
    std::string t;
    for (const auto& tag : mg.tags) t += (t.empty() ? "" : ",") + tag;
    available += (available.empty() ? "{" : "; {") + t + "}";
    if (chosen == nullptr && same(mg.tags, tags)) chosen = &mg;
  }
  if (chosen == nullptr) {
    std::string want;
    for (const auto& tag : tags) want += (want.empty() ? "" : ",") + tag;
    return NotFound("SavedModel " + dir + " has no MetaGraph with tags {" + want +
                    "}; available tag sets: " + available);
  }
  const Graph& g = session.graph();
  TFM_ASSIGN_OR_RETURN(ImportedMetaGraph imported, ImportMetaGraphData(g, *chosen, sm.path));
  LoadedSavedModel out;
  out.path = dir;
  out.variables = imported.variables;
  std::vector<std::pair<Output, Tensor>> asset_feeds;
  for (const AssetFileData& a : chosen->assets) {
    TFM_ASSIGN_OR_RETURN(Output t, g.TensorByName(a.tensor_name));
    asset_feeds.emplace_back(t, Tensor::Strings({JoinPath(JoinPath(dir, "assets"), a.filename)})
                                    .Reshaped(tfmodel::Shape{})
                                    .value());
  }
  const std::string variables = JoinPath(dir, "variables/variables");
  if (FileExists(variables + ".index") && chosen->has_saver) {
    TFM_ASSIGN_OR_RETURN(Output filename, g.TensorByName(chosen->saver.filename_tensor_name));
    TFM_ASSIGN_OR_RETURN(Operation restore, g.OperationByName(chosen->saver.restore_op_name));
    auto feeds = asset_feeds;
    feeds.emplace_back(filename, Tensor::Strings({variables}).Reshaped(tfmodel::Shape{}).value());
    TFM_RETURN_IF_ERROR(session.Run(feeds, {restore}).WithContext("restoring " + variables));
  }
  std::string init_op;
  if (auto sig = chosen->signatures.find("__saved_model_init_op"); sig != chosen->signatures.end()) {
    auto o = sig->second.outputs.find("__saved_model_init_op");
    if (o != sig->second.outputs.end()) init_op = o->second.name;
  } else {
    for (const char* key : {"saved_model_main_op", "legacy_init_op"}) {
      auto c = chosen->collections.find(key);
      if (c == chosen->collections.end()) continue;
      if (c->second.node_list.size() != 1) {
        return FailedPrecondition("SavedModel " + dir + ": collection " + key + " must hold exactly one op");
      }
      init_op = c->second.node_list[0];
      break;
    }
  }
  if (!init_op.empty()) {
    TFM_ASSIGN_OR_RETURN(auto parsed, ParseTensorName(init_op));
    TFM_ASSIGN_OR_RETURN(Operation op, g.OperationByName(parsed.first));
    TFM_RETURN_IF_ERROR(session.Run(asset_feeds, {op}).WithContext("running the init op of " + dir));
  }
  for (const auto& [key, sig] : chosen->signatures) {
    if (key == "__saved_model_init_op") continue;
    SignatureDef def;
    def.method_name = sig.method_name;
    for (const auto& [k, t] : sig.inputs) {
      TFM_ASSIGN_OR_RETURN(def.inputs[k], g.TensorByName(t.name));
    }
    for (const auto& [k, t] : sig.outputs) {
      TFM_ASSIGN_OR_RETURN(def.outputs[k], g.TensorByName(t.name));
    }
    out.signatures[key] = std::move(def);
  }
  return out;
}

}  // namespace tfmodel
