// The `.index` container: a LevelDB-format SSTable, read and written through libleveldb
// (spec/tf-formats.md 1.2-1.3). TensorFlow's table code is a fork of LevelDB's; the files are
// the same. Written as TensorFlow writes bundles: no compression, 256 KiB blocks, restart
// interval 16, no filter. Reading accepts Snappy blocks and verifies every block checksum.
#ifndef TFMODEL_SRC_FORMATS_BUNDLE_TABLE_H_
#define TFMODEL_SRC_FORMATS_BUNDLE_TABLE_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "tfmodel/status.h"

namespace tfmodel {

// Calls fn for every entry, in key order. `contents` is the whole file.
// Corruption is reported as DataLoss naming `path`.
Status ReadTable(std::string_view contents, const std::string& path,
                 const std::function<Status(std::string_view key, std::string_view value)>& fn);

// Writes `entries` (already sorted by the map) as a table file at `path`, durably when `sync`.
Status WriteTable(const std::string& path, const std::map<std::string, std::string>& entries,
                  bool sync);

}  // namespace tfmodel

#endif  // TFMODEL_SRC_FORMATS_BUNDLE_TABLE_H_
