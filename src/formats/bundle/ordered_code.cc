// Implementation of the OrderedCode subset described in ordered_code.h.
#include "src/formats/bundle/ordered_code.h"

namespace tfmodel::ordered_code {

void WriteNumIncreasing(std::string& dest, uint64_t value) {
  unsigned char buf[9];
  int n = 0;
  for (uint64_t v = value; v != 0; v >>= 8) ++n;
  buf[0] = static_cast<unsigned char>(n);
  for (int i = 0; i < n; ++i) buf[n - i] = static_cast<unsigned char>(value >> (8 * i));
  dest.append(reinterpret_cast<const char*>(buf), n + 1);
}

void WriteString(std::string& dest, std::string_view s) {
  for (char c : s) {
    if (c == '\x00') {
      dest += '\x00';
      dest += '\xff';
    } else if (c == '\xff') {
      dest += '\xff';
      dest += '\x00';
    } else {
      dest += c;
    }
  }
  dest += '\x00';
  dest += '\x01';
}

void WriteSignedNumIncreasing(std::string& dest, int64_t value) {
  const uint64_t x = value < 0 ? ~static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  if (x < 64) {
    dest += static_cast<char>(0x80 ^ static_cast<uint8_t>(value));
    return;
  }
  int bits = 64 - __builtin_clzll(x);  // significant bits of x, >= 7 here
  int len = bits / 7 + 1;              // 2..10 bytes
  // The value, big-endian and sign-extended to 10 bytes; the header bits are xor-ed into its
  // first len bytes: len-1 one-bits then a zero (negatives are complemented by the sign).
  unsigned char buf[10];
  const unsigned char sign = value < 0 ? 0xff : 0x00;
  buf[0] = sign;
  buf[1] = sign;
  for (int i = 0; i < 8; ++i) buf[2 + i] = static_cast<unsigned char>(static_cast<uint64_t>(value) >> (56 - 8 * i));
  unsigned char* begin = buf + 10 - len;
  // Header: len-1 leading ones followed by a zero bit, spread over the first one or two bytes.
  const int ones = len;  // counting the sign bit position as in TF's table: 0x80 for len 1
  unsigned char h0, h1 = 0;
  if (ones <= 8) {
    h0 = static_cast<unsigned char>(0xff00 >> ones);
  } else {
    h0 = 0xff;
    h1 = static_cast<unsigned char>(0xff00 >> (ones - 8));
  }
  begin[0] ^= h0;
  begin[1] ^= h1;
  dest.append(reinterpret_cast<const char*>(begin), len);
}

std::string EncodeTensorNameSlice(std::string_view name, const TensorSlice& slice) {
  std::string out;
  WriteNumIncreasing(out, 0);
  WriteString(out, name);
  WriteNumIncreasing(out, slice.extents.size());
  for (const TensorSlice::Extent& e : slice.extents) {
    WriteSignedNumIncreasing(out, e.length < 0 ? 0 : e.start);
    WriteSignedNumIncreasing(out, e.length < 0 ? -1 : e.length);
  }
  return out;
}

}  // namespace tfmodel::ordered_code
