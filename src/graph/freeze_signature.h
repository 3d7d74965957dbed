// Freezing one signature of a TF2 MetaGraph into a constant GraphDef, the graph pass behind
// FreezeSavedModel (tfmodel/freeze.h); the variables' values come from the caller.
//
//   auto values = [&](const std::vector<const NodeDefData*>& handles) { ... one Tensor each ... };
//   TFM_ASSIGN_OR_RETURN(FrozenSignature f, FreezeSignature(meta, "serving_default", "m/", values));
//   WriteGraphDef("frozen.pb", f.graph);
//
// Steps (what convert_variables_to_constants_v2 does after Grappler's function inlining): prune
// the graph to the signature's tensors, inline every call (nested ones too), prune again past the
// inlined calls, then every VarHandleOp left becomes a Const of its value (freeze_variables.h)
// and the library keeps only the functions If/Case/While still call.
#ifndef TFMODEL_SRC_GRAPH_FREEZE_SIGNATURE_H_
#define TFMODEL_SRC_GRAPH_FREEZE_SIGNATURE_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "src/formats/graph_io.h"
#include "tfmodel/status.h"
#include "tfmodel/tensor.h"

namespace tfmodel {

// The values of the signature's variables, one per VarHandleOp in `handles` (same order).
// Errors are reported with the signature's context added.
using VariableValuesFn =
    std::function<Result<std::vector<Tensor>>(const std::vector<const NodeDefData*>& handles)>;

struct FrozenSignature {
  GraphDefData graph;
  std::map<std::string, std::string> inputs;   // signature key -> tensor to feed
  std::map<std::string, std::string> outputs;  // signature key -> tensor to fetch
  std::vector<std::string> variables;          // VarHandleOps that became Consts
  int inlined_calls = 0;
  std::vector<std::string> functions;  // left in the library (If/Case/While and what they call)
};

// `what` names the model in errors. Errors: NotFound for an unknown signature (listing the
// signatures there are) or a function missing from the library (naming the call node);
// Unimplemented for composite (non-tensor) signature entries; whatever `values` returns, and
// InvalidArgument when a variable is written or its value's dtype/shape does not fit.
Result<FrozenSignature> FreezeSignature(const MetaGraphData& meta, const std::string& key,
                                        const std::string& what, const VariableValuesFn& values);

}  // namespace tfmodel

#endif  // TFMODEL_SRC_GRAPH_FREEZE_SIGNATURE_H_
