// ThreadPool: one mutex-protected FIFO queue shared by the workers.
#include "src/base/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>

#include "src/base/logging.h"

namespace tfmodel {
namespace {

// Polls `ready` for up to ThreadPool::kSpinMicros; true once it holds.
template <typename Ready>
bool SpinUntil(Ready ready) {
  const auto until =
      std::chrono::steady_clock::now() + std::chrono::microseconds(ThreadPool::kSpinMicros);
  for (int i = 0;; ++i) {
    if (ready()) return true;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
    if ((i & 63) == 63 && std::chrono::steady_clock::now() >= until) return ready();
  }
}

}  // namespace

ThreadPool::ThreadPool(int num_workers) {
  TFM_CHECK(num_workers >= 1);
  workers_.reserve(num_workers);
  for (int i = 0; i < num_workers; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

int ThreadPool::HardwareConcurrency() { return std::max(1u, std::thread::hardware_concurrency()); }

void ThreadPool::Schedule(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(fn));
    queued_.fetch_add(1, std::memory_order_release);
  }
  cv_.notify_one();
}

void ThreadPool::WorkerLoop() {
  for (;;) {
    std::function<void()> fn;
    SpinUntil([this] {
      return queued_.load(std::memory_order_acquire) > 0 || stopping_.load();
    });
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_.load() || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has run
      fn = std::move(queue_.front());
      queue_.pop_front();
      queued_.fetch_sub(1, std::memory_order_relaxed);
    }
    fn();
  }
}

namespace {

// Shared by the caller and its helpers; helpers that start after the last piece was claimed touch
// only this (kept alive by their shared_ptr), never `fn`.
struct ForState {
  int64_t n = 0;
  const std::function<void(int64_t)>* fn = nullptr;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> unfinished{0};
  std::mutex mu;
  std::condition_variable done;
};

void ClaimAndRun(ForState& s) {
  for (int64_t i; (i = s.next.fetch_add(1)) < s.n;) {
    (*s.fn)(i);
    if (s.unfinished.fetch_sub(1) == 1) {
      std::lock_guard<std::mutex> lock(s.mu);
      s.done.notify_all();
    }
  }
}

}  // namespace

void ThreadPool::ParallelFor(int64_t n, const std::function<void(int64_t)>& fn, int max_helpers) {
  if (n <= 0) return;
  int64_t helpers = std::min<int64_t>(n - 1, num_workers());
  if (max_helpers >= 0) helpers = std::min<int64_t>(helpers, max_helpers);
  if (helpers == 0) {
    for (int64_t i = 0; i < n; ++i) fn(i);
    return;
  }
  auto state = std::make_shared<ForState>();
  state->n = n;
  state->fn = &fn;
  state->unfinished.store(n);
  for (int64_t h = 0; h < helpers; ++h) Schedule([state] { ClaimAndRun(*state); });
  ClaimAndRun(*state);
  if (SpinUntil([&] { return state->unfinished.load() == 0; })) return;
  std::unique_lock<std::mutex> lock(state->mu);
  state->done.wait(lock, [&] { return state->unfinished.load() == 0; });
}

}  // namespace tfmodel
