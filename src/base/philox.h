// Philox4x32-10, the counter-based generator behind TensorFlow's random ops (Salmon, Moraes,
// Dror, Shaw: "Parallel random numbers: as easy as 1, 2, 3", SC'11), with TensorFlow's layout
// of key and counter, and GuardedPhilox, the thread-safe per-kernel generator of the stateful
// ops (TensorFlow's GuardedPhiloxRandom).
//
// State: a 128-bit counter as four 32-bit words, least significant first, and a 64-bit key as
// two words. Each Next() encrypts the counter under the key (ten rounds, the key bumped by the
// Weyl constants between rounds) and then adds one to the counter:
//
//   counter  [c0 c1 c2 c3]   c0 = bits 0..31 ... c3 = bits 96..127
//   key      [k0 k1]         k0 = bits 0..31 of the seed, k1 = bits 32..63
//
// TensorFlow seeds a stateful op's generator with key = seed and counter = seed2 << 64.
#ifndef TFMODEL_SRC_BASE_PHILOX_H_
#define TFMODEL_SRC_BASE_PHILOX_H_

#include <array>
#include <cstdint>
#include <mutex>

namespace tfmodel {

class Philox4x32 {
 public:
  using Block = std::array<uint32_t, 4>;  // a counter, or one output of four words
  using Key = std::array<uint32_t, 2>;

  Philox4x32() = default;  // counter 0, key 0
  Philox4x32(const Block& counter, const Key& key) : counter_(counter), key_(key) {}
  // key = seed, counter = seed_hi << 64 (TensorFlow's PhiloxRandom(seed_lo, seed_hi)).
  static Philox4x32 FromSeeds(uint64_t seed, uint64_t seed_hi);

  // The ten-round bijection of `counter` under `key` (the Random123 known-answer function).
  static Block Encrypt(const Block& counter, const Key& key);

  // Returns Encrypt(counter, key) and advances the counter by one.
  Block Next() {
    Block out = Encrypt(counter_, key_);
    Skip(1);
    return out;
  }
  // Advances the counter by `n` outputs. Follows TensorFlow bit for bit, including its carry
  // rule (the high 64 bits gain a carry only when word 1 overflows while adding).
  void Skip(uint64_t n);

  const Block& counter() const { return counter_; }
  const Key& key() const { return key_; }

 private:
  Block counter_{};
  Key key_{};
};

// One generator shared by every run of a stateful op's kernel. Each call reserves a disjoint
// range of counters, so concurrent runs draw different values, and a run draws the same values
// whatever else runs at the same time. Thread-safe.
class GuardedPhilox {
 public:
  // TensorFlow's seeding from the op's attrs: both zero -> two fresh nondeterministic 64-bit
  // seeds (every kernel then has its own stream); otherwise FromSeeds(seed, seed2).
  GuardedPhilox(int64_t seed, int64_t seed2);

  // Returns the generator at the start of a range of `outputs` 128-bit outputs and moves the
  // shared state past it.
  Philox4x32 Reserve(uint64_t outputs);

 private:
  std::mutex mu_;
  Philox4x32 gen_;
};

}  // namespace tfmodel

#endif  // TFMODEL_SRC_BASE_PHILOX_H_
