// A small recursive-descent parser for Python literals of nested lists.
#include "src/cli/input_expr.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <variant>

namespace tfmodel::cli {
namespace {

struct Parser {
  std::string_view s;
  size_t pos = 0;
  std::vector<int64_t> dims;          // discovered shape, -1 where not yet known
  int leaf_depth = -1;                // depth of every scalar (all must agree)
  std::vector<double> numbers;
  std::vector<std::string> strings;
  bool saw_string = false, saw_number = false;

  void Skip() {
    while (pos < s.size() && std::isspace(static_cast<unsigned char>(s[pos]))) ++pos;
  }
  Status Fail(const std::string& what) const {
    return InvalidArgument("cannot parse input expression \"" + std::string(s) + "\" at offset " +
                           std::to_string(pos) + ": " + what);
  }
  Status Value(size_t depth) {
    Skip();
    if (pos >= s.size()) return Fail("unexpected end");
    // TensorFlow's rank limit; deeper nesting would only exhaust the stack.
    if (depth > 254) return Fail("nested deeper than 254 levels");
    if (s[pos] == '[' || s[pos] == '(') {
      char close = s[pos] == '[' ? ']' : ')';
      ++pos;
      int64_t count = 0;
      Skip();
      while (pos < s.size() && s[pos] != close) {
        TFM_RETURN_IF_ERROR(Value(depth + 1));
        ++count;
        Skip();
        if (pos < s.size() && s[pos] == ',') {
          ++pos;
          Skip();
        } else if (pos < s.size() && s[pos] != close) {
          return Fail("expected ',' or '" + std::string(1, close) + "'");
        }
      }
      if (pos >= s.size()) return Fail("missing '" + std::string(1, close) + "'");
      ++pos;
      if (dims.size() <= depth) dims.resize(depth + 1, -1);
      if (dims[depth] < 0) {
        dims[depth] = count;
      } else if (dims[depth] != count) {
        return Fail("ragged list: rows of different lengths");
      }
      if (leaf_depth >= 0 && static_cast<int>(depth) >= leaf_depth) return Fail("ragged nesting");
      return Status::Ok();
    }
    if (leaf_depth < 0) leaf_depth = static_cast<int>(depth);
    if (leaf_depth != static_cast<int>(depth) || dims.size() > depth) {
      return Fail("ragged nesting: a scalar where a list was expected");
    }
    // A leaf: string, bool or number.
    if (s[pos] == 'b' && pos + 1 < s.size() && (s[pos + 1] == '\'' || s[pos + 1] == '"')) ++pos;
    if (s[pos] == '\'' || s[pos] == '"') {
      char q = s[pos++];
      std::string out;
      while (pos < s.size() && s[pos] != q) {
        if (s[pos] == '\\' && pos + 1 < s.size()) {
          char e = s[++pos];
          if (e == 'x' && pos + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[pos + 1])) &&
              std::isxdigit(static_cast<unsigned char>(s[pos + 2]))) {
            out += static_cast<char>(std::stoi(std::string(s.substr(pos + 1, 2)), nullptr, 16));
            pos += 2;
          } else {
            out += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == '0' ? '\0' : e;
          }
        } else {
          out += s[pos];
        }
        ++pos;
      }
      if (pos >= s.size()) return Fail("unterminated string");
      ++pos;
      strings.push_back(std::move(out));
      saw_string = true;
      return Status::Ok();
    }
    size_t start = pos;
    while (pos < s.size() && s[pos] != ',' && s[pos] != ']' && s[pos] != ')' &&
           !std::isspace(static_cast<unsigned char>(s[pos]))) {
      ++pos;
    }
    std::string tok(s.substr(start, pos - start));
    if (tok == "True" || tok == "true") numbers.push_back(1);
    else if (tok == "False" || tok == "false") numbers.push_back(0);
    else if (tok == "nan" || tok == "NaN") numbers.push_back(NAN);
    else if (tok == "inf" || tok == "Infinity") numbers.push_back(INFINITY);
    else if (tok == "-inf" || tok == "-Infinity") numbers.push_back(-INFINITY);
    else {
      char* end = nullptr;
      double v = std::strtod(tok.c_str(), &end);
      if (tok.empty() || end != tok.c_str() + tok.size()) return Fail("not a number: '" + tok + "'");
      numbers.push_back(v);
    }
    saw_number = true;
    return Status::Ok();
  }
};

template <typename T>
void Fill(Tensor& t, const std::vector<double>& v) {
  auto out = t.flat<T>();
  for (size_t i = 0; i < v.size(); ++i) {
    if constexpr (std::is_same_v<T, Half>) out[i] = Half::FromFloat(static_cast<float>(v[i]));
    else if constexpr (std::is_same_v<T, BFloat16>) out[i] = BFloat16::FromFloat(static_cast<float>(v[i]));
    else out[i] = static_cast<T>(v[i]);
  }
}

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> SplitAssignments(std::string_view s,
                                                                          std::string_view flag) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(';', start);
    if (end == std::string_view::npos) end = s.size();
    std::string_view part = s.substr(start, end - start);
    if (!part.empty()) {
      size_t eq = part.find('=');
      if (eq == std::string_view::npos || eq == 0) {
        return InvalidArgument(std::string(flag) + ": expected KEY=VALUE, got \"" + std::string(part) + "\"");
      }
      out.emplace_back(std::string(part.substr(0, eq)), std::string(part.substr(eq + 1)));
    }
    start = end + 1;
  }
  return out;
}

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The numpy constructors saved_model_cli users write: np.ones(S), np.zeros(S), np.full(S, v)
// (also spelled numpy.), S an int or a tuple/list of ints. nullopt: not such a call.
std::optional<Result<Tensor>> ParseNumpyCall(std::string_view expr, DataType dtype) {
  std::string_view e = Trim(expr);
  for (std::string_view prefix : {"np.", "numpy."}) {
    if (e.starts_with(prefix)) {
      e.remove_prefix(prefix.size());
      break;
    }
    if (prefix == "numpy.") return std::nullopt;
  }
  const size_t open = e.find('(');
  if (open == std::string_view::npos || e.back() != ')') return std::nullopt;
  const std::string_view fn = Trim(e.substr(0, open));
  std::string_view args = e.substr(open + 1, e.size() - open - 2);
  auto fail = [&](const std::string& what) -> Result<Tensor> {
    return InvalidArgument("cannot parse input expression \"" + std::string(expr) + "\": " + what);
  };
  if (fn != "ones" && fn != "zeros" && fn != "full") {
    return fail("np." + std::string(fn) + " is not supported (np.ones, np.zeros, np.full are)");
  }
  // The shape argument ends at the first top-level comma.
  size_t depth = 0, split = args.size();
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == '(' || args[i] == '[') ++depth;
    if ((args[i] == ')' || args[i] == ']') && depth > 0) --depth;
    if (args[i] == ',' && depth == 0) {
      split = i;
      break;
    }
  }
  std::string_view shape_text = Trim(args.substr(0, split));
  std::string_view rest = split < args.size() ? Trim(args.substr(split + 1)) : std::string_view();
  if (shape_text.empty()) return fail("np." + std::string(fn) + " needs a shape");
  // Parsed as doubles so that a non-integer dimension is an error, not truncated.
  Result<Tensor> shape_t = ParseInputExpr(shape_text, DataType::kDouble);
  if (!shape_t.ok()) return fail("bad shape: " + shape_t.status().message());
  if (shape_t->shape().rank() > 1) return fail("a shape is an int or a tuple of ints");
  std::vector<int64_t> dims;
  for (double d : shape_t->flat<double>()) {
    if (d != std::floor(d) || !(d < 9.0e15)) return fail("dimension " + std::to_string(d) + " is not an int");
    if (d < 0) return fail("negative dimension " + std::to_string(static_cast<int64_t>(d)));
    dims.push_back(static_cast<int64_t>(d));
  }
  std::string fill = fn == "ones" ? "1" : "0";
  if (fn == "full") {
    if (rest.empty()) return fail("np.full needs a fill value");
    fill = std::string(rest);
  } else if (!rest.empty()) {
    return fail("unexpected arguments \"" + std::string(rest) + "\"");
  }
  Result<Tensor> value = ParseInputExpr(fill, dtype);
  if (!value.ok()) return fail("bad fill value: " + value.status().message());
  if (value->shape().rank() != 0) return fail("the fill value must be a scalar");
  TFM_ASSIGN_OR_RETURN(Shape shape, Shape::Make(dims));
  // A command-line input, not a model: refuse more than 1 GiB rather than try to allocate it.
  const size_t elem = dtype == DataType::kString ? sizeof(std::string) : DataTypeSize(dtype);
  if (static_cast<double>(shape.NumElements()) * static_cast<double>(elem) > double(1 << 30)) {
    return fail("shape " + shape.DebugString() + " is larger than 1 GiB");
  }
  TFM_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(dtype, shape));
  if (dtype == DataType::kString) {
    for (std::string& v : t.flat<std::string>()) v = value->flat<std::string>()[0];
    return t;
  }
  const size_t size = DataTypeSize(dtype);
  auto* out = static_cast<char*>(t.raw_data());
  for (int64_t i = 0; i < t.NumElements(); ++i) std::memcpy(out + i * size, value->raw_data(), size);
  return t;
}

}  // namespace

Result<Tensor> ParseInputExpr(std::string_view expr, DataType dtype) {
  if (auto call = ParseNumpyCall(expr, dtype)) return std::move(*call);
  Parser p{expr};
  TFM_RETURN_IF_ERROR(p.Value(0));
  p.Skip();
  if (p.pos != expr.size()) return p.Fail("trailing characters");
  // Dimensions below an empty list stay unknown: the shape ends there ("[]" is [0]).
  std::vector<int64_t> dims;
  for (int64_t d : p.dims) {
    if (d < 0) break;
    dims.push_back(d);
  }
  TFM_ASSIGN_OR_RETURN(Shape shape, Shape::Make(dims));
  if (p.saw_string && p.saw_number) return p.Fail("mixes strings and numbers");
  if (dtype == DataType::kString) {
    if (p.saw_number) return p.Fail("the input needs strings");
    TFM_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(DataType::kString, shape));
    auto out = t.flat<std::string>();
    for (size_t i = 0; i < p.strings.size(); ++i) out[i] = p.strings[i];
    return t;
  }
  if (p.saw_string) {
    return p.Fail("the input needs " + std::string(DataTypeName(dtype)) + " values, not strings");
  }
  TFM_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(dtype, shape));
  Status unsupported = InvalidArgument("cannot build a " + std::string(DataTypeName(dtype)) +
                                       " tensor from an expression");
  return DispatchPod(dtype, Result<Tensor>(unsupported), [&](auto zero) -> Result<Tensor> {
    using T = decltype(zero);
    if constexpr (std::is_same_v<T, std::complex<float>> || std::is_same_v<T, std::complex<double>>) {
      return unsupported;
    } else {
      Fill<T>(t, p.numbers);
      return t;
    }
  });
}

}  // namespace tfmodel::cli
