// FreezeSavedModel (tfmodel/freeze.h): FreezeSignature with the variables' values from a runtime
// session that ran the SavedModel's restore function (its saver_def), so values reach the
// VarHandleOps exactly as TensorFlow's loader assigns them, without reading the object graph.
#include "tfmodel/freeze.h"

#include <algorithm>

#include "src/base/file.h"
#include "src/formats/graph_io.h"
#include "src/graph/freeze_signature.h"
#include "src/runtime/session.h"
#include "tfmodel/model.h"

namespace tfmodel {
namespace {

std::string JoinTags(std::vector<std::string> tags) {
  std::sort(tags.begin(), tags.end());
  std::string s;
  for (const std::string& t : tags) s += (s.empty() ? "" : ",") + t;
  return s;
}

struct Chosen {
  SavedModelData sm;
  std::string dir;
  const MetaGraphData* meta = nullptr;
};

Result<Chosen> Choose(std::string_view dir_view, const std::vector<std::string>& tags) {
  Chosen c;
  c.dir = std::string(dir_view);
  if (!FileExists(JoinPath(c.dir, "saved_model.pb")) &&
      !FileExists(JoinPath(c.dir, "saved_model.pbtxt"))) {
    auto version = LatestVersionDirectory(c.dir);
    if (!version.ok()) {
      return NotFound(c.dir + " is neither a SavedModel (no saved_model.pb) nor a base directory "
                      "of numeric versions");
    }
    c.dir = *version;
  }
  TFM_ASSIGN_OR_RETURN(c.sm, ReadSavedModel(c.dir));
  const std::string want = JoinTags(tags);
  std::string available;
  for (const MetaGraphData& m : c.sm.meta_graphs) {
    const std::string have = JoinTags(m.tags);
    if (have == want && c.meta == nullptr) c.meta = &m;
    available += (available.empty() ? "{" : "; {") + have + "}";
  }
  if (c.meta == nullptr) {
    return NotFound("SavedModel " + c.dir + " has no MetaGraph with tags {" + want +
                    "}; available tag sets: " + available);
  }
  return c;
}

// Restores the SavedModel's variables in a session over its whole graph and reads the values
// of `handles` from it.
Result<std::vector<Tensor>> RestoredValues(const Chosen& c,
                                           const std::vector<const NodeDefData*>& handles) {
  const MetaGraphData& mg = *c.meta;
  const std::string prefix = JoinPath(c.dir, "variables/variables");
  if (!FileExists(prefix + ".index")) {
    return NotFound("variable '" + handles[0]->name + "' has no value: " + prefix +
                    ".index does not exist");
  }
  if (!mg.has_saver || mg.saver.restore_op_name.empty() || mg.saver.filename_tensor_name.empty()) {
    return FailedPrecondition(c.dir + " has variables but no saver_def to restore them with");
  }
  GraphIR ir;
  TFM_RETURN_IF_ERROR(ir.Import(mg.graph).WithContext("loading " + c.dir));
  std::vector<std::string> roots = {mg.saver.restore_op_name, mg.saver.filename_tensor_name};
  for (const NodeDefData* h : handles) roots.push_back(h->name);
  std::vector<std::pair<std::string, Tensor>> feeds;
  for (const AssetFileData& a : mg.assets) {
    feeds.emplace_back(a.tensor_name, Tensor::Strings({JoinPath(JoinPath(c.dir, "assets"),
                                                                a.filename)})
                                          .Reshaped(Shape{})
                                          .value());
  }
  feeds.emplace_back(mg.saver.filename_tensor_name,
                     Tensor::Strings({prefix}).Reshaped(Shape{}).value());
  TFM_ASSIGN_OR_RETURN(auto session, GraphSession::Create(std::move(ir), &roots, {}));
  std::vector<Tensor> unused;
  TFM_RETURN_IF_ERROR(session->Run(feeds, {}, {mg.saver.restore_op_name}, &unused)
                          .WithContext("restoring the variables of " + c.dir));
  std::vector<Tensor> values;
  for (const NodeDefData* h : handles) {
    auto attr = [&](const char* name) {
      auto it = h->attrs.find(name);
      return it == h->attrs.end() ? std::string() : it->second.s;
    };
    const std::string shared = attr("shared_name");
    const std::string key = attr("container") + "/" + (shared.empty() ? h->name : shared);
    auto var = session->resources().Lookup(key);
    Result<Tensor> value =
        var ? var->Read() : Result<Tensor>(FailedPrecondition("the restore function never creates it"));
    if (!value.ok()) {
      return NotFound("variable '" + h->name + "' (shared_name '" + shared + "') has no value "
                      "after restoring " + prefix + ": " + value.status().message());
    }
    values.push_back(std::move(value).value());
  }
  return values;
}

}  // namespace

Result<bool> IsObjectGraphSavedModel(std::string_view dir, const std::vector<std::string>& tags) {
  TFM_ASSIGN_OR_RETURN(Chosen c, Choose(dir, tags));
  return c.meta->has_object_graph;
}

Result<FrozenSavedModel> FreezeSavedModel(std::string_view dir, const std::string& path,
                                          const FreezeSavedModelOptions& options) {
  TFM_ASSIGN_OR_RETURN(Chosen c, Choose(dir, options.tags));
  if (!c.meta->has_object_graph) {
    return FailedPrecondition(c.dir + " is a TF1 SavedModel (no object graph): load it into a "
                              "Session and freeze it with FreezeGraph");
  }
  auto values = [&](const std::vector<const NodeDefData*>& handles) {
    return RestoredValues(c, handles);
  };
  TFM_ASSIGN_OR_RETURN(FrozenSignature f,
                       FreezeSignature(*c.meta, options.signature_key, c.dir, values));
  FrozenSavedModel out;
  out.path = c.dir;
  out.inputs = f.inputs;
  out.outputs = f.outputs;
  out.variables = f.variables;
  out.inlined_calls = f.inlined_calls;
  out.functions = f.functions;
  out.num_nodes = static_cast<int>(f.graph.nodes.size());
  if (!path.empty()) {
    const bool text = path.ends_with(".pbtxt") || path.ends_with(".pbtext");
    TFM_RETURN_IF_ERROR(WriteGraphDef(path, f.graph, text).WithContext("writing the frozen graph"));
  }
  return out;
}

}  // namespace tfmodel
