// ConvertVariablesToConstants: follows each frozen variable's handle from its VarHandleOp to
// every node that uses it, in the graph and (through functional ops) in copies of functions.
#include "src/graph/freeze_variables.h"

#include <deque>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "src/graph/function_inline.h"
#include "src/graph/graph.h"

namespace tfmodel {
namespace {

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

struct Value {
  DataType dtype = DataType::kInvalid;
  PartialShape shape;
  std::string variable;  // for messages
};

// The nodes being rewritten: the graph's (fn == nullptr) or a function copy's.
struct Body {
  std::vector<NodeDefData>* nodes;
  FunctionDefData* fn;
  std::string where;
};

// A data input in canonical form: graph "node:k"; function "arg" or "node:out_arg:k".
std::optional<std::string> Canonical(const Body& b, std::string_view in) {
  if (in.empty() || in[0] == '^') return std::nullopt;
  if (b.fn == nullptr) {
    auto parsed = ParseTensorName(in);
    if (!parsed.ok()) return std::nullopt;
    return parsed->first + ":" + std::to_string(parsed->second);
  }
  const size_t c1 = in.find(':');
  if (c1 == std::string_view::npos) return std::string(in);
  if (in.find(':', c1 + 1) == std::string_view::npos) return std::string(in) + ":0";
  return std::string(in);
}

// The canonical name of output `index` of output arg `arg` (flat output `flat`) of `node`.
std::string OutputRef(const Body& b, const std::string& node, std::string_view arg, int index,
                      int flat) {
  if (b.fn == nullptr) return node + ":" + std::to_string(flat);
  return node + ":" + std::string(arg) + ":" + std::to_string(index);
}

// Functional ops: where their function inputs start, the attr typing them, the function attrs.
struct Functional {
  int first_input = 0;
  std::string type_attr;  // empty for a direct call
  std::vector<std::string> func_attrs;
  enum Kind { kCall, kBranch, kWhile } kind = kCall;
};

std::optional<Functional> FunctionalOf(const std::string& op) {
  if (op == "If" || op == "StatelessIf") {
    return Functional{1, "Tin", {"then_branch", "else_branch"}, Functional::kBranch};
  }
  if (op == "Case" || op == "StatelessCase") {
    return Functional{1, "Tin", {"branches"}, Functional::kBranch};
  }
  if (op == "While" || op == "StatelessWhile") {
    return Functional{0, "T", {"cond", "body"}, Functional::kWhile};
  }
  if (IsPartitionedCallOp(op)) return Functional{0, "Tin", {"f"}, Functional::kCall};
  return std::nullopt;
}

bool IsIdentityLike(const std::string& op) {
  return op == "Identity" || op == "Snapshot" || op == "IdentityN" || op == "Enter" ||
         op == "Exit" || op == "NextIteration" || op == "Switch" || op == "Merge";
}

class Converter {
 public:
  explicit Converter(GraphDefData& g) : g_(g) {
    for (size_t i = 0; i < g_.functions.size(); ++i) functions_[g_.functions[i].name] = i;
  }

  Status ConvertGraph(const std::map<std::string, Tensor>& values) {
    std::unordered_map<std::string, size_t> index;
    for (size_t i = 0; i < g_.nodes.size(); ++i) index.emplace(g_.nodes[i].name, i);
    std::map<std::string, Value> sources;
    for (const auto& [name, value] : values) {
      auto it = index.find(name);
      if (it == index.end()) return NotFound("the graph has no variable " + Quoted(name));
      NodeDefData& n = g_.nodes[it->second];
      TFM_RETURN_IF_ERROR(CheckVariable(n, value));
      n.op = "Const";
      n.inputs.clear();
      n.attrs = {{"dtype", TypeAttr(value.dtype())}, {"value", TensorAttr(value)}};
      sources[name + ":0"] = {value.dtype(), PartialShape::Of(value.shape()), name};
    }
    Body main{&g_.nodes, nullptr, "the graph"};
    std::map<std::string, Value> converted;
    return ConvertBody(main, sources, &converted, 0);
  }

  std::vector<std::string> copies_;

 private:
  static Status CheckVariable(const NodeDefData& n, const Tensor& value) {
    if (n.op != "VarHandleOp") {
      return InvalidArgument("node " + Quoted(n.name) + " is a " + n.op + ", not a VarHandleOp");
    }
    auto dtype = n.attrs.find("dtype");
    if (dtype != n.attrs.end() && dtype->second.type != value.dtype()) {
      return InvalidArgument("variable " + Quoted(n.name) + " is " +
                             std::string(DataTypeName(dtype->second.type)) +
                             " but its value is " + std::string(DataTypeName(value.dtype())));
    }
    auto shape = n.attrs.find("shape");
    if (shape != n.attrs.end() && shape->second.kind == AttrValue::Kind::kShape &&
        !shape->second.shape.unknown_rank) {
      const auto& want = shape->second.shape.dims;
      const auto& got = value.shape().dims();
      bool ok = want.size() == got.size();
      for (size_t k = 0; ok && k < want.size(); ++k) ok = want[k] < 0 || want[k] == got[k];
      if (!ok) {
        return InvalidArgument("variable " + Quoted(n.name) + " has shape " +
                               shape->second.shape.ToCliString() + " but its value is " +
                               value.shape().DebugString());
      }
    }
    return Status::Ok();
  }

  using Consumers = std::unordered_map<std::string, std::vector<std::pair<size_t, size_t>>>;

  struct Pending {
    std::map<int, Value> args;  // function input index -> its value
    std::map<std::string, std::vector<std::string>> original;  // func attr -> function names
    std::string original_op;
    bool dirty = false;
  };

  Status ConvertBody(Body& b, std::map<std::string, Value> sources,
                     std::map<std::string, Value>* converted, int depth) {
    Consumers consumers;
    for (size_t i = 0; i < b.nodes->size(); ++i) {
      const NodeDefData& n = (*b.nodes)[i];
      for (size_t p = 0; p < n.inputs.size(); ++p) {
        if (auto c = Canonical(b, n.inputs[p])) consumers[*c].push_back({i, p});
      }
    }
    std::deque<std::pair<std::string, Value>> work(sources.begin(), sources.end());
    std::map<size_t, Pending> pending;
    while (!work.empty()) {
      while (!work.empty()) {
        auto [ref, value] = std::move(work.front());
        work.pop_front();
        if (!converted->emplace(ref, value).second) continue;
        const auto uses = consumers.find(ref);
        if (uses == consumers.end()) continue;
        const auto list = uses->second;  // Consume may add entries to `consumers`
        for (const auto& [i, p] : list) {
          Status s = Consume(b, i, static_cast<int>(p), value, consumers, pending, work);
          if (!s.ok()) return s.WithContext(b.where);
        }
      }
      for (auto& [i, pend] : pending) {
        if (!pend.dirty) continue;
        pend.dirty = false;
        Status s = ApplyFunctional(b, i, pend, work, depth);
        if (!s.ok()) return s.WithContext(b.where);
      }
    }
    return Status::Ok();
  }

  Status Consume(Body& b, size_t i, int p, const Value& v, Consumers& consumers,
                 std::map<size_t, Pending>& pending,
                 std::deque<std::pair<std::string, Value>>& work) {
    NodeDefData& n = (*b.nodes)[i];
    const std::string uses = "node " + Quoted(n.name) + " (" + n.op + ") input " +
                             std::to_string(p) + " reads the handle of variable " +
                             Quoted(v.variable);
    if (n.op == "ReadVariableOp" && p == 0) {
      auto dtype = n.attrs.find("dtype");
      if (dtype != n.attrs.end() && dtype->second.type != v.dtype) {
        return InvalidArgument(uses + " as " + std::string(DataTypeName(dtype->second.type)) +
                               ", but the variable is " + std::string(DataTypeName(v.dtype)));
      }
      n.op = "Identity";
      n.attrs.erase("dtype");
      n.attrs["T"] = TypeAttr(v.dtype);
      if (b.fn != nullptr) RenameOutputArg(b, n.name, "value", "output", consumers);
      return Status::Ok();
    }
    if (IsIdentityLike(n.op)) {
      if ((n.op == "Switch" && p != 0) || (n.op != "IdentityN" && n.op != "Merge" && p != 0)) {
        return InvalidArgument(uses + ", which cannot be frozen");
      }
      AttrValue& t = n.attrs["T"];
      if (n.op == "IdentityN") {
        if (t.kind != AttrValue::Kind::kList || static_cast<size_t>(p) >= t.list.type.size()) {
          return InvalidArgument(uses + ", but its attr T has no type for it");
        }
        t.list.type[p] = v.dtype;
      } else {
        t = TypeAttr(v.dtype);
      }
      n.attrs.erase("_output_shapes");
      if (n.op == "Switch") {
        work.push_back({OutputRef(b, n.name, "output_false", 0, 0), v});
        work.push_back({OutputRef(b, n.name, "output_true", 0, 1), v});
      } else {
        work.push_back({OutputRef(b, n.name, "output", n.op == "IdentityN" ? p : 0,
                                  n.op == "IdentityN" ? p : 0),
                        v});
      }
      return Status::Ok();
    }
    if (n.op == "ResourceGather" && p == 0) return GatherToGatherV2(b, i);
    if (n.op == "ResourceGatherNd" && p == 0) {
      AttrMap attrs = {{"Tparams", n.attrs["dtype"]}, {"Tindices", n.attrs["Tindices"]}};
      n.op = "GatherNd";
      n.attrs = std::move(attrs);
      return Status::Ok();
    }
    if (n.op == "VariableShape" && p == 0) {
      n.op = "Shape";
      if (!n.attrs.count("out_type")) n.attrs["out_type"] = TypeAttr(DataType::kInt32);
      n.attrs["T"] = TypeAttr(v.dtype);
      return Status::Ok();
    }
    std::optional<Functional> f = FunctionalOf(n.op);
    const bool direct = !f && functions_.count(n.op);
    if (f || direct) {
      const int first = f ? f->first_input : 0;
      if (p < first) return InvalidArgument(uses + ", which cannot be frozen");
      Pending& pend = pending[i];
      if (pend.original_op.empty()) {
        pend.original_op = n.op;
        if (direct) pend.original["op"] = {n.op};
        for (const std::string& a : f ? f->func_attrs : std::vector<std::string>{}) {
          auto it = n.attrs.find(a);
          if (it == n.attrs.end()) return InvalidArgument(uses + ", but it has no attr " + a);
          std::vector<std::string>& names = pend.original[a];
          if (it->second.kind == AttrValue::Kind::kFunc) names.push_back(it->second.func.name);
          for (const FuncAttr& fa : it->second.list.func) names.push_back(fa.name);
        }
      }
      pend.args[p - first] = v;
      pend.dirty = true;
      return Status::Ok();
    }
    return InvalidArgument(uses + ": only reads of a variable can be frozen into a constant "
                           "(is the signature writing its variables?)");
  }

  // In a function body, consumers of "node:<from>:k" now read "node:<to>:k" (ReadVariableOp's
  // `value` is Identity's `output`), rets included.
  void RenameOutputArg(Body& b, const std::string& node, const std::string& from,
                       const std::string& to, Consumers& consumers) {
    const std::string old_ref = node + ":" + from + ":0", new_ref = node + ":" + to + ":0";
    auto rewrite = [&](std::string& in) {
      if (Canonical(b, in) == old_ref) in = new_ref;
    };
    auto it = consumers.find(old_ref);
    if (it != consumers.end()) {
      for (const auto& [j, q] : it->second) rewrite((*b.nodes)[j].inputs[q]);
      auto moved = std::move(it->second);
      consumers.erase(it);
      auto& dst = consumers[new_ref];
      dst.insert(dst.end(), moved.begin(), moved.end());
    }
    for (auto& [name, ret] : b.fn->ret) rewrite(ret);
  }

  // ResourceGather(resource, indices) -> GatherV2(value, indices, axis = batch_dims).
  Status GatherToGatherV2(Body& b, size_t i) {
    NodeDefData& n = (*b.nodes)[i];
    const int64_t batch_dims = n.attrs.count("batch_dims") ? n.attrs["batch_dims"].i : 0;
    const DataType tindices =
        n.attrs.count("Tindices") ? n.attrs["Tindices"].type : DataType::kInt32;
    if (n.inputs.size() < 2) return InvalidArgument("ResourceGather " + Quoted(n.name) + " has no indices");
    NodeDefData axis;
    axis.name = n.name + "/axis";
    for (const NodeDefData& m : *b.nodes) {
      if (m.name == axis.name) axis.name += "_frozen";
    }
    axis.op = "Const";
    axis.device = n.device;
    const Tensor value = tindices == DataType::kInt64
                             ? Tensor::Scalar<int64_t>(batch_dims)
                             : Tensor::Scalar<int32_t>(static_cast<int32_t>(batch_dims));
    axis.attrs = {{"dtype", TypeAttr(value.dtype())}, {"value", TensorAttr(value)}};
    AttrMap attrs = {{"Tparams", n.attrs["dtype"]},
                     {"Tindices", TypeAttr(tindices)},
                     {"Taxis", TypeAttr(value.dtype())},
                     {"batch_dims", IntAttr(batch_dims)}};
    n.op = "GatherV2";
    n.attrs = std::move(attrs);
    n.inputs.insert(n.inputs.begin() + 2,
                    b.fn == nullptr ? axis.name : axis.name + ":output:0");
    b.nodes->push_back(std::move(axis));  // invalidates `n`
    return Status::Ok();
  }

  Status ApplyFunctional(Body& b, size_t i, Pending& pend,
                         std::deque<std::pair<std::string, Value>>& work, int depth) {
    NodeDefData& n = (*b.nodes)[i];
    n.attrs.erase("_output_shapes");  // outputs that were handles now hold values
    std::optional<Functional> f = FunctionalOf(pend.original_op);
    if (f) {
      AttrValue& types = n.attrs[f->type_attr];
      for (const auto& [k, v] : pend.args) {
        if (types.kind != AttrValue::Kind::kList || static_cast<size_t>(k) >= types.list.type.size()) {
          return InvalidArgument("node " + Quoted(n.name) + " has no attr " + f->type_attr +
                                 " entry for input " + std::to_string(k + f->first_input));
        }
        types.list.type[k] = v.dtype;
      }
    }
    std::map<int, Value> outs;
    for (const auto& [attr, names] : pend.original) {
      std::vector<std::string> renamed;
      for (const std::string& name : names) {
        std::map<int, Value> o;
        TFM_ASSIGN_OR_RETURN(std::string copy, ConvertFunction(name, pend.args, &o, depth + 1));
        renamed.push_back(copy);
        if (attr != "cond") outs.insert(o.begin(), o.end());
      }
      if (attr == "op") {
        n.op = renamed[0];
        continue;
      }
      AttrValue& a = n.attrs[attr];
      if (a.kind == AttrValue::Kind::kFunc) {
        a.func.name = renamed[0];
      } else {
        for (size_t k = 0; k < a.list.func.size() && k < renamed.size(); ++k) {
          a.list.func[k].name = renamed[k];
        }
      }
    }
    const Functional::Kind kind = f ? f->kind : Functional::kCall;
    if (kind == Functional::kBranch && !outs.empty()) {
      return Unimplemented("node " + Quoted(n.name) + " (" + pend.original_op +
                           ") returns a variable handle from a branch; it cannot be frozen");
    }
    if (kind == Functional::kWhile) {
      for (const auto& [k, v] : outs) {
        if (!pend.args.count(k)) {
          return Unimplemented("While " + Quoted(n.name) + " returns a variable handle in loop "
                               "variable " + std::to_string(k) + " that did not hold one");
        }
      }
      AttrValue& shapes = n.attrs["output_shapes"];
      for (const auto& [k, v] : pend.args) {
        if (static_cast<size_t>(k) < shapes.list.shape.size()) shapes.list.shape[k] = v.shape;
      }
      if (shapes.kind == AttrValue::Kind::kNone) n.attrs.erase("output_shapes");
    }
    for (const auto& [k, v] : outs) {
      if (kind == Functional::kCall && f) {
        AttrValue& tout = n.attrs["Tout"];
        if (static_cast<size_t>(k) < tout.list.type.size()) tout.list.type[k] = v.dtype;
      }
      std::string arg = "output";
      int index = k;
      if (!f) {  // a direct call: outputs are named by the callee's output args
        arg = g_.functions[functions_.at(n.op)].output_args[k].name;
        index = 0;
      }
      work.push_back({OutputRef(b, n.name, arg, index, k), v});
    }
    return Status::Ok();
  }

  // A copy of function `name` whose inputs `args` take values instead of handles; `outs` gets
  // the outputs that then return values instead of handles.
  Result<std::string> ConvertFunction(const std::string& name, const std::map<int, Value>& args,
                                      std::map<int, Value>* outs, int depth) {
    if (depth > 32) {
      return InvalidArgument("functions nest more than 32 deep at " + Quoted(name) +
                             " (a recursive function?)");
    }
    std::string key = name;
    for (const auto& [k, v] : args) {
      key += "|" + std::to_string(k) + ":" + std::to_string(static_cast<int>(v.dtype));
    }
    if (auto m = memo_.find(key); m != memo_.end()) {
      *outs = m->second.outs;
      return m->second.name;
    }
    auto it = functions_.find(name);
    if (it == functions_.end()) return NotFound("function " + Quoted(name) + " is not in the library");
    FunctionDefData copy = g_.functions[it->second];
    for (int k = 0;; ++k) {
      copy.name = name + "_frozen_" + std::to_string(k);
      if (!functions_.count(copy.name)) break;
    }
    std::map<std::string, Value> sources;
    for (const auto& [k, v] : args) {
      if (static_cast<size_t>(k) >= copy.input_args.size()) {
        return InvalidArgument("function " + Quoted(name) + " has no input " + std::to_string(k));
      }
      ArgDefData& a = copy.input_args[k];
      a.type = v.dtype;
      a.type_attr.clear();
      if (auto aa = copy.arg_attrs.find(k); aa != copy.arg_attrs.end()) {
        for (const char* attr : {"_handle_dtypes", "_handle_shapes", "_output_shapes"}) {
          aa->second.erase(attr);
        }
      }
      if (auto s = copy.attrs.find("_input_shapes");
          s != copy.attrs.end() && static_cast<size_t>(k) < s->second.list.shape.size()) {
        s->second.list.shape[k] = PartialShape::Unknown();
      }
      sources[a.name] = v;
    }
    Body body{&copy.nodes, &copy, "function " + Quoted(name)};
    std::map<std::string, Value> converted;
    TFM_RETURN_IF_ERROR(ConvertBody(body, sources, &converted, depth));
    Memo memo{copy.name, {}};
    for (size_t k = 0; k < copy.output_args.size(); ++k) {
      auto ret = copy.ret.find(copy.output_args[k].name);
      if (ret == copy.ret.end()) continue;
      auto c = Canonical(body, ret->second);
      auto v = c ? converted.find(*c) : converted.end();
      if (v == converted.end()) continue;
      copy.output_args[k].type = v->second.dtype;
      copy.output_args[k].type_attr.clear();
      memo.outs[static_cast<int>(k)] = v->second;
    }
    functions_[copy.name] = g_.functions.size();
    copies_.push_back(copy.name);
    g_.functions.push_back(std::move(copy));
    *outs = memo.outs;
    memo_[key] = memo;
    return memo.name;
  }

  struct Memo {
    std::string name;
    std::map<int, Value> outs;
  };

  GraphDefData& g_;
  std::unordered_map<std::string, size_t> functions_;
  std::unordered_map<std::string, Memo> memo_;
};

}  // namespace

Result<std::vector<std::string>> ConvertVariablesToConstants(
    GraphDefData& graph, const std::map<std::string, Tensor>& values) {
  Converter c(graph);
  TFM_RETURN_IF_ERROR(c.ConvertGraph(values));
  return c.copies_;
}

}  // namespace tfmodel
