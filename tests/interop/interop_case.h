// The interop cases written by tf_write_checkpoints.py: <root>/<case>/case.json plus the
// checkpoint and expected/*.bin. Shared by read_tf_checkpoints_test.cc and
// write_checkpoints.cc (header-only: both are single-file programs).
#ifndef TFMODEL_TESTS_INTEROP_INTEROP_CASE_H_
#define TFMODEL_TESTS_INTEROP_INTEROP_CASE_H_

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <tfmodel/status.h>
#include <tfmodel/tensor.h>

namespace tfmodel::interop {

struct CaseTensor {
  std::string name;
  std::string dtype_name;  // tf.DType.name
  DataType dtype = DataType::kInvalid;
  Shape shape;
  std::string raw;                   // relative to the case dir; POD dtypes
  std::vector<std::string> strings;  // decoded; DT_STRING
  bool partitioned = false;
  int partition_axis = 0;
  std::vector<std::string> slice_specs;  // SaveV2 shape_and_slices of each stored slice
};

struct Case {
  std::string name;
  std::filesystem::path dir;
  std::string prefix_rel;  // as in case.json
  std::string prefix;      // dir / prefix_rel
  int num_data_shards = 0;
  std::string writer;
  std::vector<CaseTensor> tensors;
};

// Standard base64 (with padding); fails on anything else.
inline Result<std::string> Base64Decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (in.size() % 4 != 0) return InvalidArgument("base64 length not a multiple of 4");
  std::string out;
  out.reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = in[i + k];
      if (c == '=' && i + 4 == in.size() && k >= 2) {
        v[k] = 0;
        ++pad;
      } else if (pad > 0 || (v[k] = value(c)) < 0) {
        return InvalidArgument("bad base64 character at " + std::to_string(i + k));
      }
    }
    uint32_t n = (uint32_t(v[0]) << 18) | (uint32_t(v[1]) << 12) | (uint32_t(v[2]) << 6) |
                 uint32_t(v[3]);
    out.push_back(static_cast<char>(n >> 16));
    if (pad < 2) out.push_back(static_cast<char>((n >> 8) & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(n & 0xff));
  }
  return out;
}

inline Result<std::string> ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return NotFound("cannot open " + path.string());
  std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) return DataLoss("error reading " + path.string());
  return data;
}

inline Result<Case> LoadCase(const std::filesystem::path& dir) {
  Case c;
  c.dir = dir;
  c.name = dir.filename().string();
  TFM_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(dir / "case.json"));
  try {
    nlohmann::json doc = nlohmann::json::parse(text);
    c.prefix_rel = doc.at("prefix").get<std::string>();
    c.prefix = (dir / c.prefix_rel).string();
    c.num_data_shards = doc.at("num_data_shards").get<int>();
    c.writer = doc.value("writer", "");
    for (const nlohmann::json& t : doc.at("tensors")) {
      CaseTensor ct;
      ct.name = t.at("name").get<std::string>();
      ct.dtype_name = t.at("dtype").get<std::string>();
      Result<DataType> dt = DataTypeFromName(ct.dtype_name);
      if (!dt.ok()) return dt.status().WithContext(c.name + "/" + ct.name);
      ct.dtype = *dt;
      std::vector<int64_t> dims = t.at("shape").get<std::vector<int64_t>>();
      TFM_ASSIGN_OR_RETURN(ct.shape, Shape::Make(dims));
      ct.partitioned = t.value("partitioned", false);
      ct.partition_axis = t.value("partition_axis", 0);
      if (t.contains("slice_specs")) {
        ct.slice_specs = t.at("slice_specs").get<std::vector<std::string>>();
      }
      if (ct.dtype == DataType::kString) {
        for (const nlohmann::json& s : t.at("strings_b64")) {
          Result<std::string> bytes = Base64Decode(s.get<std::string>());
          if (!bytes.ok()) return bytes.status().WithContext(c.name + "/" + ct.name);
          ct.strings.push_back(std::move(bytes).value());
        }
        if (static_cast<int64_t>(ct.strings.size()) != ct.shape.NumElements()) {
          return InvalidArgument(c.name + "/" + ct.name + ": strings_b64 has " +
                                 std::to_string(ct.strings.size()) + " elements for shape " +
                                 ct.shape.DebugString());
        }
      } else {
        ct.raw = t.at("raw").get<std::string>();
      }
      c.tensors.push_back(std::move(ct));
    }
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument((dir / "case.json").string() + ": " + e.what());
  }
  return c;
}

// The expected value of `t` as a Tensor.
inline Result<Tensor> LoadValue(const Case& c, const CaseTensor& t) {
  TFM_ASSIGN_OR_RETURN(Tensor out, Tensor::Allocate(t.dtype, t.shape));
  if (t.dtype == DataType::kString) {
    std::span<std::string> flat = out.flat<std::string>();
    for (size_t i = 0; i < flat.size(); ++i) flat[i] = t.strings[i];
    return out;
  }
  std::filesystem::path path = c.dir / t.raw;
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return NotFound("cannot stat " + path.string() + ": " + ec.message());
  if (size != out.TotalBytes()) {
    return InvalidArgument(path.string() + " has " + std::to_string(size) + " bytes, want " +
                           std::to_string(out.TotalBytes()) + " for " + t.dtype_name +
                           t.shape.DebugString());
  }
  if (size > 0) {
    std::ifstream f(path, std::ios::binary);
    if (!f.read(static_cast<char*>(out.raw_data()), static_cast<std::streamsize>(size))) {
      return DataLoss("error reading " + path.string());
    }
  }
  return out;
}

// Case directories (those holding a case.json) under `root`, sorted.
inline std::vector<std::filesystem::path> FindCaseDirs(const std::filesystem::path& root) {
  std::vector<std::filesystem::path> dirs;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
    if (entry.is_directory() && std::filesystem::exists(entry.path() / "case.json")) {
      dirs.push_back(entry.path());
    }
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

inline std::string Hex(const void* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  const auto* b = static_cast<const unsigned char*>(p);
  for (size_t i = 0; i < n; ++i) {
    s.push_back(digits[b[i] >> 4]);
    s.push_back(digits[b[i] & 15]);
  }
  return s;
}

inline std::string Printable(std::string_view s, size_t max = 40) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < max; ++i) {
    unsigned char ch = static_cast<unsigned char>(s[i]);
    if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
      out.push_back(static_cast<char>(ch));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", ch);
      out += buf;
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

// Empty when `got` equals `want` bit for bit (dtype, shape, element bytes); else what differs.
inline std::string DescribeDifference(const Tensor& got, const Tensor& want) {
  if (got.dtype() != want.dtype()) {
    return "dtype " + std::string(DataTypeName(got.dtype())) + ", want " +
           std::string(DataTypeName(want.dtype()));
  }
  if (!(got.shape() == want.shape())) {
    return "shape " + got.shape().DebugString() + ", want " + want.shape().DebugString();
  }
  if (got.dtype() == DataType::kString) {
    std::span<const std::string> g = got.flat<std::string>();
    std::span<const std::string> w = want.flat<std::string>();
    size_t bad = 0, count = 0;
    for (size_t i = 0; i < w.size(); ++i) {
      if (g[i] != w[i]) {
        if (count++ == 0) bad = i;
      }
    }
    if (count == 0) return "";
    return std::to_string(count) + " of " + std::to_string(w.size()) +
           " strings differ; first at flat index " + std::to_string(bad) + ": got " +
           std::to_string(g[bad].size()) + " bytes \"" + Printable(g[bad]) + "\", want " +
           std::to_string(w[bad].size()) + " bytes \"" + Printable(w[bad]) + "\"";
  }
  size_t esize = DataTypeSize(want.dtype());
  const auto* g = static_cast<const unsigned char*>(got.raw_data());
  const auto* w = static_cast<const unsigned char*>(want.raw_data());
  if (want.TotalBytes() == 0 || std::memcmp(g, w, want.TotalBytes()) == 0) return "";
  size_t n = static_cast<size_t>(want.NumElements());
  size_t bad = 0, count = 0;
  for (size_t i = 0; i < n; ++i) {
    if (std::memcmp(g + i * esize, w + i * esize, esize) != 0) {
      if (count++ == 0) bad = i;
    }
  }
  return std::to_string(count) + " of " + std::to_string(n) +
         " elements differ; first at flat index " + std::to_string(bad) + ": got bytes " +
         Hex(g + bad * esize, esize) + ", want " + Hex(w + bad * esize, esize);
}

}  // namespace tfmodel::interop

#endif  // TFMODEL_TESTS_INTEROP_INTEROP_CASE_H_
