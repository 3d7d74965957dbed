// TensorList: the value a DT_VARIANT tensor holds for TensorFlow's list ops (what TF2 control
// flow makes of tf.TensorArray, e.g. in Keras recurrent layers).
//
//   auto list = std::make_shared<TensorList>(DataType::kFloat, PartialShape{false, {-1, 4}});
//   list->tensors.resize(3);                      // three uninitialised elements
//   Tensor handle = TensorList::Wrap(std::move(list));  // a scalar DT_VARIANT tensor
//
// A list inside a tensor is immutable (tensor.h: Variant): the list ops build a new list that
// shares the element tensors of the old one, so copying a list costs a pointer per element.
#ifndef TFMODEL_SRC_RUNTIME_TENSOR_LIST_H_
#define TFMODEL_SRC_RUNTIME_TENSOR_LIST_H_

#include <memory>
#include <string>
#include <vector>

#include "src/runtime/kernel.h"
#include "tfmodel/tensor.h"

namespace tfmodel {

struct TensorList final : VariantValue {
  TensorList(DataType dtype, PartialShape shape)
      : element_dtype(dtype), element_shape(std::move(shape)) {}
  std::string TypeName() const override { return "tensorflow::TensorList"; }
  std::string DebugString() const override;

  // A scalar DT_VARIANT tensor holding `list`.
  static Tensor Wrap(std::shared_ptr<const TensorList> list);

  DataType element_dtype;
  PartialShape element_shape;     // what every element must be compatible with
  int64_t max_num_elements = -1;  // -1: unbounded
  std::vector<Tensor> tensors;    // DT_INVALID: an element not set yet
};

// Lists are sized by data (TensorListReserve's num_elements, a tensor's first dim): a list may
// hold at most this many elements (a slot per element is allocated up front).
inline constexpr int64_t kMaxListElements = int64_t{1} << 24;

// The list held by input `i` (a scalar variant tensor holding a TensorList of `dtype`); errors
// name the node.
Result<std::shared_ptr<const TensorList>> ListInput(const KernelContext& c, int i, DataType dtype);

// An element_shape input: a scalar -1 (unknown rank) or a vector with -1 for unknown dims.
Result<PartialShape> ShapeFromTensor(const KernelContext& c, const Tensor& t);

// The most specific shape compatible with both; InvalidArgument when they conflict.
Result<PartialShape> MergeShapes(const PartialShape& a, const PartialShape& b);

}  // namespace tfmodel

#endif  // TFMODEL_SRC_RUNTIME_TENSOR_LIST_H_
