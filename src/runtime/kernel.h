// The op kernel interface: how an op is registered, planned and computed.
//
// An op family file (kernels/<family>.cc) defines, per op, a factory that runs ONCE at plan
// time: it reads and validates the node's attrs and input dtypes, decides the output dtypes,
// and returns a compute function that captures the parsed attrs (kernels never see a NodeDef):
//
//   // ---- Relu ------------------------------------------------------------------------
//   // y = max(x, 0);  dx = dy * (x > 0)   (TF gradient op: ReluGrad)
//   static Result<Kernel> Relu(const NodeInfo& n) {
//     TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
//     TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("T"));
//     TFM_RETURN_IF_ERROR(n.ExpectFloating(t));
//     return Kernel{{t}, [t](KernelContext& c) -> Status { ... c.set_output(0, y) ... }};
//   }
//   void RegisterActivationOps(OpRegistry& r) { r.Add({"Relu", Relu}); ... }
//
// Registration is an explicit list: kernels/all_ops.cc calls every family's Register function.
#ifndef TFMODEL_SRC_RUNTIME_KERNEL_H_
#define TFMODEL_SRC_RUNTIME_KERNEL_H_

#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/formats/graph_io.h"
#include "tfmodel/status.h"
#include "tfmodel/tensor.h"

namespace tfmodel {

struct Epilogue;
class FunctionLibrary;
class ResourceMgr;
class ThreadPool;
class VariableState;

// What a kernel factory sees at plan time.
class NodeInfo {
 public:
  NodeInfo(const std::string& name, const std::string& op, const AttrMap& attrs,
           std::vector<DataType> input_types, const FunctionLibrary* functions = nullptr)
      : name_(name), op_(op), attrs_(attrs), input_types_(std::move(input_types)),
        functions_(functions) {}

  const std::string& name() const { return name_; }
  const std::string& op() const { return op_; }
  const AttrMap& attrs() const { return attrs_; }
  int num_inputs() const { return static_cast<int>(input_types_.size()); }
  // dtype of data input i (DT_RESOURCE for resource handles).
  DataType input_type(int i) const { return input_types_[i]; }
  const std::vector<DataType>& input_types() const { return input_types_; }
  // The functions of the graph the node is in (for the ops that call them: PartitionedCall,
  // If, While, ...); null when the planner has none.
  const FunctionLibrary* function_library() const { return functions_; }

  // Attr getters: a missing attr or one of the wrong kind is an InvalidArgument naming the
  // node, the op and the attr. The *Or forms return `fallback` when the attr is absent.
  Result<DataType> TypeAttr(const std::string& attr) const;
  Result<int64_t> IntAttr(const std::string& attr) const;
  int64_t IntAttrOr(const std::string& attr, int64_t fallback) const;
  Result<float> FloatAttr(const std::string& attr) const;
  float FloatAttrOr(const std::string& attr, float fallback) const;
  Result<bool> BoolAttr(const std::string& attr) const;
  bool BoolAttrOr(const std::string& attr, bool fallback) const;
  Result<std::string> StringAttr(const std::string& attr) const;
  std::string StringAttrOr(const std::string& attr, const std::string& fallback) const;
  Result<PartialShape> ShapeAttr(const std::string& attr) const;
  Result<Tensor> TensorAttr(const std::string& attr) const;
  Result<std::vector<int64_t>> IntListAttr(const std::string& attr) const;
  Result<std::vector<DataType>> TypeListAttr(const std::string& attr) const;
  const AttrValue* FindAttr(const std::string& attr) const;

  // Checks used by factories; errors name the node, op and dtype.
  Status ExpectInputs(int n) const;                   // exactly n data inputs
  Status ExpectInputsAtLeast(int n) const;
  Status ExpectInputType(int i, DataType t) const;    // input i has dtype t
  // Exactly n data inputs, all of the dtype attr "T"; returns it.
  Result<DataType> ExpectInputsOfTypeT(int n) const;
  Status ExpectType(DataType t, std::initializer_list<DataType> allowed) const;
  // A ready-made error: "node 'x' (op Foo): <message>".
  Status Error(const std::string& message) const;
  Status Unsupported(DataType t) const;  // "no kernel for dtype ..." (Unimplemented)

 private:
  const std::string& name_;
  const std::string& op_;
  const AttrMap& attrs_;
  std::vector<DataType> input_types_;
  const FunctionLibrary* functions_;
};

// What a kernel sees when it runs. Inputs are shared handles: a kernel must not write into an
// input's buffer (forwarding an input as an output is fine). `outputs` is sized by the caller
// to the planned number of outputs.
class KernelContext {
 public:
  KernelContext(const std::string& node_name, std::span<const Tensor> inputs,
                std::span<Tensor> outputs, ResourceMgr* resources,
                std::span<VariableState* const> ref_inputs, ThreadPool* thread_pool = nullptr)
      : node_name_(node_name), inputs_(inputs), outputs_(outputs), resources_(resources),
        ref_inputs_(ref_inputs), thread_pool_(thread_pool) {}

  const std::string& node_name() const { return node_name_; }
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  const Tensor& input(int i) const { return inputs_[i]; }
  void set_output(int i, Tensor t) { outputs_[i] = std::move(t); }
  // Allocates output i (zero-initialised) and returns it.
  Result<Tensor> AllocateOutput(int i, DataType dtype, const Shape& shape);
  ResourceMgr* resources() const { return resources_; }
  // Threads a large kernel may split its work over (ThreadPool::ParallelFor, which is safe to
  // call from inside a parallel graph run); null = run on the calling thread only.
  ThreadPool* thread_pool() const { return thread_pool_; }
  // For inputs fed by a reference variable (VariableV2 -> Assign): the variable, else null.
  VariableState* ref_input(int i) const {
    return i < static_cast<int>(ref_inputs_.size()) ? ref_inputs_[i] : nullptr;
  }
  // "node 'x': <message>" with the given code.
  Status Error(StatusCode code, const std::string& message) const;
  // Element-wise ops the planner fused after this node (src/runtime/kernels/epilogue.h), or null.
  Epilogue* epilogue() const { return epilogue_; }
  void set_epilogue(Epilogue* e) { epilogue_ = e; }

 private:
  const std::string& node_name_;
  std::span<const Tensor> inputs_;
  std::span<Tensor> outputs_;
  ResourceMgr* resources_;
  std::span<VariableState* const> ref_inputs_;
  ThreadPool* thread_pool_;
  Epilogue* epilogue_ = nullptr;
};

using KernelFn = std::function<Status(KernelContext&)>;

// A planned kernel: its output dtypes and its compute function.
struct Kernel {
  std::vector<DataType> output_types;
  KernelFn compute;
};

using KernelFactory = Result<Kernel> (*)(const NodeInfo& node);

struct OpRegistration {
  std::string_view name;
  KernelFactory factory;
  // Stateful ops (variables, assignments, random) are never constant-folded or deduplicated.
  bool stateful = false;
  // Ops whose output 0 is a reference to a variable (VariableV2). Consumers read the variable's
  // value when they run (so reads see earlier assignments in the same step).
  bool produces_ref = false;
  // Ops that write their reference inputs (Assign*, Apply*): those inputs are not read; the
  // kernel gets the VariableState through KernelContext::ref_input.
  bool writes_ref_inputs = false;
};

class OpRegistry {
 public:
  // The registry of every op family (kernels/all_ops.cc), built on first use.
  static const OpRegistry& Global();
  void Add(OpRegistration r);
  const OpRegistration* Find(std::string_view op) const;
  std::vector<std::string_view> Names() const;  // sorted

 private:
  std::map<std::string, OpRegistration, std::less<>> ops_;
};

}  // namespace tfmodel

#endif  // TFMODEL_SRC_RUNTIME_KERNEL_H_
