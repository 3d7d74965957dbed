// Graph import (tf.import_graph_def semantics, spec/tf-formats.md 5.3) and ordering.
#include "src/graph/graph.h"

#include <algorithm>

#include "src/base/strings.h"

namespace tfmodel {

Result<std::pair<std::string, int>> ParseTensorName(std::string_view name) {
  if (name.empty()) return InvalidArgument("empty tensor name");
  if (name[0] == '^') {
    if (name.size() == 1) return InvalidArgument("empty control input name");
    return std::pair<std::string, int>(std::string(name.substr(1)), -1);
  }
  size_t colon = name.rfind(':');
  if (colon == std::string_view::npos) return std::pair<std::string, int>(std::string(name), 0);
  auto index = ParseInt64(name.substr(colon + 1));
  if (!index.ok() || *index < 0 || *index > 1000000 || colon == 0) {
    return InvalidArgument("bad tensor name \"" + CEscape(name) + "\"");
  }
  return std::pair<std::string, int>(std::string(name.substr(0, colon)), static_cast<int>(*index));
}

int GraphIR::Find(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? -1 : it->second;
}

Result<TensorRef> GraphIR::ResolveTensor(std::string_view name) const {
  TFM_ASSIGN_OR_RETURN(auto parsed, ParseTensorName(name));
  int id = Find(parsed.first);
  if (id < 0) return NotFound("the graph has no node named '" + parsed.first + "' (tensor '" + std::string(name) + "')");
  return TensorRef{id, parsed.second};
}

Status GraphIR::Import(const GraphDefData& def, const ImportOptions& options) {
  const std::string prefix = options.prefix.empty() ? "" : options.prefix + "/";
  // Map keys normalised to "node:k" / "^node".
  std::map<std::string, TensorRef> mapped;
  std::map<std::string, bool> used;
  for (const auto& [key, target] : options.input_map) {
    TFM_ASSIGN_OR_RETURN(auto k, ParseTensorName(key));
    TFM_ASSIGN_OR_RETURN(TensorRef ref, ResolveTensor(target));
    std::string norm = k.second < 0 ? "^" + k.first : k.first + ":" + std::to_string(k.second);
    mapped[norm] = ref;
    used[norm] = false;
  }
  const int base = num_nodes();
  for (const NodeDefData& n : def.nodes) {
    std::string name = prefix + n.name;
    if (n.name.empty()) return InvalidArgument("a node has an empty name");
    if (by_name_.count(name)) return InvalidArgument("duplicate node name '" + name + "'");
    by_name_.emplace(name, static_cast<int>(nodes_.size()));
    Node node;
    node.name = std::move(name);
    node.op = n.op;
    node.device = n.device;
    node.attrs = n.attrs;
    nodes_.push_back(std::move(node));
  }
  for (size_t i = 0; i < def.nodes.size(); ++i) {
    const NodeDefData& n = def.nodes[i];
    Node& node = nodes_[base + i];
    bool seen_control = false;
    for (const std::string& input : n.inputs) {
      auto parsed = ParseTensorName(input);
      if (!parsed.ok()) return parsed.status().WithContext("node '" + node.name + "'");
      const bool control = parsed->second < 0;
      std::string norm = control ? "^" + parsed->first : parsed->first + ":" + std::to_string(parsed->second);
      auto m = mapped.find(norm);
      if (m != mapped.end()) {
        used[norm] = true;
        if (control) node.control_inputs.push_back(m->second.node);
        else node.inputs.push_back(m->second);
        continue;
      }
      int src = Find(prefix + parsed->first);
      if (src < 0 || src < base) {
        return InvalidArgument("node '" + node.name + "' has input '" + input +
                               "', which is not a node of the graph");
      }
      if (control) {
        seen_control = true;
        node.control_inputs.push_back(src);
      } else {
        if (seen_control) {
          return InvalidArgument("node '" + node.name + "' has data input '" + input +
                                 "' after a control input");
        }
        node.inputs.push_back(TensorRef{src, parsed->second});
      }
    }
  }
  // Like tf.import_graph_def: a key nothing consumes is fine if its node is in the GraphDef;
  // one naming a node the GraphDef lacks is an error. (An output index past an existing node's
  // outputs is not caught here: the graph does not know op signatures.)
  for (const auto& [key, was_used] : used) {
    if (was_used) continue;
    const std::string node = key[0] == '^' ? key.substr(1) : key.substr(0, key.rfind(':'));
    bool present = false;
    for (const NodeDefData& n : def.nodes) present = present || n.name == node;
    if (!present) {
      return InvalidArgument("input_map key '" + key + "' was not found in the GraphDef (it has no node '" +
                             node + "')");
    }
  }
  for (const FunctionDefData& f : def.functions) functions_.push_back(f);
  producer_ = def.producer;
  return Status::Ok();
}

int GraphIR::AddNode(Node node) {
  const int id = num_nodes();
  by_name_.emplace(node.name, id);
  nodes_.push_back(std::move(node));
  return id;
}

GraphDefData GraphIR::ToGraphDef() const {
  GraphDefData def;
  def.nodes.reserve(nodes_.size());
  for (const Node& n : nodes_) {
    NodeDefData d;
    d.name = n.name;
    d.op = n.op;
    d.device = n.device;
    d.attrs = n.attrs;
    for (const TensorRef& in : n.inputs) {
      const std::string& src = nodes_[in.node].name;
      d.inputs.push_back(in.index == 0 ? src : src + ":" + std::to_string(in.index));
    }
    for (int c : n.control_inputs) d.inputs.push_back("^" + nodes_[c].name);
    def.nodes.push_back(std::move(d));
  }
  def.functions = functions_;
  def.producer = producer_;
  return def;
}

Result<std::vector<int>> GraphIR::TopologicalOrder(
    const std::function<bool(const Node&)>& ignore_out) const {
  const int n = num_nodes();
  std::vector<int> pending(n, 0);
  std::vector<std::vector<int>> consumers(n);
  std::vector<char> ignored(n, 0);
  if (ignore_out) {
    for (int i = 0; i < n; ++i) ignored[i] = ignore_out(nodes_[i]);
  }
  for (int i = 0; i < n; ++i) {
    auto edge = [&](int src) {
      if (ignored[src]) return;
      ++pending[i];
      consumers[src].push_back(i);
    };
    for (const TensorRef& in : nodes_[i].inputs) edge(in.node);
    for (int c : nodes_[i].control_inputs) edge(c);
  }
  std::vector<int> order;
  order.reserve(n);
  for (int i = 0; i < n; ++i) {
    if (pending[i] == 0) order.push_back(i);
  }
  for (size_t k = 0; k < order.size(); ++k) {
    for (int c : consumers[order[k]]) {
      if (--pending[c] == 0) order.push_back(c);
    }
  }
  if (static_cast<int>(order.size()) != n) {
    for (int i = 0; i < n; ++i) {
      if (pending[i] > 0) {
        return InvalidArgument("the graph has a cycle through node '" + nodes_[i].name + "' (op " +
                               nodes_[i].op + ")");
      }
    }
  }
  return order;
}

}  // namespace tfmodel
