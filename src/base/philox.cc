// Philox4x32-10 and the guarded per-kernel generator (philox.h).
#include "src/base/philox.h"

#include <random>

namespace tfmodel {
namespace {

// Round multipliers and key increments (the golden ratio and sqrt(3) - 1 as 32-bit fractions)
// from the Philox paper.
constexpr uint32_t kMul0 = 0xD2511F53u;
constexpr uint32_t kMul1 = 0xCD9E8D57u;
constexpr uint32_t kWeyl0 = 0x9E3779B9u;
constexpr uint32_t kWeyl1 = 0xBB67AE85u;

// One Philox S-box round: two 32x32->64 multiplies, their high halves mixed with the other
// words and the key.
inline Philox4x32::Block Round(const Philox4x32::Block& c, const Philox4x32::Key& k) {
  const uint64_t p0 = uint64_t{kMul0} * c[0];
  const uint64_t p1 = uint64_t{kMul1} * c[2];
  return {static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ k[0], static_cast<uint32_t>(p1),
          static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ k[1], static_cast<uint32_t>(p0)};
}

}  // namespace

Philox4x32 Philox4x32::FromSeeds(uint64_t seed, uint64_t seed_hi) {
  return Philox4x32({0, 0, static_cast<uint32_t>(seed_hi), static_cast<uint32_t>(seed_hi >> 32)},
                    {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)});
}

Philox4x32::Block Philox4x32::Encrypt(const Block& counter, const Key& key) {
  Block c = counter;
  Key k = key;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k[0] += kWeyl0;
      k[1] += kWeyl1;
    }
    c = Round(c, k);
  }
  return c;
}

void Philox4x32::Skip(uint64_t n) {
  const uint32_t lo = static_cast<uint32_t>(n);
  uint32_t hi = static_cast<uint32_t>(n >> 32);
  counter_[0] += lo;
  if (counter_[0] < lo) ++hi;
  counter_[1] += hi;
  if (counter_[1] < hi && ++counter_[2] == 0) ++counter_[3];
}

GuardedPhilox::GuardedPhilox(int64_t seed, int64_t seed2) {
  if (seed == 0 && seed2 == 0) {
    std::random_device device;
    auto draw64 = [&device] { return (uint64_t{device()} << 32) | device(); };
    const uint64_t s = draw64();
    gen_ = Philox4x32::FromSeeds(s, draw64());
  } else {
    gen_ = Philox4x32::FromSeeds(static_cast<uint64_t>(seed), static_cast<uint64_t>(seed2));
  }
}

Philox4x32 GuardedPhilox::Reserve(uint64_t outputs) {
  std::lock_guard<std::mutex> lock(mu_);
  Philox4x32 start = gen_;
  gen_.Skip(outputs);
  return start;
}

}  // namespace tfmodel
