#include "src/formats/concrete_functions.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "function.pb.h"
#include "saved_object_graph.pb.h"
#include "struct.pb.h"
#include "tfmodel/tensor.h"

namespace tfmodel {
namespace {

using tensorflow::StructuredValue;

// Python's repr of a float: the shortest digits that round-trip, positional for exponents
// -4..15 (with ".0" when integral), else d.ddde+XX.
std::string PyFloat(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string sci(buf, r.ptr);
  const size_t e = sci.find('e');
  std::string mant = sci.substr(0, e);
  const int exp = std::atoi(sci.c_str() + e + 1);
  const bool neg = mant[0] == '-';
  if (neg) mant.erase(0, 1);
  std::string digits;
  for (char c : mant) {
    if (c != '.') digits += c;
  }
  std::string out;
  if (exp >= -4 && exp < 16) {
    if (exp < 0) {
      out = "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
    } else if (static_cast<int>(digits.size()) <= exp + 1) {
      out = digits + std::string(static_cast<size_t>(exp + 1) - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, static_cast<size_t>(exp + 1)) + "." + digits.substr(static_cast<size_t>(exp + 1));
    }
  } else {
    out = digits.substr(0, 1) + (digits.size() > 1 ? "." + digits.substr(1) : "") + "e" +
          (exp < 0 ? "-" : "+") + (std::abs(exp) < 10 ? "0" : "") + std::to_string(std::abs(exp));
  }
  return neg ? "-" + out : out;
}

std::string PyStr(const std::string& s) {
  const bool single = s.find('\'') == std::string::npos || s.find('"') != std::string::npos;
  const char q = single ? '\'' : '"';
  std::string out(1, q);
  for (char c : s) {
    if (c == q || c == '\\') out += '\\';
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else out += c;
  }
  return out + q;
}

std::string DtypeRepr(int dtype) {
  return "tf." + std::string(DataTypeName(static_cast<DataType>(dtype)));
}

// str(TensorShape): "<unknown>", "()", "(5,)", "(None, 5)".
std::string ShapeStr(const tensorflow::TensorShapeProto& s) {
  if (s.unknown_rank()) return "<unknown>";
  std::string out = "(";
  for (int i = 0; i < s.dim_size(); ++i) {
    if (i) out += ", ";
    out += s.dim(i).size() < 0 ? "None" : std::to_string(s.dim(i).size());
  }
  return out + (s.dim_size() == 1 ? ",)" : ")");
}

std::string SpecRepr(const char* kind, const std::string& name, const tensorflow::TensorShapeProto& shape,
                     int dtype) {
  return std::string(kind) + "(shape=" + ShapeStr(shape) + ", dtype=" + DtypeRepr(dtype) +
         ", name=" + (name.empty() ? "None" : PyStr(name)) + ")";
}

// Python's type(x).__name__ of a decoded value.
std::string TypeName(const StructuredValue& v) {
  switch (v.kind_case()) {
    case StructuredValue::kNoneValue: return "NoneType";
    case StructuredValue::kFloat64Value: return "float";
    case StructuredValue::kInt64Value: return "int";
    case StructuredValue::kStringValue: return "str";
    case StructuredValue::kBoolValue: return "bool";
    case StructuredValue::kTensorShapeValue: return "TensorShape";
    case StructuredValue::kTensorDtypeValue: return "DType";
    case StructuredValue::kTensorSpecValue: return "TensorSpec";
    case StructuredValue::kBoundedTensorSpecValue: return "BoundedTensorSpec";
    case StructuredValue::kListValue: return "list";
    case StructuredValue::kTupleValue: return "tuple";
    case StructuredValue::kDictValue: return "dict";
    case StructuredValue::kNamedTupleValue: return v.named_tuple_value().name();
    case StructuredValue::kTypeSpecValue: return v.type_spec_value().type_spec_class_name();
    default: return "object";
  }
}

std::vector<std::string> SortedKeys(const tensorflow::DictValue& d) {
  std::vector<std::string> keys;
  for (const auto& [k, unused] : d.fields()) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  return keys;
}

// Python's `str(x)` (quoted when a string, as saved_model_cli's _maybe_add_quotes does).
std::string QuotedStr(const StructuredValue& v) { return PythonRepr(v); }

// str(x) of a value that is printed without quotes.
std::string PlainStr(const StructuredValue& v) {
  if (v.kind_case() == StructuredValue::kStringValue) return v.string_value();
  return PythonRepr(v);
}

// saved_model_cli's _print_args at indent 4 (8 spaces; elements at 10).
void PrintArgs(const std::vector<const StructuredValue*>& args, const std::vector<std::string>& keys,
               const std::string& kind, std::string& out) {
  const std::string in = "        ";
  for (size_t i = 0; i < args.size(); ++i) {
    const StructuredValue& e = *args[i];
    out += in + kind + " #" + std::to_string(i + 1) + "\n";
    if (!keys.empty()) {  // iterating a dict yields its keys
      out += in + "  " + keys[i] + "\n";
      continue;
    }
    switch (e.kind_case()) {
      case StructuredValue::kStringValue: out += in + "  " + e.string_value() + "\n"; break;
      case StructuredValue::kTensorSpecValue: {
        const auto& s = e.tensor_spec_value();
        out += in + "  " + (s.name().empty() ? "None" : s.name()) + ": " + PythonRepr(e) + "\n";
        break;
      }
      case StructuredValue::kListValue:
      case StructuredValue::kTupleValue:
      case StructuredValue::kNamedTupleValue: {
        out += in + "  DType: " + TypeName(e) + "\n" + in + "  Value: [";
        auto item = [&](const StructuredValue& x) { out += QuotedStr(x) + ", "; };
        if (e.has_list_value()) for (const auto& x : e.list_value().values()) item(x);
        if (e.has_tuple_value()) for (const auto& x : e.tuple_value().values()) item(x);
        if (e.has_named_tuple_value()) for (const auto& x : e.named_tuple_value().values()) item(x.value());
        out += "\b\b]\n";
        break;
      }
      case StructuredValue::kDictValue: {
        out += in + "  DType: dict\n" + in + "  Value: {";
        for (const std::string& k : SortedKeys(e.dict_value())) {
          out += "'" + k + "': " + QuotedStr(e.dict_value().fields().at(k)) + ", ";
        }
        out += "\b\b}\n";
        break;
      }
      default:
        out += in + "  DType: " + TypeName(e) + "\n" + in + "  Value: " + PlainStr(e) + "\n";
    }
  }
}

}  // namespace

std::string PythonRepr(const StructuredValue& v) {
  auto seq = [](const auto& values, const char* open, const char* close, bool tuple) {
    std::string out = open;
    for (int i = 0; i < values.size(); ++i) out += (i ? ", " : "") + PythonRepr(values.Get(i));
    if (tuple && values.size() == 1) out += ",";
    return out + close;
  };
  switch (v.kind_case()) {
    case StructuredValue::kNoneValue: return "None";
    case StructuredValue::kFloat64Value: return PyFloat(v.float64_value());
    case StructuredValue::kInt64Value: return std::to_string(v.int64_value());
    case StructuredValue::kStringValue: return PyStr(v.string_value());
    case StructuredValue::kBoolValue: return v.bool_value() ? "True" : "False";
    case StructuredValue::kTensorShapeValue: {
      const auto& s = v.tensor_shape_value();
      if (s.unknown_rank()) return "TensorShape(None)";
      std::string out = "TensorShape([";
      for (int i = 0; i < s.dim_size(); ++i) {
        out += (i ? ", " : "") + (s.dim(i).size() < 0 ? std::string("None") : std::to_string(s.dim(i).size()));
      }
      return out + "])";
    }
    case StructuredValue::kTensorDtypeValue: return DtypeRepr(v.tensor_dtype_value());
    case StructuredValue::kTensorSpecValue: {
      const auto& s = v.tensor_spec_value();
      return SpecRepr("TensorSpec", s.name(), s.shape(), s.dtype());
    }
    case StructuredValue::kBoundedTensorSpecValue: {
      const auto& s = v.bounded_tensor_spec_value();
      return SpecRepr("BoundedTensorSpec", s.name(), s.shape(), s.dtype());
    }
    case StructuredValue::kListValue: return seq(v.list_value().values(), "[", "]", false);
    case StructuredValue::kTupleValue: return seq(v.tuple_value().values(), "(", ")", true);
    case StructuredValue::kDictValue: {
      std::string out = "{";
      bool first = true;
      for (const std::string& k : SortedKeys(v.dict_value())) {
        out += (first ? "" : ", ") + PyStr(k) + ": " + PythonRepr(v.dict_value().fields().at(k));
        first = false;
      }
      return out + "}";
    }
    case StructuredValue::kNamedTupleValue: {
      const auto& t = v.named_tuple_value();
      std::string out = t.name() + "(";
      for (int i = 0; i < t.values_size(); ++i) {
        out += (i ? ", " : "") + t.values(i).key() + "=" + PythonRepr(t.values(i).value());
      }
      return out + ")";
    }
    case StructuredValue::kTypeSpecValue: return v.type_spec_value().type_spec_class_name() + "(...)";
    default: return "<" + TypeName(v) + ">";
  }
}

namespace {

// The order in which Python's loader revives the library's functions: a topological sort of
// the call graph (callees first), taking ready functions last-in first-out, seeded in library
// order. Reviving names each "__inference_<name>_<uid>" with increasing uids.
std::map<std::string, int> ReviveOrder(const tensorflow::FunctionDefLibrary& library) {
  std::set<std::string> names;
  for (const auto& f : library.function()) names.insert(f.signature().name());
  std::map<std::string, std::vector<std::string>> callers;  // callee -> callers, library order
  std::map<std::string, int> pending;
  for (const auto& f : library.function()) {
    std::set<std::string> deps;
    for (const auto& n : f.node_def()) {
      if (names.count(n.op())) {
        deps.insert(n.op());
        continue;
      }
      for (const auto& [unused, a] : n.attr()) {
        if (a.has_func()) deps.insert(a.func().name());
        if (a.has_list()) for (const auto& fn : a.list().func()) deps.insert(fn.name());
      }
    }
    for (const std::string& d : deps) {
      callers[d].push_back(f.signature().name());
      ++pending[f.signature().name()];
    }
  }
  std::vector<std::string> ready;
  for (const auto& f : library.function()) {
    if (pending[f.signature().name()] == 0) ready.push_back(f.signature().name());
  }
  std::map<std::string, int> order;
  while (!ready.empty()) {
    std::string f = ready.back();
    ready.pop_back();
    order.emplace(f, static_cast<int>(order.size()));
    for (const std::string& c : callers[f]) {
      if (--pending[c] == 0) ready.push_back(c);
    }
  }
  return order;
}

// The name a revived concrete function gets: "__inference_<f>_<n>" loses its "_<n>" and gets
// the revive position instead (fixed width, so names sort by it).
std::string RevivedName(const std::string& name, const std::map<std::string, int>& order) {
  static constexpr std::string_view kPrefix = "__inference_";
  std::string clean = name;
  if (clean.starts_with(kPrefix)) {
    const size_t us = clean.rfind('_');
    if (us > kPrefix.size() && us + 1 < clean.size() &&
        clean.find_first_not_of("0123456789", us + 1) == std::string::npos) {
      clean = clean.substr(kPrefix.size(), us - kPrefix.size());
    }
  }
  auto it = order.find(name);
  const int pos = it == order.end() ? 0 : it->second;
  std::string n = std::to_string(1000000 + pos);
  return std::string(kPrefix) + clean + "_" + n;
}

}  // namespace

std::string ConcreteFunctionsText(const tensorflow::SavedObjectGraph& graph,
                                  const tensorflow::FunctionDefLibrary& library) {
  if (graph.nodes_size() == 0) return "";
  const std::map<std::string, int> order = ReviveOrder(library);
  // The root's function children, by name (Python sorts them so).
  std::map<std::string, std::vector<std::string>> functions;
  for (const auto& child : graph.nodes(0).children()) {
    if (child.node_id() < 0 || child.node_id() >= graph.nodes_size()) continue;
    const tensorflow::SavedObject& o = graph.nodes(child.node_id());
    std::vector<std::string> names;
    if (o.has_function()) {
      // A restored tf.function lists each distinct input signature once.
      std::set<std::string> seen;
      for (const std::string& cf : o.function().concrete_functions()) {
        auto it = graph.concrete_functions().find(cf);
        if (it == graph.concrete_functions().end()) continue;
        if (seen.insert(it->second.canonicalized_input_signature().SerializeAsString()).second) {
          names.push_back(cf);
        }
      }
    } else if (o.has_bare_concrete_function()) {
      names.push_back(o.bare_concrete_function().concrete_function_name());
    } else {
      continue;
    }
    // Python sorts the revived concrete functions by their new names.
    std::sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) {
      return RevivedName(a, order) < RevivedName(b, order);
    });
    functions[child.local_name()] = std::move(names);
  }
  std::string out;
  for (const auto& [name, concretes] : functions) {
    out += "\n  Function Name: '" + name + "'\n";
    for (size_t i = 0; i < concretes.size(); ++i) {
      auto it = graph.concrete_functions().find(concretes[i]);
      if (it == graph.concrete_functions().end()) continue;
      const StructuredValue& sig = it->second.canonicalized_input_signature();
      // (args, kwargs); a missing signature prints nothing, as in Python.
      if (!sig.has_tuple_value() || sig.tuple_value().values_size() != 2) continue;
      const StructuredValue& args = sig.tuple_value().values(0);
      const StructuredValue& kwargs = sig.tuple_value().values(1);
      std::vector<const StructuredValue*> arg_list;
      if (args.has_tuple_value()) for (const auto& a : args.tuple_value().values()) arg_list.push_back(&a);
      if (args.has_list_value()) for (const auto& a : args.list_value().values()) arg_list.push_back(&a);
      if (!arg_list.empty()) {
        out += "    Option #" + std::to_string(i + 1) + "\n      Callable with:\n";
        PrintArgs(arg_list, {}, "Argument", out);
      }
      if (kwargs.has_dict_value() && kwargs.dict_value().fields_size() > 0) {
        std::vector<std::string> keys = SortedKeys(kwargs.dict_value());
        std::vector<const StructuredValue*> values;
        for (const std::string& k : keys) values.push_back(&kwargs.dict_value().fields().at(k));
        PrintArgs(values, keys, "Named Argument", out);
      }
    }
  }
  return out;
}

}  // namespace tfmodel
