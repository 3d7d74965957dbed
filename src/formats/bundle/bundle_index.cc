// Reading and writing the `.index` table of a tensor bundle (spec/tf-formats.md 1.4-1.6).
#include "src/formats/bundle/bundle_index.h"

#include <cstdio>

#include "src/base/file.h"
#include "src/base/strings.h"
#include "src/formats/bundle/table.h"

namespace tfmodel {

std::string IndexFilename(std::string_view prefix) { return std::string(prefix) + ".index"; }

std::string DataFilename(std::string_view prefix, int shard, int num_shards) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), ".data-%05d-of-%05d", shard, num_shards);
  return std::string(prefix) + buf;
}

Result<Shape> ShapeFromProto(const tensorflow::TensorShapeProto& proto) {
  if (proto.unknown_rank()) return InvalidArgument("shape has unknown rank");
  std::vector<int64_t> dims;
  for (const auto& d : proto.dim()) {
    if (d.size() < 0) return InvalidArgument("shape has an unknown or negative dimension");
    dims.push_back(d.size());
  }
  return Shape::Make(dims);
}

TensorSlice SliceFromProto(const tensorflow::TensorSliceProto& proto) {
  TensorSlice s;
  for (const auto& e : proto.extent()) {
    TensorSlice::Extent x;
    if (e.has_length()) {
      x.start = e.start();
      x.length = e.length();
    }
    s.extents.push_back(x);
  }
  return s;
}

void SliceToProto(const TensorSlice& slice, tensorflow::TensorSliceProto* proto) {
  for (const TensorSlice::Extent& e : slice.extents) {
    auto* x = proto->add_extent();
    if (e.length >= 0) {
      x->set_start(e.start);
      x->set_length(e.length);
    }
  }
}

Result<BundleIndex> ReadBundleIndex(const std::string& prefix) {
  const std::string path = IndexFilename(prefix);
  TFM_ASSIGN_OR_RETURN(std::string contents, ReadFileToString(path));
  BundleIndex index;
  bool first = true;
  Status s = ReadTable(contents, path, [&](std::string_view key, std::string_view value) -> Status {
    if (first) {
      first = false;
      if (!key.empty()) {
        return DataLoss(path + ": the first key is \"" + CEscape(key) +
                        "\", not the bundle header \"\"");
      }
      if (!index.header.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
        return DataLoss(path + ": unable to parse the bundle header");
      }
      return Status::Ok();
    }
    tensorflow::BundleEntryProto entry;
    if (!entry.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      return DataLoss(path + ": unable to parse the entry of tensor \"" + CEscape(key) + "\"");
    }
    index.entries.emplace_back(std::string(key), std::move(entry));
    return Status::Ok();
  });
  TFM_RETURN_IF_ERROR(s);
  if (first) return DataLoss(path + ": the index has no bundle header");
  const auto& v = index.header.version();
  if (v.producer() < 0 || v.min_consumer() > kTensorBundleVersion) {
    return FailedPrecondition(path + ": checkpoint format version " +
                              std::to_string(v.producer()) + " needs a reader of version >= " +
                              std::to_string(v.min_consumer()) + "; tfmodel reads version " +
                              std::to_string(kTensorBundleVersion));
  }
  for (int bad : v.bad_consumers()) {
    if (bad == kTensorBundleVersion) {
      return FailedPrecondition(path + ": checkpoint disallows reader version " +
                                std::to_string(kTensorBundleVersion));
    }
  }
  if (index.header.endianness() != tensorflow::BundleHeaderProto::LITTLE) {
    return Unimplemented(path + ": big-endian checkpoints are not supported");
  }
  if (index.header.num_shards() <= 0 || index.header.num_shards() > 1000000) {
    return DataLoss(path + ": invalid number of shards " +
                    std::to_string(index.header.num_shards()));
  }
  return index;
}

Status WriteBundleIndex(const std::string& path, const tensorflow::BundleHeaderProto& header,
                        const std::map<std::string, tensorflow::BundleEntryProto>& entries,
                        bool sync) {
  std::map<std::string, std::string> table;
  table.emplace("", header.SerializeAsString());
  for (const auto& [key, entry] : entries) table.emplace(key, entry.SerializeAsString());
  return WriteTable(path, table, sync);
}

}  // namespace tfmodel
