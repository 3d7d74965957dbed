// Tensor slices of partitioned variables: validation, text form, and copying a stored slice
// into the full tensor.
#ifndef TFMODEL_SRC_FORMATS_BUNDLE_SLICES_H_
#define TFMODEL_SRC_FORMATS_BUNDLE_SLICES_H_

#include "tfmodel/checkpoint.h"

namespace tfmodel {

// Whether `slice` covers every element of a tensor of shape `full`.
bool IsFullSlice(const TensorSlice& slice, const Shape& full);
// Copies `part` (shaped like `slice` of `full`) into its place in `full`.
// REQUIRES: same dtype; part.shape() == slice.SliceShape(full.shape()).
void CopySliceIntoFull(const TensorSlice& slice, const Tensor& part, Tensor& full);
// Copies the region `slice` of `full` out into `part` (the inverse of CopySliceIntoFull).
void CopySliceOutOfFull(const TensorSlice& slice, const Tensor& full, Tensor& part);

}  // namespace tfmodel

#endif  // TFMODEL_SRC_FORMATS_BUNDLE_SLICES_H_
