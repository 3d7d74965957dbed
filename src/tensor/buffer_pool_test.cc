#include "src/tensor/buffer_pool.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "tfmodel/tensor.h"

namespace tfmodel {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

bool AllBytesAre(const void* p, size_t n, unsigned char v) {
  const auto* b = static_cast<const unsigned char*>(p);
  for (size_t i = 0; i < n; ++i) {
    if (b[i] != v) return false;
  }
  return true;
}

TEST(BufferPool, ReusesFreedPagesBeforeMappingNewOnes) {
  BufferPool pool;
  bool zeroed = false;
  void* a = pool.Allocate(3 * kMiB, &zeroed);
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(zeroed);  // fresh pages
  EXPECT_TRUE(AllBytesAre(a, 3 * kMiB, 0));
  std::memset(a, 0x5a, 3 * kMiB);
  const size_t mapped = pool.GetStats().mapped_bytes;
  pool.Free(a, 3 * kMiB);
  EXPECT_EQ(pool.GetStats().cached_bytes, 3 * kMiB);
  // The same size, then a smaller one, land on the dirty pages (best fit), not the clean rest.
  void* b = pool.Allocate(3 * kMiB, &zeroed);
  EXPECT_EQ(b, a);
  EXPECT_FALSE(zeroed);
  EXPECT_TRUE(AllBytesAre(b, 3 * kMiB, 0x5a));
  pool.Free(b, 3 * kMiB);
  void* c = pool.Allocate(kMiB + 1, &zeroed);
  EXPECT_EQ(c, a);
  EXPECT_FALSE(zeroed);
  EXPECT_EQ(pool.GetStats().mapped_bytes, mapped);
  EXPECT_EQ(pool.GetStats().in_use_bytes, kMiB + 4096);  // page rounded
  pool.Free(c, kMiB + 1);
}

TEST(BufferPool, AlignsHugeBlocksTo2MiBAndOthersToPages) {
  BufferPool pool;
  std::vector<std::pair<void*, size_t>> blocks;
  for (size_t bytes : {size_t{300000}, 5 * kMiB + 7, size_t{262144}, 4 * kMiB, 9 * kMiB + 1,
                       size_t{777777}, 70 * kMiB}) {
    bool zeroed;
    void* p = pool.Allocate(bytes, &zeroed);
    ASSERT_NE(p, nullptr);
    const auto addr = reinterpret_cast<uintptr_t>(p);
    EXPECT_EQ(addr % (bytes >= BufferPool::kHugeBytes ? 2 * kMiB : 4096), 0u) << bytes;
    std::memset(p, 1, bytes);  // every byte is ours
    blocks.push_back({p, bytes});
  }
  for (auto [p, bytes] : blocks) pool.Free(p, bytes);
  EXPECT_EQ(pool.GetStats().in_use_bytes, 0u);
}

TEST(BufferPool, HonoursTheCapOnCachedBytes) {
  BufferPool pool({.max_cached_bytes = 8 * kMiB});
  std::vector<void*> blocks;
  bool zeroed;
  for (int i = 0; i < 5; ++i) {
    blocks.push_back(pool.Allocate(4 * kMiB, &zeroed));
    std::memset(blocks.back(), 0x77, 4 * kMiB);
  }
  for (void* p : blocks) {
    pool.Free(p, 4 * kMiB);
    EXPECT_LE(pool.GetStats().cached_bytes, 8 * kMiB);
  }
  // What was given back reads as zeros again, and says so.
  size_t zeroed_blocks = 0;
  for (void*& p : blocks) {
    p = pool.Allocate(4 * kMiB, &zeroed);
    if (zeroed) {
      ++zeroed_blocks;
      EXPECT_TRUE(AllBytesAre(p, 4 * kMiB, 0));
    }
  }
  EXPECT_GE(zeroed_blocks, 3u);
  for (void* p : blocks) pool.Free(p, 4 * kMiB);
}

TEST(BufferPool, KeepsNothingOnceThePeakInUseHasPassed) {
  // With a zero window the recent peak is what is in use now: nothing in use, nothing cached.
  BufferPool pool({.peak_window = std::chrono::seconds(0)});
  bool zeroed;
  void* p = pool.Allocate(6 * kMiB, &zeroed);
  std::memset(p, 1, 6 * kMiB);
  pool.Free(p, 6 * kMiB);
  EXPECT_EQ(pool.GetStats().cached_bytes, 0u);
  // The default window keeps it (within 1.5x the peak in use).
  BufferPool keeping;
  p = keeping.Allocate(6 * kMiB, &zeroed);
  std::memset(p, 1, 6 * kMiB);
  keeping.Free(p, 6 * kMiB);
  EXPECT_EQ(keeping.GetStats().cached_bytes, 6 * kMiB);
  keeping.Trim();
  EXPECT_EQ(keeping.GetStats().cached_bytes, 0u);
  EXPECT_EQ(keeping.GetStats().mapped_bytes, 0u);  // the wholly free mapping is unmapped
}

TEST(BufferPool, ConcurrentAllocateAndFreeKeepBlocksApart) {
  BufferPool pool;
  auto work = [&pool](int seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<size_t> size(256 << 10, 6 * kMiB);
    std::vector<std::pair<unsigned char*, size_t>> held;
    for (int i = 0; i < 60; ++i) {
      const size_t n = size(rng);
      bool zeroed;
      auto* p = static_cast<unsigned char*>(pool.Allocate(n, &zeroed));
      ASSERT_NE(p, nullptr);
      if (zeroed) {
        ASSERT_TRUE(AllBytesAre(p, n, 0));
      }
      std::memset(p, (seed * 31 + i) & 0xff, n);
      held.push_back({p, n});
      if (held.size() > 3) {  // check the oldest still holds what this thread wrote, then free
        auto [q, m] = held.front();
        ASSERT_TRUE(AllBytesAre(q, m, (seed * 31 + i - 3) & 0xff));
        pool.Free(q, m);
        held.erase(held.begin());
      }
    }
    for (auto [q, m] : held) pool.Free(q, m);
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(work, t + 1);
  for (auto& t : threads) t.join();
  EXPECT_EQ(pool.GetStats().in_use_bytes, 0u);
}

TEST(BufferPool, UseAfterFreeIsReportedUnderAsan) {
  if (!kAddressSanitizer) GTEST_SKIP() << "ASan build only";
  BufferPool pool;
  bool zeroed;
  auto* p = static_cast<volatile char*>(pool.Allocate(kMiB, &zeroed));
  pool.Free(const_cast<char*>(p), kMiB);
  EXPECT_DEATH(p[100] = 1, "use-after-poison");
}

TEST(TensorBuffers, LargeTensorsReuseDirtyPagesAndStillZero) {
  if (kAddressSanitizer) GTEST_SKIP() << "tensors are malloc'ed under ASan";
  BufferPool& pool = BufferPool::Global();
  pool.Trim();
  const Shape shape({1 << 20});  // 4 MiB of floats
  const void* first;
  {
    auto t = Tensor::AllocateUninitialized(DataType::kFloat, shape);
    ASSERT_TRUE(t.ok());
    first = t->raw_data();
    std::memset(t->raw_data(), 0xff, t->TotalBytes());
  }
  EXPECT_GE(pool.GetStats().cached_bytes, 4 * kMiB);
  const size_t mapped = pool.GetStats().mapped_bytes;
  auto z = Tensor::Allocate(DataType::kFloat, shape);
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(z->raw_data(), first);  // the dirty block again
  EXPECT_EQ(reinterpret_cast<uintptr_t>(z->raw_data()) % (2 * kMiB), 0u);
  for (float v : z->flat<float>()) ASSERT_EQ(v, 0.0f);
  EXPECT_EQ(pool.GetStats().mapped_bytes, mapped);
  // Small tensors stay malloc'ed.
  const size_t in_use = pool.GetStats().in_use_bytes;
  auto small = Tensor::Allocate(DataType::kFloat, Shape({32 << 10}));  // 128 KiB
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(pool.GetStats().in_use_bytes, in_use);
  // Strings in a pooled buffer are constructed and destroyed like any other.
  auto s = Tensor::Allocate(DataType::kString, Shape({20000}));
  ASSERT_TRUE(s.ok());
  for (const std::string& e : s->flat<std::string>()) ASSERT_TRUE(e.empty());
  s->flat<std::string>()[7] = std::string(100, 'x');
}

TEST(TensorBuffers, ConcurrentLargeTensorsHoldTheirValues) {
  auto work = [](int seed) {
    for (int i = 0; i < 12; ++i) {
      const int64_t n = (64 << 10) + ((seed * 7919 + i * 104729) % (1 << 19));
      auto a = Tensor::AllocateUninitialized(DataType::kFloat, Shape({n}));
      auto b = Tensor::Allocate(DataType::kInt32, Shape({n}));
      ASSERT_TRUE(a.ok() && b.ok());
      for (float& v : a->flat<float>()) v = static_cast<float>(seed * 1000 + i);
      for (int32_t v : b->flat<int32_t>()) ASSERT_EQ(v, 0);
      for (int32_t& v : b->flat<int32_t>()) v = seed - i;
      for (float v : a->flat<float>()) ASSERT_EQ(v, static_cast<float>(seed * 1000 + i));
      for (int32_t v : b->flat<int32_t>()) ASSERT_EQ(v, seed - i);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(work, t + 1);
  for (auto& t : threads) t.join();
}

}  // namespace
}  // namespace tfmodel
