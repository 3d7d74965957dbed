// OrderedCode slice keys. Expected bytes are derived by hand from the format TensorFlow's
// tensorflow/core/lib/strings/ordered_code.cc documents (sign bit, unary length bits, then the
// two's-complement payload, big-endian) and from spec/tf-formats.md 1.9.
#include "src/formats/bundle/ordered_code.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace tfmodel::ordered_code {
namespace {

std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s += static_cast<char>(b);
  return s;
}

std::string Hex(const std::string& s) {
  std::string out;
  char buf[4];
  for (unsigned char c : s) {
    std::snprintf(buf, sizeof(buf), "%02x ", c);
    out += buf;
  }
  return out;
}

std::string Signed(int64_t v) {
  std::string s;
  WriteSignedNumIncreasing(s, v);
  return s;
}

std::string Unsigned(uint64_t v) {
  std::string s;
  WriteNumIncreasing(s, v);
  return s;
}

TEST(OrderedCode, SpecSliceKeyExample) {
  // spec 1.9: name `w`, shape [10,20], rows 0..4, all columns.
  TensorSlice slice;
  slice.extents = {{0, 5}, {0, -1}};
  EXPECT_EQ(Hex(EncodeTensorNameSlice("w", slice)),
            Hex(Bytes({0x00, 0x77, 0x00, 0x01, 0x01, 0x02, 0x80, 0x85, 0x80, 0x7f})));
}

TEST(OrderedCode, FullDimensionIsStartZeroLengthMinusOne) {
  // A whole dimension is written as start 0, length -1 whatever `start` holds.
  TensorSlice a, b;
  a.extents = {{0, -1}};
  b.extents = {{7, -1}};
  EXPECT_EQ(EncodeTensorNameSlice("v", a), EncodeTensorNameSlice("v", b));
  EXPECT_EQ(Hex(EncodeTensorNameSlice("v", a)),
            Hex(Bytes({0x00, 'v', 0x00, 0x01, 0x01, 0x01, 0x80, 0x7f})));
}

TEST(OrderedCode, ScalarV1KeyShape) {
  // A rank-0 slice (as in V1 checkpoints: "\x00a\x00\x01\x00") ends with NumIncreasing(0).
  EXPECT_EQ(Hex(EncodeTensorNameSlice("a", TensorSlice{})),
            Hex(Bytes({0x00, 'a', 0x00, 0x01, 0x00})));
}

TEST(OrderedCode, NumIncreasing) {
  EXPECT_EQ(Hex(Unsigned(0)), Hex(Bytes({0x00})));
  EXPECT_EQ(Hex(Unsigned(2)), Hex(Bytes({0x01, 0x02})));
  EXPECT_EQ(Hex(Unsigned(255)), Hex(Bytes({0x01, 0xff})));
  EXPECT_EQ(Hex(Unsigned(256)), Hex(Bytes({0x02, 0x01, 0x00})));
  EXPECT_EQ(Hex(Unsigned(0x0102030405060708ull)),
            Hex(Bytes({0x08, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08})));
  EXPECT_EQ(Hex(Unsigned(std::numeric_limits<uint64_t>::max())),
            Hex(Bytes({0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})));
}

TEST(OrderedCode, StringEscapesNulAndFF) {
  std::string s;
  WriteString(s, std::string("a\x00"
                             "b\xff"
                             "c",
                             5));
  EXPECT_EQ(Hex(s), Hex(Bytes({'a', 0x00, 0xff, 'b', 0xff, 0x00, 'c', 0x00, 0x01})));
  s.clear();
  WriteString(s, "");
  EXPECT_EQ(Hex(s), Hex(Bytes({0x00, 0x01})));
  s.clear();
  WriteString(s, std::string("\x00\x00\xff\xff", 4));
  EXPECT_EQ(Hex(s), Hex(Bytes({0x00, 0xff, 0x00, 0xff, 0xff, 0x00, 0xff, 0x00, 0x00, 0x01})));
  // Bytes 0x01 and 0xfe are not special.
  s.clear();
  WriteString(s, "\x01\xfe");
  EXPECT_EQ(Hex(s), Hex(Bytes({0x01, 0xfe, 0x00, 0x01})));
}

TEST(OrderedCode, NameEscapingInSliceKey) {
  TensorSlice slice;
  slice.extents = {{1, 2}};
  EXPECT_EQ(
      Hex(EncodeTensorNameSlice(std::string("x\x00y\xff", 4), slice)),
      Hex(Bytes({0x00, 'x', 0x00, 0xff, 'y', 0xff, 0x00, 0x00, 0x01, 0x01, 0x01, 0x81, 0x82})));
}

struct SignedCase {
  int64_t value;
  std::string bytes;
};

TEST(OrderedCode, SignedNumIncreasingHandDerived) {
  const int64_t kMax = std::numeric_limits<int64_t>::max();
  const int64_t kMin = std::numeric_limits<int64_t>::min();
  const std::vector<SignedCase> cases = {
      // One byte: 0x80 ^ v for -64 <= v < 64.
      {0, Bytes({0x80})},
      {5, Bytes({0x85})},
      {-1, Bytes({0x7f})},
      {63, Bytes({0xbf})},
      {-64, Bytes({0x40})},
      // Two bytes (header 10 / 01): 7..13 significant bits.
      {64, Bytes({0xc0, 0x40})},
      {-65, Bytes({0x3f, 0xbf})},
      {8191, Bytes({0xdf, 0xff})},
      {-8192, Bytes({0x20, 0x00})},
      {-0x800, Bytes({0x38, 0x00})},  // example 2 in ordered_code.cc's comment
      // Three bytes: 14..20 bits.
      {8192, Bytes({0xe0, 0x20, 0x00})},
      {-8193, Bytes({0x1f, 0xdf, 0xff})},
      // Four bytes: example 1 in ordered_code.cc's comment.
      {0x424242, Bytes({0xf0, 0x42, 0x42, 0x42})},
      // Eight bytes: up to 55 bits; header is the whole first byte.
      {(int64_t{1} << 55) - 1, Bytes({0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})},
      {-(int64_t{1} << 55), Bytes({0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00})},
      // Nine bytes: 56..62 bits; the header spills into the second byte (0xff 0x80).
      {int64_t{1} << 55, Bytes({0xff, 0x80, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00})},
      {(int64_t{1} << 62) - 1, Bytes({0xff, 0xbf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})},
      // Ten bytes: 63 bits (header 0xff 0xc0).
      {int64_t{1} << 62, Bytes({0xff, 0xc0, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00})},
      {kMax, Bytes({0xff, 0xc0, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})},
      {kMin, Bytes({0x00, 0x3f, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00})},
  };
  for (const SignedCase& c : cases) {
    EXPECT_EQ(Hex(Signed(c.value)), Hex(c.bytes)) << "value " << c.value;
  }
}

TEST(OrderedCode, SignedLengthsFollowBitCount) {
  // n bytes encode [-2^(7n-1), 2^(7n-1)) for n <= 9; 10 bytes for the rest.
  for (int n = 1; n <= 9; ++n) {
    const int64_t hi = (int64_t{1} << (7 * n - 1)) - 1;
    const int64_t lo = -(int64_t{1} << (7 * n - 1));
    EXPECT_EQ(Signed(hi).size(), static_cast<size_t>(n)) << hi;
    EXPECT_EQ(Signed(lo).size(), static_cast<size_t>(n)) << lo;
    EXPECT_EQ(Signed(hi + 1).size(), static_cast<size_t>(n + 1)) << hi + 1;
    EXPECT_EQ(Signed(lo - 1).size(), static_cast<size_t>(n + 1)) << lo - 1;
  }
}

TEST(OrderedCode, SignedEncodingPreservesOrder) {
  std::vector<int64_t> values = {std::numeric_limits<int64_t>::min(),
                                 std::numeric_limits<int64_t>::max(), 0, -1, 1};
  for (int b = 0; b < 63; ++b) {
    const int64_t p = int64_t{1} << b;
    for (int64_t v : {p - 1, p, p + 1, -p - 1, -p, -p + 1}) values.push_back(v);
  }
  std::mt19937_64 rng(20261125);
  for (int i = 0; i < 5000; ++i) {
    // Random values of every magnitude, not only uniform 64-bit ones.
    int shift = static_cast<int>(rng() % 64);
    values.push_back(static_cast<int64_t>(rng()) >> shift);
  }
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  std::string prev = Signed(values[0]);
  for (size_t i = 1; i < values.size(); ++i) {
    std::string cur = Signed(values[i]);
    // memcmp order, shorter prefix first (as the table compares keys).
    EXPECT_LT(prev, cur) << values[i - 1] << " vs " << values[i];
    prev = std::move(cur);
  }
}

TEST(OrderedCode, SliceKeysSortAfterHeaderAndBeforeNames) {
  TensorSlice slice;
  slice.extents = {{0, 5}};
  std::string key = EncodeTensorNameSlice("zzz", slice);
  EXPECT_LT(std::string(), key);
  EXPECT_LT(key, std::string("\x01"));
  EXPECT_LT(key, std::string("a"));
}

}  // namespace
}  // namespace tfmodel::ordered_code
