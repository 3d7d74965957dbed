// Variables -> constants on GraphDefData (spec 5.1 step 4, 5.2): the rewrite
// convert_variables_to_constants performs once the variables' values are known.
//
//   TFM_ASSIGN_OR_RETURN(auto copies, ConvertVariablesToConstants(graph, {{"dense/kernel", k}}));
#ifndef TFMODEL_SRC_GRAPH_FREEZE_VARIABLES_H_
#define TFMODEL_SRC_GRAPH_FREEZE_VARIABLES_H_

#include <map>
#include <string>
#include <vector>

#include "src/formats/graph_io.h"
#include "tfmodel/status.h"
#include "tfmodel/tensor.h"

namespace tfmodel {

// Replaces each VarHandleOp named in `values` by a Const of its value (same name) and rewrites
// whatever reads the handle, following it through Identity-like ops:
//   ReadVariableOp -> Identity (T = the value's dtype);
//   Identity, IdentityN, Enter, Exit, Switch, Merge, NextIteration -> retyped;
//   ResourceGather -> GatherV2 (+ a "<name>/axis" Const), ResourceGatherNd -> GatherNd,
//   VariableShape -> Shape;
//   If/StatelessIf/Case (Tin), While/StatelessWhile (T, output_shapes), PartitionedCall/
//   StatefulPartitionedCall (Tin) and direct function calls: retyped, calling copies of their
//   functions named "<function>_frozen_<k>" that take the value where they took the handle (the
//   same rewrite inside them, recursively).
// Any other use of a handle (AssignVariableOp, a handle returned by an If branch, ...) is an
// error naming the node. The value's dtype and shape must agree with the VarHandleOp's attrs.
// Returns the names of the function copies added to graph.functions.
Result<std::vector<std::string>> ConvertVariablesToConstants(
    GraphDefData& graph, const std::map<std::string, Tensor>& values);

}  // namespace tfmodel

#endif  // TFMODEL_SRC_GRAPH_FREEZE_VARIABLES_H_
