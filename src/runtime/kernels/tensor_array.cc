// TF1 TensorArrays (TensorArrayV3, Write/Read/Scatter/Gather/Size/Close V3), run by the dataflow
// executor on the run's TensorArrayStore.
#include "src/runtime/kernels/tensor_array.h"

#include <array>
#include <cstring>

namespace tfmodel {
namespace {

Status Fail(const std::string& node, const std::string& op, const std::string& message) {
  return InvalidArgument("node '" + node + "' (op " + op + "): " + message);
}

// Planning: inputs and output dtypes, per op.
Result<Kernel> Planned(const NodeInfo& n, std::vector<DataType> inputs,
                       std::vector<DataType> outputs) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(static_cast<int>(inputs.size())));
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i] != DataType::kInvalid) {
      TFM_RETURN_IF_ERROR(n.ExpectInputType(static_cast<int>(i), inputs[i]));
    }
  }
  // Never called: plans with TensorArray ops run on the dataflow executor, which runs them.
  return Kernel{std::move(outputs), [](KernelContext& c) -> Status {
                  return c.Error(StatusCode::kInternal, "a TensorArray op outside a dataflow run");
                }};
}

constexpr DataType kRes = DataType::kResource, kI32 = DataType::kInt32, kF = DataType::kFloat,
                   kAny = DataType::kInvalid;

Result<Kernel> Create(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.TypeAttr("dtype").status());
  return Planned(n, {kI32}, {kRes, kF});
}
Result<Kernel> Write(const NodeInfo& n) { return Planned(n, {kRes, kI32, kAny, kF}, {kF}); }
Result<Kernel> Scatter(const NodeInfo& n) { return Planned(n, {kRes, kI32, kAny, kF}, {kF}); }
Result<Kernel> Read(const NodeInfo& n) {
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("dtype"));
  return Planned(n, {kRes, kI32, kF}, {t});
}
Result<Kernel> Gather(const NodeInfo& n) {
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("dtype"));
  return Planned(n, {kRes, kI32, kF}, {t});
}
Result<Kernel> Size(const NodeInfo& n) { return Planned(n, {kRes, kF}, {kI32}); }
Result<Kernel> Close(const NodeInfo& n) { return Planned(n, {kRes}, {}); }

const std::array<ControlFlowOp, 7> kOps{{
    {{"TensorArrayV3", Create, /*stateful=*/true}, FlowKind::kTensorArray},
    {{"TensorArrayWriteV3", Write, true}, FlowKind::kTensorArray},
    {{"TensorArrayScatterV3", Scatter, true}, FlowKind::kTensorArray},
    {{"TensorArrayReadV3", Read, true}, FlowKind::kTensorArray},
    {{"TensorArrayGatherV3", Gather, true}, FlowKind::kTensorArray},
    {{"TensorArraySizeV3", Size, true}, FlowKind::kTensorArray},
    {{"TensorArrayCloseV3", Close, true}, FlowKind::kTensorArray},
}};

bool Compatible(const PartialShape& want, const Shape& got) {
  if (want.unknown_rank) return true;
  if (static_cast<int>(want.dims.size()) != got.rank()) return false;
  for (int d = 0; d < got.rank(); ++d) {
    if (want.dims[d] >= 0 && want.dims[d] != got.dim(d)) return false;
  }
  return true;
}

// Copies `count` elements from src (starting at element `from`) to dst (at element `to`).
Status CopyElements(const Tensor& src, int64_t from, Tensor& dst, int64_t to, int64_t count) {
  if (src.dtype() == DataType::kString) {
    auto s = src.flat<std::string>();
    auto d = dst.flat<std::string>();
    for (int64_t i = 0; i < count; ++i) d[to + i] = s[from + i];
    return Status::Ok();
  }
  if (!IsPodDataType(src.dtype())) {
    return Unimplemented("TensorArrays of " + std::string(DataTypeName(src.dtype())));
  }
  const size_t size = DataTypeSize(src.dtype());
  if (count > 0) {
    std::memcpy(static_cast<char*>(dst.raw_data()) + to * size,
                static_cast<const char*>(src.raw_data()) + from * size, count * size);
  }
  return Status::Ok();
}

Result<int64_t> ScalarIndex(const Tensor& t) {
  if (t.NumElements() != 1) return InvalidArgument("index must be a scalar");
  return t.flat<int32_t>()[0];
}

}  // namespace

const ControlFlowOp* FindTensorArrayOp(std::string_view op) {
  for (const ControlFlowOp& c : kOps) {
    if (c.registration.name == op) return &c;
  }
  return nullptr;
}

Status RunTensorArrayOp(const std::string& node, const std::string& op, const AttrMap& attrs,
                        TensorArrayStore& store, std::span<const Tensor> in,
                        std::span<Tensor> out) {
  auto attr = [&](const char* name) -> const AttrValue* {
    auto it = attrs.find(name);
    return it == attrs.end() ? nullptr : &it->second;
  };
  if (op == "TensorArrayV3") {
    const int64_t size = in[0].NumElements() == 1 ? in[0].flat<int32_t>()[0] : -1;
    if (size < 0 || size > (int64_t{1} << 24)) {
      return Fail(node, op, "size must be a scalar in [0, 2^24], got " + in[0].DebugString(4));
    }
    TensorArrayState a;
    a.dtype = attr("dtype")->type;
    const AttrValue* shape = attr("element_shape");
    a.element_shape = shape != nullptr && shape->kind == AttrValue::Kind::kShape
                          ? shape->shape
                          : PartialShape::Unknown();
    a.dynamic_size = attr("dynamic_size") != nullptr && attr("dynamic_size")->b;
    a.elements.resize(size);
    const std::string key = node + "/" + std::to_string(store.created++);
    store.arrays[key] = std::move(a);
    TFM_ASSIGN_OR_RETURN(Tensor handle, Tensor::Allocate(DataType::kResource, Shape{}));
    handle.flat<std::string>()[0] = key;
    out[0] = std::move(handle);
    out[1] = Tensor::Scalar<float>(0);
    return Status::Ok();
  }
  if (in[0].dtype() != DataType::kResource || in[0].NumElements() != 1) {
    return Fail(node, op, "the handle is not a TensorArray handle");
  }
  const std::string& key = in[0].flat<std::string>()[0];
  auto found = store.arrays.find(key);
  if (found == store.arrays.end()) {
    return Fail(node, op, "TensorArray '" + key + "' does not exist in this run (closed?)");
  }
  TensorArrayState& a = found->second;
  const int64_t size = static_cast<int64_t>(a.elements.size());
  if ((op == "TensorArrayReadV3" || op == "TensorArrayGatherV3") &&
      attr("dtype")->type != a.dtype) {
    return Fail(node, op,
                "reads " + std::string(DataTypeName(attr("dtype")->type)) +
                    " from a TensorArray of " + std::string(DataTypeName(a.dtype)));
  }
  // Stores `value` at `index` (growing a dynamic_size array).
  auto store_at = [&](int64_t index, Tensor value) -> Status {
    if (index < 0 || (index >= static_cast<int64_t>(a.elements.size()) && !a.dynamic_size)) {
      return Fail(node, op,
                  "index " + std::to_string(index) + " is outside the TensorArray of size " +
                      std::to_string(a.elements.size()));
    }
    if (index > (int64_t{1} << 24)) return Fail(node, op, "index too large");
    if (value.dtype() != a.dtype) {
      return Fail(node, op,
                  "writes " + std::string(DataTypeName(value.dtype())) + " into a TensorArray of " +
                      std::string(DataTypeName(a.dtype)));
    }
    if (!Compatible(a.element_shape, value.shape())) {
      return Fail(node, op,
                  "element shape " + value.shape().DebugString() +
                      " is not compatible with the TensorArray's " + a.element_shape.ToCliString());
    }
    if (index >= static_cast<int64_t>(a.elements.size())) a.elements.resize(index + 1);
    a.elements[index] = std::move(value);
    return Status::Ok();
  };
  auto element = [&](int64_t index) -> Result<const Tensor*> {
    if (index < 0 || index >= size) {
      return Fail(node, op,
                  "index " + std::to_string(index) + " is outside the TensorArray of size " +
                      std::to_string(size));
    }
    if (a.elements[index].dtype() == DataType::kInvalid) {
      return Fail(node, op, "index " + std::to_string(index) + " has not been written yet");
    }
    return &a.elements[index];
  };
  if (op == "TensorArrayWriteV3") {
    TFM_ASSIGN_OR_RETURN(int64_t index, ScalarIndex(in[1]));
    TFM_RETURN_IF_ERROR(store_at(index, in[2]));
    out[0] = in[3];
  } else if (op == "TensorArrayScatterV3") {
    const Tensor& v = in[2];
    const int64_t n = in[1].NumElements();
    if (v.shape().rank() == 0 || v.shape().dim(0) != n) {
      return Fail(
          node, op,
          "value of shape " + v.shape().DebugString() + " for " + std::to_string(n) + " indices");
    }
    std::vector<int64_t> dims(v.shape().dims().begin() + 1, v.shape().dims().end());
    TFM_ASSIGN_OR_RETURN(Shape row_shape, Shape::Make(dims));
    const int64_t row = row_shape.NumElements();
    for (int64_t k = 0; k < n; ++k) {
      TFM_ASSIGN_OR_RETURN(Tensor e, Tensor::AllocateUninitialized(v.dtype(), row_shape));
      TFM_RETURN_IF_ERROR(CopyElements(v, k * row, e, 0, row));
      TFM_RETURN_IF_ERROR(store_at(in[1].flat<int32_t>()[k], std::move(e)));
    }
    out[0] = in[3];
  } else if (op == "TensorArrayReadV3") {
    TFM_ASSIGN_OR_RETURN(int64_t index, ScalarIndex(in[1]));
    TFM_ASSIGN_OR_RETURN(const Tensor* e, element(index));
    out[0] = *e;
  } else if (op == "TensorArrayGatherV3") {
    const int64_t n = in[1].NumElements();
    std::vector<const Tensor*> rows;
    for (int64_t k = 0; k < n; ++k) {
      TFM_ASSIGN_OR_RETURN(const Tensor* e, element(in[1].flat<int32_t>()[k]));
      if (!rows.empty() && e->shape() != rows[0]->shape()) {
        return Fail(node, op,
                    "elements of shapes " + rows[0]->shape().DebugString() + " and " +
                        e->shape().DebugString() + " cannot be stacked");
      }
      rows.push_back(e);
    }
    std::vector<int64_t> dims{n};
    if (!rows.empty()) {
      dims.insert(dims.end(), rows[0]->shape().dims().begin(), rows[0]->shape().dims().end());
    } else if (a.element_shape.IsFullyDefined()) {
      dims.insert(dims.end(), a.element_shape.dims.begin(), a.element_shape.dims.end());
    } else {
      return Fail(node, op, "gathering no elements of an unknown element shape");
    }
    TFM_ASSIGN_OR_RETURN(Shape shape, Shape::Make(dims));
    TFM_ASSIGN_OR_RETURN(Tensor stacked, Tensor::AllocateUninitialized(a.dtype, shape));
    for (int64_t k = 0; k < n; ++k) {
      const int64_t row = rows[k]->NumElements();
      TFM_RETURN_IF_ERROR(CopyElements(*rows[k], 0, stacked, k * row, row));
    }
    out[0] = std::move(stacked);
  } else if (op == "TensorArraySizeV3") {
    out[0] = Tensor::Scalar<int32_t>(static_cast<int32_t>(size));
  } else if (op == "TensorArrayCloseV3") {
    store.arrays.erase(found);
  } else {
    return Fail(node, op, "not a TensorArray op");
  }
  return Status::Ok();
}

}  // namespace tfmodel
