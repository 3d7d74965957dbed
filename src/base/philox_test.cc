// Philox4x32-10 against the published known-answer vectors, and the counter arithmetic.
#include "src/base/philox.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

namespace tfmodel {
namespace {

// The three "philox4x32 10" lines of Random123's kat_vectors (counter, key -> output).
TEST(Philox4x32, Random123KnownAnswers) {
  struct Kat {
    Philox4x32::Block counter;
    Philox4x32::Key key;
    Philox4x32::Block want;
  };
  const Kat kats[] = {
      {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
      {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
       {0xffffffff, 0xffffffff},
       {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
      {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
       {0xa4093822, 0x299f31d0},
       {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
  };
  for (const Kat& k : kats) {
    EXPECT_EQ(Philox4x32::Encrypt(k.counter, k.key), k.want);
    Philox4x32 gen(k.counter, k.key);
    EXPECT_EQ(gen.Next(), k.want);
  }
}

TEST(Philox4x32, NextAdvancesTheCounterWithCarry) {
  Philox4x32 gen({0xffffffff, 0xffffffff, 0xffffffff, 0}, {1, 2});
  gen.Next();
  EXPECT_EQ(gen.counter(), (Philox4x32::Block{0, 0, 0, 1}));
}

TEST(Philox4x32, SkipEqualsRepeatedNext) {
  Philox4x32 a({0xfffffff0, 0xffffffff, 7, 9}, {3, 4});
  Philox4x32 b = a;
  for (int i = 0; i < 40; ++i) a.Next();
  b.Skip(40);
  EXPECT_EQ(a.counter(), b.counter());
  EXPECT_EQ(a.Next(), b.Next());
  Philox4x32 c({5, 0, 0, 0}, {0, 0});
  c.Skip(uint64_t{3} << 32 | 2);
  EXPECT_EQ(c.counter(), (Philox4x32::Block{7, 3, 0, 0}));
}

TEST(Philox4x32, SeedLayout) {
  Philox4x32 g = Philox4x32::FromSeeds(0x1122334455667788ull, 0x99aabbccddeeff00ull);
  EXPECT_EQ(g.key(), (Philox4x32::Key{0x55667788, 0x11223344}));
  EXPECT_EQ(g.counter(), (Philox4x32::Block{0, 0, 0xddeeff00, 0x99aabbcc}));
}

TEST(GuardedPhilox, ReservesDisjointRangesAcrossThreads) {
  GuardedPhilox guarded(1, 2);
  std::vector<uint32_t> starts(8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] { starts[t] = guarded.Reserve(16).counter()[0]; });
  }
  for (auto& th : threads) th.join();
  std::set<uint32_t> distinct(starts.begin(), starts.end());
  EXPECT_EQ(distinct.size(), 8u);
  for (uint32_t s : starts) EXPECT_EQ(s % 16, 0u);
  EXPECT_EQ(guarded.Reserve(1).counter()[0], 128u);
}

TEST(GuardedPhilox, ZeroSeedsAreNondeterministic) {
  GuardedPhilox a(0, 0), b(0, 0);
  EXPECT_NE(a.Reserve(1).Next(), b.Reserve(1).Next());
}

}  // namespace
}  // namespace tfmodel
