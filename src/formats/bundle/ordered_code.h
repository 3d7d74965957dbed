// TensorFlow's OrderedCode key encoding, as used for the keys of tensor slices in a bundle:
//
//   EncodeTensorNameSlice(name, slice) =
//     NumIncreasing(0) String(name) NumIncreasing(rank)
//     { SignedNumIncreasing(start) SignedNumIncreasing(length) } per dimension
//
//   NumIncreasing(v):       one length byte n, then v in n big-endian bytes (0 -> "\x00")
//   String(s):              s with 0x00 -> 00 ff and 0xff -> ff 00, then the terminator 00 01
//   SignedNumIncreasing(v): -64 <= v < 64 is the single byte 0x80 ^ v; longer values carry a
//                           unary length prefix in their leading bits (up to 10 bytes)
// A whole dimension is start 0, length -1. Keys sort right after the header key "".
#ifndef TFMODEL_SRC_FORMATS_BUNDLE_ORDERED_CODE_H_
#define TFMODEL_SRC_FORMATS_BUNDLE_ORDERED_CODE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "tfmodel/checkpoint.h"

namespace tfmodel::ordered_code {

void WriteNumIncreasing(std::string& dest, uint64_t value);
void WriteString(std::string& dest, std::string_view s);
void WriteSignedNumIncreasing(std::string& dest, int64_t value);

// The bundle key of one stored slice of tensor `name`.
std::string EncodeTensorNameSlice(std::string_view name, const TensorSlice& slice);

}  // namespace tfmodel::ordered_code

#endif  // TFMODEL_SRC_FORMATS_BUNDLE_ORDERED_CODE_H_
