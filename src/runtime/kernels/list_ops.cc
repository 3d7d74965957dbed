// The TensorList ops TF2 control flow emits for tf.TensorArray (Keras recurrent layers unstack
// their input with TensorListFromTensor + TensorListGetItem and collect outputs with
// TensorListReserve + TensorListSetItem + TensorListStack). A list is a scalar DT_VARIANT
// tensor holding a TensorList (tensor_list.h); ops return new lists sharing the elements.
#include <algorithm>
#include <cstring>

#include "src/runtime/kernel.h"
#include "src/runtime/kernels/all_ops.h"
#include "src/runtime/kernels/array_util.h"
#include "src/runtime/tensor_list.h"

namespace tfmodel {
namespace {

using ListPtr = std::shared_ptr<const TensorList>;
using array::Alloc;
using array::DispatchElem;
using array::Elems;
using array::ReadScalarInt;

Result<DataType> ElementDtype(const NodeInfo& n) { return n.TypeAttr("element_dtype"); }

Status ExpectShapeType(const NodeInfo& n, int input) {
  if (input >= n.num_inputs()) return n.Error("missing input " + std::to_string(input));
  return n.ExpectType(n.input_type(input), {DataType::kInt32, DataType::kInt64});
}

// Whether `shape` fits `want` (a partial shape).
bool Compatible(const Shape& shape, const PartialShape& want) {
  if (want.unknown_rank) return true;
  if (static_cast<int>(want.dims.size()) != shape.rank()) return false;
  for (int i = 0; i < shape.rank(); ++i) {
    if (want.dims[i] >= 0 && want.dims[i] != shape.dim(i)) return false;
  }
  return true;
}

// Copies `count` elements of `src` starting at `src_at` to `dst` starting at `dst_at`.
Status CopyElements(const Tensor& src, int64_t src_at, Tensor& dst, int64_t dst_at, int64_t count) {
  return DispatchElem(src.dtype(), [&](auto tag) -> Status {
    using E = decltype(tag);
    std::copy_n(Elems<E>(src) + src_at, count, Elems<E>(dst) + dst_at);
    return Status::Ok();
  });
}

// The element at `index`, or zeros of the list's shape merged with `shape` for one never set.
Result<Tensor> ElementOrZeros(const KernelContext& c, const TensorList& list, int64_t index,
                              const PartialShape& shape) {
  const Tensor& t = list.tensors[index];
  if (t.dtype() != DataType::kInvalid) return t;
  auto merged = MergeShapes(list.element_shape, shape);
  if (!merged.ok()) return c.Error(StatusCode::kInvalidArgument, merged.status().message());
  if (!merged->IsFullyDefined()) {
    return c.Error(StatusCode::kInvalidArgument, "element " + std::to_string(index) +
                                                     " of the list was never set and its shape " +
                                                     merged->ToCliString() +
                                                     " is not fully defined");
  }
  TFM_ASSIGN_OR_RETURN(Tensor z, Alloc(list.element_dtype, merged->dims));
  return z;
}

// ---- EmptyTensorList(element_shape, max_num_elements) ----------------------------------------
Result<Kernel> EmptyTensorList(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  TFM_RETURN_IF_ERROR(ExpectShapeType(n, 0));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(1, DataType::kInt32));
  TFM_ASSIGN_OR_RETURN(DataType dtype, ElementDtype(n));
  return Kernel{{DataType::kVariant}, [dtype](KernelContext& c) -> Status {
                  TFM_ASSIGN_OR_RETURN(PartialShape shape, ShapeFromTensor(c, c.input(0)));
                  TFM_ASSIGN_OR_RETURN(int64_t max, ReadScalarInt(c.input(1), "max_num_elements"));
                  auto list = std::make_shared<TensorList>(dtype, shape);
                  list->max_num_elements = max;
                  c.set_output(0, TensorList::Wrap(std::move(list)));
                  return Status::Ok();
                }};
}

// ---- TensorListReserve(element_shape, num_elements): num_elements unset elements ------------
Result<Kernel> TensorListReserve(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  TFM_RETURN_IF_ERROR(ExpectShapeType(n, 0));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(1, DataType::kInt32));
  TFM_ASSIGN_OR_RETURN(DataType dtype, ElementDtype(n));
  return Kernel{{DataType::kVariant}, [dtype](KernelContext& c) -> Status {
                  TFM_ASSIGN_OR_RETURN(PartialShape shape, ShapeFromTensor(c, c.input(0)));
                  TFM_ASSIGN_OR_RETURN(int64_t count, ReadScalarInt(c.input(1), "num_elements"));
                  // Like tensors, a list's size comes from data: bound it.
                  if (count < 0 || count > kMaxListElements) {
                    return c.Error(StatusCode::kInvalidArgument,
                                   "num_elements must be in [0, " +
                                       std::to_string(kMaxListElements) + "], got " +
                                       std::to_string(count));
                  }
                  auto list = std::make_shared<TensorList>(dtype, shape);
                  list->tensors.resize(static_cast<size_t>(count));
                  c.set_output(0, TensorList::Wrap(std::move(list)));
                  return Status::Ok();
                }};
}

// ---- TensorListFromTensor(tensor, element_shape): tensor[i] for each i of dim 0 ---------------
Result<Kernel> TensorListFromTensor(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  TFM_RETURN_IF_ERROR(ExpectShapeType(n, 1));
  TFM_ASSIGN_OR_RETURN(DataType dtype, ElementDtype(n));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, dtype));
  return Kernel{
      {DataType::kVariant}, [dtype](KernelContext& c) -> Status {
        const Tensor& t = c.input(0);
        TFM_ASSIGN_OR_RETURN(PartialShape shape, ShapeFromTensor(c, c.input(1)));
        if (t.shape().rank() < 1) {
          return c.Error(StatusCode::kInvalidArgument, "tensor must be at least a vector");
        }
        std::vector<int64_t> dims(t.shape().dims().begin() + 1, t.shape().dims().end());
        TFM_ASSIGN_OR_RETURN(Shape element, Shape::Make(dims));
        if (!Compatible(element, shape)) {
          return c.Error(StatusCode::kInvalidArgument,
                         "elements of shape " + element.DebugString() +
                             " do not fit element_shape " + shape.ToCliString());
        }
        auto list = std::make_shared<TensorList>(dtype, shape);
        const int64_t n_items = t.shape().dim(0), size = element.NumElements();
        if (n_items > kMaxListElements) {
          return c.Error(StatusCode::kInvalidArgument, "a list of " + std::to_string(n_items) +
                                                           " elements is over the limit of " +
                                                           std::to_string(kMaxListElements));
        }
        list->tensors.reserve(static_cast<size_t>(n_items));
        for (int64_t i = 0; i < n_items; ++i) {
          TFM_ASSIGN_OR_RETURN(Tensor item, Tensor::AllocateUninitialized(dtype, element));
          TFM_RETURN_IF_ERROR(CopyElements(t, i * size, item, 0, size));
          list->tensors.push_back(std::move(item));
        }
        c.set_output(0, TensorList::Wrap(std::move(list)));
        return Status::Ok();
      }};
}

// ---- TensorListGetItem(list, index, element_shape) -> list[index] ---------------------------
Result<Kernel> TensorListGetItem(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(3));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, DataType::kVariant));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(1, DataType::kInt32));
  TFM_RETURN_IF_ERROR(ExpectShapeType(n, 2));
  TFM_ASSIGN_OR_RETURN(DataType dtype, ElementDtype(n));
  return Kernel{{dtype}, [dtype](KernelContext& c) -> Status {
                  TFM_ASSIGN_OR_RETURN(ListPtr list, ListInput(c, 0, dtype));
                  TFM_ASSIGN_OR_RETURN(int64_t index, ReadScalarInt(c.input(1), "index"));
                  if (index < 0 || index >= static_cast<int64_t>(list->tensors.size())) {
                    return c.Error(StatusCode::kInvalidArgument,
                                   "index " + std::to_string(index) +
                                       " is out of range for a list of " +
                                       std::to_string(list->tensors.size()) + " elements");
                  }
                  TFM_ASSIGN_OR_RETURN(PartialShape shape, ShapeFromTensor(c, c.input(2)));
                  TFM_ASSIGN_OR_RETURN(Tensor item, ElementOrZeros(c, *list, index, shape));
                  c.set_output(0, std::move(item));
                  return Status::Ok();
                }};
}

// ---- TensorListSetItem(list, index, item) -> list with list[index] = item -------------------
Result<Kernel> TensorListSetItem(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(3));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, DataType::kVariant));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(1, DataType::kInt32));
  TFM_ASSIGN_OR_RETURN(DataType dtype, ElementDtype(n));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(2, dtype));
  const bool resize = n.BoolAttrOr("resize_if_index_out_of_bounds", false);
  return Kernel{{DataType::kVariant}, [dtype, resize](KernelContext& c) -> Status {
                  TFM_ASSIGN_OR_RETURN(ListPtr list, ListInput(c, 0, dtype));
                  TFM_ASSIGN_OR_RETURN(int64_t index, ReadScalarInt(c.input(1), "index"));
                  const Tensor& item = c.input(2);
                  if (!Compatible(item.shape(), list->element_shape)) {
                    return c.Error(StatusCode::kInvalidArgument,
                                   "an item of shape " + item.shape().DebugString() +
                                       " does not fit the list's element shape " +
                                       list->element_shape.ToCliString());
                  }
                  const auto size = static_cast<int64_t>(list->tensors.size());
                  if (index < 0 || (index >= size && !resize) || index >= kMaxListElements) {
                    return c.Error(StatusCode::kInvalidArgument,
                                   "cannot set element " + std::to_string(index) +
                                       " of a list of " + std::to_string(size) + " elements");
                  }
                  auto out = std::make_shared<TensorList>(*list);
                  if (index >= size) out->tensors.resize(static_cast<size_t>(index) + 1);
                  out->tensors[static_cast<size_t>(index)] = item;
                  c.set_output(0, TensorList::Wrap(std::move(out)));
                  return Status::Ok();
                }};
}

// ---- TensorListStack(list, element_shape) -> the elements stacked along a new dim 0 ---------
// Unset elements are zeros; all elements must have one shape.
Result<Kernel> TensorListStack(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, DataType::kVariant));
  TFM_RETURN_IF_ERROR(ExpectShapeType(n, 1));
  TFM_ASSIGN_OR_RETURN(DataType dtype, ElementDtype(n));
  const int64_t num_elements = n.IntAttrOr("num_elements", -1);
  return Kernel{{dtype}, [dtype, num_elements](KernelContext& c) -> Status {
                  TFM_ASSIGN_OR_RETURN(ListPtr list, ListInput(c, 0, dtype));
                  TFM_ASSIGN_OR_RETURN(PartialShape given, ShapeFromTensor(c, c.input(1)));
                  const auto count = static_cast<int64_t>(list->tensors.size());
                  if (num_elements != -1 && num_elements != count) {
                    return c.Error(StatusCode::kInvalidArgument,
                                   "the list has " + std::to_string(count) +
                                       " elements, the op expects " + std::to_string(num_elements));
                  }
                  auto shape = MergeShapes(list->element_shape, given);
                  for (const Tensor& t : list->tensors) {
                    if (shape.ok() && t.dtype() != DataType::kInvalid) {
                      shape = MergeShapes(*shape, PartialShape::Of(t.shape()));
                    }
                  }
                  if (!shape.ok())
                    return c.Error(StatusCode::kInvalidArgument, shape.status().message());
                  if (!shape->IsFullyDefined()) {
                    return c.Error(StatusCode::kInvalidArgument,
                                   "cannot stack a list whose element shape " +
                                       shape->ToCliString() + " is not fully defined");
                  }
                  std::vector<int64_t> dims = {count};
                  dims.insert(dims.end(), shape->dims.begin(), shape->dims.end());
                  TFM_ASSIGN_OR_RETURN(Tensor out, Alloc(dtype, dims));
                  const int64_t size = Shape::Make(shape->dims).value().NumElements();
                  for (int64_t i = 0; i < count; ++i) {
                    const Tensor& t = list->tensors[i];
                    if (t.dtype() == DataType::kInvalid) continue;  // zeros
                    TFM_RETURN_IF_ERROR(CopyElements(t, 0, out, i * size, size));
                  }
                  c.set_output(0, std::move(out));
                  return Status::Ok();
                }};
}

// ---- TensorListLength(list) -> int32 ----------------------------------------------------------
Result<Kernel> TensorListLength(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, DataType::kVariant));
  return Kernel{{DataType::kInt32}, [](KernelContext& c) -> Status {
                  TFM_ASSIGN_OR_RETURN(ListPtr list, ListInput(c, 0, DataType::kInvalid));
                  c.set_output(0, Tensor::Scalar(static_cast<int32_t>(list->tensors.size())));
                  return Status::Ok();
                }};
}

// ---- TensorListElementShape(list) -> shape (-1 for unknown dims; scalar -1: unknown rank) ----
Result<Kernel> TensorListElementShape(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, DataType::kVariant));
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("shape_type"));
  TFM_RETURN_IF_ERROR(n.ExpectType(t, {DataType::kInt32, DataType::kInt64}));
  return Kernel{{t}, [t](KernelContext& c) -> Status {
                  TFM_ASSIGN_OR_RETURN(ListPtr list, ListInput(c, 0, DataType::kInvalid));
                  const PartialShape& s = list->element_shape;
                  std::vector<int64_t> dims = s.unknown_rank ? std::vector<int64_t>{-1} : s.dims;
                  std::vector<int64_t> out_dims;
                  if (!s.unknown_rank) out_dims.push_back(static_cast<int64_t>(dims.size()));
                  TFM_ASSIGN_OR_RETURN(Tensor out, Alloc(t, out_dims));
                  for (size_t i = 0; i < dims.size(); ++i) {
                    if (t == DataType::kInt32) {
                      out.flat<int32_t>()[i] = static_cast<int32_t>(dims[i]);
                    } else {
                      out.flat<int64_t>()[i] = dims[i];
                    }
                  }
                  c.set_output(0, std::move(out));
                  return Status::Ok();
                }};
}

// ---- TensorListPushBack(list, tensor) -> list + [tensor] -------------------------------------
Result<Kernel> TensorListPushBack(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, DataType::kVariant));
  TFM_ASSIGN_OR_RETURN(DataType dtype, ElementDtype(n));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(1, dtype));
  return Kernel{{DataType::kVariant}, [dtype](KernelContext& c) -> Status {
                  TFM_ASSIGN_OR_RETURN(ListPtr list, ListInput(c, 0, dtype));
                  const Tensor& item = c.input(1);
                  if (!Compatible(item.shape(), list->element_shape)) {
                    return c.Error(StatusCode::kInvalidArgument,
                                   "an item of shape " + item.shape().DebugString() +
                                       " does not fit the list's element shape " +
                                       list->element_shape.ToCliString());
                  }
                  const auto size = static_cast<int64_t>(list->tensors.size());
                  if ((list->max_num_elements >= 0 && size >= list->max_num_elements) ||
                      size >= kMaxListElements) {
                    return c.Error(StatusCode::kInvalidArgument,
                                   "the list is full (" + std::to_string(size) + " elements)");
                  }
                  auto out = std::make_shared<TensorList>(*list);
                  out->tensors.push_back(item);
                  c.set_output(0, TensorList::Wrap(std::move(out)));
                  return Status::Ok();
                }};
}

// ---- TensorListPopBack(list, element_shape) -> (list without its last element, that element) -
Result<Kernel> TensorListPopBack(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, DataType::kVariant));
  TFM_RETURN_IF_ERROR(ExpectShapeType(n, 1));
  TFM_ASSIGN_OR_RETURN(DataType dtype, ElementDtype(n));
  return Kernel{{DataType::kVariant, dtype}, [dtype](KernelContext& c) -> Status {
                  TFM_ASSIGN_OR_RETURN(ListPtr list, ListInput(c, 0, dtype));
                  if (list->tensors.empty()) {
                    return c.Error(StatusCode::kInvalidArgument, "cannot pop from an empty list");
                  }
                  TFM_ASSIGN_OR_RETURN(PartialShape shape, ShapeFromTensor(c, c.input(1)));
                  TFM_ASSIGN_OR_RETURN(Tensor item,
                                       ElementOrZeros(c, *list, list->tensors.size() - 1, shape));
                  auto out = std::make_shared<TensorList>(*list);
                  out->tensors.pop_back();
                  c.set_output(0, TensorList::Wrap(std::move(out)));
                  c.set_output(1, std::move(item));
                  return Status::Ok();
                }};
}

}  // namespace

void RegisterListOps(OpRegistry& r) {
  r.Add({"EmptyTensorList", EmptyTensorList});
  r.Add({"TensorListReserve", TensorListReserve});
  r.Add({"TensorListFromTensor", TensorListFromTensor});
  r.Add({"TensorListGetItem", TensorListGetItem});
  r.Add({"TensorListSetItem", TensorListSetItem});
  r.Add({"TensorListStack", TensorListStack});
  r.Add({"TensorListLength", TensorListLength});
  r.Add({"TensorListElementShape", TensorListElementShape});
  r.Add({"TensorListPushBack", TensorListPushBack});
  r.Add({"TensorListPopBack", TensorListPopBack});
}

}  // namespace tfmodel
