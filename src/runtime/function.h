// TF2 functions: a FunctionDef of the graph's library instantiated ONCE per (name, attrs) into
// a planned body, which the call ops (PartitionedCall, StatefulPartitionedCall, If, While, Case,
// and nodes whose op is a function's name) run with their caller's variables.
//
//   FunctionLibrary lib(graph.functions());
//   TFM_ASSIGN_OR_RETURN(auto body, lib.Instantiate("__inference_predict_245", {}));
//   std::vector<Tensor> rets;
//   TFM_RETURN_IF_ERROR(body->Run(args, rets, &resources, /*pool=*/nullptr));
//
// Instantiation (function_body.cc) is planning: the body's args become inputs, `$T` attr
// placeholders take the instantiation's attrs, `node:out_arg:i` names become flat output indices
// (op_output_args.h), every kept node's kernel is planned (nested calls instantiate their
// functions then), and the nodes are put in a topological order with a slot per output. Kept
// nodes: what the returned tensors and the control returns need, and stateful nodes (TF's
// pruning of function bodies). A missing function, an op without a kernel, or a dtype mismatch
// is reported then -- at load -- naming the function, the node and the op. Recursion (a function
// reaching itself while it is being instantiated) is rejected.
#ifndef TFMODEL_SRC_RUNTIME_FUNCTION_H_
#define TFMODEL_SRC_RUNTIME_FUNCTION_H_

#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/formats/graph_io.h"
#include "src/runtime/kernel.h"
#include "src/runtime/kernels/epilogue.h"

namespace tfmodel {

class FunctionLibrary;

// One instantiated function. Immutable once built: Run may be called from several threads at
// once (each run has its own tensors; kernels are shared, as in a GraphSession).
class FunctionBody {
 public:
  const std::string& name() const { return name_; }
  const std::vector<DataType>& arg_types() const { return arg_types_; }
  const std::vector<DataType>& ret_types() const { return ret_types_; }

  // Runs the body on `args` (REQUIRES: arg_types() dtypes; the caller checked them at plan time)
  // and sets `rets` to the returned tensors. Resource handles among the args name variables of
  // `resources`, the caller's; large kernels may split work over `pool` (may be null). Errors
  // name the function and the node.
  Status Run(std::span<const Tensor> args, std::vector<Tensor>& rets, ResourceMgr* resources,
             ThreadPool* pool) const;

 private:
  friend class FunctionBodyBuilder;
  struct Source {
    bool is_arg = false;
    bool last_use = false;  // the slot's tensor moves into its last reader
    int index = 0;          // arg or slot
  };
  // A later element-wise step offered to this step's kernel as its epilogue (epilogue.h).
  struct Fused {
    int step = 0;
    Epilogue::Op op;  // operand unset: it is `operand`'s tensor at run time
    bool has_operand = false;
    Source operand;
  };
  struct Step {
    std::string node;
    std::string op;
    KernelFn compute;
    std::vector<DataType> output_types;
    std::vector<Source> inputs;
    int first_slot = 0;
    std::vector<int> unused_outputs;  // slots nothing reads: released right after the step
    std::vector<Fused> fused;         // in chain order
  };
  // Runs `step` (index i) and the fused steps its kernel applied, which are marked in `skip`;
  // `inputs` and `epilogue` are scratch.
  Status RunStep(size_t i, std::span<const Tensor> args, std::vector<Tensor>& slots,
                 std::vector<Tensor>& inputs, std::vector<char>& skip, Epilogue& epilogue,
                 ResourceMgr* resources, ThreadPool* pool) const;

  std::string name_;
  std::vector<DataType> arg_types_;
  std::vector<DataType> ret_types_;
  std::vector<Step> steps_;  // topological order
  bool has_fused_ = false;
  std::vector<Source> rets_;
  int num_slots_ = 0;
};

// The functions of a graph and their instantiations. Thread-safe.
class FunctionLibrary {
 public:
  explicit FunctionLibrary(std::vector<FunctionDefData> functions);
  FunctionLibrary(const FunctionLibrary&) = delete;
  FunctionLibrary& operator=(const FunctionLibrary&) = delete;

  bool empty() const { return defs_.empty(); }
  // The FunctionDef named `name`, or null.
  const FunctionDefData* Find(std::string_view name) const;

  // The body of `name` with `attrs` (the values of its `$attr` placeholders), instantiated and
  // planned on first use, then shared. NotFound for a function the library lacks; a function
  // that calls itself, directly or through others, is InvalidArgument naming the chain.
  Result<std::shared_ptr<const FunctionBody>> Instantiate(const std::string& name,
                                                          const AttrMap& attrs) const;

 private:
  std::vector<FunctionDefData> functions_;
  std::map<std::string, const FunctionDefData*, std::less<>> defs_;
  // Instantiation plans nested calls, which instantiate their functions on the same thread:
  // one recursive lock over the cache and the chain being instantiated.
  mutable std::recursive_mutex mu_;
  mutable std::map<std::string, std::shared_ptr<const FunctionBody>> cache_;  // by InstanceKey
  mutable std::vector<std::string> in_progress_;                              // function names
};

// A kernel that runs `body` on its inputs and returns its results: the call ops' compute, and the
// kernel of a node whose op is a function's name. `node` names the caller in errors.
Kernel FunctionCallKernel(std::shared_ptr<const FunctionBody> body);

// Plans a node whose op is the name of a function of `n.function_library()` (TF allows calling
// a function as an op; its attrs are the instantiation's). NotFound when there is no such
// function.
Result<Kernel> PlanFunctionOp(const NodeInfo& n);

// Checks that a call's input dtypes are the function's argument dtypes; errors name the node,
// the function and the first mismatch.
Status CheckCallTypes(const NodeInfo& n, const FunctionBody& body,
                      std::span<const DataType> input_types);

// TensorFlow's truth value of a predicate tensor (If's cond, While's cond output): a scalar is
// true when non-zero (a string when non-empty); any other tensor when it has elements.
bool TensorIsTrue(const Tensor& t);

}  // namespace tfmodel

#endif  // TFMODEL_SRC_RUNTIME_FUNCTION_H_
