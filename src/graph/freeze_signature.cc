// FreezeSignature: prune, inline, prune, variables -> constants, prune the library.
#include "src/graph/freeze_signature.h"

#include <set>

#include "src/graph/freeze_variables.h"
#include "src/graph/function_inline.h"
#include "src/graph/graph.h"

namespace tfmodel {

Result<FrozenSignature> FreezeSignature(const MetaGraphData& meta, const std::string& key,
                                        const std::string& what, const VariableValuesFn& values) {
  auto sig = meta.signatures.find(key);
  if (sig == meta.signatures.end()) {
    std::string keys;
    for (const auto& [k, s] : meta.signatures) {
      if (k != "__saved_model_init_op") keys += (keys.empty() ? "" : ", ") + k;
    }
    return NotFound("signature '" + key + "' is not in " + what + " (signatures: " +
                    (keys.empty() ? "none" : keys) + ")");
  }
  const std::string context = what + ", signature '" + key + "'";
  FrozenSignature out;
  std::set<std::string> roots;
  for (const auto* side : {&sig->second.inputs, &sig->second.outputs}) {
    for (const auto& [k, info] : *side) {
      auto parsed = ParseTensorName(info.name);
      if (info.name.empty() || !parsed.ok() || parsed->second < 0) {
        return Unimplemented(context + ": tensor '" + k + "' is not a plain tensor ('" +
                             info.name + "'); composite tensors cannot be frozen");
      }
      roots.insert(parsed->first);
      (side == &sig->second.inputs ? out.inputs : out.outputs)[k] = info.name;
    }
  }
  GraphDefData& g = out.graph;
  g = meta.graph;
  Status s = PruneToNodes(g, roots);
  if (!s.ok()) return s.WithContext(context);
  auto inlined = InlineFunctionCalls(g);
  if (!inlined.ok()) return inlined.status().WithContext(context);
  out.inlined_calls = inlined->calls;
  ForwardInlinedOutputs(g, inlined->output_nodes);
  TFM_RETURN_IF_ERROR(PruneToNodes(g, roots));

  std::vector<const NodeDefData*> handles;
  for (const NodeDefData& n : g.nodes) {
    if (n.op == "VarHandleOp") handles.push_back(&n);
  }
  std::map<std::string, Tensor> by_node;
  if (!handles.empty()) {
    auto got = values(handles);
    if (!got.ok()) return got.status().WithContext(context);
    if (got->size() != handles.size()) {
      return Internal(context + ": " + std::to_string(got->size()) + " values for " +
                      std::to_string(handles.size()) + " variables");
    }
    for (size_t k = 0; k < handles.size(); ++k) {
      by_node[handles[k]->name] = (*got)[k];
      out.variables.push_back(handles[k]->name);
    }
  }
  auto converted = ConvertVariablesToConstants(g, by_node);
  if (!converted.ok()) return converted.status().WithContext("freezing " + context);
  PruneLibrary(g);
  for (const NodeDefData& n : g.nodes) {
    if (n.op == "VarHandleOp" || n.op == "VariableV2" || n.op == "AssignVariableOp") {
      return InvalidArgument("freezing " + context + ": node '" + n.name + "' (" + n.op +
                             ") is left after freezing");
    }
  }
  for (const FunctionDefData& f : g.functions) out.functions.push_back(f.name);
  return out;
}

}  // namespace tfmodel
