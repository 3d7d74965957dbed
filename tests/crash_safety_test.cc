// Crash safety of CheckpointManager: a child process saves checkpoints in a loop and is killed
// with SIGKILL at a (seeded) random moment; afterwards the directory must always hold an intact
// latest checkpoint with exactly the values the child wrote for that step.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "src/base/file.h"
#include "tfmodel/checkpoint.h"

namespace tfmodel {
namespace {

constexpr int kIterations = 24;
constexpr int kMaxToKeep = 2;

// The tensors saved for `step` (about 4 MB), a deterministic function of the step.
std::vector<SaveEntry> EntriesForStep(int64_t step) {
  std::vector<float> a(256 * 1024);
  for (size_t i = 0; i < a.size(); ++i)
    a[i] = static_cast<float>((step * 7919 + i) % 100003) * 0.5f;
  std::vector<double> b(128 * 1024);
  for (size_t i = 0; i < b.size(); ++i)
    b[i] = static_cast<double>(step) + static_cast<double>(i) * 1e-3;
  std::vector<int32_t> c(512 * 1024);
  for (size_t i = 0; i < c.size(); ++i) c[i] = static_cast<int32_t>(step ^ static_cast<int64_t>(i));
  return {
      {"step", Tensor::Scalar(step), std::nullopt},
      {"a", Tensor::FromVector<float>(a, Shape{512, 512}), std::nullopt},
      {"b", Tensor::FromVector<double>(b, Shape{static_cast<int64_t>(b.size())}), std::nullopt},
      {"c", Tensor::FromVector<int32_t>(c, Shape{1024, 512}), std::nullopt},
      {"s", Tensor::Strings({"step " + std::to_string(step), std::string(step % 97, 'x'), ""}),
       std::nullopt},
  };
}

CheckpointManager::Options ManagerOptions() {
  CheckpointManager::Options o;
  o.max_to_keep = kMaxToKeep;
  o.writer.sync = true;  // the real protocol, fsyncs included
  return o;
}

// Child: saves steps first, first+1, ... forever, writing each finished step to `fd`.
[[noreturn]] void RunSaver(const std::string& dir, int64_t first, int fd) {
  auto m = CheckpointManager::Open(dir, ManagerOptions());
  if (!m.ok()) _exit(2);
  for (int64_t step = first;; ++step) {
    if (!m->Save(step, EntriesForStep(step)).ok()) _exit(3);
    if (::write(fd, &step, sizeof(step)) != sizeof(step)) _exit(4);
  }
}

// Reads every step number available on `fd` within `timeout_ms`; returns the last (or -1).
int64_t ReadSteps(int fd, int timeout_ms) {
  int64_t last = -1;
  pollfd p{fd, POLLIN, 0};
  while (::poll(&p, 1, timeout_ms) > 0) {
    int64_t step;
    if (::read(fd, &step, sizeof(step)) != sizeof(step)) break;
    last = step;
    timeout_ms = 0;
  }
  return last;
}

int64_t StepOf(const std::string& prefix) {
  return std::stoll(prefix.substr(prefix.rfind('-') + 1));
}

// Where the kill landed, judged from the files it left behind that earlier kills did not:
// `leftovers` holds the names not belonging to a listed checkpoint, and is updated.
std::string Phase(const std::string& dir, const std::set<int64_t>& listed,
                  std::set<std::string>& leftovers) {
  bool data_tmp = false, index_tmp = false, state_tmp = false, unlisted_new = false,
       unlisted_old = false;
  std::set<std::string> now;
  const std::vector<std::string> names = ListDirectory(dir).value();
  for (const std::string& n : names) {
    if (n == "checkpoint") continue;
    const bool is_tmp =
        n.find(".tempstate") != std::string::npos || n.rfind("checkpoint.tmp", 0) == 0;
    const int64_t step = n.rfind("ckpt-", 0) == 0 ? std::stoll(n.substr(5)) : -1;
    if (!is_tmp && listed.count(step)) continue;
    now.insert(n);
    if (leftovers.count(n)) continue;  // left by an earlier kill
    if (n.rfind("checkpoint.tmp", 0) == 0) {
      state_tmp = true;
    } else if (is_tmp) {
      (n.find(".index.") != std::string::npos ? index_tmp : data_tmp) = true;
    } else {
      (step > *listed.rbegin() ? unlisted_new : unlisted_old) = true;
    }
  }
  leftovers = std::move(now);
  if (state_tmp) return "state writing";
  if (index_tmp) return "index writing";
  if (unlisted_new) return "renames, before the state";
  if (unlisted_old) return "deletion";
  if (data_tmp) return "data writing";
  return "between files";
}

TEST(CrashSafety, KilledSaverAlwaysLeavesAnIntactLatestCheckpoint) {
  const std::string dir = ::testing::TempDir() + "tfm_crash_safety_" + RandomDigits();
  ASSERT_TRUE(CreateDirectories(dir).ok());

  // Calibrate how long the child takes to make the tensors of a step and to save them (and
  // start with a valid checkpoint).
  auto calibrate = CheckpointManager::Open(dir, ManagerOptions());
  ASSERT_TRUE(calibrate.ok());
  using Clock = std::chrono::steady_clock;
  Clock::duration make_time{}, save_time{};
  for (int64_t step = 1; step <= 3; ++step) {
    auto t0 = Clock::now();
    std::vector<SaveEntry> entries = EntriesForStep(step);
    auto t1 = Clock::now();
    ASSERT_TRUE(calibrate->Save(step, entries).ok());
    make_time += t1 - t0;
    save_time += Clock::now() - t1;
  }
  const int64_t make_us =
      std::chrono::duration_cast<std::chrono::microseconds>(make_time).count() / 3;
  const int64_t save_us =
      std::chrono::duration_cast<std::chrono::microseconds>(save_time).count() / 3;

  std::mt19937 rng(20261125);
  std::map<std::string, int> phases;
  std::set<std::string> leftovers;
  int64_t latest_step = 3;
  for (int iter = 0; iter < kIterations; ++iter) {
    SCOPED_TRACE(::testing::Message() << "iteration " << iter);
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      RunSaver(dir, latest_step + 1, fds[1]);
    }
    ::close(fds[1]);
    // Let the child finish two saves (timing the second, as fsync times vary), then kill it at
    // a random point of the next: half the kills anywhere in the save, half near its end
    // (index, renames, state, deletion).
    int64_t reported = ReadSteps(fds[0], 30000);
    const auto first_done = Clock::now();
    reported = std::max(reported, ReadSteps(fds[0], 30000));
    const int64_t cycle_us =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - first_done).count();
    const int64_t this_save_us = std::max(cycle_us - make_us, save_us / 2);
    const double fraction = iter % 2 == 0 ? std::uniform_real_distribution<double>(0, 1.1)(rng)
                                          : std::uniform_real_distribution<double>(0.8, 1.05)(rng);
    std::this_thread::sleep_for(
        std::chrono::microseconds(make_us + static_cast<int64_t>(fraction * this_save_us)));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the saver failed by itself with status " << status;
    reported = std::max(reported, ReadSteps(fds[0], 0));
    ::close(fds[0]);
    ASSERT_GT(reported, latest_step) << "the child finished no save";

    // The latest checkpoint resolves, is intact, and holds what was written for its step.
    auto latest = LatestCheckpoint(dir);
    ASSERT_TRUE(latest.ok()) << latest.status().ToString();
    const int64_t step = StepOf(*latest);
    EXPECT_GE(step, reported);      // every reported save is durable
    EXPECT_LE(step, reported + 1);  // at most the save in flight
    auto reader = CheckpointReader::Open(dir);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    for (const auto& p : (*reader)->Verify()) {
      ADD_FAILURE() << p.tensor << " in " << p.file << ": " << p.message;
    }
    const std::vector<SaveEntry> expected = EntriesForStep(step);
    ASSERT_EQ((*reader)->tensors().size(), expected.size());
    for (const SaveEntry& e : expected) {
      auto t = (*reader)->Read(e.name);
      ASSERT_TRUE(t.ok()) << e.name << ": " << t.status().ToString();
      EXPECT_TRUE(t->Equals(e.tensor)) << e.name << " differs at step " << step;
    }

    // The manager reopens on what is left, listing at most max_to_keep live checkpoints.
    auto reopened = CheckpointManager::Open(dir, ManagerOptions());
    ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
    ASSERT_TRUE(reopened->latest().has_value());
    EXPECT_EQ(*reopened->latest(), *latest);
    EXPECT_LE(reopened->checkpoints().size(), static_cast<size_t>(kMaxToKeep));
    std::set<int64_t> listed;
    for (const std::string& p : reopened->checkpoints()) {
      listed.insert(StepOf(p));
      EXPECT_TRUE(CheckpointReader::Open(p).ok()) << p;
    }
    ASSERT_FALSE(listed.empty());
    ++phases[Phase(dir, listed, leftovers)];
    latest_step = step;
  }
  std::string summary;
  for (const auto& [phase, n] : phases) summary += phase + ": " + std::to_string(n) + "; ";
  std::cout << "making a step's tensors takes ~" << make_us << " us, saving them ~" << save_us
            << " us; kills landed in: " << summary << "\n";
  RecordProperty("kill_phases", summary);
  EXPECT_GE(phases.size(), 2u) << summary;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tfmodel
