// GraphSession: planning every kernel at creation, pruning per run, executing in order.
#include "src/runtime/session.h"

#include <algorithm>

namespace tfmodel {
namespace {

// The variable a reference-producing node stands for: container/shared_name, else its name
// (matches the VariableV2 kernel in kernels/state.cc).
std::string RefVariableKey(const Node& n) {
  auto attr = [&](const char* a) {
    auto it = n.attrs.find(a);
    return it != n.attrs.end() && it->second.kind == AttrValue::Kind::kString ? it->second.s : "";
  };
  std::string shared = attr("shared_name");
  return attr("container") + "/" + (shared.empty() ? n.name : shared);
}

}  // namespace

Result<std::unique_ptr<GraphSession>> GraphSession::Create(GraphIR graph,
                                                          const std::vector<std::string>* roots) {
  std::unique_ptr<GraphSession> s(new GraphSession(std::move(graph)));
  const GraphIR& g = s->graph_;
  TFM_ASSIGN_OR_RETURN(std::vector<int> order, g.TopologicalOrder());
  s->topo_rank_.assign(g.num_nodes(), 0);
  for (size_t i = 0; i < order.size(); ++i) s->topo_rank_[order[i]] = static_cast<int>(i);
  s->planned_.resize(g.num_nodes());
  s->ref_var_.assign(g.num_nodes(), nullptr);
  std::vector<int> root_ids;
  if (roots == nullptr) {
    root_ids = order;
  } else {
    for (const std::string& name : *roots) {
      TFM_ASSIGN_OR_RETURN(auto parsed, ParseTensorName(name));
      int id = g.Find(parsed.first);
      if (id < 0) return NotFound("the graph has no node named '" + parsed.first + "'");
      root_ids.push_back(id);
    }
  }
  std::lock_guard<std::mutex> lock(s->plan_mu_);
  TFM_RETURN_IF_ERROR(s->EnsurePlanned(root_ids));
  return s;
}

Status GraphSession::Extend(const GraphIR& graph) {
  std::lock_guard<std::mutex> lock(plan_mu_);
  const int old_n = graph_.num_nodes();
  if (graph.num_nodes() < old_n) {
    return InvalidArgument("cannot extend a session with a graph of fewer nodes");
  }
  for (int i = 0; i < old_n; ++i) {
    if (graph.node(i).name != graph_.node(i).name) {
      return InvalidArgument("cannot extend the session: node " + std::to_string(i) + " is '" +
                             graph.node(i).name + "', the session has '" + graph_.node(i).name + "'");
    }
  }
  if (graph.num_nodes() == old_n) return Status::Ok();
  TFM_ASSIGN_OR_RETURN(std::vector<int> order, graph.TopologicalOrder());
  graph_ = graph;
  topo_rank_.assign(graph_.num_nodes(), 0);
  for (size_t i = 0; i < order.size(); ++i) topo_rank_[order[i]] = static_cast<int>(i);
  planned_.resize(graph_.num_nodes());
  ref_var_.resize(graph_.num_nodes(), nullptr);
  // Cached plans stay valid: their nodes and edges are unchanged, and their order is still a
  // topological order of their subgraph. Plans are keyed by names, so new names miss the cache.
  return Status::Ok();
}

Status GraphSession::EnsurePlanned(const std::vector<int>& roots) {
  const GraphIR& g = graph_;
  std::vector<int> todo;
  std::vector<int> stack;
  std::vector<char> seen(g.num_nodes(), 0);
  for (int r : roots) stack.push_back(r);
  while (!stack.empty()) {
    int id = stack.back();
    stack.pop_back();
    if (seen[id] || planned_[id].ready) continue;
    seen[id] = 1;
    todo.push_back(id);
    for (const TensorRef& in : g.node(id).inputs) stack.push_back(in.node);
    for (int c : g.node(id).control_inputs) stack.push_back(c);
  }
  std::sort(todo.begin(), todo.end(), [&](int a, int b) { return topo_rank_[a] < topo_rank_[b]; });
  for (int id : todo) TFM_RETURN_IF_ERROR(PlanNode(id));
  return Status::Ok();
}

Status GraphSession::PlanNode(int id) {
  const GraphIR& g = graph_;
  const Node& n = g.node(id);
  const OpRegistration* op = OpRegistry::Global().Find(n.op);
  if (op == nullptr) {
    return Unimplemented("node '" + n.name + "' uses op '" + n.op +
                         "', which tfmodel does not implement");
  }
  std::vector<DataType> input_types;
  PlannedNode p;
  for (const TensorRef& in : n.inputs) {
    const auto& types = planned_[in.node].output_types;
    if (in.index >= static_cast<int>(types.size())) {
      return InvalidArgument("node '" + n.name + "' reads output " + std::to_string(in.index) +
                             " of node '" + g.node(in.node).name + "', which has " +
                             std::to_string(types.size()) + " outputs");
    }
    input_types.push_back(types[in.index]);
    // Reference variables reach their consumers directly or through RefIdentity/Identity.
    VariableState* ref = nullptr;
    for (int src = in.node, hops = 0; hops < 8 && ref == nullptr; ++hops) {
      ref = ref_var_[src];
      const Node& sn = g.node(src);
      if ((sn.op != "RefIdentity" && sn.op != "Identity") || sn.inputs.empty()) break;
      src = sn.inputs[0].node;
    }
    p.ref_inputs.push_back(ref);
  }
  p.writes_ref_inputs = op->writes_ref_inputs;
  NodeInfo info(n.name, n.op, n.attrs, std::move(input_types));
  auto kernel = op->factory(info);
  if (!kernel.ok()) return kernel.status();
  p.output_types = std::move(kernel->output_types);
  if (op->produces_ref) {
    auto dtype = n.attrs.find("dtype");
    auto shape = n.attrs.find("shape");
    if (dtype == n.attrs.end() || shape == n.attrs.end()) {
      return InvalidArgument("variable node '" + n.name + "' needs attrs dtype and shape");
    }
    TFM_ASSIGN_OR_RETURN(auto var, resources_.LookupOrCreate(RefVariableKey(n), dtype->second.type,
                                                             shape->second.shape));
    ref_var_[id] = var.get();
    ref_variables_.push_back(std::move(var));
  }
  p.compute = std::move(kernel->compute);
  p.ready = true;
  planned_[id] = std::move(p);
  return Status::Ok();
}

Result<DataType> GraphSession::OutputType(const TensorRef& t) {
  if (t.node < 0 || t.node >= graph_.num_nodes()) return InvalidArgument("no such node");
  std::lock_guard<std::mutex> lock(plan_mu_);
  TFM_RETURN_IF_ERROR(EnsurePlanned({t.node}));
  const std::vector<DataType>& types = planned_[t.node].output_types;
  if (t.index < 0 || t.index >= static_cast<int>(types.size())) {
    return NotFound("node '" + graph_.node(t.node).name + "' has " + std::to_string(types.size()) +
                    " outputs, not an output " + std::to_string(t.index));
  }
  return types[t.index];
}

Result<std::shared_ptr<const GraphSession::Plan>> GraphSession::GetPlan(
    const std::vector<std::string>& feed_names, const std::vector<std::string>& fetches,
    const std::vector<std::string>& targets) {
  std::string key;
  for (const auto& f : feed_names) key += f + '\x01';
  key += '\x02';
  for (const auto& f : fetches) key += f + '\x01';
  key += '\x02';
  for (const auto& t : targets) key += t + '\x01';
  {
    std::lock_guard<std::mutex> lock(plan_mu_);
    auto it = plans_.find(key);
    if (it != plans_.end()) return it->second;
  }
  auto plan = std::make_shared<Plan>();
  const GraphIR& g = graph_;
  std::lock_guard<std::mutex> lock(plan_mu_);
  {  // Nodes first used by this run are planned now (their errors name them).
    std::vector<int> roots;
    for (const auto& list : {&feed_names, &fetches, &targets}) {
      for (const std::string& name : *list) {
        auto parsed = ParseTensorName(name);
        if (!parsed.ok()) return parsed.status();
        int id = g.Find(parsed->first);
        if (id < 0) return NotFound("the graph has no node named '" + parsed->first + "'");
        roots.push_back(id);
      }
    }
    TFM_RETURN_IF_ERROR(EnsurePlanned(roots));
  }
  for (size_t i = 0; i < feed_names.size(); ++i) {
    TFM_ASSIGN_OR_RETURN(TensorRef t, g.ResolveTensor(feed_names[i]));
    if (t.index < 0 || t.index >= static_cast<int>(planned_[t.node].output_types.size())) {
      return InvalidArgument("cannot feed '" + feed_names[i] + "': node '" + g.node(t.node).name +
                             "' has " + std::to_string(planned_[t.node].output_types.size()) +
                             " outputs");
    }
    if (!plan->fed.emplace(t, static_cast<int>(i)).second) {
      return InvalidArgument("tensor '" + feed_names[i] + "' is fed twice");
    }
  }
  std::vector<char> needed(g.num_nodes(), 0);
  std::vector<int> stack;
  for (const std::string& f : fetches) {
    TFM_ASSIGN_OR_RETURN(TensorRef t, g.ResolveTensor(f));
    if (t.index < 0 || t.index >= static_cast<int>(planned_[t.node].output_types.size())) {
      return InvalidArgument("cannot fetch '" + f + "': node '" + g.node(t.node).name + "' has " +
                             std::to_string(planned_[t.node].output_types.size()) + " outputs");
    }
    plan->fetches.push_back(t);
    if (!plan->fed.count(t)) stack.push_back(t.node);
  }
  for (const std::string& name : targets) {
    TFM_ASSIGN_OR_RETURN(auto parsed, ParseTensorName(name));
    int id = g.Find(parsed.first);
    if (id < 0) return NotFound("the graph has no node named '" + parsed.first + "' (target)");
    stack.push_back(id);
  }
  while (!stack.empty()) {
    int id = stack.back();
    stack.pop_back();
    if (needed[id]) continue;
    needed[id] = 1;
    const Node& n = g.node(id);
    for (const TensorRef& in : n.inputs) {
      if (!plan->fed.count(in) && !needed[in.node]) stack.push_back(in.node);
    }
    for (int c : n.control_inputs) {
      if (!needed[c]) stack.push_back(c);
    }
  }
  for (int id = 0; id < g.num_nodes(); ++id) {
    if (needed[id]) plan->order.push_back(id);
  }
  std::sort(plan->order.begin(), plan->order.end(),
            [&](int a, int b) { return topo_rank_[a] < topo_rank_[b]; });
  plans_.emplace(key, plan);
  return std::shared_ptr<const Plan>(plan);
}

Status GraphSession::Run(const std::vector<std::pair<std::string, Tensor>>& feeds,
                         const std::vector<std::string>& fetches,
                         const std::vector<std::string>& targets, std::vector<Tensor>* outputs) {
  std::vector<std::string> feed_names;
  for (const auto& f : feeds) feed_names.push_back(f.first);
  TFM_ASSIGN_OR_RETURN(auto plan, GetPlan(feed_names, fetches, targets));
  const GraphIR& g = graph_;
  // Feeds must match the dtype the graph produces there.
  for (const auto& [ref, i] : plan->fed) {
    DataType want = planned_[ref.node].output_types[ref.index];
    if (feeds[i].second.dtype() != want) {
      return InvalidArgument("tensor '" + feeds[i].first + "' is fed a " +
                             std::string(DataTypeName(feeds[i].second.dtype())) +
                             " tensor, but the graph expects " + std::string(DataTypeName(want)));
    }
    const Node& n = g.node(ref.node);
    auto shape = n.attrs.find("shape");
    if ((n.op == "Placeholder" || n.op == "PlaceholderWithDefault") && shape != n.attrs.end() &&
        shape->second.kind == AttrValue::Kind::kShape && !shape->second.shape.unknown_rank &&
        // Graphs from before producer 22 wrote "no shape" as a scalar shape.
        !(g.producer() <= 21 && shape->second.shape.dims.empty())) {
      const PartialShape& ps = shape->second.shape;
      const Shape& got = feeds[i].second.shape();
      bool ok = static_cast<int>(ps.dims.size()) == got.rank();
      for (int d = 0; ok && d < got.rank(); ++d) ok = ps.dims[d] < 0 || ps.dims[d] == got.dim(d);
      if (!ok) {
        return InvalidArgument("tensor '" + feeds[i].first + "' is fed shape " + got.DebugString() +
                               ", but placeholder '" + n.name + "' has shape " + ps.ToCliString());
      }
    }
  }
  std::vector<std::vector<Tensor>> values(g.num_nodes());
  std::vector<Tensor> inputs;
  for (int id : plan->order) {
    const Node& n = g.node(id);
    const PlannedNode& p = planned_[id];
    inputs.clear();
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      const TensorRef& in = n.inputs[i];
      auto fed = plan->fed.find(in);
      if (fed != plan->fed.end()) {
        inputs.push_back(feeds[fed->second].second);
      } else if (VariableState* var = p.ref_inputs[i]; var != nullptr) {
        if (p.writes_ref_inputs) {
          inputs.push_back(Tensor());
          continue;
        }
        auto value = var->Read();  // a reference read sees earlier assignments in this step
        if (!value.ok()) {
          return FailedPrecondition("node '" + n.name + "': attempting to use uninitialized value " +
                                    g.node(in.node).name);
        }
        inputs.push_back(*value);
      } else {
        inputs.push_back(values[in.node][in.index]);
      }
    }
    std::vector<Tensor>& out = values[id];
    out.assign(p.output_types.size(), Tensor());
    KernelContext ctx(n.name, inputs, out, &resources_, p.ref_inputs);
    Status s = p.compute(ctx);
    if (!s.ok()) return s;
    for (size_t k = 0; k < out.size(); ++k) {
      if (out[k].dtype() != p.output_types[k]) {
        return Internal("node '" + n.name + "' (op " + n.op + ") produced output " + std::to_string(k) +
                        " of dtype " + std::string(DataTypeName(out[k].dtype())) + ", planned " +
                        std::string(DataTypeName(p.output_types[k])));
      }
    }
  }
  outputs->clear();
  for (const TensorRef& t : plan->fetches) {
    auto fed = plan->fed.find(t);
    if (fed != plan->fed.end()) {
      outputs->push_back(feeds[fed->second].second);
      continue;
    }
    if (VariableState* var = ref_var_[t.node]; var != nullptr) {
      auto value = var->Read();
      if (!value.ok()) return FailedPrecondition("attempting to use uninitialized value " + g.node(t.node).name);
      outputs->push_back(*value);
      continue;
    }
    outputs->push_back(values[t.node][t.index]);
  }
  return Status::Ok();
}

}  // namespace tfmodel
