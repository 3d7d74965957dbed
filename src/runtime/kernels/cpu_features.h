// Which build of a kernel file's vector code runs: AVX2+FMA when the CPU has both (x86-64), else
// the 16-byte-vector build; tests can force the latter (gemm.cc, vmath.cc).
#ifndef TFMODEL_SRC_RUNTIME_KERNELS_CPU_FEATURES_H_
#define TFMODEL_SRC_RUNTIME_KERNELS_CPU_FEATURES_H_

#include <atomic>

namespace tfmodel {

class KernelIsa {
 public:
  bool Avx2Fma() const {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return has && !force_vec128_.load(std::memory_order_relaxed);
#else
    return false;
#endif
  }
  void ForceVec128(bool force) { force_vec128_.store(force); }

 private:
  std::atomic<bool> force_vec128_{false};
};

}  // namespace tfmodel

#endif  // TFMODEL_SRC_RUNTIME_KERNELS_CPU_FEATURES_H_
