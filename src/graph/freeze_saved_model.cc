// FreezeSavedModel: a TF2 SavedModel signature -> one frozen GraphDef (tfmodel/freeze.h).
// Steps: prune the exported graph to the signature, tie captured VarHandleOps to checkpoint
// keys through the object graph, inline the calls, convert the variables, prune the library.
#include "tfmodel/freeze.h"

#include <algorithm>
#include <deque>

#include "src/base/file.h"
#include "src/formats/graph_io.h"
#include "src/formats/saved_object_graph.h"
#include "src/graph/freeze_variables.h"
#include "src/graph/function_inline.h"
#include "src/graph/graph.h"
#include "tfmodel/object_checkpoint.h"

namespace tfmodel {
namespace {

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

Result<const MetaGraphData*> PickMetaGraph(const SavedModelData& sm,
                                           std::vector<std::string> tags) {
  std::sort(tags.begin(), tags.end());
  std::string available;
  for (const MetaGraphData& m : sm.meta_graphs) {
    std::vector<std::string> t = m.tags;
    std::sort(t.begin(), t.end());
    if (t == tags) return &m;
    std::string set;
    for (const std::string& s : t) set += (set.empty() ? "" : ",") + s;
    available += (available.empty() ? "" : "; ") + set;
  }
  std::string want;
  for (const std::string& s : tags) want += (want.empty() ? "" : ",") + s;
  return NotFound(sm.path + " has no MetaGraph tagged '" + want + "' (tag sets: " + available + ")");
}

// Breadth-first object paths of a SavedObjectGraph (as ObjectGraph::NodePaths names them).
std::vector<std::string> SavedObjectPaths(const SavedObjectGraphData& og) {
  std::vector<std::string> paths(og.nodes.size());
  std::vector<char> seen(og.nodes.size(), 0);
  if (og.nodes.empty()) return paths;
  std::deque<int> queue = {0};
  seen[0] = 1;
  while (!queue.empty()) {
    const int id = queue.front();
    queue.pop_front();
    for (const auto& c : og.nodes[id].children) {
      if (seen[c.node_id]) continue;
      seen[c.node_id] = 1;
      const std::string name = EscapeLocalName(c.local_name);
      paths[c.node_id] = paths[id].empty() ? name : paths[id] + "/" + name;
      queue.push_back(c.node_id);
    }
  }
  return paths;
}

// SavedObjectGraph node -> checkpoint object graph node, walking both from their roots by
// children's local names (as TensorFlow's loaders match them). -1 where the checkpoint has none.
std::vector<int> MatchCheckpointNodes(const SavedObjectGraphData& og, const ObjectGraph& ckpt) {
  std::vector<int> match(og.nodes.size(), -1);
  if (og.nodes.empty()) return match;
  match[0] = 0;
  std::deque<int> queue = {0};
  while (!queue.empty()) {
    const int sid = queue.front();
    queue.pop_front();
    const TrackableObject& cnode = ckpt.nodes()[match[sid]];
    for (const auto& sc : og.nodes[sid].children) {
      if (match[sc.node_id] >= 0) continue;
      for (const auto& cc : cnode.children) {
        if (cc.local_name == sc.local_name) {
          match[sc.node_id] = cc.node_id;
          queue.push_back(sc.node_id);
          break;
        }
      }
    }
  }
  return match;
}

// VarHandleOp node -> the SavedObjectGraph variable it is, from the calls in `g` to concrete
// functions whose bound inputs (captures, the call's last inputs) the object graph lists.
Result<std::map<std::string, int>> CapturedVariables(const GraphDefData& g,
                                                     const SavedObjectGraphData& og) {
  std::map<std::string, const NodeDefData*> by_name;
  for (const NodeDefData& n : g.nodes) by_name[n.name] = &n;
  std::map<std::string, int> handles;
  for (const NodeDefData& n : g.nodes) {
    auto f = n.attrs.find("f");
    const std::string fn = IsPartitionedCallOp(n.op) && f != n.attrs.end() ? f->second.func.name : n.op;
    auto bound = og.bound_inputs.find(fn);
    if (bound == og.bound_inputs.end()) continue;
    std::vector<std::string> data;
    for (const std::string& in : n.inputs) {
      if (in[0] != '^') data.push_back(in);
    }
    if (bound->second.size() > data.size()) {
      return DataLoss("call node " + Quoted(n.name) + " has " + std::to_string(data.size()) +
                      " inputs, fewer than the " + std::to_string(bound->second.size()) +
                      " captures the object graph lists for " + fn);
    }
    const size_t first = data.size() - bound->second.size();
    for (size_t k = 0; k < bound->second.size(); ++k) {
      TFM_ASSIGN_OR_RETURN(auto src, ParseTensorName(data[first + k]));
      auto it = by_name.find(src.first);
      if (it == by_name.end() || it->second->op != "VarHandleOp") continue;
      const int id = bound->second[k];
      if (og.nodes[id].kind != SavedObjectData::Kind::kVariable) {
        return DataLoss("call node " + Quoted(n.name) + " captures VarHandleOp " +
                        Quoted(src.first) + " as object graph node " + std::to_string(id) +
                        ", which is a " + SavedObjectKindName(og.nodes[id].kind) +
                        ", not a variable");
      }
      auto [pos, inserted] = handles.emplace(src.first, id);
      if (!inserted && pos->second != id) {
        return DataLoss("VarHandleOp " + Quoted(src.first) + " is captured as object graph nodes " +
                        std::to_string(pos->second) + " and " + std::to_string(id));
      }
    }
  }
  return handles;
}

}  // namespace

Result<bool> IsObjectGraphSavedModel(std::string_view dir, const std::vector<std::string>& tags) {
  TFM_ASSIGN_OR_RETURN(SavedModelData sm, ReadSavedModel(std::string(dir)));
  TFM_ASSIGN_OR_RETURN(const MetaGraphData* meta, PickMetaGraph(sm, tags));
  return meta->has_object_graph;
}

Result<FrozenSavedModel> FreezeSavedModel(std::string_view dir_view, const std::string& path,
                                          const FreezeSavedModelOptions& options) {
  const std::string dir(dir_view);
  TFM_ASSIGN_OR_RETURN(SavedModelData sm, ReadSavedModel(dir));
  TFM_ASSIGN_OR_RETURN(const MetaGraphData* meta, PickMetaGraph(sm, options.tags));
  if (!meta->has_object_graph) {
    return FailedPrecondition(sm.path + " is a TF1 SavedModel (no object graph): load it into a "
                              "Session and freeze it with FreezeGraph");
  }
  auto sig = meta->signatures.find(options.signature_key);
  if (sig == meta->signatures.end()) {
    std::string keys;
    for (const auto& [k, s] : meta->signatures) keys += (keys.empty() ? "" : ", ") + k;
    return NotFound("signature " + Quoted(options.signature_key) + " is not in " + sm.path +
                    " (signatures: " + (keys.empty() ? "none" : keys) + ")");
  }
  FrozenSavedModel out;
  out.saved_model = sm.path;
  GraphDefData g = meta->graph;
  std::set<std::string> roots;
  for (const auto* side : {&sig->second.inputs, &sig->second.outputs}) {
    for (const auto& [key, info] : *side) {
      auto parsed = ParseTensorName(info.name);
      if (info.name.empty() || !parsed.ok() || parsed->second < 0) {
        return Unimplemented("signature " + Quoted(options.signature_key) + " tensor " +
                             Quoted(key) + " is not a plain tensor name (" + Quoted(info.name) +
                             "; composite tensors cannot be frozen)");
      }
      roots.insert(parsed->first);
      (side == &sig->second.inputs ? out.inputs : out.outputs)[key] = info.name;
    }
  }
  Status pruned = PruneToNodes(g, roots);
  if (!pruned.ok()) return pruned.WithContext(sm.path + ", signature " + options.signature_key);

  // Captured variables and their values.
  TFM_ASSIGN_OR_RETURN(auto handles, CapturedVariables(g, meta->object_graph));
  for (const NodeDefData& n : g.nodes) {
    if (n.op == "VarHandleOp" && !handles.count(n.name)) {
      return DataLoss("VarHandleOp " + Quoted(n.name) + " of signature " +
                      Quoted(options.signature_key) + " is not captured by any function the "
                      "object graph of " + sm.path + " describes; its value cannot be found");
    }
  }
  std::map<std::string, Tensor> values;
  if (!handles.empty()) {
    const std::string prefix = JoinPath(JoinPath(dir, "variables"), "variables");
    auto ckpt = ObjectCheckpoint::Open(prefix);
    if (!ckpt.ok()) return ckpt.status().WithContext("reading the variables of " + dir);
    const std::vector<int> match = MatchCheckpointNodes(meta->object_graph, (*ckpt)->graph());
    const std::vector<std::string> paths = SavedObjectPaths(meta->object_graph);
    for (const auto& [node, id] : handles) {
      const std::string what = "variable " + Quoted(meta->object_graph.nodes[id].variable_name) +
                               " (VarHandleOp " + Quoted(node) + ", object " + Quoted(paths[id]) +
                               ")";
      std::string key;
      if (match[id] >= 0) {
        for (const auto& a : (*ckpt)->graph().nodes()[match[id]].attributes) {
          if (a.name == kVariableValueAttribute) key = a.checkpoint_key;
        }
      }
      if (key.empty()) {
        return NotFound(what + " has no value in " + prefix + " (its object graph has no " +
                        "variable at that path)");
      }
      auto value = (*ckpt)->reader().Read(key);
      if (!value.ok()) return value.status().WithContext(what);
      values[node] = std::move(value).value();
      out.variables.push_back({node, paths[id], key});
    }
  }

  auto inlined = InlineFunctionCalls(g);
  if (!inlined.ok()) return inlined.status().WithContext(sm.path);
  out.inlined_calls = inlined->calls;
  ForwardInlinedOutputs(g, inlined->output_nodes);
  TFM_RETURN_IF_ERROR(PruneToNodes(g, roots));
  auto converted = ConvertVariablesToConstants(g, values);
  if (!converted.ok()) {
    return converted.status().WithContext("freezing signature " + Quoted(options.signature_key) +
                                          " of " + sm.path);
  }
  PruneLibrary(g);
  for (const FunctionDefData& f : g.functions) out.functions.push_back(f.name);
  out.num_nodes = static_cast<int>(g.nodes.size());
  if (!path.empty()) {
    const bool text = path.ends_with(".pbtxt") || path.ends_with(".pbtext");
    TFM_RETURN_IF_ERROR(WriteGraphDef(path, g, text).WithContext("writing the frozen graph"));
  }
  return out;
}

}  // namespace tfmodel
