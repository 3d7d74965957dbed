// Session state shared across runs: variables (TF1 reference variables and resource variables)
// keyed by name. Thread-safe.
#ifndef TFMODEL_SRC_RUNTIME_RESOURCE_H_
#define TFMODEL_SRC_RUNTIME_RESOURCE_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "src/formats/graph_io.h"
#include "tfmodel/tensor.h"

namespace tfmodel {

class VariableState {
 public:
  VariableState(std::string name, DataType dtype, PartialShape shape)
      : name_(std::move(name)), dtype_(dtype), shape_(std::move(shape)) {}
  const std::string& name() const { return name_; }
  DataType dtype() const { return dtype_; }
  const PartialShape& shape() const { return shape_; }

  // The current value; FailedPrecondition ("uninitialized value <name>") before the first
  // assignment.
  Result<Tensor> Read() const;
  bool initialized() const;
  // Replaces the value (the caller keeps no alias into it). Checks dtype, and the declared
  // shape when `validate_shape`.
  Status Assign(const Tensor& value, bool validate_shape = true);
  // Runs fn on the value under the variable's lock (for in-place updates: AssignAdd, ApplyAdam).
  // The value is copied first if a reader still shares its buffer.
  Status Update(const std::function<Status(Tensor&)>& fn);

 private:
  std::string name_;
  DataType dtype_;
  PartialShape shape_;
  mutable std::mutex mu_;
  Tensor value_;
  bool initialized_ = false;
};

class ResourceMgr {
 public:
  // The variable named `name`, created with dtype/shape if it does not exist yet. An existing
  // one with another dtype is an error.
  Result<std::shared_ptr<VariableState>> LookupOrCreate(const std::string& name, DataType dtype,
                                                   const PartialShape& shape);
  std::shared_ptr<VariableState> Lookup(const std::string& name) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<VariableState>> vars_;
};

}  // namespace tfmodel

#endif  // TFMODEL_SRC_RUNTIME_RESOURCE_H_
