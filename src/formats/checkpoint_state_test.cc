// The `checkpoint` state file (spec/tf-formats.md 2.1-2.2) and CheckpointManager retention (2.4).
#include <gtest/gtest.h>

#include "src/base/test_util.h"
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "src/base/file.h"
#include "tfmodel/checkpoint.h"

namespace tfmodel {
namespace {

const std::string kCorpus = TFMODEL_CORPUS_DIR;

using test::MakeTempDir;

std::vector<std::string> Files(const std::string& dir) {
  auto names = ListDirectory(dir);
  return names.ok() ? *names : std::vector<std::string>{};
}

CheckpointManager::Options ManagerOptions(int max_to_keep) {
  CheckpointManager::Options o;
  o.max_to_keep = max_to_keep;
  o.writer.sync = false;
  return o;
}

std::vector<SaveEntry> EntriesForStep(int64_t step) {
  return {{"step", Tensor::Scalar(step), std::nullopt},
          {"w", Tensor::FromVector<float>(std::vector<float>{1.5f * step, -2.0f}, Shape{2}),
           std::nullopt}};
}

// ---- reading TensorFlow's files ------------------------------------------------------------

TEST(CheckpointStateFile, ParsesTensorFlowFiles) {
  struct Case {
    std::string dir;
    std::string path;
  };
  for (const Case& c :
       {Case{kCorpus + "/cppflow/cppflow1/examples/mnist/checkpoint", "train.ckpt"},
        Case{kCorpus + "/tensorflow-onnx/tests/models/regression/checkpoint", "model"},
        Case{kCorpus + "/tensorflow-serving/servables/tensorflow/testdata/"
                       "bad_half_plus_two/00000123",
             "/tmp/bad_half_plus_two/00000123/export"}}) {
    SCOPED_TRACE(c.dir);
    auto state = ReadCheckpointState(c.dir);
    ASSERT_TRUE(state.ok()) << state.status().ToString();
    EXPECT_EQ(state->model_checkpoint_path, c.path);  // as stored, not joined
    EXPECT_EQ(state->all_model_checkpoint_paths, std::vector<std::string>{c.path});
    EXPECT_TRUE(state->all_model_checkpoint_timestamps.empty());
    EXPECT_EQ(state->last_preserved_timestamp, 0);
  }
}

TEST(CheckpointStateFile, LatestCheckpointOfTensorFlowFiles) {
  const std::string mnist = kCorpus + "/cppflow/cppflow1/examples/mnist/checkpoint";
  auto latest = LatestCheckpoint(mnist);
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  EXPECT_EQ(*latest, mnist + "/train.ckpt");  // relative path joined onto the directory

  // An absolute path that does not exist here: NotFound naming it.
  const std::string bad = kCorpus +
                          "/tensorflow-serving/servables/tensorflow/testdata/"
                          "bad_half_plus_two/00000123";
  auto missing = LatestCheckpoint(bad);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("/tmp/bad_half_plus_two/00000123/export"),
            std::string::npos)
      << missing.status().message();

  auto none = LatestCheckpoint(kCorpus + "/tensorflow-onnx");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
}

// ---- writing ---------------------------------------------------------------------------------

TEST(CheckpointStateFile, WriteReadRoundTripWithTimestamps) {
  const std::string dir = MakeTempDir("roundtrip");
  CheckpointState s;
  s.model_checkpoint_path = "ckpt-3";
  s.all_model_checkpoint_paths = {"ckpt-1", "/abs/ckpt-2", "ckpt-3"};
  s.all_model_checkpoint_timestamps = {1700000000.25, 1700000100.5, 1700000200.123456789};
  s.last_preserved_timestamp = 1699999999.0625;
  ASSERT_TRUE(WriteCheckpointState(dir, s).ok());
  EXPECT_EQ(Files(dir), std::vector<std::string>{"checkpoint"});  // no temp file left
  auto got = ReadCheckpointState(dir);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->model_checkpoint_path, s.model_checkpoint_path);
  EXPECT_EQ(got->all_model_checkpoint_paths, s.all_model_checkpoint_paths);
  EXPECT_EQ(got->all_model_checkpoint_timestamps, s.all_model_checkpoint_timestamps);  // exact
  EXPECT_EQ(got->last_preserved_timestamp, s.last_preserved_timestamp);
  // Text format, fields in field-number order, one line each (spec 2.1).
  auto text = ReadFileToString(JoinPath(dir, "checkpoint"));
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->rfind("model_checkpoint_path: \"ckpt-3\"\n", 0), 0u) << *text;
  EXPECT_NE(text->find("all_model_checkpoint_paths: \"ckpt-1\"\nall_model_checkpoint_paths: "
                       "\"/abs/ckpt-2\"\nall_model_checkpoint_paths: \"ckpt-3\"\n"),
            std::string::npos)
      << *text;
}

TEST(CheckpointStateFile, TextWrittenLikeTensorFlowIsRead) {
  // What Python's text_format writes for a CheckpointManager, incl. an escaped quote.
  const std::string dir = MakeTempDir("pytext");
  ASSERT_TRUE(WriteFileAtomically(JoinPath(dir, "checkpoint"),
                                  "model_checkpoint_path: \"ckpt-2\"\n"
                                  "all_model_checkpoint_paths: \"ckpt-1\"\n"
                                  "all_model_checkpoint_paths: \"ckpt-2\"\n"
                                  "all_model_checkpoint_timestamps: 1732546514.8821542\n"
                                  "all_model_checkpoint_timestamps: 1732546515.1\n"
                                  "last_preserved_timestamp: 1732546513.5\n",
                                  false)
                  .ok());
  auto got = ReadCheckpointState(dir);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->all_model_checkpoint_paths, (std::vector<std::string>{"ckpt-1", "ckpt-2"}));
  EXPECT_EQ(got->all_model_checkpoint_timestamps,
            (std::vector<double>{1732546514.8821542, 1732546515.1}));
  EXPECT_EQ(got->last_preserved_timestamp, 1732546513.5);
}

TEST(CheckpointStateFile, Errors) {
  const std::string dir = MakeTempDir("errors");
  auto missing = ReadCheckpointState(dir);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(
      WriteFileAtomically(JoinPath(dir, "checkpoint"), "model_checkpoint_path: [", false).ok());
  auto garbage = ReadCheckpointState(dir);
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.status().message().find(JoinPath(dir, "checkpoint")), std::string::npos);
  ASSERT_TRUE(WriteFileAtomically(JoinPath(dir, "checkpoint"), "", false).ok());
  auto empty = LatestCheckpoint(dir);
  ASSERT_FALSE(empty.ok());
  EXPECT_FALSE(WriteCheckpointState(dir, CheckpointState{}, "sub/checkpoint").ok());
}

TEST(CheckpointStateFile, LatestCheckpointRelativeAndAbsolute) {
  const std::string dir = MakeTempDir("latest");
  const std::string other = MakeTempDir("latest_other");
  ASSERT_TRUE(SaveCheckpoint(JoinPath(dir, "model-1"), EntriesForStep(1), 1, {.sync = false}).ok());
  ASSERT_TRUE(SaveCheckpoint(JoinPath(other, "abs-9"), EntriesForStep(9), 1, {.sync = false}).ok());

  CheckpointState s;
  s.model_checkpoint_path = "model-1";
  s.all_model_checkpoint_paths = {"model-1"};
  ASSERT_TRUE(WriteCheckpointState(dir, s).ok());
  auto rel = LatestCheckpoint(dir);
  ASSERT_TRUE(rel.ok()) << rel.status().ToString();
  EXPECT_EQ(*rel, JoinPath(dir, "model-1"));

  s.model_checkpoint_path = JoinPath(other, "abs-9");
  ASSERT_TRUE(WriteCheckpointState(dir, s).ok());
  auto abs = LatestCheckpoint(dir);
  ASSERT_TRUE(abs.ok()) << abs.status().ToString();
  EXPECT_EQ(*abs, JoinPath(other, "abs-9"));
  auto reader = CheckpointReader::Open(dir);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->Read("step")->flat<int64_t>()[0], 9);

  // The index is gone: NotFound naming it.
  ASSERT_TRUE(DeleteFile(JoinPath(other, "abs-9.index")).ok());
  auto gone = LatestCheckpoint(dir);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), StatusCode::kNotFound);
  EXPECT_NE(gone.status().message().find(JoinPath(other, "abs-9.index")), std::string::npos)
      << gone.status().message();

  // A custom state file name.
  s.model_checkpoint_path = "model-1";
  ASSERT_TRUE(WriteCheckpointState(dir, s, "my_state").ok());
  auto custom = LatestCheckpoint(dir, "my_state");
  ASSERT_TRUE(custom.ok());
  EXPECT_EQ(*custom, JoinPath(dir, "model-1"));
}

TEST(CheckpointStateFile, RelativeDirectory) {
  // A directory given relative to the working directory: the state stores "ckpt-N", and the
  // latest checkpoint is "<dir>/ckpt-N", still relative.
  const std::string base = MakeTempDir("relative");
  char old_cwd[4096];
  ASSERT_NE(::getcwd(old_cwd, sizeof(old_cwd)), nullptr);
  ASSERT_EQ(::chdir(base.c_str()), 0);
  {
    auto m = CheckpointManager::Open("run/ckpts", ManagerOptions(1));
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    EXPECT_TRUE(m->Save(1, EntriesForStep(1)).ok());
    auto saved = m->Save(2, EntriesForStep(2));
    ASSERT_TRUE(saved.ok()) << saved.status().ToString();
    EXPECT_EQ(*saved, "run/ckpts/ckpt-2");
    auto state = ReadCheckpointState("run/ckpts");
    ASSERT_TRUE(state.ok());
    EXPECT_EQ(state->all_model_checkpoint_paths, std::vector<std::string>{"ckpt-2"});
    auto latest = LatestCheckpoint("run/ckpts");
    ASSERT_TRUE(latest.ok()) << latest.status().ToString();
    EXPECT_EQ(*latest, "run/ckpts/ckpt-2");
    auto r = CheckpointReader::Open("run/ckpts");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ((*r)->Read("step")->flat<int64_t>()[0], 2);
    EXPECT_FALSE(FileExists("run/ckpts/ckpt-1.index"));
    // A bare prefix in the working directory.
    EXPECT_TRUE(SaveCheckpoint("bare", EntriesForStep(3), 1, {.sync = true}).ok());
    auto bare = CheckpointReader::Open("bare");
    ASSERT_TRUE(bare.ok()) << bare.status().ToString();
    EXPECT_EQ((*bare)->Read("step")->flat<int64_t>()[0], 3);
  }
  ASSERT_EQ(::chdir(old_cwd), 0);
}

TEST(CheckpointStateFile, DeleteCheckpointFiles) {
  const std::string dir = MakeTempDir("delete");
  std::vector<SaveEntry> entries = EntriesForStep(1);
  ASSERT_TRUE(SaveCheckpoint(JoinPath(dir, "m-1"), entries, 2, {.sync = false}).ok());
  ASSERT_TRUE(SaveCheckpoint(JoinPath(dir, "m-10"), entries, 1, {.sync = false}).ok());
  ASSERT_TRUE(WriteFileAtomically(JoinPath(dir, "m-1.meta"), "meta", false).ok());
  ASSERT_TRUE(DeleteCheckpointFiles(JoinPath(dir, "m-1")).ok());
  // m-10 (whose name starts with "m-1") is untouched.
  EXPECT_EQ(Files(dir), (std::vector<std::string>{"m-10.data-00000-of-00001", "m-10.index"}));
  EXPECT_TRUE(DeleteCheckpointFiles(JoinPath(dir, "never-written")).ok());
}

// ---- CheckpointManager -------------------------------------------------------------------

TEST(CheckpointManagerTest, KeepsTheLastTwo) {
  const std::string dir = MakeTempDir("manager");
  auto m = CheckpointManager::Open(dir, ManagerOptions(2));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_FALSE(m->latest().has_value());
  for (int64_t step = 1; step <= 5; ++step) {
    auto prefix = m->SaveWith(step, [&](const std::string& p) -> Status {
      TFM_RETURN_IF_ERROR(SaveCheckpoint(p, EntriesForStep(step), 1, {.sync = false}));
      return WriteFileAtomically(p + ".meta", "meta of step " + std::to_string(step), false);
    });
    ASSERT_TRUE(prefix.ok()) << prefix.status().ToString();
    EXPECT_EQ(*prefix, JoinPath(dir, "ckpt-" + std::to_string(step)));
  }
  EXPECT_EQ(m->checkpoints(),
            (std::vector<std::string>{JoinPath(dir, "ckpt-4"), JoinPath(dir, "ckpt-5")}));
  EXPECT_EQ(m->latest(), JoinPath(dir, "ckpt-5"));
  EXPECT_EQ(Files(dir),
            (std::vector<std::string>{"checkpoint", "ckpt-4.data-00000-of-00001", "ckpt-4.index",
                                      "ckpt-4.meta", "ckpt-5.data-00000-of-00001", "ckpt-5.index",
                                      "ckpt-5.meta"}));
  auto state = ReadCheckpointState(dir);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->model_checkpoint_path, "ckpt-5");
  EXPECT_EQ(state->all_model_checkpoint_paths, (std::vector<std::string>{"ckpt-4", "ckpt-5"}));
  ASSERT_EQ(state->all_model_checkpoint_timestamps.size(), 2u);
  EXPECT_LE(state->all_model_checkpoint_timestamps[0], state->all_model_checkpoint_timestamps[1]);
  EXPECT_GT(state->all_model_checkpoint_timestamps[0], 1.5e9);  // seconds since the epoch

  auto latest = LatestCheckpoint(dir);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(*latest, JoinPath(dir, "ckpt-5"));
  auto r = CheckpointReader::Open(dir);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->Read("step")->flat<int64_t>()[0], 5);

  // Reopening recovers the list, and retention continues from it.
  auto again = CheckpointManager::Open(dir, ManagerOptions(2));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->checkpoints(), m->checkpoints());
  ASSERT_TRUE(again->Save(6, EntriesForStep(6)).ok());
  EXPECT_EQ(again->checkpoints(),
            (std::vector<std::string>{JoinPath(dir, "ckpt-5"), JoinPath(dir, "ckpt-6")}));
  EXPECT_FALSE(FileExists(JoinPath(dir, "ckpt-4.index")));
  EXPECT_FALSE(FileExists(JoinPath(dir, "ckpt-4.meta")));
  EXPECT_FALSE(FileExists(JoinPath(dir, "ckpt-4.data-00000-of-00001")));
}

TEST(CheckpointManagerTest, MaxToKeepZeroKeepsAll) {
  const std::string dir = MakeTempDir("keepall");
  auto m = CheckpointManager::Open(dir, ManagerOptions(0));
  ASSERT_TRUE(m.ok());
  for (int64_t step = 10; step <= 50; step += 10)
    ASSERT_TRUE(m->Save(step, EntriesForStep(step)).ok());
  EXPECT_EQ(m->checkpoints().size(), 5u);
  auto state = ReadCheckpointState(dir);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->all_model_checkpoint_paths,
            (std::vector<std::string>{"ckpt-10", "ckpt-20", "ckpt-30", "ckpt-40", "ckpt-50"}));
  EXPECT_EQ(state->model_checkpoint_path, "ckpt-50");
  for (int64_t step = 10; step <= 50; step += 10) {
    auto r = CheckpointReader::Open(JoinPath(dir, "ckpt-" + std::to_string(step)));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)->Read("step")->flat<int64_t>()[0], step);
  }
}

TEST(CheckpointManagerTest, SavingTheSameStepAgainReplacesIt) {
  const std::string dir = MakeTempDir("resave");
  auto m = CheckpointManager::Open(dir, ManagerOptions(3));
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(m->Save(1, EntriesForStep(1)).ok());
  ASSERT_TRUE(m->Save(2, EntriesForStep(2)).ok());
  ASSERT_TRUE(m->Save(1, EntriesForStep(7)).ok());
  EXPECT_EQ(m->checkpoints(),
            (std::vector<std::string>{JoinPath(dir, "ckpt-2"), JoinPath(dir, "ckpt-1")}));
  auto r = CheckpointReader::Open(dir);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->Read("step")->flat<int64_t>()[0], 7);
}

TEST(CheckpointManagerTest, FailedWriteChangesNothing) {
  const std::string dir = MakeTempDir("failed");
  auto m = CheckpointManager::Open(dir, ManagerOptions(1));
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(m->Save(1, EntriesForStep(1)).ok());
  auto failed = m->SaveWith(2, [](const std::string&) { return Internal("disk on fire"); });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(m->checkpoints(), std::vector<std::string>{JoinPath(dir, "ckpt-1")});
  auto latest = LatestCheckpoint(dir);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(*latest, JoinPath(dir, "ckpt-1"));
}

TEST(CheckpointManagerTest, ReopenSkipsCheckpointsWhoseFilesAreGone) {
  const std::string dir = MakeTempDir("reopen");
  auto m = CheckpointManager::Open(dir, ManagerOptions(5));
  ASSERT_TRUE(m.ok());
  for (int64_t step = 1; step <= 3; ++step) ASSERT_TRUE(m->Save(step, EntriesForStep(step)).ok());
  ASSERT_TRUE(DeleteCheckpointFiles(JoinPath(dir, "ckpt-2")).ok());
  auto again = CheckpointManager::Open(dir, ManagerOptions(5));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->checkpoints(),
            (std::vector<std::string>{JoinPath(dir, "ckpt-1"), JoinPath(dir, "ckpt-3")}));
}

TEST(CheckpointManagerTest, InvalidOptions) {
  EXPECT_FALSE(CheckpointManager::Open("", ManagerOptions(2)).ok());
  CheckpointManager::Options o = ManagerOptions(2);
  o.checkpoint_name = "a/b";
  EXPECT_FALSE(CheckpointManager::Open(MakeTempDir("opts"), o).ok());
}

}  // namespace
}  // namespace tfmodel
