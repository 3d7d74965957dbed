// ObjectGraph: TrackableObjectGraph (trackable_object_graph.proto, spec 4.7) <-> plain structs,
// TensorFlow's object paths (breadth first over named children) and the builders.
#include <deque>
#include <map>
#include <limits>
#include <utility>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "tfmodel/object_checkpoint.h"
#include "trackable_object_graph.pb.h"

namespace tfmodel {
namespace {

constexpr std::string_view kAttributesName = ".ATTRIBUTES";
constexpr std::string_view kOptimizerSlotsName = ".OPTIMIZER_SLOT";

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// One escaped path component back to its local name; nullopt if it is not a valid escape
// (e.g. ".ATTRIBUTES", which no escaped name can be).
std::optional<std::string> UnescapeLocalName(std::string_view escaped) {
  std::string out;
  for (size_t i = 0; i < escaped.size(); ++i) {
    if (escaped[i] != '.') {
      out.push_back(escaped[i]);
      continue;
    }
    if (i + 1 == escaped.size()) return std::nullopt;
    const char next = escaped[++i];
    if (next == '.') {
      out.push_back('.');
    } else if (next == 'S') {
      out.push_back('/');
    } else {
      return std::nullopt;
    }
  }
  return out;
}

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  if (path.empty()) return parts;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    parts.push_back(path.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

TrackableObject FromProto(const tensorflow::TrackableObjectGraph::TrackableObject& p) {
  TrackableObject o;
  for (const auto& c : p.children()) o.children.push_back({c.node_id(), c.local_name()});
  for (const auto& a : p.attributes()) {
    o.attributes.push_back({a.name(), a.full_name(), a.checkpoint_key()});
  }
  for (const auto& s : p.slot_variables()) {
    o.slot_variables.push_back(
        {s.original_variable_node_id(), s.slot_name(), s.slot_variable_node_id()});
  }
  if (p.has_registered_saver()) {
    o.registered_saver = p.registered_saver().name();
    o.registered_saver_object_name = p.registered_saver().object_name();
  }
  if (p.has_has_checkpoint_values()) o.has_checkpoint_values = p.has_checkpoint_values().value();
  return o;
}

void ToProto(const TrackableObject& o, tensorflow::TrackableObjectGraph::TrackableObject* p) {
  for (const auto& c : o.children) {
    auto* r = p->add_children();
    r->set_node_id(c.node_id);
    r->set_local_name(c.local_name);
  }
  for (const auto& a : o.attributes) {
    auto* t = p->add_attributes();
    t->set_name(a.name);
    t->set_full_name(a.full_name);
    t->set_checkpoint_key(a.checkpoint_key);
  }
  for (const auto& s : o.slot_variables) {
    auto* r = p->add_slot_variables();
    r->set_original_variable_node_id(s.original_variable_node_id);
    r->set_slot_name(s.slot_name);
    r->set_slot_variable_node_id(s.slot_variable_node_id);
  }
  if (!o.registered_saver.empty() || !o.registered_saver_object_name.empty()) {
    p->mutable_registered_saver()->set_name(o.registered_saver);
    p->mutable_registered_saver()->set_object_name(o.registered_saver_object_name);
  }
  if (o.has_checkpoint_values.has_value()) {
    p->mutable_has_checkpoint_values()->set_value(*o.has_checkpoint_values);
  }
}

// TensorFlow's naming walk: breadth first from the root over children in order (the first
// path found wins), then every reached optimizer's slot variables of reached variables.
// Calls on_child(parent, child, escaped local name) and on_slot(optimizer, variable, slot,
// slot name) once per named node, parents before children. Out-of-range ids are skipped.
template <typename OnChild, typename OnSlot>
void TraversePaths(const std::vector<TrackableObject>& nodes, OnChild on_child, OnSlot on_slot) {
  const size_t n = nodes.size();
  if (n == 0) return;
  std::vector<char> seen(n, 0);
  std::deque<int> queue = {0};
  seen[0] = 1;
  auto valid = [n](int id) { return id >= 0 && static_cast<size_t>(id) < n; };
  while (!queue.empty()) {
    const int id = queue.front();
    queue.pop_front();
    for (const auto& c : nodes[id].children) {
      if (!valid(c.node_id) || seen[c.node_id]) continue;
      seen[c.node_id] = 1;
      on_child(id, c.node_id, EscapeLocalName(c.local_name));
      queue.push_back(c.node_id);
    }
  }
  for (size_t opt = 0; opt < n; ++opt) {
    if (!seen[opt]) continue;
    for (const auto& s : nodes[opt].slot_variables) {
      const int var = s.original_variable_node_id, slot = s.slot_variable_node_id;
      if (!valid(var) || !seen[var] || !valid(slot) || seen[slot]) continue;
      seen[slot] = 1;
      on_slot(static_cast<int>(opt), var, slot, s.slot_name);
    }
  }
}

Status CheckNodeIds(const std::vector<TrackableObject>& nodes) {
  const int n = static_cast<int>(nodes.size());
  auto in_range = [n](int id) { return id >= 0 && id < n; };
  for (int id = 0; id < n; ++id) {
    const TrackableObject& o = nodes[id];
    for (const auto& c : o.children) {
      if (!in_range(c.node_id)) {
        return DataLoss("object graph node " + std::to_string(id) + ": child " +
                        Quoted(c.local_name) + " refers to node " + std::to_string(c.node_id) +
                        " of " + std::to_string(n));
      }
    }
    for (const auto& s : o.slot_variables) {
      if (!in_range(s.original_variable_node_id) || !in_range(s.slot_variable_node_id)) {
        return DataLoss("object graph node " + std::to_string(id) + ": slot variable " +
                        Quoted(s.slot_name) + " refers to nodes " +
                        std::to_string(s.original_variable_node_id) + " and " +
                        std::to_string(s.slot_variable_node_id) + " of " + std::to_string(n));
      }
    }
  }
  return Status::Ok();
}

Status CheckUniqueKeys(const std::vector<TrackableObject>& nodes) {
  std::map<std::string_view, size_t> owner;
  for (size_t id = 0; id < nodes.size(); ++id) {
    for (const auto& a : nodes[id].attributes) {
      if (a.checkpoint_key.empty()) continue;
      auto [it, inserted] = owner.emplace(a.checkpoint_key, id);
      if (!inserted) {
        return DataLoss("object graph nodes " + std::to_string(it->second) + " and " +
                        std::to_string(id) + " both name checkpoint key " +
                        Quoted(a.checkpoint_key));
      }
    }
  }
  return Status::Ok();
}

// Object paths are built from a few bytes per node, but a deep chain makes them quadratic in
// the graph's size: a corrupt or hostile graph of a few MB must not cost gigabytes.
Status CheckPathBytes(const std::vector<TrackableObject>& nodes) {
  constexpr size_t kMaxTotalPathBytes = size_t{256} << 20;
  std::vector<size_t> length(nodes.size(), 0);
  size_t total = 0;
  TraversePaths(
      nodes,
      [&](int parent, int child, const std::string& escaped) {
        length[child] = (length[parent] ? length[parent] + 1 : 0) + escaped.size();
        total += length[child];
      },
      [&](int opt, int var, int slot, const std::string& slot_name) {
        length[slot] =
            length[var] + length[opt] + slot_name.size() + kOptimizerSlotsName.size() + 3;
        total += length[slot];
      });
  if (total > kMaxTotalPathBytes) {
    return ResourceExhausted("the object graph's " + std::to_string(nodes.size()) +
                             " nodes have object paths totalling " + std::to_string(total) +
                             " bytes, over the limit of " + std::to_string(kMaxTotalPathBytes));
  }
  return Status::Ok();
}

}  // namespace

std::string EscapeLocalName(std::string_view local_name) {
  std::string out;
  out.reserve(local_name.size());
  for (char c : local_name) {
    if (c == '.') {
      out += "..";
    } else if (c == '/') {
      out += ".S";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string ObjectAttributeKey(std::string_view object_path, std::string_view attribute) {
  return std::string(object_path) + "/" + std::string(kAttributesName) + "/" +
         EscapeLocalName(attribute);
}

std::string SlotVariablePath(std::string_view variable_path, std::string_view optimizer_path,
                             std::string_view slot_name) {
  return std::string(variable_path) + "/" + std::string(kOptimizerSlotsName) + "/" +
         std::string(optimizer_path) + "/" + EscapeLocalName(slot_name);
}

ObjectGraph::ObjectGraph() : nodes_(1) {}

Result<ObjectGraph> ObjectGraph::Parse(std::string_view bytes, std::string_view name_for_errors) {
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return DataLoss(std::string(name_for_errors) + " is " + std::to_string(bytes.size()) +
                    " bytes, over protobuf's 2 GiB limit");
  }
  tensorflow::TrackableObjectGraph proto;
  if (!proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return DataLoss(std::string(name_for_errors) + " is not a valid TrackableObjectGraph (" +
                    std::to_string(bytes.size()) + " bytes that do not parse)");
  }
  ObjectGraph g;
  g.nodes_.clear();
  g.nodes_.reserve(proto.nodes_size());
  for (const auto& n : proto.nodes()) g.nodes_.push_back(FromProto(n));
  Status s = g.Validate();
  if (!s.ok()) return s.WithContext(name_for_errors);
  return g;
}

std::string ObjectGraph::Serialize() const {
  tensorflow::TrackableObjectGraph proto;
  for (const TrackableObject& o : nodes_) ToProto(o, proto.add_nodes());
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  proto.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

Status ObjectGraph::Validate() const {
  if (nodes_.empty()) return DataLoss("the object graph has no nodes (not even the root)");
  TFM_RETURN_IF_ERROR(CheckNodeIds(nodes_));
  TFM_RETURN_IF_ERROR(CheckUniqueKeys(nodes_));
  return CheckPathBytes(nodes_);
}

std::vector<std::string> ObjectGraph::NodePaths() const {
  std::vector<std::string> paths(nodes_.size());
  TraversePaths(
      nodes_,
      [&](int parent, int child, const std::string& escaped) {
        paths[child] = paths[parent].empty() ? escaped : paths[parent] + "/" + escaped;
      },
      [&](int opt, int var, int slot, const std::string& slot_name) {
        paths[slot] = SlotVariablePath(paths[var], paths[opt], slot_name);
      });
  return paths;
}

int ObjectGraph::FindNode(std::string_view path) const {
  int id = 0;
  for (std::string_view part : SplitPath(path)) {
    int next = -1;
    for (const auto& c : nodes_[id].children) {
      if (EscapeLocalName(c.local_name) == part) {
        next = c.node_id;
        break;
      }
    }
    if (next < 0 || static_cast<size_t>(next) >= nodes_.size()) return -1;
    id = next;
  }
  return id;
}

Result<int> ObjectGraph::AddPath(std::string_view path) {
  int id = 0;
  for (std::string_view part : SplitPath(path)) {
    std::optional<std::string> local = UnescapeLocalName(part);
    if (part.empty() || !local.has_value()) {
      return InvalidArgument("object path " + Quoted(path) + ": " + Quoted(part) +
                             " is not an escaped local name (\".\" is written \"..\", \"/\" "
                             "inside a name \".S\")");
    }
    int next = -1;
    for (const auto& c : nodes_[id].children) {
      if (c.local_name == *local) {
        next = c.node_id;
        break;
      }
    }
    if (next >= static_cast<int>(nodes_.size())) {
      return DataLoss("object path " + Quoted(path) + ": child " + Quoted(part) +
                      " refers to a node past the end of the graph");
    }
    if (next < 0) {
      next = static_cast<int>(nodes_.size());
      nodes_[id].children.push_back({next, *local});
      nodes_.emplace_back();
    }
    id = next;
  }
  return id;
}

Result<std::string> ObjectGraph::AddVariable(std::string_view path, std::string_view full_name) {
  if (path.empty()) return InvalidArgument("a variable cannot be the root object (empty path)");
  TFM_ASSIGN_OR_RETURN(int id, AddPath(path));
  for (const auto& a : nodes_[id].attributes) {
    if (a.name == kVariableValueAttribute) {
      return AlreadyExists("object " + Quoted(path) + " already has a variable value");
    }
  }
  std::string key = ObjectAttributeKey(path);
  nodes_[id].attributes.push_back({kVariableValueAttribute, std::string(full_name), key});
  return key;
}

Result<std::string> ObjectGraph::AddSlotVariable(std::string_view optimizer_path,
                                                 std::string_view variable_path,
                                                 std::string_view slot_name,
                                                 std::string_view full_name) {
  if (optimizer_path.empty() || variable_path.empty() || slot_name.empty()) {
    return InvalidArgument("a slot variable needs an optimizer path, a variable path and a name");
  }
  TFM_ASSIGN_OR_RETURN(int opt, AddPath(optimizer_path));
  TFM_ASSIGN_OR_RETURN(int var, AddPath(variable_path));
  for (const auto& s : nodes_[opt].slot_variables) {
    if (s.original_variable_node_id == var && s.slot_name == slot_name) {
      return AlreadyExists("optimizer " + Quoted(optimizer_path) + " already has slot " +
                           Quoted(slot_name) + " for " + Quoted(variable_path));
    }
  }
  const int slot = static_cast<int>(nodes_.size());
  std::string key =
      ObjectAttributeKey(SlotVariablePath(variable_path, optimizer_path, slot_name));
  TrackableObject node;
  node.attributes.push_back({kVariableValueAttribute, std::string(full_name), key});
  nodes_.push_back(std::move(node));
  nodes_[opt].slot_variables.push_back({var, std::string(slot_name), slot});
  return key;
}

}  // namespace tfmodel
