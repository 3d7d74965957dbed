// BufferPool: best-fit allocation with coalescing over retained anonymous mappings.
#include "src/tensor/buffer_pool.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <iterator>

#ifdef TFMODEL_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace tfmodel {

namespace {

// Free ranges are poisoned under ASan, so a stale pointer into a pooled block is reported.
void Poison(uintptr_t start, size_t size, bool poisoned) {
#ifdef TFMODEL_ASAN
  void* p = reinterpret_cast<void*>(start);
  if (poisoned) {
    ASAN_POISON_MEMORY_REGION(p, size);
  } else {
    ASAN_UNPOISON_MEMORY_REGION(p, size);
  }
#else
  (void)start, (void)size, (void)poisoned;
#endif
}

size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

size_t PageSize() {
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

}  // namespace

BufferPool::~BufferPool() {
  for (const auto& [start, size] : chunks_) {
    Poison(start, size, false);
    ::munmap(reinterpret_cast<void*>(start), size);
  }
}

BufferPool& BufferPool::Global() {
  static BufferPool* pool = new BufferPool();  // leaked: tensors may outlive static destructors
  return *pool;
}

size_t BufferPool::RoundedSize(size_t bytes) {
  return bytes >= kHugeBytes ? RoundUp(bytes, kHugeAlign) : RoundUp(bytes, PageSize());
}

void* BufferPool::Allocate(size_t bytes, bool* zeroed) {
  const size_t size = RoundedSize(bytes);
  const size_t align = size >= kHugeBytes ? kHugeAlign : PageSize();
  uintptr_t block = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Resident pages first: reusing them is the point; fresh pages cost a fault and a clear.
    block = FindFit(dirty_by_size_, size, align);
    if (block == 0) block = FindDirtyThenClean(size, align);
    if (block == 0) block = FindFit(clean_by_size_, size, align);
    if (block == 0) {
      if (!MapChunk(std::max(kChunkBytes, RoundUp(size, kHugeAlign)))) return nullptr;
      block = FindFit(clean_by_size_, size, align);
    }
    *zeroed = Carve(block, size);
    in_use_ += size;
    NoteInUse();
    ShrinkToBound();
  }
  Poison(block, size, false);
  void* p = reinterpret_cast<void*>(block);
  if (size >= kHugeBytes) ::madvise(p, size, MADV_HUGEPAGE);  // 2 MiB pages: 1/512 the faults
  return p;
}

void BufferPool::Free(void* p, size_t bytes) {
  const size_t size = RoundedSize(bytes);
  const auto start = reinterpret_cast<uintptr_t>(p);
  Poison(start, size, true);
  std::lock_guard<std::mutex> lock(mu_);
  in_use_ -= size;
  InsertFree(start, size, /*clean=*/false);
  NoteInUse();
  ShrinkToBound();
}

void BufferPool::Trim() {
  std::lock_guard<std::mutex> lock(mu_);
  while (!dirty_by_size_.empty()) Release(free_.find(dirty_by_size_.begin()->second));
  for (auto it = free_.begin(); it != free_.end();) {
    auto chunk = chunks_.find(it->first);
    auto next = std::next(it);
    if (chunk != chunks_.end() && chunk->second == it->second.size) {
      Poison(chunk->first, chunk->second, false);
      ::munmap(reinterpret_cast<void*>(chunk->first), chunk->second);
      mapped_ -= chunk->second;
      chunks_.erase(chunk);
      EraseFree(it);
    }
    it = next;
  }
}

BufferPool::Stats BufferPool::GetStats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return Stats{.in_use_bytes = in_use_, .cached_bytes = dirty_, .mapped_bytes = mapped_};
}

uintptr_t BufferPool::FindFit(const SizeIndex& index, size_t size, size_t align) const {
  for (auto it = index.lower_bound({size, 0}); it != index.end(); ++it) {
    const auto [range_size, start] = *it;
    const uintptr_t block = RoundUp(start, align);
    if (block + size <= start + range_size) return block;
  }
  return 0;
}

uintptr_t BufferPool::FindDirtyThenClean(size_t size, size_t align) const {
  // A dirty range followed by a clean one: the block starts on the resident pages and takes as
  // few fresh ones as it can.
  uintptr_t best = 0;
  size_t best_fresh = std::numeric_limits<size_t>::max();
  for (const auto& [range_size, start] : dirty_by_size_) {
    auto next = free_.upper_bound(start);
    if (next == free_.end() || next->first != start + range_size || !next->second.clean) continue;
    const auto chunk = std::prev(chunks_.upper_bound(start));
    if (next->first == chunk->first) continue;  // the next mapping, merely adjacent
    const uintptr_t block = RoundUp(start, align);
    const uintptr_t end = next->first + next->second.size;
    if (block + size > end) continue;
    const size_t fresh = block + size > next->first ? block + size - next->first : 0;
    if (fresh < best_fresh) best = block, best_fresh = fresh;
  }
  return best;
}

bool BufferPool::Carve(uintptr_t block, size_t size) {
  bool clean = true;
  auto it = std::prev(free_.upper_bound(block));
  while (it != free_.end() && it->first < block + size) {
    const uintptr_t start = it->first, end = it->first + it->second.size;
    const bool range_clean = it->second.clean;
    clean = clean && range_clean;
    auto next = std::next(it);
    EraseFree(it);
    // The pieces keep their neighbours (in use, or free with the other flag): plain inserts
    // keep the map canonical.
    if (start < block) AddFree(start, block - start, range_clean);
    if (end > block + size) AddFree(block + size, end - (block + size), range_clean);
    it = next;
  }
  return clean;
}

void BufferPool::AddFree(uintptr_t start, size_t size, bool clean) {
  free_.emplace(start, Range{size, clean});
  (clean ? clean_by_size_ : dirty_by_size_).insert({size, start});
  if (!clean) dirty_ += size;
}

void BufferPool::InsertFree(uintptr_t start, size_t size, bool clean) {
  // Merges with free neighbours in the same mapping and with the same flag: a dirty range
  // swallowing clean pages would overstate what is resident.
  const auto chunk = std::prev(chunks_.upper_bound(start));
  const uintptr_t chunk_begin = chunk->first, chunk_end = chunk->first + chunk->second;
  auto next = free_.lower_bound(start);
  if (next != free_.end() && next->first == start + size && next->first < chunk_end &&
      next->second.clean == clean) {
    size += next->second.size;
    next = std::next(next);
    EraseFree(std::prev(next));
  }
  if (next != free_.begin() && start > chunk_begin) {
    auto prev = std::prev(next);
    if (prev->first + prev->second.size == start && prev->second.clean == clean) {
      start = prev->first;
      size += prev->second.size;
      EraseFree(prev);
    }
  }
  AddFree(start, size, clean);
}

void BufferPool::EraseFree(std::map<uintptr_t, Range>::iterator it) {
  const Range& r = it->second;
  (r.clean ? clean_by_size_ : dirty_by_size_).erase({r.size, it->first});
  if (!r.clean) dirty_ -= r.size;
  free_.erase(it);
}

bool BufferPool::MapChunk(size_t size) {
  // Over-map by 2 MiB and cut the ends off, so the chunk (and its huge blocks) is 2 MiB aligned.
  void* raw = ::mmap(nullptr, size + kHugeAlign, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return false;
  const auto base = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t start = RoundUp(base, kHugeAlign);
  if (start > base) ::munmap(raw, start - base);
  if (const size_t tail = base + kHugeAlign - start; tail > 0) {
    ::munmap(reinterpret_cast<void*>(start + size), tail);
  }
  chunks_.emplace(start, size);
  mapped_ += size;
  Poison(start, size, true);
  InsertFree(start, size, /*clean=*/true);
  return true;
}

void BufferPool::NoteInUse() {
  const auto now = std::chrono::steady_clock::now();
  if (now - window_start_ >= options_.peak_window) {
    peak_previous_ = now - window_start_ >= 2 * options_.peak_window ? in_use_ : peak_current_;
    peak_current_ = in_use_;
    window_start_ = now;
  }
  peak_current_ = std::max(peak_current_, in_use_);
}

void BufferPool::ShrinkToBound() {
  const double recent_peak = static_cast<double>(std::max(peak_current_, peak_previous_));
  const double room = kRetainFactor * recent_peak - static_cast<double>(in_use_);
  const size_t allowed =
      std::min(options_.max_cached_bytes, room > 0 ? static_cast<size_t>(room) : size_t{0});
  while (dirty_ > allowed && !dirty_by_size_.empty()) {
    Release(free_.find(std::prev(dirty_by_size_.end())->second));  // the largest: fewest calls
  }
}

void BufferPool::Release(std::map<uintptr_t, Range>::iterator it) {
  const uintptr_t start = it->first;
  const size_t size = it->second.size;
  ::madvise(reinterpret_cast<void*>(start), size, MADV_DONTNEED);  // reads as zeros again
  EraseFree(it);
  InsertFree(start, size, /*clean=*/true);
}

}  // namespace tfmodel
