// JSON rendering of tensors.
#include "src/cli/json_out.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace tfmodel::cli {
namespace {

template <typename F>
std::string Number(F v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  std::string s(buf, p);
  // Keep floats recognisable as floats ("1.0", not "1"), as numpy's tolist() + json does.
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string Element(const Tensor& t, int64_t i) {
  const void* d = t.raw_data();
  switch (t.dtype()) {
    case DataType::kFloat: return Number(static_cast<const float*>(d)[i]);
    case DataType::kDouble: return Number(static_cast<const double*>(d)[i]);
    case DataType::kHalf: return Number(static_cast<const Half*>(d)[i].ToFloat());
    case DataType::kBFloat16: return Number(static_cast<const BFloat16*>(d)[i].ToFloat());
    case DataType::kInt8:
    case DataType::kQInt8: return std::to_string(static_cast<const int8_t*>(d)[i]);
    case DataType::kUInt8:
    case DataType::kQUInt8: return std::to_string(static_cast<const uint8_t*>(d)[i]);
    case DataType::kInt16:
    case DataType::kQInt16: return std::to_string(static_cast<const int16_t*>(d)[i]);
    case DataType::kUInt16:
    case DataType::kQUInt16: return std::to_string(static_cast<const uint16_t*>(d)[i]);
    case DataType::kInt32:
    case DataType::kQInt32: return std::to_string(static_cast<const int32_t*>(d)[i]);
    case DataType::kUInt32: return std::to_string(static_cast<const uint32_t*>(d)[i]);
    case DataType::kInt64: return std::to_string(static_cast<const int64_t*>(d)[i]);
    case DataType::kUInt64: return std::to_string(static_cast<const uint64_t*>(d)[i]);
    case DataType::kBool: return static_cast<const uint8_t*>(d)[i] ? "true" : "false";
    case DataType::kComplex64: {
      auto c = static_cast<const std::complex<float>*>(d)[i];
      return "[" + Number(c.real()) + ", " + Number(c.imag()) + "]";
    }
    case DataType::kComplex128: {
      auto c = static_cast<const std::complex<double>*>(d)[i];
      return "[" + Number(c.real()) + ", " + Number(c.imag()) + "]";
    }
    case DataType::kString: {
      const std::string& s = t.flat<std::string>()[i];
      if (IsValidUtf8(s)) return JsonString(s);
      return "{\"b64\": \"" + Base64(s) + "\"}";
    }
    default: {  // float8 / int4 and other 1-byte types: the raw byte
      return std::to_string(static_cast<const uint8_t*>(d)[i * DataTypeSize(t.dtype())]);
    }
  }
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = s[i];
    int n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : (c >> 3) == 0x1e ? 3 : -1;
    if (n < 0 || i + n >= s.size() + (n == 0 ? 1 : 0)) return false;  // bad lead or truncated
    uint32_t cp = n == 0 ? c : c & (0x3f >> n);
    for (int k = 1; k <= n; ++k) {
      unsigned char cc = s[i + k];
      if ((cc >> 6) != 0x2) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static const uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string Base64(std::string_view bytes) {
  static const char* kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out += kAlphabet[(v >> k) & 63];
  }
  if (i + 1 == bytes.size()) {
    uint32_t v = uint8_t(bytes[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string JsonValues(const Tensor& t) {
  std::string out = "[";
  for (int64_t i = 0; i < t.NumElements(); ++i) {
    if (i) out += ", ";
    out += Element(t, i);
  }
  return out + "]";
}

std::string JsonShape(const Shape& s) {
  std::string out = "[";
  for (int i = 0; i < s.rank(); ++i) {
    if (i) out += ", ";
    out += std::to_string(s.dim(i));
  }
  return out + "]";
}

}  // namespace tfmodel::cli
