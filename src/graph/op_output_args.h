// The output args of TensorFlow ops with more than one (generated from TF 2.21's OpDefs), to turn
// a function body's `node:out_arg:index` into a flat output index.
#ifndef TFMODEL_SRC_GRAPH_OP_OUTPUT_ARGS_H_
#define TFMODEL_SRC_GRAPH_OP_OUTPUT_ARGS_H_

#include <span>
#include <string_view>

namespace tfmodel {

// One output arg: it holds one tensor, or as many as the int attr `number_attr` says, or as
// the type-list attr `type_list_attr` has types.
struct OutputArgSpec {
  std::string_view op;
  std::string_view name;
  std::string_view number_attr;
  std::string_view type_list_attr;
};

// The output args of `op` in OpDef order; empty for an op with a single output arg (whose
// `node:arg:i` is output i) or one TensorFlow does not have.
std::span<const OutputArgSpec> OpOutputArgs(std::string_view op);

}  // namespace tfmodel

#endif  // TFMODEL_SRC_GRAPH_OP_OUTPUT_ARGS_H_
