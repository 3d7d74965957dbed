// CheckpointWriter / CheckpointReader round trips, the exact bytes TensorFlow writes
// (spec/tf-formats.md 1.5-1.7), writer error handling, SaveCheckpoint with several shards, and
// byte-for-byte re-creation of the TensorFlow-written checkpoints in the corpus.
#include <gtest/gtest.h>

#include "src/base/test_util.h"
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <set>

#include "src/base/crc32c.h"
#include "src/base/file.h"
#include "src/formats/bundle/bundle_index.h"
#include "src/formats/bundle/ordered_code.h"
#include "src/formats/bundle/slices.h"
#include "src/formats/bundle/table.h"
#include "tfmodel/checkpoint.h"

namespace tfmodel {
namespace {

namespace fs = std::filesystem;

using test::MakeTempDir;

std::vector<std::string> Files(const std::string& dir) {
  auto names = ListDirectory(dir);
  return names.ok() ? *names : std::vector<std::string>{"<cannot list " + dir + ">"};
}

std::string ReadAll(const std::string& path) {
  auto r = ReadFileToString(path);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::string();
}

std::string Hex(std::string_view s) {
  std::string out;
  char buf[4];
  for (unsigned char c : s) {
    std::snprintf(buf, sizeof(buf), "%02x ", c);
    out += buf;
  }
  return out;
}

std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s += static_cast<char>(b);
  return s;
}

std::string LE32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (8 * i));
  return s;
}

// Raw key/value pairs of a table file, in file order.
std::vector<std::pair<std::string, std::string>> TableEntries(const std::string& path) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string contents = ReadAll(path);
  Status s = ReadTable(contents, path, [&](std::string_view k, std::string_view v) {
    out.emplace_back(std::string(k), std::string(v));
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

std::unique_ptr<CheckpointReader> OpenOrDie(const std::string& path) {
  auto r = CheckpointReader::Open(path);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : nullptr;
}

std::unique_ptr<CheckpointWriter> CreateOrDie(const std::string& prefix) {
  auto w = CheckpointWriter::Create(prefix, CheckpointWriterOptions{.sync = false});
  EXPECT_TRUE(w.ok()) << w.status().ToString();
  return w.ok() ? std::move(w).value() : nullptr;
}

// A tensor of any fixed-size dtype whose bytes are a deterministic pattern.
Tensor Patterned(DataType dtype, const Shape& shape, int seed) {
  Tensor t = Tensor::Allocate(dtype, shape).value();
  auto* p = static_cast<uint8_t*>(t.raw_data());
  for (size_t i = 0; i < t.TotalBytes(); ++i) {
    uint8_t b = static_cast<uint8_t>(i * 37 + seed * 11 + 1);
    if (dtype == DataType::kBool) b &= 1;  // only 0/1 are valid bools
    p[i] = b;
  }
  return t;
}

// Element sizes from spec 1.7 (written out here rather than taken from DataTypeSize).
struct PodCase {
  DataType dtype;
  size_t element_size;
};
const PodCase kPodCases[] = {
    {DataType::kFloat, 4},          {DataType::kDouble, 8},
    {DataType::kInt32, 4},          {DataType::kUInt8, 1},
    {DataType::kInt16, 2},          {DataType::kInt8, 1},
    {DataType::kComplex64, 8},      {DataType::kInt64, 8},
    {DataType::kBool, 1},           {DataType::kQInt8, 1},
    {DataType::kQUInt8, 1},         {DataType::kQInt32, 4},
    {DataType::kBFloat16, 2},       {DataType::kQInt16, 2},
    {DataType::kQUInt16, 2},        {DataType::kUInt16, 2},
    {DataType::kComplex128, 16},    {DataType::kHalf, 2},
    {DataType::kUInt32, 4},         {DataType::kUInt64, 8},
    {DataType::kFloat8E5M2, 1},     {DataType::kFloat8E4M3FN, 1},
    {DataType::kFloat8E4M3FNUZ, 1}, {DataType::kFloat8E4M3B11FNUZ, 1},
    {DataType::kFloat8E5M2FNUZ, 1}, {DataType::kInt4, 1},
    {DataType::kUInt4, 1},
};

TEST(BundleRoundTrip, EveryFixedSizeDtype) {
  std::string dir = MakeTempDir("dtypes");
  std::string prefix = JoinPath(dir, "model.ckpt");
  auto w = CreateOrDie(prefix);
  ASSERT_TRUE(w);
  std::vector<std::pair<std::string, Tensor>> written;
  std::string expected_data;
  int seed = 0;
  for (const PodCase& c : kPodCases) {
    for (const Shape& shape : {Shape{3, 2}, Shape{}, Shape{0}, Shape{2, 0, 3}}) {
      std::string name = std::string(DataTypeName(c.dtype)) + "/" + shape.DebugString();
      Tensor t = Patterned(c.dtype, shape, ++seed);
      ASSERT_TRUE(w->Add(name, t).ok()) << name;
      expected_data.append(static_cast<const char*>(t.raw_data()), t.TotalBytes());
      written.emplace_back(name, t);
    }
  }
  ASSERT_TRUE(w->Finish().ok());
  // Data file = the tensors' bytes in Add order, densely packed (spec 1.7).
  EXPECT_TRUE(ReadAll(DataFilename(prefix, 0, 1)) == expected_data);

  auto r = OpenOrDie(prefix);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->num_shards(), 1);
  EXPECT_EQ(r->tensors().size(), written.size());
  EXPECT_TRUE(r->Verify().empty());
  uint64_t offset = 0;
  for (const auto& [name, t] : written) {
    const TensorInfo* info = r->Find(name);
    ASSERT_NE(info, nullptr) << name;
    EXPECT_EQ(info->dtype, t.dtype());
    EXPECT_EQ(info->shape, t.shape());
    size_t elem = 0;
    for (const PodCase& c : kPodCases) {
      if (c.dtype == t.dtype()) elem = c.element_size;
    }
    EXPECT_EQ(info->size, static_cast<uint64_t>(t.NumElements()) * elem) << name;
    EXPECT_EQ(info->offset, offset) << name;
    offset += info->size;
    auto got = r->Read(name);
    ASSERT_TRUE(got.ok()) << name << ": " << got.status().ToString();
    EXPECT_TRUE(got->Equals(t)) << name;
  }
  // tensors() is sorted by name (bytewise).
  for (size_t i = 1; i < r->tensors().size(); ++i) {
    EXPECT_LT(r->tensors()[i - 1].name, r->tensors()[i].name);
  }
}

TEST(BundleRoundTrip, OnlyEmptyTensorsGiveAnEmptyDataFile) {
  std::string dir = MakeTempDir("empty");
  std::string prefix = JoinPath(dir, "e");
  auto w = CreateOrDie(prefix);
  ASSERT_TRUE(w);
  ASSERT_TRUE(w->Add("f", Tensor::Allocate(DataType::kFloat, Shape{0}).value()).ok());
  ASSERT_TRUE(w->Add("i", Tensor::Allocate(DataType::kInt32, Shape{3, 0}).value()).ok());
  ASSERT_TRUE(w->Finish().ok());
  EXPECT_EQ(ReadAll(DataFilename(prefix, 0, 1)), "");
  auto r = OpenOrDie(prefix);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->Verify().empty());
  auto i = r->Read("i");
  ASSERT_TRUE(i.ok()) << i.status().ToString();
  EXPECT_EQ(i->shape(), (Shape{3, 0}));
  // Masked crc32c of no bytes: Mask(0).
  auto index = ReadBundleIndex(prefix);
  ASSERT_TRUE(index.ok());
  for (const auto& [key, entry] : index->entries) EXPECT_EQ(entry.crc32c(), crc32c::Mask(0)) << key;
}

TEST(BundleRoundTrip, Strings) {
  std::string dir = MakeTempDir("strings");
  std::string prefix = JoinPath(dir, "s");
  std::string binary;
  for (int i = 0; i < 256; ++i) binary += static_cast<char>(i);
  binary += std::string("\x00\xff\x80", 3);
  std::string big(1 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 7919) >> 3);
  Tensor scalar = Tensor::Allocate(DataType::kString, Shape{}).value();
  scalar.flat<std::string>()[0] = "scalar value";
  Tensor empty_scalar = Tensor::Allocate(DataType::kString, Shape{}).value();
  Tensor matrix = Tensor::Allocate(DataType::kString, Shape{2, 3}).value();
  for (int i = 0; i < 6; ++i) matrix.flat<std::string>()[i] = std::string(i * 50, 'a' + i);
  Tensor no_elements = Tensor::Allocate(DataType::kString, Shape{0, 4}).value();
  const std::vector<std::pair<std::string, Tensor>> tensors = {
      {"binary", Tensor::Strings({binary, "", binary.substr(1, 3)})},
      {"big", Tensor::Strings({big})},
      {"empties", Tensor::Strings({"", "", ""})},
      {"empty_scalar", empty_scalar},
      {"matrix", matrix},
      {"no_elements", no_elements},
      {"scalar", scalar},
  };
  auto w = CreateOrDie(prefix);
  ASSERT_TRUE(w);
  for (const auto& [name, t] : tensors) ASSERT_TRUE(w->Add(name, t).ok()) << name;
  ASSERT_TRUE(w->Finish().ok());
  auto r = OpenOrDie(prefix);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->Verify().empty());
  for (const auto& [name, t] : tensors) {
    auto got = r->Read(name);
    ASSERT_TRUE(got.ok()) << name << ": " << got.status().ToString();
    EXPECT_TRUE(got->Equals(t)) << name;
  }
  // The 1 MiB string: length varint 80 80 40, a 4-byte length checksum, then the bytes.
  const TensorInfo* info = r->Find("big");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->size, 3u + 4u + big.size());
}

TEST(BundleRoundTrip, StringEncodingBytesFollowSpec) {
  // spec 1.7: varint lengths, Mask(crc32c of the lengths as LE uint32), string bytes; the entry
  // checksum continues over the 4 stored checksum bytes and the string bytes.
  std::string dir = MakeTempDir("strbytes");
  std::string prefix = JoinPath(dir, "s");
  std::string s200(200, 'x');
  auto w = CreateOrDie(prefix);
  ASSERT_TRUE(w);
  ASSERT_TRUE(w->Add("t", Tensor::Strings({"ab", "", s200})).ok());
  ASSERT_TRUE(w->Finish().ok());
  const std::string lengths_le = LE32(2) + LE32(0) + LE32(200);
  const uint32_t crc_l = crc32c::Value(lengths_le);
  const std::string length_checksum = LE32(crc32c::Mask(crc_l));
  const std::string expected = Bytes({0x02, 0x00, 0xc8, 0x01}) + length_checksum + "ab" + s200;
  EXPECT_EQ(Hex(ReadAll(DataFilename(prefix, 0, 1))), Hex(expected));
  uint32_t crc = crc32c::Extend(crc_l, length_checksum.data(), 4);
  crc = crc32c::Extend(crc, "ab", 2);
  crc = crc32c::Extend(crc, s200.data(), s200.size());
  auto index = ReadBundleIndex(prefix);
  ASSERT_TRUE(index.ok());
  ASSERT_EQ(index->entries.size(), 1u);
  EXPECT_EQ(index->entries[0].second.crc32c(), crc32c::Mask(crc));
  EXPECT_EQ(index->entries[0].second.size(), static_cast<int64_t>(expected.size()));
}

TEST(BundleBytes, HeaderAndFloatScalarEntries) {
  // spec 1.5 (header) and 1.6 (a float scalar 3.0 at offset 4, size 4).
  std::string dir = MakeTempDir("bytes");
  std::string prefix = JoinPath(dir, "variables");
  auto w = CreateOrDie(prefix);
  ASSERT_TRUE(w);
  ASSERT_TRUE(w->Add("a", Tensor::Scalar(0.5f)).ok());
  ASSERT_TRUE(w->Add("b", Tensor::Scalar(3.0f)).ok());
  ASSERT_TRUE(
      w->Add("c", Tensor::FromVector<float>(std::vector<float>{1, 2, 3, 4, 5, 6}, Shape{2, 3}))
          .ok());
  ASSERT_TRUE(w->Finish().ok());
  auto entries = TableEntries(IndexFilename(prefix));
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[0].first, "");
  EXPECT_EQ(Hex(entries[0].second), Hex(Bytes({0x08, 0x01, 0x1a, 0x02, 0x08, 0x01})));
  EXPECT_EQ(entries[1].first, "a");
  // float 0.5 -> masked crc 522663942 = 0x1f273806 (spec 1.8); offset 0 omitted.
  EXPECT_EQ(Hex(entries[1].second),
            Hex(Bytes({0x08, 0x01, 0x12, 0x00, 0x28, 0x04, 0x35, 0x06, 0x38, 0x27, 0x1f})));
  EXPECT_EQ(entries[2].first, "b");
  EXPECT_EQ(
      Hex(entries[2].second),
      Hex(Bytes({0x08, 0x01, 0x12, 0x00, 0x20, 0x04, 0x28, 0x04, 0x35, 0xef, 0xd6, 0x82, 0xc3})));
  // [2,3] float at offset 8: 08 01 12 08 12 02 08 02 12 02 08 03 20 08 28 18 35 <crc>.
  std::string c_bytes;
  for (float f : {1.f, 2.f, 3.f, 4.f, 5.f, 6.f})
    c_bytes.append(reinterpret_cast<const char*>(&f), 4);
  EXPECT_EQ(Hex(entries[3].second), Hex(Bytes({0x08, 0x01, 0x12, 0x08, 0x12, 0x02, 0x08, 0x02, 0x12,
                                               0x02, 0x08, 0x03, 0x20, 0x08, 0x28, 0x18, 0x35}) +
                                        LE32(crc32c::Mask(crc32c::Value(c_bytes)))));
  // The whole index: the spec's 1.12 layout for three float scalars is what leveldb writes;
  // here check the footer magic and that no temp files are left.
  std::string index = ReadAll(IndexFilename(prefix));
  ASSERT_GE(index.size(), 48u);
  EXPECT_EQ(Hex(index.substr(index.size() - 8)),
            Hex(Bytes({0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb})));
  EXPECT_EQ(Files(dir),
            (std::vector<std::string>{"variables.data-00000-of-00001", "variables.index"}));
}

TEST(BundleBytes, SpecWorkedExampleIsReproducedExactly) {
  // spec 1.12: three float scalars a, b, c written by TF1 give a 151-byte index; check its
  // first bytes (header, entry "a"), the index block entry and the footer handles.
  std::string dir = MakeTempDir("worked");
  std::string prefix = JoinPath(dir, "variables");
  auto w = CreateOrDie(prefix);
  ASSERT_TRUE(w);
  ASSERT_TRUE(w->Add("a", Tensor::Scalar(0.5f)).ok());
  ASSERT_TRUE(w->Add("b", Tensor::Scalar(2.0f)).ok());
  ASSERT_TRUE(w->Add("c", Tensor::Scalar(3.0f)).ok());
  ASSERT_TRUE(w->Finish().ok());
  std::string index = ReadAll(IndexFilename(prefix));
  EXPECT_EQ(index.size(), 151u);
  EXPECT_EQ(Hex(index.substr(0, 25)),
            Hex(Bytes({0x00, 0x00, 0x06, 0x08, 0x01, 0x1a, 0x02, 0x08, 0x01, 0x00, 0x01, 0x0b, 0x61,
                       0x08, 0x01, 0x12, 0x00, 0x28, 0x04, 0x35, 0x06, 0x38, 0x27, 0x1f, 0x00})));
  // Index block: key "d" -> handle(0, 66); footer starts 47 08 54 0e.
  EXPECT_NE(index.find(Bytes({0x00, 0x01, 0x02, 0x64, 0x00, 0x42})), std::string::npos);
  EXPECT_EQ(Hex(index.substr(index.size() - 48, 4)), Hex(Bytes({0x47, 0x08, 0x54, 0x0e})));
}

// ---- partitioned tensors ---------------------------------------------------------------------

Tensor Iota(const Shape& shape) {
  Tensor t = Tensor::Allocate(DataType::kFloat, shape).value();
  auto v = t.flat<float>();
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i) + 0.25f;
  return t;
}

Tensor Part(const Tensor& full, const TensorSlice& slice) {
  Tensor part = Tensor::Allocate(full.dtype(), slice.SliceShape(full.shape()).value()).value();
  CopySliceOutOfFull(slice, full, part);
  return part;
}

void CheckPartitioned(const std::string& tag, const std::vector<TensorSlice>& slices) {
  SCOPED_TRACE(tag);
  std::string dir = MakeTempDir("part");
  std::string prefix = JoinPath(dir, "p");
  const Shape full_shape{4, 6};
  Tensor full = Iota(full_shape);
  auto w = CreateOrDie(prefix);
  ASSERT_TRUE(w);
  for (const TensorSlice& s : slices) {
    Status st = w->AddSlice("w", full_shape, s, Part(full, s));
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  ASSERT_TRUE(w->Add("plain", Tensor::Scalar(1.0f)).ok());
  ASSERT_TRUE(w->Finish().ok());

  auto r = OpenOrDie(prefix);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->tensors().size(), 2u);  // slice entries are folded into "w"
  const TensorInfo* info = r->Find("w");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->shape, full_shape);
  EXPECT_EQ(info->slices.size(), slices.size());
  auto got = r->Read("w");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(got->Equals(full)) << got->DebugString();
  EXPECT_TRUE(r->Verify().empty());

  // The index: "" first, then the slice keys (0x00...), then "plain" and "w".
  auto index = ReadBundleIndex(prefix);
  ASSERT_TRUE(index.ok());
  ASSERT_EQ(index->entries.size(), slices.size() + 2);
  std::set<std::string> slice_keys;
  for (const TensorSlice& s : slices)
    slice_keys.insert(ordered_code::EncodeTensorNameSlice("w", s));
  for (size_t i = 0; i < slices.size(); ++i) {
    EXPECT_EQ(slice_keys.count(index->entries[i].first), 1u) << Hex(index->entries[i].first);
  }
  const auto& [wkey, went] = index->entries.back();
  EXPECT_EQ(wkey, "w");
  EXPECT_EQ(went.slices_size(), static_cast<int>(slices.size()));
  EXPECT_EQ(went.shard_id(), 0);
  EXPECT_EQ(went.offset(), 0);
  EXPECT_EQ(went.size(), 0);
  EXPECT_EQ(went.crc32c(), 0u);
}

TEST(BundlePartitioned, SplitOnAxis0) {
  CheckPartitioned("axis0", {TensorSlice{{{0, 1}, {0, -1}}}, TensorSlice{{{1, 3}, {0, -1}}}});
}

TEST(BundlePartitioned, SplitOnAxis1) {
  CheckPartitioned("axis1", {TensorSlice{{{0, -1}, {0, 2}}}, TensorSlice{{{0, -1}, {2, 2}}},
                             TensorSlice{{{0, -1}, {4, 2}}}});
}

TEST(BundlePartitioned, SplitOnBothAxes) {
  CheckPartitioned("grid", {TensorSlice{{{0, 3}, {0, 5}}}, TensorSlice{{{0, 3}, {5, 1}}},
                            TensorSlice{{{3, 1}, {0, 5}}}, TensorSlice{{{3, 1}, {5, 1}}}});
}

TEST(BundlePartitioned, SliceKeyBytesAndExtents) {
  std::string dir = MakeTempDir("partkey");
  std::string prefix = JoinPath(dir, "p");
  Tensor full = Iota(Shape{10, 20});
  TensorSlice rows{{{0, 5}, {0, -1}}};
  TensorSlice rest{{{5, 5}, {0, -1}}};
  auto w = CreateOrDie(prefix);
  ASSERT_TRUE(w);
  ASSERT_TRUE(w->AddSlice("w", Shape{10, 20}, rows, Part(full, rows)).ok());
  ASSERT_TRUE(w->AddSlice("w", Shape{10, 20}, rest, Part(full, rest)).ok());
  ASSERT_TRUE(w->Finish().ok());
  auto entries = TableEntries(IndexFilename(prefix));
  ASSERT_EQ(entries.size(), 4u);
  // spec 1.9's example key, then the one for rows 5..9.
  EXPECT_EQ(Hex(entries[1].first),
            Hex(Bytes({0x00, 0x77, 0x00, 0x01, 0x01, 0x02, 0x80, 0x85, 0x80, 0x7f})));
  EXPECT_EQ(Hex(entries[2].first),
            Hex(Bytes({0x00, 0x77, 0x00, 0x01, 0x01, 0x02, 0x85, 0x85, 0x80, 0x7f})));
  // The full entry: dtype float, shape [10,20], slices {extent{length 5} extent{}} and
  // {extent{start 5 length 5} extent{}} (start 0 omitted; a whole dimension is an empty Extent).
  EXPECT_EQ(entries[3].first, "w");
  EXPECT_EQ(Hex(entries[3].second),
            Hex(Bytes({0x08, 0x01, 0x12, 0x08, 0x12, 0x02, 0x08, 0x0a, 0x12, 0x02,
                       0x08, 0x14, 0x3a, 0x06, 0x0a, 0x02, 0x10, 0x05, 0x0a, 0x00,
                       0x3a, 0x08, 0x0a, 0x04, 0x08, 0x05, 0x10, 0x05, 0x0a, 0x00})));
}

TEST(BundlePartitioned, StringSlices) {
  std::string dir = MakeTempDir("partstr");
  std::string prefix = JoinPath(dir, "p");
  Tensor full = Tensor::Allocate(DataType::kString, Shape{3, 2}).value();
  for (int i = 0; i < 6; ++i)
    full.flat<std::string>()[i] = std::string(i, static_cast<char>('0' + i));
  TensorSlice a{{{0, -1}, {0, 1}}}, b{{{0, -1}, {1, 1}}};
  auto w = CreateOrDie(prefix);
  ASSERT_TRUE(w);
  ASSERT_TRUE(w->AddSlice("s", full.shape(), a, Part(full, a)).ok());
  ASSERT_TRUE(w->AddSlice("s", full.shape(), b, Part(full, b)).ok());
  ASSERT_TRUE(w->Finish().ok());
  auto r = OpenOrDie(prefix);
  ASSERT_TRUE(r);
  auto got = r->Read("s");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(got->Equals(full));
}

TEST(BundlePartitioned, WholeSliceIsAPlainEntry) {
  std::string dir = MakeTempDir("partwhole");
  std::string prefix = JoinPath(dir, "p");
  Tensor full = Iota(Shape{2, 3});
  auto w = CreateOrDie(prefix);
  ASSERT_TRUE(w);
  ASSERT_TRUE(w->AddSlice("w", full.shape(), TensorSlice{{{0, 2}, {0, -1}}}, full).ok());
  ASSERT_TRUE(w->Finish().ok());
  auto entries = TableEntries(IndexFilename(prefix));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].first, "w");
  auto r = OpenOrDie(prefix);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->Find("w")->slices.empty());
  EXPECT_TRUE(r->Read("w")->Equals(full));
}

TEST(BundlePartitioned, MissingPartIsDataLoss) {
  std::string dir = MakeTempDir("partmissing");
  std::string prefix = JoinPath(dir, "p");
  Tensor full = Iota(Shape{4, 6});
  TensorSlice top{{{0, 2}, {0, -1}}};
  auto w = CreateOrDie(prefix);
  ASSERT_TRUE(w);
  ASSERT_TRUE(w->AddSlice("w", full.shape(), top, Part(full, top)).ok());
  ASSERT_TRUE(w->Finish().ok());
  auto r = OpenOrDie(prefix);
  ASSERT_TRUE(r);
  auto got = r->Read("w");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(got.status().message().find("\"w\""), std::string::npos) << got.status().message();
}

// ---- SaveCheckpoint with several shards --------------------------------------------------

TEST(BundleSave, ThreeShardsAreMerged) {
  std::string dir = MakeTempDir("shards");
  std::string prefix = JoinPath(dir, "ckpt-7");
  std::vector<SaveEntry> entries;
  for (int i = 0; i < 7; ++i) {
    entries.push_back({"t" + std::to_string(i), Iota(Shape{i + 1, 3}), std::nullopt});
  }
  entries.push_back({"str", Tensor::Strings({"x", "yy"}), std::nullopt});
  // A partitioned tensor whose slices land in different shards.
  Tensor full = Iota(Shape{4, 2});
  for (int s = 0; s < 2; ++s) {
    ShapeAndSlice sl;
    sl.full_shape = full.shape();
    sl.slice = TensorSlice{{{2 * s, 2}, {0, -1}}};
    sl.whole = false;
    entries.push_back({"part", Part(full, sl.slice), sl});
  }
  Status st = SaveCheckpoint(prefix, entries, 3, CheckpointWriterOptions{.sync = false});
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(Files(dir),
            (std::vector<std::string>{"ckpt-7.data-00000-of-00003", "ckpt-7.data-00001-of-00003",
                                      "ckpt-7.data-00002-of-00003", "ckpt-7.index"}));
  auto r = OpenOrDie(prefix);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->num_shards(), 3);
  EXPECT_TRUE(r->Verify().empty());
  std::set<int32_t> shard_ids;
  for (const SaveEntry& e : entries) {
    if (e.slice) continue;
    const TensorInfo* info = r->Find(e.name);
    ASSERT_NE(info, nullptr) << e.name;
    shard_ids.insert(info->shard_id);
    auto got = r->Read(e.name);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_TRUE(got->Equals(e.tensor)) << e.name;
  }
  EXPECT_EQ(shard_ids, (std::set<int32_t>{0, 1, 2}));
  auto got = r->Read("part");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(got->Equals(full));
  // Header: num_shards 3.
  auto index = ReadBundleIndex(prefix);
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(index->header.num_shards(), 3);
}

TEST(BundleSave, OneShardWritesPlainBundle) {
  std::string dir = MakeTempDir("oneshard");
  std::string prefix = JoinPath(dir, "m");
  std::vector<SaveEntry> entries = {{"x", Tensor::Scalar(int64_t{42}), std::nullopt}};
  ASSERT_TRUE(SaveCheckpoint(prefix, entries, 1, CheckpointWriterOptions{.sync = false}).ok());
  EXPECT_EQ(Files(dir), (std::vector<std::string>{"m.data-00000-of-00001", "m.index"}));
  auto r = OpenOrDie(prefix);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Read("x")->flat<int64_t>()[0], 42);
}

// ---- writer errors -----------------------------------------------------------------------

TEST(BundleWriterErrors, DuplicateNameIsKeptAndNothingIsLeft) {
  std::string dir = MakeTempDir("dup");
  std::string prefix = JoinPath(dir, "m");
  auto w = CreateOrDie(prefix);
  ASSERT_TRUE(w);
  ASSERT_TRUE(w->Add("x", Tensor::Scalar(1.0f)).ok());
  Status first = w->Add("x", Tensor::Scalar(2.0f));
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(first.message().find("\"x\""), std::string::npos) << first.message();
  Status later = w->Add("y", Tensor::Scalar(3.0f));
  EXPECT_EQ(later.code(), first.code());
  EXPECT_EQ(later.message(), first.message());
  Status fin = w->Finish();
  EXPECT_EQ(fin.code(), first.code());
  EXPECT_NE(fin.message().find(first.message()), std::string::npos) << fin.message();
  EXPECT_TRUE(Files(dir).empty()) << ::testing::PrintToString(Files(dir));
  w.reset();
  EXPECT_TRUE(Files(dir).empty());
}

TEST(BundleWriterErrors, BadSliceIsKeptAndNothingIsLeft) {
  std::string dir = MakeTempDir("badslice");
  std::string prefix = JoinPath(dir, "m");
  auto w = CreateOrDie(prefix);
  ASSERT_TRUE(w);
  ASSERT_TRUE(w->Add("ok", Tensor::Scalar(1.0f)).ok());
  // Rows 3..6 of a 4-row tensor do not fit.
  Status first = w->AddSlice("w", Shape{4, 6}, TensorSlice{{{3, 4}, {0, -1}}}, Iota(Shape{4, 6}));
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(first.message().find("\"w\""), std::string::npos) << first.message();
  Status later = w->Add("y", Tensor::Scalar(3.0f));
  EXPECT_EQ(later.code(), first.code());
  EXPECT_EQ(later.message(), first.message());
  Status fin = w->Finish();
  EXPECT_FALSE(fin.ok());
  EXPECT_NE(fin.message().find(first.message()), std::string::npos) << fin.message();
  EXPECT_TRUE(Files(dir).empty()) << ::testing::PrintToString(Files(dir));
}

TEST(BundleWriterErrors, SliceShapeMismatchIsKept) {
  std::string dir = MakeTempDir("slicemismatch");
  auto w = CreateOrDie(JoinPath(dir, "m"));
  ASSERT_TRUE(w);
  Status first = w->AddSlice("w", Shape{4, 6}, TensorSlice{{{0, 2}, {0, -1}}}, Iota(Shape{2, 5}));
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(w->Finish().ok());
  EXPECT_TRUE(Files(dir).empty());
}

TEST(BundleWriterErrors, InvalidNamesAreRejected) {
  std::string dir = MakeTempDir("names");
  auto w = CreateOrDie(JoinPath(dir, "m"));
  ASSERT_TRUE(w);
  EXPECT_EQ(w->Add("", Tensor::Scalar(1.0f)).code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(w->Finish().ok());
  auto w2 = CreateOrDie(JoinPath(dir, "m2"));
  ASSERT_TRUE(w2);
  EXPECT_EQ(w2->Add(std::string("\0x", 2), Tensor::Scalar(1.0f)).code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(w2->Finish().ok());
  EXPECT_TRUE(Files(dir).empty());
}

TEST(BundleWriterErrors, FinishTwiceFails) {
  std::string dir = MakeTempDir("twice");
  auto w = CreateOrDie(JoinPath(dir, "m"));
  ASSERT_TRUE(w);
  ASSERT_TRUE(w->Add("x", Tensor::Scalar(1.0f)).ok());
  ASSERT_TRUE(w->Finish().ok());
  EXPECT_EQ(w->Finish().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(w->Add("y", Tensor::Scalar(1.0f)).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Files(dir), (std::vector<std::string>{"m.data-00000-of-00001", "m.index"}));
}

TEST(BundleWriterErrors, DroppedWriterLeavesNoFiles) {
  std::string dir = MakeTempDir("dropped");
  {
    auto w = CreateOrDie(JoinPath(dir, "m"));
    ASSERT_TRUE(w);
    ASSERT_TRUE(w->Add("x", Iota(Shape{1000})).ok());
    EXPECT_FALSE(Files(dir).empty());  // the temp data file exists while writing
  }
  EXPECT_TRUE(Files(dir).empty()) << ::testing::PrintToString(Files(dir));
  EXPECT_FALSE(CheckpointReader::Open(JoinPath(dir, "m")).ok());
}

TEST(BundleWriterErrors, CreateInUncreatableDirectory) {
  std::string dir = MakeTempDir("uncreatable");
  // The parent "directory" is a regular file: mkdir -p cannot succeed, even as root.
  ASSERT_TRUE(WriteFileAtomically(JoinPath(dir, "file"), "x", false).ok());
  const std::string prefix = JoinPath(dir, "file/sub/model.ckpt");
  auto w = CheckpointWriter::Create(prefix);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find(prefix), std::string::npos) << w.status().message();
  EXPECT_NE(w.status().message().find(JoinPath(dir, "file")), std::string::npos)
      << w.status().message();
  // A prefix that names a directory.
  auto d = CheckpointWriter::Create(dir + "/");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(CheckpointWriter::Create("").ok());
}

TEST(BundleWriterErrors, CreateInReadOnlyDirectory) {
  std::string dir;
  if (::geteuid() == 0) {
    // Root ignores permission bits, but sysfs refuses new directories even to root.
    if (!IsDirectory("/sys/kernel")) GTEST_SKIP() << "running as root without sysfs";
    dir = "/sys/tfm_bundle_test_" + RandomDigits();
  } else {
    dir = MakeTempDir("readonly");
    ASSERT_EQ(::chmod(dir.c_str(), 0555), 0);
  }
  const std::string prefix = JoinPath(dir, "model.ckpt");
  auto w = CheckpointWriter::Create(prefix);
  if (::geteuid() != 0) ::chmod(dir.c_str(), 0755);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), StatusCode::kPermissionDenied) << w.status().ToString();
  EXPECT_NE(w.status().message().find(prefix), std::string::npos) << w.status().message();
  EXPECT_FALSE(IsDirectory(dir) && FileExists(IndexFilename(prefix)));
}

// ---- byte-exact re-creation of TensorFlow's checkpoints ----------------------------------

// The corpus indexes TensorFlow stored with a Snappy-compressed data block (spec 1.3); open-source
// TensorFlow never compresses, so only their entries (not their bytes) can be reproduced.
const char* const kSnappyIndexes[] = {
    "tensorflow-serving/servables/tensorflow/testdata/saved_model_half_plus_two_cpu/00000123/"
    "variables/variables.index",
    "tensorflow-serving/servables/tensorflow/testdata/saved_model_half_plus_two_mlmd/00000123/"
    "variables/variables.index",
    "tensorflow-serving/servables/tensorflow/testdata/saved_model_half_plus_two_gpu_trt/00000123/"
    "variables/variables.index",
    "tensorflow-serving/servables/tensorflow/testdata/"
    "saved_model_half_plus_two_cpu_with_saved_model_config/00000123/variables/variables.index",
    "tensorflow-serving/servables/tensorflow/testdata/"
    "saved_model_half_plus_two_cpu_with_empty_saved_model_config/00000123/variables/"
    "variables.index",
    "tensorflow-serving/servables/tensorflow/testdata/saved_model_half_plus_two_tf2_cpu/00000123/"
    "variables/variables.index",
};

std::vector<std::string> CorpusIndexes() {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(TFMODEL_CORPUS_DIR)) {
    if (e.is_regular_file() && e.path().extension() == ".index") {
      out.push_back(fs::relative(e.path(), TFMODEL_CORPUS_DIR).string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(BundleTensorFlowBytes, RewritingCorpusCheckpointsIsByteIdentical) {
  const std::vector<std::string> indexes = CorpusIndexes();
  ASSERT_GE(indexes.size(), 29u);
  const std::string out_dir = MakeTempDir("rewrite");
  int byte_identical = 0, snappy = 0;
  for (const std::string& rel : indexes) {
    SCOPED_TRACE(rel);
    const std::string prefix =
        JoinPath(TFMODEL_CORPUS_DIR, rel.substr(0, rel.size() - std::string(".index").size()));
    auto r = OpenOrDie(prefix);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->num_shards(), 1);  // every V2 checkpoint in the corpus has one data shard
    // TensorFlow appends tensors in Add order: re-add them in the order of their offsets.
    std::vector<const TensorInfo*> order;
    for (const TensorInfo& t : r->tensors()) {
      ASSERT_TRUE(t.slices.empty()) << "partitioned tensors in the corpus: extend this test";
      order.push_back(&t);
    }
    std::stable_sort(order.begin(), order.end(), [](const TensorInfo* a, const TensorInfo* b) {
      return std::pair(a->offset, a->size) < std::pair(b->offset, b->size);
    });
    const std::string out = JoinPath(out_dir, std::to_string(byte_identical + snappy));
    auto w = CreateOrDie(out);
    ASSERT_TRUE(w);
    for (const TensorInfo* t : order) {
      auto tensor = r->Read(t->name);
      ASSERT_TRUE(tensor.ok()) << tensor.status().ToString();
      ASSERT_TRUE(w->Add(t->name, *tensor).ok()) << t->name;
    }
    ASSERT_TRUE(w->Finish().ok());
    const std::string tf_data = ReadAll(DataFilename(prefix, 0, 1));
    EXPECT_TRUE(ReadAll(DataFilename(out, 0, 1)) == tf_data) << "data file differs";
    const bool is_snappy = std::find(std::begin(kSnappyIndexes), std::end(kSnappyIndexes), rel) !=
                           std::end(kSnappyIndexes);
    if (is_snappy) {
      // Same keys and entry bytes; only the block compression differs.
      EXPECT_EQ(TableEntries(IndexFilename(out)), TableEntries(IndexFilename(prefix)));
      ++snappy;
      continue;
    }
    const std::string ours = ReadAll(IndexFilename(out));
    const std::string theirs = ReadAll(IndexFilename(prefix));
    EXPECT_TRUE(ours == theirs) << "index differs:\n ours   " << Hex(ours) << "\n theirs "
                                << Hex(theirs);
    ++byte_identical;
  }
  EXPECT_EQ(snappy, 6);
  EXPECT_EQ(byte_identical, static_cast<int>(indexes.size()) - 6);
}

}  // namespace
}  // namespace tfmodel
