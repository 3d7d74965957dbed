// Variables and the resource manager.
#include "src/runtime/resource.h"

namespace tfmodel {

Result<Tensor> VariableState::Read() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!initialized_) {
    return FailedPrecondition("attempting to use uninitialized value " + name_);
  }
  return value_;
}

bool VariableState::initialized() const {
  std::lock_guard<std::mutex> lock(mu_);
  return initialized_;
}

Status VariableState::Assign(const Tensor& value, bool validate_shape) {
  if (value.dtype() != dtype_) {
    return InvalidArgument("cannot assign a " + std::string(DataTypeName(value.dtype())) +
                           " tensor to variable " + name_ + " of dtype " +
                           std::string(DataTypeName(dtype_)));
  }
  if (validate_shape && !shape_.unknown_rank) {
    bool ok = static_cast<int>(shape_.dims.size()) == value.shape().rank();
    for (int i = 0; ok && i < value.shape().rank(); ++i) {
      ok = shape_.dims[i] < 0 || shape_.dims[i] == value.shape().dim(i);
    }
    if (!ok) {
      return InvalidArgument("cannot assign a tensor of shape " + value.shape().DebugString() +
                             " to variable " + name_ + " of shape " + shape_.ToCliString());
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  value_ = value.Clone();
  initialized_ = true;
  return Status::Ok();
}

Status VariableState::Update(const std::function<Status(Tensor&)>& fn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!initialized_) {
    return FailedPrecondition("attempting to use uninitialized value " + name_);
  }
  // Copy-on-write: readers of the previous value keep what they read.
  Tensor fresh = value_.Clone();
  TFM_RETURN_IF_ERROR(fn(fresh));
  value_ = std::move(fresh);
  return Status::Ok();
}

Result<std::shared_ptr<VariableState>> ResourceMgr::LookupOrCreate(const std::string& name,
                                                              DataType dtype,
                                                              const PartialShape& shape) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = vars_.find(name);
  if (it != vars_.end()) {
    if (it->second->dtype() != dtype) {
      return InvalidArgument("variable " + name + " exists with dtype " +
                             std::string(DataTypeName(it->second->dtype())) + ", not " +
                             std::string(DataTypeName(dtype)));
    }
    return it->second;
  }
  auto v = std::make_shared<VariableState>(name, dtype, shape);
  vars_.emplace(name, v);
  return v;
}

std::shared_ptr<VariableState> ResourceMgr::Lookup(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = vars_.find(name);
  return it == vars_.end() ? nullptr : it->second;
}

}  // namespace tfmodel
