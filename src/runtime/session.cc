// GraphSession: planning every kernel at creation, and per (feeds, fetches, targets) a cached
// Plan of the needed steps with their inputs resolved (execution is in session_exec.cc).
#include "src/runtime/session.h"

#include <algorithm>
#include <string_view>

#include "src/runtime/kernels/control_flow.h"

namespace tfmodel {
namespace {

// A topological order of the graph without its loops' back edges (the edges out of
// NextIteration, as TensorFlow's executor has them); any other cycle is an error naming a node.
Result<std::vector<int>> PlanningOrder(const GraphIR& g) {
  return g.TopologicalOrder([](const Node& node) { return IsNextIterationOp(node.op); });
}

// Ops whose output 0 forwards their input 0 unchanged, so a reference variable reaches its
// consumers through them (Identity chains, and TF1 control flow around ref variables).
bool ForwardsRef(std::string_view op) {
  for (std::string_view f :
       {"RefIdentity", "Identity", "RefEnter", "Enter", "RefSwitch", "Switch", "RefExit", "Exit"}) {
    if (op == f) return true;
  }
  return false;
}

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

GraphSession::GraphSession(GraphIR graph, const SessionOptions& options)
    : graph_(std::move(graph)), options_(options),
      functions_(std::make_unique<FunctionLibrary>(graph_.functions())) {
  const int threads =
      options.num_threads <= 0 ? ThreadPool::HardwareConcurrency() : options.num_threads;
  if (threads > 1) pool_ = std::make_unique<ThreadPool>(threads - 1);
}

Result<std::unique_ptr<GraphSession>> GraphSession::Create(GraphIR graph,
                                                          const std::vector<std::string>* roots,
                                                          const SessionOptions& options) {
  std::unique_ptr<GraphSession> s(new GraphSession(std::move(graph), options));
  const GraphIR& g = s->graph_;
  TFM_ASSIGN_OR_RETURN(std::vector<int> order, PlanningOrder(g));
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
  TFM_ASSIGN_OR_RETURN(std::vector<int> order, PlanningOrder(graph));
  // Appended, not replaced: planned kernels and cached plans may refer to the existing nodes.
  for (int i = old_n; i < graph.num_nodes(); ++i) graph_.AddNode(graph.node(i));
  topo_rank_.assign(graph_.num_nodes(), 0);
  for (size_t i = 0; i < order.size(); ++i) topo_rank_[order[i]] = static_cast<int>(i);
  planned_.resize(graph_.num_nodes());
  ref_var_.resize(graph_.num_nodes(), nullptr);
  // Cached plans stay valid: their nodes and edges are unchanged, and their order is still a
  // topological order of their subgraph. Plans are keyed by names, so new names miss the cache.
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
  const ControlFlowOp* flow = op == nullptr ? FindControlFlowOp(n.op) : nullptr;
  if (flow != nullptr) op = &flow->registration;
  // A node may call a function of the library by its name (TensorFlow allows it).
  const bool function_op = op == nullptr && functions_->Find(n.op) != nullptr;
  if (op == nullptr && !function_op) {
    return Unimplemented("node '" + n.name + "' uses op '" + n.op +
                         "', which tfmodel does not implement");
  }
  std::vector<DataType> input_types;
  PlannedNode p;
  for (const TensorRef& in : n.inputs) {
    if (!planned_[in.node].ready && IsNextIterationOp(g.node(in.node).op)) {
      // A loop's back edge into a Merge: planned after it, its dtype checked by BuildFlowPlan.
      if (flow == nullptr || flow->kind != FlowKind::kMerge) {
        return InvalidArgument("node '" + g.node(in.node).name + "' (op " + g.node(in.node).op +
                               ") feeds '" + n.name + "' (op " + n.op +
                               "), which is not a Merge: the loop is malformed");
      }
      input_types.push_back(DataType::kInvalid);
      p.ref_inputs.push_back(nullptr);
      continue;
    }
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
      if (!ForwardsRef(sn.op) || sn.inputs.empty()) break;
      src = sn.inputs[0].node;
    }
    p.ref_inputs.push_back(ref);
  }
  p.writes_ref_inputs = op != nullptr && op->writes_ref_inputs;
  p.produces_ref = op != nullptr && op->produces_ref;
  if (flow != nullptr) p.flow = flow->kind;
  NodeInfo info(n.name, n.op, n.attrs, std::move(input_types), functions_.get());
  auto kernel = function_op ? PlanFunctionOp(info) : op->factory(info);
  if (!kernel.ok()) return kernel.status();
  p.output_types = std::move(kernel->output_types);
  if (p.produces_ref) {
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


namespace {

// FNV-1a over the names with separators: the plan cache key, computed without building a string.
uint64_t HashNames(const std::vector<std::pair<std::string, Tensor>>& feeds,
                   const std::vector<std::string>& fetches, const std::vector<std::string>& targets) {
  uint64_t h = 1469598103934665603ull;
  auto add = [&h](std::string_view s, unsigned char sep) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    h = (h ^ sep) * 1099511628211ull;
  };
  for (const auto& f : feeds) add(f.first, 1);
  for (const auto& f : fetches) add(f, 2);
  for (const auto& t : targets) add(t, 3);
  return h;
}

}  // namespace

Result<GraphSession::Plan*> GraphSession::GetPlan(
    const std::vector<std::pair<std::string, Tensor>>& feeds,
    const std::vector<std::string>& fetches, const std::vector<std::string>& targets) {
  const uint64_t hash = HashNames(feeds, fetches, targets);
  std::lock_guard<std::mutex> lock(plan_mu_);
  for (const auto& p : plans_) {
    if (p->hash != hash || p->feed_names.size() != feeds.size() || p->fetch_names != fetches ||
        p->target_names != targets) {
      continue;
    }
    bool same = true;
    for (size_t i = 0; same && i < feeds.size(); ++i) same = p->feed_names[i] == feeds[i].first;
    if (same) return p.get();
  }
  std::vector<std::string> feed_names;
  for (const auto& f : feeds) feed_names.push_back(f.first);
  TFM_ASSIGN_OR_RETURN(std::unique_ptr<Plan> plan, BuildPlan(std::move(feed_names), fetches, targets));
  plan->hash = hash;
  plans_.push_back(std::move(plan));
  return plans_.back().get();
}

Result<std::unique_ptr<GraphSession::Plan>> GraphSession::BuildPlan(
    std::vector<std::string> feed_names, const std::vector<std::string>& fetches,
    const std::vector<std::string>& targets) {
  auto plan = std::make_unique<Plan>();
  plan->feed_names = std::move(feed_names);
  plan->fetch_names = fetches;
  plan->target_names = targets;
  const std::vector<std::string>& feeds = plan->feed_names;
  const GraphIR& g = graph_;
  {  // Nodes first used by this run are planned now (their errors name them).
    std::vector<int> roots;
    for (const auto& list : {&feeds, &fetches, &targets}) {
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
  std::map<TensorRef, int> fed;
  for (size_t i = 0; i < feeds.size(); ++i) {
    TFM_ASSIGN_OR_RETURN(TensorRef t, g.ResolveTensor(feeds[i]));
    const auto& types = planned_[t.node].output_types;
    if (t.index < 0 || t.index >= static_cast<int>(types.size())) {
      return InvalidArgument("cannot feed '" + feeds[i] + "': node '" + g.node(t.node).name +
                             "' has " + std::to_string(types.size()) + " outputs");
    }
    if (!fed.emplace(t, static_cast<int>(i)).second) {
      return InvalidArgument("tensor '" + feeds[i] + "' is fed twice");
    }
    FeedCheck check{static_cast<int>(i), t.node, types[t.index], std::nullopt};
    const Node& n = g.node(t.node);
    auto shape = n.attrs.find("shape");
    if ((n.op == "Placeholder" || n.op == "PlaceholderWithDefault") && shape != n.attrs.end() &&
        shape->second.kind == AttrValue::Kind::kShape && !shape->second.shape.unknown_rank &&
        // Graphs from before producer 22 wrote "no shape" as a scalar shape.
        !(g.producer() <= 21 && shape->second.shape.dims.empty())) {
      check.shape = shape->second.shape;  // a copy: Extend may replace the graph
    }
    plan->feeds.push_back(check);
  }
  std::vector<TensorRef> fetch_refs;
  std::vector<char> needed(g.num_nodes(), 0);
  std::vector<int> stack;
  for (const std::string& f : fetches) {
    TFM_ASSIGN_OR_RETURN(TensorRef t, g.ResolveTensor(f));
    if (t.index < 0 || t.index >= static_cast<int>(planned_[t.node].output_types.size())) {
      return InvalidArgument("cannot fetch '" + f + "': node '" + g.node(t.node).name + "' has " +
                             std::to_string(planned_[t.node].output_types.size()) + " outputs");
    }
    fetch_refs.push_back(t);
    if (!fed.count(t)) stack.push_back(t.node);
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
      if (!fed.count(in) && !needed[in.node]) stack.push_back(in.node);
    }
    for (int c : n.control_inputs) {
      if (!needed[c]) stack.push_back(c);
    }
  }
  std::vector<int> order;
  for (int id = 0; id < g.num_nodes(); ++id) {
    if (needed[id]) order.push_back(id);
  }
  std::sort(order.begin(), order.end(), [&](int a, int b) { return topo_rank_[a] < topo_rank_[b]; });

  // Steps, with a slot per output.
  std::vector<int> step_of(g.num_nodes(), -1);
  plan->steps.resize(order.size());
  for (size_t s = 0; s < order.size(); ++s) {
    Step& st = plan->steps[s];
    st.node = order[s];
    st.first_slot = plan->num_slots;
    st.num_outputs = static_cast<int>(planned_[order[s]].output_types.size());
    plan->num_slots += st.num_outputs;
    step_of[order[s]] = static_cast<int>(s);
  }
  plan->slot_uses.assign(plan->num_slots, 0);
  std::vector<std::pair<int, int>> last_ref(plan->num_slots, {-1, -1});  // (step, input)
  std::vector<int> producers;
  for (size_t s = 0; s < order.size(); ++s) {
    Step& st = plan->steps[s];
    const Node& n = g.node(st.node);
    const PlannedNode& p = planned_[st.node];
    producers.clear();
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      const TensorRef& in = n.inputs[i];
      Source src;
      auto f = fed.find(in);
      if (f != fed.end()) {
        src.kind = Source::kFeed;
        src.index = f->second;
      } else {
        producers.push_back(step_of[in.node]);
        if (VariableState* var = p.ref_inputs[i]; var != nullptr) {
          src.kind = p.writes_ref_inputs ? Source::kNone : Source::kVariable;
          src.var = var;
          src.producer = in.node;
        } else {
          src.kind = Source::kSlot;
          src.index = plan->steps[step_of[in.node]].first_slot + in.index;
          ++plan->slot_uses[src.index];
          last_ref[src.index] = {static_cast<int>(s), static_cast<int>(i)};
        }
      }
      st.inputs.push_back(src);
    }
    for (int c : n.control_inputs) producers.push_back(step_of[c]);
    std::sort(producers.begin(), producers.end());
    producers.erase(std::unique(producers.begin(), producers.end()), producers.end());
    st.num_producers = static_cast<int>(producers.size());
    for (int q : producers) plan->steps[q].consumers.push_back(static_cast<int>(s));
  }
  std::vector<int> last_fetch(plan->num_slots, -1);
  for (size_t i = 0; i < fetch_refs.size(); ++i) {
    const TensorRef& t = fetch_refs[i];
    Source src;
    if (auto f = fed.find(t); f != fed.end()) {
      src.kind = Source::kFeed;
      src.index = f->second;
    } else if (VariableState* var = ref_var_[t.node]; var != nullptr) {
      src.kind = Source::kVariable;
      src.var = var;
      src.producer = t.node;
    } else {
      src.kind = Source::kSlot;
      src.index = plan->steps[step_of[t.node]].first_slot + t.index;
      last_fetch[src.index] = static_cast<int>(i);
    }
    plan->fetches.push_back(src);
  }
  // Last uses: a sequential run moves the tensor into its last reader (or last fetch); fetched
  // slots count one extra use so a parallel run never releases them.
  for (int slot = 0; slot < plan->num_slots; ++slot) {
    if (last_fetch[slot] >= 0) {
      plan->fetches[last_fetch[slot]].last_use = true;
      ++plan->slot_uses[slot];
    } else if (last_ref[slot].first >= 0) {
      plan->steps[last_ref[slot].first].inputs[last_ref[slot].second].last_use = true;
    }
  }
  for (Step& st : plan->steps) {
    for (int k = 0; k < st.num_outputs; ++k) {
      if (plan->slot_uses[st.first_slot + k] == 0) st.unused_outputs.push_back(st.first_slot + k);
    }
    st.skip = planned_[st.node].produces_ref &&
              static_cast<int>(st.unused_outputs.size()) == st.num_outputs;
  }
  // A plan whose steps form one chain (each step waits for the one before it) has nothing to
  // overlap; otherwise kAuto times its first runs to decide.
  bool chain = true;
  for (size_t s = 1; chain && s < plan->steps.size(); ++s) {
    const auto& c = plan->steps[s - 1].consumers;
    chain = std::find(c.begin(), c.end(), static_cast<int>(s)) != c.end();
  }
  Plan::Mode mode = Plan::kSequential;
  if (pool_ != nullptr && plan->steps.size() > 1) {
    switch (options_.schedule) {
      case SessionOptions::Schedule::kAuto: mode = chain ? Plan::kSequential : Plan::kProfile; break;
      case SessionOptions::Schedule::kParallel: mode = Plan::kParallel; break;
      case SessionOptions::Schedule::kSequential: break;
    }
  }
  plan->mode.store(mode);
  plan->step_nanos.assign(plan->steps.size(), INT64_MAX);
  for (const Step& st : plan->steps) {
    if (planned_[st.node].flow != FlowKind::kNone) {
      TFM_RETURN_IF_ERROR(BuildFlowPlan(plan.get(), step_of, fetch_refs));
      break;
    }
  }
  return plan;
}

}  // namespace tfmodel
