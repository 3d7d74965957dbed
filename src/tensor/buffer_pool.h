// BufferPool: keeps the pages of large freed tensor buffers mapped and hands them out again.
//
// Why: glibc returns big blocks to the kernel on free (munmap above its mmap threshold, heap
// trimming otherwise), so each inference step's activations were faulted in afresh and the
// kernel zeroed every page again (clear_page_erms: 8-9% of MobileNetV2/ResNet50 inference).
// Size-class free lists cannot fix that within a small memory bound: a CNN's activation sizes
// change per layer, so per-class caches hold ~2x the peak in use (MobileNetV2 batch 32: 170 MB
// cached for an 80 MB peak), and bounding them re-faults most buffers. This pool is instead a
// best-fit allocator with coalescing over a few 64 MiB mappings, which a recorded trace shows
// reusing every page in steady state while touching only 1.05-1.3x the peak in use.
// We do not change glibc's thresholds with mallopt: that would alter the host application's
// own malloc behaviour behind its back.
//
// Blocks are page aligned; blocks of kHugeBytes or more are 2 MiB aligned, 2 MiB rounded and
// advised MADV_HUGEPAGE. Returned memory is uninitialised unless `*zeroed` says otherwise.
// Memory kept: free ranges that may be resident ("dirty") are bounded so that in-use plus dirty
// bytes stay within kRetainFactor times the recent peak in use (the higher of the current and
// the previous 10 s window) and within Options::max_cached_bytes; beyond that the largest dirty
// ranges are given back with MADV_DONTNEED (their address space stays mapped). Trim() gives
// back every dirty range and unmaps wholly free mappings.
//
// Thread safety: all methods may be called concurrently (one mutex; large allocations are
// rare, hundreds per inference call).
#ifndef TFMODEL_SRC_TENSOR_BUFFER_POOL_H_
#define TFMODEL_SRC_TENSOR_BUFFER_POOL_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <utility>

#if defined(__SANITIZE_ADDRESS__)
#define TFMODEL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TFMODEL_ASAN 1
#endif
#endif

namespace tfmodel {

#ifdef TFMODEL_ASAN
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif

class BufferPool {
 public:
  static constexpr size_t kHugeBytes = size_t{4} << 20;  // 2 MiB aligned, MADV_HUGEPAGE
  static constexpr size_t kHugeAlign = size_t{2} << 20;
  static constexpr size_t kChunkBytes = size_t{64} << 20;  // address space mapped at a time
  static constexpr double kRetainFactor = 1.5;

  struct Options {
    size_t max_cached_bytes = std::numeric_limits<size_t>::max();  // dirty free bytes kept
    std::chrono::steady_clock::duration peak_window = std::chrono::seconds(10);
  };
  struct Stats {
    size_t in_use_bytes = 0;  // handed out (rounded sizes)
    size_t cached_bytes = 0;  // free and possibly resident
    size_t mapped_bytes = 0;  // address space held
  };

  BufferPool() : BufferPool(Options{}) {}
  explicit BufferPool(Options options) : options_(options) {}
  ~BufferPool();  // unmaps everything; REQUIRES: no block is in use
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // A block of at least `bytes` (> 0), or nullptr when the kernel refuses memory. `*zeroed`
  // is set when the block is known to read as zeros (never touched since mapped or released).
  void* Allocate(size_t bytes, bool* zeroed);
  // REQUIRES: `p` came from Allocate(bytes) on this pool and is not used any more.
  void Free(void* p, size_t bytes);
  // Gives every cached page back to the kernel.
  void Trim();
  Stats GetStats() const;

  // The process-wide pool behind large tensor buffers (never destroyed).
  static BufferPool& Global();

 private:
  struct Range {
    size_t size;
    bool clean;  // known not resident (reads as zeros)
  };
  using SizeIndex = std::set<std::pair<size_t, uintptr_t>>;

  static size_t RoundedSize(size_t bytes);
  // Best fit among `index` for `size` bytes aligned to `align`; 0 if none.
  uintptr_t FindFit(const SizeIndex& index, size_t size, size_t align) const;
  uintptr_t FindDirtyThenClean(size_t size, size_t align) const;
  // Takes [block, block + size) out of the free ranges; whether it was all clean.
  bool Carve(uintptr_t block, size_t size);
  void AddFree(uintptr_t start, size_t size, bool clean);     // no merging
  void InsertFree(uintptr_t start, size_t size, bool clean);  // merges with like neighbours
  void EraseFree(std::map<uintptr_t, Range>::iterator it);
  bool MapChunk(size_t size);
  void NoteInUse();  // updates the peak windows
  void ShrinkToBound();
  void Release(std::map<uintptr_t, Range>::iterator it);  // MADV_DONTNEED, marks clean

  const Options options_;
  mutable std::mutex mu_;
  std::map<uintptr_t, size_t> chunks_;  // mapping start -> length
  std::map<uintptr_t, Range> free_;     // free ranges by start address
  SizeIndex dirty_by_size_, clean_by_size_;
  size_t in_use_ = 0, dirty_ = 0, mapped_ = 0;
  size_t peak_current_ = 0, peak_previous_ = 0;
  std::chrono::steady_clock::time_point window_start_ = std::chrono::steady_clock::now();
};

}  // namespace tfmodel

#endif  // TFMODEL_SRC_TENSOR_BUFFER_POOL_H_
