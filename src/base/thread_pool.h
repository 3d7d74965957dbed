// A fixed set of worker threads that run scheduled closures, and a ParallelFor on top of it.
//
//   ThreadPool pool(3);                       // three workers
//   pool.Schedule([] { ... });                // runs on some worker, FIFO
//   pool.ParallelFor(64, [&](int64_t i) { ... });  // i = 0..63; the caller works too
//
// ParallelFor never waits for a task that has not started: the calling thread claims pieces itself
// and only waits for pieces other threads are already running. So it may be called from a worker of
// the same pool (a kernel inside a parallel graph run) without deadlock, even when every worker is
// busy.
//
// An idle worker, and a ParallelFor caller waiting for its helpers, poll for up to kSpinMicros
// before sleeping on a condition variable: waking a sleeping thread took ~100 us on the 2-core VMs
// we measure on, as long as a whole small convolution, so a parallel region only paid when the
// worker was still awake from the one before (bench/tf2_bench.sh, 2 threads).
//
// Thread safety: every method may be called from any thread, including the pool's workers. The
// destructor runs what is still queued, then joins; nothing may be scheduled after it began.
#ifndef TFMODEL_SRC_BASE_THREAD_POOL_H_
#define TFMODEL_SRC_BASE_THREAD_POOL_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tfmodel {

class ThreadPool {
 public:
  // REQUIRES: num_workers >= 1.
  explicit ThreadPool(int num_workers);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_workers() const { return static_cast<int>(workers_.size()); }
  void Schedule(std::function<void()> fn);
  // Calls fn(i) once for every i in [0, n), on the calling thread and up to `max_helpers` workers
  // (default: all of them), and returns when every call has returned.
  void ParallelFor(int64_t n, const std::function<void(int64_t)>& fn, int max_helpers = -1);

  // The number of threads to use for "0 = as many as the machine has".
  static int HardwareConcurrency();

  static constexpr int kSpinMicros = 200;

 private:
  void WorkerLoop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::atomic<int64_t> queued_{0};  // queue_.size(), readable without the lock
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> workers_;
};

}  // namespace tfmodel

#endif  // TFMODEL_SRC_BASE_THREAD_POOL_H_
