// Function inlining and pruning on GraphDefData: what Grappler's function optimizer does before
// convert_variables_to_constants_v2 (spec 5.2), without the rest of Grappler.
//
//   TFM_ASSIGN_OR_RETURN(InlineResult r, InlineFunctionCalls(graph));  // every call, recursively
//   ForwardInlinedOutputs(graph, r.output_nodes);
//   TFM_RETURN_IF_ERROR(PruneToNodes(graph, {"StatefulPartitionedCall", "serving_default_x"}));
//   PruneLibrary(graph);
//
// A call node C (PartitionedCall, StatefulPartitionedCall, or an op naming a library function)
// becomes the body's nodes named "C/<node>", reading C's inputs directly, and an IdentityN named
// C over the body's results (control-dependent on its control outputs), so "C:k" still names
// output k. Consumers are then rewired past the IdentityN; pruning drops it unless it is kept.
// If, While and Case are not inlined: they stay functional ops calling library functions.
#ifndef TFMODEL_SRC_GRAPH_FUNCTION_INLINE_H_
#define TFMODEL_SRC_GRAPH_FUNCTION_INLINE_H_

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "src/formats/graph_io.h"
#include "tfmodel/status.h"

namespace tfmodel {

struct InlineOptions {
  int max_depth = 64;              // nested calls deeper than this are an error (recursion)
  size_t max_nodes = 50'000'000;   // bound on the inlined graph's size
};

struct InlineResult {
  int calls = 0;                       // calls inlined
  std::set<std::string> output_nodes;  // the IdentityN (or NoOp) nodes that replaced them
};

// Inlines every function call of `graph`'s nodes (not inside library functions), the inlined
// bodies' calls too. Errors name the call node and the function (unknown function, bad input
// reference, arity mismatch, recursion).
Result<InlineResult> InlineFunctionCalls(GraphDefData& graph, const InlineOptions& options = {});

// Rewires data inputs that read one of `output_nodes` (IdentityN) to that node's own input.
void ForwardInlinedOutputs(GraphDefData& graph, const std::set<std::string>& output_nodes);

// Keeps only `roots` and the nodes they reach through data and control inputs (order kept).
// NotFound names a root that is not in the graph.
Status PruneToNodes(GraphDefData& graph, const std::set<std::string>& roots);

// Keeps only the library functions that the graph's nodes reach (function attrs, ops naming a
// function), transitively.
void PruneLibrary(GraphDefData& graph);

// "n:out_arg:i" of a function body node -> its flat output index. `callee` is the FunctionDef
// when `node.op` names one (else nullptr).
Result<int> FunctionBodyOutputIndex(const NodeDefData& node, const FunctionDefData* callee,
                                    std::string_view out_arg, int index);

// Whether `op` is a call inlined by InlineFunctionCalls.
bool IsPartitionedCallOp(std::string_view op);

}  // namespace tfmodel

#endif  // TFMODEL_SRC_GRAPH_FUNCTION_INLINE_H_
