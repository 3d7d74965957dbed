// TF1 TensorArrays: TensorArrayV3 and the ops on it (Write, Read, Scatter, Gather, Size, Close),
// as tf.TensorArray and tf.compat.v1.nn.dynamic_rnn write them with control flow v1.
//
// A TensorArray lives for one run (TensorFlow keeps it in the step's container), so the run owns
// it: the dataflow executor (session_flow.cc) holds a TensorArrayStore per run and executes these
// ops itself with RunTensorArrayOp. A handle is a DT_RESOURCE scalar naming the array in the store;
// the `flow` float tensors only order the ops, as in TensorFlow.
#ifndef TFMODEL_SRC_RUNTIME_KERNELS_TENSOR_ARRAY_H_
#define TFMODEL_SRC_RUNTIME_KERNELS_TENSOR_ARRAY_H_

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/runtime/kernels/control_flow.h"

namespace tfmodel {

struct TensorArrayState {
  DataType dtype = DataType::kInvalid;
  PartialShape element_shape;
  bool dynamic_size = false;
  std::vector<Tensor> elements;  // DT_INVALID: not written yet
};

struct TensorArrayStore {
  std::map<std::string, TensorArrayState> arrays;
  int64_t created = 0;
};

// The TensorArray op named `op` (planning: output dtypes and attr checks), or null.
const ControlFlowOp* FindTensorArrayOp(std::string_view op);

// Runs TensorArray op `op` of node `node` (attrs as planned) on the run's `store`. Errors name the
// node and, for bad indices or shapes, the index.
Status RunTensorArrayOp(const std::string& node, const std::string& op, const AttrMap& attrs,
                        TensorArrayStore& store, std::span<const Tensor> inputs,
                        std::span<Tensor> outputs);

}  // namespace tfmodel

#endif  // TFMODEL_SRC_RUNTIME_KERNELS_TENSOR_ARRAY_H_
