// Freezing (spec 5.1): the subgraph the outputs need, variables replaced by Consts of their
// values in a session, resource reads turned into Identities.
#include <set>

#include "src/api/session_impl.h"
#include "src/formats/graph_io.h"
#include "tfmodel/train.h"

namespace tfmodel {
namespace {

bool IsVariableOp(const std::string& op) {
  return op == "VariableV2" || op == "Variable" || op == "VarHandleOp";
}

std::string AttrString(const Node& n, const char* name) {
  auto it = n.attrs.find(name);
  return it != n.attrs.end() && it->second.kind == AttrValue::Kind::kString ? it->second.s : "";
}

}  // namespace

Result<GraphDefData> FreezeToGraphDef(Session& session, const std::vector<std::string>& output_node_names) {
  TFM_ASSIGN_OR_RETURN(GraphSession * gs, session.impl()->Sync());
  const GraphIR& ir = session.graph().state()->ir();
  // extract_sub_graph: every node the outputs reach through data and control inputs.
  std::vector<char> keep(ir.num_nodes(), 0);
  std::vector<int> stack;
  for (const std::string& name : output_node_names) {
    auto parsed = ParseTensorName(name);
    int id = parsed.ok() ? ir.Find(parsed->first) : -1;
    if (id < 0) return NotFound("freeze: output node '" + name + "' is not in the graph");
    stack.push_back(id);
  }
  while (!stack.empty()) {
    int id = stack.back();
    stack.pop_back();
    if (keep[id]) continue;
    keep[id] = 1;
    for (const TensorRef& in : ir.node(id).inputs) stack.push_back(in.node);
    for (int c : ir.node(id).control_inputs) stack.push_back(c);
  }
  GraphDefData full = ir.ToGraphDef();
  GraphDefData out;
  std::set<std::string> resource_vars;  // converted VarHandleOps
  for (int id = 0; id < ir.num_nodes(); ++id) {
    if (!keep[id]) continue;
    const Node& n = ir.node(id);
    NodeDefData d = full.nodes[id];
    if (IsVariableOp(n.op)) {
      std::string shared = AttrString(n, "shared_name");
      const std::string key = AttrString(n, "container") + "/" + (shared.empty() ? n.name : shared);
      auto var = gs->resources().Lookup(key);
      Result<Tensor> value = var ? var->Read() : Result<Tensor>(FailedPrecondition("never created"));
      if (!value.ok()) {
        return FailedPrecondition("freeze: variable '" + n.name + "' has no value in the session (" +
                                  value.status().message() + "); initialise or restore it first");
      }
      AttrValue dtype;
      dtype.kind = AttrValue::Kind::kType;
      dtype.type = value->dtype();
      AttrValue tensor;
      tensor.kind = AttrValue::Kind::kTensor;
      tensor.tensor = *value;
      d.op = "Const";
      d.inputs.clear();
      d.attrs = {{"dtype", dtype}, {"value", tensor}};
      if (n.op == "VarHandleOp") resource_vars.insert(n.name);
    }
    out.nodes.push_back(std::move(d));
  }
  // Readers of converted resource variables: ReadVariableOp -> Identity(T = dtype), and
  // Identity-like forwarders of the handle get the value's dtype.
  std::map<std::string, DataType> value_type;
  for (const NodeDefData& d : out.nodes) {
    if (resource_vars.count(d.name)) value_type[d.name] = d.attrs.at("dtype").type;
  }
  for (NodeDefData& d : out.nodes) {
    if (d.inputs.empty()) continue;
    auto parsed = ParseTensorName(d.inputs[0]);
    if (!parsed.ok() || !value_type.count(parsed->first)) continue;
    const DataType t = value_type[parsed->first];
    if (d.op == "ReadVariableOp") {
      d.op = "Identity";
      d.attrs.erase("dtype");
      AttrValue tv;
      tv.kind = AttrValue::Kind::kType;
      tv.type = t;
      d.attrs["T"] = tv;
      value_type[d.name] = t;
    } else if (d.op == "Identity") {
      d.attrs["T"].kind = AttrValue::Kind::kType;
      d.attrs["T"].type = t;
      d.attrs.erase("_output_shapes");
      value_type[d.name] = t;
    }
  }
  // TensorFlow's v1 freezing clears the versions; so do we (producer 0).
  return out;
}

Status FreezeGraph(Session& session, const std::vector<std::string>& output_node_names,
                   const std::string& path) {
  TFM_ASSIGN_OR_RETURN(GraphDefData def, FreezeToGraphDef(session, output_node_names));
  const bool text = path.ends_with(".pbtxt") || path.ends_with(".pbtext");
  return WriteGraphDef(path, def, text).WithContext("writing the frozen graph");
}

}  // namespace tfmodel
