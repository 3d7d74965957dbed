// StridedSlice's index arithmetic, shared by StridedSlice (array_slice.cc) and its gradient
// StridedSliceGrad (array_grad_ops.cc).
#ifndef TFMODEL_SRC_RUNTIME_KERNELS_STRIDED_SLICE_H_
#define TFMODEL_SRC_RUNTIME_KERNELS_STRIDED_SLICE_H_

#include <cstdint>
#include <vector>

#include "tfmodel/status.h"
#include "tfmodel/tensor.h"

namespace tfmodel::array {

struct StridedSliceAttrs {
  int64_t begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask;
};

// The slice as one (begin, stride, count) per input dim, and the output shape after
// new_axis / shrink_axis (TF's ValidateStridedSliceOp).
struct SlicePlan {
  std::vector<int64_t> begin, stride, processing;  // per input dim
  std::vector<int64_t> final_shape;
};

// `in` is the sliced tensor's shape; sb/se/ss the begin/end/strides tensors' values.
Result<SlicePlan> PlanStridedSlice(const Shape& in, std::vector<int64_t> sb,
                                   std::vector<int64_t> se, std::vector<int64_t> ss,
                                   const StridedSliceAttrs& a);

}  // namespace tfmodel::array

#endif  // TFMODEL_SRC_RUNTIME_KERNELS_STRIDED_SLICE_H_
