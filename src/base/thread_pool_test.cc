// ThreadPool: every scheduled closure runs, ParallelFor covers its range exactly once, and nested
// ParallelFor from inside a busy pool finishes (the caller claims work itself).
#include "src/base/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace tfmodel {
namespace {

TEST(ThreadPool, RunsEveryScheduledClosureBeforeDestruction) {
  std::atomic<int> count{0};
  {
    ThreadPool pool(3);
    for (int i = 0; i < 1000; ++i) pool.Schedule([&] { count.fetch_add(1); });
  }
  EXPECT_EQ(count.load(), 1000);
}

TEST(ThreadPool, ParallelForCoversTheRangeOnce) {
  ThreadPool pool(2);
  for (int64_t n : {0, 1, 2, 7, 1000}) {
    std::vector<std::atomic<int>> hits(n);
    pool.ParallelFor(n, [&](int64_t i) { hits[i].fetch_add(1); });
    for (int64_t i = 0; i < n; ++i) EXPECT_EQ(hits[i].load(), 1) << "n=" << n << " i=" << i;
  }
}

TEST(ThreadPool, NestedParallelForInsideEveryWorkerFinishes) {
  ThreadPool pool(2);
  std::atomic<int64_t> sum{0};
  // The outer pieces occupy both workers and the caller; each inner ParallelFor must still finish
  // without any free worker.
  pool.ParallelFor(
      6, [&](int64_t i) { pool.ParallelFor(100, [&](int64_t j) { sum.fetch_add(i * 100 + j); }); });
  int64_t want = 0;
  for (int64_t k = 0; k < 600; ++k) want += k;
  EXPECT_EQ(sum.load(), want);
}

TEST(ThreadPool, MaxHelpersZeroRunsOnTheCaller) {
  ThreadPool pool(2);
  const auto caller = std::this_thread::get_id();
  bool all_on_caller = true;
  pool.ParallelFor(
      50, [&](int64_t) { all_on_caller &= std::this_thread::get_id() == caller; },
      /*max_helpers=*/0);
  EXPECT_TRUE(all_on_caller);
}

}  // namespace
}  // namespace tfmodel
