#include <gtest/gtest.h>

#include "tfmodel/tensor.h"

namespace tfmodel {
namespace {

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

// Bytes written by numpy 2.4 np.save(np.array([[1,2],[3,4]], dtype='<f4')).
constexpr std::string_view kNumpyF4 =
    "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046"
    "616c73652c20277368617065273a2028322c2032292c207d202020202020202020202020202020202020202020"
    "202020202020202020202020202020202020202020202020202020202020202020202020200a0000803f000000"
    "400000404000008040";
// np.save(np.array([b'ab', b''], dtype='S2')).
constexpr std::string_view kNumpyS2 =
    "934e554d5059010076007b276465736372273a20277c5332272c2027666f727472616e5f6f72646572273a2046"
    "616c73652c20277368617065273a2028322c292c207d2020202020202020202020202020202020202020202020"
    "202020202020202020202020202020202020202020202020202020202020202020202020200a61620000";

TEST(Npy, ReadsWhatNumpyWrites) {
  auto t = ParseNpy(FromHex(kNumpyF4), "f4.npy");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->dtype(), DataType::kFloat);
  EXPECT_EQ(t->shape(), Shape({2, 2}));
  EXPECT_EQ(t->flat<float>()[3], 4.0f);
  auto s = ParseNpy(FromHex(kNumpyS2), "s2.npy");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->flat<std::string>()[0], "ab");
  EXPECT_EQ(s->flat<std::string>()[1], "");
}

TEST(Npy, RoundTripsEveryNumpyDtype) {
  std::vector<int64_t> ints{1, -2, 3, 4, 5, 6};
  Tensor i64 = Tensor::FromVector<int64_t>(ints, Shape({3, 2}));
  Tensor scalar = Tensor::Scalar(std::complex<double>(1.5, -2));
  Tensor empty = Tensor::Allocate(DataType::kHalf, Shape({0, 4})).value();
  Tensor strings = Tensor::Strings({"x", "longer", ""});
  for (const Tensor& t : {i64, scalar, empty, strings}) {
    auto bytes = SerializeNpy(t);
    ASSERT_TRUE(bytes.ok());
    EXPECT_EQ((10 + static_cast<uint8_t>((*bytes)[8])) % 64, 0u);  // data is 64-aligned
    auto back = ParseNpy(*bytes, "rt.npy");
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_TRUE(back->Equals(t)) << t.DebugString();
  }
  EXPECT_FALSE(SerializeNpy(Tensor::Scalar(BFloat16{})).ok());
}

TEST(Npy, CorruptInputIsAnErrorNamingTheFile) {
  std::string good = FromHex(kNumpyF4);
  auto truncated = ParseNpy(std::string_view(good).substr(0, good.size() - 3), "cut.npy");
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.status().message().find("cut.npy"), std::string::npos);
  EXPECT_FALSE(ParseNpy("garbage", "g.npy").ok());
  std::string bad_shape = good;
  bad_shape.replace(bad_shape.find("(2, 2)"), 6, "(2,-2)");
  EXPECT_FALSE(ParseNpy(bad_shape, "neg.npy").ok());
  std::string huge = good;
  huge.replace(huge.find("(2, 2)"), 6, "(9999999999, 99)");
  EXPECT_FALSE(ParseNpy(huge, "huge.npy").ok());
}

}  // namespace
}  // namespace tfmodel
