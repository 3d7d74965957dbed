// ObjectCheckpoint (reading tf.train.Checkpoint / SavedModel variables by object path) and
// SaveObjectCheckpoint (writing them as tf.train.Checkpoint.write does), spec 4.7.
#include <algorithm>
#include <set>
#include <tuple>
#include <utility>

#include "tfmodel/object_checkpoint.h"

namespace tfmodel {
namespace {

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Every node with a value or whose descendants have one (as TensorFlow marks them on save).
std::vector<char> HasCheckpointValues(const std::vector<TrackableObject>& nodes) {
  const size_t n = nodes.size();
  std::vector<std::vector<int>> parents(n);
  std::vector<int> stack;
  std::vector<char> has(n, 0);
  for (size_t id = 0; id < n; ++id) {
    const TrackableObject& o = nodes[id];
    for (const auto& c : o.children) parents[c.node_id].push_back(static_cast<int>(id));
    if (!o.attributes.empty() || !o.slot_variables.empty() || !o.registered_saver.empty()) {
      has[id] = 1;
      stack.push_back(static_cast<int>(id));
    }
  }
  while (!stack.empty()) {
    const int id = stack.back();
    stack.pop_back();
    for (int p : parents[id]) {
      if (!has[p]) {
        has[p] = 1;
        stack.push_back(p);
      }
    }
  }
  return has;
}

// The object path of a tensor whose node no path reaches: what precedes "/.ATTRIBUTES/" in its
// key (TensorFlow built the key from the path it knew).
std::string PathFromKey(const std::string& key) {
  const size_t at = key.find("/.ATTRIBUTES/");
  return at == std::string::npos ? key : key.substr(0, at);
}

}  // namespace

bool IsObjectBasedCheckpoint(const CheckpointReader& reader) {
  return reader.Find(kObjectGraphKey) != nullptr;
}

Result<std::unique_ptr<ObjectCheckpoint>> ObjectCheckpoint::Open(std::string_view path) {
  TFM_ASSIGN_OR_RETURN(std::unique_ptr<CheckpointReader> reader, CheckpointReader::Open(path));
  return FromReader(std::shared_ptr<const CheckpointReader>(std::move(reader)));
}

Result<std::unique_ptr<ObjectCheckpoint>> ObjectCheckpoint::FromReader(
    std::shared_ptr<const CheckpointReader> reader) {
  const std::string where = "checkpoint " + reader->prefix();
  const TensorInfo* info = reader->Find(kObjectGraphKey);
  if (info == nullptr) {
    return FailedPrecondition(where + " is name-based (a TF1 Saver checkpoint): it has no " +
                              kObjectGraphKey + " tensor; read its tensors by name");
  }
  if (info->dtype != DataType::kString || info->shape.rank() != 0) {
    return DataLoss(where + ": " + kObjectGraphKey + " is " +
                    std::string(DataTypeName(info->dtype)) + info->shape.DebugString() +
                    ", not a scalar string holding a TrackableObjectGraph");
  }
  TFM_ASSIGN_OR_RETURN(Tensor bytes, reader->Read(kObjectGraphKey));
  std::unique_ptr<ObjectCheckpoint> ckpt(new ObjectCheckpoint());
  TFM_ASSIGN_OR_RETURN(ckpt->graph_,
                       ObjectGraph::Parse(bytes.flat<std::string>()[0],
                                          where + ": " + kObjectGraphKey));
  ckpt->reader_ = std::move(reader);

  const std::vector<TrackableObject>& nodes = ckpt->graph_.nodes();
  const std::vector<std::string> paths = ckpt->graph_.NodePaths();
  std::vector<const TrackableObject::SlotVariable*> slot_of(nodes.size(), nullptr);
  std::vector<int> optimizer_of(nodes.size(), -1);
  for (size_t opt = 0; opt < nodes.size(); ++opt) {
    for (const auto& s : nodes[opt].slot_variables) {
      slot_of[s.slot_variable_node_id] = &s;
      optimizer_of[s.slot_variable_node_id] = static_cast<int>(opt);
    }
  }
  std::vector<std::string> missing;
  size_t num_missing = 0;
  for (size_t id = 0; id < nodes.size(); ++id) {
    for (const TrackableObject::Attribute& a : nodes[id].attributes) {
      ObjectTensor t;
      t.object_path = id == 0 || !paths[id].empty() ? paths[id] : PathFromKey(a.checkpoint_key);
      t.attribute = a.name;
      t.checkpoint_key = a.checkpoint_key;
      t.full_name = a.full_name;
      t.node_id = static_cast<int>(id);
      if (slot_of[id] != nullptr) {
        t.original_variable_node_id = slot_of[id]->original_variable_node_id;
        t.optimizer_node_id = optimizer_of[id];
        t.slot_name = slot_of[id]->slot_name;
      }
      const TensorInfo* entry = ckpt->reader_->Find(a.checkpoint_key);
      if (entry == nullptr) {
        if (++num_missing <= 3) {
          missing.push_back(Quoted(a.checkpoint_key) + " (node " + std::to_string(id) +
                            ", object " + Quoted(t.object_path) + ", attribute " + a.name + ")");
        }
        continue;
      }
      t.dtype = entry->dtype;
      t.shape = entry->shape;
      ckpt->tensors_.push_back(std::move(t));
    }
  }
  if (num_missing > 0) {
    std::string list;
    for (const std::string& m : missing) list += (list.empty() ? "" : ", ") + m;
    if (num_missing > missing.size()) {
      list += " and " + std::to_string(num_missing - missing.size()) + " more";
    }
    return NotFound(where + ": its object graph names " + std::to_string(num_missing) +
                    " checkpoint key(s) the bundle does not have: " + list);
  }
  std::sort(ckpt->tensors_.begin(), ckpt->tensors_.end(),
            [](const ObjectTensor& a, const ObjectTensor& b) {
              return std::tie(a.object_path, a.attribute) < std::tie(b.object_path, b.attribute);
            });
  ckpt->BuildLookup();
  return ckpt;
}

const ObjectTensor* ObjectCheckpoint::Find(std::string_view path_or_key) const {
  auto it = lookup_.find(path_or_key);
  return it == lookup_.end() ? nullptr : &tensors_[it->second];
}

void ObjectCheckpoint::BuildLookup() {
  const std::vector<ObjectTensor>& ts = tensors_;
  for (size_t i = 0; i < ts.size(); ++i) lookup_.emplace(ts[i].checkpoint_key, i);
  for (size_t i = 0; i < ts.size(); ++i) {
    lookup_.emplace(ObjectAttributeKey(ts[i].object_path, ts[i].attribute), i);
  }
  // A bare path names its VARIABLE_VALUE, else its only attribute (tensors_ is sorted by path).
  for (size_t i = 0; i < ts.size();) {
    size_t end = i, value = ts.size();
    while (end < ts.size() && ts[end].object_path == ts[i].object_path) {
      if (ts[end].attribute == kVariableValueAttribute) value = end;
      ++end;
    }
    if (value == ts.size() && end - i == 1) value = i;
    if (value < ts.size()) lookup_.emplace(ts[i].object_path, value);
    i = end;
  }
}

Result<Tensor> ObjectCheckpoint::Read(std::string_view path_or_key) const {
  const ObjectTensor* t = Find(path_or_key);
  if (t == nullptr) {
    std::string some;
    for (size_t i = 0; i < tensors_.size() && i < 5; ++i) {
      some += (i ? ", " : "") + Quoted(tensors_[i].object_path);
    }
    return NotFound("no object path or checkpoint key " + Quoted(path_or_key) +
                    " in the object graph of checkpoint " + reader_->prefix() + " (" +
                    std::to_string(tensors_.size()) + " tensors" +
                    (some.empty() ? "" : ", e.g. " + some) + ")");
  }
  return reader_->Read(t->checkpoint_key);
}

Status SaveObjectCheckpoint(std::string_view prefix, const ObjectGraph& graph_in,
                            const std::map<std::string, Tensor>& values,
                            CheckpointWriterOptions options) {
  TFM_RETURN_IF_ERROR(graph_in.Validate());
  ObjectGraph graph = graph_in;
  std::vector<TrackableObject>& nodes = graph.mutable_nodes();
  const std::vector<std::string> paths = graph.NodePaths();
  std::set<std::string> used_values;
  std::set<std::string> keys;
  std::vector<SaveEntry> entries;
  for (size_t id = 0; id < nodes.size(); ++id) {
    const bool has_path = id == 0 || !paths[id].empty();
    for (TrackableObject::Attribute& a : nodes[id].attributes) {
      if (a.checkpoint_key.empty()) {
        if (!has_path) {
          return InvalidArgument("object graph node " + std::to_string(id) +
                                 " is not reachable from the root, so its attribute " + a.name +
                                 " needs an explicit checkpoint key");
        }
        a.checkpoint_key = ObjectAttributeKey(paths[id], a.name);
      }
      if (a.checkpoint_key == kObjectGraphKey || !keys.insert(a.checkpoint_key).second) {
        return InvalidArgument("checkpoint key " + Quoted(a.checkpoint_key) +
                               " is used twice (or is reserved) in the object graph");
      }
      std::vector<std::string> candidates = {a.checkpoint_key};
      if (has_path) {
        candidates.push_back(ObjectAttributeKey(paths[id], a.name));
        if (a.name == kVariableValueAttribute) candidates.push_back(paths[id]);
      }
      auto found = values.end();
      for (const std::string& c : candidates) {
        if ((found = values.find(c)) != values.end()) break;
      }
      if (found == values.end()) {
        return InvalidArgument("no value for object " + Quoted(has_path ? paths[id] : "?") +
                               " (attribute " + a.name + ", checkpoint key " +
                               Quoted(a.checkpoint_key) + ")");
      }
      if (!used_values.insert(found->first).second) {
        return InvalidArgument("the value for " + Quoted(found->first) +
                               " matches two attributes of the object graph");
      }
      entries.push_back({a.checkpoint_key, found->second, std::nullopt});
    }
  }
  for (const auto& [name, value] : values) {
    if (!used_values.count(name)) {
      return InvalidArgument("the value for " + Quoted(name) +
                             " is not an attribute of any object in the graph (give object "
                             "paths like \"model/layer/kernel\" or checkpoint keys)");
    }
  }
  const std::vector<char> has = HasCheckpointValues(nodes);
  for (size_t id = 0; id < nodes.size(); ++id) nodes[id].has_checkpoint_values = has[id] != 0;
  // TensorFlow appends the object graph after the values.
  TFM_ASSIGN_OR_RETURN(Tensor serialized, Tensor::Allocate(DataType::kString, Shape{}));
  serialized.flat<std::string>()[0] = graph.Serialize();
  entries.push_back({kObjectGraphKey, std::move(serialized), std::nullopt});
  Status s = SaveCheckpoint(prefix, entries, 1, options);
  return s.ok() ? s : s.WithContext("writing object-based checkpoint " + std::string(prefix));
}

Status SaveUpdatedObjectCheckpoint(std::string_view prefix, const ObjectCheckpoint& base,
                                   const std::map<std::string, Tensor>& updates,
                                   CheckpointWriterOptions options) {
  std::map<std::string, Tensor> values;  // by checkpoint key
  for (const auto& [name, value] : updates) {
    const ObjectTensor* t = base.Find(name);
    if (t == nullptr) return base.Read(name).status();  // NotFound, listing some paths
    if (value.dtype() != t->dtype || value.shape() != t->shape) {
      return InvalidArgument(
          "new value for object " + Quoted(t->object_path) + " (checkpoint key " +
          Quoted(t->checkpoint_key) + ") is " + std::string(DataTypeName(value.dtype())) +
          value.shape().DebugString() + ", but checkpoint " + base.reader().prefix() +
          " holds " + std::string(DataTypeName(t->dtype)) + t->shape.DebugString());
    }
    if (!values.emplace(t->checkpoint_key, value).second) {
      return InvalidArgument("two updates name object " + Quoted(t->object_path));
    }
  }
  for (const ObjectTensor& t : base.tensors()) {
    if (values.count(t.checkpoint_key)) continue;
    Result<Tensor> v = base.reader().Read(t.checkpoint_key);
    if (!v.ok()) return v.status();
    values.emplace(t.checkpoint_key, std::move(v).value());
  }
  return SaveObjectCheckpoint(prefix, base.graph(), values, options);
}

}  // namespace tfmodel
