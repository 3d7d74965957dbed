// TensorList helpers shared by the list kernels.
#include "src/runtime/tensor_list.h"

namespace tfmodel {

std::string TensorList::DebugString() const {
  return "TensorList of " + std::to_string(tensors.size()) + " " +
         std::string(DataTypeName(element_dtype)) + " elements, shape " +
         element_shape.ToCliString();
}

Tensor TensorList::Wrap(std::shared_ptr<const TensorList> list) {
  Tensor t = Tensor::Allocate(DataType::kVariant, Shape{}).value();
  t.flat<Variant>()[0] = std::move(list);
  return t;
}

Result<std::shared_ptr<const TensorList>> ListInput(const KernelContext& c, int i, DataType dtype) {
  const Tensor& t = c.input(i);
  if (t.dtype() != DataType::kVariant || t.NumElements() != 1) {
    return c.Error(StatusCode::kInvalidArgument,
                   "input " + std::to_string(i) + " must be a scalar variant holding a TensorList");
  }
  auto list = std::dynamic_pointer_cast<const TensorList>(t.flat<Variant>()[0]);
  if (!list) {
    const Variant& v = t.flat<Variant>()[0];
    return c.Error(StatusCode::kInvalidArgument, "input " + std::to_string(i) + " holds " +
                                                     (v ? v->TypeName() : "an empty variant") +
                                                     ", not a TensorList");
  }
  if (dtype != DataType::kInvalid && list->element_dtype != dtype) {
    return c.Error(StatusCode::kInvalidArgument,
                   "the list holds " + std::string(DataTypeName(list->element_dtype)) +
                       " elements, but the op reads " + std::string(DataTypeName(dtype)));
  }
  return list;
}

Result<PartialShape> ShapeFromTensor(const KernelContext& c, const Tensor& t) {
  auto dims = [&]() -> Result<std::vector<int64_t>> {
    std::vector<int64_t> out;
    if (t.dtype() == DataType::kInt32) {
      for (int32_t d : t.flat<int32_t>()) out.push_back(d);
    } else if (t.dtype() == DataType::kInt64) {
      for (int64_t d : t.flat<int64_t>()) out.push_back(d);
    } else {
      return c.Error(StatusCode::kInvalidArgument, "element_shape must be int32 or int64");
    }
    return out;
  };
  TFM_ASSIGN_OR_RETURN(std::vector<int64_t> d, dims());
  if (t.shape().rank() == 0) {
    if (d[0] != -1) {
      return c.Error(
          StatusCode::kInvalidArgument,
          "a scalar element_shape must be -1 (unknown rank), got " + std::to_string(d[0]));
    }
    return PartialShape::Unknown();
  }
  if (t.shape().rank() != 1) {
    return c.Error(StatusCode::kInvalidArgument, "element_shape must be a scalar or a vector");
  }
  for (int64_t& x : d) {
    if (x < -1)
      return c.Error(StatusCode::kInvalidArgument, "element_shape has a dimension below -1");
  }
  return PartialShape{false, d};
}

Result<PartialShape> MergeShapes(const PartialShape& a, const PartialShape& b) {
  if (a.unknown_rank) return b;
  if (b.unknown_rank) return a;
  if (a.dims.size() != b.dims.size()) {
    return InvalidArgument("shapes " + a.ToCliString() + " and " + b.ToCliString() +
                           " have different ranks");
  }
  PartialShape out = a;
  for (size_t i = 0; i < a.dims.size(); ++i) {
    if (a.dims[i] < 0) {
      out.dims[i] = b.dims[i];
    } else if (b.dims[i] >= 0 && a.dims[i] != b.dims[i]) {
      return InvalidArgument("shapes " + a.ToCliString() + " and " + b.ToCliString() +
                             " are incompatible");
    }
  }
  return out;
}

}  // namespace tfmodel
