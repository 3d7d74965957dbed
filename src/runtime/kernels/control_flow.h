// TF1 dataflow control flow: Switch, Merge, Enter, Exit, NextIteration, LoopCond, their Ref
// variants and ControlTrigger. Their kernels only move values; what makes them control flow
// (dead tensors, frames, iterations) is the executor's (session_flow.cc).
//
// They are executor primitives, not ordinary ops: they live in their own table, consulted by the
// session's planner, and not in the OpRegistry (which the op harness, the gradient table and
// function bodies enumerate; TF1 control flow has no place in any of them). TF1's TensorArray ops
// share the table (kernels/tensor_array.h): their arrays live for one run, which the executor
// owns.
#ifndef TFMODEL_SRC_RUNTIME_KERNELS_CONTROL_FLOW_H_
#define TFMODEL_SRC_RUNTIME_KERNELS_CONTROL_FLOW_H_

#include <cstdint>
#include <string_view>

#include "src/runtime/kernel.h"

namespace tfmodel {

// How the executor treats a node's outputs and activations.
enum class FlowKind : uint8_t {
  kNone,            // an ordinary op (LoopCond too): dead if any input is dead
  kSwitch,          // forwards data to output 1 if pred else 0; the other output is dead
  kMerge,           // fires on its first live input (or dead when all are dead)
  kEnter,           // passes a value into a child frame (iteration 0, or every one if constant)
  kExit,            // passes a value out of a frame to its parent
  kNextIteration,   // passes a value to the next iteration of its frame
  kControlTrigger,  // never dead, whatever its inputs
  kTensorArray      // an op on the run's TensorArrays (kernels/tensor_array.h): run by the executor
};

struct ControlFlowOp {
  OpRegistration registration;
  FlowKind kind;
};

// The control-flow op (or TensorArray op) named `op`, or null.
const ControlFlowOp* FindControlFlowOp(std::string_view op);
// Whether `op` is NextIteration or RefNextIteration (the ops on a loop's back edge).
bool IsNextIterationOp(std::string_view op);

}  // namespace tfmodel

#endif  // TFMODEL_SRC_RUNTIME_KERNELS_CONTROL_FLOW_H_
