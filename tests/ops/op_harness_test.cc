// The registry-driven op harness: runs every case TensorFlow computed (gen_op_cases.py ->
// $TFMODEL_OP_CASES_DIR/cases.json + data.bin) through our kernels and compares the outputs,
// one GoogleTest per op (OpHarness.<Op>). OpHarnessCoverage.EveryRegisteredOpHasACase fails
// when a registered op has no case and is not on the allowlist below.
//
// Comparison: dtype and shape exactly; floating outputs within |got - want| <= abs + rel |want|
// (NaN == NaN, infinities exactly), by default rel 1e-5 / abs 1e-6 for float32/float64, about two
// units in the last place for float16 (2e-3) and bfloat16 (1.6e-2), or the case's "tolerance";
// everything else bit-exactly. Cases with "expect_error" must fail at plan or run time.
// Stateful ops: a case with "more_outputs" runs the same planned kernel again for each further
// run TensorFlow recorded (one Session, the node run N times) and compares each run. A case
// with "bounds" (seed 0: not reproducible) compares dtypes and shapes only and checks every
// value against the bounds (min <= v, v <= max, v < below).
//
// Cases with "expect_error" must name the node (the case name) in their message.
//
// Cases with "variables" (optimizer ops) create those variables in a ResourceMgr from the
// inputs' values and pass them as resource handles (DT_RESOURCE scalars naming the variable)
// or as reference inputs (KernelContext::ref_input, the input itself left empty, as the
// executor does); the kernel runs once per step (later steps override some inputs), then the
// last step's outputs and the variables' final values are compared with TensorFlow's.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "src/runtime/kernel.h"
#include "src/graph/op_output_args.h"
#include "src/runtime/resource.h"
#include "tfmodel/tensor.h"

namespace tfmodel {
namespace {

using json = nlohmann::json;

// Registered ops that this harness does not cover, each with the reason and where it is tested.
const std::map<std::string, std::string>& Allowlist() {
  static const auto* list = new std::map<std::string, std::string>{
      {"Placeholder", "graph input: fed by the session, tested by the executor tests"},
      {"PlaceholderV2", "graph input: fed by the session, tested by the executor tests"},
      {"VariableV2", "stateful reference variable: tested by the session/variable tests"},
      {"Variable", "stateful reference variable: tested by the session/variable tests"},
      {"Assign", "needs a reference variable input: tested by the session/variable tests"},
      {"AssignAdd", "needs a reference variable input: tested by the session/variable tests"},
      {"AssignSub", "needs a reference variable input: tested by the session/variable tests"},
      {"IsVariableInitialized", "needs a reference variable input: session tests"},
      {"RefIdentity", "needs a reference variable input: session tests"},
      {"VarHandleOp", "resource variable: needs a ResourceMgr, tested by the session tests"},
      {"ReadVariableOp", "resource variable: needs a ResourceMgr, tested by the session tests"},
      {"AssignVariableOp", "resource variable: tested by the session tests"},
      {"AssignAddVariableOp", "resource variable: tested by the session tests"},
      {"AssignSubVariableOp", "resource variable: tested by the session tests"},
      {"VarIsInitializedOp", "resource variable: tested by the session tests"},
      {"SaveV2", "writes checkpoint files: tested by the checkpoint interop tests"},
      {"RestoreV2", "reads checkpoint files: tested by the checkpoint interop tests"},
      {"MergeV2Checkpoints", "merges checkpoint files: tested by the checkpoint interop tests"},
      {"DisableCopyOnRead", "resource variable (no effect): TF2 savers; interop_tf2_models"},
      // Function calls and control flow need a function library and variant tensors (lists):
      // tested by src/runtime/function_test.cc and the TF2 models of interop_tf2_models.
      {"PartitionedCall", "calls a function: function_test.cc, interop_tf2_models"},
      {"StatefulPartitionedCall", "calls a function: function_test.cc, interop_tf2_models"},
      {"If", "control flow over functions: function_test.cc, interop_tf2_models (tf_module)"},
      {"StatelessIf", "control flow over functions: function_test.cc, interop_tf2_models"},
      {"Case", "control flow over functions: function_test.cc, interop_tf2_models (tf_module)"},
      {"StatelessCase", "control flow over functions: function_test.cc"},
      {"While", "control flow over functions: function_test.cc, interop_tf2_models (tf_module)"},
      {"StatelessWhile", "control flow over functions: function_test.cc, interop_tf2_models (LSTM)"},
      {"EmptyTensorList", "variant in/out: list_ops_test.cc"},
      {"TensorListReserve", "variant in/out: function_test.cc, list_ops_test.cc, LSTM/GRU models"},
      {"TensorListFromTensor", "variant in/out: list_ops_test.cc, LSTM/GRU models"},
      {"TensorListGetItem", "variant in/out: list_ops_test.cc, LSTM/GRU models"},
      {"TensorListSetItem", "variant in/out: function_test.cc, list_ops_test.cc, LSTM/GRU models"},
      {"TensorListStack", "variant in/out: function_test.cc, list_ops_test.cc, LSTM/GRU models"},
      {"TensorListLength", "variant in/out: function_test.cc, list_ops_test.cc"},
      {"TensorListElementShape", "variant in/out: list_ops_test.cc"},
      {"TensorListPushBack", "variant in/out: list_ops_test.cc"},
      {"TensorListPopBack", "variant in/out: list_ops_test.cc"},
  };
  return *list;
}

std::string CasesDir() {
  const char* dir = std::getenv("TFMODEL_OP_CASES_DIR");
  return dir == nullptr ? "" : dir;
}

struct Cases {
  json doc;
  std::string data;
  std::string error;  // why loading failed
};

const Cases& LoadCases() {
  static const Cases* cases = [] {
    auto* c = new Cases();
    const std::string dir = CasesDir();
    if (dir.empty()) {
      c->error =
          "TFMODEL_OP_CASES_DIR is not set: run `ctest -L interop` (op_cases_generate "
          "writes the cases) or tests/ops/gen_op_cases.py DIR";
      return c;
    }
    std::ifstream js(dir + "/cases.json");
    std::ifstream bin(dir + "/data.bin", std::ios::binary);
    if (!js || !bin) {
      c->error = "cannot read " + dir + "/cases.json and data.bin";
      return c;
    }
    c->doc = json::parse(js, nullptr, /*allow_exceptions=*/false);
    if (c->doc.is_discarded() || !c->doc.contains("cases") || c->doc["cases"].empty()) {
      c->error = dir + "/cases.json is not valid or has no cases";
      return c;
    }
    std::stringstream ss;
    ss << bin.rdbuf();
    c->data = ss.str();
    return c;
  }();
  return *cases;
}

std::string Base64Decode(const std::string& in) {
  static const std::string kChars =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  for (char ch : in) {
    if (ch == '=') break;
    size_t v = kChars.find(ch);
    if (v == std::string::npos) continue;
    buf = (buf << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buf >> bits) & 0xff));
    }
  }
  return out;
}

Result<Tensor> ParseTensor(const json& j, const std::string& data) {
  TFM_ASSIGN_OR_RETURN(DataType dt, DataTypeFromName(j.at("dtype").get<std::string>()));
  std::vector<int64_t> dims = j.at("shape").get<std::vector<int64_t>>();
  TFM_ASSIGN_OR_RETURN(Shape shape, Shape::Make(dims));
  if (dt == DataType::kString) {
    TFM_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(dt, shape));
    auto v = t.flat<std::string>();
    const auto& b64 = j.at("b64");
    if (b64.size() != v.size()) return InvalidArgument("string count does not match shape");
    for (size_t i = 0; i < v.size(); ++i) v[i] = Base64Decode(b64[i].get<std::string>());
    return t;
  }
  TFM_ASSIGN_OR_RETURN(Tensor t, Tensor::AllocateUninitialized(dt, shape));
  const uint64_t offset = j.at("offset").get<uint64_t>(), nbytes = j.at("nbytes").get<uint64_t>();
  if (nbytes != t.TotalBytes() || offset + nbytes > data.size()) {
    return InvalidArgument("tensor bytes out of range or size mismatch");
  }
  if (nbytes > 0) std::memcpy(t.raw_data(), data.data() + offset, nbytes);
  return t;
}

Result<PartialShape> ParseShape(const json& j) {
  PartialShape s;
  if (j.is_null()) {
    s.unknown_rank = true;
  } else {
    s.dims = j.get<std::vector<int64_t>>();
  }
  return s;
}

Result<AttrValue> ParseAttr(const json& j, const std::string& data) {
  AttrValue v;
  if (j.size() != 1) return InvalidArgument("attr must have exactly one key: " + j.dump());
  const std::string key = j.begin().key();
  const json& x = j.begin().value();
  using K = AttrValue::Kind;
  if (key == "type") {
    v.kind = K::kType;
    TFM_ASSIGN_OR_RETURN(v.type, DataTypeFromName(x.get<std::string>()));
  } else if (key == "b") {
    v.kind = K::kBool;
    v.b = x.get<bool>();
  } else if (key == "i") {
    v.kind = K::kInt;
    v.i = x.get<int64_t>();
  } else if (key == "f") {
    v.kind = K::kFloat;
    v.f = static_cast<float>(x.get<double>());
  } else if (key == "s") {
    v.kind = K::kString;
    v.s = x.get<std::string>();
  } else if (key == "shape") {
    v.kind = K::kShape;
    TFM_ASSIGN_OR_RETURN(v.shape, ParseShape(x));
  } else if (key == "tensor") {
    v.kind = K::kTensor;
    TFM_ASSIGN_OR_RETURN(v.tensor, ParseTensor(x, data));
  } else if (key.rfind("list_", 0) == 0) {
    v.kind = K::kList;
    for (const json& e : x) {
      if (key == "list_i") {
        v.list.i.push_back(e.get<int64_t>());
      } else if (key == "list_f") {
        v.list.f.push_back(static_cast<float>(e.get<double>()));
      } else if (key == "list_s") {
        v.list.s.push_back(e.get<std::string>());
      } else if (key == "list_b") {
        v.list.b.push_back(e.get<bool>());
      } else if (key == "list_type") {
        TFM_ASSIGN_OR_RETURN(DataType t, DataTypeFromName(e.get<std::string>()));
        v.list.type.push_back(t);
      } else if (key == "list_shape") {
        TFM_ASSIGN_OR_RETURN(PartialShape s, ParseShape(e));
        v.list.shape.push_back(s);
      } else {
        return InvalidArgument("unknown attr list kind " + key);
      }
    }
  } else {
    return InvalidArgument("unknown attr kind " + key);
  }
  return v;
}

bool IsFloating(DataType t) {
  return t == DataType::kFloat || t == DataType::kDouble || t == DataType::kHalf ||
         t == DataType::kBFloat16;
}

std::vector<double> AsDoubles(const Tensor& t) {
  std::vector<double> out;
  DispatchPod(t.dtype(), 0, [&](auto zero) {
    using T = decltype(zero);
    for (const T& v : t.flat<T>()) {
      if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
        out.push_back(v.ToFloat());
      } else if constexpr (std::is_floating_point_v<T>) {
        out.push_back(static_cast<double>(v));
      }
    }
    return 0;
  });
  return out;
}

struct Tolerance {
  double rel, abs;
};

Tolerance DefaultTolerance(DataType t) {
  if (t == DataType::kHalf) return {2e-3, 2e-3};
  if (t == DataType::kBFloat16) return {1.6e-2, 1.6e-2};
  return {1e-5, 1e-6};
}

// "" when equal, else a description of the first mismatches.
std::string Compare(const Tensor& got, const Tensor& want, Tolerance tol) {
  if (got.dtype() != want.dtype()) {
    return "dtype " + std::string(DataTypeName(got.dtype())) + ", expected " +
           std::string(DataTypeName(want.dtype()));
  }
  if (!(got.shape() == want.shape())) {
    return "shape " + got.shape().DebugString() + ", expected " + want.shape().DebugString();
  }
  if (!IsFloating(got.dtype())) {
    if (got.Equals(want)) return "";
    return "values differ:\n got  " + got.DebugString(20) + "\n want " + want.DebugString(20);
  }
  std::vector<double> g = AsDoubles(got), w = AsDoubles(want);
  std::string out;
  int bad = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    bool ok;
    if (std::isnan(w[i]) || std::isnan(g[i])) {
      ok = std::isnan(w[i]) && std::isnan(g[i]);
    } else if (std::isinf(w[i]) || std::isinf(g[i])) {
      ok = g[i] == w[i];
    } else {
      ok = std::fabs(g[i] - w[i]) <= tol.abs + tol.rel * std::fabs(w[i]);
    }
    if (!ok && ++bad <= 5) {
      std::ostringstream s;
      s.precision(9);
      s << "\n  [" << i << "] got " << g[i] << ", expected " << w[i];
      out += s.str();
    }
  }
  if (bad == 0) return "";
  return std::to_string(bad) + " of " + std::to_string(g.size()) +
         " values out of tolerance (rel " + std::to_string(tol.rel) + ", abs " +
         std::to_string(tol.abs) + "):" + out;
}

// "" when every value of `got` is within `bounds` ({"min"|"max"|"below": x}).
std::string CheckBounds(const Tensor& got, const json& bounds) {
  std::vector<double> v;
  if (IsFloating(got.dtype())) {
    v = AsDoubles(got);
  } else {
    DispatchPod(got.dtype(), 0, [&](auto zero) {
      using T = decltype(zero);
      if constexpr (std::is_integral_v<T>) {
        for (T x : got.flat<T>()) v.push_back(static_cast<double>(x));
      }
      return 0;
    });
  }
  for (size_t i = 0; i < v.size(); ++i) {
    const bool ok = (!bounds.contains("min") || v[i] >= bounds["min"].get<double>()) &&
                    (!bounds.contains("max") || v[i] <= bounds["max"].get<double>()) &&
                    (!bounds.contains("below") || v[i] < bounds["below"].get<double>()) &&
                    !std::isnan(v[i]);
    if (!ok) {
      std::ostringstream s;
      s.precision(9);
      s << "value [" << i << "] = " << v[i] << " is outside the bounds " << bounds.dump();
      return s.str();
    }
  }
  return "";
}

// Compares one run's outputs with TensorFlow's; "" when they match.
std::string CompareOutputs(const json& c, const json& want, const std::vector<Tensor>& outputs,
                           const Kernel& kernel, const std::string& data) {
  if (want.size() != outputs.size()) {
    return "kernel has " + std::to_string(outputs.size()) + " outputs, TensorFlow " +
           std::to_string(want.size());
  }
  std::string failures;
  for (size_t i = 0; i < outputs.size(); ++i) {
    auto w = ParseTensor(want[i], data);
    if (!w.ok()) return "bad expected output: " + w.status().ToString();
    if (outputs[i].dtype() != kernel.output_types[i]) {
      failures += "\n output " + std::to_string(i) + ": planned dtype " +
                  std::string(DataTypeName(kernel.output_types[i])) + " but computed " +
                  std::string(DataTypeName(outputs[i].dtype()));
      continue;
    }
    std::string diff;
    if (c.contains("bounds")) {
      if (outputs[i].dtype() != w->dtype() || !(outputs[i].shape() == w->shape())) {
        diff = "dtype/shape " + std::string(DataTypeName(outputs[i].dtype())) +
               outputs[i].shape().DebugString() + ", expected " +
               std::string(DataTypeName(w->dtype())) + w->shape().DebugString();
      } else {
        diff = CheckBounds(outputs[i], c["bounds"]);
      }
    } else {
      Tolerance tol = DefaultTolerance(w->dtype());
      if (c.contains("tolerance")) {
        tol.rel = c["tolerance"].value("rel", tol.rel);
        tol.abs = c["tolerance"].value("abs", tol.abs);
      }
      diff = Compare(outputs[i], *w, tol);
    }
    if (!diff.empty()) failures += "\n output " + std::to_string(i) + ": " + diff;
  }
  return failures;
}

Tolerance CaseTolerance(const json& c, DataType t) {
  Tolerance tol = DefaultTolerance(t);
  if (c.contains("tolerance")) {
    tol.rel = c["tolerance"].value("rel", tol.rel);
    tol.abs = c["tolerance"].value("abs", tol.abs);
  }
  return tol;
}

// The variables of a case: created in `mgr` from their inputs' values; inputs[i] becomes a
// resource handle, or an empty tensor with ref_inputs[i] set.
struct CaseVariables {
  ResourceMgr mgr;
  std::vector<int> inputs;  // flat input indices
  std::vector<std::shared_ptr<VariableState>> vars;
  std::vector<VariableState*> ref_inputs;
};

std::string SetUpVariables(const json& spec, const std::string& name, std::vector<Tensor>& inputs,
                           std::vector<DataType>& input_types, CaseVariables& cv) {
  const bool ref = spec.at("kind").get<std::string>() == "ref";
  const std::vector<int> uninit = spec.value("uninitialized", std::vector<int>{});
  cv.inputs = spec.at("inputs").get<std::vector<int>>();
  cv.ref_inputs.assign(inputs.size(), nullptr);
  for (int i : cv.inputs) {
    if (i < 0 || i >= static_cast<int>(inputs.size())) return "variable input out of range";
    const Tensor init = inputs[i];
    PartialShape shape;
    shape.dims = init.shape().dims();
    const std::string key = name + "/var" + std::to_string(i);
    auto v = cv.mgr.LookupOrCreate(key, init.dtype(), shape);
    if (!v.ok()) return v.status().ToString();
    if (std::find(uninit.begin(), uninit.end(), i) == uninit.end()) {
      Status st = (*v)->Assign(init);
      if (!st.ok()) return st.ToString();
    }
    cv.vars.push_back(*v);
    if (ref) {
      inputs[i] = Tensor();
      cv.ref_inputs[i] = v->get();
    } else {
      Tensor h = Tensor::Allocate(DataType::kResource, Shape{}).value();
      h.flat<std::string>()[0] = key;
      inputs[i] = h;
      input_types[i] = DataType::kResource;
    }
  }
  return "";
}

// Compares got[i] with the expected tensors `want` ("" when all match).
std::string CompareAll(const json& c, const std::vector<Tensor>& got, const json& want,
                       const std::string& data, const char* what) {
  std::string failures;
  for (size_t i = 0; i < got.size(); ++i) {
    auto w = ParseTensor(want[i], data);
    if (!w.ok()) return std::string("bad expected ") + what + ": " + w.status().ToString();
    std::string diff = Compare(got[i], *w, CaseTolerance(c, w->dtype()));
    if (!diff.empty())
      failures += "\n " + std::string(what) + " " + std::to_string(i) + ": " + diff;
  }
  return failures;
}

// Runs one case; returns "" on success, else what went wrong.
std::string RunCase(const json& c, const std::string& data) {
  const std::string name = c.at("name").get<std::string>();
  const std::string op = c.at("op").get<std::string>();
  const bool expect_error = c.value("expect_error", false);
  AttrMap attrs;
  for (const auto& [k, v] : c.at("attrs").items()) {
    auto a = ParseAttr(v, data);
    if (!a.ok()) return "bad attr " + k + ": " + a.status().ToString();
    attrs[k] = *a;
  }
  std::vector<Tensor> inputs;
  std::vector<DataType> input_types;
  for (const json& j : c.at("inputs")) {
    auto t = ParseTensor(j, data);
    if (!t.ok()) return "bad input: " + t.status().ToString();
    input_types.push_back(t->dtype());
    inputs.push_back(*t);
  }
  CaseVariables cv;
  if (c.contains("variables")) {
    std::string err = SetUpVariables(c["variables"], name, inputs, input_types, cv);
    if (!err.empty()) return "bad variables: " + err;
  }
  // Every later step: the first step's inputs with some replaced.
  std::vector<std::vector<Tensor>> steps = {inputs};
  for (const json& st : c.value("steps", json::array())) {
    steps.push_back(inputs);
    for (const auto& [k, v] : st.items()) {
      const size_t i = std::stoul(k);
      auto t = ParseTensor(v, data);
      if (!t.ok() || i >= inputs.size()) return "bad step input " + k;
      steps.back()[i] = *t;
    }
  }
  const OpRegistration* reg = OpRegistry::Global().Find(op);
  if (reg == nullptr) return "op " + op + " is not registered";
  NodeInfo node(name, op, attrs, input_types);
  Result<Kernel> kernel = reg->factory(node);
  auto named = [&](const Status& st) -> std::string {
    if (st.message().find(name) != std::string::npos) return "";
    return "the error does not name the node '" + name + "': " + st.ToString();
  };
  if (!kernel.ok()) {
    if (expect_error) return named(kernel.status());
    return "plan failed: " + kernel.status().ToString();
  }
  std::vector<Tensor> outputs;
  Status st;
  for (const std::vector<Tensor>& step_inputs : steps) {
    outputs.assign(kernel->output_types.size(), Tensor());
    KernelContext ctx(name, step_inputs, outputs, cv.vars.empty() ? nullptr : &cv.mgr,
                      cv.ref_inputs);
    st = kernel->compute(ctx);
    if (!st.ok()) break;
  }
  if (expect_error) {
    if (!st.ok()) return named(st);
    return "expected an error (TensorFlow: " + c.value("tf_error", std::string()) +
           "), but the kernel succeeded";
  }
  if (!st.ok()) return "compute failed: " + st.ToString();
  std::string failures = CompareOutputs(c, c.at("outputs"), outputs, *kernel, data);
  if (!cv.vars.empty()) {
    const json& final_values = c["variables"].at("final");
    if (final_values.size() != cv.vars.size()) return "variable count mismatch";
    std::vector<Tensor> values;
    for (const auto& v : cv.vars) {
      auto r = v->Read();
      if (!r.ok()) return "variable " + v->name() + ": " + r.status().ToString();
      values.push_back(*r);
    }
    failures += CompareAll(c, values, final_values, data, "variable");
  }
  if (c.contains("more_outputs")) {  // the same kernel (node) run again in one session
    int run = 2;
    for (const json& want : c["more_outputs"]) {
      std::vector<Tensor> again(kernel->output_types.size());
      KernelContext ctx2(name, inputs, again, /*resources=*/nullptr, {});
      Status st2 = kernel->compute(ctx2);
      std::string diff = st2.ok() ? CompareOutputs(c, want, again, *kernel, data)
                                  : "compute failed: " + st2.ToString();
      if (!diff.empty()) failures += "\n run " + std::to_string(run) + ":" + diff;
      ++run;
    }
  }
  return failures;
}

class OpCasesTest : public testing::Test {
 public:
  explicit OpCasesTest(std::string op) : op_(std::move(op)) {}
  void TestBody() override {
    const Cases& cases = LoadCases();
    ASSERT_TRUE(cases.error.empty()) << cases.error;
    int n = 0;
    for (const json& c : cases.doc["cases"]) {
      if (c.at("op").get<std::string>() != op_) continue;
      ++n;
      std::string result = RunCase(c, cases.data);
      EXPECT_TRUE(result.empty()) << "case " << c.at("name").get<std::string>() << ": " << result;
    }
    EXPECT_GT(n, 0);
  }

 private:
  std::string op_;
};

TEST(OpHarnessCoverage, CasesLoaded) {
  const Cases& cases = LoadCases();
  ASSERT_TRUE(cases.error.empty()) << cases.error;
}

TEST(OpHarnessCoverage, EveryRegisteredOpHasACase) {
  const Cases& cases = LoadCases();
  ASSERT_TRUE(cases.error.empty()) << cases.error;
  std::set<std::string> covered;
  for (const json& c : cases.doc["cases"]) {
    if (!c.value("expect_error", false)) covered.insert(c.at("op").get<std::string>());
  }
  for (std::string_view op : OpRegistry::Global().Names()) {
    const std::string name(op);
    if (Allowlist().count(name)) continue;
    EXPECT_TRUE(covered.count(name))
        << "registered op " << name
        << " has no (non-error) case in tests/ops/cases_*.py; add one, or add it to the "
           "allowlist in op_harness_test.cc with the reason and where it is tested";
  }
}

// Function bodies name outputs `node:out_arg:i`; op_output_args.inc (generated from TF's OpDefs)
// turns that into a flat index. Every op with a case checks its entry against TF's OpDef.
TEST(OpHarnessCoverage, OutputArgTableMatchesTensorFlow) {
  const Cases& cases = LoadCases();
  ASSERT_TRUE(cases.error.empty()) << cases.error;
  std::set<std::string> checked;
  for (const json& c : cases.doc["cases"]) {
    const std::string op = c.at("op").get<std::string>();
    if (!c.contains("output_args") || !checked.insert(op).second) continue;
    const json& want = c["output_args"];
    std::span<const OutputArgSpec> got = OpOutputArgs(op);
    if (want.size() < 2) {
      EXPECT_TRUE(got.empty()) << op << " has one output arg but a table entry";
      continue;
    }
    ASSERT_EQ(got.size(), want.size()) << op << ": regenerate src/graph/op_output_args.inc";
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].name, want[i][0].get<std::string>()) << op;
      EXPECT_EQ(got[i].number_attr, want[i][1].get<std::string>()) << op;
      EXPECT_EQ(got[i].type_list_attr, want[i][2].get<std::string>()) << op;
    }
  }
  EXPECT_GT(checked.size(), 100u);
}

TEST(OpHarnessCoverage, AllowlistedOpsAreRegistered) {
  for (const auto& [op, reason] : Allowlist()) {
    EXPECT_NE(OpRegistry::Global().Find(op), nullptr)
        << op << " is allowlisted (" << reason << ") but no longer registered";
  }
}

}  // namespace
}  // namespace tfmodel

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  // One test per op that has cases, so a failure names the op.
  const tfmodel::Cases& cases = tfmodel::LoadCases();
  std::set<std::string> ops;
  if (cases.error.empty()) {
    for (const auto& c : cases.doc["cases"]) ops.insert(c.at("op").get<std::string>());
  }
  for (const std::string& op : ops) {
    testing::RegisterTest("OpHarness", op.c_str(), nullptr, nullptr, __FILE__, __LINE__,
                          [op]() -> testing::Test* { return new tfmodel::OpCasesTest(op); });
  }
  return RUN_ALL_TESTS();
}
