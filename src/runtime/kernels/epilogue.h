// Element-wise ops fused into the kernel before them. The function-body planner
// (src/runtime/function_body.cc) finds chains such as
//   Conv2D -> BiasAdd -> Mul(scale) -> AddV2(shift) -> Relu6
// in which every intermediate tensor has one reader, and hands the producer's kernel the chain as
// an Epilogue. A kernel that can (Conv2D, DepthwiseConv2dNative, MatMul on float) applies the
// first `applied` ops to its output while each tile is still in cache; the executor then skips
// those steps and gives the producer's output to the last one's readers. The ops a kernel cannot
// apply (another dtype, an operand that broadcasts otherwise than one value, one per channel or
// one per element) run as planned, so fusing never changes what a graph computes: each op is
// applied in order and rounded as alone.
#ifndef TFMODEL_SRC_RUNTIME_KERNELS_EPILOGUE_H_
#define TFMODEL_SRC_RUNTIME_KERNELS_EPILOGUE_H_

#include <cstdint>
#include <string_view>

#include "src/runtime/kernel.h"
#include "src/runtime/kernels/gemm.h"
#include "tfmodel/tensor.h"

namespace tfmodel {

struct Epilogue {
  struct Op {
    gemm::PostOp::Kind kind = gemm::PostOp::Kind::kAdd;
    const Tensor* operand = nullptr;  // kAdd / kMul: the op's other input
    bool bias = false;                // BiasAdd: the operand must be [channels]
  };
  Op ops[gemm::kMaxPostOps];
  int count = 0;
  int applied = 0;  // set by the kernel: how many of the ops (from the first) it applied
};

// The ops the planner fuses: BiasAdd (NHWC), Add/AddV2, Mul (one operand from the chain), Relu,
// Relu6. False for any other op.
bool EpilogueKindOf(std::string_view op, gemm::PostOp::Kind* kind);

// The leading ops of `e` that a float kernel with output shape `out` (of at least one dimension,
// channels last) can apply, as post ops over the output seen as a matrix [elements / channels,
// channels]: operands float and either of one value, or of one value per channel ([channels], or
// [1, ..., channels] of at most out's rank), or of out's shape. `ops` gets them; returns how many.
int ResolveEpilogue(const Epilogue& e, const Shape& out, gemm::PostOp* ops);

// The kernel side in one call, for a float output of shape `out`: null when `c` has no epilogue
// or none of it applies, else the post ops (kept in `ops` and `post`), with c.epilogue()->applied
// set: the kernel must then apply them to all of its output.
inline const gemm::PostOps* TakeEpilogue(KernelContext& c, const Shape& out, gemm::PostOp* ops,
                                         gemm::PostOps* post) {
  Epilogue* e = c.epilogue();
  if (e == nullptr) return nullptr;
  e->applied = ResolveEpilogue(*e, out, ops);
  if (e->applied == 0) return nullptr;
  *post = gemm::PostOps{ops, e->applied};
  return post;
}

}  // namespace tfmodel

#endif  // TFMODEL_SRC_RUNTIME_KERNELS_EPILOGUE_H_
