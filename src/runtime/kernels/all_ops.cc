// The explicit list of op families (no static-initialiser registration).
#include "src/runtime/kernels/all_ops.h"

#include "src/runtime/kernel.h"

namespace tfmodel {

void RegisterAllOps(OpRegistry& r) {
  RegisterStateOps(r);
  RegisterIoOps(r);
  RegisterParsingOps(r);
  RegisterMathBinaryOps(r);
  RegisterMathUnaryOps(r);
  RegisterActivationOps(r);
  RegisterReduceOps(r);
  RegisterMatMulOps(r);
  RegisterArrayShapeOps(r);
  RegisterArraySliceOps(r);
  RegisterArrayGatherOps(r);
  RegisterNnOps(r);
  RegisterRandomOps(r);
  RegisterStatelessRandomOps(r);
  RegisterTrainingOps(r);
  RegisterActivationGradOps(r);
  RegisterLossOps(r);
  RegisterMathGradOps(r);
  RegisterArrayGradOps(r);
  RegisterSegmentOps(r);
  RegisterCheckOps(r);
  RegisterConvGradOps(r);
  RegisterNnGradOps(r);
  RegisterFunctionalOps(r);
  RegisterListOps(r);
  RegisterMathSpecialOps(r);
  RegisterEinsumOps(r);
}

}  // namespace tfmodel
