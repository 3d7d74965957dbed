// Reads the checkpoints TensorFlow 2.21 wrote (tf_write_checkpoints.py) with
// tfmodel::CheckpointReader and compares every tensor with case.json, bit for bit.
//
// The cases are found under $TFMODEL_INTEROP_TF_DIR (ctest sets it; the interop_tf_write test
// fills it). A missing variable, directory or case is a failure, never a skip.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <tfmodel/checkpoint.h>

#include "interop_case.h"

namespace tfmodel::interop {
namespace {

namespace fs = std::filesystem;

constexpr const char* kEnvVar = "TFMODEL_INTEROP_TF_DIR";

std::string TfDir() {
  const char* v = std::getenv(kEnvVar);
  return v ? std::string(v) : std::string();
}

std::vector<std::string> CaseNames() {
  std::vector<std::string> names;
  std::string root = TfDir();
  if (root.empty()) return names;
  for (const fs::path& dir : FindCaseDirs(root)) names.push_back(dir.filename().string());
  return names;
}

// The slice part of a SaveV2 spec, in TensorSlice::DebugString form.
std::string SliceText(const std::string& spec) {
  Result<ShapeAndSlice> parsed = ParseShapeAndSlice(spec);
  if (!parsed.ok()) return "<unparsable " + spec + ": " + parsed.status().ToString() + ">";
  return parsed->slice.DebugString();
}

std::string DataFileName(const std::string& prefix, int shard, int num_shards) {
  char buf[64];
  std::snprintf(buf, sizeof buf, ".data-%05d-of-%05d", shard, num_shards);
  return prefix + buf;
}

std::string Canonical(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::path(path), ec);
  return ec ? path : p.string();
}

TEST(ReadTfCheckpoints, CasesArePresent) {
  std::string root = TfDir();
  ASSERT_FALSE(root.empty()) << kEnvVar
                             << " is not set: it must name the directory tf_write_checkpoints.py "
                                "filled (ctest -L interop sets it)";
  ASSERT_TRUE(fs::is_directory(root)) << kEnvVar << "=" << root << " is not a directory";
  std::vector<std::string> names = CaseNames();
  ASSERT_FALSE(names.empty()) << "no */case.json under " << root;
  std::set<std::string> have(names.begin(), names.end());
  for (const char* want : {"saver_all_dtypes", "strings", "empty", "sharded", "partitioned",
                           "object_checkpoint", "many_tensors", "big"}) {
    EXPECT_TRUE(have.count(want)) << "case " << want << " missing under " << root;
  }
  // Every dtype the suite promises appears in some case.
  std::set<std::string> dtypes;
  for (const std::string& name : names) {
    Result<Case> c = LoadCase(fs::path(root) / name);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    for (const CaseTensor& t : c->tensors) dtypes.insert(t.dtype_name);
  }
  for (const char* want : {"float32", "float64", "float16", "bfloat16", "int8", "int16", "int32",
                           "int64", "uint8", "uint16", "uint32", "uint64", "bool", "complex64",
                           "complex128", "string"}) {
    EXPECT_TRUE(dtypes.count(want)) << "no case holds a " << want << " tensor";
  }
}

class ReadTfCheckpoint : public testing::TestWithParam<std::string> {};

TEST_P(ReadTfCheckpoint, MatchesCaseJson) {
  Result<Case> loaded = LoadCase(fs::path(TfDir()) / GetParam());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const Case& c = *loaded;
  SCOPED_TRACE("case " + c.name + " (" + c.writer + "), prefix " + c.prefix);

  Result<std::unique_ptr<CheckpointReader>> opened = CheckpointReader::Open(c.prefix);
  ASSERT_TRUE(opened.ok()) << "Open(" << c.prefix << "): " << opened.status().ToString();
  const CheckpointReader& reader = **opened;
  EXPECT_EQ(Canonical(reader.prefix()), Canonical(c.prefix));
  EXPECT_EQ(reader.resolution(), "");
  EXPECT_EQ(reader.num_shards(), c.num_data_shards);

  // The tensor set: exactly the expected names, sorted by name (bytewise).
  std::vector<std::string> got_names, want_names;
  for (const TensorInfo& info : reader.tensors()) got_names.push_back(info.name);
  for (const CaseTensor& t : c.tensors) want_names.push_back(t.name);
  EXPECT_TRUE(std::is_sorted(got_names.begin(), got_names.end())) << "tensors() not sorted";
  std::sort(want_names.begin(), want_names.end());
  {
    std::vector<std::string> sorted_got = got_names;
    std::sort(sorted_got.begin(), sorted_got.end());
    std::vector<std::string> extra, missing;
    std::set_difference(sorted_got.begin(), sorted_got.end(), want_names.begin(),
                        want_names.end(), std::back_inserter(extra));
    std::set_difference(want_names.begin(), want_names.end(), sorted_got.begin(),
                        sorted_got.end(), std::back_inserter(missing));
    EXPECT_TRUE(extra.empty() && missing.empty())
        << "tensors() has " << got_names.size() << " names, want " << want_names.size()
        << "; unexpected: " << testing::PrintToString(extra)
        << "; missing: " << testing::PrintToString(missing);
  }

  std::map<std::string, Tensor> expected;
  for (const CaseTensor& t : c.tensors) {
    SCOPED_TRACE("tensor " + t.name + " " + t.dtype_name + t.shape.DebugString());
    Result<Tensor> want = LoadValue(c, t);
    ASSERT_TRUE(want.ok()) << want.status().ToString();

    const TensorInfo* info = reader.Find(t.name);
    ASSERT_NE(info, nullptr) << "Find() does not know it";
    EXPECT_EQ(info->name, t.name);
    EXPECT_EQ(DataTypeName(info->dtype), t.dtype_name);
    EXPECT_EQ(info->shape.DebugString(), t.shape.DebugString());
    if (t.partitioned) {
      std::vector<std::string> got_slices, want_slices;
      for (const TensorSlice& s : info->slices) got_slices.push_back(s.DebugString());
      for (const std::string& spec : t.slice_specs) want_slices.push_back(SliceText(spec));
      std::sort(got_slices.begin(), got_slices.end());
      std::sort(want_slices.begin(), want_slices.end());
      EXPECT_EQ(got_slices, want_slices) << "stored slices";
    } else {
      EXPECT_TRUE(info->slices.empty()) << info->slices.size() << " slices for a whole tensor";
      EXPECT_GE(info->shard_id, 0);
      EXPECT_LT(info->shard_id, c.num_data_shards);
    }

    Result<Tensor> got = reader.Read(t.name);
    ASSERT_TRUE(got.ok()) << "Read: " << got.status().ToString();
    std::string diff = DescribeDifference(*got, *want);
    EXPECT_EQ(diff, "") << "value differs from what TensorFlow saved";
    // Re-read concurrently below (small tensors that read back right the first time).
    if (diff.empty() && want->TotalBytes() < (size_t{16} << 20)) expected.emplace(t.name, *want);
  }

  const TensorInfo* none = reader.Find("no such tensor");
  EXPECT_EQ(none, nullptr);
  Result<Tensor> missing = reader.Read("no such tensor");
  EXPECT_FALSE(missing.ok());
  if (!missing.ok()) {
    EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  }

  std::vector<CheckpointReader::Problem> problems = reader.Verify();
  for (const CheckpointReader::Problem& p : problems) {
    ADD_FAILURE() << "Verify(): tensor " << p.tensor << " file " << p.file << " offset "
                  << p.offset << ": " << p.message;
  }

  // Concurrent reads from one reader (its const methods are documented thread-safe).
  if (!expected.empty()) {
    std::vector<std::string> errors(4);
    std::vector<std::thread> threads;
    for (int k = 0; k < 4; ++k) {
      threads.emplace_back([&, k] {
        for (int round = 0; round < 3 && errors[k].empty(); ++round) {
          for (const auto& [name, want] : expected) {
            Result<Tensor> got = reader.Read(name);
            std::string diff = got.ok() ? DescribeDifference(*got, want) : got.status().ToString();
            if (!diff.empty()) {
              errors[k] = name + ": " + diff;
              break;
            }
          }
        }
      });
    }
    for (std::thread& t : threads) t.join();
    for (const std::string& e : errors) EXPECT_EQ(e, "") << "concurrent Read";
  }

  // Other ways to name the same checkpoint.
  for (const std::string& path :
       {c.prefix + ".index", DataFileName(c.prefix, c.num_data_shards - 1, c.num_data_shards)}) {
    Result<std::unique_ptr<CheckpointReader>> other = CheckpointReader::Open(path);
    EXPECT_TRUE(other.ok()) << "Open(" << path << "): " << other.status().ToString();
    if (other.ok()) {
      EXPECT_EQ(Canonical((*other)->prefix()), Canonical(c.prefix)) << "Open(" << path << ")";
      EXPECT_EQ((*other)->tensors().size(), reader.tensors().size());
    }
  }
  if (fs::exists(c.dir / "checkpoint")) {  // tf.train.Checkpoint also wrote the state file
    Result<CheckpointState> state = ReadCheckpointState(c.dir.string());
    EXPECT_TRUE(state.ok()) << "ReadCheckpointState: " << state.status().ToString();
    if (state.ok()) {
      EXPECT_EQ(state->model_checkpoint_path, c.prefix_rel);
      EXPECT_FALSE(state->all_model_checkpoint_paths.empty());
      if (!state->all_model_checkpoint_paths.empty()) {
        EXPECT_EQ(state->all_model_checkpoint_paths.back(), c.prefix_rel);
      }
      if (!state->all_model_checkpoint_timestamps.empty()) {  // CheckpointManager writes them
        EXPECT_EQ(state->all_model_checkpoint_timestamps.size(),
                  state->all_model_checkpoint_paths.size());
        for (double ts : state->all_model_checkpoint_timestamps) {
          EXPECT_GT(ts, 1.5e9) << "timestamp parsed as " << ts;
        }
        EXPECT_GT(state->last_preserved_timestamp, 1.5e9);
      }
    }
    Result<std::string> latest = LatestCheckpoint(c.dir.string());
    EXPECT_TRUE(latest.ok()) << "LatestCheckpoint: " << latest.status().ToString();
    if (latest.ok()) {
      EXPECT_EQ(Canonical(*latest), Canonical(c.prefix));
    }
    Result<std::unique_ptr<CheckpointReader>> by_dir = CheckpointReader::Open(c.dir.string());
    EXPECT_TRUE(by_dir.ok()) << "Open(dir): " << by_dir.status().ToString();
    if (by_dir.ok()) {
      EXPECT_EQ(Canonical((*by_dir)->prefix()), Canonical(c.prefix));
      EXPECT_NE((*by_dir)->resolution(), "");
    }
  }
}

// tf_write_checkpoints.py also leaves a legacy V1 checkpoint (no case.json) in <dir>/v1.
TEST(ReadTfCheckpoints, V1CheckpointIsRecognised) {
  std::string root = TfDir();
  ASSERT_FALSE(root.empty()) << kEnvVar << " is not set";
  const std::string prefix = (fs::path(root) / "v1" / "model.ckpt").string();
  ASSERT_TRUE(fs::exists(prefix)) << prefix << " missing (tf_write_checkpoints.py writes it)";
  Result<std::unique_ptr<CheckpointReader>> reader = CheckpointReader::Open(prefix);
  ASSERT_FALSE(reader.ok()) << "a V1 checkpoint opened as V2";
  EXPECT_NE(reader.status().message().find("V1"), std::string::npos)
      << "the error should say it is a V1 checkpoint: " << reader.status().ToString();
}

INSTANTIATE_TEST_SUITE_P(TfWritten, ReadTfCheckpoint, testing::ValuesIn(CaseNames()),
                         [](const testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ReadTfCheckpoint);

}  // namespace
}  // namespace tfmodel::interop
