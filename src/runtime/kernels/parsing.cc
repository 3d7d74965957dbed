// tf.Example parsing (dense features) and the string ops TF1 serving graphs use.
#include <regex>

#include "src/formats/example.h"
#include "src/runtime/kernel.h"
#include "src/runtime/kernels/all_ops.h"

namespace tfmodel {
namespace {

Result<std::vector<Shape>> DenseShapes(const NodeInfo& n, size_t count) {
  const AttrValue* a = n.FindAttr("dense_shapes");
  std::vector<Shape> shapes;
  if (a == nullptr) {
    if (count == 0) return shapes;
    return n.Error("missing attr 'dense_shapes'");
  }
  if (a->list.shape.size() != count) return n.Error("dense_shapes does not match Tdense");
  for (const PartialShape& p : a->list.shape) {
    if (!p.IsFullyDefined()) {
      return Unimplemented("node '" + n.name() + "': variable-length dense features are not supported");
    }
    TFM_ASSIGN_OR_RETURN(Shape s, Shape::Make(p.dims));
    shapes.push_back(s);
  }
  return shapes;
}

// Shared by both versions: serialized is input 0; keys come from `key_inputs` (one string each)
// and defaults from inputs [first_default, first_default + Ndense).
Status ParseDense(KernelContext& c, const std::vector<DataType>& types, const std::vector<Shape>& shapes,
                  const std::vector<std::string>& keys, int first_default, int first_output) {
  const Tensor& serialized = c.input(0);
  if (serialized.dtype() != DataType::kString || serialized.shape().rank() > 1) {
    return c.Error(StatusCode::kInvalidArgument, "serialized must be a string vector");
  }
  std::vector<DenseFeatureSpec> specs;
  for (size_t k = 0; k < types.size(); ++k) {
    const Tensor& def = c.input(first_default + static_cast<int>(k));
    if (def.dtype() != types[k]) {
      return c.Error(StatusCode::kInvalidArgument, "default of feature '" + keys[k] + "' has the wrong dtype");
    }
    specs.push_back({keys[k], types[k], shapes[k], def});
  }
  std::vector<std::string> examples(serialized.flat<std::string>().begin(), serialized.flat<std::string>().end());
  auto parsed = ParseExamplesDense(examples, specs);
  if (!parsed.ok()) return parsed.status().WithContext("node '" + c.node_name() + "'");
  for (size_t k = 0; k < parsed->size(); ++k) c.set_output(first_output + static_cast<int>(k), (*parsed)[k]);
  return Status::Ok();
}

// ---- ParseExample(serialized, names, sparse_keys[Ns], dense_keys[Nd], dense_defaults[Nd]) ----
Result<Kernel> ParseExample(const NodeInfo& n) {
  TFM_ASSIGN_OR_RETURN(int64_t nsparse, n.IntAttr("Nsparse"));
  TFM_ASSIGN_OR_RETURN(int64_t ndense, n.IntAttr("Ndense"));
  if (nsparse != 0) return Unimplemented("node '" + n.name() + "': sparse features are not supported");
  TFM_ASSIGN_OR_RETURN(std::vector<DataType> tdense, n.TypeListAttr("Tdense"));
  if (static_cast<int64_t>(tdense.size()) != ndense || n.num_inputs() != 2 + 2 * ndense) {
    return n.Error("inputs do not match Ndense");
  }
  TFM_ASSIGN_OR_RETURN(std::vector<Shape> shapes, DenseShapes(n, tdense.size()));
  return Kernel{tdense, [tdense, shapes, ndense](KernelContext& c) -> Status {
    std::vector<std::string> keys;
    for (int64_t k = 0; k < ndense; ++k) {
      const Tensor& key = c.input(2 + static_cast<int>(k));
      if (key.dtype() != DataType::kString || key.NumElements() != 1) {
        return c.Error(StatusCode::kInvalidArgument, "dense keys must be string scalars");
      }
      keys.push_back(key.flat<std::string>()[0]);
    }
    return ParseDense(c, tdense, shapes, keys, 2 + static_cast<int>(ndense), 0);
  }};
}

// ---- ParseExampleV2(serialized, names, sparse_keys, dense_keys, ragged_keys, defaults...) ----
Result<Kernel> ParseExampleV2(const NodeInfo& n) {
  if (n.IntAttrOr("num_sparse", 0) != 0) {
    return Unimplemented("node '" + n.name() + "': sparse features are not supported");
  }
  const AttrValue* ragged = n.FindAttr("ragged_value_types");
  if (ragged && !ragged->list.type.empty()) {
    return Unimplemented("node '" + n.name() + "': ragged features are not supported");
  }
  TFM_ASSIGN_OR_RETURN(std::vector<DataType> tdense, n.TypeListAttr("Tdense"));
  if (n.num_inputs() != 5 + static_cast<int>(tdense.size())) return n.Error("inputs do not match Tdense");
  TFM_ASSIGN_OR_RETURN(std::vector<Shape> shapes, DenseShapes(n, tdense.size()));
  return Kernel{tdense, [tdense, shapes](KernelContext& c) -> Status {
    const Tensor& keys_t = c.input(3);
    if (keys_t.dtype() != DataType::kString || keys_t.NumElements() != static_cast<int64_t>(tdense.size())) {
      return c.Error(StatusCode::kInvalidArgument, "dense_keys must hold one string per dense feature");
    }
    std::vector<std::string> keys(keys_t.flat<std::string>().begin(), keys_t.flat<std::string>().end());
    return ParseDense(c, tdense, shapes, keys, 5, 0);
  }};
}

// ---- StaticRegexFullMatch(input; pattern): whether each string matches `pattern` entirely ----
Result<Kernel> StaticRegexFullMatch(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, DataType::kString));
  TFM_ASSIGN_OR_RETURN(std::string pattern, n.StringAttr("pattern"));
  std::shared_ptr<std::regex> re;
  try {
    re = std::make_shared<std::regex>(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error&) {
    return n.Error("invalid pattern \"" + pattern + "\"");
  }
  return Kernel{{DataType::kBool}, [re](KernelContext& c) -> Status {
    const Tensor& in = c.input(0);
    TFM_ASSIGN_OR_RETURN(Tensor out, c.AllocateOutput(0, DataType::kBool, in.shape()));
    auto o = out.flat<bool>();
    auto s = in.flat<std::string>();
    for (size_t i = 0; i < s.size(); ++i) o[i] = std::regex_match(s[i], *re);
    return Status::Ok();
  }};
}

// ---- DecodeBase64: web-safe base64 ("-" and "_"), padding optional ----------------------------
int Base64Value(char ch) {
  if (ch >= 'A' && ch <= 'Z') return ch - 'A';
  if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
  if (ch >= '0' && ch <= '9') return ch - '0' + 52;
  if (ch == '-') return 62;
  if (ch == '_') return 63;
  return -1;
}

Result<Kernel> DecodeBase64(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, DataType::kString));
  return Kernel{{DataType::kString}, [](KernelContext& c) -> Status {
    const Tensor& in = c.input(0);
    TFM_ASSIGN_OR_RETURN(Tensor out, c.AllocateOutput(0, DataType::kString, in.shape()));
    auto s = in.flat<std::string>();
    auto o = out.flat<std::string>();
    for (size_t i = 0; i < s.size(); ++i) {
      std::string_view v = s[i];
      while (!v.empty() && v.back() == '=') v.remove_suffix(1);
      if (v.size() % 4 == 1) return c.Error(StatusCode::kInvalidArgument, "invalid base64 length");
      uint32_t acc = 0;
      int bits = 0;
      for (char ch : v) {
        int x = Base64Value(ch);
        if (x < 0) return c.Error(StatusCode::kInvalidArgument, "invalid character in web-safe base64");
        acc = (acc << 6) | static_cast<uint32_t>(x);
        bits += 6;
        if (bits >= 8) {
          bits -= 8;
          o[i] += static_cast<char>((acc >> bits) & 0xff);
        }
      }
    }
    return Status::Ok();
  }};
}

}  // namespace

void RegisterParsingOps(OpRegistry& r) {
  r.Add({.name = "ParseExample", .factory = ParseExample});
  r.Add({.name = "ParseExampleV2", .factory = ParseExampleV2});
  r.Add({.name = "StaticRegexFullMatch", .factory = StaticRegexFullMatch});
  r.Add({.name = "DecodeBase64", .factory = DecodeBase64});
}

}  // namespace tfmodel
