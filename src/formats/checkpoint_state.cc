// The `checkpoint` state file (text-format CheckpointState) and CheckpointManager
// (spec/tf-formats.md 2.1-2.4).
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <chrono>

#include "checkpoint_state.pb.h"
#include "src/base/file.h"
#include "src/formats/bundle/bundle_index.h"
#include "tfmodel/checkpoint.h"

namespace tfmodel {
namespace {

double NowSeconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

// Paths in the state file are relative to its directory unless absolute.
std::string InDir(std::string_view dir, const std::string& path) {
  return IsAbsolutePath(path) ? path : JoinPath(dir, path);
}

}  // namespace

Result<CheckpointState> ReadCheckpointState(std::string_view dir, std::string_view filename) {
  const std::string path = JoinPath(dir, filename);
  TFM_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  tensorflow::CheckpointState proto;
  if (!google::protobuf::TextFormat::ParseFromString(text, &proto)) {
    return DataLoss(path + " is not a valid text-format CheckpointState");
  }
  CheckpointState state;
  state.model_checkpoint_path = proto.model_checkpoint_path();
  state.all_model_checkpoint_paths.assign(proto.all_model_checkpoint_paths().begin(),
                                          proto.all_model_checkpoint_paths().end());
  state.all_model_checkpoint_timestamps.assign(proto.all_model_checkpoint_timestamps().begin(),
                                               proto.all_model_checkpoint_timestamps().end());
  state.last_preserved_timestamp = proto.last_preserved_timestamp();
  return state;
}

Status WriteCheckpointState(std::string_view dir, const CheckpointState& state,
                            std::string_view filename) {
  if (filename.empty() || filename.find('/') != std::string_view::npos) {
    return InvalidArgument("checkpoint state file name \"" + std::string(filename) +
                           "\" must be a plain file name");
  }
  tensorflow::CheckpointState proto;
  proto.set_model_checkpoint_path(state.model_checkpoint_path);
  for (const std::string& p : state.all_model_checkpoint_paths) proto.add_all_model_checkpoint_paths(p);
  for (double t : state.all_model_checkpoint_timestamps) proto.add_all_model_checkpoint_timestamps(t);
  proto.set_last_preserved_timestamp(state.last_preserved_timestamp);
  std::string text;
  if (!google::protobuf::TextFormat::PrintToString(proto, &text)) {
    return Internal("cannot print CheckpointState");
  }
  TFM_RETURN_IF_ERROR(CreateDirectories(std::string(dir)));
  return WriteFileAtomically(JoinPath(dir, filename), text);
}

Result<std::string> LatestCheckpoint(std::string_view dir, std::string_view filename) {
  auto state = ReadCheckpointState(dir, filename);
  if (!state.ok()) return state.status();
  const std::string where = JoinPath(dir, filename);
  if (state->model_checkpoint_path.empty()) {
    return DataLoss(where + " has an empty model_checkpoint_path");
  }
  std::string prefix = InDir(dir, state->model_checkpoint_path);
  if (!FileExists(IndexFilename(prefix)) && !FileExists(prefix)) {
    return NotFound(where + " names checkpoint " + prefix + ", but " + IndexFilename(prefix) +
                    " does not exist");
  }
  return prefix;
}

Status DeleteCheckpointFiles(std::string_view prefix_view) {
  const std::string prefix(prefix_view);
  // The index first: without it the checkpoint no longer exists for any reader.
  TFM_RETURN_IF_ERROR(DeleteFile(IndexFilename(prefix)));
  const std::string dir = Dirname(prefix);
  const std::string data_start = Basename(prefix) + ".data-";
  auto names = ListDirectory(dir.empty() ? "." : dir);
  if (names.ok()) {
    for (const std::string& n : *names) {
      if (n.rfind(data_start, 0) == 0 && n.find("-of-", data_start.size()) != std::string::npos) {
        TFM_RETURN_IF_ERROR(DeleteFile(JoinPath(dir, n)));
      }
    }
  }
  return DeleteFile(prefix + ".meta");
}

// ---- CheckpointManager --------------------------------------------------------------------

Result<CheckpointManager> CheckpointManager::Open(std::string_view dir, Options options) {
  if (dir.empty()) return InvalidArgument("empty checkpoint directory");
  if (options.checkpoint_name.empty() || options.checkpoint_name.find('/') != std::string::npos) {
    return InvalidArgument("checkpoint name \"" + options.checkpoint_name +
                           "\" must be a plain file name");
  }
  CheckpointManager m{std::string(dir), options};
  if (FileExists(JoinPath(dir, "checkpoint"))) {
    TFM_ASSIGN_OR_RETURN(CheckpointState state, ReadCheckpointState(dir));
    for (size_t i = 0; i < state.all_model_checkpoint_paths.size(); ++i) {
      std::string p = InDir(dir, state.all_model_checkpoint_paths[i]);
      if (!FileExists(IndexFilename(p))) continue;  // already deleted
      m.checkpoints_.push_back(p);
      m.timestamps_.push_back(i < state.all_model_checkpoint_timestamps.size()
                                  ? state.all_model_checkpoint_timestamps[i]
                                  : 0.0);
    }
  }
  return m;
}

std::optional<std::string> CheckpointManager::latest() const {
  if (checkpoints_.empty()) return std::nullopt;
  return checkpoints_.back();
}

Result<std::string> CheckpointManager::Save(int64_t step, std::span<const SaveEntry> entries) {
  return SaveWith(step, [&](const std::string& prefix) {
    return SaveCheckpoint(prefix, entries, 1, options_.writer);
  });
}

Result<std::string> CheckpointManager::SaveWith(
    int64_t step, const std::function<Status(const std::string& prefix)>& write) {
  const std::string prefix = JoinPath(dir_, options_.checkpoint_name + "-" + std::to_string(step));
  TFM_RETURN_IF_ERROR(write(prefix));  // durable before anything refers to it

  std::vector<std::string> kept = checkpoints_;
  std::vector<double> kept_ts = timestamps_;
  for (size_t i = 0; i < kept.size(); ++i) {
    if (kept[i] == prefix) {
      kept.erase(kept.begin() + i);
      kept_ts.erase(kept_ts.begin() + i);
      break;
    }
  }
  kept.push_back(prefix);
  kept_ts.push_back(NowSeconds());
  std::vector<std::string> retired;
  while (options_.max_to_keep > 0 && static_cast<int>(kept.size()) > options_.max_to_keep) {
    retired.push_back(kept.front());
    kept.erase(kept.begin());
    kept_ts.erase(kept_ts.begin());
  }

  // The state file names only live checkpoints, stored relative to the directory.
  CheckpointState state;
  auto relative = [&](const std::string& p) {
    std::string d = dir_;
    if (!d.empty() && d.back() != '/') d += '/';
    return p.rfind(d, 0) == 0 ? p.substr(d.size()) : p;
  };
  state.model_checkpoint_path = relative(prefix);
  for (const std::string& p : kept) state.all_model_checkpoint_paths.push_back(relative(p));
  state.all_model_checkpoint_timestamps = kept_ts;
  TFM_RETURN_IF_ERROR(WriteCheckpointState(dir_, state));
  checkpoints_ = std::move(kept);
  timestamps_ = std::move(kept_ts);

  // Only now, with the new checkpoint and the state durable, delete what was retired.
  for (const std::string& p : retired) {
    TFM_RETURN_IF_ERROR(DeleteCheckpointFiles(p).WithContext("deleting old checkpoint " + p));
  }
  return prefix;
}

}  // namespace tfmodel
