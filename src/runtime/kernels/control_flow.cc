// The kernels of TF1 control flow (Switch, Merge, Enter, Exit, NextIteration, LoopCond, the Ref
// variants, ControlTrigger): value moves only; deadness and frames are the executor's.
#include "src/runtime/kernels/control_flow.h"

#include <array>

#include "src/runtime/kernels/tensor_array.h"

namespace tfmodel {
namespace {

// The dtype attr `T`, checking that the first `forwarded` inputs are of dtype T (a Merge's back
// edge from NextIteration is planned after it: kInvalid here, checked when a run is planned).
Result<DataType> ForwardedType(const NodeInfo& n, int forwarded) {
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("T"));
  for (int i = 0; i < forwarded; ++i) {
    DataType in = n.input_type(i);
    if (in != DataType::kInvalid && in != t) {
      return n.Error("input " + std::to_string(i) + " is " + std::string(DataTypeName(in)) +
                     ", attr T is " + std::string(DataTypeName(t)));
    }
  }
  return t;
}

// ---- Switch / RefSwitch ------------------------------------------------------------------------
// (data, pred) -> output_false = data if !pred, output_true = data if pred; the other is dead.
Result<Kernel> Switch(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  TFM_ASSIGN_OR_RETURN(DataType t, ForwardedType(n, 1));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(1, DataType::kBool));
  return Kernel{{t, t}, [](KernelContext& c) -> Status {
                  const Tensor& pred = c.input(1);
                  if (pred.NumElements() != 1 || pred.shape().rank() != 0) {
                    return c.Error(
                        StatusCode::kInvalidArgument,
                        "pred must be a scalar, got shape " + pred.shape().DebugString());
                  }
                  c.set_output(pred.flat<bool>()[0] ? 1 : 0, c.input(0));
                  return Status::Ok();
                }};
}

// ---- Merge / RefMerge --------------------------------------------------------------------------
// (inputs...) -> (the live input, its index). The executor passes dead inputs as empty tensors.
Result<Kernel> Merge(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputsAtLeast(1));
  TFM_ASSIGN_OR_RETURN(DataType t, ForwardedType(n, n.num_inputs()));
  return Kernel{{t, DataType::kInt32}, [](KernelContext& c) -> Status {
                  for (int i = 0; i < c.num_inputs(); ++i) {
                    if (c.input(i).dtype() == DataType::kInvalid) continue;
                    c.set_output(0, c.input(i));
                    c.set_output(1, Tensor::Scalar<int32_t>(i));
                    return Status::Ok();
                  }
                  return c.Error(StatusCode::kInternal, "Merge ran without a live input");
                }};
}

// ---- Enter / RefEnter --------------------------------------------------------------------------
// x -> x in the child frame `frame_name` (is_constant: in every iteration of it).
Result<Kernel> Enter(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  TFM_ASSIGN_OR_RETURN(DataType t, ForwardedType(n, n.num_inputs()));
  TFM_ASSIGN_OR_RETURN(std::string frame, n.StringAttr("frame_name"));
  if (frame.empty()) return n.Error("attr frame_name is empty");
  if (n.IntAttrOr("parallel_iterations", 10) <= 0) {
    return n.Error("attr parallel_iterations must be positive");
  }
  return Kernel{{t}, [](KernelContext& c) -> Status {
                  c.set_output(0, c.input(0));
                  return Status::Ok();
                }};
}

// ---- Exit, NextIteration (and Ref variants), LoopCond ------------------------------------------
// x -> x (in the parent frame, the next iteration, or as the loop's predicate).
Result<Kernel> Forward(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  TFM_ASSIGN_OR_RETURN(DataType t, ForwardedType(n, n.num_inputs()));
  return Kernel{{t}, [](KernelContext& c) -> Status {
                  c.set_output(0, c.input(0));
                  return Status::Ok();
                }};
}

Result<Kernel> LoopCond(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, DataType::kBool));
  return Kernel{{DataType::kBool}, [](KernelContext& c) -> Status {
                  if (c.input(0).NumElements() != 1 || c.input(0).shape().rank() != 0) {
                    return c.Error(StatusCode::kInvalidArgument,
                                   "the loop condition must be a scalar, got shape " +
                                       c.input(0).shape().DebugString());
                  }
                  c.set_output(0, c.input(0));
                  return Status::Ok();
                }};
}

// ---- ControlTrigger ----------------------------------------------------------------------------
Result<Kernel> ControlTrigger(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(0));
  return Kernel{{}, [](KernelContext&) { return Status::Ok(); }};
}

const std::array<ControlFlowOp, 12> kOps{{
    {{"Switch", Switch}, FlowKind::kSwitch},
    {{"RefSwitch", Switch}, FlowKind::kSwitch},
    {{"Merge", Merge}, FlowKind::kMerge},
    {{"RefMerge", Merge}, FlowKind::kMerge},
    {{"Enter", Enter}, FlowKind::kEnter},
    {{"RefEnter", Enter}, FlowKind::kEnter},
    {{"Exit", Forward}, FlowKind::kExit},
    {{"RefExit", Forward}, FlowKind::kExit},
    {{"NextIteration", Forward}, FlowKind::kNextIteration},
    {{"RefNextIteration", Forward}, FlowKind::kNextIteration},
    {{"LoopCond", LoopCond}, FlowKind::kNone},
    {{"ControlTrigger", ControlTrigger}, FlowKind::kControlTrigger},
}};

}  // namespace

const ControlFlowOp* FindControlFlowOp(std::string_view op) {
  for (const ControlFlowOp& c : kOps) {
    if (c.registration.name == op) return &c;
  }
  return FindTensorArrayOp(op);
}

bool IsNextIterationOp(std::string_view op) {
  return op == "NextIteration" || op == "RefNextIteration";
}

}  // namespace tfmodel
