// The benchmarks' timing of one call: the median (or, for A/B decisions on a loaded machine, the
// least disturbed) seconds per call over samples of several calls. Used by inference_bench.cc and
// tf2_bench.cc; tf_inference_bench.py does the same in Python.
#ifndef TFMODEL_BENCH_TIME_PER_CALL_H_
#define TFMODEL_BENCH_TIME_PER_CALL_H_

#include <algorithm>
#include <chrono>
#include <vector>

namespace tfmodel::bench {

inline double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Calls fn repeatedly for about `seconds` (at least 3 samples, each about seconds / 15) after a
// warm-up call (caches, plans, pack buffers) and returns the median seconds per call over the
// samples, or the fastest sample with `best`.
template <typename Fn>
double TimePerCall(Fn&& fn, double seconds, bool best = false) {
  fn();
  const double t0 = Now();
  fn();
  const double once = std::max(Now() - t0, 1e-7);
  const int per_sample = std::max(1, static_cast<int>(seconds / 15 / once));
  std::vector<double> samples;
  const double start = Now();
  while (samples.size() < 3 || (Now() - start < seconds && samples.size() < 1000)) {
    const double s0 = Now();
    for (int i = 0; i < per_sample; ++i) fn();
    samples.push_back((Now() - s0) / per_sample);
  }
  if (best) return *std::min_element(samples.begin(), samples.end());
  std::nth_element(samples.begin(), samples.begin() + samples.size() / 2, samples.end());
  return samples[samples.size() / 2];
}

}  // namespace tfmodel::bench

#endif  // TFMODEL_BENCH_TIME_PER_CALL_H_
