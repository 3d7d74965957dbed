// How kernels reach the variables behind their inputs: resource handles (VarHandleOp's
// DT_RESOURCE scalars, looked up in the session's ResourceMgr) and TF1 reference inputs
// (KernelContext::ref_input), plus locking several variables for one in-place update.
#ifndef TFMODEL_SRC_RUNTIME_KERNELS_VARIABLES_H_
#define TFMODEL_SRC_RUNTIME_KERNELS_VARIABLES_H_

#include <functional>
#include <memory>
#include <span>

#include "src/runtime/kernel.h"
#include "src/runtime/resource.h"

namespace tfmodel {

// The variable named by the resource handle in input `input`. Errors (naming the node): the
// input is not a scalar DT_RESOURCE, the kernel runs without a ResourceMgr, or no variable of
// that name exists.
Result<std::shared_ptr<VariableState>> HandleVariable(KernelContext& c, int input);

// Input i's value: c.input(i), except for an input fed by a reference variable that the executor
// did not read because the op writes its reference inputs (OpRegistration::writes_ref_inputs):
// then the variable's current value (e.g. ApplyAdam's beta1_power from "beta1_power/read").
// FailedPrecondition naming the node when that variable is uninitialised.
Result<Tensor> ReadInput(KernelContext& c, int i);

// Runs fn(values) with every variable of `vars` locked, where values[i] is vars[i]'s current
// value, to be updated in place (Variable::Update semantics: a copy-on-write value, kept only
// when fn succeeds). Locks are taken in address order, so concurrent updates of overlapping
// sets cannot deadlock. REQUIRES: the variables are distinct.
Status UpdateVariables(std::span<VariableState* const> vars,
                       const std::function<Status(std::span<Tensor* const>)>& fn);

}  // namespace tfmodel

#endif  // TFMODEL_SRC_RUNTIME_KERNELS_VARIABLES_H_
