// The ops that call functions of the graph's library, as TF2 saves them: PartitionedCall and
// StatefulPartitionedCall, and the functional control flow If/StatelessIf, Case/StatelessCase,
// While/StatelessWhile. Every function is instantiated when the calling node is planned (at
// load), so a missing function or kernel is reported then. Bodies run with the caller's
// ResourceMgr: resource handles passed in reach the caller's variables.
#include <memory>

#include "src/runtime/function.h"
#include "src/runtime/kernel.h"
#include "src/runtime/kernels/all_ops.h"

namespace tfmodel {
namespace {

using BodyPtr = std::shared_ptr<const FunctionBody>;

Result<FuncAttr> FuncAttrOf(const NodeInfo& n, const std::string& attr) {
  const AttrValue* v = n.FindAttr(attr);
  if (v == nullptr) return n.Error("missing attr '" + attr + "'");
  if (v->kind != AttrValue::Kind::kFunc) return n.Error("attr '" + attr + "' is not a function");
  return v->func;
}

Result<BodyPtr> InstantiateFor(const NodeInfo& n, const FuncAttr& f) {
  const FunctionLibrary* lib = n.function_library();
  if (lib == nullptr) {
    return n.Error("calls function '" + f.name + "', but the graph has no function library");
  }
  static const AttrMap kNoAttrs;
  auto body = lib->Instantiate(f.name, f.attrs ? *f.attrs : kNoAttrs);
  if (!body.ok()) return body.status().WithContext("node '" + n.name() + "' (op " + n.op() + ")");
  return body;
}

// The declared output dtypes (attr `attr`, when present) must be what the function returns.
Status CheckOutputTypes(const NodeInfo& n, const FunctionBody& body, const char* attr) {
  const AttrValue* v = n.FindAttr(attr);
  if (v == nullptr) return Status::Ok();
  if (v->list.type != body.ret_types()) {
    std::string want, got;
    for (DataType t : v->list.type)
      want += (want.empty() ? "" : ", ") + std::string(DataTypeName(t));
    for (DataType t : body.ret_types())
      got += (got.empty() ? "" : ", ") + std::string(DataTypeName(t));
    return n.Error("attr " + std::string(attr) + " is [" + want + "], but function '" +
                   body.name() + "' returns [" + got + "]");
  }
  return Status::Ok();
}

std::span<const Tensor> InputsFrom(KernelContext& c, int first) {
  if (c.num_inputs() <= first) return {};
  return {&c.input(first), static_cast<size_t>(c.num_inputs() - first)};
}

Status RunBody(KernelContext& c, const FunctionBody& body, std::span<const Tensor> args,
               std::vector<Tensor>& rets) {
  Status s = body.Run(args, rets, c.resources(), c.thread_pool());
  if (!s.ok()) return c.Error(s.code(), s.message());
  return Status::Ok();
}

void SetOutputs(KernelContext& c, std::vector<Tensor>& rets) {
  for (size_t i = 0; i < rets.size(); ++i) c.set_output(static_cast<int>(i), std::move(rets[i]));
}

// ---- PartitionedCall / StatefulPartitionedCall(args) -> f(args) ----------------------------
Result<Kernel> PartitionedCall(const NodeInfo& n) {
  TFM_ASSIGN_OR_RETURN(FuncAttr f, FuncAttrOf(n, "f"));
  TFM_ASSIGN_OR_RETURN(BodyPtr body, InstantiateFor(n, f));
  TFM_RETURN_IF_ERROR(CheckCallTypes(n, *body, n.input_types()));
  TFM_RETURN_IF_ERROR(CheckOutputTypes(n, *body, "Tout"));
  return FunctionCallKernel(std::move(body));
}

// ---- If / StatelessIf(cond, args) -> then_branch(args) if cond else else_branch(args) ------
Result<Kernel> If(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputsAtLeast(1));
  std::vector<BodyPtr> branches;
  for (const char* attr : {"then_branch", "else_branch"}) {
    TFM_ASSIGN_OR_RETURN(FuncAttr f, FuncAttrOf(n, attr));
    TFM_ASSIGN_OR_RETURN(BodyPtr body, InstantiateFor(n, f));
    TFM_RETURN_IF_ERROR(CheckCallTypes(n, *body, std::span(n.input_types()).subspan(1)));
    TFM_RETURN_IF_ERROR(CheckOutputTypes(n, *body, "Tout"));
    branches.push_back(std::move(body));
  }
  if (branches[0]->ret_types() != branches[1]->ret_types()) {
    return n.Error("its branches '" + branches[0]->name() + "' and '" + branches[1]->name() +
                   "' return different dtypes");
  }
  return Kernel{branches[0]->ret_types(), [branches](KernelContext& c) -> Status {
                  const FunctionBody& body = *branches[TensorIsTrue(c.input(0)) ? 0 : 1];
                  std::vector<Tensor> rets;
                  TFM_RETURN_IF_ERROR(RunBody(c, body, InputsFrom(c, 1), rets));
                  SetOutputs(c, rets);
                  return Status::Ok();
                }};
}

// ---- Case / StatelessCase(branch_index, args) -> branches[branch_index](args) --------------
// An index out of range runs the last branch (TensorFlow's default branch).
Result<Kernel> Case(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputsAtLeast(1));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, DataType::kInt32));
  const AttrValue* v = n.FindAttr("branches");
  if (v == nullptr || v->kind != AttrValue::Kind::kList || v->list.func.empty()) {
    return n.Error("needs a non-empty list attr 'branches'");
  }
  std::vector<BodyPtr> branches;
  for (const FuncAttr& f : v->list.func) {
    TFM_ASSIGN_OR_RETURN(BodyPtr body, InstantiateFor(n, f));
    TFM_RETURN_IF_ERROR(CheckCallTypes(n, *body, std::span(n.input_types()).subspan(1)));
    TFM_RETURN_IF_ERROR(CheckOutputTypes(n, *body, "Tout"));
    if (!branches.empty() && body->ret_types() != branches[0]->ret_types()) {
      return n.Error("branch '" + body->name() + "' returns other dtypes than '" +
                     branches[0]->name() + "'");
    }
    branches.push_back(std::move(body));
  }
  return Kernel{branches[0]->ret_types(), [branches](KernelContext& c) -> Status {
                  const Tensor& index = c.input(0);
                  if (index.NumElements() != 1) {
                    return c.Error(
                        StatusCode::kInvalidArgument,
                        "branch_index must be a scalar, got shape " + index.shape().DebugString());
                  }
                  int32_t i = index.flat<int32_t>()[0];
                  const int last = static_cast<int>(branches.size()) - 1;
                  const FunctionBody& body = *branches[i < 0 || i > last ? last : i];
                  std::vector<Tensor> rets;
                  TFM_RETURN_IF_ERROR(RunBody(c, body, InputsFrom(c, 1), rets));
                  SetOutputs(c, rets);
                  return Status::Ok();
                }};
}

// ---- While / StatelessWhile(vars) -> vars = body(vars) while cond(vars) ---------------------
// parallel_iterations is irrelevant to a sequential loop; the loop ends only when its condition
// says so (a loop that never ends is the model's, as in TensorFlow). Iterations reuse no stack.
Result<Kernel> While(const NodeInfo& n) {
  TFM_ASSIGN_OR_RETURN(FuncAttr cond_f, FuncAttrOf(n, "cond"));
  TFM_ASSIGN_OR_RETURN(FuncAttr body_f, FuncAttrOf(n, "body"));
  TFM_ASSIGN_OR_RETURN(BodyPtr cond, InstantiateFor(n, cond_f));
  TFM_ASSIGN_OR_RETURN(BodyPtr body, InstantiateFor(n, body_f));
  TFM_RETURN_IF_ERROR(CheckCallTypes(n, *cond, n.input_types()));
  TFM_RETURN_IF_ERROR(CheckCallTypes(n, *body, n.input_types()));
  if (cond->ret_types().size() != 1) {
    return n.Error("its cond '" + cond->name() + "' returns " +
                   std::to_string(cond->ret_types().size()) + " tensors, not one");
  }
  if (body->ret_types() != n.input_types()) {
    return n.Error("its body '" + body->name() + "' returns other dtypes than the loop variables");
  }
  return Kernel{n.input_types(), [cond, body](KernelContext& c) -> Status {
                  std::span<const Tensor> in = InputsFrom(c, 0);
                  std::vector<Tensor> vars(in.begin(), in.end());
                  std::vector<Tensor> pred, next;
                  for (;;) {
                    TFM_RETURN_IF_ERROR(RunBody(c, *cond, vars, pred));
                    if (!TensorIsTrue(pred[0])) break;
                    TFM_RETURN_IF_ERROR(RunBody(c, *body, vars, next));
                    vars.swap(next);
                  }
                  SetOutputs(c, vars);
                  return Status::Ok();
                }};
}

}  // namespace

void RegisterFunctionalOps(OpRegistry& r) {
  r.Add({.name = "PartitionedCall", .factory = PartitionedCall});
  r.Add({.name = "StatefulPartitionedCall", .factory = PartitionedCall, .stateful = true});
  r.Add({.name = "If", .factory = If, .stateful = true});
  r.Add({.name = "StatelessIf", .factory = If});
  r.Add({.name = "Case", .factory = Case, .stateful = true});
  r.Add({.name = "StatelessCase", .factory = Case});
  r.Add({.name = "While", .factory = While, .stateful = true});
  r.Add({.name = "StatelessWhile", .factory = While});
}

}  // namespace tfmodel
