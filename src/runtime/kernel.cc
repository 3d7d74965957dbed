// NodeInfo attr access, KernelContext helpers and the op registry.
#include "src/runtime/kernel.h"

#include <algorithm>

#include "src/runtime/kernels/all_ops.h"

namespace tfmodel {

const AttrValue* NodeInfo::FindAttr(const std::string& attr) const {
  auto it = attrs_.find(attr);
  return it == attrs_.end() ? nullptr : &it->second;
}

Status NodeInfo::Error(const std::string& message) const {
  return InvalidArgument("node '" + name_ + "' (op " + op_ + "): " + message);
}

Status NodeInfo::Unsupported(DataType t) const {
  return Unimplemented("node '" + name_ + "' (op " + op_ + "): no kernel for dtype " +
                       std::string(DataTypeName(t)));
}

namespace {

template <typename T>
Result<T> Get(const NodeInfo& n, const std::string& attr, AttrValue::Kind kind,
              const char* kind_name, T AttrValue::*field) {
  const AttrValue* v = n.FindAttr(attr);
  if (v == nullptr) return n.Error("missing attr '" + attr + "'");
  if (v->kind != kind) return n.Error("attr '" + attr + "' is not a " + kind_name);
  return v->*field;
}

}  // namespace

Result<DataType> NodeInfo::TypeAttr(const std::string& a) const {
  return Get(*this, a, AttrValue::Kind::kType, "type", &AttrValue::type);
}
Result<int64_t> NodeInfo::IntAttr(const std::string& a) const {
  return Get(*this, a, AttrValue::Kind::kInt, "int", &AttrValue::i);
}
int64_t NodeInfo::IntAttrOr(const std::string& a, int64_t fallback) const {
  auto r = IntAttr(a);
  return r.ok() ? *r : fallback;
}
Result<float> NodeInfo::FloatAttr(const std::string& a) const {
  return Get(*this, a, AttrValue::Kind::kFloat, "float", &AttrValue::f);
}
float NodeInfo::FloatAttrOr(const std::string& a, float fallback) const {
  auto r = FloatAttr(a);
  return r.ok() ? *r : fallback;
}
Result<bool> NodeInfo::BoolAttr(const std::string& a) const {
  return Get(*this, a, AttrValue::Kind::kBool, "bool", &AttrValue::b);
}
bool NodeInfo::BoolAttrOr(const std::string& a, bool fallback) const {
  auto r = BoolAttr(a);
  return r.ok() ? *r : fallback;
}
Result<std::string> NodeInfo::StringAttr(const std::string& a) const {
  return Get(*this, a, AttrValue::Kind::kString, "string", &AttrValue::s);
}
std::string NodeInfo::StringAttrOr(const std::string& a, const std::string& fallback) const {
  auto r = StringAttr(a);
  return r.ok() ? *r : fallback;
}
Result<PartialShape> NodeInfo::ShapeAttr(const std::string& a) const {
  return Get(*this, a, AttrValue::Kind::kShape, "shape", &AttrValue::shape);
}
Result<Tensor> NodeInfo::TensorAttr(const std::string& a) const {
  return Get(*this, a, AttrValue::Kind::kTensor, "tensor", &AttrValue::tensor);
}
Result<std::vector<int64_t>> NodeInfo::IntListAttr(const std::string& a) const {
  const AttrValue* v = FindAttr(a);
  if (v == nullptr) return Error("missing attr '" + a + "'");
  if (v->kind != AttrValue::Kind::kList) return Error("attr '" + a + "' is not a list");
  return v->list.i;
}
Result<std::vector<DataType>> NodeInfo::TypeListAttr(const std::string& a) const {
  const AttrValue* v = FindAttr(a);
  if (v == nullptr) return Error("missing attr '" + a + "'");
  if (v->kind != AttrValue::Kind::kList) return Error("attr '" + a + "' is not a list");
  return v->list.type;
}

Status NodeInfo::ExpectInputs(int n) const {
  if (num_inputs() != n) {
    return Error("expects " + std::to_string(n) + " inputs, got " + std::to_string(num_inputs()));
  }
  return Status::Ok();
}

Status NodeInfo::ExpectInputsAtLeast(int n) const {
  if (num_inputs() < n) {
    return Error("expects at least " + std::to_string(n) + " inputs, got " +
                 std::to_string(num_inputs()));
  }
  return Status::Ok();
}

Result<DataType> NodeInfo::ExpectInputsOfTypeT(int n) const {
  TFM_RETURN_IF_ERROR(ExpectInputs(n));
  TFM_ASSIGN_OR_RETURN(DataType t, TypeAttr("T"));
  for (int i = 0; i < n; ++i) TFM_RETURN_IF_ERROR(ExpectInputType(i, t));
  return t;
}

Status NodeInfo::ExpectInputType(int i, DataType t) const {
  if (i >= num_inputs()) return Error("missing input " + std::to_string(i));
  if (input_types_[i] != t) {
    return Error("input " + std::to_string(i) + " has dtype " +
                 std::string(DataTypeName(input_types_[i])) + ", expected " +
                 std::string(DataTypeName(t)));
  }
  return Status::Ok();
}

Status NodeInfo::ExpectType(DataType t, std::initializer_list<DataType> allowed) const {
  if (std::find(allowed.begin(), allowed.end(), t) != allowed.end()) return Status::Ok();
  return Unsupported(t);
}

Result<Tensor> KernelContext::AllocateOutput(int i, DataType dtype, const Shape& shape) {
  auto t = Tensor::Allocate(dtype, shape);
  if (!t.ok()) return t.status().WithContext("node '" + node_name_ + "'");
  outputs_[i] = *t;
  return t;
}

Status KernelContext::Error(StatusCode code, const std::string& message) const {
  return Status(code, "node '" + node_name_ + "': " + message);
}

void OpRegistry::Add(OpRegistration r) { ops_.insert_or_assign(std::string(r.name), r); }

const OpRegistration* OpRegistry::Find(std::string_view op) const {
  auto it = ops_.find(op);
  return it == ops_.end() ? nullptr : &it->second;
}

std::vector<std::string_view> OpRegistry::Names() const {
  std::vector<std::string_view> names;
  for (const auto& [name, r] : ops_) names.push_back(r.name);
  return names;
}

const OpRegistry& OpRegistry::Global() {
  static const OpRegistry* registry = [] {
    auto* r = new OpRegistry();
    RegisterAllOps(*r);
    return r;
  }();
  return *registry;
}

}  // namespace tfmodel
