// CRC-32C: reflected polynomial 0x82F63B78, init and final xor 0xFFFFFFFF.
// Hardware path: SSE4.2 `crc32` over three independent streams combined with a shift table,
// so the instruction's 3-cycle latency does not bound throughput.
#include "src/base/crc32c.h"

#include <nmmintrin.h>

#include <array>
#include <cstring>

namespace tfmodel::crc32c {
namespace {

constexpr uint32_t kPoly = 0x82F63B78u;

constexpr std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr std::array<uint32_t, 256> kTable = MakeTable();

uint32_t ExtendTable(uint32_t crc, const uint8_t* p, size_t n) {
  uint32_t c = ~crc;
  for (size_t i = 0; i < n; ++i) c = kTable[(c ^ p[i]) & 0xff] ^ (c >> 8);
  return ~c;
}

// GF(2) helpers to shift a CRC state over `len` zero bytes: used to combine parallel streams.
uint32_t MultiplyModP(uint32_t a, uint32_t b) {
  uint32_t product = 0;
  for (int i = 0; i < 32; ++i) {
    if (a & 0x80000000u) product ^= b;
    a <<= 1;
    b = (b & 1) ? (b >> 1) ^ kPoly : b >> 1;
  }
  return product;
}
// x^(8*len) mod P, in reflected representation.
uint32_t XPowBytes(size_t len) {
  uint32_t result = 0x80000000u;  // x^0
  uint32_t power = 0x00800000u;   // x^8
  while (len) {
    if (len & 1) result = MultiplyModP(result, power);
    power = MultiplyModP(power, power);
    len >>= 1;
  }
  return result;
}

// 32 tables of 256 entries would be faster to combine, but one multiply per block is cheap
// compared with the block itself (kBlock bytes per stream).
constexpr size_t kBlock = 4096;
const uint32_t kShiftBlock = XPowBytes(kBlock);
const uint32_t kShiftTwoBlocks = XPowBytes(2 * kBlock);

__attribute__((target("sse4.2"))) uint32_t ExtendHw(uint32_t crc, const uint8_t* p, size_t n) {
  uint64_t c0 = static_cast<uint32_t>(~crc);
  while (n > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
    c0 = _mm_crc32_u8(static_cast<uint32_t>(c0), *p++);
    --n;
  }
  while (n >= 3 * kBlock) {
    uint64_t c1 = 0, c2 = 0;
    const uint8_t* p1 = p + kBlock;
    const uint8_t* p2 = p + 2 * kBlock;
    for (size_t i = 0; i < kBlock; i += 8) {
      uint64_t v0, v1, v2;
      std::memcpy(&v0, p + i, 8);
      std::memcpy(&v1, p1 + i, 8);
      std::memcpy(&v2, p2 + i, 8);
      c0 = _mm_crc32_u64(c0, v0);
      c1 = _mm_crc32_u64(c1, v1);
      c2 = _mm_crc32_u64(c2, v2);
    }
    // crc(A|B|C) = shift(crc(A), |B|+|C|) ^ shift(crc'(B), |C|) ^ crc'(C), with crc' started at 0.
    c0 = MultiplyModP(static_cast<uint32_t>(c0), kShiftTwoBlocks) ^
         MultiplyModP(static_cast<uint32_t>(c1), kShiftBlock) ^ static_cast<uint32_t>(c2);
    p += 3 * kBlock;
    n -= 3 * kBlock;
  }
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c0 = _mm_crc32_u64(c0, v);
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    c0 = _mm_crc32_u8(static_cast<uint32_t>(c0), *p++);
    --n;
  }
  return ~static_cast<uint32_t>(c0);
}

bool HaveSse42() {
  static const bool have = __builtin_cpu_supports("sse4.2");
  return have;
}

}  // namespace

uint32_t Extend(uint32_t crc, const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  return HaveSse42() ? ExtendHw(crc, p, n) : ExtendTable(crc, p, n);
}

uint32_t ExtendPortable(uint32_t crc, const void* data, size_t n) {
  return ExtendTable(crc, static_cast<const uint8_t*>(data), n);
}

uint32_t CopyAndExtend(uint32_t crc, void* dst, const void* src, size_t n) {
  // Chunks small enough to stay in L2 between the copy and the checksum.
  constexpr size_t kChunk = 256 * 1024;
  auto* d = static_cast<uint8_t*>(dst);
  const auto* s = static_cast<const uint8_t*>(src);
  while (n > 0) {
    size_t k = n < kChunk ? n : kChunk;
    std::memcpy(d, s, k);
    crc = Extend(crc, d, k);
    d += k;
    s += k;
    n -= k;
  }
  return crc;
}

}  // namespace tfmodel::crc32c
