// The output args of TensorFlow ops that have several (from TF 2.21's OpDefs), to turn a
// function body's `node:out_arg:index` into a GraphDef's flat `node:k` when inlining.
// (tf2-runtime carries the same table in src/runtime/op_output_args.*; this layer is below it.)
#ifndef TFMODEL_SRC_GRAPH_OP_OUTPUT_ARGS_H_
#define TFMODEL_SRC_GRAPH_OP_OUTPUT_ARGS_H_

#include <span>
#include <string_view>

namespace tfmodel {

// One output arg: one tensor, or as many as the int attr `number_attr` says, or as many as the
// type-list attr `type_list_attr` has types.
struct GraphOutputArg {
  std::string_view op;
  std::string_view name;
  std::string_view number_attr;
  std::string_view type_list_attr;
};

// The output args of `op` in OpDef order; empty for an op with a single output arg (whose
// `node:arg:i` is output i) and for ops TensorFlow does not have.
std::span<const GraphOutputArg> MultiOutputArgs(std::string_view op);

}  // namespace tfmodel

#endif  // TFMODEL_SRC_GRAPH_OP_OUTPUT_ARGS_H_
