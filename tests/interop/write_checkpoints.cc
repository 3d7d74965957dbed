// interop_write_checkpoints SPEC_DIR OUT_DIR
//
// For every case under SPEC_DIR (the TensorFlow-written cases of tf_write_checkpoints.py), writes
// the same tensors -- the values of its case.json / expected/*.bin -- with tfmodel into
// OUT_DIR/<case>/<same prefix>, next to a copy of case.json and expected/ (hard links when
// possible), for tf_read_checkpoints.py to check with TensorFlow:
//   - one data shard: CheckpointWriter (Add; partitioned tensors through AddSlice, one call per
//     slice TensorFlow's Saver stored, i.e. fixed_size_partitioner(3)'s split), in TensorFlow's
//     order of the data file where it can be seen, so the files may come out byte-identical;
//   - N > 1 data shards (case `sharded`): SaveCheckpoint(prefix, entries, N);
//   - a `checkpoint` state file in the spec case (tf.train.Checkpoint, CheckpointManager): read
//     with ReadCheckpointState and written again with WriteCheckpointState.
// Two extra cases go through the SaveEntry.slice path of SaveCheckpoint:
//   partitioned_savecheckpoint (num_shards 1) and partitioned_sharded (num_shards 2, so the
//   slices of one tensor may sit in different shards and the merge must combine them).
// Prints one line per case; exits 1 if any case could not be written.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tfmodel/checkpoint.h>

#include "interop_case.h"

namespace tfmodel::interop {
namespace {

namespace fs = std::filesystem;

// The part `slice` of `full` as its own tensor (C order), for POD and string tensors.
Result<Tensor> ExtractSlice(const Tensor& full, const TensorSlice& slice) {
  TFM_ASSIGN_OR_RETURN(Shape slice_shape, slice.SliceShape(full.shape()));
  TFM_ASSIGN_OR_RETURN(Tensor out, Tensor::Allocate(full.dtype(), slice_shape));
  const int rank = full.shape().rank();
  if (out.NumElements() == 0) return out;
  if (rank == 0) return full.Clone();
  std::vector<int64_t> start(rank), stride(rank);
  for (int d = 0; d < rank; ++d) {
    start[d] = d < static_cast<int>(slice.extents.size()) && slice.extents[d].length >= 0
                   ? slice.extents[d].start
                   : 0;
  }
  stride[rank - 1] = 1;
  for (int d = rank - 2; d >= 0; --d) stride[d] = stride[d + 1] * full.shape().dim(d + 1);
  const int64_t run = slice_shape.dim(rank - 1);  // contiguous elements per innermost row
  const int64_t rows = out.NumElements() / run;
  std::vector<int64_t> index(rank, 0);  // index into the slice, last dimension always 0
  const bool is_string = full.dtype() == DataType::kString;
  const size_t esize = DataTypeSize(full.dtype());
  for (int64_t r = 0; r < rows; ++r) {
    int64_t src = 0;
    for (int d = 0; d < rank; ++d) src += (start[d] + index[d]) * stride[d];
    const int64_t dst = r * run;
    if (is_string) {
      std::span<const std::string> in = full.flat<std::string>();
      std::span<std::string> o = out.flat<std::string>();
      for (int64_t k = 0; k < run; ++k) o[dst + k] = in[src + k];
    } else {
      std::memcpy(static_cast<char*>(out.raw_data()) + dst * esize,
                  static_cast<const char*>(full.raw_data()) + src * esize, run * esize);
    }
    for (int d = rank - 2; d >= 0; --d) {  // next row
      if (++index[d] < slice_shape.dim(d)) break;
      index[d] = 0;
    }
  }
  return out;
}

Status LinkOrCopy(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_hard_link(from, to, ec);
  if (!ec) return Status::Ok();
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) return Internal("copy " + from.string() + " -> " + to.string() + ": " + ec.message());
  return Status::Ok();
}

// Copies case.json (optionally edited) and expected/ of `spec` into `out_dir`.
Status CopyCaseFiles(const Case& spec, const fs::path& out_dir, int num_data_shards,
                     const std::string& writer) {
  std::error_code ec;
  fs::create_directories(out_dir / "expected", ec);
  if (ec) return Internal("mkdir " + out_dir.string() + ": " + ec.message());
  for (const auto& entry : fs::directory_iterator(spec.dir / "expected", ec)) {
    TFM_RETURN_IF_ERROR(LinkOrCopy(entry.path(), out_dir / "expected" / entry.path().filename()));
  }
  if (ec) return Internal("list " + (spec.dir / "expected").string() + ": " + ec.message());
  TFM_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(spec.dir / "case.json"));
  try {
    nlohmann::json doc = nlohmann::json::parse(text);
    doc["num_data_shards"] = num_data_shards;
    doc["writer"] = writer;
    doc["tf_writer"] = spec.writer;
    std::ofstream f(out_dir / "case.json");
    f << doc.dump(1) << "\n";
    if (!f) return Internal("cannot write " + (out_dir / "case.json").string());
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument(spec.name + "/case.json: " + e.what());
  }
  return Status::Ok();
}

// The entries of `spec`: whole tensors, and one entry per stored slice of partitioned ones.
Result<std::vector<SaveEntry>> Entries(const Case& spec) {
  std::vector<SaveEntry> entries;
  for (const CaseTensor& t : spec.tensors) {
    Result<Tensor> value = LoadValue(spec, t);
    if (!value.ok()) return value.status().WithContext(t.name);
    if (!t.partitioned) {
      entries.push_back(SaveEntry{t.name, std::move(value).value(), std::nullopt});
      continue;
    }
    if (t.slice_specs.empty()) return InvalidArgument(t.name + ": partitioned without slice_specs");
    for (const std::string& spec_text : t.slice_specs) {
      Result<ShapeAndSlice> sas = ParseShapeAndSlice(spec_text);
      if (!sas.ok()) return sas.status().WithContext(t.name + " \"" + spec_text + "\"");
      if (!(sas->full_shape == t.shape)) {
        return InvalidArgument(t.name + ": slice spec \"" + spec_text + "\" has full shape " +
                               sas->full_shape.DebugString() + ", tensor is " +
                               t.shape.DebugString());
      }
      Result<Tensor> part = ExtractSlice(*value, sas->slice);
      if (!part.ok()) return part.status().WithContext(t.name + " \"" + spec_text + "\"");
      entries.push_back(SaveEntry{t.name, std::move(part).value(), std::move(sas).value()});
    }
  }
  return entries;
}

// TensorFlow's Add order for `spec`'s checkpoint (data offsets, as tfmodel's reader reports
// them), so that the files can come out byte-identical to TensorFlow's; only for one data shard
// without partitioned tensors (slice offsets are not visible), else `entries` stay as they are.
void OrderLikeTensorFlow(const Case& spec, std::vector<SaveEntry>& entries) {
  if (spec.num_data_shards != 1) return;
  for (const SaveEntry& e : entries) {
    if (e.slice) return;
  }
  Result<std::unique_ptr<CheckpointReader>> reader = CheckpointReader::Open(spec.prefix);
  if (!reader.ok()) return;  // the reader test reports it; keep case.json order
  std::map<std::string, uint64_t> offset;
  for (const TensorInfo& info : (*reader)->tensors()) offset[info.name] = info.offset;
  for (const SaveEntry& e : entries) {
    if (!offset.count(e.name)) return;
  }
  std::stable_sort(entries.begin(), entries.end(), [&](const SaveEntry& a, const SaveEntry& b) {
    return offset[a.name] < offset[b.name];
  });
}

Status WriteWithWriter(const std::string& prefix, const std::vector<SaveEntry>& entries) {
  TFM_ASSIGN_OR_RETURN(std::unique_ptr<CheckpointWriter> writer, CheckpointWriter::Create(prefix));
  for (const SaveEntry& e : entries) {
    Status s = e.slice ? writer->AddSlice(e.name, e.slice->full_shape, e.slice->slice, e.tensor)
                       : writer->Add(e.name, e.tensor);
    if (!s.ok()) return s.WithContext(std::string(e.slice ? "AddSlice " : "Add ") + e.name);
  }
  return writer->Finish().WithContext("Finish");
}

struct Job {
  std::string out_name;
  enum { kWriter, kSaveCheckpoint } how;
  int num_shards;
};

Status WriteCase(const Case& spec, const Job& job, const fs::path& out_root) {
  const fs::path out_dir = out_root / job.out_name;
  std::error_code ec;
  fs::remove_all(out_dir, ec);
  if (ec) return Internal("rm -r " + out_dir.string() + ": " + ec.message());
  std::string writer_text =
      job.how == Job::kWriter
          ? "tfmodel CheckpointWriter (Add/AddSlice)"
          : "tfmodel SaveCheckpoint(num_shards=" + std::to_string(job.num_shards) + ")";
  TFM_RETURN_IF_ERROR(CopyCaseFiles(spec, out_dir, job.num_shards, writer_text));
  TFM_ASSIGN_OR_RETURN(std::vector<SaveEntry> entries, Entries(spec));
  OrderLikeTensorFlow(spec, entries);
  const std::string prefix = (out_dir / spec.prefix_rel).string();
  if (job.how == Job::kWriter) {
    TFM_RETURN_IF_ERROR(WriteWithWriter(prefix, entries));
  } else {
    TFM_RETURN_IF_ERROR(SaveCheckpoint(prefix, entries, job.num_shards).WithContext(
        "SaveCheckpoint(num_shards=" + std::to_string(job.num_shards) + ")"));
  }
  if (fs::exists(spec.dir / "checkpoint")) {
    // TensorFlow's state file, round-tripped through ReadCheckpointState/WriteCheckpointState
    // (paths, timestamps); it may name older checkpoints (manager: ckpt-2) not written here.
    Result<CheckpointState> state = ReadCheckpointState(spec.dir.string());
    if (!state.ok()) return state.status().WithContext("ReadCheckpointState(TF's)");
    TFM_RETURN_IF_ERROR(WriteCheckpointState(out_dir.string(), *state)
                            .WithContext("WriteCheckpointState"));
  }
  return Status::Ok();
}

int Main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s SPEC_DIR OUT_DIR\n", argv[0]);
    return 2;
  }
  const fs::path spec_root = argv[1], out_root = argv[2];
  std::vector<fs::path> dirs = FindCaseDirs(spec_root);
  if (dirs.empty()) {
    std::printf("FAILED: no cases (*/case.json) under %s\n", spec_root.c_str());
    return 1;
  }
  std::error_code ec;
  fs::create_directories(out_root, ec);
  int failed = 0, written = 0;
  std::vector<std::string> out_names;
  auto t_all = std::chrono::steady_clock::now();
  for (const fs::path& dir : dirs) {
    Result<Case> spec = LoadCase(dir);
    if (!spec.ok()) {
      std::printf("FAILED %s: %s\n", dir.filename().c_str(), spec.status().ToString().c_str());
      ++failed;
      continue;
    }
    std::vector<Job> jobs;
    bool partitioned = false;
    for (const CaseTensor& t : spec->tensors) partitioned |= t.partitioned;
    if (spec->num_data_shards > 1) {
      jobs.push_back({spec->name, Job::kSaveCheckpoint, spec->num_data_shards});
    } else {
      jobs.push_back({spec->name, Job::kWriter, 1});
    }
    if (partitioned && spec->num_data_shards == 1) {
      jobs.push_back({spec->name + "_savecheckpoint", Job::kSaveCheckpoint, 1});
      jobs.push_back({spec->name + "_sharded", Job::kSaveCheckpoint, 2});
    }
    for (const Job& job : jobs) {
      out_names.push_back(job.out_name);
      auto t0 = std::chrono::steady_clock::now();
      Status s = WriteCase(*spec, job, out_root);
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (s.ok()) {
        ++written;
        std::printf("WROTE %s (%zu tensors, %d data shard(s), %.2f s)\n", job.out_name.c_str(),
                    spec->tensors.size(), job.num_shards, secs);
      } else {
        ++failed;
        std::printf("FAILED %s: %s\n", job.out_name.c_str(), s.ToString().c_str());
      }
      std::fflush(stdout);
    }
  }
  // Cases of an older run whose spec is gone would otherwise be checked again.
  for (const fs::path& dir : FindCaseDirs(out_root)) {
    std::string name = dir.filename().string();
    if (std::find(out_names.begin(), out_names.end(), name) == out_names.end()) {
      std::printf("removing stale case %s\n", name.c_str());
      fs::remove_all(dir, ec);
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_all).count();
  std::printf("%d case(s) written, %d failed, %.1f s\n", written, failed, secs);
  return failed ? 1 : 0;
}

}  // namespace
}  // namespace tfmodel::interop

int main(int argc, char** argv) { return tfmodel::interop::Main(argc, argv); }
