// GEMM's few-rows path (batch-1 inference: m < 6 rows of C, and up to 32 for ResNet50's 4x4
// pixels) against this machine's memory bandwidth. B (k x n floats, the weights) is read from
// memory, not cache: each call uses the next of enough copies of B to overflow the last-level
// cache, as a model's weights do between layers.
//
//   gemv_bench [--seconds 0.3] [--threads 1] [--shape MxKxN] [--best 1] [--cpu 1] [--vec128 1]
//
// Per shape: microseconds per call (median), the GB/s of B that makes, and that as a fraction of
// a plain streaming read of the same bytes (the bound for a product that reads B once). With
// --best 1, the fastest sample instead of the median; with --cpu 1 (one thread), the calling
// thread's mean CPU time per call instead of wall time: both for A/B decisions on a loaded machine.
// --vec128 1 runs the 16-byte-vector kernels where AVX2 is available.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "bench/time_per_call.h"
#include "src/base/thread_pool.h"
#include "src/runtime/kernels/gemm.h"

using namespace tfmodel;

namespace {

constexpr size_t kColdBytes = size_t{256} << 20;  // more than any last-level cache here

struct Shape {
  int64_t m, k, n;
};

// Copies of `bytes` bytes, enough of them to overflow the caches.
struct ColdCopies {
  explicit ColdCopies(size_t bytes) : count(std::max<size_t>(2, kColdBytes / bytes)) {
    data.resize(count * (bytes / sizeof(float)));
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<float>(i % 17) * 0.01f - 0.08f;
    stride = bytes / sizeof(float);
  }
  const float* Next() { return data.data() + (next++ % count) * stride; }
  size_t count, stride, next = 0;
  std::vector<float> data;
};

// Reads `words` 64-bit words; the result is consumed so the loop is not removed.
uint64_t StreamRead(const uint64_t* p, size_t words) {
  uint64_t x0 = 0, x1 = 0, x2 = 0, x3 = 0;
  for (size_t i = 0; i + 4 <= words; i += 4) {
    x0 ^= p[i];
    x1 ^= p[i + 1];
    x2 ^= p[i + 2];
    x3 ^= p[i + 3];
  }
  return x0 ^ x1 ^ x2 ^ x3;
}

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 0.3;
  int threads = 1;
  bool best = false, cpu = false;
  std::vector<Shape> shapes;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--seconds") {
      seconds = std::atof(argv[i + 1]);
    } else if (flag == "--threads") {
      threads = std::atoi(argv[i + 1]);
    } else if (flag == "--best") {
      best = std::atoi(argv[i + 1]) != 0;
    } else if (flag == "--vec128") {
      gemm::ForceVec128ForTesting(std::atoi(argv[i + 1]) != 0);
    } else if (flag == "--cpu") {
      cpu = std::atoi(argv[i + 1]) != 0;
    } else if (flag == "--shape") {
      Shape s{};
      if (std::sscanf(argv[i + 1], "%ldx%ldx%ld", &s.m, &s.k, &s.n) != 3) {
        std::fprintf(stderr, "gemv_bench: bad --shape %s (want MxKxN)\n", argv[i + 1]);
        return 1;
      }
      shapes.push_back(s);
    } else {
      std::fprintf(stderr,
                   "usage: gemv_bench [--seconds S] [--threads N] "
                   "[--shape MxKxN] [--best 1] [--cpu 1] [--vec128 1]\n");
      return 1;
    }
  }
  if (shapes.empty()) {
    // ResNet50's batch-1 products at 64x64 input (stage 4: 4 pixels; stage 3's
    // 16 pixels go through the tiled path) and the MLP's, for every m the
    // few-rows path takes.
    for (int64_t m = 1; m <= 5; ++m) {
      for (const auto& [k, n] : std::vector<std::pair<int64_t, int64_t>>{
               {512, 2048}, {2048, 512}, {4608, 512}, {1024, 2048}, {2048, 64}, {784, 256}}) {
        shapes.push_back({m, k, n});
      }
    }
  }
  std::unique_ptr<ThreadPool> pool;
  if (threads > 1) pool = std::make_unique<ThreadPool>(threads - 1);
  std::printf("gemm_kernel %s threads %d\n", gemm::KernelName(), threads);
  std::printf("%-16s %10s %8s %10s %8s %6s\n", "m x k x n", "us", "GB/s", "read GB/s", "memcpy",
              "of read");
  if (cpu && threads != 1) {
    std::fprintf(stderr, "gemv_bench: --cpu 1 needs --threads 1\n");
    return 1;
  }
  // Seconds per call: TimePerCall's wall time, or with --cpu the mean CPU time of the same calls.
  const auto Time = [&](auto&& fn, double secs, bool fastest) {
    double cpu_seconds = 0;
    int64_t calls = 0;
    const double wall = tfmodel::bench::TimePerCall(
        [&] {
          const double t0 = ThreadCpuSeconds();
          fn();
          cpu_seconds += ThreadCpuSeconds() - t0;
          ++calls;
        },
        secs, fastest);
    return cpu ? cpu_seconds / static_cast<double>(calls) : wall;
  };
  volatile uint64_t sink = 0;
  for (const Shape& s : shapes) {
    const size_t bytes = static_cast<size_t>(s.k * s.n) * sizeof(float);
    ColdCopies b(bytes);
    std::vector<float> a(static_cast<size_t>(s.m * s.k), 0.5f), c(static_cast<size_t>(s.m * s.n));
    const double t =
        Time([&] { gemm::Gemm<float>(a.data(), b.Next(), c.data(), s.m, s.k, s.n, pool.get()); },
             seconds, best);
    const double t_read = Time(
        [&] { sink = sink + StreamRead(reinterpret_cast<const uint64_t*>(b.Next()), bytes / 8); },
        seconds, best);
    std::vector<float> dst(bytes / sizeof(float));
    const double t_copy = Time([&] { std::memcpy(dst.data(), b.Next(), bytes); }, seconds, best);
    char name[64];
    std::snprintf(name, sizeof(name), "%ldx%ldx%ld", s.m, s.k, s.n);
    std::printf("%-16s %10.1f %8.2f %10.2f %8.2f %6.2f\n", name, t * 1e6, bytes / t / 1e9,
                bytes / t_read / 1e9, bytes / t_copy / 1e9, t_read / t);
    std::fflush(stdout);
  }
  return 0;
}
