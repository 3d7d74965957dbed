// DT_STRING tensors in a bundle data file (spec/tf-formats.md 1.7):
//
//   varint64 len[0] .. len[n-1]
//   uint32 LE  Mask(crc_L)       crc_L: CRC32C over each length as 4-byte LE (8 if > 2^32-1)
//   bytes[0] .. bytes[n-1]
//
// The entry's checksum continues crc_L over the 4 stored checksum bytes and all string bytes.
#ifndef TFMODEL_SRC_FORMATS_BUNDLE_STRING_CODING_H_
#define TFMODEL_SRC_FORMATS_BUNDLE_STRING_CODING_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "tfmodel/status.h"

namespace tfmodel {

// Appends the encoding of `strings` to `out`; returns the (unmasked) entry checksum.
uint32_t EncodeStringTensor(std::span<const std::string> strings, std::string& out);
// Decodes exactly strings.size() strings from `bytes`, checking the length checksum and bounds;
// returns the (unmasked) checksum for the caller to compare with the entry's.
Result<uint32_t> DecodeStringTensor(std::string_view bytes, std::span<std::string> strings);

}  // namespace tfmodel

#endif  // TFMODEL_SRC_FORMATS_BUNDLE_STRING_CODING_H_
