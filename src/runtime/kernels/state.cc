// Graph inputs, constants, identity-like ops and variables (TF1 reference variables and
// resource variables).
#include <algorithm>
#include <cstring>
#include <functional>

#include "src/runtime/kernel.h"
#include "src/runtime/kernels/all_ops.h"
#include "src/runtime/kernels/variables.h"
#include "src/runtime/resource.h"

namespace tfmodel {

Result<std::shared_ptr<VariableState>> HandleVariable(KernelContext& c, int input) {
  const Tensor& h = c.input(input);
  if (h.dtype() != DataType::kResource || h.NumElements() != 1) {
    return c.Error(StatusCode::kInvalidArgument,
                   "input " + std::to_string(input) + " must be a scalar resource handle");
  }
  if (c.resources() == nullptr) {
    return c.Error(StatusCode::kFailedPrecondition, "no resource manager to look up variables in");
  }
  const std::string& key = h.flat<std::string>()[0];
  auto v = c.resources()->Lookup(key);
  if (!v) return c.Error(StatusCode::kNotFound, "resource " + key + " does not exist");
  return v;
}

Result<Tensor> ReadInput(KernelContext& c, int i) {
  VariableState* v = c.ref_input(i);
  if (v == nullptr || c.input(i).dtype() != DataType::kInvalid) return c.input(i);
  Result<Tensor> value = v->Read();
  if (!value.ok()) return c.Error(value.status().code(), value.status().message());
  return value;
}

Status UpdateVariables(std::span<VariableState* const> vars,
                       const std::function<Status(std::span<Tensor* const>)>& fn) {
  std::vector<size_t> order(vars.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::less<const VariableState*>()(vars[a], vars[b]);
  });
  std::vector<Tensor*> values(vars.size(), nullptr);
  // Nests one VariableState::Update per variable; the innermost runs fn on all the values.
  std::function<Status(size_t)> lock_from = [&](size_t k) -> Status {
    if (k == order.size()) return fn(values);
    return vars[order[k]]->Update([&](Tensor& t) {
      values[order[k]] = &t;
      return lock_from(k + 1);
    });
  };
  return lock_from(0);
}

namespace {

// ---- Placeholder ------------------------------------------------------------------------
// Fed by the caller; running one that is not fed is an error naming it.
Result<Kernel> Placeholder(const NodeInfo& n) {
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("dtype"));
  std::string name = n.name();
  std::string shape = "unknown";
  if (auto s = n.ShapeAttr("shape"); s.ok()) shape = s->ToCliString();
  return Kernel{{t}, [name, t, shape](KernelContext& c) -> Status {
                  return c.Error(StatusCode::kInvalidArgument,
                                 "you must feed a value for placeholder tensor '" + name +
                                     "' with dtype " + std::string(DataTypeName(t)) +
                                     " and shape " + shape);
                }};
}

// ---- PlaceholderWithDefault: y = fed value, else its input --------------------------------
Result<Kernel> PlaceholderWithDefault(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("dtype"));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, t));
  return Kernel{{t}, [](KernelContext& c) -> Status {
                  c.set_output(0, c.input(0));
                  return Status::Ok();
                }};
}

// ---- Const --------------------------------------------------------------------------------
Result<Kernel> Const(const NodeInfo& n) {
  TFM_ASSIGN_OR_RETURN(Tensor value, n.TensorAttr("value"));
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("dtype"));
  if (value.dtype() != t) {
    return n.Error("value has dtype " + std::string(DataTypeName(value.dtype())) +
                   " but attr dtype is " + std::string(DataTypeName(t)));
  }
  return Kernel{{t}, [value](KernelContext& c) -> Status {
                  c.set_output(0, value);
                  return Status::Ok();
                }};
}

// ---- Identity, StopGradient, Snapshot, PreventGradient: y = x -----------------------------
Result<Kernel> Identity(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  return Kernel{{n.input_type(0)}, [](KernelContext& c) -> Status {
                  c.set_output(0, c.input(0));
                  return Status::Ok();
                }};
}

Result<Kernel> IdentityN(const NodeInfo& n) {
  return Kernel{n.input_types(), [](KernelContext& c) -> Status {
                  for (int i = 0; i < c.num_inputs(); ++i) c.set_output(i, c.input(i));
                  return Status::Ok();
                }};
}

Result<Kernel> NoOp(const NodeInfo&) {
  return Kernel{{}, [](KernelContext&) { return Status::Ok(); }};
}

// ---- VariableV2 / Variable: a reference variable named after its shared_name or node -----
Result<Kernel> VariableV2(const NodeInfo& n) {
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("dtype"));
  TFM_ASSIGN_OR_RETURN(PartialShape shape, n.ShapeAttr("shape"));
  std::string key = n.StringAttrOr("container", "") + "/" + n.StringAttrOr("shared_name", "");
  if (n.StringAttrOr("shared_name", "").empty()) key = n.StringAttrOr("container", "") + "/" + n.name();
  // The executor reads the variable for each consumer (and for fetches); the output here only
  // carries the current value, or an empty tensor before initialisation.
  return Kernel{{t}, [key, t, shape](KernelContext& c) -> Status {
                  TFM_ASSIGN_OR_RETURN(auto var, c.resources()->LookupOrCreate(key, t, shape));
                  auto value = var->Read();
                  c.set_output(0, value.ok() ? *value : Tensor::Allocate(t, Shape({0})).value());
                  return Status::Ok();
                }};
}

// ---- Assign(ref, value): ref = value; AssignAdd/AssignSub: ref += / -= value -------------
template <int kSign>
Status AddInto(Tensor& dst, const Tensor& src, const KernelContext& c) {
  if (!(dst.shape() == src.shape())) {
    return c.Error(StatusCode::kInvalidArgument, "shapes " + dst.shape().DebugString() + " and " +
                                                     src.shape().DebugString() + " differ");
  }
  return DispatchPod(dst.dtype(), c.Error(StatusCode::kUnimplemented, "dtype not supported"),
                     [&](auto zero) -> Status {
                       using T = decltype(zero);
                       if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
                         auto d = dst.flat<T>();
                         auto s = src.flat<T>();
                         for (size_t i = 0; i < d.size(); ++i) {
                           d[i] = kSign > 0 ? static_cast<T>(d[i] + s[i]) : static_cast<T>(d[i] - s[i]);
                         }
                         return Status::Ok();
                       } else {
                         return c.Error(StatusCode::kUnimplemented, "dtype not supported");
                       }
                     });
}

Result<Kernel> Assign(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  bool validate = n.BoolAttrOr("validate_shape", true);
  return Kernel{{n.input_type(1)}, [validate](KernelContext& c) -> Status {
                  VariableState* v = c.ref_input(0);
                  if (v == nullptr) {
                    return c.Error(StatusCode::kInvalidArgument,
                                   "input 0 of Assign must be a reference variable");
                  }
                  TFM_ASSIGN_OR_RETURN(Tensor value, ReadInput(c, 1));
                  TFM_RETURN_IF_ERROR(v->Assign(value, validate));
                  TFM_ASSIGN_OR_RETURN(Tensor now, v->Read());
                  c.set_output(0, now);
                  return Status::Ok();
                }};
}

template <int kSign>
Result<Kernel> AssignAddSub(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  return Kernel{{n.input_type(1)}, [](KernelContext& c) -> Status {
                  VariableState* v = c.ref_input(0);
                  if (v == nullptr) {
                    return c.Error(StatusCode::kInvalidArgument,
                                   "input 0 must be a reference variable");
                  }
                  TFM_ASSIGN_OR_RETURN(Tensor value, ReadInput(c, 1));
                  TFM_RETURN_IF_ERROR(v->Update([&](Tensor& t) { return AddInto<kSign>(t, value, c); }));
                  TFM_ASSIGN_OR_RETURN(Tensor now, v->Read());
                  c.set_output(0, now);
                  return Status::Ok();
                }};
}

Result<Kernel> IsVariableInitialized(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  return Kernel{{DataType::kBool}, [](KernelContext& c) -> Status {
                  VariableState* v = c.ref_input(0);
                  c.set_output(0, Tensor::Scalar(v != nullptr && v->initialized()));
                  return Status::Ok();
                }};
}

// ---- Resource variables: VarHandleOp produces a handle (the variable's key) ----------------
Result<Kernel> VarHandleOp(const NodeInfo& n) {
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("dtype"));
  TFM_ASSIGN_OR_RETURN(PartialShape shape, n.ShapeAttr("shape"));
  std::string shared = n.StringAttrOr("shared_name", "");
  std::string key = n.StringAttrOr("container", "") + "/" + (shared.empty() ? n.name() : shared);
  return Kernel{{DataType::kResource}, [key, t, shape](KernelContext& c) -> Status {
                  TFM_RETURN_IF_ERROR(c.resources()->LookupOrCreate(key, t, shape).status());
                  Tensor h = Tensor::Allocate(DataType::kResource, Shape{}).value();
                  h.flat<std::string>()[0] = key;
                  c.set_output(0, h);
                  return Status::Ok();
                }};
}

Result<Kernel> ReadVariableOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("dtype"));
  return Kernel{{t}, [t](KernelContext& c) -> Status {
                  TFM_ASSIGN_OR_RETURN(auto v, HandleVariable(c, 0));
                  if (v->dtype() != t) {
                    return c.Error(StatusCode::kInvalidArgument, "variable " + v->name() + " has dtype " +
                                   std::string(DataTypeName(v->dtype())) + ", read as " +
                                   std::string(DataTypeName(t)));
                  }
                  auto value = v->Read();
                  if (!value.ok()) return c.Error(StatusCode::kFailedPrecondition, value.status().message());
                  c.set_output(0, *value);
                  return Status::Ok();
                }};
}

Result<Kernel> AssignVariableOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  return Kernel{{}, [](KernelContext& c) -> Status {
                  TFM_ASSIGN_OR_RETURN(auto v, HandleVariable(c, 0));
                  return v->Assign(c.input(1), /*validate_shape=*/false);
                }};
}

template <int kSign>
Result<Kernel> AssignAddSubVariableOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  return Kernel{{}, [](KernelContext& c) -> Status {
                  TFM_ASSIGN_OR_RETURN(auto v, HandleVariable(c, 0));
                  return v->Update([&](Tensor& t) { return AddInto<kSign>(t, c.input(1), c); });
                }};
}

Result<Kernel> VarIsInitializedOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  return Kernel{{DataType::kBool}, [](KernelContext& c) -> Status {
                  const Tensor& h = c.input(0);
                  auto v = c.resources()->Lookup(h.flat<std::string>()[0]);
                  c.set_output(0, Tensor::Scalar(v != nullptr && v->initialized()));
                  return Status::Ok();
                }};
}

// ---- DisableCopyOnRead(resource): TF's copy-on-read mode switch; our reads never alias writes.
Result<Kernel> DisableCopyOnRead(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, DataType::kResource));
  return Kernel{{}, [](KernelContext& c) -> Status { return HandleVariable(c, 0).status(); }};
}

}  // namespace

void RegisterStateOps(OpRegistry& r) {
  r.Add({"Placeholder", Placeholder});
  r.Add({"PlaceholderV2", Placeholder});
  r.Add({"PlaceholderWithDefault", PlaceholderWithDefault});
  r.Add({"Const", Const});
  r.Add({"Identity", Identity});
  r.Add({"StopGradient", Identity});
  r.Add({"PreventGradient", Identity});
  r.Add({"Snapshot", Identity});
  r.Add({"RefIdentity", Identity});
  r.Add({"IdentityN", IdentityN});
  r.Add({"NoOp", NoOp});
  r.Add({.name = "VariableV2", .factory = VariableV2, .stateful = true, .produces_ref = true});
  r.Add({.name = "Variable", .factory = VariableV2, .stateful = true, .produces_ref = true});
  r.Add({.name = "Assign", .factory = Assign, .stateful = true, .writes_ref_inputs = true});
  r.Add({.name = "AssignAdd", .factory = AssignAddSub<1>, .stateful = true, .writes_ref_inputs = true});
  r.Add({.name = "AssignSub", .factory = AssignAddSub<-1>, .stateful = true, .writes_ref_inputs = true});
  r.Add({.name = "IsVariableInitialized", .factory = IsVariableInitialized, .stateful = true, .writes_ref_inputs = true});
  r.Add({.name = "VarHandleOp", .factory = VarHandleOp, .stateful = true});
  r.Add({.name = "ReadVariableOp", .factory = ReadVariableOp, .stateful = true});
  r.Add({.name = "AssignVariableOp", .factory = AssignVariableOp, .stateful = true});
  r.Add({.name = "AssignAddVariableOp", .factory = AssignAddSubVariableOp<1>, .stateful = true});
  r.Add({.name = "AssignSubVariableOp", .factory = AssignAddSubVariableOp<-1>, .stateful = true});
  r.Add({.name = "VarIsInitializedOp", .factory = VarIsInitializedOp, .stateful = true});
  r.Add({.name = "DisableCopyOnRead", .factory = DisableCopyOnRead, .stateful = true});
}

}  // namespace tfmodel
