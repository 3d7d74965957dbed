// The autodiff driver (tf.gradients) and the gradient registry.
#include "src/train/gradients.h"

#include <algorithm>
#include <set>

#include "src/api/op_builder.h"

namespace tfmodel {

// ---- registry -----------------------------------------------------------------------------------

void GradientRegistry::Add(const GradientDef& def) { defs_[std::string(def.op)] = def; }

const GradientDef* GradientRegistry::Find(std::string_view op) const {
  auto it = defs_.find(op);
  return it == defs_.end() ? nullptr : &it->second;
}

std::vector<std::string_view> GradientRegistry::Names() const {
  std::vector<std::string_view> out;
  for (const auto& [name, def] : defs_) out.push_back(def.op);
  return out;
}

const GradientRegistry& GradientRegistry::Global() {
  static const GradientRegistry* registry = [] {
    auto* r = new GradientRegistry;
    RegisterMathGradients(*r);
    RegisterNnGradients(*r);
    RegisterArrayGradients(*r);
    RegisterGradGradients(*r);
    return r;
  }();
  return *registry;
}

// ---- GradContext --------------------------------------------------------------------------------

Output GradContext::GradOrZeros(int i) const {
  if (grad(i).valid()) return grad(i);
  return ZerosLike(output(i));
}

const AttrValue* GradContext::attr(const std::string& name) const {
  auto it = node().attrs.find(name);
  return it == node().attrs.end() ? nullptr : &it->second;
}

bool GradContext::BoolAttr(const std::string& name, bool fallback) const {
  const AttrValue* a = attr(name);
  return a != nullptr && a->kind == AttrValue::Kind::kBool ? a->b : fallback;
}

int64_t GradContext::IntAttr(const std::string& name, int64_t fallback) const {
  const AttrValue* a = attr(name);
  return a != nullptr && a->kind == AttrValue::Kind::kInt ? a->i : fallback;
}

std::string GradContext::StringAttr(const std::string& name, const std::string& fallback) const {
  const AttrValue* a = attr(name);
  return a != nullptr && a->kind == AttrValue::Kind::kString ? a->s : fallback;
}

std::vector<int64_t> GradContext::IntListAttr(const std::string& name) const {
  const AttrValue* a = attr(name);
  return a != nullptr ? a->list.i : std::vector<int64_t>{};
}

std::vector<Output> GradContext::Unsupported(const std::string& why) const {
  graph()->Fail(Unimplemented("no gradient for op " + op_.type() + " ('" + op_.name() + "'): " + why));
  return {};
}

// ---- unbroadcasting -----------------------------------------------------------------------------

Output Unbroadcast(const Output& grad, const Output& input) {
  if (!grad.valid() || !input.valid()) return grad;
  const PartialShape gs = grad.shape(), xs = input.shape();
  if (gs == xs && gs.IsFullyDefined()) return grad;
  GraphState* g = grad.graph();
  if (gs.IsFullyDefined() && xs.IsFullyDefined()) {
    // Static: sum over the leading axes the input lacks and the axes where it has size 1.
    const size_t offset = gs.dims.size() - std::min(gs.dims.size(), xs.dims.size());
    std::vector<int64_t> axes;
    for (size_t i = 0; i < gs.dims.size(); ++i) {
      if (i < offset || (xs.dims[i - offset] == 1 && gs.dims[i] != 1)) axes.push_back(static_cast<int64_t>(i));
    }
    Output summed = axes.empty() ? grad : ReduceSum(grad, axes, false, "Sum");
    if (summed.shape() == xs) return summed;
    return Reshape(summed, xs.dims, "Reshape");
  }
  // Dynamic: BroadcastGradientArgs(shape(x), shape(grad)) gives the axes to sum.
  Output sx = ShapeOf(input, DataType::kInt32, "Shape");
  Output sg = ShapeOf(grad, DataType::kInt32, "Shape_1");
  Operation args = OpBuilder("BroadcastGradientArgs", "BroadcastGradientArgs", g)
                       .Input(sx)
                       .Input(sg)
                       .Attr("T", DataType::kInt32)
                       .Build();
  Output summed = OpBuilder("Sum", "Sum", g)
                      .Input(grad)
                      .Input(args.output(0))
                      .Attr("T", grad.dtype())
                      .Attr("Tidx", DataType::kInt32)
                      .Attr("keep_dims", false)
                      .Out();
  return Reshape(summed, sx, "Reshape");
}

// ---- the driver -----------------------------------------------------------------------------------

namespace {

// Float, complex and resource tensors carry gradients (TF's _IsBackpropagatable).
bool Backpropagatable(DataType t) {
  switch (t) {
    case DataType::kFloat: case DataType::kDouble: case DataType::kHalf: case DataType::kBFloat16:
    case DataType::kComplex64: case DataType::kComplex128: case DataType::kResource:
      return true;
    default:
      return false;
  }
}

}  // namespace

Result<std::vector<Output>> Gradients(const std::vector<Output>& ys, const std::vector<Output>& xs,
                                      const std::vector<Output>& grad_ys) {
  GraphState* g = nullptr;
  for (const Output& y : ys) {
    if (!y.valid()) return InvalidArgument("gradients: a y is not a valid tensor");
    if (g == nullptr) g = y.graph();
    if (y.graph() != g) return InvalidArgument("gradients: ys belong to different graphs");
  }
  if (g == nullptr) return InvalidArgument("gradients: no ys");
  TFM_RETURN_IF_ERROR(g->error());
  for (const Output& x : xs) {
    if (!x.valid() || x.graph() != g) return InvalidArgument("gradients: an x is not a tensor of the ys' graph");
  }
  if (!grad_ys.empty() && grad_ys.size() != ys.size()) {
    return InvalidArgument("gradients: " + std::to_string(grad_ys.size()) + " grad_ys for " +
                           std::to_string(ys.size()) + " ys");
  }
  const GraphIR& ir = g->ir();
  const int n = ir.num_nodes();
  // Ops reachable forward from xs (data edges).
  std::vector<std::vector<int>> consumers(n);
  for (int i = 0; i < n; ++i) {
    for (const TensorRef& in : ir.node(i).inputs) consumers[in.node].push_back(i);
  }
  std::vector<char> from_x(n, 0);
  std::vector<int> stack;
  for (const Output& x : xs) stack.push_back(x.node());
  while (!stack.empty()) {
    int id = stack.back();
    stack.pop_back();
    if (from_x[id]) continue;
    from_x[id] = 1;
    for (int c : consumers[id]) stack.push_back(c);
  }
  // Of those, the ops ys depend on: the ops gradients flow through.
  std::vector<char> between(n, 0);
  for (const Output& y : ys) stack.push_back(y.node());
  while (!stack.empty()) {
    int id = stack.back();
    stack.pop_back();
    if (between[id] || !from_x[id]) continue;
    between[id] = 1;
    for (const TensorRef& in : ir.node(id).inputs) stack.push_back(in.node);
  }
  TFM_ASSIGN_OR_RETURN(std::vector<int> order, ir.TopologicalOrder());

  // Contributions to dL/d(output) per tensor.
  std::map<TensorRef, std::vector<Output>> contributions;
  std::vector<Output> results(xs.size());
  NameScope scope(g, "gradients");
  for (size_t k = 0; k < ys.size(); ++k) {
    const Output& y = ys[k];
    Output seed;
    if (!grad_ys.empty() && grad_ys[k].valid()) {
      seed = grad_ys[k];
    } else {
      // tf.gradients seeds each y with ones of its shape.
      seed = Fill(ShapeOf(y, DataType::kInt32, "Shape"), ScalarLike(y, 1.0, "grad_ys_" + std::to_string(k)), "Fill");
    }
    contributions[TensorRef{y.node(), y.index()}].push_back(seed);
  }
  auto summed = [&](const TensorRef& t) -> Output {
    auto it = contributions.find(t);
    if (it == contributions.end() || it->second.empty()) return Output();
    if (it->second.size() == 1) return it->second[0];
    Output sum = AddN(it->second, "AddN");
    it->second = {sum};
    return sum;
  };
  std::set<int> x_nodes;
  for (const Output& x : xs) x_nodes.insert(x.node());
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const int id = *it;
    if (!between[id]) continue;
    // A copy: building the gradient adds nodes, which may move the graph's node storage.
    const Node node = ir.node(id);
    const int num_outputs = g->NumOutputs(id);
    std::vector<Output> out_grads(num_outputs);
    bool any = false;
    for (int k = 0; k < num_outputs; ++k) {
      out_grads[k] = summed(TensorRef{id, k});
      any = any || out_grads[k].valid();
    }
    if (!any) continue;
    // The xs' own ops are leaves: their gradient is what reached them.
    if (x_nodes.count(id) && std::none_of(node.inputs.begin(), node.inputs.end(),
                                          [&](const TensorRef& in) { return between[in.node] != 0; })) {
      continue;
    }
    const GradientDef* def = GradientRegistry::Global().Find(node.op);
    if (def == nullptr) {
      // TF raises LookupError here too; ops whose gradient TF builds as new functions (If,
      // While, TensorLists) land here (see gradient_check_test's NotDifferentiatedByTfmodel).
      Status s = Unimplemented("gradient of " + node.op + " '" + node.name +
                               "' is not supported: tfmodel has no gradient rule for op type " +
                               node.op + ", and the op lies between the ys and the xs");
      g->Fail(s);
      return s;
    }
    if (def->fn == nullptr) continue;  // not differentiable: the gradient stops here
    std::vector<Output> in_grads;
    {
      NameScope op_scope(g, node.name + "_grad");
      GradContext ctx(Operation(g, id), out_grads);
      in_grads = def->fn(ctx);
      TFM_RETURN_IF_ERROR(g->error());
      for (size_t i = 0; i < in_grads.size() && i < node.inputs.size(); ++i) {
        if (def->unbroadcast && in_grads[i].valid()) {
          in_grads[i] = Unbroadcast(in_grads[i], Output(g, node.inputs[i].node, node.inputs[i].index));
        }
      }
      TFM_RETURN_IF_ERROR(g->error());
    }
    for (size_t i = 0; i < in_grads.size() && i < node.inputs.size(); ++i) {
      const TensorRef& in = node.inputs[i];
      if (!in_grads[i].valid() || !between[in.node]) continue;
      if (!Backpropagatable(g->OutputType(Output(g, in.node, in.index)))) continue;
      contributions[in].push_back(in_grads[i]);
    }
  }
  for (size_t k = 0; k < xs.size(); ++k) results[k] = summed(TensorRef{xs[k].node(), xs[k].index()});
  TFM_RETURN_IF_ERROR(g->error());
  return results;
}

}  // namespace tfmodel
