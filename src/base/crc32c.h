// CRC-32C (Castagnoli) and TensorFlow/LevelDB's checksum masking.
#ifndef TFMODEL_SRC_BASE_CRC32C_H_
#define TFMODEL_SRC_BASE_CRC32C_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tfmodel::crc32c {

// Continues `crc` (the CRC of some earlier bytes, 0 for none) over n more bytes.
// Uses the SSE4.2 crc32 instruction when the CPU has it, else a table.
uint32_t Extend(uint32_t crc, const void* data, size_t n);
inline uint32_t Value(const void* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view s) { return Extend(0, s.data(), s.size()); }

// Stored CRCs are masked so that a CRC over data containing CRCs stays well distributed.
inline constexpr uint32_t kMaskDelta = 0xa282ead8u;
inline uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }
inline uint32_t Unmask(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

// The table-driven implementation, exposed so tests can compare it with the hardware path.
uint32_t ExtendPortable(uint32_t crc, const void* data, size_t n);

// Copies n bytes from src to dst and returns Extend(crc, src, n), in one pass over the data.
uint32_t CopyAndExtend(uint32_t crc, void* dst, const void* src, size_t n);

}  // namespace tfmodel::crc32c

#endif  // TFMODEL_SRC_BASE_CRC32C_H_
