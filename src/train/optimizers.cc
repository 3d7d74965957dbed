// The tf.compat.v1.train optimizers as graph builders: slots named as TensorFlow names them and
// TensorFlow's Apply* ops (resource variables get the ResourceApply* forms). The update formulas
// live with the kernels (runtime/kernels/training.cc).
#include <algorithm>

#include "src/api/op_builder.h"
#include "src/train/gradients.h"
#include "tfmodel/train.h"

namespace tfmodel {

Variable GetOrCreateGlobalStep(const Graph& g) {
  for (const Variable& v : g.state()->variables) {
    if (v.name == "global_step") return v;
  }
  GraphState* s = g.state();
  std::string saved = s->name_stack;
  s->name_stack.clear();
  Variable step = GetVariable(g, "global_step", {}, ZerosInitializer(),
                              {.dtype = DataType::kInt64, .trainable = false});
  s->name_stack = saved;
  
  return step;
}

Optimizer::~Optimizer() = default;

Output Optimizer::Hyper(const std::string& key, DataType dtype) const {
  auto it = hyper_.find(key);
  if (it == hyper_.end()) return Output();
  return Cast(it->second, dtype);  // math_ops.cast: unchanged for float32 variables
}

Variable Optimizer::MakeSlot(const Graph& g, const Variable& var, const std::string& slot, double init) {
  GraphState* s = g.state();
  // Slots are created outside any name scope or control dependencies (tf.init_scope), named
  // "<var>/<optimizer name>", made unique like variable_scope(None, default_name) does.
  std::string saved_scope = s->name_stack;
  std::vector<Operation> saved_deps = s->control_stack;
  s->name_stack.clear();
  s->control_stack.clear();
  std::string name = s->UniqueName(var.name + "/" + name_, /*mark_used=*/false);
  Variable v = GetVariable(g, name, var.shape, init == 0 ? ZerosInitializer() : ConstantInitializer(init),
                           {.dtype = var.dtype, .trainable = false, .use_resource = var.is_resource});
  s->name_stack = saved_scope;
  s->control_stack = saved_deps;
  if (v.valid()) slots_[{var.name, slot}] = v;
  return v;
}

Variable Optimizer::MakeNonSlot(const Graph& g, const std::string& name, double init, const Variable& like) {
  auto it = non_slots_.find(name);
  if (it != non_slots_.end()) return it->second;
  GraphState* s = g.state();
  std::string saved_scope = s->name_stack;
  std::vector<Operation> saved_deps = s->control_stack;
  s->name_stack.clear();
  s->control_stack.clear();
  std::string unique = s->UniqueName(name, /*mark_used=*/false);
  Variable v = GetVariable(g, unique, {}, ConstantInitializer(init),
                           {.dtype = like.dtype, .trainable = false, .use_resource = like.is_resource});
  s->name_stack = saved_scope;
  s->control_stack = saved_deps;
  if (v.valid()) non_slots_[name] = v;
  return v;
}

Result<Variable> Optimizer::GetSlot(const Variable& var, const std::string& slot) const {
  auto it = slots_.find({var.name, slot});
  if (it == slots_.end()) return NotFound(name_ + " has no slot '" + slot + "' for variable " + var.name);
  return it->second;
}

Result<std::vector<std::pair<Output, Variable>>> Optimizer::ComputeGradients(
    const Output& loss, const std::vector<Variable>& var_list) {
  if (!loss.valid()) {
    return InvalidArgument(name_ + ": the loss is not a valid tensor" );
  }
  Graph g(loss.graph());
  TFM_RETURN_IF_ERROR(g.status());
  const bool explicit_list = !var_list.empty();
  std::vector<Variable> vars = explicit_list ? var_list : TrainableVariables(g);
  if (vars.empty()) return InvalidArgument(name_ + ": there are no variables to optimize");
  std::vector<Output> xs;
  for (const Variable& v : vars) {
    if (!v.valid()) return InvalidArgument(name_ + ": var_list holds an invalid variable");
    const bool floating = v.dtype == DataType::kFloat || v.dtype == DataType::kDouble ||
                          v.dtype == DataType::kHalf || v.dtype == DataType::kBFloat16;
    if (!floating) {
      return InvalidArgument(name_ + ": variable " + v.name + " has dtype " +
                             std::string(DataTypeName(v.dtype)) +
                             "; optimizers update only floating-point variables");
    }
    xs.push_back(v.handle);
  }
  TFM_ASSIGN_OR_RETURN(std::vector<Output> grads, Gradients({loss}, xs));
  std::vector<std::pair<Output, Variable>> out;
  std::string missing;
  for (size_t i = 0; i < vars.size(); ++i) {
    if (grads[i].valid()) {
      out.emplace_back(grads[i], vars[i]);
    } else {
      missing += (missing.empty() ? "" : ", ") + vars[i].name;
    }
  }
  if (out.empty()) {
    return InvalidArgument(name_ + ": no gradients for any variable: the loss '" + loss.name() +
                           "' does not depend on " + missing);
  }
  if (explicit_list && !missing.empty()) {
    return InvalidArgument(name_ + ": the loss '" + loss.name() + "' does not depend on variable(s) " +
                           missing + " of var_list");
  }
  return out;
}

Operation Optimizer::Finish(const Graph& g, const std::vector<Operation>& updates, const std::string& name) {
  OpBuilder group("NoOp", "", g);
  for (const Operation& op : updates) group.ControlInput(op);
  return group.ExactName(name).Build();
}

Result<Operation> Optimizer::ApplyGradients(const std::vector<std::pair<Output, Variable>>& grads_and_vars,
                                            const Variable* global_step) {
  if (grads_and_vars.empty()) return InvalidArgument(name_ + ": no gradients to apply");
  Graph g(grads_and_vars[0].first.graph());
  TFM_RETURN_IF_ERROR(g.status());
  std::vector<Variable> vars;
  for (const auto& [grad, var] : grads_and_vars) vars.push_back(var);
  TFM_RETURN_IF_ERROR(CreateSlots(g, vars));
  TFM_RETURN_IF_ERROR(g.status());
  Operation train_op;
  {
    NameScope scope(g, name_);
    std::string scope_name = scope.name();
    scope_name.pop_back();
    Prepare(g);
    std::vector<Operation> updates;
    for (const auto& [grad, var] : grads_and_vars) {
      NameScope update(g, "update_" + var.name);
      updates.push_back(ApplyDense(grad, var));
    }
    TFM_RETURN_IF_ERROR(g.status());
    if (global_step == nullptr) {
      train_op = Finish(g, updates, scope_name);
    } else {
      Operation finished = Finish(g, updates, scope_name + "/update");
      ControlDependencies deps(g, {finished});
      Output one = ScalarConst(g, global_step->dtype, 1, "value");
      if (global_step->is_resource) {
        train_op = OpBuilder("AssignAddVariableOp", "", g)
                       .Input(global_step->handle)
                       .Input(one)
                       .Attr("dtype", global_step->dtype)
                       .ExactName(scope_name)
                       .Build();
      } else {
        train_op = OpBuilder("AssignAdd", "", g)
                       .Input(global_step->handle)
                       .Input(one)
                       .Attr("T", global_step->dtype)
                       .Attr("use_locking", false)
                       .ExactName(scope_name)
                       .Build();
      }
    }
  }
  TFM_RETURN_IF_ERROR(g.status());
  g.AddToCollection("train_op", train_op);
  return train_op;
}

Operation Optimizer::Minimize(const Output& loss, const std::vector<Variable>& var_list,
                              const Variable* global_step) {
  GraphState* s = loss.graph();
  auto grads = ComputeGradients(loss, var_list);
  if (!grads.ok()) {
    if (s != nullptr) s->Fail(grads.status());
    return Operation();
  }
  auto op = ApplyGradients(*grads, global_step);
  if (!op.ok()) {
    if (s != nullptr) s->Fail(op.status());
    return Operation();
  }
  return *op;
}

// ---- the ops of an update ----------------------------------------------------------------------

namespace {

// Apply*(var, slots..., scalars..., grad) on reference variables, ResourceApply* on resource
// variables (the same inputs with handles for the variables, no output).
Operation ApplyOp(const Graph& g, const std::string& op, const Variable& var,
                  const std::vector<Variable>& slots, const std::vector<Output>& scalars,
                  const Output& grad, const std::vector<std::pair<std::string, bool>>& flags) {
  OpBuilder b(var.is_resource ? "Resource" + op : op, var.is_resource ? "Resource" + op : op, g);
  b.Input(var.handle);
  for (const Variable& s : slots) b.Input(s.handle);
  for (const Output& x : scalars) b.Input(x);
  b.Input(grad).Attr("T", var.dtype);
  for (const auto& [name, value] : flags) b.Attr(name, value);
  return b.Build();
}

}  // namespace

// ---- GradientDescent: var -= lr * grad ----------------------------------------------------------
GradientDescentOptimizer::GradientDescentOptimizer(double learning_rate, std::string name)
    : Optimizer(std::move(name)), lr_(learning_rate) {}

void GradientDescentOptimizer::Prepare(const Graph& g) {
  hyper_["lr"] = ScalarConst(g, DataType::kFloat, lr_, "learning_rate");
}

Operation GradientDescentOptimizer::ApplyDense(const Output& grad, const Variable& var) {
  Graph g(grad.graph());
  return ApplyOp(g, "ApplyGradientDescent", var, {}, {Hyper("lr", var.dtype)}, grad, {{"use_locking", false}});
}

// ---- Momentum: accum = momentum * accum + grad; var -= lr * accum (Nesterov: lr * (grad +
// momentum * accum)) ----------------------------------------------------------------------------
MomentumOptimizer::MomentumOptimizer(double learning_rate, double momentum, bool use_nesterov,
                                     std::string name)
    : Optimizer(std::move(name)), lr_(learning_rate), momentum_(momentum), nesterov_(use_nesterov) {}

Status MomentumOptimizer::CreateSlots(const Graph& g, const std::vector<Variable>& vars) {
  for (const Variable& v : vars) MakeSlot(g, v, "momentum", 0);
  return g.status();
}

void MomentumOptimizer::Prepare(const Graph& g) {
  hyper_["lr"] = ScalarConst(g, DataType::kFloat, lr_, "learning_rate");
  hyper_["momentum"] = ScalarConst(g, DataType::kFloat, momentum_, "momentum");
}

Operation MomentumOptimizer::ApplyDense(const Output& grad, const Variable& var) {
  Graph g(grad.graph());
  Variable accum = GetSlot(var, "momentum").value();
  // ApplyMomentum(var, accum, lr, grad, momentum): grad comes before momentum.
  OpBuilder b(var.is_resource ? "ResourceApplyMomentum" : "ApplyMomentum",
              var.is_resource ? "ResourceApplyMomentum" : "ApplyMomentum", g);
  b.Input(var.handle).Input(accum.handle).Input(Hyper("lr", var.dtype)).Input(grad).Input(Hyper("momentum", var.dtype));
  return b.Attr("T", var.dtype).Attr("use_locking", false).Attr("use_nesterov", nesterov_).Build();
}

// ---- Adam: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
//           var -= lr sqrt(1-b2^t)/(1-b1^t) m / (sqrt(v) + eps); beta powers *= b1, b2 ----------
AdamOptimizer::AdamOptimizer(double learning_rate, double beta1, double beta2, double epsilon,
                             std::string name)
    : Optimizer(std::move(name)), lr_(learning_rate), beta1_(beta1), beta2_(beta2), epsilon_(epsilon) {}

Status AdamOptimizer::CreateSlots(const Graph& g, const std::vector<Variable>& vars) {
  // The beta powers are created with (and like) the variable first by name.
  const Variable& first = *std::min_element(vars.begin(), vars.end(),
                                            [](const Variable& a, const Variable& b) { return a.name < b.name; });
  MakeNonSlot(g, "beta1_power", beta1_, first);
  MakeNonSlot(g, "beta2_power", beta2_, first);
  for (const Variable& v : vars) {
    MakeSlot(g, v, "m", 0);
    MakeSlot(g, v, "v", 0);
  }
  return g.status();
}

void AdamOptimizer::Prepare(const Graph& g) {
  hyper_["lr"] = ScalarConst(g, DataType::kFloat, lr_, "learning_rate");
  hyper_["beta1"] = ScalarConst(g, DataType::kFloat, beta1_, "beta1");
  hyper_["beta2"] = ScalarConst(g, DataType::kFloat, beta2_, "beta2");
  hyper_["epsilon"] = ScalarConst(g, DataType::kFloat, epsilon_, "epsilon");
}

Operation AdamOptimizer::ApplyDense(const Output& grad, const Variable& var) {
  Graph g(grad.graph());
  Variable m = GetSlot(var, "m").value(), v = GetSlot(var, "v").value();
  const Variable& b1p = non_slots_.at("beta1_power");
  const Variable& b2p = non_slots_.at("beta2_power");
  std::vector<Output> scalars = {Cast(b1p.is_resource ? ReadValue(b1p, "ReadVariableOp") : b1p.value, var.dtype),
                                 Cast(b2p.is_resource ? ReadValue(b2p, "ReadVariableOp_1") : b2p.value, var.dtype),
                                 Hyper("lr", var.dtype), Hyper("beta1", var.dtype),
                                 Hyper("beta2", var.dtype), Hyper("epsilon", var.dtype)};
  return ApplyOp(g, "ApplyAdam", var, {m, v}, scalars, grad, {{"use_locking", false}, {"use_nesterov", false}});
}

Operation AdamOptimizer::Finish(const Graph& g, const std::vector<Operation>& updates, const std::string& name) {
  const Variable& b1p = non_slots_.at("beta1_power");
  const Variable& b2p = non_slots_.at("beta2_power");
  std::vector<Operation> all = updates;
  {
    ControlDependencies deps(g, updates);
    Output b1 = b1p.is_resource ? ReadValue(b1p, "ReadVariableOp") : b1p.value;
    Output b2 = b2p.is_resource ? ReadValue(b2p, "ReadVariableOp_1") : b2p.value;
    Output new_b1 = Mul(b1, Hyper("beta1", b1p.dtype), "mul");
    Output new_b2 = Mul(b2, Hyper("beta2", b2p.dtype), "mul_1");
    if (b1p.is_resource) {
      all.push_back(OpBuilder("AssignVariableOp", "AssignVariableOp", g).Input(b1p.handle).Input(new_b1)
                        .Attr("dtype", b1p.dtype).Attr("validate_shape", false).Build());
      all.push_back(OpBuilder("AssignVariableOp", "AssignVariableOp_1", g).Input(b2p.handle).Input(new_b2)
                        .Attr("dtype", b2p.dtype).Attr("validate_shape", false).Build());
    } else {
      all.push_back(OpBuilder("Assign", "Assign", g).Input(b1p.handle).Input(new_b1).Attr("T", b1p.dtype)
                        .Attr("validate_shape", true).Attr("use_locking", false).Build());
      all.push_back(OpBuilder("Assign", "Assign_1", g).Input(b2p.handle).Input(new_b2).Attr("T", b2p.dtype)
                        .Attr("validate_shape", true).Attr("use_locking", false).Build());
    }
  }
  OpBuilder group("NoOp", "", g);
  for (const Operation& op : all) group.ControlInput(op);
  return group.ExactName(name).Build();
}

// ---- RMSProp: ms = decay ms + (1-decay) g^2 (centered: mg = decay mg + (1-decay) g,
//   denominator ms - mg^2); mom = momentum mom + lr g / sqrt(ms + eps); var -= mom -------------------
RMSPropOptimizer::RMSPropOptimizer(double learning_rate, double decay, double momentum, double epsilon,
                                   bool centered, std::string name)
    : Optimizer(std::move(name)), lr_(learning_rate), decay_(decay), momentum_(momentum),
      epsilon_(epsilon), centered_(centered) {}

Status RMSPropOptimizer::CreateSlots(const Graph& g, const std::vector<Variable>& vars) {
  for (const Variable& v : vars) {
    MakeSlot(g, v, "rms", 1.0);
    if (centered_) MakeSlot(g, v, "mg", 0);
    MakeSlot(g, v, "momentum", 0);
  }
  return g.status();
}

void RMSPropOptimizer::Prepare(const Graph& g) {
  hyper_["lr"] = ScalarConst(g, DataType::kFloat, lr_, "learning_rate");
  hyper_["decay"] = ScalarConst(g, DataType::kFloat, decay_, "decay");
  hyper_["momentum"] = ScalarConst(g, DataType::kFloat, momentum_, "momentum");
  hyper_["epsilon"] = ScalarConst(g, DataType::kFloat, epsilon_, "epsilon");
}

Operation RMSPropOptimizer::ApplyDense(const Output& grad, const Variable& var) {
  Graph g(grad.graph());
  Variable rms = GetSlot(var, "rms").value(), mom = GetSlot(var, "momentum").value();
  std::vector<Output> scalars = {Hyper("lr", var.dtype), Hyper("decay", var.dtype),
                                 Hyper("momentum", var.dtype), Hyper("epsilon", var.dtype)};
  if (centered_) {
    Variable mg = GetSlot(var, "mg").value();
    return ApplyOp(g, "ApplyCenteredRMSProp", var, {mg, rms, mom}, scalars, grad, {{"use_locking", false}});
  }
  return ApplyOp(g, "ApplyRMSProp", var, {rms, mom}, scalars, grad, {{"use_locking", false}});
}

// ---- Adagrad: accum += g^2; var -= lr g / sqrt(accum) ------------------------------------------------
AdagradOptimizer::AdagradOptimizer(double learning_rate, double initial_accumulator_value, std::string name)
    : Optimizer(std::move(name)), lr_(learning_rate), initial_(initial_accumulator_value) {}

Status AdagradOptimizer::CreateSlots(const Graph& g, const std::vector<Variable>& vars) {
  for (const Variable& v : vars) MakeSlot(g, v, "accumulator", initial_);
  return g.status();
}

void AdagradOptimizer::Prepare(const Graph& g) {
  hyper_["lr"] = ScalarConst(g, DataType::kFloat, lr_, "learning_rate");
}

Operation AdagradOptimizer::ApplyDense(const Output& grad, const Variable& var) {
  Graph g(grad.graph());
  Variable acc = GetSlot(var, "accumulator").value();
  return ApplyOp(g, "ApplyAdagrad", var, {acc}, {Hyper("lr", var.dtype)}, grad,
                 {{"use_locking", false}, {"update_slots", true}});
}

}  // namespace tfmodel
