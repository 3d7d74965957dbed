// CheckpointReader: resolves a path to a checkpoint prefix, reads its index, and reads tensors
// from memory-mapped data shards, verifying crc32c (spec/tf-formats.md 1.7, 1.11).
#include <algorithm>
#include <mutex>
#include <regex>
#include <unordered_map>

#include "src/base/crc32c.h"
#include "src/base/file.h"
#include "src/base/strings.h"
#include "src/formats/bundle/bundle_index.h"
#include "src/formats/bundle/ordered_code.h"
#include "src/formats/bundle/slices.h"
#include "src/formats/bundle/string_coding.h"
#include "tfmodel/checkpoint.h"

namespace tfmodel {
namespace {

// One stored run of bytes: a whole tensor or one slice of a partitioned one.
struct Stored {
  std::string label;  // for messages: the name, or "name" slice "0,5:-"
  DataType dtype;
  Shape shape;
  int32_t shard_id;
  uint64_t offset;
  uint64_t size;
  uint32_t masked_crc;
};

struct Resolved {
  std::string prefix;
  std::string resolution;
};

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

Status NoCheckpointAt(const std::string& path) {
  std::string msg = "no checkpoint at \"" + path + "\": ";
  if (FileExists(path + "-00000-of-00001") || (FileExists(path) && !IsDirectory(path))) {
    return Unimplemented(
        "\"" + path + "\" is a V1 format checkpoint (a single table of tensor slices, "
        "TensorFlow before 1.0); tfmodel reads V2 checkpoints (.index + .data-*). Re-save it "
        "with TensorFlow's tf.compat.v1.train.Saver(write_version=V2)");
  }
  return NotFound(msg + "expected \"" + path + ".index\", a .index/.data file, or a directory "
                  "with a `checkpoint` file");
}

Result<Resolved> Resolve(const std::string& path) {
  if (path.empty()) return InvalidArgument("empty checkpoint path");
  if (IsDirectory(path)) {
    const std::string state_file = JoinPath(path, "checkpoint");
    if (FileExists(state_file) && !IsDirectory(state_file)) {
      auto latest = LatestCheckpoint(path);
      if (!latest.ok()) return latest.status();
      return Resolved{*latest, "latest checkpoint of directory " + path + " (from " +
                                   JoinPath(path, "checkpoint") + ")"};
    }
    std::string sm = JoinPath(path, "variables/variables");
    if (FileExists(sm + ".index")) {
      return Resolved{sm, "variables of the SavedModel in " + path};
    }
    return NotFound("directory \"" + path + "\" has no `checkpoint` state file (and is not a "
                    "SavedModel with variables/variables.index)");
  }
  if (EndsWith(path, ".index")) {
    std::string prefix = path.substr(0, path.size() - 6);
    if (!FileExists(path)) return NotFound("no checkpoint index \"" + path + "\"");
    return Resolved{prefix, "prefix " + prefix + " (from the index file " + path + ")"};
  }
  static const std::regex kData(R"(^(.*)\.data-\d{5,}-of-\d{5,}$)");
  std::smatch m;
  if (std::regex_match(path, m, kData)) {
    std::string prefix = m[1];
    if (!FileExists(path)) return NotFound("no checkpoint data file \"" + path + "\"");
    if (!FileExists(IndexFilename(prefix))) {
      return NotFound("data file \"" + path + "\" has no index \"" + IndexFilename(prefix) + "\"");
    }
    return Resolved{prefix, "prefix " + prefix + " (from the data file " + path + ")"};
  }
  if (FileExists(IndexFilename(path))) return Resolved{path, ""};
  return NoCheckpointAt(path);
}

}  // namespace

struct CheckpointReader::Impl {
  std::string prefix;
  std::string resolution;
  int num_shards = 1;
  std::vector<TensorInfo> tensors;            // sorted by name
  std::vector<Stored> stored;                 // parallel to tensors (unused when sliced)
  std::unordered_map<std::string, size_t> by_name;
  std::unordered_map<std::string, Stored> slice_entries;  // by encoded slice key

  mutable std::mutex shard_mu;
  mutable std::vector<std::unique_ptr<MappedFile>> shards;

  Result<const MappedFile*> Shard(int id) const;
  // The shard holding `s`, after checking that its bytes lie inside the file.
  Result<const MappedFile*> Locate(const Stored& s) const;
  Status ReadStored(const Stored& s, Tensor& out) const;
  Status CheckStored(const Stored& s) const;
  Result<Tensor> ReadSliced(const TensorInfo& info) const;
};

Result<const MappedFile*> CheckpointReader::Impl::Shard(int id) const {
  std::lock_guard<std::mutex> lock(shard_mu);
  if (!shards[id]) {
    std::string path = DataFilename(prefix, id, num_shards);
    auto file = MappedFile::Open(path);
    if (!file.ok()) {
      return Status(file.status().code(), "data shard " + std::to_string(id) + " of " +
                                              std::to_string(num_shards) + " is unreadable: " +
                                              file.status().message());
    }
    shards[id] = std::move(file).value();
  }
  return shards[id].get();
}

namespace {

std::string Where(const Stored& s, const MappedFile& f) {
  return "tensor \"" + s.label + "\" in " + f.path() + " at offset " + std::to_string(s.offset);
}

}  // namespace

Result<const MappedFile*> CheckpointReader::Impl::Locate(const Stored& s) const {
  auto file_or = Shard(s.shard_id);
  if (!file_or.ok()) return file_or.status().WithContext("reading tensor \"" + s.label + "\"");
  const MappedFile& file = **file_or;
  if (s.offset > file.size() || s.size > file.size() - s.offset) {
    return DataLoss(Where(s, file) + ": its " + std::to_string(s.size) +
                    " bytes extend past the end of the file (" + std::to_string(file.size()) +
                    " bytes); the file is truncated or the index is corrupt");
  }
  return &file;
}

// Reads and verifies one stored run into `out` (allocated with s.dtype and s.shape).
Status CheckpointReader::Impl::ReadStored(const Stored& s, Tensor& out) const {
  TFM_ASSIGN_OR_RETURN(const MappedFile* located, Locate(s));
  const MappedFile& file = *located;
  const uint8_t* bytes = file.data() + s.offset;
  uint32_t crc;
  if (s.dtype == DataType::kString) {
    auto decoded = DecodeStringTensor(std::string_view(reinterpret_cast<const char*>(bytes), s.size),
                                      out.flat<std::string>());
    if (!decoded.ok()) return decoded.status().WithContext(Where(s, file));
    crc = *decoded;
  } else {
    if (s.size < (uint64_t{4} << 20)) {
      crc = crc32c::CopyAndExtend(0, out.raw_data(), bytes, s.size);
    } else {
      // Large tensors: pread in chunks (the kernel copies from the page cache without faulting
      // the mapping page by page), checksumming each chunk while it is still in cache.
      constexpr uint64_t kChunk = uint64_t{4} << 20;
      auto* dst = static_cast<uint8_t*>(out.raw_data());
      crc = 0;
      for (uint64_t done = 0; done < s.size; done += kChunk) {
        const uint64_t n = std::min(kChunk, s.size - done);
        TFM_RETURN_IF_ERROR(file.ReadAt(s.offset + done, n, dst + done).WithContext(Where(s, file)));
        crc = crc32c::Extend(crc, dst + done, n);
      }
    }
  }
  if (crc32c::Mask(crc) != s.masked_crc) {
    char buf[96];
    std::snprintf(buf, sizeof(buf), ": checksum mismatch (stored %08x, computed %08x)",
                  crc32c::Unmask(s.masked_crc), crc);
    return DataLoss(Where(s, file) + buf);
  }
  return Status::Ok();
}

Status CheckpointReader::Impl::CheckStored(const Stored& s) const {
  TFM_ASSIGN_OR_RETURN(const MappedFile* located, Locate(s));
  if (IsPodDataType(s.dtype)) {
    const MappedFile& file = *located;
    uint32_t crc = crc32c::Value(file.data() + s.offset, s.size);
    if (crc32c::Mask(crc) != s.masked_crc) return DataLoss(Where(s, file) + ": checksum mismatch");
    return Status::Ok();
  }
  TFM_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(s.dtype, s.shape));
  return ReadStored(s, t);
}

Result<Tensor> CheckpointReader::Impl::ReadSliced(const TensorInfo& info) const {
  // Find and locate every stored slice before allocating the full tensor: a corrupt index may
  // declare a huge full shape that the stored bytes do not back.
  std::vector<const Stored*> parts;
  const uint64_t total = static_cast<uint64_t>(info.shape.NumElements());
  uint64_t covered = 0;
  for (const TensorSlice& slice : info.slices) {
    std::string key = ordered_code::EncodeTensorNameSlice(info.name, slice);
    auto it = slice_entries.find(key);
    if (it == slice_entries.end()) {
      return DataLoss(IndexFilename(prefix) + ": partitioned tensor \"" + info.name +
                      "\" lists slice " + slice.DebugString() + " but the index has no entry for it");
    }
    TFM_RETURN_IF_ERROR(Locate(it->second).status());
    covered += static_cast<uint64_t>(it->second.shape.NumElements());
    if (covered > total) break;
    parts.push_back(&it->second);
  }
  if (covered != total) {
    return DataLoss(IndexFilename(prefix) + ": the slices of partitioned tensor \"" + info.name +
                    "\" cover " + std::to_string(covered) + " of its " + std::to_string(total) +
                    " elements");
  }
  TFM_ASSIGN_OR_RETURN(Tensor full, Tensor::Allocate(info.dtype, info.shape));
  for (size_t i = 0; i < parts.size(); ++i) {
    TFM_ASSIGN_OR_RETURN(Tensor part, Tensor::Allocate(info.dtype, parts[i]->shape));
    TFM_RETURN_IF_ERROR(ReadStored(*parts[i], part));
    CopySliceIntoFull(info.slices[i], part, full);
  }
  return full;
}

CheckpointReader::CheckpointReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CheckpointReader::~CheckpointReader() = default;

Result<std::unique_ptr<CheckpointReader>> CheckpointReader::Open(std::string_view path_view) {
  const std::string path(path_view);
  TFM_ASSIGN_OR_RETURN(Resolved resolved, Resolve(path));
  TFM_ASSIGN_OR_RETURN(BundleIndex index, ReadBundleIndex(resolved.prefix));
  auto impl = std::make_unique<Impl>();
  impl->prefix = resolved.prefix;
  impl->resolution = resolved.resolution;
  impl->num_shards = index.header.num_shards();
  impl->shards.resize(impl->num_shards);
  const std::string index_path = IndexFilename(resolved.prefix);

  std::vector<std::pair<std::string, tensorflow::BundleEntryProto>> slice_keys;
  for (auto& [key, entry] : index.entries) {
    const std::string where = index_path + ": tensor \"" + CEscape(key) + "\"";
    if (!key.empty() && key[0] == '\0') {
      slice_keys.emplace_back(key, entry);
      continue;
    }
    if (!IsKnownDataType(entry.dtype())) {
      return DataLoss(where + " has unknown dtype " + std::to_string(entry.dtype()));
    }
    auto shape = ShapeFromProto(entry.shape());
    if (!shape.ok()) return DataLoss(where + ": " + shape.status().message());
    TensorInfo info;
    info.name = key;
    info.dtype = static_cast<DataType>(entry.dtype());
    info.shape = *shape;
    for (const auto& sp : entry.slices()) {
      TensorSlice slice = SliceFromProto(sp);
      auto slice_shape = slice.SliceShape(info.shape);
      if (!slice_shape.ok()) return DataLoss(where + ": " + slice_shape.status().message());
      info.slices.push_back(std::move(slice));
    }
    info.shard_id = entry.shard_id();
    info.offset = static_cast<uint64_t>(entry.offset());
    info.size = static_cast<uint64_t>(entry.size());
    if (info.slices.empty()) {
      if (entry.shard_id() < 0 || entry.shard_id() >= impl->num_shards || entry.offset() < 0 ||
          entry.size() < 0) {
        return DataLoss(where + " has an invalid location (shard " +
                        std::to_string(entry.shard_id()) + " of " +
                        std::to_string(impl->num_shards) + ", offset " +
                        std::to_string(entry.offset()) + ", size " + std::to_string(entry.size()) + ")");
      }
      const uint64_t n = static_cast<uint64_t>(info.shape.NumElements());
      if (IsPodDataType(info.dtype)) {
        const uint64_t elem = DataTypeSize(info.dtype);
        if (n > UINT64_MAX / elem || n * elem != info.size) {
          return DataLoss(where + ": stored size " + std::to_string(info.size) +
                          " does not match shape " + info.shape.DebugString() + " of " +
                          std::string(DataTypeName(info.dtype)));
        }
      } else if (info.dtype == DataType::kString && info.size < n) {
        return DataLoss(where + ": stored size " + std::to_string(info.size) +
                        " is too small for " + std::to_string(n) + " strings");
      }
    }
    impl->stored.push_back(Stored{info.name, info.dtype, info.shape, entry.shard_id(),
                                  info.offset, info.size, entry.crc32c()});
    impl->by_name.emplace(info.name, impl->tensors.size());
    impl->tensors.push_back(std::move(info));
  }
  // Slice entries: name them after the tensor whose slice list holds them; each must have
  // that tensor's dtype and the shape of its slice (ReadSliced copies it into place).
  struct SliceOwner {
    std::string label;
    DataType dtype;
    Shape shape;
  };
  std::unordered_map<std::string, SliceOwner> slice_owners;
  for (const TensorInfo& t : impl->tensors) {
    for (const TensorSlice& s : t.slices) {
      slice_owners[ordered_code::EncodeTensorNameSlice(t.name, s)] =
          SliceOwner{t.name + "\" slice \"" + s.DebugString(), t.dtype, *s.SliceShape(t.shape)};
    }
  }
  for (auto& [key, entry] : slice_keys) {
    auto owner = slice_owners.find(key);
    std::string name = owner != slice_owners.end() ? owner->second.label : CEscape(key);
    const std::string where = index_path + ": tensor \"" + name + "\"";
    auto shape = ShapeFromProto(entry.shape());
    if (!shape.ok()) return DataLoss(where + ": " + shape.status().message());
    DataType dtype = static_cast<DataType>(entry.dtype());
    if (!IsKnownDataType(entry.dtype()) || entry.shard_id() < 0 ||
        entry.shard_id() >= impl->num_shards || entry.offset() < 0 || entry.size() < 0) {
      return DataLoss(where + " has an invalid entry");
    }
    if (owner != slice_owners.end() &&
        (dtype != owner->second.dtype || !(*shape == owner->second.shape))) {
      return DataLoss(where + " is stored as " + std::string(DataTypeName(dtype)) + " " +
                      shape->DebugString() + ", not as its slice of the tensor (" +
                      std::string(DataTypeName(owner->second.dtype)) + " " +
                      owner->second.shape.DebugString() + ")");
    }
    const uint64_t n = static_cast<uint64_t>(shape->NumElements());
    if (IsPodDataType(dtype) && (n > UINT64_MAX / DataTypeSize(dtype) ||
                                 n * DataTypeSize(dtype) != static_cast<uint64_t>(entry.size()))) {
      return DataLoss(where + ": stored size does not match its shape");
    }
    impl->slice_entries.emplace(
        key, Stored{name, dtype, *shape, entry.shard_id(), static_cast<uint64_t>(entry.offset()),
                    static_cast<uint64_t>(entry.size()), entry.crc32c()});
  }
  return std::unique_ptr<CheckpointReader>(new CheckpointReader(std::move(impl)));
}

const std::string& CheckpointReader::prefix() const { return impl_->prefix; }
const std::string& CheckpointReader::resolution() const { return impl_->resolution; }
int CheckpointReader::num_shards() const { return impl_->num_shards; }
const std::vector<TensorInfo>& CheckpointReader::tensors() const { return impl_->tensors; }

const TensorInfo* CheckpointReader::Find(std::string_view name) const {
  auto it = impl_->by_name.find(std::string(name));
  return it == impl_->by_name.end() ? nullptr : &impl_->tensors[it->second];
}

Result<Tensor> CheckpointReader::Read(std::string_view name) const {
  auto it = impl_->by_name.find(std::string(name));
  if (it == impl_->by_name.end()) {
    return NotFound("tensor \"" + CEscape(name) + "\" is not in checkpoint " + impl_->prefix);
  }
  const TensorInfo& info = impl_->tensors[it->second];
  if (!IsPodDataType(info.dtype) && info.dtype != DataType::kString) {
    return Unimplemented("tensor \"" + info.name + "\" in checkpoint " + impl_->prefix +
                         " has dtype " + std::string(DataTypeName(info.dtype)) +
                         ", which tfmodel cannot read");
  }
  if (!info.slices.empty()) return impl_->ReadSliced(info);
  TFM_RETURN_IF_ERROR(impl_->Locate(impl_->stored[it->second]).status());
  TFM_ASSIGN_OR_RETURN(Tensor t, Tensor::AllocateUninitialized(info.dtype, info.shape));
  TFM_RETURN_IF_ERROR(impl_->ReadStored(impl_->stored[it->second], t));
  return t;
}

std::vector<CheckpointReader::Problem> CheckpointReader::Verify() const {
  std::vector<Problem> problems;
  auto check = [&](const Stored& s) {
    if (!IsPodDataType(s.dtype) && s.dtype != DataType::kString) return;
    Status st = impl_->CheckStored(s);
    if (!st.ok()) {
      problems.push_back(Problem{s.label, DataFilename(impl_->prefix, s.shard_id, impl_->num_shards),
                                 s.offset, st.ToString()});
    }
  };
  for (size_t i = 0; i < impl_->tensors.size(); ++i) {
    const TensorInfo& t = impl_->tensors[i];
    if (t.slices.empty()) {
      check(impl_->stored[i]);
      continue;
    }
    for (const TensorSlice& slice : t.slices) {
      auto it = impl_->slice_entries.find(ordered_code::EncodeTensorNameSlice(t.name, slice));
      if (it == impl_->slice_entries.end()) {
        problems.push_back(Problem{t.name, IndexFilename(impl_->prefix), 0,
                                   "DataLoss: slice " + slice.DebugString() + " has no entry"});
      } else {
        check(it->second);
      }
    }
  }
  return problems;
}

}  // namespace tfmodel
