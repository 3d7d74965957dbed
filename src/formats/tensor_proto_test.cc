// TensorProto decoding and encoding against TensorFlow 2.21 (the oracle venv).
//
// Encodings: the hex strings are tensor_util.make_tensor_proto(value).SerializeToString().hex()
// for the value named in each row. Decodings: each proto was imported as the `value` of a Const
// node (tf.compat.v1.import_graph_def) and run in a tf.compat.v1.Session, so the expected values
// and errors are those of TensorFlow's C++ Tensor::FromProto.
#include "src/formats/tensor_proto.h"

#include <gtest/gtest.h>

#include <complex>
#include <cstring>
#include <string>
#include <vector>

#include "src/formats/graph_io.h"

namespace tfmodel {
namespace {

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::string ToHex(std::string_view bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

tensorflow::TensorProto Proto(tensorflow::DataType dtype, std::vector<int64_t> dims) {
  tensorflow::TensorProto p;
  p.set_dtype(dtype);
  for (int64_t d : dims) p.mutable_tensor_shape()->add_dim()->set_size(d);
  return p;
}

template <typename T>
std::vector<T> Values(const Tensor& t) {
  auto f = t.flat<T>();
  return std::vector<T>(f.begin(), f.end());
}

std::vector<uint8_t> Bytes(const Tensor& t) {
  const auto* p = static_cast<const uint8_t*>(t.raw_data());
  return std::vector<uint8_t>(p, p + t.TotalBytes());
}

Tensor MustDecode(const tensorflow::TensorProto& p) {
  Result<Tensor> t = TensorFromProto(p);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? *t : Tensor();
}

// ---- encoding: byte-identical to make_tensor_proto --------------------------------------------

struct EncodeCase {
  const char* what;  // the Python value given to make_tensor_proto
  Tensor tensor;
  const char* hex;
};

Tensor Raw(DataType dtype, Shape shape, std::vector<uint8_t> bytes) {
  Tensor t = *Tensor::Allocate(dtype, shape);
  EXPECT_EQ(t.TotalBytes(), bytes.size());
  std::memcpy(t.raw_data(), bytes.data(), bytes.size());
  return t;
}

TEST(SerializeTensorProto, MatchesMakeTensorProto) {
  using C64 = std::complex<float>;
  const std::vector<float> f4 = {1, 2, 3, 4};
  const std::vector<int32_t> i3 = {1, -2, 3};
  const std::vector<int64_t> l2 = {1, -2};
  const std::vector<uint16_t> u16 = {1, 65535};
  const std::vector<uint8_t> u8 = {1, 2, 255};
  const bool bool_array[] = {true, false, true};
  const std::vector<C64> c64 = {C64(1, 2), C64(3, -4)};
  const std::vector<uint32_t> u32 = {1, 4000000000u};
  const std::vector<uint64_t> u64 = {1, uint64_t{1} << 63};
  const std::vector<float> empty;
  const EncodeCase cases[] = {
      {"np.array([[1,2],[3,4]], np.float32)", Tensor::FromVector<float>(f4, {2, 2}),
       "08011208120208021202080222100000803f000000400000404000008040"},
      {"np.float32(0.5)", Tensor::Scalar<float>(0.5f), "080112002a040000003f"},
      {"np.float64(-2.25)", Tensor::Scalar<double>(-2.25), "08021200320800000000000002c0"},
      {"np.int32(-5)", Tensor::Scalar<int32_t>(-5), "080312003a0afbffffffffffffffff01"},
      {"np.array([1,-2,3], np.int32)", Tensor::FromVector<int32_t>(i3, {3}),
       "0803120412020803220c01000000feffffff03000000"},
      {"np.array([1,-2], np.int64)", Tensor::FromVector<int64_t>(l2, {2}),
       "080912041202080222100100000000000000feffffffffffffff"},
      {"np.int64(1<<40)", Tensor::Scalar<int64_t>(int64_t{1} << 40), "080912005206808080808020"},
      {"np.array([1,65535], np.uint16) (uint16 is not a tensor_content type)",
       Tensor::FromVector<uint16_t>(u16, {2}), "08111204120208023a0401ffff03"},
      {"np.array([1,2,255], np.uint8)", Tensor::FromVector<uint8_t>(u8, {3}),
       "080412041202080322030102ff"},
      {"np.array([1,-2], np.int8), dtype=tf.qint8", Raw(DataType::kQInt8, {2}, {0x01, 0xfe}),
       "080b120412020802220201fe"},
      {"np.int8(3)", Tensor::Scalar<int8_t>(3), "080612003a0103"},
      {"np.array([1,2,3], dtype=ml_dtypes.int4)", Raw(DataType::kInt4, {3}, {1, 2, 3}),
       "081d1204120208033a03010203"},
      {"np.array([-7, 7], dtype=ml_dtypes.int4) (TF stores -7 as 0xf9)",
       Raw(DataType::kInt4, {2}, {0xf9, 0x07}), "081d1204120208023a0bf9ffffffffffffffff0107"},
      {"the same int4 -7 as ml_dtypes stores it (0x09)", Raw(DataType::kInt4, {2}, {0x09, 0x07}),
       "081d1204120208023a0bf9ffffffffffffffff0107"},
      {"np.array([9, 15], dtype=ml_dtypes.uint4)", Raw(DataType::kUInt4, {2}, {9, 15}),
       "081e1204120208023a02090f"},
      {"np.array([1.5, -2], np.float16)", Raw(DataType::kHalf, {2}, {0x00, 0x3e, 0x00, 0xc0}),
       "08131204120208022204003e00c0"},
      {"np.float16(1.5)", Tensor::Scalar<Half>(Half::FromFloat(1.5f)), "081312006a02807c"},
      {"bfloat16 scalar 1.5", Tensor::Scalar<BFloat16>(BFloat16::FromFloat(1.5f)),
       "080e12006a02c07f"},
      {"bfloat16 [1.5, -2]", Raw(DataType::kBFloat16, {2}, {0xc0, 0x3f, 0x00, 0xc0}),
       "080e1204120208022204c03f00c0"},
      {"float8_e4m3fn scalar 1.5", Raw(DataType::kFloat8E4M3FN, {}, {0x3c}), "081912009201013c"},
      {"float8_e4m3fn [1.5, 2]", Raw(DataType::kFloat8E4M3FN, {2}, {0x3c, 0x40}),
       "081912041202080222023c40"},
      {"float8_e5m2 [1.5, -2]", Raw(DataType::kFloat8E5M2, {2}, {0x3e, 0xc0}),
       "081812041202080222023ec0"},
      {"np.uint32(7)", Tensor::Scalar<uint32_t>(7), "0816120082010107"},
      {"np.uint64(7)", Tensor::Scalar<uint64_t>(7), "081712008a010107"},
      {"np.array([1, 4000000000], np.uint32)", Tensor::FromVector<uint32_t>(u32, {2}),
       "081612041202080222080100000000286bee"},
      {"np.array([1, 1<<63], np.uint64)", Tensor::FromVector<uint64_t>(u64, {2}),
       "0817120412020802221001000000000000000000000000000080"},
      {"np.array([True, False, True])",
       Tensor::FromVector<bool>(std::span<const bool>(bool_array), {3}),
       "080a1204120208035a03010001"},
      {"True", Tensor::Scalar<bool>(true), "080a12005a0101"},
      {"np.array([1+2j, 3-4j], np.complex64)", Tensor::FromVector<C64>(c64, {2}),
       "08081204120208024a100000803f0000004000004040000080c0"},
      {"np.complex128(1.5-2j)", Tensor::Scalar<std::complex<double>>({1.5, -2}),
       "081212006210000000000000f83f00000000000000c0"},
      {"[b'ab', b'']", Tensor::Strings({"ab", ""}), "0807120412020802420261624200"},
      {"b'hello'", Tensor::Scalar<std::string>("hello"), "08071200420568656c6c6f"},
      {"np.array([], np.float32)", Tensor::FromVector<float>(empty, {0}), "080112021200"},
      {"np.zeros((2,0), np.float32)", Tensor::FromVector<float>(empty, {2, 0}),
       "08011206120208021200"},
  };
  for (const EncodeCase& c : cases) {
    EXPECT_EQ(ToHex(SerializeTensorProto(c.tensor)), c.hex) << c.what;
    // And TensorFlow's encoding decodes to the same tensor (int4 -7 decodes to TF's 0xf9).
    Result<Tensor> back = ParseTensorProto(FromHex(c.hex), c.what);
    ASSERT_TRUE(back.ok()) << c.what << ": " << back.status().ToString();
    if (std::string_view(c.what).starts_with("the same int4")) continue;
    EXPECT_TRUE(back->Equals(c.tensor)) << c.what << ": " << back->DebugString();
  }
}

// Graph writers store a tensor whose elements are all equal as make_tensor_proto(value, shape=...)
// does: one value in the typed field.
TEST(TensorToProto, SplatsAsOneValue) {
  const std::vector<double> zeros(128, 0.0);
  const std::vector<float> splat(4, -1.5f);
  const bool trues[] = {true, true, true, true};
  const std::vector<float> mixed = {0.0f, -0.0f};
  struct Case {
    const char* what;
    Tensor tensor;
    const char* hex;
  } cases[] = {
      {"make_tensor_proto(0, dtype=tf.float64, shape=[128])",
       Tensor::FromVector<double>(zeros, {128}), "08021205120308800132080000000000000000"},
      {"make_tensor_proto(b'a', shape=[3])", Tensor::Strings({"a", "a", "a"}),
       "0807120412020803420161"},
      {"make_tensor_proto(np.float32(-1.5), shape=[2,2])", Tensor::FromVector<float>(splat, {2, 2}),
       "0801120812020802120208022a040000c0bf"},
      {"make_tensor_proto(True, shape=[4])",
       Tensor::FromVector<bool>(std::span<const bool>(trues), {4}), "080a1204120208045a0101"},
      // 0.0 and -0.0 are different bytes: not a splat, so tensor_content as for an ndarray.
      {"np.array([0.0, -0.0], np.float32)", Tensor::FromVector<float>(mixed, {2}),
       "0801120412020802220800000000"
       "00000080"},
  };
  for (const Case& c : cases) {
    tensorflow::TensorProto p;
    TensorToProto(c.tensor, &p, /*splat_as_one_value=*/true);
    EXPECT_EQ(ToHex(p.SerializeAsString()), c.hex) << c.what;
    Result<Tensor> back = TensorFromProto(p);
    ASSERT_TRUE(back.ok()) << c.what;
    EXPECT_TRUE(back->Equals(c.tensor)) << c.what;
  }
}

// ---- decoding: typed fields --------------------------------------------------------------------

TEST(TensorFromProto, TypedFieldTakesFirstNRepeatsLastOrZeroFills) {
  auto p = Proto(tensorflow::DT_FLOAT, {4});
  p.add_float_val(1);
  p.add_float_val(2);
  EXPECT_EQ(Values<float>(MustDecode(p)), (std::vector<float>{1, 2, 2, 2}));  // TF: [1. 2. 2. 2.]

  p = Proto(tensorflow::DT_FLOAT, {2});
  for (float v : {1, 2, 3}) p.add_float_val(v);
  EXPECT_EQ(Values<float>(MustDecode(p)), (std::vector<float>{1, 2}));  // extras ignored

  p = Proto(tensorflow::DT_FLOAT, {2});
  EXPECT_EQ(Values<float>(MustDecode(p)), (std::vector<float>{0, 0}));  // no values: zeros

  p = Proto(tensorflow::DT_FLOAT, {2, 3});
  p.add_float_val(7.5f);  // one value broadcasts to the whole shape
  EXPECT_EQ(Values<float>(MustDecode(p)), std::vector<float>(6, 7.5f));

  p = Proto(tensorflow::DT_FLOAT, {0});
  p.add_float_val(1);
  EXPECT_EQ(MustDecode(p).NumElements(), 0);
}

TEST(TensorFromProto, EachTypedField) {
  auto p = Proto(tensorflow::DT_DOUBLE, {2});
  p.add_double_val(-1.25);
  EXPECT_EQ(Values<double>(MustDecode(p)), (std::vector<double>{-1.25, -1.25}));

  p = Proto(tensorflow::DT_INT32, {3});
  for (int v : {5, -6}) p.add_int_val(v);
  EXPECT_EQ(Values<int32_t>(MustDecode(p)), (std::vector<int32_t>{5, -6, -6}));

  // TF: int_val [300, -129] as int8 -> [44, 127]; [-1] as uint8 -> [255] (static_cast).
  p = Proto(tensorflow::DT_INT8, {2});
  for (int v : {300, -129}) p.add_int_val(v);
  EXPECT_EQ(Values<int8_t>(MustDecode(p)), (std::vector<int8_t>{44, 127}));
  p = Proto(tensorflow::DT_UINT8, {1});
  p.add_int_val(-1);
  EXPECT_EQ(Values<uint8_t>(MustDecode(p)), (std::vector<uint8_t>{255}));

  p = Proto(tensorflow::DT_INT16, {2});
  for (int v : {-300, 70000}) p.add_int_val(v);
  EXPECT_EQ(Values<int16_t>(MustDecode(p)), (std::vector<int16_t>{-300, 4464}));
  p = Proto(tensorflow::DT_UINT16, {1});
  p.add_int_val(65535);
  EXPECT_EQ(Values<uint16_t>(MustDecode(p)), (std::vector<uint16_t>{65535}));

  // Quantized types use int_val too.
  p = Proto(tensorflow::DT_QINT8, {2});
  p.add_int_val(-3);
  EXPECT_EQ(Bytes(MustDecode(p)), (std::vector<uint8_t>{0xfd, 0xfd}));
  p = Proto(tensorflow::DT_QUINT16, {1});
  p.add_int_val(40000);
  EXPECT_EQ(Bytes(MustDecode(p)), (std::vector<uint8_t>{0x40, 0x9c}));
  p = Proto(tensorflow::DT_QINT32, {1});
  p.add_int_val(-2);
  EXPECT_EQ(Bytes(MustDecode(p)), (std::vector<uint8_t>{0xfe, 0xff, 0xff, 0xff}));

  // TF 2.21 (Const from int_val, then SaveV2): int4 [9, -7, 7, 300, -1] stored as 09 f9 07 2c ff.
  p = Proto(tensorflow::DT_INT4, {5});
  for (int v : {9, -7, 7, 300, -1}) p.add_int_val(v);
  EXPECT_EQ(Bytes(MustDecode(p)), (std::vector<uint8_t>{0x09, 0xf9, 0x07, 0x2c, 0xff}));

  p = Proto(tensorflow::DT_INT64, {2});
  p.add_int64_val(int64_t{1} << 40);
  EXPECT_EQ(Values<int64_t>(MustDecode(p)),
            (std::vector<int64_t>{int64_t{1} << 40, int64_t{1} << 40}));

  p = Proto(tensorflow::DT_UINT32, {3});
  p.add_uint32_val(5);  // TF: [5 5 5]
  EXPECT_EQ(Values<uint32_t>(MustDecode(p)), (std::vector<uint32_t>{5, 5, 5}));
  p = Proto(tensorflow::DT_UINT64, {2});
  p.add_uint64_val(uint64_t{1} << 63);
  p.add_uint64_val(3);
  EXPECT_EQ(Values<uint64_t>(MustDecode(p)), (std::vector<uint64_t>{uint64_t{1} << 63, 3}));

  p = Proto(tensorflow::DT_BOOL, {3});
  p.add_bool_val(false);
  p.add_bool_val(true);
  EXPECT_EQ(Values<bool>(MustDecode(p)), (std::vector<bool>{false, true, true}));

  p = Proto(tensorflow::DT_STRING, {3});
  p.add_string_val("x");
  p.add_string_val(std::string("a\0b", 3));
  EXPECT_EQ(Values<std::string>(MustDecode(p)),
            (std::vector<std::string>{"x", std::string("a\0b", 3), std::string("a\0b", 3)}));
}

TEST(TensorFromProto, ComplexPairs) {
  using C64 = std::complex<float>;
  auto p = Proto(tensorflow::DT_COMPLEX64, {3});
  for (float v : {1, 2}) p.add_scomplex_val(v);
  EXPECT_EQ(Values<C64>(MustDecode(p)), std::vector<C64>(3, C64(1, 2)));  // TF: [1+2j]*3
  // An odd trailing float is not a value: [1, 2, 3] for 2 elements -> [1+2j, 1+2j] (TF).
  p = Proto(tensorflow::DT_COMPLEX64, {2});
  for (float v : {1, 2, 3}) p.add_scomplex_val(v);
  EXPECT_EQ(Values<C64>(MustDecode(p)), std::vector<C64>(2, C64(1, 2)));

  using C128 = std::complex<double>;
  p = Proto(tensorflow::DT_COMPLEX128, {2});
  for (double v : {1.5, -2.0, 3.0, 4.0}) p.add_dcomplex_val(v);
  EXPECT_EQ(Values<C128>(MustDecode(p)), (std::vector<C128>{C128(1.5, -2), C128(3, 4)}));
}

TEST(TensorFromProto, HalfAndBfloat16BitsInHalfVal) {
  // TF: half_val [0x13c00, 0xc000] -> [1.0, -2.0]: only the low 16 bits of each int32 count.
  auto p = Proto(tensorflow::DT_HALF, {2});
  p.add_half_val(0x13c00);
  p.add_half_val(0xc000);
  Tensor t = MustDecode(p);
  ASSERT_EQ(t.dtype(), DataType::kHalf);
  EXPECT_EQ(t.flat<Half>()[0].bits, 0x3c00);
  EXPECT_EQ(t.flat<Half>()[1].ToFloat(), -2.0f);

  p = Proto(tensorflow::DT_BFLOAT16, {2});
  p.add_half_val(0x3fc0);  // TF: [1.5, 1.5]
  t = MustDecode(p);
  EXPECT_EQ(t.flat<BFloat16>()[0].ToFloat(), 1.5f);
  EXPECT_EQ(t.flat<BFloat16>()[1].ToFloat(), 1.5f);
}

TEST(TensorFromProto, Float8Val) {
  auto p = Proto(tensorflow::DT_FLOAT8_E4M3FN, {3});
  p.set_float8_val("\x3c");  // TF: [1.5 1.5 1.5]
  EXPECT_EQ(Bytes(MustDecode(p)), (std::vector<uint8_t>{0x3c, 0x3c, 0x3c}));
  p = Proto(tensorflow::DT_FLOAT8_E5M2, {2});
  p.set_float8_val("\x3e\xc0\x11");
  EXPECT_EQ(Bytes(MustDecode(p)), (std::vector<uint8_t>{0x3e, 0xc0}));
}

// ---- decoding: tensor_content ------------------------------------------------------------------

TEST(TensorFromProto, TensorContentWinsOverTypedField) {
  auto p = Proto(tensorflow::DT_INT32, {2});
  const int32_t v[] = {7, -8};
  p.set_tensor_content(reinterpret_cast<const char*>(v), sizeof(v));
  p.add_int_val(99);
  EXPECT_EQ(Values<int32_t>(MustDecode(p)), (std::vector<int32_t>{7, -8}));
}

TEST(TensorFromProto, TensorContentMustHaveTheExactSize) {
  auto p = Proto(tensorflow::DT_FLOAT, {2});
  p.set_tensor_content(std::string(7, '\0'));  // TF: InvalidArgumentError
  Result<Tensor> t = TensorFromProto(p);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("7 bytes"), std::string::npos) << t.status().ToString();
  p.set_tensor_content(std::string(9, '\0'));
  EXPECT_FALSE(TensorFromProto(p).ok());
  p = Proto(tensorflow::DT_FLOAT, {0});
  p.set_tensor_content(std::string(4, '\0'));
  EXPECT_FALSE(TensorFromProto(p).ok());

  // int4 content is one byte per element in TF 2.21: 3 bytes for [3] decode, 2 bytes fail.
  p = Proto(tensorflow::DT_INT4, {3});
  p.set_tensor_content("\x01\x02\x03");
  EXPECT_EQ(Bytes(MustDecode(p)), (std::vector<uint8_t>{1, 2, 3}));
  p.set_tensor_content("\x21\x03");
  EXPECT_FALSE(TensorFromProto(p).ok());
}

TEST(TensorFromProto, BoolContentBytesMustBeZeroOrOne) {
  auto p = Proto(tensorflow::DT_BOOL, {2});
  p.set_tensor_content(std::string("\x01\x00", 2));
  EXPECT_EQ(Values<bool>(MustDecode(p)), (std::vector<bool>{true, false}));
  p.set_tensor_content("\x01\x02");  // TF: InvalidArgumentError
  EXPECT_FALSE(TensorFromProto(p).ok());
}

TEST(TensorFromProto, StringTensorContent) {
  // TF: varint32 lengths 2, 1 then "abc" -> [b'ab', b'c']; one byte short or long fails.
  auto p = Proto(tensorflow::DT_STRING, {2});
  p.set_tensor_content(
      "\x02\x01"
      "abc");
  EXPECT_EQ(Values<std::string>(MustDecode(p)), (std::vector<std::string>{"ab", "c"}));
  p.set_tensor_content(
      "\x02\x01"
      "ab");
  EXPECT_FALSE(TensorFromProto(p).ok());
  p.set_tensor_content(
      "\x02\x01"
      "abcd");
  EXPECT_FALSE(TensorFromProto(p).ok());
  // A multi-byte length: 200 'x'.
  p = Proto(tensorflow::DT_STRING, {1});
  p.set_tensor_content("\xc8\x01" + std::string(200, 'x'));
  EXPECT_EQ(Values<std::string>(MustDecode(p)), (std::vector<std::string>{std::string(200, 'x')}));
  // More elements than content bytes, and a varint that never ends.
  p = Proto(tensorflow::DT_STRING, {1000000000000});
  p.set_tensor_content("\x00");
  EXPECT_FALSE(TensorFromProto(p).ok());
  p = Proto(tensorflow::DT_STRING, {1});
  p.set_tensor_content("\xff\xff\xff\xff\xff\xff");
  EXPECT_FALSE(TensorFromProto(p).ok());
}

// ---- decoding: invalid protos ------------------------------------------------------------------

TEST(TensorFromProto, RejectsBadShapesAndDtypes) {
  auto p = Proto(tensorflow::DT_FLOAT, {-1});  // TF: "Shape [?] is not fully defined"
  p.add_float_val(1);
  EXPECT_FALSE(TensorFromProto(p).ok());
  p = Proto(tensorflow::DT_FLOAT, {2});
  p.mutable_tensor_shape()->set_unknown_rank(true);
  EXPECT_FALSE(TensorFromProto(p).ok());
  p = Proto(tensorflow::DT_INVALID, {});
  EXPECT_FALSE(TensorFromProto(p).ok());
  p = Proto(static_cast<tensorflow::DataType>(77), {});
  EXPECT_FALSE(TensorFromProto(p).ok());
  p = Proto(tensorflow::DT_FLOAT_REF, {});
  EXPECT_FALSE(TensorFromProto(p).ok());
  p = Proto(tensorflow::DT_RESOURCE, {});
  EXPECT_EQ(TensorFromProto(p).status().code(), StatusCode::kUnimplemented);
  // Element count overflowing int64.
  p = Proto(tensorflow::DT_FLOAT, {int64_t{1} << 40, int64_t{1} << 40});
  EXPECT_FALSE(TensorFromProto(p).ok());
}

TEST(TensorFromProto, HugeShapesAreRefusedWithoutAllocating) {
  // 1e15 elements: TF refuses this too (InvalidArgumentError). No content, one value, no value.
  for (int values : {0, 1, 2}) {
    auto p = Proto(tensorflow::DT_FLOAT, {1000000, 1000000, 1000});
    for (int i = 0; i < values; ++i) p.add_float_val(1);
    Result<Tensor> t = TensorFromProto(p);
    ASSERT_FALSE(t.ok()) << values;
    EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(t.status().message().find("GiB"), std::string::npos) << t.status().ToString();
  }
  auto p = Proto(tensorflow::DT_STRING, {1000000000000});
  p.add_string_val("abc");
  EXPECT_FALSE(TensorFromProto(p).ok());
  // Just over the bound: 2^30 + 1 floats from one value.
  p = Proto(tensorflow::DT_FLOAT, {(int64_t{1} << 30) + 1});
  p.add_float_val(0);
  EXPECT_FALSE(TensorFromProto(p).ok());
}

TEST(ParseTensorProto, ErrorsNameTheTensor) {
  Result<Tensor> t = ParseTensorProto("\x08\x01\x12\x05", "my_tensor");  // truncated shape
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("my_tensor"), std::string::npos);
  auto p = Proto(tensorflow::DT_FLOAT, {3});
  p.set_tensor_content("abc");
  t = ParseTensorProto(p.SerializeAsString(), "weights");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message().rfind("weights: ", 0), 0u) << t.status().ToString();
}

}  // namespace
}  // namespace tfmodel
