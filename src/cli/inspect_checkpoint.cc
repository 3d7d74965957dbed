// `tfmodel inspect-checkpoint` and `tfmodel verify-checkpoint`.
//
// Text output follows TensorFlow's inspect_checkpoint tool: without --tensor/--all one line per
// tensor, "name (DT_FLOAT) [2,3]"; with values, "tensor_name:  name" then the values.
#include <tfmodel/checkpoint.h>

#include <cstdio>

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

}  // namespace

int InspectCheckpoint(const InspectOptions& o, std::FILE* out) {
  auto reader_or = OpenAndSay(o.path);
  if (!reader_or.ok()) return Fail(reader_or.status());
  const CheckpointReader& reader = **reader_or;

  std::vector<const TensorInfo*> selected;
  if (!o.tensor.empty()) {
    const TensorInfo* info = reader.Find(o.tensor);
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
      text += "{\"name\": " + (IsValidUtf8(info->name) ? JsonString(info->name)
                                                     : "{\"b64\": \"" + Base64(info->name) + "\"}");
      text += ", \"dtype\": \"" + std::string(DataTypeName(info->dtype)) + "\"";
      text += ", \"shape\": " + JsonShape(info->shape);
      if (with_values) text += ", \"values\": " + JsonValues(value);
      text += "}";
    } else if (with_values) {
      text += "tensor_name:  " + info->name + "\n";
      text += value.DebugString(o.all ? value.NumElements() + 1 : kSummaryElements) + "\n";
    } else {
      text += info->name + " (" + DataTypeEnumName(info->dtype) + ") " +
              info->shape.DebugString() + "\n";
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
