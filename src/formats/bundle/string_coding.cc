// Encoding and decoding of DT_STRING tensors in bundle data files.
#include "src/formats/bundle/string_coding.h"

#include <cstring>
#include <vector>

#include "src/base/crc32c.h"

namespace tfmodel {
namespace {

uint32_t ExtendWithLength(uint32_t crc, uint64_t len) {
  if (len > 0xffffffffull) return crc32c::Extend(crc, &len, 8);
  uint32_t len32 = static_cast<uint32_t>(len);
  return crc32c::Extend(crc, &len32, 4);
}

}  // namespace

uint32_t EncodeStringTensor(std::span<const std::string> strings, std::string& out) {
  uint32_t crc = 0;
  for (const std::string& s : strings) {
    uint64_t v = s.size();
    while (v >= 0x80) {
      out += static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    out += static_cast<char>(v);
    crc = ExtendWithLength(crc, s.size());
  }
  const uint32_t length_checksum = crc32c::Mask(crc);
  out.append(reinterpret_cast<const char*>(&length_checksum), 4);
  crc = crc32c::Extend(crc, &length_checksum, 4);
  for (const std::string& s : strings) {
    out += s;
    crc = crc32c::Extend(crc, s.data(), s.size());
  }
  return crc;
}

Result<uint32_t> DecodeStringTensor(std::string_view bytes, std::span<std::string> strings) {
  size_t pos = 0;
  uint32_t crc = 0;
  uint64_t total = 0;
  std::vector<uint64_t> lengths(strings.size());
  for (size_t i = 0; i < strings.size(); ++i) {
    uint64_t v = 0;
    int shift = 0;
    while (true) {
      if (pos >= bytes.size()) return DataLoss("string lengths run past the tensor's bytes");
      uint8_t b = static_cast<uint8_t>(bytes[pos++]);
      if (shift >= 63 && (b & 0x7f) > 1) return DataLoss("string length varint overflows");
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
      shift += 7;
      if (shift > 63) return DataLoss("string length varint is too long");
    }
    lengths[i] = v;
    if (v > bytes.size() || total > bytes.size() - v) {
      return DataLoss("string lengths add up to more than the tensor's bytes");
    }
    total += v;
    crc = ExtendWithLength(crc, v);
  }
  if (bytes.size() - pos < 4) return DataLoss("string tensor is missing its length checksum");
  uint32_t stored;
  std::memcpy(&stored, bytes.data() + pos, 4);
  if (stored != crc32c::Mask(crc)) return DataLoss("string length checksum mismatch");
  crc = crc32c::Extend(crc, bytes.data() + pos, 4);
  pos += 4;
  if (total > bytes.size() - pos) return DataLoss("string bytes run past the tensor's bytes");
  for (size_t i = 0; i < strings.size(); ++i) {
    strings[i].assign(bytes.data() + pos, lengths[i]);
    crc = crc32c::Extend(crc, bytes.data() + pos, lengths[i]);
    pos += lengths[i];
  }
  return crc;
}

}  // namespace tfmodel
