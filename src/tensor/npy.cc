// numpy .npy reading and writing.
//
//   "\x93NUMPY" major minor  header_len (u16 LE for 1.0; u32 LE for 2.0/3.0)
//   header: Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
//           padded with spaces and a final '\n' so the data starts at a multiple of 64
//   data:   elements in C order (little-endian here)
#include <cstring>

#include "src/base/file.h"
#include "src/base/strings.h"
#include "tfmodel/tensor.h"

namespace tfmodel {
namespace {

struct NpyType {
  DataType dtype;
  char kind;  // numpy kind letter
  size_t size;
};
constexpr NpyType kNpyTypes[] = {
    {DataType::kBool, 'b', 1},       {DataType::kInt8, 'i', 1},     {DataType::kInt16, 'i', 2},
    {DataType::kInt32, 'i', 4},      {DataType::kInt64, 'i', 8},    {DataType::kUInt8, 'u', 1},
    {DataType::kUInt16, 'u', 2},     {DataType::kUInt32, 'u', 4},   {DataType::kUInt64, 'u', 8},
    {DataType::kHalf, 'f', 2},       {DataType::kFloat, 'f', 4},    {DataType::kDouble, 'f', 8},
    {DataType::kComplex64, 'c', 8},  {DataType::kComplex128, 'c', 16},
};

// Finds the value text after 'key': in the header dict.
Result<std::string_view> DictValue(std::string_view header, std::string_view key,
                                   std::string_view name) {
  std::string quoted = "'" + std::string(key) + "'";
  size_t pos = header.find(quoted);
  if (pos == std::string_view::npos) {
    return InvalidArgument(std::string(name) + ": npy header has no " + quoted);
  }
  pos = header.find(':', pos + quoted.size());
  if (pos == std::string_view::npos) return InvalidArgument(std::string(name) + ": bad npy header");
  ++pos;
  while (pos < header.size() && header[pos] == ' ') ++pos;
  return header.substr(pos);
}

// Appends UTF-8 for one code point.
void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

}  // namespace

Result<Tensor> ParseNpy(std::string_view bytes, std::string_view name) {
  const std::string where(name);
  if (bytes.size() < 10 || bytes.substr(0, 6) != std::string_view("\x93NUMPY", 6)) {
    return InvalidArgument(where + ": not a .npy file (bad magic)");
  }
  const int major = static_cast<uint8_t>(bytes[6]);
  size_t header_len, header_start;
  if (major == 1) {
    header_len = static_cast<uint8_t>(bytes[8]) | (static_cast<uint8_t>(bytes[9]) << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return InvalidArgument(where + ": truncated .npy header");
    uint32_t len;
    std::memcpy(&len, bytes.data() + 8, 4);
    header_len = len;
    header_start = 12;
  } else {
    return InvalidArgument(where + ": unsupported .npy version " + std::to_string(major));
  }
  if (header_start + header_len > bytes.size()) {
    return InvalidArgument(where + ": truncated .npy header");
  }
  std::string_view header = bytes.substr(header_start, header_len);
  std::string_view data = bytes.substr(header_start + header_len);

  TFM_ASSIGN_OR_RETURN(std::string_view fortran, DictValue(header, "fortran_order", name));
  if (fortran.substr(0, 4) == "True") {
    return Unimplemented(where + ": Fortran-ordered .npy arrays are not supported");
  }
  TFM_ASSIGN_OR_RETURN(std::string_view descr_text, DictValue(header, "descr", name));
  if (descr_text.empty() || descr_text[0] != '\'') {
    return InvalidArgument(where + ": unsupported npy descr (structured dtype?)");
  }
  size_t end = descr_text.find('\'', 1);
  if (end == std::string_view::npos) return InvalidArgument(where + ": bad npy descr");
  std::string descr(descr_text.substr(1, end - 1));

  TFM_ASSIGN_OR_RETURN(std::string_view shape_text, DictValue(header, "shape", name));
  size_t close = shape_text.find(')');
  if (shape_text.empty() || shape_text[0] != '(' || close == std::string_view::npos) {
    return InvalidArgument(where + ": bad npy shape");
  }
  std::vector<int64_t> dims;
  for (std::string piece : Split(shape_text.substr(1, close - 1), ',')) {
    size_t a = piece.find_first_not_of(' ');
    if (a == std::string::npos) continue;
    size_t b = piece.find_last_not_of(" L");
    TFM_ASSIGN_OR_RETURN(int64_t d, ParseInt64(std::string_view(piece).substr(a, b - a + 1)));
    dims.push_back(d);
  }
  auto shape = Shape::Make(dims);
  if (!shape.ok()) return shape.status().WithContext(where);

  if (descr.size() < 2) return InvalidArgument(where + ": bad npy descr '" + descr + "'");
  const char order = descr[0];
  const char kind = descr[1];
  auto size_or = ParseInt64(std::string_view(descr).substr(2));
  if (!size_or.ok()) return InvalidArgument(where + ": bad npy descr '" + descr + "'");
  const int64_t size = *size_or;
  if (order == '>' && size > 1) {
    return Unimplemented(where + ": big-endian .npy data is not supported");
  }
  const int64_t n = shape->NumElements();

  if (kind == 'S' || kind == 'U') {
    const int64_t char_size = kind == 'U' ? 4 : 1;
    if (size < 0 || (size > 0 && n > static_cast<int64_t>(data.size()) / (size * char_size))) {
      return InvalidArgument(where + ": .npy data is shorter than its shape says");
    }
    TFM_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(DataType::kString, *shape));
    auto out = t.flat<std::string>();
    for (int64_t i = 0; i < n; ++i) {
      const char* p = data.data() + i * size * char_size;
      std::string s;
      if (kind == 'S') {
        s.assign(p, size);
        while (!s.empty() && s.back() == '\0') s.pop_back();
      } else {
        for (int64_t c = 0; c < size; ++c) {
          uint32_t cp;
          std::memcpy(&cp, p + 4 * c, 4);
          AppendUtf8(s, cp);
        }
        while (!s.empty() && s.back() == '\0') s.pop_back();
      }
      out[i] = std::move(s);
    }
    return t;
  }

  for (const NpyType& nt : kNpyTypes) {
    if (nt.kind != kind || static_cast<int64_t>(nt.size) != size) continue;
    if (static_cast<uint64_t>(n) > data.size() / nt.size) {
      return InvalidArgument(where + ": .npy data is shorter than its shape says");
    }
    TFM_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(nt.dtype, *shape));
    if (t.TotalBytes()) std::memcpy(t.raw_data(), data.data(), t.TotalBytes());
    return t;
  }
  return Unimplemented(where + ": unsupported npy dtype '" + descr + "'");
}

Result<Tensor> ReadNpy(const std::string& path) {
  TFM_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(path));
  return ParseNpy(bytes, path);
}

Result<std::string> SerializeNpy(const Tensor& t) {
  std::string descr;
  size_t max_len = 1;
  if (t.dtype() == DataType::kString) {
    for (const std::string& s : t.flat<std::string>()) max_len = std::max(max_len, s.size());
    descr = "|S" + std::to_string(max_len);
  } else {
    for (const NpyType& nt : kNpyTypes) {
      if (nt.dtype == t.dtype()) {
        descr = std::string(nt.size == 1 ? "|" : "<") + nt.kind + std::to_string(nt.size);
      }
    }
    if (descr.empty()) {
      return Unimplemented("numpy has no dtype for " + std::string(DataTypeName(t.dtype())));
    }
  }
  std::string shape = "(";
  for (int64_t d : t.shape().dims()) shape += std::to_string(d) + ", ";
  if (t.shape().rank() > 1) shape.resize(shape.size() - 1), shape.pop_back();
  else if (t.shape().rank() == 1) shape.pop_back();
  shape += ")";
  std::string header =
      "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  if (t.dtype() == DataType::kString) {
    for (const std::string& s : t.flat<std::string>()) {
      out += s;
      out.append(max_len - s.size(), '\0');
    }
  } else {
    out.append(static_cast<const char*>(t.raw_data()), t.TotalBytes());
  }
  return out;
}

Status WriteNpy(const std::string& path, const Tensor& tensor) {
  TFM_ASSIGN_OR_RETURN(std::string bytes, SerializeNpy(tensor));
  return WriteFileAtomically(path, bytes);
}

}  // namespace tfmodel
