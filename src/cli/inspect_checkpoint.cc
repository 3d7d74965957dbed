// `tfmodel inspect-checkpoint` and `tfmodel verify-checkpoint`.
//
// Text output follows TensorFlow's inspect_checkpoint tool: without --tensor/--all one line per
// tensor, "name (DT_FLOAT) [2,3]"; with values, "tensor_name:  name" then the values.
// Object-based (TF2) checkpoints add each tensor's object: "... object=<path>
// full_name=<name>" (slot variables also "slot=<name> variable=<path>"), and --tensor takes an
// object path as well as a key.
#include <tfmodel/checkpoint.h>
#include <tfmodel/object_checkpoint.h>

#include <cstdio>
#include <map>

#include "src/cli/commands.h"
#include "src/cli/json_out.h"

namespace tfmodel::cli {
namespace {

constexpr int64_t kSummaryElements = 1000;  // numpy's default print threshold

Result<std::unique_ptr<CheckpointReader>> OpenAndSay(const std::string& path) {
  auto reader = CheckpointReader::Open(path);
  if (reader.ok() && !(*reader)->resolution().empty()) {
    std::fprintf(stderr, "tfmodel: reading %s\n", (*reader)->resolution().c_str());
  }
  return reader;
}

std::string JsonText(const std::string& s) {
  return IsValidUtf8(s) ? JsonString(s) : "{\"b64\": \"" + Base64(s) + "\"}";
}

// What an object-based checkpoint says about a key, in text or JSON.
struct ObjectInfo {
  std::map<std::string, const ObjectTensor*> by_key;
  std::vector<std::string> paths;  // of the object graph's nodes
  size_t num_nodes = 0;
};

std::string ObjectText(const ObjectInfo& o, const std::string& key, bool json) {
  if (key == kObjectGraphKey) {
    const std::string n = std::to_string(o.num_nodes);
    return json ? ", \"object_graph_nodes\": " + n : " object_graph=" + n + " nodes";
  }
  auto it = o.by_key.find(key);
  if (it == o.by_key.end()) return "";
  const ObjectTensor& t = *it->second;
  const std::string variable =
      t.original_variable_node_id >= 0 ? o.paths[t.original_variable_node_id] : "";
  if (json) {
    std::string s = ", \"object_path\": " + JsonText(t.object_path) +
                    ", \"full_name\": " + JsonText(t.full_name);
    if (!t.slot_name.empty()) {
      s += ", \"slot\": " + JsonText(t.slot_name) + ", \"slot_of\": " + JsonText(variable);
    }
    return s;
  }
  std::string s = " object=" + t.object_path;
  if (!t.full_name.empty()) s += " full_name=" + t.full_name;
  if (!t.slot_name.empty()) s += " slot=" + t.slot_name + " variable=" + variable;
  return s;
}

}  // namespace

int InspectCheckpoint(const InspectOptions& o, std::FILE* out) {
  auto reader_or = OpenAndSay(o.path);
  if (!reader_or.ok()) return Fail(reader_or.status());
  std::shared_ptr<const CheckpointReader> shared(std::move(reader_or).value());
  const CheckpointReader& reader = *shared;
  // An object-based checkpoint whose object graph does not read is reported, not listed
  // without its objects.
  ObjectInfo objects;
  std::unique_ptr<ObjectCheckpoint> object_ckpt;
  if (IsObjectBasedCheckpoint(reader)) {
    auto c = ObjectCheckpoint::FromReader(shared);
    if (!c.ok()) return Fail(c.status());
    object_ckpt = std::move(c).value();
    for (const ObjectTensor& t : object_ckpt->tensors()) objects.by_key[t.checkpoint_key] = &t;
    objects.paths = object_ckpt->graph().NodePaths();
    objects.num_nodes = object_ckpt->graph().nodes().size();
  }

  std::vector<const TensorInfo*> selected;
  if (!o.tensor.empty()) {
    const TensorInfo* info = reader.Find(o.tensor);
    if (info == nullptr && object_ckpt != nullptr) {
      const ObjectTensor* t = object_ckpt->Find(o.tensor);
      if (t != nullptr) info = reader.Find(t->checkpoint_key);
    }
    if (info == nullptr) {
      return Fail(NotFound("tensor \"" + o.tensor + "\" is not in checkpoint " + reader.prefix() +
                           " (" + std::to_string(reader.tensors().size()) + " tensors; run without "
                           "--tensor to list them)"));
    }
    selected.push_back(info);
  } else {
    for (const TensorInfo& t : reader.tensors()) selected.push_back(&t);
  }
  const bool with_values = o.all || !o.tensor.empty();

  std::string text;
  if (o.json) text = "{\"tensors\": [";
  bool first = true;
  for (const TensorInfo* info : selected) {
    Tensor value;
    if (with_values) {
      auto v = reader.Read(info->name);
      if (!v.ok()) return Fail(v.status());
      value = std::move(v).value();
    }
    if (o.json) {
      if (!first) text += ", ";
      text += "{\"name\": " + JsonText(info->name);
      text += ", \"dtype\": \"" + std::string(DataTypeName(info->dtype)) + "\"";
      text += ", \"shape\": " + JsonShape(info->shape);
      text += ObjectText(objects, info->name, true);
      if (with_values) text += ", \"values\": " + JsonValues(value);
      text += "}";
    } else if (with_values) {
      text += "tensor_name:  " + info->name + ObjectText(objects, info->name, false) + "\n";
      text += value.DebugString(o.all ? value.NumElements() + 1 : kSummaryElements) + "\n";
    } else {
      text += info->name + " (" + DataTypeEnumName(info->dtype) + ") " +
              info->shape.DebugString() + ObjectText(objects, info->name, false) + "\n";
    }
    first = false;
  }
  if (o.json) text += "]}\n";
  std::fputs(text.c_str(), out);
  return 0;
}

int VerifyCheckpoint(const std::string& path, std::FILE* out) {
  auto reader_or = OpenAndSay(path);
  if (!reader_or.ok()) return Fail(reader_or.status());
  const CheckpointReader& reader = **reader_or;
  std::vector<CheckpointReader::Problem> problems = reader.Verify();
  for (const auto& p : problems) {
    std::fprintf(out, "CORRUPT tensor \"%s\" in %s at offset %llu: %s\n", p.tensor.c_str(),
                 p.file.c_str(), static_cast<unsigned long long>(p.offset), p.message.c_str());
  }
  if (!problems.empty()) {
    std::fprintf(stderr, "tfmodel: %zu of %zu tensors in %s are corrupt\n", problems.size(),
                 reader.tensors().size(), reader.prefix().c_str());
    return 1;
  }
  std::fprintf(out, "OK: %zu tensors in %s (%d data shard%s) verified\n", reader.tensors().size(),
               reader.prefix().c_str(), reader.num_shards(), reader.num_shards() == 1 ? "" : "s");
  return 0;
}

}  // namespace tfmodel::cli
