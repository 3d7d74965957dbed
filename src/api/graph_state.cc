// GraphState (adding ops with dtype checks and static shapes, TensorFlow's unique names) and the
// public Graph, Operation, Output, NameScope and ControlDependencies on top of it.
#include "src/api/graph_state.h"

#include <algorithm>
#include <cctype>

#include "src/base/file.h"
#include "src/runtime/kernel.h"

namespace tfmodel {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

const std::string kEmpty;
const PartialShape kUnknownShape{true, {}};

}  // namespace

GraphState::GraphState() { ir_.set_producer(kGraphDefProducer); }

void GraphState::Fail(Status status) {
  if (error_.ok() && !status.ok()) error_ = std::move(status);
}

std::string GraphState::UniqueName(const std::string& base, bool mark_used) {
  std::string name = name_stack.empty() ? base : name_stack + "/" + base;
  std::string key = Lower(name);
  int i = 0;
  if (auto it = names_in_use_.find(key); it != names_in_use_.end()) i = it->second;
  if (mark_used) names_in_use_[key] = i + 1;
  auto taken = [&](const std::string& k, const std::string& full) {
    return names_in_use_.count(k) > 0 || ir_.Find(full) >= 0;
  };
  if (i > 0 || ir_.Find(name) >= 0) {
    if (i == 0) i = 1;
    std::string candidate, candidate_key;
    do {
      candidate = name + "_" + std::to_string(i);
      candidate_key = key + "_" + std::to_string(i);
      ++i;
    } while (taken(candidate_key, candidate));
    if (mark_used) names_in_use_[candidate_key] = 1;
    name = candidate;
  }
  return name;
}

void GraphState::MarkUsed(const std::string& full_name) {
  std::string key = Lower(full_name);
  if (!names_in_use_.count(key)) names_in_use_[key] = 1;
  // Every enclosing scope is in use too ("import/dense/MatMul" uses "import", "import/dense").
  for (size_t p = key.find('/'); p != std::string::npos; p = key.find('/', p + 1)) {
    if (!names_in_use_.count(key.substr(0, p))) names_in_use_[key.substr(0, p)] = 1;
  }
}

DataType GraphState::OutputType(const Output& o) const {
  if (o.node() < 0 || o.node() >= static_cast<int>(types_.size())) return DataType::kInvalid;
  const auto& t = types_[o.node()];
  return o.index() >= 0 && o.index() < static_cast<int>(t.size()) ? t[o.index()] : DataType::kInvalid;
}

const PartialShape& GraphState::OutputShape(const Output& o) const {
  if (o.node() < 0 || o.node() >= static_cast<int>(shapes_.size())) return kUnknownShape;
  const auto& s = shapes_[o.node()];
  return o.index() >= 0 && o.index() < static_cast<int>(s.size()) ? s[o.index()] : kUnknownShape;
}

void GraphState::SetOutputShape(const Output& o, PartialShape shape) {
  if (o.node() >= 0 && o.node() < static_cast<int>(shapes_.size()) && o.index() >= 0 &&
      o.index() < static_cast<int>(shapes_[o.node()].size())) {
    shapes_[o.node()][o.index()] = std::move(shape);
  }
}

const Tensor* GraphState::ConstValue(const Output& o) const {
  if (o.node() < 0 || o.node() >= ir_.num_nodes() || o.index() != 0) return nullptr;
  const Node& n = ir_.node(o.node());
  if (n.op != "Const") return nullptr;
  auto it = n.attrs.find("value");
  return it != n.attrs.end() && it->second.kind == AttrValue::Kind::kTensor ? &it->second.tensor
                                                                            : nullptr;
}

std::optional<std::vector<int64_t>> GraphState::ConstInts(const Output& o) const {
  const Tensor* t = ConstValue(o);
  if (t == nullptr) return std::nullopt;
  std::vector<int64_t> v;
  if (t->dtype() == DataType::kInt32) {
    for (int32_t x : t->flat<int32_t>()) v.push_back(x);
  } else if (t->dtype() == DataType::kInt64) {
    for (int64_t x : t->flat<int64_t>()) v.push_back(x);
  } else {
    return std::nullopt;
  }
  return v;
}

std::pair<int64_t, int64_t> GraphState::GetSeed(std::optional<int64_t> op_seed) {
  // tf.compat.v1 random_seed.get_seed (TF 2.21): with a graph seed, an op without a seed takes
  // the graph's next random-op counter; an op seed alone pairs with DEFAULT_GRAPH_SEED; neither
  // is (0, 0), which the kernels take as "seed randomly". (0, 0) from real seeds is avoided.
  constexpr int64_t kDefaultGraphSeed = 87654321;
  constexpr int64_t kMaxInt32 = 2147483647;
  auto truncate = [](int64_t s) { return ((s % kMaxInt32) + kMaxInt32) % kMaxInt32; };
  std::pair<int64_t, int64_t> seeds;
  if (seed.has_value()) {
    const int64_t op = op_seed.has_value() ? *op_seed : seed_counter_++;
    seeds = {truncate(*seed), truncate(op)};
  } else if (op_seed.has_value()) {
    seeds = {kDefaultGraphSeed, truncate(*op_seed)};
  } else {
    return {0, 0};
  }
  if (seeds.first == 0 && seeds.second == 0) seeds.second = kMaxInt32;
  return seeds;
}

Status GraphState::AddNodeChecked(NodeSpec& spec, Operation* out) {
  if (!error_.ok()) return error_;
  std::vector<DataType> input_types;
  Node node;
  for (size_t i = 0; i < spec.inputs.size(); ++i) {
    const Output& in = spec.inputs[i];
    if (!in.valid()) {
      return InvalidArgument("op " + spec.op + (spec.name.empty() ? "" : " '" + spec.name + "'") +
                             ": input " + std::to_string(i) + " is not a valid tensor");
    }
    if (in.graph() != this) {
      return InvalidArgument("op " + spec.op + " '" + spec.name + "': input '" + in.name() +
                             "' belongs to another graph");
    }
    DataType t = OutputType(in);
    if (t == DataType::kInvalid) {
      return InvalidArgument("op " + spec.op + ": input '" + in.name() + "' does not exist");
    }
    input_types.push_back(t);
    node.inputs.push_back(TensorRef{in.node(), in.index()});
  }
  std::vector<Operation> controls = control_stack;
  controls.insert(controls.end(), spec.control_inputs.begin(), spec.control_inputs.end());
  for (const Operation& c : controls) {
    if (!c.valid() || c.graph() != this) {
      return InvalidArgument("op " + spec.op + ": a control dependency is not an op of this graph");
    }
    if (std::find(node.control_inputs.begin(), node.control_inputs.end(), c.node()) ==
        node.control_inputs.end()) {
      node.control_inputs.push_back(c.node());
    }
  }
  const OpRegistration* reg = OpRegistry::Global().Find(spec.op);
  if (reg == nullptr) return Unimplemented("op type '" + spec.op + "' is not implemented by tfmodel");
  std::string name;
  if (spec.exact_name) {
    name = spec.name;
    if (ir_.Find(name) >= 0) return InvalidArgument("duplicate op name '" + name + "'");
  } else {
    // Check the op before taking its name, so a failed op leaves the names as they were.
    name = UniqueName(spec.name.empty() ? spec.op : spec.name, /*mark_used=*/false);
  }
  NodeInfo info(name, spec.op, spec.attrs, input_types);
  Result<Kernel> kernel = reg->factory(info);
  if (!kernel.ok()) return kernel.status();
  if (spec.exact_name) {
    MarkUsed(name);
  } else {
    name = UniqueName(spec.name.empty() ? spec.op : spec.name, /*mark_used=*/true);
  }
  node.name = name;
  node.op = spec.op;
  node.attrs = std::move(spec.attrs);
  const int id = ir_.AddNode(std::move(node));
  types_.push_back(std::move(kernel->output_types));
  shapes_.emplace_back(types_.back().size(), kUnknownShape);
  shapes_[id] = InferOpShapes(*this, ir_.node(id));
  shapes_[id].resize(types_[id].size(), kUnknownShape);
  *out = Operation(this, id);
  return Status::Ok();
}

Operation GraphState::AddOp(NodeSpec spec) {
  Operation op;
  Status s = AddNodeChecked(spec, &op);
  if (!s.ok()) {
    if (s.message() != error_.message() || s.code() != error_.code()) {
      Fail(s.WithContext("building " + spec.op +
                         (spec.name.empty() ? std::string() : " '" + spec.name + "'")));
    }
    return Operation();
  }
  return op;
}

Status GraphState::Import(const GraphDefData& def, const GraphIR::ImportOptions& options) {
  if (!error_.ok()) return error_;
  const int base = ir_.num_nodes();
  GraphIR copy = ir_;
  TFM_RETURN_IF_ERROR(copy.Import(def, options));
  TFM_ASSIGN_OR_RETURN(std::vector<int> order, copy.TopologicalOrder());
  // Types of the new nodes, in topological order, from their kernel factories.
  std::vector<std::vector<DataType>> types = types_;
  types.resize(copy.num_nodes());
  for (int id : order) {
    if (id < base) continue;
    const Node& n = copy.node(id);
    const OpRegistration* reg = OpRegistry::Global().Find(n.op);
    if (reg == nullptr) {
      return Unimplemented("node '" + n.name + "' uses op '" + n.op +
                           "', which tfmodel does not implement");
    }
    std::vector<DataType> in_types;
    for (const TensorRef& in : n.inputs) {
      if (in.index >= static_cast<int>(types[in.node].size())) {
        return InvalidArgument("node '" + n.name + "' reads output " + std::to_string(in.index) +
                               " of node '" + copy.node(in.node).name + "', which has " +
                               std::to_string(types[in.node].size()) + " outputs");
      }
      in_types.push_back(types[in.node][in.index]);
    }
    NodeInfo info(n.name, n.op, n.attrs, std::move(in_types));
    Result<Kernel> kernel = reg->factory(info);
    if (!kernel.ok()) return kernel.status();
    types[id] = std::move(kernel->output_types);
  }
  ir_ = std::move(copy);
  types_ = std::move(types);
  shapes_.resize(ir_.num_nodes());
  for (int id : order) {
    if (id < base) continue;
    shapes_[id].assign(types_[id].size(), kUnknownShape);
    shapes_[id] = InferOpShapes(*this, ir_.node(id));
    shapes_[id].resize(types_[id].size(), kUnknownShape);
    MarkUsed(ir_.node(id).name);
  }
  return Status::Ok();
}

// ---- Operation / Output -------------------------------------------------------------------------

const std::string& Operation::name() const {
  return valid() ? graph_->ir().node(node_).name : kEmpty;
}
const std::string& Operation::type() const {
  return valid() ? graph_->ir().node(node_).op : kEmpty;
}
int Operation::num_outputs() const { return valid() ? graph_->NumOutputs(node_) : 0; }
Output Operation::output(int index) const { return Output(graph_, node_, index); }

std::string Output::name() const {
  if (!valid()) return "";
  return graph_->ir().node(node_).name + ":" + std::to_string(index_);
}
DataType Output::dtype() const { return valid() ? graph_->OutputType(*this) : DataType::kInvalid; }
PartialShape Output::shape() const { return valid() ? graph_->OutputShape(*this) : kUnknownShape; }

// ---- Graph ------------------------------------------------------------------------------------

Graph::Graph() : state_(std::make_shared<GraphState>()) {}
Graph::Graph(GraphState* state) : state_(state->shared_from_this()) {}

Status Graph::status() const { return state_->error(); }

Result<Output> Graph::TensorByName(std::string_view name) const {
  TFM_ASSIGN_OR_RETURN(auto parsed, ParseTensorName(name));
  if (parsed.second < 0) return InvalidArgument("'" + std::string(name) + "' names an op, not a tensor");
  int id = state_->ir().Find(parsed.first);
  if (id < 0) return NotFound("the graph has no op named '" + parsed.first + "'");
  if (parsed.second >= state_->NumOutputs(id)) {
    return NotFound("op '" + parsed.first + "' has " + std::to_string(state_->NumOutputs(id)) +
                    " outputs; there is no tensor '" + std::string(name) + "'");
  }
  return Output(state_.get(), id, parsed.second);
}

Result<Operation> Graph::OperationByName(std::string_view name) const {
  int id = state_->ir().Find(name);
  if (id < 0) return NotFound("the graph has no op named '" + std::string(name) + "'");
  return Operation(state_.get(), id);
}

void Graph::SetRandomSeed(int64_t seed) { state_->seed = seed; }
const std::string& Graph::name_scope() const { return state_->name_stack; }
int Graph::num_ops() const { return state_->ir().num_nodes(); }

void Graph::AddToCollection(const std::string& key, const Operation& op) {
  if (op.valid()) state_->collections[key].push_back(op.name());
}

std::vector<Operation> Graph::GetCollection(const std::string& key) const {
  std::vector<Operation> out;
  auto it = state_->collections.find(key);
  if (it == state_->collections.end()) return out;
  for (const std::string& name : it->second) {
    auto parsed = ParseTensorName(name);
    if (!parsed.ok()) continue;
    int id = state_->ir().Find(parsed->first);
    if (id >= 0) out.emplace_back(state_.get(), id);
  }
  return out;
}

Status Graph::WriteGraph(const std::string& path, bool as_text) const {
  TFM_RETURN_IF_ERROR(state_->error());
  return WriteGraphDef(path, state_->ir().ToGraphDef(), as_text);
}

// ---- scopes -----------------------------------------------------------------------------------

NameScope::NameScope(GraphState* state, std::string_view name)
    : state_(state), saved_(state->name_stack) {
  std::string n(name);
  if (n.empty()) {
    state_->name_stack.clear();
  } else if (n.back() == '/') {
    state_->name_stack = n.substr(0, n.size() - 1);
  } else {
    state_->name_stack = state_->UniqueName(n);
  }
  name_ = state_->name_stack.empty() ? "" : state_->name_stack + "/";
}

NameScope::~NameScope() { state_->name_stack = saved_; }

ControlDependencies::ControlDependencies(GraphState* state, const std::vector<Operation>& ops)
    : state_(state), saved_(state->control_stack.size()) {
  for (const Operation& op : ops) {
    if (op.valid()) state_->control_stack.push_back(op);
  }
}

ControlDependencies::~ControlDependencies() { state_->control_stack.resize(saved_); }

// ---- import -----------------------------------------------------------------------------------

Result<std::vector<Output>> ImportGraphDef(const Graph& graph, const std::string& path,
                                           const ImportGraphDefOptions& options) {
  GraphState* g = graph.state();
  TFM_RETURN_IF_ERROR(g->error());
  TFM_ASSIGN_OR_RETURN(GraphDefData def, ReadGraphDef(path));
  GraphIR::ImportOptions o;
  if (!options.prefix.empty()) {
    // TF: the import scope is uniquified ("import_1") like any name scope.
    o.prefix = g->UniqueName(options.prefix);
  } else if (!g->name_stack.empty()) {
    o.prefix = g->name_stack;
  }
  for (const auto& [key, out] : options.input_map) {
    if (!out.valid() || out.graph() != g) {
      return InvalidArgument("input_map value for '" + key + "' is not a tensor of this graph");
    }
    o.input_map[key] = out.name();
  }
  Status s = g->Import(def, o);
  if (!s.ok()) return s.WithContext("importing " + path);
  std::vector<Output> result;
  const std::string prefix = o.prefix.empty() ? "" : o.prefix + "/";
  for (const std::string& element : options.return_elements) {
    TFM_ASSIGN_OR_RETURN(auto parsed, ParseTensorName(element));
    int id = g->ir().Find(prefix + parsed.first);
    if (id < 0 || id < 0) {
      return NotFound("return element '" + element + "' is not in " + path);
    }
    const int index = element.find(':') == std::string::npos ? 0 : parsed.second;
    if (element.find(':') != std::string::npos && index >= g->NumOutputs(id)) {
      return NotFound("return element '" + element + "': op '" + parsed.first + "' of " + path +
                      " has " + std::to_string(g->NumOutputs(id)) + " outputs");
    }
    result.emplace_back(g, id, index);
  }
  return result;
}

}  // namespace tfmodel
