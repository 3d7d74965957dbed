// The `.index` of a tensor bundle as protos: header (key "") and one BundleEntryProto per
// tensor or stored slice. Shared by the reader, the writer and the merge step.
#ifndef TFMODEL_SRC_FORMATS_BUNDLE_BUNDLE_INDEX_H_
#define TFMODEL_SRC_FORMATS_BUNDLE_BUNDLE_INDEX_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tensor_bundle.pb.h"
#include "tfmodel/checkpoint.h"

namespace tfmodel {

inline constexpr int kTensorBundleVersion = 1;  // VersionDef.producer TensorFlow writes

std::string IndexFilename(std::string_view prefix);
// "<prefix>.data-00000-of-00001"
std::string DataFilename(std::string_view prefix, int shard, int num_shards);

struct BundleIndex {
  tensorflow::BundleHeaderProto header;
  // Every non-header key in key order.
  std::vector<std::pair<std::string, tensorflow::BundleEntryProto>> entries;
};

// Reads and checks `<prefix>.index`: table checksums, header present first and parseable,
// versions acceptable, little-endian, every entry parseable. Errors name the file and key.
Result<BundleIndex> ReadBundleIndex(const std::string& prefix);

// Writes `<path>` with the header and entries (keys sorted by the map).
Status WriteBundleIndex(const std::string& path, const tensorflow::BundleHeaderProto& header,
                        const std::map<std::string, tensorflow::BundleEntryProto>& entries,
                        bool sync);

// Conversions between the protos and our types; the shape is validated.
Result<Shape> ShapeFromProto(const tensorflow::TensorShapeProto& proto);
TensorSlice SliceFromProto(const tensorflow::TensorSliceProto& proto);
void SliceToProto(const TensorSlice& slice, tensorflow::TensorSliceProto* proto);

}  // namespace tfmodel

#endif  // TFMODEL_SRC_FORMATS_BUNDLE_BUNDLE_INDEX_H_
