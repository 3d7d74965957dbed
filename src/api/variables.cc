// Random tensors, initializers and variables, built as tf.compat.v1 builds them (same op names,
// same arithmetic, so seeded initial values match TensorFlow's bit for bit).
#include <cmath>

#include "src/api/op_builder.h"
#include "tfmodel/ops.h"

namespace tfmodel {
namespace {

// random_ops.{random_uniform,random_normal,truncated_normal}: a random op over [0,1) or N(0,1),
// then `rnd * scale + shift` in the output dtype.
Output RandomScaled(const Graph& g, std::string_view op, std::string_view scope_name,
                    const std::vector<int64_t>& shape, DataType dtype, double scale_or_max,
                    double shift_or_min, bool uniform, std::optional<int64_t> seed) {
  GraphState* s = g.state();
  NameScope scope(g, scope_name);
  std::string full = scope.name();
  full.pop_back();
  Output shape_tensor = Int32Vector(s, shape, "shape");
  Output a, b;
  if (uniform) {
    a = ScalarConst(g, dtype, shift_or_min, "min");
    b = ScalarConst(g, dtype, scale_or_max, "max");
  } else {
    a = ScalarConst(g, dtype, shift_or_min, "mean");
    b = ScalarConst(g, dtype, scale_or_max, "stddev");
  }
  auto [s1, s2] = s->GetSeed(seed);
  Output rnd = OpBuilder(op, op, s)
                   .Input(shape_tensor)
                   .Attr("seed", s1)
                   .Attr("seed2", s2)
                   .Attr("dtype", dtype)
                   .Attr("T", DataType::kInt32)
                   .Out();
  if (uniform) {
    Output range = Sub(b, a, "sub");
    Output mul = Mul(rnd, range, "mul");
    return OpBuilder("AddV2", "", s).Input(mul).Input(a).Attr("T", dtype).ExactName(full).Out();
  }
  Output mul = Mul(rnd, b, "mul");
  return OpBuilder("AddV2", "", s).Input(mul).Input(a).Attr("T", dtype).ExactName(full).Out();
}

// init_ops._compute_fans.
std::pair<double, double> Fans(const std::vector<int64_t>& shape) {
  if (shape.empty()) return {1, 1};
  if (shape.size() == 1) return {double(shape[0]), double(shape[0])};
  if (shape.size() == 2) return {double(shape[0]), double(shape[1])};
  double receptive = 1;
  for (size_t i = 0; i + 2 < shape.size(); ++i) receptive *= double(shape[i]);
  return {double(shape[shape.size() - 2]) * receptive, double(shape.back()) * receptive};
}

std::string Join(const std::string& scope, std::string_view name) {
  return scope.empty() ? std::string(name) : scope + "/" + std::string(name);
}

}  // namespace

Output RandomUniform(const Graph& g, const std::vector<int64_t>& shape, double minval, double maxval,
                     DataType dtype, std::optional<int64_t> seed, std::string_view name) {
  return RandomScaled(g, "RandomUniform", name.empty() ? "random_uniform" : name, shape, dtype,
                      maxval, minval, true, seed);
}

Output RandomNormal(const Graph& g, const std::vector<int64_t>& shape, double mean, double stddev,
                    DataType dtype, std::optional<int64_t> seed, std::string_view name) {
  return RandomScaled(g, "RandomStandardNormal", name.empty() ? "random_normal" : name, shape,
                      dtype, stddev, mean, false, seed);
}

Output TruncatedNormal(const Graph& g, const std::vector<int64_t>& shape, double mean, double stddev,
                       DataType dtype, std::optional<int64_t> seed, std::string_view name) {
  return RandomScaled(g, "TruncatedNormal", name.empty() ? "truncated_normal" : name, shape, dtype,
                      stddev, mean, false, seed);
}

// ---- initializers -------------------------------------------------------------------------------

Initializer ZerosInitializer() {
  return [](const Graph& g, const std::vector<int64_t>& shape, DataType dtype) {
    return Zeros(g, shape, dtype);
  };
}

Initializer OnesInitializer() {
  return [](const Graph& g, const std::vector<int64_t>& shape, DataType dtype) {
    return Ones(g, shape, dtype);
  };
}

Initializer ConstantInitializer(double value) {
  return [value](const Graph& g, const std::vector<int64_t>& shape, DataType dtype) -> Output {
    Result<tfmodel::Shape> s = tfmodel::Shape::Make(shape);
    if (!s.ok()) {
      g.state()->Fail(s.status());
      return Output();
    }
    Result<Tensor> t = Tensor::Allocate(dtype, *s);
    if (!t.ok()) {
      g.state()->Fail(t.status());
      return Output();
    }
    // tf.constant_initializer(v): a Const of the full shape.
    bool ok = SetValues(&*t, {value});
    if (!ok) {
      g.state()->Fail(InvalidArgument("constant initializer: " + std::string(DataTypeName(dtype)) +
                                      " is not a numeric dtype"));
      return Output();
    }
    return Const(g, *t, "Const");
  };
}

Initializer ConstantInitializer(const Tensor& value) {
  return [value](const Graph& g, const std::vector<int64_t>& shape, DataType dtype) -> Output {
    if (value.dtype() != dtype || value.shape().dims() != shape) {
      g.state()->Fail(InvalidArgument("constant initializer value has dtype " +
                                      std::string(DataTypeName(value.dtype())) + " and shape " +
                                      value.shape().DebugString() + ", the variable " +
                                      std::string(DataTypeName(dtype)) + " " +
                                      PartialShape{false, shape}.ToCliString()));
      return Output();
    }
    return Const(g, value, "Const");
  };
}

Initializer RandomNormalInitializer(double mean, double stddev, std::optional<int64_t> seed) {
  return [=](const Graph& g, const std::vector<int64_t>& shape, DataType dtype) {
    return RandomNormal(g, shape, mean, stddev, dtype, seed);
  };
}

Initializer RandomUniformInitializer(double minval, double maxval, std::optional<int64_t> seed) {
  return [=](const Graph& g, const std::vector<int64_t>& shape, DataType dtype) {
    return RandomUniform(g, shape, minval, maxval, dtype, seed);
  };
}

Initializer TruncatedNormalInitializer(double mean, double stddev, std::optional<int64_t> seed) {
  return [=](const Graph& g, const std::vector<int64_t>& shape, DataType dtype) {
    return TruncatedNormal(g, shape, mean, stddev, dtype, seed);
  };
}

Initializer VarianceScaling(double scale, std::string_view mode_view,
                            std::string_view distribution_view, std::optional<int64_t> seed) {
  std::string mode(mode_view), distribution(distribution_view);
  return [=](const Graph& g, const std::vector<int64_t>& shape, DataType dtype) -> Output {
    if (scale <= 0 || (mode != "fan_in" && mode != "fan_out" && mode != "fan_avg") ||
        (distribution != "truncated_normal" && distribution != "normal" &&
         distribution != "untruncated_normal" && distribution != "uniform")) {
      g.state()->Fail(InvalidArgument("variance scaling initializer: bad scale, mode '" + mode +
                                      "' or distribution '" + distribution + "'"));
      return Output();
    }
    auto [fan_in, fan_out] = Fans(shape);
    double s = scale;
    if (mode == "fan_in") s /= std::max(1.0, fan_in);
    else if (mode == "fan_out") s /= std::max(1.0, fan_out);
    else s /= std::max(1.0, (fan_in + fan_out) / 2.0);
    if (distribution == "truncated_normal" || distribution == "normal") {
      // 0.879...: the stddev of a standard normal truncated to [-2, 2].
      return TruncatedNormal(g, shape, 0.0, std::sqrt(s) / .87962566103423978, dtype, seed);
    }
    if (distribution == "untruncated_normal") return RandomNormal(g, shape, 0.0, std::sqrt(s), dtype, seed);
    const double limit = std::sqrt(3.0 * s);
    return RandomUniform(g, shape, -limit, limit, dtype, seed);
  };
}

Initializer GlorotNormal(std::optional<int64_t> seed) {
  return VarianceScaling(1.0, "fan_avg", "truncated_normal", seed);
}

Initializer GlorotUniform(std::optional<int64_t> seed) {
  return VarianceScaling(1.0, "fan_avg", "uniform", seed);
}

// ---- variables ----------------------------------------------------------------------------------

namespace {

// Builds the variable ops inside the variable's own scope "<name>/": VariableV2 "<name>",
// Assign "<name>/Assign", Identity "<name>/read" (or the resource equivalents).
Variable MakeVariable(GraphState* s, const std::string& full, const Output& initial,
                      const std::vector<int64_t>& shape, const VariableOptions& o) {
  Variable v;
  if (!initial.valid()) return v;
  NameScope scope(s, full + "/");
  const PartialShape ps{false, shape};
  if (!o.use_resource) {
    v.handle = OpBuilder("VariableV2", "", s)
                   .Attr("shape", ShapeAttr(ps))
                   .Attr("dtype", o.dtype)
                   .Attr("container", "")
                   .Attr("shared_name", "")
                   .ExactName(full)
                   .Out();
    if (!v.handle.valid()) return v;
    v.initializer = OpBuilder("Assign", "Assign", s)
                        .Input(v.handle)
                        .Input(initial)
                        .Attr("T", o.dtype)
                        .Attr("validate_shape", true)
                        .Attr("use_locking", true)
                        .Build();
    v.value = Identity(v.handle, "read");
  } else {
    v.handle = OpBuilder("VarHandleOp", "", s)
                   .Attr("shape", ShapeAttr(ps))
                   .Attr("dtype", o.dtype)
                   .Attr("container", "")
                   .Attr("shared_name", std::string_view(full))
                   .Attr("allowed_devices", StringListAttr({}))
                   .ExactName(full)
                   .Out();
    if (!v.handle.valid()) return v;
    {
      NameScope is_init(s, "IsInitialized");
      OpBuilder("VarIsInitializedOp", "VarIsInitializedOp", s).Input(v.handle).Build();
    }
    v.initializer = OpBuilder("AssignVariableOp", "Assign", s)
                        .Input(v.handle)
                        .Input(initial)
                        .Attr("dtype", o.dtype)
                        .Attr("validate_shape", false)
                        .Build();
    {
      NameScope read(s, "Read");
      v.value = OpBuilder("ReadVariableOp", "ReadVariableOp", s)
                    .Input(v.handle)
                    .Attr("dtype", o.dtype)
                    .Out();
    }
  }
  if (!v.initializer.valid() || !v.value.valid()) return Variable();
  v.name = full;
  v.initial_value = initial;
  v.dtype = o.dtype;
  v.shape = shape;
  v.trainable = o.trainable;
  v.is_resource = o.use_resource;
  s->variables.push_back(v);
  return v;
}

bool VariableExists(const GraphState* s, const std::string& full) {
  for (const Variable& v : s->variables) {
    if (v.name == full) return true;
  }
  return false;
}

}  // namespace

Variable GetVariable(const Graph& g, std::string_view name, const std::vector<int64_t>& shape,
                     const Initializer& initializer, const VariableOptions& options) {
  GraphState* s = g.state();
  if (!s->error().ok()) return Variable();
  const std::string full = Join(s->name_stack, name);
  if (name.empty()) {
    s->Fail(InvalidArgument("a variable needs a name"));
    return Variable();
  }
  if (VariableExists(s, full)) {
    s->Fail(AlreadyExists("Variable " + full + " already exists, disallowed"));
    return Variable();
  }
  if (s->ir().Find(full) >= 0) {
    s->Fail(AlreadyExists("variable " + full + ": the graph already has an op with that name"));
    return Variable();
  }
  for (int64_t d : shape) {
    if (d < 0) {
      s->Fail(InvalidArgument("variable " + full + " needs a fully defined shape, got " +
                              PartialShape{false, shape}.ToCliString()));
      return Variable();
    }
  }
  if (!initializer) {
    s->Fail(InvalidArgument("variable " + full + " has no initializer"));
    return Variable();
  }
  Output initial;
  {
    NameScope var_scope(s, full + "/");
    NameScope init_scope(s, "Initializer");
    // Initializers run before anything else: no control dependencies (tf.init_scope).
    std::vector<Operation> saved = s->control_stack;
    s->control_stack.clear();
    initial = initializer(g, shape, options.dtype);
    s->control_stack = saved;
  }
  if (initial.valid() && initial.dtype() != options.dtype) {
    s->Fail(InvalidArgument("variable " + full + ": the initializer made a " +
                            std::string(DataTypeName(initial.dtype())) + " tensor, the variable is " +
                            std::string(DataTypeName(options.dtype))));
    return Variable();
  }
  return MakeVariable(s, full, initial, shape, options);
}

Variable NewVariable(const Output& initial_value, std::string_view name, const VariableOptions& options) {
  GraphState* s = initial_value.graph();
  if (s == nullptr) return Variable();
  PartialShape ps = initial_value.shape();
  if (!ps.IsFullyDefined()) {
    s->Fail(InvalidArgument("variable " + std::string(name) +
                            ": the initial value's shape must be fully known, got " + ps.ToCliString()));
    return Variable();
  }
  VariableOptions o = options;
  o.dtype = initial_value.dtype();
  std::string base = name.empty() ? "Variable" : std::string(name);
  std::string full = s->UniqueName(base, /*mark_used=*/false);
  if (VariableExists(s, full)) {
    s->Fail(AlreadyExists("Variable " + full + " already exists"));
    return Variable();
  }
  s->MarkUsed(full);
  return MakeVariable(s, full, initial_value, ps.dims, o);
}

Operation Assign(const Variable& var, const Output& value, std::string_view name) {
  if (!var.valid()) return Operation();
  if (var.is_resource) {
    return OpBuilder("AssignVariableOp", name.empty() ? "AssignVariableOp" : name, var.handle)
        .Input(var.handle)
        .Input(value)
        .Attr("dtype", var.dtype)
        .Attr("validate_shape", false)
        .Build();
  }
  return OpBuilder("Assign", name, var.handle)
      .Input(var.handle)
      .Input(value)
      .Attr("T", var.dtype)
      .Attr("validate_shape", true)
      .Attr("use_locking", true)
      .Build();
}

namespace {
Operation AssignUpdate(const Variable& var, const Output& value, std::string_view name, bool add) {
  if (!var.valid()) return Operation();
  if (var.is_resource) {
    return OpBuilder(add ? "AssignAddVariableOp" : "AssignSubVariableOp", name, var.handle)
        .Input(var.handle)
        .Input(value)
        .Attr("dtype", var.dtype)
        .Build();
  }
  return OpBuilder(add ? "AssignAdd" : "AssignSub", name, var.handle)
      .Input(var.handle)
      .Input(value)
      .Attr("T", var.dtype)
      .Attr("use_locking", false)
      .Build();
}
}  // namespace

Operation AssignAdd(const Variable& var, const Output& value, std::string_view name) {
  return AssignUpdate(var, value, name, true);
}
Operation AssignSub(const Variable& var, const Output& value, std::string_view name) {
  return AssignUpdate(var, value, name, false);
}

Output ReadValue(const Variable& var, std::string_view name) {
  if (!var.valid()) return Output();
  if (var.is_resource) {
    return OpBuilder("ReadVariableOp", name.empty() ? "ReadVariableOp" : name, var.handle)
        .Input(var.handle)
        .Attr("dtype", var.dtype)
        .Out();
  }
  return Identity(var.handle, name.empty() ? "Identity" : name);
}

std::vector<Variable> GlobalVariables(const Graph& g) { return g.state()->variables; }

std::vector<Variable> TrainableVariables(const Graph& g) {
  std::vector<Variable> out;
  for (const Variable& v : g.state()->variables) {
    if (v.trainable) out.push_back(v);
  }
  return out;
}

Result<Variable> FindVariable(const Graph& g, std::string_view name) {
  std::string n(name);
  if (n.size() > 2 && n.substr(n.size() - 2) == ":0") n.resize(n.size() - 2);
  for (const Variable& v : g.state()->variables) {
    if (v.name == n || v.value.op().name() == n || v.initializer.name() == n) return v;
  }
  return NotFound("the graph has no variable named '" + std::string(name) + "'");
}

void SetTrainable(const Graph& g, const Variable& var, bool trainable) {
  for (Variable& v : g.state()->variables) {
    if (v.name == var.name) v.trainable = trainable;
  }
}

Operation VariablesInitializer(const Graph& g, const std::vector<Variable>& vars, std::string_view name) {
  std::vector<Operation> inits;
  for (const Variable& v : vars) inits.push_back(v.initializer);
  return Group(g, inits, name);
}

Operation GlobalVariablesInitializer(const Graph& g) {
  return VariablesInitializer(g, GlobalVariables(g), "init");
}

}  // namespace tfmodel
