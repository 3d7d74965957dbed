// TensorFlow V2 checkpoints (".index" + ".data-NNNNN-of-NNNNN" tensor bundles), the `checkpoint`
// state file and a checkpoint manager, byte-compatible with TensorFlow 2.21.
//
//   TFM_ASSIGN_OR_RETURN(auto writer, CheckpointWriter::Create("/tmp/m/model.ckpt-1"));
//   TFM_RETURN_IF_ERROR(writer->Add("beta", Tensor::Scalar(0.5f)));
//   TFM_RETURN_IF_ERROR(writer->Finish());              // fsync + atomic rename
//
//   TFM_ASSIGN_OR_RETURN(auto reader, CheckpointReader::Open("/tmp/m"));  // latest checkpoint
//   for (const TensorInfo& t : reader->tensors()) ...
//   TFM_ASSIGN_OR_RETURN(Tensor beta, reader->Read("beta"));  // crc32c verified
//
// Thread safety: a CheckpointReader is immutable after Open; its const methods may be called
// concurrently. A CheckpointWriter and a CheckpointManager are used from one thread at a time.
#ifndef TFMODEL_CHECKPOINT_H_
#define TFMODEL_CHECKPOINT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tfmodel/status.h>
#include <tfmodel/tensor.h>

namespace tfmodel {

// A rectangular part of a tensor: per dimension a start and a length; length -1 is the whole
// dimension (start 0). An empty `extents` is the whole tensor.
struct TensorSlice {
  struct Extent {
    int64_t start = 0;
    int64_t length = -1;
  };
  std::vector<Extent> extents;

  // The shape of this slice of a tensor of `full`; fails if it does not fit.
  Result<Shape> SliceShape(const Shape& full) const;
  // TF's text form: "0,5:-" (`start,length` or `-` per dimension).
  std::string DebugString() const;
};

// Parses a SaveV2 `shape_and_slices` entry: "" (whole tensor) or "10 20 0,5:-" (full shape,
// then the slice).
struct ShapeAndSlice {
  Shape full_shape;
  TensorSlice slice;
  bool whole = true;  // true for ""
};
Result<ShapeAndSlice> ParseShapeAndSlice(std::string_view spec);

// One tensor of a checkpoint, as the index describes it.
struct TensorInfo {
  std::string name;
  DataType dtype = DataType::kInvalid;
  Shape shape;
  // Partitioned variables: the stored slices (reassembled by Read). Otherwise empty.
  std::vector<TensorSlice> slices;
  // Where the bytes are (unused when sliced).
  int32_t shard_id = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
};

// Reads a V2 checkpoint. Data shards are memory-mapped: Open reads only the index.
class CheckpointReader {
 public:
  // `path` may be a checkpoint prefix ("dir/model.ckpt-5"), the path of its ".index" or one of
  // its ".data-*" files, or a directory holding a `checkpoint` state file (its latest
  // checkpoint is opened). A V1 checkpoint is recognised and reported as such.
  static Result<std::unique_ptr<CheckpointReader>> Open(std::string_view path);
  ~CheckpointReader();
  CheckpointReader(const CheckpointReader&) = delete;
  CheckpointReader& operator=(const CheckpointReader&) = delete;

  const std::string& prefix() const;
  // How `path` became the prefix, e.g. "latest checkpoint of directory /m (from /m/checkpoint)";
  // empty when `path` was the prefix itself.
  const std::string& resolution() const;
  int num_shards() const;
  // Every tensor sorted by name (slice entries of partitioned tensors are folded into theirs).
  const std::vector<TensorInfo>& tensors() const;
  const TensorInfo* Find(std::string_view name) const;

  // Reads a whole tensor, verifying crc32c; partitioned tensors are reassembled.
  Result<Tensor> Read(std::string_view name) const;

  struct Problem {
    std::string tensor;
    std::string file;
    uint64_t offset = 0;
    std::string message;
  };
  // Checks every tensor's bytes and checksum; returns what is wrong (empty when intact).
  std::vector<Problem> Verify() const;

 private:
  struct Impl;
  explicit CheckpointReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct CheckpointWriterOptions {
  // fsync data and index before the renames (and the directory after). Off only for tests.
  bool sync = true;
};

// Writes one bundle shard (`prefix.index` + `prefix.data-00000-of-00001`) as TensorFlow's
// BundleWriter does: data in Add order, index sorted by name, masked crc32c, temp files renamed
// into place by Finish(). A writer dropped before Finish() removes its temp files.
// The first error is kept and returned again by later calls and by Finish().
class CheckpointWriter {
 public:
  static Result<std::unique_ptr<CheckpointWriter>> Create(std::string_view prefix,
                                                          CheckpointWriterOptions options = {});
  ~CheckpointWriter();
  CheckpointWriter(const CheckpointWriter&) = delete;
  CheckpointWriter& operator=(const CheckpointWriter&) = delete;

  Status Add(std::string_view name, const Tensor& tensor);
  // Adds one slice of the partitioned tensor `name` of shape `full_shape`.
  Status AddSlice(std::string_view name, const Shape& full_shape, const TensorSlice& slice,
                  const Tensor& slice_tensor);
  Status Finish();

 private:
  struct Impl;
  explicit CheckpointWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// TensorFlow's MergeV2Checkpoints: combines shard bundles into one checkpoint at `prefix`,
// renaming their data files to `prefix.data-<i>-of-<n>` and writing one index. With
// `delete_old_dirs` the shards' directories are removed when empty.
Status MergeCheckpoints(std::span<const std::string> shard_prefixes, std::string_view prefix,
                        bool delete_old_dirs = true, CheckpointWriterOptions options = {});

// A tensor to save: whole, or one slice of a partitioned variable.
struct SaveEntry {
  std::string name;
  Tensor tensor;
  std::optional<ShapeAndSlice> slice;  // set for a slice of a partitioned tensor
};

// Saves `entries` as TensorFlow's sharded savers do: with num_shards > 1 the entries are spread
// over `num_shards` bundles under "<prefix>_temp/part-%05d-of-%05d" and merged into `prefix`.
Status SaveCheckpoint(std::string_view prefix, std::span<const SaveEntry> entries,
                      int num_shards = 1, CheckpointWriterOptions options = {});

// ---- the `checkpoint` state file ------------------------------------------------------------

struct CheckpointState {
  std::string model_checkpoint_path;
  std::vector<std::string> all_model_checkpoint_paths;
  std::vector<double> all_model_checkpoint_timestamps;
  double last_preserved_timestamp = 0;
};

// Parses `dir/filename` (text-format CheckpointState). Paths are returned as stored.
Result<CheckpointState> ReadCheckpointState(std::string_view dir,
                                            std::string_view filename = "checkpoint");
// Writes it atomically (temp file, fsync, rename, fsync of the directory).
Status WriteCheckpointState(std::string_view dir, const CheckpointState& state,
                            std::string_view filename = "checkpoint");
// tf.train.latest_checkpoint: the newest checkpoint's prefix, relative paths joined onto `dir`;
// NotFound when there is no state file or its checkpoint has no index.
Result<std::string> LatestCheckpoint(std::string_view dir,
                                     std::string_view filename = "checkpoint");

// Deletes the files of the checkpoint at `prefix` (.index, .data-*, .meta); missing files are
// not an error.
Status DeleteCheckpointFiles(std::string_view prefix);

// Keeps numbered checkpoints `dir/<name>-<step>` and the `checkpoint` state file, deleting
// the oldest beyond max_to_keep, only after the new checkpoint and the state file are durable.
class CheckpointManager {
 public:
  struct Options {
    std::string checkpoint_name = "ckpt";
    int max_to_keep = 5;  // <= 0 keeps every checkpoint
    CheckpointWriterOptions writer;
  };
  // Recovers the list of checkpoints from an existing state file.
  static Result<CheckpointManager> Open(std::string_view dir, Options options);

  // Writes `entries` as checkpoint `<name>-<step>`; returns its prefix.
  Result<std::string> Save(int64_t step, std::span<const SaveEntry> entries);
  // Same, but `write` produces the files for the given prefix (e.g. a Saver that also writes
  // a .meta); the manager then updates the state and retires old checkpoints.
  Result<std::string> SaveWith(int64_t step,
                               const std::function<Status(const std::string& prefix)>& write);

  const std::string& directory() const { return dir_; }
  // Live checkpoints, oldest first (absolute or relative to the process as `dir` was given).
  const std::vector<std::string>& checkpoints() const { return checkpoints_; }
  std::optional<std::string> latest() const;

 private:
  CheckpointManager(std::string dir, Options options) : dir_(std::move(dir)), options_(options) {}
  std::string dir_;
  Options options_;
  std::vector<std::string> checkpoints_;
  std::vector<double> timestamps_;
};

}  // namespace tfmodel

#endif  // TFMODEL_CHECKPOINT_H_
