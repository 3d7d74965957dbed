// Damaged checkpoints must give errors that name the file (and the tensor), never a crash or a
// huge allocation: truncated and bit-flipped indexes, damaged data shards, crafted entries.
#include <gtest/gtest.h>

#include "src/base/test_util.h"

#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <vector>

#include "src/base/crc32c.h"
#include "src/base/file.h"
#include "src/formats/bundle/bundle_index.h"
#include "src/formats/bundle/ordered_code.h"
#include "tensor_bundle.pb.h"
#include "tfmodel/checkpoint.h"

namespace tfmodel {
namespace {

const std::string kRealPrefix =
    std::string(TFMODEL_CORPUS_DIR) +
    "/tensorflow-serving/servables/tensorflow/testdata/saved_model_half_plus_two_2_versions/"
    "00000123/variables/variables";

using test::MakeTempDir;

std::string ReadAll(const std::string& path) {
  auto r = ReadFileToString(path);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::string();
}

void WriteAll(const std::string& path, std::string_view contents) {
  Status s = WriteFileAtomically(path, contents, /*sync=*/false);
  ASSERT_TRUE(s.ok()) << s.ToString();
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Copies the (read-only) real checkpoint into `dir`; returns the new prefix.
std::string CopyRealCheckpoint(const std::string& dir) {
  const std::string prefix = JoinPath(dir, "variables");
  WriteAll(IndexFilename(prefix), ReadAll(IndexFilename(kRealPrefix)));
  WriteAll(DataFilename(prefix, 0, 1), ReadAll(DataFilename(kRealPrefix, 0, 1)));
  return prefix;
}

// Our own checkpoint with floats, an int64 matrix and strings.
std::string WriteOwnCheckpoint(const std::string& dir) {
  const std::string prefix = JoinPath(dir, "own");
  auto w = CheckpointWriter::Create(prefix, CheckpointWriterOptions{.sync = false});
  EXPECT_TRUE(w.ok());
  if (!w.ok()) return prefix;
  std::vector<int64_t> m(12);
  for (int i = 0; i < 12; ++i) m[i] = i * 1000003;
  EXPECT_TRUE((*w)->Add("a", Tensor::Scalar(0.5f)).ok());
  EXPECT_TRUE((*w)->Add("m", Tensor::FromVector<int64_t>(m, Shape{3, 4})).ok());
  EXPECT_TRUE((*w)->Add("s", Tensor::Strings({"hello", "", std::string(300, 'z')})).ok());
  EXPECT_TRUE((*w)->Add("z", Tensor::Scalar(7.0)).ok());
  EXPECT_TRUE((*w)->Finish().ok());
  return prefix;
}

std::unique_ptr<CheckpointReader> OpenOrDie(const std::string& prefix) {
  auto r = CheckpointReader::Open(prefix);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : nullptr;
}

// Opens `prefix` and, if that works, reads and verifies every tensor; returns the first error.
// Whatever the damage, this must not crash.
Status OpenAndReadAll(const std::string& prefix) {
  auto r = CheckpointReader::Open(prefix);
  if (!r.ok()) return r.status();
  Status first;
  for (const TensorInfo& t : (*r)->tensors()) {
    auto v = (*r)->Read(t.name);
    if (!v.ok() && first.ok()) first = v.status();
  }
  auto problems = (*r)->Verify();
  if (first.ok() && !problems.empty()) first = DataLoss(problems[0].message);
  return first;
}

// ---- the index file --------------------------------------------------------------------

TEST(CorruptIndex, TruncatedAtEveryLength) {
  const std::string dir = MakeTempDir("trunc");
  const std::string prefix = CopyRealCheckpoint(dir);
  const std::string index = ReadAll(IndexFilename(prefix));
  ASSERT_EQ(index.size(), 151u);
  for (size_t len = 0; len < index.size(); ++len) {
    SCOPED_TRACE(len);
    WriteAll(IndexFilename(prefix), index.substr(0, len));
    auto r = CheckpointReader::Open(prefix);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << r.status().ToString();
    EXPECT_TRUE(Contains(r.status().message(), IndexFilename(prefix))) << r.status().message();
  }
}

TEST(CorruptIndex, WrongMagic) {
  const std::string dir = MakeTempDir("magic");
  const std::string prefix = CopyRealCheckpoint(dir);
  std::string index = ReadAll(IndexFilename(prefix));
  index[index.size() - 1] ^= 0x01;
  WriteAll(IndexFilename(prefix), index);
  auto r = CheckpointReader::Open(prefix);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(r.status().message(), IndexFilename(prefix))) << r.status().message();
  EXPECT_TRUE(Contains(r.status().message(), "magic")) << r.status().message();
}

TEST(CorruptIndex, ByteFlipsAtEveryPosition) {
  const std::string dir = MakeTempDir("flips");
  for (const std::string& prefix : {CopyRealCheckpoint(dir), WriteOwnCheckpoint(dir)}) {
    const std::string index = ReadAll(IndexFilename(prefix));
    int failures = 0, successes = 0;
    for (size_t pos = 0; pos < index.size(); ++pos) {
      for (int mask : {0x01, 0x10, 0x80, 0xff}) {
        SCOPED_TRACE(::testing::Message() << prefix << " byte " << pos << " ^ " << mask);
        std::string damaged = index;
        damaged[pos] = static_cast<char>(damaged[pos] ^ mask);
        WriteAll(IndexFilename(prefix), damaged);
        Status s = OpenAndReadAll(prefix);
        if (s.ok()) {
          ++successes;  // the flip hit bytes nobody reads (footer padding, metaindex handle)
          continue;
        }
        ++failures;
        EXPECT_TRUE(Contains(s.message(), prefix)) << s.ToString();
      }
    }
    WriteAll(IndexFilename(prefix), index);
    ASSERT_TRUE(OpenAndReadAll(prefix).ok());
    // Everything checksummed (blocks) or checked (magic, handles) must be caught.
    EXPECT_GT(failures, static_cast<int>(index.size()) * 2);
    EXPECT_GT(successes, 0);
  }
}

// A footer (spec 1.2) with the given index block handle.
std::string Footer(uint64_t meta_offset, uint64_t meta_size, uint64_t index_offset,
                   uint64_t index_size) {
  std::string f;
  for (uint64_t v : {meta_offset, meta_size, index_offset, index_size}) {
    while (v >= 0x80) {
      f += static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    f += static_cast<char>(v);
  }
  f.resize(40, '\0');
  f += std::string("\x57\xfb\x80\x8b\x24\x75\x47\xdb", 8);
  return f;
}

TEST(CorruptIndex, FooterHandlesOutOfRange) {
  const std::string dir = MakeTempDir("footer");
  const std::string prefix = CopyRealCheckpoint(dir);
  const std::string index = ReadAll(IndexFilename(prefix));
  const std::string body = index.substr(0, index.size() - 48);
  // The real footer: metaindex (71, 8), index (84, 14).
  ASSERT_EQ(index.substr(index.size() - 48), Footer(71, 8, 84, 14));
  for (auto [offset, size] : std::vector<std::pair<uint64_t, uint64_t>>{{84, 1000},
                                                                        {84, uint64_t{1} << 62},
                                                                        {uint64_t{1} << 62, 14},
                                                                        {84, ~uint64_t{0}},
                                                                        {~uint64_t{0} - 2, 14}}) {
    SCOPED_TRACE(::testing::Message() << offset << " " << size);
    WriteAll(IndexFilename(prefix), body + Footer(71, 8, offset, size));
    auto r = CheckpointReader::Open(prefix);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
    EXPECT_TRUE(Contains(r.status().message(), IndexFilename(prefix))) << r.status().message();
  }
}

TEST(CorruptIndex, DataBlockHandleOutOfRangeWithValidChecksum) {
  // An index block whose only entry points at a huge data block; its checksum is correct, so
  // only a bounds check on the handle can catch it.
  const std::string dir = MakeTempDir("blockhandle");
  const std::string prefix = CopyRealCheckpoint(dir);
  const std::string index = ReadAll(IndexFilename(prefix));
  const std::string data_part = index.substr(0, 84);  // data block + trailer + metaindex block
  for (uint64_t size : {uint64_t{1} << 40, uint64_t{1} << 62, uint64_t{10000}}) {
    SCOPED_TRACE(size);
    std::string handle = std::string(1, '\0');  // offset 0
    for (uint64_t v = size;; v >>= 7) {
      if (v < 0x80) {
        handle += static_cast<char>(v);
        break;
      }
      handle += static_cast<char>((v & 0x7f) | 0x80);
    }
    std::string block =
        std::string("\x00\x01", 2) + static_cast<char>(handle.size()) + "d" + handle;
    block += std::string("\x00\x00\x00\x00\x01\x00\x00\x00", 8);  // restarts [0], count 1
    std::string trailer(1, '\0');
    uint32_t crc = crc32c::Mask(crc32c::Extend(crc32c::Value(block), trailer.data(), 1));
    trailer.append(reinterpret_cast<const char*>(&crc), 4);
    WriteAll(IndexFilename(prefix), data_part + block + trailer + Footer(71, 8, 84, block.size()));
    Status s = OpenAndReadAll(prefix);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
    EXPECT_TRUE(Contains(s.message(), IndexFilename(prefix))) << s.message();
  }
}

TEST(CorruptIndex, GarbageInsteadOfProtos) {
  // Valid tables whose values are not the protos they should be.
  const std::string dir = MakeTempDir("garbage");
  const std::string prefix = JoinPath(dir, "g");
  WriteAll(DataFilename(prefix, 0, 1), "");
  tensorflow::BundleHeaderProto header;
  header.set_num_shards(1);
  header.mutable_version()->set_producer(1);
  {
    // Header with a version we cannot read.
    tensorflow::BundleHeaderProto future = header;
    future.mutable_version()->set_min_consumer(7);
    ASSERT_TRUE(WriteBundleIndex(IndexFilename(prefix), future, {}, false).ok());
    auto r = CheckpointReader::Open(prefix);
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(Contains(r.status().message(), IndexFilename(prefix))) << r.status().message();
  }
  {
    // Zero shards.
    tensorflow::BundleHeaderProto zero = header;
    zero.set_num_shards(0);
    ASSERT_TRUE(WriteBundleIndex(IndexFilename(prefix), zero, {}, false).ok());
    auto r = CheckpointReader::Open(prefix);
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(Contains(r.status().message(), IndexFilename(prefix))) << r.status().message();
  }
  {
    // Unknown dtype.
    tensorflow::BundleEntryProto e;
    e.set_dtype(static_cast<tensorflow::DataType>(99));
    ASSERT_TRUE(WriteBundleIndex(IndexFilename(prefix), header, {{"bad", e}}, false).ok());
    auto r = CheckpointReader::Open(prefix);
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(Contains(r.status().message(), IndexFilename(prefix))) << r.status().message();
    EXPECT_TRUE(Contains(r.status().message(), "\"bad\"")) << r.status().message();
  }
  {
    // A DT_VARIANT entry opens (TensorFlow can write them) but cannot be read.
    tensorflow::BundleEntryProto e;
    e.set_dtype(tensorflow::DT_VARIANT);
    e.mutable_shape();
    ASSERT_TRUE(WriteBundleIndex(IndexFilename(prefix), header, {{"v", e}}, false).ok());
    auto r = CheckpointReader::Open(prefix);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    auto t = (*r)->Read("v");
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.status().code(), StatusCode::kUnimplemented);
    EXPECT_TRUE(Contains(t.status().message(), "\"v\"")) << t.status().message();
  }
}

// ---- the data shard ----------------------------------------------------------------------

TEST(CorruptData, FlippedByteIsReportedForThatTensorOnly) {
  const std::string dir = MakeTempDir("dataflip");
  for (const std::string& prefix : {CopyRealCheckpoint(dir), WriteOwnCheckpoint(dir)}) {
    SCOPED_TRACE(prefix);
    const std::string data_path = DataFilename(prefix, 0, 1);
    const std::string data = ReadAll(data_path);
    auto clean = OpenOrDie(prefix);
    ASSERT_TRUE(clean);
    for (const TensorInfo& victim : clean->tensors()) {
      for (uint64_t at : {victim.offset, victim.offset + victim.size - 1}) {
        SCOPED_TRACE(::testing::Message() << victim.name << " byte " << at);
        std::string damaged = data;
        damaged[at] ^= 0x20;
        WriteAll(data_path, damaged);
        auto r = OpenOrDie(prefix);
        ASSERT_TRUE(r);
        auto t = r->Read(victim.name);
        ASSERT_FALSE(t.ok());
        EXPECT_EQ(t.status().code(), StatusCode::kDataLoss);
        const std::string& msg = t.status().message();
        EXPECT_TRUE(Contains(msg, "\"" + victim.name + "\"")) << msg;
        EXPECT_TRUE(Contains(msg, data_path)) << msg;
        EXPECT_TRUE(Contains(msg, "offset " + std::to_string(victim.offset))) << msg;
        auto problems = r->Verify();
        ASSERT_EQ(problems.size(), 1u);
        EXPECT_EQ(problems[0].tensor, victim.name);
        EXPECT_EQ(problems[0].file, data_path);
        EXPECT_EQ(problems[0].offset, victim.offset);
        for (const TensorInfo& other : r->tensors()) {
          if (other.name != victim.name) {
            EXPECT_TRUE(r->Read(other.name).ok()) << other.name;
          }
        }
      }
    }
    WriteAll(data_path, data);
  }
}

TEST(CorruptData, TruncatedAndMissingShard) {
  const std::string dir = MakeTempDir("datatrunc");
  const std::string prefix = WriteOwnCheckpoint(dir);
  const std::string data_path = DataFilename(prefix, 0, 1);
  const std::string data = ReadAll(data_path);
  auto last = OpenOrDie(prefix);
  ASSERT_TRUE(last);
  WriteAll(data_path, data.substr(0, data.size() - 3));  // "z" (the last tensor) is cut short
  {
    auto r = OpenOrDie(prefix);
    ASSERT_TRUE(r);
    auto t = r->Read("z");
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.status().code(), StatusCode::kDataLoss);
    EXPECT_TRUE(Contains(t.status().message(), "\"z\"")) << t.status().message();
    EXPECT_TRUE(Contains(t.status().message(), data_path)) << t.status().message();
    EXPECT_TRUE(r->Read("a").ok());
    auto problems = r->Verify();
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].tensor, "z");
  }
  ASSERT_TRUE(DeleteFile(data_path).ok());
  {
    auto r = OpenOrDie(prefix);  // Open reads only the index
    ASSERT_TRUE(r);
    auto t = r->Read("a");
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.status().code(), StatusCode::kNotFound) << t.status().ToString();
    EXPECT_TRUE(Contains(t.status().message(), data_path)) << t.status().message();
    EXPECT_TRUE(Contains(t.status().message(), "\"a\"")) << t.status().message();
    EXPECT_EQ(r->Verify().size(), r->tensors().size());
  }
}

// ---- crafted entries -------------------------------------------------------------------

// Rewrites the index of `prefix` after `edit` changed its entries.
void EditIndex(
    const std::string& prefix,
    const std::function<void(tensorflow::BundleHeaderProto&,
                             std::map<std::string, tensorflow::BundleEntryProto>&)>& edit) {
  auto index = ReadBundleIndex(prefix);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  std::map<std::string, tensorflow::BundleEntryProto> entries(index->entries.begin(),
                                                              index->entries.end());
  edit(index->header, entries);
  ASSERT_TRUE(WriteBundleIndex(IndexFilename(prefix), index->header, entries, false).ok());
}

TEST(CorruptEntry, LocationPastTheEndOfTheShard) {
  const std::string dir = MakeTempDir("pastend");
  const std::string prefix = WriteOwnCheckpoint(dir);
  const std::string data_path = DataFilename(prefix, 0, 1);
  const uint64_t data_size = ReadAll(data_path).size();
  struct Case {
    const char* tensor;
    int64_t offset;
    int64_t size;  // -1: keep
  };
  for (const Case& c :
       {Case{"a", static_cast<int64_t>(data_size) - 2, -1}, Case{"a", int64_t{1} << 62, -1},
        Case{"m", static_cast<int64_t>(data_size), -1},
        Case{"s", 0, static_cast<int64_t>(data_size) + 1},
        Case{"s", static_cast<int64_t>(data_size) - 5, int64_t{1} << 62}}) {
    SCOPED_TRACE(::testing::Message() << c.tensor << " " << c.offset << " " << c.size);
    const std::string backup = ReadAll(IndexFilename(prefix));
    EditIndex(prefix, [&](auto&, auto& entries) {
      entries[c.tensor].set_offset(c.offset);
      if (c.size >= 0) entries[c.tensor].set_size(c.size);
    });
    auto r = OpenOrDie(prefix);
    ASSERT_TRUE(r);
    auto t = r->Read(c.tensor);
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.status().code(), StatusCode::kDataLoss);
    EXPECT_TRUE(Contains(t.status().message(), std::string("\"") + c.tensor + "\""))
        << t.status().message();
    EXPECT_TRUE(Contains(t.status().message(), data_path)) << t.status().message();
    EXPECT_TRUE(Contains(t.status().message(), "offset " + std::to_string(c.offset)))
        << t.status().message();
    auto problems = r->Verify();
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].tensor, c.tensor);
    WriteAll(IndexFilename(prefix), backup);
  }
}

TEST(CorruptEntry, InvalidLocationsAreRejectedAtOpen) {
  const std::string dir = MakeTempDir("badloc");
  const std::string prefix = WriteOwnCheckpoint(dir);
  const std::string backup = ReadAll(IndexFilename(prefix));
  const std::vector<std::function<void(tensorflow::BundleEntryProto&)>> edits = {
      [](auto& e) { e.set_offset(-4); },
      [](auto& e) { e.set_shard_id(1); },  // only one shard
      [](auto& e) { e.set_shard_id(-1); },
      [](auto& e) { e.set_size(12); },  // [3,4] int64 is 96 bytes
      [](auto& e) { e.set_size(-96); },
      [](auto& e) { e.mutable_shape()->mutable_dim(0)->set_size(-3); },
      [](auto& e) { e.mutable_shape()->set_unknown_rank(true); },
  };
  for (size_t i = 0; i < edits.size(); ++i) {
    SCOPED_TRACE(i);
    EditIndex(prefix, [&](auto&, auto& entries) { edits[i](entries["m"]); });
    auto r = CheckpointReader::Open(prefix);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << r.status().ToString();
    EXPECT_TRUE(Contains(r.status().message(), IndexFilename(prefix))) << r.status().message();
    EXPECT_TRUE(Contains(r.status().message(), "\"m\"")) << r.status().message();
    WriteAll(IndexFilename(prefix), backup);
  }
}

TEST(CorruptEntry, HugeDeclaredShapes) {
  const std::string dir = MakeTempDir("huge");
  const std::string prefix = WriteOwnCheckpoint(dir);
  const std::string backup = ReadAll(IndexFilename(prefix));
  auto set_shape = [](tensorflow::BundleEntryProto& e, std::vector<int64_t> dims) {
    e.mutable_shape()->clear_dim();
    for (int64_t d : dims) e.mutable_shape()->add_dim()->set_size(d);
  };
  // Element count 2^60 floats, with a mismatching size (caught at Open) and with the matching
  // size 2^62 (caught when the bytes are located), and shapes whose element count overflows.
  struct Case {
    const char* tensor;
    std::vector<int64_t> dims;
    int64_t size;
    bool open_fails;
  };
  for (const Case& c : {Case{"a", {int64_t{1} << 40, int64_t{1} << 20}, 4, true},
                        Case{"a", {int64_t{1} << 40, int64_t{1} << 20}, int64_t{1} << 62, false},
                        Case{"a", {int64_t{1} << 40, int64_t{1} << 40}, 4, true},
                        Case{"m", {int64_t{1} << 59}, 0, true},  // 2^62 bytes declared as 0
                        Case{"s", {int64_t{1} << 50}, 1000, true},
                        Case{"s", {int64_t{1} << 50}, int64_t{1} << 51, false}}) {
    SCOPED_TRACE(::testing::Message() << c.tensor << " " << c.size);
    EditIndex(prefix, [&](auto&, auto& entries) {
      set_shape(entries[c.tensor], c.dims);
      entries[c.tensor].set_size(c.size);
    });
    auto r = CheckpointReader::Open(prefix);
    if (c.open_fails) {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << r.status().ToString();
      EXPECT_TRUE(Contains(r.status().message(), std::string("\"") + c.tensor + "\""))
          << r.status().message();
      EXPECT_TRUE(Contains(r.status().message(), IndexFilename(prefix))) << r.status().message();
    } else {
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      auto t = (*r)->Read(c.tensor);
      ASSERT_FALSE(t.ok());
      EXPECT_EQ(t.status().code(), StatusCode::kDataLoss) << t.status().ToString();
      EXPECT_TRUE(Contains(t.status().message(), std::string("\"") + c.tensor + "\""))
          << t.status().message();
      EXPECT_EQ((*r)->Verify().size(), 1u);
    }
    WriteAll(IndexFilename(prefix), backup);
  }
}

// A partitioned tensor "w" [4,6] float saved as two row slices.
std::string WritePartitioned(const std::string& dir) {
  const std::string prefix = JoinPath(dir, "part");
  auto w = CheckpointWriter::Create(prefix, CheckpointWriterOptions{.sync = false});
  EXPECT_TRUE(w.ok());
  std::vector<float> v(12);
  for (int i = 0; i < 12; ++i) v[i] = static_cast<float>(i);
  for (int s = 0; s < 2; ++s) {
    EXPECT_TRUE((*w)->AddSlice("w", Shape{4, 6}, TensorSlice{{{2 * s, 2}, {0, -1}}},
                               Tensor::FromVector<float>(v, Shape{2, 6}))
                    .ok());
  }
  EXPECT_TRUE((*w)->Finish().ok());
  return prefix;
}

std::string SliceKey(int64_t start) {
  return ordered_code::EncodeTensorNameSlice("w", TensorSlice{{{start, 2}, {0, -1}}});
}

TEST(CorruptEntry, PartitionedTensorWithHugeFullShape) {
  // The slices cover 24 elements of a declared 2^34 x 6 (384 GiB): an error before any
  // allocation of the full tensor.
  const std::string dir = MakeTempDir("parthuge");
  const std::string prefix = WritePartitioned(dir);
  EditIndex(prefix, [](auto&, auto& entries) {
    entries["w"].mutable_shape()->mutable_dim(0)->set_size(int64_t{1} << 34);
  });
  auto r = OpenOrDie(prefix);
  ASSERT_TRUE(r);
  auto t = r->Read("w");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kDataLoss) << t.status().ToString();
  EXPECT_TRUE(Contains(t.status().message(), "\"w\"")) << t.status().message();
  EXPECT_TRUE(Contains(t.status().message(), IndexFilename(prefix))) << t.status().message();
}

TEST(CorruptEntry, SliceEntryDisagreesWithItsSlice) {
  // The stored slice must have the slice's shape and the tensor's dtype; the checksums are
  // kept valid so that only these checks can catch it.
  const std::string dir = MakeTempDir("partshape");
  const std::string prefix = WritePartitioned(dir);
  const std::string data = ReadAll(DataFilename(prefix, 0, 1));
  const std::string backup = ReadAll(IndexFilename(prefix));
  const std::vector<std::function<void(tensorflow::BundleEntryProto&)>> edits = {
      [&](auto& e) {  // one row instead of two
        e.mutable_shape()->mutable_dim(0)->set_size(1);
        e.set_size(24);
        e.set_crc32c(crc32c::Mask(crc32c::Value(data.data() + e.offset(), 24)));
      },
      [&](auto& e) {  // int32 instead of float
        e.set_dtype(tensorflow::DT_INT32);
      },
      [&](auto& e) {  // rank 1
        e.mutable_shape()->clear_dim();
        e.mutable_shape()->add_dim()->set_size(12);
      },
  };
  for (size_t i = 0; i < edits.size(); ++i) {
    SCOPED_TRACE(i);
    EditIndex(prefix, [&](auto&, auto& entries) { edits[i](entries[SliceKey(2)]); });
    Status s = OpenAndReadAll(prefix);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
    EXPECT_TRUE(Contains(s.message(), "\"w\"")) << s.message();
    EXPECT_TRUE(Contains(s.message(), prefix)) << s.message();
    WriteAll(IndexFilename(prefix), backup);
  }
}

// ---- string tensors ----------------------------------------------------------------------

TEST(CorruptStrings, BadVarintsAndLengths) {
  const std::string dir = MakeTempDir("strings");
  const std::string prefix = WriteOwnCheckpoint(dir);
  const std::string data_path = DataFilename(prefix, 0, 1);
  const std::string data = ReadAll(data_path);
  auto clean = OpenOrDie(prefix);
  ASSERT_TRUE(clean);
  const TensorInfo s = *clean->Find("s");  // ["hello", "", 300 x 'z']: varints 05 00 ac 02
  ASSERT_EQ(data.substr(s.offset, 4), std::string("\x05\x00\xac\x02", 4));
  const std::vector<std::pair<std::string, std::string>> damage = {
      {"length beyond the data", std::string("\x7f", 1)},
      {"huge length", std::string("\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 9)},
      {"varint too long", std::string(11, '\xff')},
      {"varint overflow", std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 10)},
      {"unterminated varint at the end", std::string(s.size, '\x80')},
  };
  for (const auto& [what, bytes] : damage) {
    SCOPED_TRACE(what);
    std::string damaged = data;
    damaged.replace(s.offset, std::min<size_t>(bytes.size(), s.size), bytes.substr(0, s.size));
    WriteAll(data_path, damaged);
    auto r = OpenOrDie(prefix);
    ASSERT_TRUE(r);
    auto t = r->Read("s");
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.status().code(), StatusCode::kDataLoss);
    EXPECT_TRUE(Contains(t.status().message(), "\"s\"")) << t.status().message();
    EXPECT_TRUE(Contains(t.status().message(), data_path)) << t.status().message();
    ASSERT_EQ(r->Verify().size(), 1u);
    EXPECT_TRUE(r->Read("m").ok());
  }
  WriteAll(data_path, data);
  // Declared element count larger than the stored bytes allow.
  const std::string backup = ReadAll(IndexFilename(prefix));
  EditIndex(prefix, [&](auto&, auto& entries) {
    entries["s"].mutable_shape()->mutable_dim(0)->set_size(static_cast<int64_t>(s.size) + 1);
  });
  auto r = CheckpointReader::Open(prefix);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(Contains(r.status().message(), "\"s\"")) << r.status().message();
  // A smaller count with lengths that no longer add up: the checksum catches it.
  WriteAll(IndexFilename(prefix), backup);
  EditIndex(prefix, [&](auto&, auto& entries) {
    entries["s"].mutable_shape()->mutable_dim(0)->set_size(2);
  });
  auto r2 = OpenOrDie(prefix);
  ASSERT_TRUE(r2);
  auto t = r2->Read("s");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(t.status().message(), "\"s\"")) << t.status().message();
}

}  // namespace
}  // namespace tfmodel
