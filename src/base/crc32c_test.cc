#include "src/base/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace tfmodel::crc32c {
namespace {

TEST(Crc32c, KnownVectors) {
  // RFC 3720 (iSCSI) B.4 test vectors and the standard check value.
  EXPECT_EQ(Value(std::string_view("123456789")), 0xE3069283u);
  std::string zeros(32, '\0');
  EXPECT_EQ(Value(zeros), 0x8A9136AAu);
  std::string ones(32, '\xff');
  EXPECT_EQ(Value(ones), 0x62A8AB43u);
  std::string inc(32, '\0');
  for (int i = 0; i < 32; ++i) inc[i] = static_cast<char>(i);
  EXPECT_EQ(Value(inc), 0x46DD794Eu);
}

TEST(Crc32c, MaskMatchesTensorFlowValues) {
  // spec/tf-formats.md 1.8: float 0.5 and 3.0 as stored in real bundles.
  const float half = 0.5f, three = 3.0f;
  EXPECT_EQ(Mask(Value(&half, 4)), 522663942u);
  EXPECT_EQ(Mask(Value(&three, 4)), 3280131823u);
  EXPECT_EQ(Unmask(Mask(0xdeadbeefu)), 0xdeadbeefu);
}

TEST(Crc32c, HardwareAgreesWithTableOnLargeAndOddBuffers) {
  std::mt19937 rng(7);
  std::vector<uint8_t> buf(3 * 4096 * 5 + 1237);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  for (size_t start : {0, 1, 3, 7}) {
    for (size_t len : {0ul, 5ul, 4096ul, 3 * 4096ul, 3 * 4096ul + 13, buf.size() - start}) {
      EXPECT_EQ(Value(buf.data() + start, len), ExtendPortable(0, buf.data() + start, len))
          << start << " " << len;
    }
  }
  // Extending in pieces equals one pass.
  uint32_t c = 0;
  for (size_t i = 0; i < buf.size(); i += 1000) {
    c = Extend(c, buf.data() + i, std::min<size_t>(1000, buf.size() - i));
  }
  EXPECT_EQ(c, Value(buf.data(), buf.size()));
  std::vector<uint8_t> copy(buf.size());
  EXPECT_EQ(CopyAndExtend(0, copy.data(), buf.data(), buf.size()), c);
  EXPECT_EQ(copy, buf);
}

}  // namespace
}  // namespace tfmodel::crc32c
