// FunctionLibrary (the instantiation cache and the recursion guard), FunctionBody::Run, and the
// kernel that calls a function. The body itself is built in function_body.cc.
#include "src/runtime/function.h"

#include <algorithm>

namespace tfmodel {

Result<std::shared_ptr<const FunctionBody>> BuildFunctionBody(const FunctionDefData& def,
                                                              const AttrMap& attrs,
                                                              const FunctionLibrary& library);

namespace {

// A canonical text of an attr value: the instantiation cache key. Two attr maps with the same
// key instantiate the same body.
void AppendAttrKey(const AttrValue& v, std::string& out);

void AppendFunc(const FuncAttr& f, std::string& out) {
  out += "f(" + f.name;
  if (f.attrs) {
    for (const auto& [k, a] : *f.attrs) {
      out += "," + k + "=";
      AppendAttrKey(a, out);
    }
  }
  out += ")";
}

void AppendShape(const PartialShape& s, std::string& out) { out += s.ToCliString(); }

void AppendAttrKey(const AttrValue& v, std::string& out) {
  using K = AttrValue::Kind;
  switch (v.kind) {
    case K::kNone:
      out += "none";
      break;
    case K::kString:
      out += "s" + std::to_string(v.s.size()) + ":" + v.s;
      break;
    case K::kInt:
      out += "i" + std::to_string(v.i);
      break;
    case K::kFloat:
      out += "f" + std::to_string(v.f);
      break;
    case K::kBool:
      out += v.b ? "true" : "false";
      break;
    case K::kType:
      out += "t" + std::to_string(static_cast<int>(v.type));
      break;
    case K::kShape:
      AppendShape(v.shape, out);
      break;
    case K::kTensor:
      out += "tensor(" + std::string(DataTypeName(v.tensor.dtype())) +
             v.tensor.shape().DebugString() + v.tensor.DebugString(1 << 20) + ")";
      break;
    case K::kFunc:
      AppendFunc(v.func, out);
      break;
    case K::kPlaceholder:
      out += "$" + v.s;
      break;
    case K::kList: {
      out += "[";
      for (const auto& s : v.list.s) out += "s" + std::to_string(s.size()) + ":" + s + ",";
      for (int64_t i : v.list.i) out += "i" + std::to_string(i) + ",";
      for (float f : v.list.f) out += "f" + std::to_string(f) + ",";
      for (bool b : v.list.b) out += b ? "true," : "false,";
      for (DataType t : v.list.type) out += "t" + std::to_string(static_cast<int>(t)) + ",";
      for (const auto& s : v.list.shape) AppendShape(s, out), out += ",";
      for (const auto& t : v.list.tensor) out += "tensor" + t.DebugString(1 << 20) + ",";
      for (const auto& f : v.list.func) AppendFunc(f, out), out += ",";
      out += "]";
      break;
    }
  }
}

std::string InstanceKey(const std::string& name, const AttrMap& attrs) {
  std::string key = name;
  for (const auto& [k, v] : attrs) {
    key += "\n" + k + "=";
    AppendAttrKey(v, key);
  }
  return key;
}

}  // namespace

FunctionLibrary::FunctionLibrary(std::vector<FunctionDefData> functions)
    : functions_(std::move(functions)) {
  // The first definition of a name wins (GraphDef libraries have unique names).
  for (const FunctionDefData& f : functions_) defs_.emplace(f.name, &f);
}

const FunctionDefData* FunctionLibrary::Find(std::string_view name) const {
  auto it = defs_.find(name);
  return it == defs_.end() ? nullptr : it->second;
}

Result<std::shared_ptr<const FunctionBody>> FunctionLibrary::Instantiate(
    const std::string& name, const AttrMap& attrs) const {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  const std::string key = InstanceKey(name, attrs);
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  const FunctionDefData* def = Find(name);
  if (def == nullptr) {
    return NotFound("function '" + name + "' is not in the graph's function library (" +
                    std::to_string(defs_.size()) + " functions)");
  }
  if (std::find(in_progress_.begin(), in_progress_.end(), name) != in_progress_.end()) {
    std::string chain;
    for (auto it = std::find(in_progress_.begin(), in_progress_.end(), name);
         it != in_progress_.end(); ++it) {
      chain += *it + " -> ";
    }
    return InvalidArgument("function '" + name + "' calls itself (" + chain + name +
                           "): tfmodel does not run recursive functions");
  }
  // Each level of nesting is a level of C++ recursion here and when the body runs.
  constexpr size_t kMaxDepth = 100;
  if (in_progress_.size() >= kMaxDepth) {
    return InvalidArgument("function '" + name + "' is nested more than " +
                           std::to_string(kMaxDepth) + " calls deep (called from '" +
                           in_progress_.back() + "')");
  }
  in_progress_.push_back(name);
  auto body = BuildFunctionBody(*def, attrs, *this);
  in_progress_.pop_back();
  if (!body.ok()) return body.status();
  cache_.emplace(key, *body);
  return body;
}

Status FunctionBody::RunStep(size_t i, std::span<const Tensor> args, std::vector<Tensor>& slots,
                             std::vector<Tensor>& inputs, std::vector<char>& skip,
                             Epilogue& epilogue, ResourceMgr* resources, ThreadPool* pool) const {
  const Step& step = steps_[i];
  inputs.clear();
  for (const Source& src : step.inputs) {
    if (src.is_arg) {
      inputs.push_back(args[src.index]);
    } else if (src.last_use) {
      inputs.push_back(std::move(slots[src.index]));
    } else {
      inputs.push_back(slots[src.index]);
    }
  }
  std::span<Tensor> out(slots.data() + step.first_slot, step.output_types.size());
  KernelContext ctx(step.node, inputs, out, resources, {}, pool);
  epilogue.count = 0;
  epilogue.applied = 0;
  if (!step.fused.empty()) {
    for (const Fused& f : step.fused) {
      Epilogue::Op& op = epilogue.ops[epilogue.count++];
      op = f.op;
      if (f.has_operand) {
        op.operand = f.operand.is_arg ? &args[f.operand.index] : &slots[f.operand.index];
      }
    }
    ctx.set_epilogue(&epilogue);
  }
  Status s = step.compute(ctx);
  inputs.clear();
  if (!s.ok()) return s.WithContext("function '" + name_ + "'");
  for (size_t k = 0; k < out.size(); ++k) {
    if (out[k].dtype() != step.output_types[k]) {
      return Internal("function '" + name_ + "': node '" + step.node + "' (op " + step.op +
                      ") produced output " + std::to_string(k) + " of dtype " +
                      std::string(DataTypeName(out[k].dtype())) + ", planned " +
                      std::string(DataTypeName(step.output_types[k])));
    }
  }
  for (int u : step.unused_outputs) slots[u] = Tensor();
  if (epilogue.applied > 0) {  // the output is the last applied step's: hand it over
    for (int f = 0; f < epilogue.applied; ++f) skip[step.fused[f].step] = 1;
    const Step& last = steps_[step.fused[epilogue.applied - 1].step];
    slots[last.first_slot] = std::move(out[0]);
  }
  return Status::Ok();
}

Status FunctionBody::Run(std::span<const Tensor> args, std::vector<Tensor>& rets,
                         ResourceMgr* resources, ThreadPool* pool) const {
  std::vector<Tensor> slots(num_slots_);
  std::vector<Tensor> inputs;
  inputs.reserve(8);
  std::vector<char> skip(has_fused_ ? steps_.size() : 0, 0);
  Epilogue epilogue;  // reused by every step (constructing it per step showed in profiles)
  for (size_t i = 0; i < steps_.size(); ++i) {
    if (has_fused_ && skip[i]) {
      // Applied by an earlier step's kernel. Its last-use operands go now, not when that kernel
      // ran: a control edge can order other readers (another kernel's epilogue too) in between.
      for (const Source& src : steps_[i].inputs) {
        if (!src.is_arg && src.last_use) slots[src.index] = Tensor();
      }
      continue;
    }
    TFM_RETURN_IF_ERROR(RunStep(i, args, slots, inputs, skip, epilogue, resources, pool));
  }
  rets.clear();
  rets.reserve(rets_.size());
  for (const Source& src : rets_) {
    if (src.is_arg) {
      rets.push_back(args[src.index]);
    } else {
      rets.push_back(src.last_use ? std::move(slots[src.index]) : slots[src.index]);
    }
  }
  return Status::Ok();
}

Kernel FunctionCallKernel(std::shared_ptr<const FunctionBody> body) {
  std::vector<DataType> types = body->ret_types();
  return Kernel{std::move(types), [body = std::move(body)](KernelContext& c) -> Status {
                  // A kernel's inputs are contiguous: the body reads them in place.
                  std::span<const Tensor> args;
                  if (c.num_inputs() > 0) args = {&c.input(0), static_cast<size_t>(c.num_inputs())};
                  std::vector<Tensor> rets;
                  Status s = body->Run(args, rets, c.resources(), c.thread_pool());
                  if (!s.ok()) return c.Error(s.code(), s.message());
                  for (size_t i = 0; i < rets.size(); ++i)
                    c.set_output(static_cast<int>(i), std::move(rets[i]));
                  return Status::Ok();
                }};
}

Status CheckCallTypes(const NodeInfo& n, const FunctionBody& body,
                      std::span<const DataType> input_types) {
  const auto& want = body.arg_types();
  if (input_types.size() != want.size()) {
    return n.Error("passes " + std::to_string(input_types.size()) + " inputs to function '" +
                   body.name() + "', which takes " + std::to_string(want.size()));
  }
  for (size_t i = 0; i < want.size(); ++i) {
    if (input_types[i] != want[i]) {
      return n.Error("input " + std::to_string(i) + " is " +
                     std::string(DataTypeName(input_types[i])) + ", but function '" + body.name() +
                     "' takes " + std::string(DataTypeName(want[i])) + " there");
    }
  }
  return Status::Ok();
}

Result<Kernel> PlanFunctionOp(const NodeInfo& n) {
  const FunctionLibrary* lib = n.function_library();
  if (lib == nullptr || lib->Find(n.op()) == nullptr) {
    return NotFound("node '" + n.name() + "': no function '" + n.op() + "'");
  }
  // The instantiation attrs are the node's, minus the ones every node may carry.
  AttrMap attrs;
  for (const auto& [k, v] : n.attrs()) {
    if (!k.empty() && k[0] != '_') attrs.emplace(k, v);
  }
  auto body = lib->Instantiate(n.op(), attrs);
  if (!body.ok()) return body.status().WithContext("node '" + n.name() + "' (op " + n.op() + ")");
  TFM_RETURN_IF_ERROR(CheckCallTypes(n, **body, n.input_types()));
  return FunctionCallKernel(std::move(body).value());
}

bool TensorIsTrue(const Tensor& t) {
  if (t.shape().rank() != 0) return t.NumElements() > 0;
  switch (t.dtype()) {
    case DataType::kString:
      return !t.flat<std::string>()[0].empty();
    case DataType::kBool:
      return t.flat<bool>()[0];
    default:
      return DispatchPod(t.dtype(), false, [&](auto zero) {
        using T = decltype(zero);
        if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
          return t.flat<T>()[0].ToFloat() != 0.0f;
        } else {
          return t.flat<T>()[0] != T{};
        }
      });
  }
}

}  // namespace tfmodel
