// CheckpointWriter, MergeCheckpoints and SaveCheckpoint (spec/tf-formats.md 1.6, 1.7, 1.10).
//
// Durability protocol of one bundle:
//   1. tensors are appended to <prefix>.data-00000-of-00001.tempstate<random>
//   2. Finish(): fsync data; write <prefix>.index.tempstate<random>; fsync it
//   3. rename data, then index, into place; fsync the directory
// A crash before 3 leaves only temp files; the index, which makes a checkpoint visible, is
// renamed last.
#include <map>
#include <set>

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

void SetShape(const Shape& shape, tensorflow::TensorShapeProto* proto) {
  proto->Clear();
  for (int64_t d : shape.dims()) proto->add_dim()->set_size(d);
}

// Entry of a partitioned tensor under its plain name, collecting its slices.
struct PartitionedEntry {
  DataType dtype;
  Shape full_shape;
  std::vector<TensorSlice> slices;
};

}  // namespace

struct CheckpointWriter::Impl {
  std::string prefix;
  CheckpointWriterOptions options;
  std::string data_tmp;
  std::unique_ptr<WritableFile> data;
  std::map<std::string, tensorflow::BundleEntryProto> entries;
  std::map<std::string, PartitionedEntry> partitioned;
  Status status;
  bool finished = false;

  Status AddEntry(const std::string& key, const std::string& label, const Tensor& tensor);
  Status DoAdd(std::string_view name, const Tensor& tensor);
  Status DoAddSlice(const std::string& name, const Shape& full_shape, const TensorSlice& slice,
                    const Tensor& slice_tensor);
  Status DoFinish();
};

CheckpointWriter::CheckpointWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

CheckpointWriter::~CheckpointWriter() {
  if (impl_ && !impl_->finished && impl_->data) {
    (void)impl_->data->Close();
    (void)DeleteFile(impl_->data_tmp);
  }
}

Result<std::unique_ptr<CheckpointWriter>> CheckpointWriter::Create(std::string_view prefix,
                                                                   CheckpointWriterOptions options) {
  if (prefix.empty()) return InvalidArgument("empty checkpoint prefix");
  if (prefix.back() == '/') {
    return InvalidArgument("checkpoint prefix \"" + std::string(prefix) +
                           "\" names a directory; give a file prefix such as dir/model.ckpt");
  }
  auto impl = std::make_unique<Impl>();
  impl->prefix = std::string(prefix);
  impl->options = options;
  TFM_RETURN_IF_ERROR(CreateDirectories(Dirname(impl->prefix))
                          .WithContext("cannot save checkpoint " + impl->prefix));
  impl->data_tmp = DataFilename(impl->prefix, 0, 1) + ".tempstate" + RandomDigits();
  auto data = WritableFile::Create(impl->data_tmp);
  if (!data.ok()) return data.status().WithContext("cannot save checkpoint " + impl->prefix);
  impl->data = std::move(data).value();
  return std::unique_ptr<CheckpointWriter>(new CheckpointWriter(std::move(impl)));
}

Status CheckpointWriter::Impl::AddEntry(const std::string& key, const std::string& label,
                                        const Tensor& tensor) {
  if (entries.count(key)) {
    return InvalidArgument("tensor \"" + label + "\" is added twice to checkpoint " + prefix);
  }
  if (tensor.dtype() != DataType::kString && !IsPodDataType(tensor.dtype())) {
    return InvalidArgument("tensor \"" + label + "\" has dtype " +
                           std::string(DataTypeName(tensor.dtype())) +
                           ", which cannot be saved in a checkpoint");
  }
  tensorflow::BundleEntryProto entry;
  entry.set_dtype(static_cast<tensorflow::DataType>(tensor.dtype()));
  SetShape(tensor.shape(), entry.mutable_shape());
  entry.set_shard_id(0);
  entry.set_offset(static_cast<int64_t>(data->size()));
  uint32_t crc;
  if (tensor.dtype() == DataType::kString) {
    std::string encoded;
    crc = EncodeStringTensor(tensor.flat<std::string>(), encoded);
    TFM_RETURN_IF_ERROR(data->Append(encoded));
    entry.set_size(static_cast<int64_t>(encoded.size()));
  } else {
    std::string_view bytes(static_cast<const char*>(tensor.raw_data()), tensor.TotalBytes());
    crc = crc32c::Value(bytes);
    TFM_RETURN_IF_ERROR(data->Append(bytes));
    entry.set_size(static_cast<int64_t>(bytes.size()));
  }
  entry.set_crc32c(crc32c::Mask(crc));
  entries.emplace(key, std::move(entry));
  return Status::Ok();
}

Status CheckpointWriter::Impl::DoAdd(std::string_view name, const Tensor& tensor) {
  if (name.empty() || name[0] == '\0') {
    return InvalidArgument("invalid tensor name \"" + CEscape(name) +
                           "\": names may not be empty or start with a NUL byte");
  }
  if (partitioned.count(std::string(name))) {
    return InvalidArgument("tensor \"" + std::string(name) + "\" is already saved as slices");
  }
  return AddEntry(std::string(name), std::string(name), tensor);
}

Status CheckpointWriter::Impl::DoAddSlice(const std::string& name, const Shape& full_shape,
                                          const TensorSlice& slice, const Tensor& slice_tensor) {
  if (name.empty() || name[0] == '\0') return InvalidArgument("invalid tensor name for a slice");
  auto slice_shape = slice.SliceShape(full_shape);
  if (!slice_shape.ok()) return slice_shape.status().WithContext("tensor \"" + name + "\"");
  if (!(*slice_shape == slice_tensor.shape())) {
    return InvalidArgument("slice " + slice.DebugString() + " of tensor \"" + name + "\" has shape " +
                           slice_shape->DebugString() + " but the given tensor has shape " +
                           slice_tensor.shape().DebugString());
  }
  if (IsFullSlice(slice, full_shape)) return DoAdd(name, slice_tensor);  // as TensorFlow does
  if (entries.count(name)) {
    return InvalidArgument("tensor \"" + name + "\" is already saved whole");
  }
  auto [it, inserted] =
      partitioned.emplace(name, PartitionedEntry{slice_tensor.dtype(), full_shape, {}});
  if (!inserted && (it->second.dtype != slice_tensor.dtype() || !(it->second.full_shape == full_shape))) {
    return InvalidArgument("slices of tensor \"" + name + "\" disagree on dtype or full shape");
  }
  TensorSlice normalized = slice;
  if (normalized.extents.empty()) normalized.extents.resize(full_shape.rank());
  TFM_RETURN_IF_ERROR(AddEntry(ordered_code::EncodeTensorNameSlice(name, normalized),
                               name + "\" slice \"" + normalized.DebugString(), slice_tensor));
  it->second.slices.push_back(normalized);
  return Status::Ok();
}

// Every error is kept: later calls and Finish() return it again.
Status CheckpointWriter::Add(std::string_view name, const Tensor& tensor) {
  Impl& w = *impl_;
  if (w.finished) return FailedPrecondition("checkpoint writer for " + w.prefix + " is finished");
  if (!w.status.ok()) return w.status;
  w.status = w.DoAdd(name, tensor);
  return w.status;
}

Status CheckpointWriter::AddSlice(std::string_view name, const Shape& full_shape,
                                  const TensorSlice& slice, const Tensor& slice_tensor) {
  Impl& w = *impl_;
  if (w.finished) return FailedPrecondition("checkpoint writer for " + w.prefix + " is finished");
  if (!w.status.ok()) return w.status;
  w.status = w.DoAddSlice(std::string(name), full_shape, slice, slice_tensor);
  return w.status;
}

Status CheckpointWriter::Impl::DoFinish() {
  TFM_RETURN_IF_ERROR(status);
  for (const auto& [name, p] : partitioned) {
    tensorflow::BundleEntryProto entry;
    entry.set_dtype(static_cast<tensorflow::DataType>(p.dtype));
    SetShape(p.full_shape, entry.mutable_shape());
    for (const TensorSlice& s : p.slices) SliceToProto(s, entry.add_slices());
    entries.emplace(name, std::move(entry));
  }
  if (options.sync) TFM_RETURN_IF_ERROR(data->Sync());
  TFM_RETURN_IF_ERROR(data->Close());
  tensorflow::BundleHeaderProto header;
  header.set_num_shards(1);
  header.set_endianness(tensorflow::BundleHeaderProto::LITTLE);
  header.mutable_version()->set_producer(kTensorBundleVersion);
  const std::string index_tmp = IndexFilename(prefix) + ".tempstate" + RandomDigits();
  Status s = WriteBundleIndex(index_tmp, header, entries, options.sync);
  if (s.ok()) s = RenameFile(data_tmp, DataFilename(prefix, 0, 1));
  if (s.ok()) s = RenameFile(index_tmp, IndexFilename(prefix));
  if (!s.ok()) {
    (void)DeleteFile(index_tmp);
    return s;
  }
  return options.sync ? SyncDirectory(Dirname(prefix)) : Status::Ok();
}

Status CheckpointWriter::Finish() {
  Impl& w = *impl_;
  if (w.finished) return FailedPrecondition("checkpoint writer for " + w.prefix + " is finished");
  Status s = w.DoFinish();
  w.finished = true;
  if (!s.ok()) {
    (void)w.data->Close();
    (void)DeleteFile(w.data_tmp);
    w.status = s.WithContext("cannot save checkpoint " + w.prefix);
    return w.status;
  }
  return s;
}

// ---- merge --------------------------------------------------------------------------------

Status MergeCheckpoints(std::span<const std::string> shard_prefixes, std::string_view prefix_view,
                        bool delete_old_dirs, CheckpointWriterOptions options) {
  const std::string prefix(prefix_view);
  if (shard_prefixes.empty()) return InvalidArgument("no checkpoints to merge into " + prefix);
  TFM_RETURN_IF_ERROR(CreateDirectories(Dirname(prefix)));
  int num_shards = 0;
  std::string version;
  std::map<std::string, tensorflow::BundleEntryProto> merged;
  std::vector<std::string> data_files;          // new shard id -> current file path
  std::map<std::string, int> data_file_ids;
  for (const std::string& shard : shard_prefixes) {
    TFM_ASSIGN_OR_RETURN(BundleIndex index, ReadBundleIndex(shard));
    std::string v = index.header.version().SerializeAsString();
    if (num_shards == 0) version = v;
    else if (v != version) return InvalidArgument("merging bundles with different versions: " + shard);
    num_shards += index.header.num_shards();
    for (auto& [key, entry] : index.entries) {
      auto existing = merged.find(key);
      if (existing != merged.end()) {
        if (existing->second.slices().empty() || entry.slices().empty()) {
          return InvalidArgument("duplicate tensor \"" + CEscape(key) + "\" when merging " + shard);
        }
        if (existing->second.dtype() != entry.dtype() ||
            existing->second.shape().SerializeAsString() != entry.shape().SerializeAsString()) {
          return InvalidArgument("slices of tensor \"" + CEscape(key) +
                                 "\" disagree on dtype or shape when merging " + shard);
        }
        for (const auto& s : entry.slices()) *existing->second.add_slices() = s;
        continue;
      }
      if (entry.slices().empty()) {
        std::string file = DataFilename(shard, entry.shard_id(), index.header.num_shards());
        auto [it, inserted] = data_file_ids.emplace(file, static_cast<int>(data_files.size()));
        if (inserted) data_files.push_back(file);
        entry.set_shard_id(it->second);
      }
      merged.emplace(key, std::move(entry));
    }
  }
  const int count = static_cast<int>(data_files.size());
  for (int i = 0; i < count; ++i) {
    TFM_RETURN_IF_ERROR(RenameFile(data_files[i], DataFilename(prefix, i, count)));
  }
  tensorflow::BundleHeaderProto header;
  header.set_num_shards(num_shards);
  header.set_endianness(tensorflow::BundleHeaderProto::LITTLE);
  header.mutable_version()->ParseFromString(version);
  // Unlike TensorFlow (which writes the merged index in place), write it atomically.
  const std::string index_tmp = IndexFilename(prefix) + ".tempstate" + RandomDigits();
  Status s = WriteBundleIndex(index_tmp, header, merged, options.sync);
  if (s.ok()) s = RenameFile(index_tmp, IndexFilename(prefix));
  if (!s.ok()) {
    (void)DeleteFile(index_tmp);
    return s;
  }
  if (options.sync) TFM_RETURN_IF_ERROR(SyncDirectory(Dirname(prefix)));
  const std::string merged_dir = Dirname(prefix);
  for (const std::string& shard : shard_prefixes) {
    (void)DeleteFile(IndexFilename(shard));
    if (delete_old_dirs && Dirname(shard) != merged_dir) (void)DeleteEmptyDirectory(Dirname(shard));
  }
  return Status::Ok();
}

// ---- SaveCheckpoint -----------------------------------------------------------------------

namespace {

Status AddEntryTo(CheckpointWriter& w, const SaveEntry& e) {
  if (e.slice && !e.slice->whole) return w.AddSlice(e.name, e.slice->full_shape, e.slice->slice, e.tensor);
  return w.Add(e.name, e.tensor);
}

}  // namespace

Status SaveCheckpoint(std::string_view prefix_view, std::span<const SaveEntry> entries,
                      int num_shards, CheckpointWriterOptions options) {
  const std::string prefix(prefix_view);
  if (num_shards < 1) return InvalidArgument("num_shards must be at least 1");
  if (num_shards == 1) {
    TFM_ASSIGN_OR_RETURN(auto w, CheckpointWriter::Create(prefix, options));
    for (const SaveEntry& e : entries) TFM_RETURN_IF_ERROR(AddEntryTo(*w, e));
    return w->Finish();
  }
  // Like TensorFlow's sharded savers: one bundle per shard under a temp dir, then a merge.
  // Entries go round-robin; no shard is left empty (an empty shard would leave a data file
  // the merged index cannot name).
  const int shards = std::max<int>(1, std::min<int>(num_shards, static_cast<int>(entries.size())));
  const std::string tmp_dir = prefix + "_temp_" + RandomDigits();
  std::vector<std::string> shard_prefixes;
  Status s;
  for (int i = 0; i < shards && s.ok(); ++i) {
    char part[48];
    std::snprintf(part, sizeof(part), "part-%05d-of-%05d", i, shards);
    shard_prefixes.push_back(JoinPath(tmp_dir, part));
    auto w = CheckpointWriter::Create(shard_prefixes.back(), options);
    if (!w.ok()) {
      s = w.status();
      break;
    }
    for (size_t k = i; k < entries.size() && s.ok(); k += shards) s = AddEntryTo(**w, entries[k]);
    if (s.ok()) s = (*w)->Finish();
  }
  if (s.ok()) s = MergeCheckpoints(shard_prefixes, prefix, /*delete_old_dirs=*/true, options);
  if (!s.ok()) {  // leave nothing behind but what was there before
    for (const std::string& sp : shard_prefixes) (void)DeleteCheckpointFiles(sp);
    (void)DeleteEmptyDirectory(tmp_dir);
  }
  return s;
}

}  // namespace tfmodel
