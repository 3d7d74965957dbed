// Instantiating a FunctionDef: attr placeholders substituted, `node:out_arg:i` inputs resolved to
// flat outputs, the kept nodes planned in a topological order with a slot per output.
#include <algorithm>
#include <deque>

#include "src/base/strings.h"
#include "src/runtime/function.h"
#include "src/graph/op_output_args.h"

namespace tfmodel {

class FunctionBodyBuilder {
 public:
  FunctionBodyBuilder(const FunctionDefData& def, const AttrMap& attrs, const FunctionLibrary& lib)
      : def_(def), attrs_(attrs), lib_(lib) {}

  Result<std::shared_ptr<const FunctionBody>> Build();

 private:
  // A data input: an argument (node < 0) or output `index` of body node `node`.
  struct Ref {
    int node = -1;
    int index = 0;
  };
  struct BodyNode {
    const NodeDefData* def = nullptr;
    AttrMap attrs;  // placeholders substituted
    std::vector<Ref> inputs;
    std::vector<int> controls;
    std::vector<DataType> output_types;  // once planned
    int step = -1;
  };

  Status Fail(const std::string& message) const {
    return InvalidArgument("function '" + def_.name + "': " + message);
  }
  Result<DataType> ArgType(const ArgDefData& a, const char* what) const;
  Result<AttrMap> Substitute(const NodeDefData& n) const;
  Result<int> OutputIndex(const BodyNode& n, std::string_view arg, int64_t index) const;
  Result<Ref> ResolveInput(const std::string& input, const std::string& node_name) const;
  Status ParseNodes();
  void FoldPads();
  std::vector<int> KeptNodes() const;
  Result<std::vector<int>> Order(const std::vector<int>& kept) const;
  Status PlanNode(BodyNode& n, FunctionBody& body);
  void FuseEpilogues(const std::vector<int>& order, const std::vector<int>& uses,
                     FunctionBody& body) const;

  const FunctionDefData& def_;
  const AttrMap& attrs_;
  const FunctionLibrary& lib_;
  std::map<std::string, int, std::less<>> args_;   // arg name -> index
  std::map<std::string, int, std::less<>> names_;  // node name -> index in nodes_
  std::deque<BodyNode> nodes_;
  std::vector<DataType> arg_types_;
};

Result<DataType> FunctionBodyBuilder::ArgType(const ArgDefData& a, const char* what) const {
  if (!a.number_attr.empty() || !a.type_list_attr.empty()) {
    return Unimplemented("function '" + def_.name + "': " + what + " '" + a.name +
                         "' is a list of tensors, which tfmodel's functions do not take");
  }
  if (a.is_ref)
    return Unimplemented("function '" + def_.name + "': " + what + " '" + a.name +
                         "' is a reference");
  if (a.type != DataType::kInvalid) return a.type;
  auto it = attrs_.find(a.type_attr);
  if (a.type_attr.empty() || it == attrs_.end() || it->second.kind != AttrValue::Kind::kType) {
    return Fail(std::string(what) + " '" + a.name + "' has type attr '" + a.type_attr +
                "', which the instantiation does not set");
  }
  return it->second.type;
}

Result<AttrMap> FunctionBodyBuilder::Substitute(const NodeDefData& n) const {
  AttrMap out = n.attrs;
  for (auto& [key, value] : out) {
    if (value.kind != AttrValue::Kind::kPlaceholder) continue;
    auto it = attrs_.find(value.s);
    if (it == attrs_.end()) {
      return Fail("node '" + n.name + "' (op " + n.op + "): attr '" + key +
                  "' is the placeholder $" + value.s + ", which the instantiation does not set");
    }
    value = it->second;
  }
  return out;
}

// The flat output index of `node:arg:index`.
Result<int> FunctionBodyBuilder::OutputIndex(const BodyNode& n, std::string_view arg,
                                             int64_t index) const {
  const NodeDefData& d = *n.def;
  auto size_of = [&](std::string_view number_attr, std::string_view list_attr) -> Result<int64_t> {
    if (!number_attr.empty()) {
      auto it = n.attrs.find(std::string(number_attr));
      if (it == n.attrs.end() || it->second.kind != AttrValue::Kind::kInt) {
        return Fail("node '" + d.name + "' (op " + d.op + ") has no int attr '" +
                    std::string(number_attr) + "'");
      }
      return it->second.i;
    }
    if (!list_attr.empty()) {
      auto it = n.attrs.find(std::string(list_attr));
      if (it == n.attrs.end()) return int64_t{0};  // an empty list is often left out
      return static_cast<int64_t>(it->second.list.type.size());
    }
    return int64_t{1};
  };
  int64_t offset = 0;
  bool found = false;
  auto args = OpOutputArgs(d.op);
  if (!args.empty()) {
    for (const OutputArgSpec& a : args) {
      TFM_ASSIGN_OR_RETURN(int64_t size, size_of(a.number_attr, a.type_list_attr));
      if (a.name == arg) {
        if (index < 0 || index >= size) {
          return Fail("input '" + d.name + ":" + std::string(arg) + ":" + std::to_string(index) +
                      "': output arg '" + std::string(arg) + "' of op " + d.op + " has " +
                      std::to_string(size) + " tensors");
        }
        found = true;
        break;
      }
      offset += size;
    }
    if (!found) {
      return Fail("node '" + d.name + "' (op " + d.op + ") has no output arg '" + std::string(arg) +
                  "'");
    }
  } else if (const FunctionDefData* f = lib_.Find(d.op); f != nullptr) {
    for (const ArgDefData& a : f->output_args) {
      if (a.name == arg) {
        found = true;
        break;
      }
      ++offset;
    }
    if (!found)
      return Fail("function '" + d.op + "' (node '" + d.name + "') has no output '" +
                  std::string(arg) + "'");
  }
  // Otherwise a single output arg (or one list): the index is the flat index.
  return static_cast<int>(offset + index);
}

Result<FunctionBodyBuilder::Ref> FunctionBodyBuilder::ResolveInput(
    const std::string& input, const std::string& node_name) const {
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    size_t colon = input.find(':', start);
    parts.push_back(
        std::string_view(input).substr(start, colon == std::string::npos ? colon : colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  const std::string where = "node '" + node_name + "' input '" + input + "'";
  if (parts.size() == 1) {
    if (auto a = args_.find(parts[0]); a != args_.end()) return Ref{-1, a->second};
    if (auto n = names_.find(parts[0]); n != names_.end()) return Ref{n->second, 0};
    return Fail(where + ": no argument or node of that name");
  }
  auto n = names_.find(parts[0]);
  if (n == names_.end()) return Fail(where + ": no node '" + std::string(parts[0]) + "'");
  if (parts.size() == 2) {  // graph style "node:3"
    auto i = ParseInt64(parts[1]);
    if (!i.ok() || *i < 0 || *i > (1 << 20)) return Fail(where + ": expected node:out_arg:index");
    return Ref{n->second, static_cast<int>(*i)};
  }
  auto i = ParseInt64(parts[2]);
  if (parts.size() != 3 || !i.ok() || *i < 0 || *i > (1 << 20)) {
    return Fail(where + ": expected node:out_arg:index");
  }
  TFM_ASSIGN_OR_RETURN(int flat, OutputIndex(nodes_[n->second], parts[1], *i));
  return Ref{n->second, flat};
}

Status FunctionBodyBuilder::ParseNodes() {
  for (size_t i = 0; i < def_.input_args.size(); ++i) {
    TFM_ASSIGN_OR_RETURN(DataType t, ArgType(def_.input_args[i], "argument"));
    arg_types_.push_back(t);
    args_.emplace(def_.input_args[i].name, static_cast<int>(i));
  }
  for (const NodeDefData& d : def_.nodes) {
    if (!names_.emplace(d.name, static_cast<int>(nodes_.size())).second) {
      return Fail("two nodes are named '" + d.name + "'");
    }
    BodyNode& n = nodes_.emplace_back();
    n.def = &d;
    TFM_ASSIGN_OR_RETURN(n.attrs, Substitute(d));
  }
  // Inputs after all names are known: bodies are not in topological order.
  for (BodyNode& n : nodes_) {
    for (const std::string& in : n.def->inputs) {
      if (!in.empty() && in[0] == '^') {
        auto c = names_.find(std::string_view(in).substr(1));
        if (c != names_.end()) {
          n.controls.push_back(c->second);
        } else if (!args_.count(std::string_view(in).substr(1))) {
          return Fail("node '" + n.def->name + "' has control input '" + in +
                      "', which is not a node");
        }
        continue;
      }
      TFM_ASSIGN_OR_RETURN(Ref r, ResolveInput(in, n.def->name));
      n.inputs.push_back(r);
    }
  }
  return Status::Ok();
}

// Pad(x, paddings) -> Conv2D / DepthwiseConv2dNative(padding VALID), the Pad read by nothing
// else and its paddings a Const that pads only height and width (Keras' ZeroPadding2D before a
// strided convolution), becomes the convolution of x with those paddings as EXPLICIT padding:
// the same zeros, without copying the image. The Pad then runs only if something else needs it.
void FunctionBodyBuilder::FoldPads() {
  std::vector<int> readers(nodes_.size(), 0);
  for (const BodyNode& n : nodes_) {
    for (const Ref& r : n.inputs) {
      if (r.node >= 0) ++readers[r.node];
    }
  }
  for (const auto& [key, value] : def_.ret) {
    auto it = names_.find(std::string_view(value).substr(0, value.find(':')));
    if (it != names_.end()) readers[it->second] += 2;  // returned: keep
  }
  auto attr_is = [](const AttrMap& attrs, const char* name, const char* value, bool absent_ok) {
    auto it = attrs.find(name);
    if (it == attrs.end()) return absent_ok;
    return it->second.kind == AttrValue::Kind::kString && it->second.s == value;
  };
  for (BodyNode& conv : nodes_) {
    const std::string& op = conv.def->op;
    if ((op != "Conv2D" && op != "DepthwiseConv2dNative") || conv.inputs.size() != 2 ||
        conv.inputs[0].node < 0 || conv.inputs[0].index != 0 ||
        !attr_is(conv.attrs, "padding", "VALID", false) ||
        !attr_is(conv.attrs, "data_format", "NHWC", true)) {
      continue;
    }
    const BodyNode& pad = nodes_[conv.inputs[0].node];
    if (pad.def->op != "Pad" || pad.inputs.size() != 2 || !pad.controls.empty() ||
        readers[conv.inputs[0].node] != 1 || pad.inputs[1].node < 0 ||
        pad.inputs[1].index != 0) {
      continue;
    }
    const BodyNode& paddings = nodes_[pad.inputs[1].node];
    auto value = paddings.attrs.find("value");
    if (paddings.def->op != "Const" || value == paddings.attrs.end() ||
        value->second.kind != AttrValue::Kind::kTensor) {
      continue;
    }
    const Tensor& t = value->second.tensor;
    if (t.shape() != Shape{4, 2}) continue;
    std::vector<int64_t> v(8);
    if (t.dtype() == DataType::kInt32) {
      for (int i = 0; i < 8; ++i) v[i] = t.flat<int32_t>()[i];
    } else if (t.dtype() == DataType::kInt64) {
      for (int i = 0; i < 8; ++i) v[i] = t.flat<int64_t>()[i];
    } else {
      continue;
    }
    bool ok = v[0] == 0 && v[1] == 0 && v[6] == 0 && v[7] == 0;
    for (int64_t p : v) ok = ok && p >= 0 && p <= (1 << 20);
    if (!ok) continue;
    conv.attrs["padding"] = StringAttr("EXPLICIT");
    conv.attrs["explicit_paddings"] = IntListAttr(v);
    conv.inputs[0] = pad.inputs[0];
  }
}

// What runs: the nodes the returned tensors and control returns need, and the stateful ones
// with what they need (unknown ops count as stateful, so they are reported, not dropped).
std::vector<int> FunctionBodyBuilder::KeptNodes() const {
  std::vector<int> stack;
  for (const ArgDefData& out : def_.output_args) {
    auto it = def_.ret.find(out.name);
    if (it == def_.ret.end()) continue;
    auto name = std::string_view(it->second).substr(0, it->second.find(':'));
    if (auto n = names_.find(name); n != names_.end()) stack.push_back(n->second);
  }
  for (const auto& [k, node] : def_.control_ret) {
    if (auto n = names_.find(node); n != names_.end()) stack.push_back(n->second);
  }
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const OpRegistration* op = OpRegistry::Global().Find(nodes_[i].def->op);
    if (op == nullptr || op->stateful) stack.push_back(static_cast<int>(i));
  }
  std::vector<char> seen(nodes_.size(), 0);
  std::vector<int> kept;
  while (!stack.empty()) {
    int id = stack.back();
    stack.pop_back();
    if (seen[id]) continue;
    seen[id] = 1;
    kept.push_back(id);
    for (const Ref& r : nodes_[id].inputs) {
      if (r.node >= 0) stack.push_back(r.node);
    }
    for (int c : nodes_[id].controls) stack.push_back(c);
  }
  std::sort(kept.begin(), kept.end());
  return kept;
}

// Kahn's algorithm over data and control edges, ties in body order; among the ready nodes, those
// that depend on no data argument (variable reads and what is computed from them alone, such as
// a batch norm's scale and shift) go first, so they exist before the convolutions whose fused
// epilogues read them (FuseEpilogues).
Result<std::vector<int>> FunctionBodyBuilder::Order(const std::vector<int>& kept) const {
  std::map<int, std::vector<int>> consumers;
  std::map<int, int> waiting;
  std::map<int, bool> from_data;  // depends on a non-resource argument
  for (int id : kept) {
    std::vector<int> producers;
    bool data = false;
    for (const Ref& r : nodes_[id].inputs) {
      if (r.node >= 0) {
        producers.push_back(r.node);
      } else if (arg_types_[r.index] != DataType::kResource) {
        data = true;
      }
    }
    from_data[id] = data;
    producers.insert(producers.end(), nodes_[id].controls.begin(), nodes_[id].controls.end());
    std::sort(producers.begin(), producers.end());
    producers.erase(std::unique(producers.begin(), producers.end()), producers.end());
    waiting[id] = static_cast<int>(producers.size());
    for (int p : producers) consumers[p].push_back(id);
  }
  std::vector<int> ready[2], order;  // [0]: no data argument upstream, [1]: the others
  for (auto it = kept.rbegin(); it != kept.rend(); ++it) {
    if (waiting[*it] == 0) ready[from_data[*it] ? 1 : 0].push_back(*it);
  }
  while (!ready[0].empty() || !ready[1].empty()) {
    std::vector<int>& from = ready[0].empty() ? ready[1] : ready[0];
    const int id = from.back();
    from.pop_back();
    order.push_back(id);
    for (int c : consumers[id]) {
      if (from_data[id]) from_data[c] = true;
    }
    for (int c : consumers[id]) {
      if (--waiting[c] == 0) ready[from_data[c] ? 1 : 0].push_back(c);
    }
  }
  if (order.size() != kept.size()) {
    for (int id : kept) {
      if (waiting[id] > 0) return Fail("node '" + nodes_[id].def->name + "' is on a cycle");
    }
  }
  return order;
}

Status FunctionBodyBuilder::PlanNode(BodyNode& n, FunctionBody& body) {
  const NodeDefData& d = *n.def;
  std::vector<DataType> input_types;
  for (const Ref& r : n.inputs) {
    if (r.node < 0) {
      input_types.push_back(arg_types_[r.index]);
      continue;
    }
    const BodyNode& p = nodes_[r.node];
    if (r.index >= static_cast<int>(p.output_types.size())) {
      return Fail("node '" + d.name + "' reads output " + std::to_string(r.index) + " of node '" +
                  p.def->name + "', which has " + std::to_string(p.output_types.size()) +
                  " outputs");
    }
    input_types.push_back(p.output_types[r.index]);
  }
  NodeInfo info(d.name, d.op, n.attrs, std::move(input_types), &lib_);
  Result<Kernel> kernel = Unimplemented("");
  const OpRegistration* op = OpRegistry::Global().Find(d.op);
  if (op != nullptr) {
    if (op->produces_ref || op->writes_ref_inputs) {
      return Unimplemented("function '" + def_.name + "': node '" + d.name + "' uses op '" + d.op +
                           "' on reference variables, which tfmodel runs only outside functions");
    }
    kernel = op->factory(info);
  } else if (lib_.Find(d.op) != nullptr) {
    kernel = PlanFunctionOp(info);
  } else {
    return Unimplemented("function '" + def_.name + "': node '" + d.name + "' uses op '" + d.op +
                         "', which tfmodel does not implement");
  }
  if (!kernel.ok()) return kernel.status().WithContext("function '" + def_.name + "'");
  n.output_types = kernel->output_types;
  n.step = static_cast<int>(body.steps_.size());
  FunctionBody::Step& step = body.steps_.emplace_back();
  step.node = d.name;
  step.op = d.op;
  step.compute = std::move(kernel->compute);
  step.output_types = std::move(kernel->output_types);
  step.first_slot = body.num_slots_;
  body.num_slots_ += static_cast<int>(step.output_types.size());
  return Status::Ok();
}

// Offers the kernels that take an epilogue (epilogue.h) the chain of element-wise steps after
// them: while the chain's tensor (float) has one reader, that reader is BiasAdd (NHWC), Add,
// AddV2, Mul, Relu or Relu6 of it, and the reader's other operand is an argument or computed by
// an earlier step than the producer (so it exists when the producer runs).
void FunctionBodyBuilder::FuseEpilogues(const std::vector<int>& order, const std::vector<int>& uses,
                                        FunctionBody& body) const {
  static constexpr std::string_view kProducers[] = {"Conv2D", "DepthwiseConv2dNative", "MatMul"};
  const int num_steps = static_cast<int>(body.steps_.size());
  std::vector<int> slot_step(body.num_slots_, 0);
  std::vector<int> step_node(num_steps, 0);
  // The one reader (step, input) of each slot read once by a step, or (-1, -1).
  std::vector<std::pair<int, int>> reader(body.num_slots_, {-1, -1});
  for (int id : order) {
    const int i = nodes_[id].step;
    const FunctionBody::Step& step = body.steps_[i];
    step_node[i] = id;
    for (size_t k = 0; k < step.output_types.size(); ++k) slot_step[step.first_slot + k] = i;
    for (size_t in = 0; in < step.inputs.size(); ++in) {
      const FunctionBody::Source& src = step.inputs[in];
      if (!src.is_arg && uses[src.index] == 1) reader[src.index] = {i, static_cast<int>(in)};
    }
  }
  auto float_t = [&](int i) {
    const AttrMap& attrs = nodes_[step_node[i]].attrs;
    auto t = attrs.find("T");
    return t != attrs.end() && t->second.kind == AttrValue::Kind::kType &&
           t->second.type == DataType::kFloat;
  };
  for (int p = 0; p < num_steps; ++p) {
    FunctionBody::Step& producer = body.steps_[p];
    if (std::find(std::begin(kProducers), std::end(kProducers), producer.op) ==
            std::end(kProducers) ||
        !float_t(p) || producer.output_types.size() != 1) {
      continue;
    }
    int slot = producer.first_slot;
    while (producer.fused.size() < static_cast<size_t>(gemm::kMaxPostOps)) {
      auto [q, in] = reader[slot];
      if (q < 0) break;
      const FunctionBody::Step& step = body.steps_[q];
      FunctionBody::Fused f;
      f.step = q;
      if (!EpilogueKindOf(step.op, &f.op.kind) || !float_t(q) || step.output_types.size() != 1) {
        break;
      }
      const bool unary = f.op.kind == gemm::PostOp::Kind::kRelu ||
                         f.op.kind == gemm::PostOp::Kind::kRelu6;
      if (step.inputs.size() != (unary ? 1u : 2u)) break;
      if (!unary) {
        f.op.bias = step.op == "BiasAdd";
        if (f.op.bias) {
          auto format = nodes_[step_node[q]].attrs.find("data_format");
          if (in != 0 || (format != nodes_[step_node[q]].attrs.end() &&
                          format->second.s != "NHWC")) {
            break;
          }
        }
        f.has_operand = true;
        f.operand = step.inputs[1 - in];
        if (!f.operand.is_arg && (f.operand.index == slot || slot_step[f.operand.index] >= p)) {
          break;
        }
      }
      producer.fused.push_back(f);
      slot = step.first_slot;
    }
    if (!producer.fused.empty()) body.has_fused_ = true;
  }
}

Result<std::shared_ptr<const FunctionBody>> FunctionBodyBuilder::Build() {
  auto body = std::make_shared<FunctionBody>();
  body->name_ = def_.name;
  TFM_RETURN_IF_ERROR(ParseNodes());
  FoldPads();
  body->arg_types_ = arg_types_;
  TFM_ASSIGN_OR_RETURN(std::vector<int> order, Order(KeptNodes()));
  for (int id : order) TFM_RETURN_IF_ERROR(PlanNode(nodes_[id], *body));

  // Inputs as slots, counting uses so each slot's last reader moves it.
  std::vector<std::pair<int, int>> last(body->num_slots_, {-1, -1});  // (step, input); step -1: ret
  std::vector<int> uses(body->num_slots_, 0);
  auto source = [&](const Ref& r) {
    FunctionBody::Source s;
    if (r.node < 0) {
      s.is_arg = true;
      s.index = r.index;
    } else {
      s.index = body->steps_[nodes_[r.node].step].first_slot + r.index;
      ++uses[s.index];
    }
    return s;
  };
  for (int id : order) {
    FunctionBody::Step& step = body->steps_[nodes_[id].step];
    for (const Ref& r : nodes_[id].inputs) {
      step.inputs.push_back(source(r));
      if (!step.inputs.back().is_arg) {
        last[step.inputs.back().index] = {nodes_[id].step,
                                          static_cast<int>(step.inputs.size()) - 1};
      }
    }
  }
  for (const ArgDefData& out : def_.output_args) {
    TFM_ASSIGN_OR_RETURN(DataType want, ArgType(out, "output"));
    auto it = def_.ret.find(out.name);
    if (it == def_.ret.end()) return Fail("output '" + out.name + "' has no ret entry");
    TFM_ASSIGN_OR_RETURN(Ref r, ResolveInput(it->second, "ret " + out.name));
    DataType got = DataType::kInvalid;
    if (r.node < 0) {
      got = arg_types_[r.index];
    } else if (r.index < static_cast<int>(nodes_[r.node].output_types.size())) {
      got = nodes_[r.node].output_types[r.index];
    } else {
      return Fail("output '" + out.name + "' is '" + it->second + "', which does not exist");
    }
    if (got != want) {
      return Fail("output '" + out.name + "' is declared " + std::string(DataTypeName(want)) +
                  " but '" + it->second + "' is " + std::string(DataTypeName(got)));
    }
    body->ret_types_.push_back(want);
    body->rets_.push_back(source(r));
    if (!body->rets_.back().is_arg) {
      last[body->rets_.back().index] = {-1, static_cast<int>(body->rets_.size()) - 1};
    }
  }
  for (int slot = 0; slot < body->num_slots_; ++slot) {
    auto [step, input] = last[slot];
    if (step >= 0) {
      body->steps_[step].inputs[input].last_use = true;
    } else if (input >= 0) {
      body->rets_[input].last_use = true;
    }
  }
  for (FunctionBody::Step& step : body->steps_) {
    for (size_t k = 0; k < step.output_types.size(); ++k) {
      if (uses[step.first_slot + k] == 0)
        step.unused_outputs.push_back(step.first_slot + static_cast<int>(k));
    }
  }
  FuseEpilogues(order, uses, *body);
  return std::shared_ptr<const FunctionBody>(std::move(body));
}

Result<std::shared_ptr<const FunctionBody>> BuildFunctionBody(const FunctionDefData& def,
                                                              const AttrMap& attrs,
                                                              const FunctionLibrary& library) {
  return FunctionBodyBuilder(def, attrs, library).Build();
}

}  // namespace tfmodel
