// Function inlining (a call node becomes its body's nodes under the call's name), output
// forwarding, and graph/library pruning.
#include "src/graph/function_inline.h"

#include <algorithm>
#include <deque>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "src/base/strings.h"
#include "src/graph/graph.h"
#include "src/graph/op_output_args.h"

namespace tfmodel {
namespace {

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

using Library = std::unordered_map<std::string, const FunctionDefData*>;

Library IndexLibrary(const GraphDefData& g) {
  Library lib;
  for (const FunctionDefData& f : g.functions) lib.emplace(f.name, &f);
  return lib;
}

const FunctionDefData* Lookup(const Library& lib, const std::string& name) {
  auto it = lib.find(name);
  return it == lib.end() ? nullptr : it->second;
}

// A FunctionDef input: "arg", "node:out_arg[:index]" or "^node".
struct BodyRef {
  bool control = false;
  std::string node;     // or the arg name
  std::string out_arg;  // empty for the one-part form
  int index = 0;
};

Result<BodyRef> ParseBodyRef(std::string_view s) {
  BodyRef r;
  if (!s.empty() && s[0] == '^') {
    r.control = true;
    s.remove_prefix(1);
  }
  if (s.empty()) return InvalidArgument("empty input name");
  const size_t c1 = s.find(':');
  r.node = std::string(s.substr(0, c1));
  if (c1 == std::string_view::npos) return r;
  if (r.control || c1 == 0) return InvalidArgument("bad input name " + Quoted(s));
  const std::string_view rest = s.substr(c1 + 1);
  const size_t c2 = rest.find(':');
  r.out_arg = std::string(rest.substr(0, c2));
  if (c2 != std::string_view::npos) {
    auto index = ParseInt64(rest.substr(c2 + 1));
    if (!index.ok() || *index < 0 || *index > 1000000) {
      return InvalidArgument("bad output index in input name " + Quoted(s));
    }
    r.index = static_cast<int>(*index);
  }
  if (r.out_arg.empty()) return InvalidArgument("bad input name " + Quoted(s));
  return r;
}

// How many tensors an arg holds, given the node's attrs.
Result<int> ArgCount(std::string_view number_attr, std::string_view type_list_attr,
                     const AttrMap& attrs) {
  if (!number_attr.empty()) {
    auto it = attrs.find(std::string(number_attr));
    if (it == attrs.end() || it->second.kind != AttrValue::Kind::kInt || it->second.i < 0) {
      return InvalidArgument("attr " + Quoted(number_attr) + " (an output count) is missing");
    }
    return static_cast<int>(it->second.i);
  }
  if (!type_list_attr.empty()) {
    auto it = attrs.find(std::string(type_list_attr));
    if (it == attrs.end()) {
      return InvalidArgument("attr " + Quoted(type_list_attr) + " (output types) is missing");
    }
    return static_cast<int>(it->second.list.type.size());
  }
  return 1;
}

std::string GraphInput(const std::string& node, int index) {
  return index == 0 ? node : node + ":" + std::to_string(index);
}

// Attr placeholders ("$T" in a body) replaced by the call's values.
Status Substitute(AttrMap& attrs, const AttrMap& values) {
  for (auto& [name, value] : attrs) {
    if (value.kind != AttrValue::Kind::kPlaceholder) continue;
    auto it = values.find(value.s);
    if (it == values.end()) {
      return InvalidArgument("attr " + Quoted(name) + " refers to the function's attr " +
                             Quoted(value.s) + ", which the call does not set");
    }
    value = it->second;
  }
  return Status::Ok();
}

class Inliner {
 public:
  Inliner(GraphDefData& g, const InlineOptions& options)
      : g_(g), options_(options), lib_(IndexLibrary(g)) {
    for (const NodeDefData& n : g_.nodes) names_.insert(n.name);
  }

  Result<InlineResult> Run() {
    InlineResult result;
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      const FunctionDefData* fn = nullptr;
      const AttrMap* values = nullptr;
      TFM_RETURN_IF_ERROR(CalleeOf(g_.nodes[i], &fn, &values));
      if (fn == nullptr) continue;
      const std::string call = g_.nodes[i].name;
      Status s = InlineOne(i, *fn, *values);
      if (!s.ok()) return s.WithContext("inlining call node " + Quoted(call) + " of " + fn->name);
      result.output_nodes.insert(call);
      ++result.calls;
    }
    return result;
  }

 private:
  // The function `n` calls, or nullptr when it is not a call.
  Status CalleeOf(const NodeDefData& n, const FunctionDefData** fn, const AttrMap** values) {
    static const AttrMap kNoAttrs;
    if (IsPartitionedCallOp(n.op)) {
      auto f = n.attrs.find("f");
      if (f == n.attrs.end() || f->second.kind != AttrValue::Kind::kFunc) {
        return InvalidArgument("call node " + Quoted(n.name) + " (" + n.op + ") has no attr f");
      }
      *fn = Lookup(lib_, f->second.func.name);
      if (*fn == nullptr) {
        return NotFound("call node " + Quoted(n.name) + " calls function " +
                        Quoted(f->second.func.name) + ", which is not in the library");
      }
      *values = f->second.func.attrs ? f->second.func.attrs.get() : &kNoAttrs;
      return Status::Ok();
    }
    *fn = Lookup(lib_, n.op);
    *values = &n.attrs;
    return Status::Ok();
  }

  std::string UniquePrefix(const std::string& call, const FunctionDefData& fn) {
    for (int k = 0;; ++k) {
      const std::string p = k == 0 ? call + "/" : call + "/_inlined" + std::to_string(k) + "/";
      bool clash = names_.count(p + "input_control_node") > 0;
      for (size_t i = 0; i < fn.nodes.size() && !clash; ++i) {
        clash = names_.count(p + fn.nodes[i].name) > 0;
      }
      if (!clash) return p;
    }
  }

  Status InlineOne(size_t ci, const FunctionDefData& fn, const AttrMap& values) {
    const NodeDefData call = g_.nodes[ci];
    const int depth = depth_.count(call.name) ? depth_[call.name] : 0;
    if (depth >= options_.max_depth) {
      return InvalidArgument("calls nested more than " + std::to_string(options_.max_depth) +
                             " deep (a recursive function?)");
    }
    std::vector<std::string> data, control;
    for (const std::string& in : call.inputs) (in[0] == '^' ? control : data).push_back(in);
    if (data.size() != fn.input_args.size()) {
      return InvalidArgument("it passes " + std::to_string(data.size()) +
                             " inputs to a function of " + std::to_string(fn.input_args.size()));
    }
    std::unordered_map<std::string, std::string> args;
    for (size_t k = 0; k < fn.input_args.size(); ++k) {
      const ArgDefData& a = fn.input_args[k];
      if (!a.number_attr.empty() || !a.type_list_attr.empty()) {
        return Unimplemented("function input " + Quoted(a.name) + " is a list");
      }
      args[a.name] = data[k];
    }
    const std::string prefix = UniquePrefix(call.name, fn);

    // Body nodes with the call's attr values, so output counts can be read from them.
    std::vector<NodeDefData> body = fn.nodes;
    std::unordered_map<std::string, size_t> by_name;
    for (size_t k = 0; k < body.size(); ++k) {
      Status s = Substitute(body[k].attrs, values);
      if (!s.ok()) return s.WithContext("node " + Quoted(body[k].name));
      by_name[body[k].name] = k;
    }
    auto translate = [&](const std::string& in, bool* internal) -> Result<std::string> {
      TFM_ASSIGN_OR_RETURN(BodyRef r, ParseBodyRef(in));
      auto node = by_name.find(r.node);
      if (r.out_arg.empty() && node == by_name.end()) {
        auto arg = args.find(r.node);
        if (arg == args.end()) {
          return InvalidArgument("input " + Quoted(in) + " is neither an arg nor a node");
        }
        if (!r.control) return arg->second;
        TFM_ASSIGN_OR_RETURN(auto parsed, ParseTensorName(arg->second));
        return "^" + parsed.first;
      }
      if (node == by_name.end()) return InvalidArgument("input " + Quoted(in) + ": no such node");
      *internal = true;
      if (r.control) return "^" + prefix + r.node;
      const NodeDefData& src = body[node->second];
      auto flat = FunctionBodyOutputIndex(src, Lookup(lib_, src.op), r.out_arg, r.index);
      if (!flat.ok()) return flat.status().WithContext("input " + Quoted(in));
      return GraphInput(prefix + r.node, *flat);
    };

    std::vector<NodeDefData> added;
    added.reserve(body.size() + 1);
    std::string control_node;
    if (!control.empty()) {
      control_node = prefix + "input_control_node";
      added.push_back({.name = control_node, .op = "NoOp", .inputs = control,
                       .device = call.device, .attrs = {}});
    }
    for (NodeDefData& n : body) {
      NodeDefData out;
      out.name = prefix + n.name;
      out.op = n.op;
      out.device = n.device.empty() ? call.device : n.device;
      out.attrs = n.attrs;  // a copy: later nodes read it for output counts
      out.attrs.erase("_class");  // colocation with nodes that may not survive
      bool internal = false;
      for (const std::string& in : n.inputs) {
        auto t = translate(in, &internal);
        if (!t.ok()) return t.status().WithContext("node " + Quoted(n.name));
        out.inputs.push_back(std::move(t).value());
      }
      if (!control_node.empty() && !internal) out.inputs.push_back("^" + control_node);
      // Data inputs first, then control inputs, as GraphDefs require.
      std::stable_partition(out.inputs.begin(), out.inputs.end(),
                            [](const std::string& s) { return s[0] != '^'; });
      added.push_back(std::move(out));
    }

    // The call's replacement: its outputs under its name.
    NodeDefData outputs{.name = call.name, .op = "IdentityN", .inputs = {}, .device = call.device,
                        .attrs = {}};
    std::vector<DataType> types;
    const auto tout = call.attrs.find("Tout");
    for (size_t k = 0; k < fn.output_args.size(); ++k) {
      const ArgDefData& a = fn.output_args[k];
      auto ret = fn.ret.find(a.name);
      if (ret == fn.ret.end()) return InvalidArgument("output " + Quoted(a.name) + " has no ret");
      bool internal = false;
      TFM_ASSIGN_OR_RETURN(std::string t, translate(ret->second, &internal));
      outputs.inputs.push_back(std::move(t));
      DataType type = a.type;
      if (tout != call.attrs.end() && k < tout->second.list.type.size()) {
        type = tout->second.list.type[k];
      } else if (!a.type_attr.empty() && values.count(a.type_attr)) {
        type = values.at(a.type_attr).type;
      }
      types.push_back(type);
    }
    for (const auto& [name, node] : fn.control_ret) {
      if (by_name.count(node)) outputs.inputs.push_back("^" + prefix + node);
    }
    if (types.empty()) {
      outputs.op = "NoOp";
    } else {
      outputs.attrs["T"] = TypeListAttr(types);
    }
    g_.nodes[ci] = std::move(outputs);
    for (NodeDefData& n : added) {
      names_.insert(n.name);
      depth_[n.name] = depth + 1;
      g_.nodes.push_back(std::move(n));
    }
    if (g_.nodes.size() > options_.max_nodes) {
      return ResourceExhausted("the inlined graph has over " +
                               std::to_string(options_.max_nodes) + " nodes");
    }
    return Status::Ok();
  }

  GraphDefData& g_;
  const InlineOptions& options_;
  const Library lib_;
  std::unordered_set<std::string> names_;
  std::unordered_map<std::string, int> depth_;
};

// Names of the functions a node refers to through its attrs (f, then_branch, body, branches...).
void FunctionAttrs(const NodeDefData& n, std::vector<std::string>* out) {
  for (const auto& [name, v] : n.attrs) {
    if (v.kind == AttrValue::Kind::kFunc) out->push_back(v.func.name);
    if (v.kind == AttrValue::Kind::kList) {
      for (const FuncAttr& f : v.list.func) out->push_back(f.name);
    }
  }
}

}  // namespace

bool IsPartitionedCallOp(std::string_view op) {
  return op == "PartitionedCall" || op == "StatefulPartitionedCall";
}

Result<int> FunctionBodyOutputIndex(const NodeDefData& node, const FunctionDefData* callee,
                                    std::string_view out_arg, int index) {
  int offset = 0;
  auto step = [&](std::string_view name, std::string_view number_attr,
                  std::string_view type_list_attr, bool* done) -> Result<int> {
    TFM_ASSIGN_OR_RETURN(int count, ArgCount(number_attr, type_list_attr, node.attrs));
    if (name == out_arg) {
      *done = true;
      if (index >= count) {
        return InvalidArgument("node " + Quoted(node.name) + " output " + Quoted(out_arg) +
                               " has " + std::to_string(count) + " tensors, not " +
                               std::to_string(index + 1));
      }
      return offset + index;
    }
    offset += count;
    return 0;
  };
  bool done = false;
  if (callee != nullptr) {
    for (const ArgDefData& a : callee->output_args) {
      TFM_ASSIGN_OR_RETURN(int flat, step(a.name, a.number_attr, a.type_list_attr, &done));
      if (done) return flat;
    }
  } else {
    std::span<const OutputArgSpec> spec = OpOutputArgs(node.op);
    if (spec.empty()) return index;  // one output arg: the index is the flat index
    for (const OutputArgSpec& a : spec) {
      TFM_ASSIGN_OR_RETURN(int flat, step(a.name, a.number_attr, a.type_list_attr, &done));
      if (done) return flat;
    }
  }
  return InvalidArgument("node " + Quoted(node.name) + " (" + node.op + ") has no output " +
                         Quoted(out_arg));
}

Result<InlineResult> InlineFunctionCalls(GraphDefData& graph, const InlineOptions& options) {
  return Inliner(graph, options).Run();
}

void ForwardInlinedOutputs(GraphDefData& graph, const std::set<std::string>& output_nodes) {
  std::unordered_map<std::string, std::vector<std::string>> sources;
  for (const NodeDefData& n : graph.nodes) {
    if (n.op != "IdentityN" || !output_nodes.count(n.name)) continue;
    std::vector<std::string>& data = sources[n.name];
    for (const std::string& in : n.inputs) {
      if (in[0] != '^') data.push_back(in);
    }
  }
  for (NodeDefData& n : graph.nodes) {
    for (std::string& in : n.inputs) {
      for (size_t hops = 0; hops <= sources.size(); ++hops) {
        auto parsed = ParseTensorName(in);
        if (!parsed.ok() || parsed->second < 0) break;
        auto it = sources.find(parsed->first);
        if (it == sources.end() || static_cast<size_t>(parsed->second) >= it->second.size()) break;
        in = it->second[parsed->second];
      }
    }
  }
}

Status PruneToNodes(GraphDefData& graph, const std::set<std::string>& roots) {
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < graph.nodes.size(); ++i) index.emplace(graph.nodes[i].name, i);
  std::vector<char> keep(graph.nodes.size(), 0);
  std::vector<size_t> stack;
  for (const std::string& r : roots) {
    auto it = index.find(r);
    if (it == index.end()) return NotFound("the graph has no node " + Quoted(r));
    stack.push_back(it->second);
  }
  while (!stack.empty()) {
    const size_t i = stack.back();
    stack.pop_back();
    if (keep[i]) continue;
    keep[i] = 1;
    for (const std::string& in : graph.nodes[i].inputs) {
      auto parsed = ParseTensorName(in);
      if (!parsed.ok()) continue;
      auto it = index.find(parsed->first);
      if (it != index.end() && !keep[it->second]) stack.push_back(it->second);
    }
  }
  std::vector<NodeDefData> kept;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (keep[i]) kept.push_back(std::move(graph.nodes[i]));
  }
  graph.nodes = std::move(kept);
  return Status::Ok();
}

void PruneLibrary(GraphDefData& graph) {
  const Library lib = IndexLibrary(graph);
  std::set<std::string> reached;
  std::vector<std::string> todo;
  auto visit_node = [&](const NodeDefData& n) {
    FunctionAttrs(n, &todo);
    if (lib.count(n.op)) todo.push_back(n.op);
  };
  for (const NodeDefData& n : graph.nodes) visit_node(n);
  while (!todo.empty()) {
    const std::string name = todo.back();
    todo.pop_back();
    const FunctionDefData* f = Lookup(lib, name);
    if (f == nullptr || !reached.insert(name).second) continue;
    for (const NodeDefData& n : f->nodes) visit_node(n);
  }
  std::vector<FunctionDefData> kept;
  for (FunctionDefData& f : graph.functions) {
    if (reached.count(f.name)) kept.push_back(std::move(f));
  }
  graph.functions = std::move(kept);
}

}  // namespace tfmodel
