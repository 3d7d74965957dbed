// Every op family's registration function; RegisterAllOps calls them all (all_ops.cc).
#ifndef TFMODEL_SRC_RUNTIME_KERNELS_ALL_OPS_H_
#define TFMODEL_SRC_RUNTIME_KERNELS_ALL_OPS_H_

namespace tfmodel {

class OpRegistry;

void RegisterAllOps(OpRegistry& r);

void RegisterStateOps(OpRegistry& r);        // kernels/state.cc: Placeholder, Const, variables
void RegisterIoOps(OpRegistry& r);           // kernels/io.cc: SaveV2, RestoreV2, ...
void RegisterParsingOps(OpRegistry& r);      // kernels/parsing.cc: ParseExample, string ops
void RegisterMathBinaryOps(OpRegistry& r);   // kernels/math_binary.cc: Add, Mul, Equal, AddN, Select
void RegisterMathUnaryOps(OpRegistry& r);    // kernels/math_unary.cc: Neg, Exp, Cast, ClipByValue
void RegisterActivationOps(OpRegistry& r);   // kernels/activations.cc: Relu, Softmax, BiasAdd
void RegisterReduceOps(OpRegistry& r);       // kernels/reduce.cc: Sum, Mean, ArgMax, Cumsum, TopKV2
void RegisterMatMulOps(OpRegistry& r);       // kernels/matmul.cc: MatMul, BatchMatMulV2
void RegisterArrayShapeOps(OpRegistry& r);   // kernels/array_shape.cc: Reshape, ConcatV2, Transpose
void RegisterArraySliceOps(OpRegistry& r);   // kernels/array_slice.cc: Slice, StridedSlice, Pad
void RegisterArrayGatherOps(OpRegistry& r);  // kernels/array_gather.cc: GatherV2, GatherNd, Where
void RegisterNnOps(OpRegistry& r);           // kernels/nn.cc: Conv2D, MaxPool, FusedBatchNorm
void RegisterRandomOps(OpRegistry& r);       // kernels/random.cc: RandomUniform, TruncatedNormal
void RegisterStatelessRandomOps(OpRegistry& r);  // kernels/stateless_random.cc: Stateless*
void RegisterTrainingOps(OpRegistry& r);     // kernels/training.cc: Apply*, ResourceApply*
void RegisterActivationGradOps(OpRegistry& r);  // kernels/activation_grad.cc: ReluGrad, BiasAddGrad
void RegisterLossOps(OpRegistry& r);         // kernels/loss_ops.cc: SoftmaxCrossEntropyWithLogits
void RegisterMathGradOps(OpRegistry& r);     // kernels/math_grad_ops.cc: BroadcastGradientArgs
void RegisterArrayGradOps(OpRegistry& r);    // kernels/array_grad_ops.cc: DynamicStitch, ScatterNd
void RegisterSegmentOps(OpRegistry& r);      // kernels/segment_ops.cc: UnsortedSegmentSum
void RegisterCheckOps(OpRegistry& r);        // kernels/check_ops.cc: Assert, CheckNumerics
void RegisterConvGradOps(OpRegistry& r);     // kernels/conv_grad.cc: Conv2DBackpropInput, ...
void RegisterNnGradOps(OpRegistry& r);       // kernels/nn_grad.cc: MaxPoolGrad, LRNGrad, ...
void RegisterFunctionalOps(OpRegistry& r);   // kernels/functional_ops.cc: PartitionedCall, If, While
void RegisterListOps(OpRegistry& r);         // kernels/list_ops.cc: TensorList*
void RegisterMathSpecialOps(OpRegistry& r);  // kernels/math_special.cc: Erf, Erfc, IsNan, ...
void RegisterEinsumOps(OpRegistry& r);       // kernels/einsum.cc: Einsum
// Families added by their own files, one line each in all_ops.cc.

}  // namespace tfmodel

#endif  // TFMODEL_SRC_RUNTIME_KERNELS_ALL_OPS_H_
