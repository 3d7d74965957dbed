// The shared part of the gradient check: input generators, op-building helpers, the case list
// and the loss every check differentiates (gradient_check.h).
#include <cmath>
#include <random>

#include "src/base/logging.h"
#include "src/train/grad/gradient_check.h"

namespace tfmodel::gradcheck {

// ---- inputs ------------------------------------------------------------------------------------

namespace {

std::mt19937_64& Rng() {
  static std::mt19937_64 rng(20260101);
  return rng;
}

Shape ShapeOf(const std::vector<int64_t>& dims) {
  Result<Shape> s = Shape::Make(dims);
  TFM_CHECK(s.ok());  // a bad shape in the case table
  return s.ok() ? *s : Shape{};
}

bool IsFloat(DataType t) { return t == DataType::kFloat || t == DataType::kDouble; }

}  // namespace

Tensor Values(const std::vector<double>& v, const std::vector<int64_t>& shape, DataType dtype) {
  Result<Tensor> t = Tensor::Allocate(dtype, ShapeOf(shape));
  TFM_CHECK(t.ok() && static_cast<int64_t>(v.size()) == t->NumElements());  // the case table's bug
  SetValues(&*t, v);
  return *t;
}

Tensor Rand(const std::vector<int64_t>& shape, double lo, double hi, DataType dtype) {
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<double> v(ShapeOf(shape).NumElements());
  for (double& x : v) x = u(Rng());
  return Values(v, shape, dtype);
}

Tensor RandAway(const std::vector<int64_t>& shape, double lo, double hi, std::vector<double> kinks,
                double gap, DataType dtype) {
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<double> v(ShapeOf(shape).NumElements());
  for (double& x : v) {
    bool near = true;
    for (int tries = 0; near && tries < 1000; ++tries) {
      x = u(Rng());
      near = false;
      for (double k : kinks) near = near || std::fabs(x - k) < gap;
    }
  }
  return Values(v, shape, dtype);
}

Tensor Distinct(const std::vector<int64_t>& shape, double lo, double step, DataType dtype) {
  std::vector<double> v(ShapeOf(shape).NumElements());
  for (size_t i = 0; i < v.size(); ++i) v[i] = lo + step * static_cast<double>(i);
  std::shuffle(v.begin(), v.end(), Rng());
  return Values(v, shape, dtype);
}

Tensor Ints(const std::vector<int64_t>& v, const std::vector<int64_t>& shape, DataType dtype) {
  std::vector<double> d(v.begin(), v.end());
  return Values(d, shape, dtype);
}

Tensor IntScalar(int64_t v, DataType dtype) { return Ints({v}, {}, dtype); }

Operation OpN(std::string_view op, const Ins& in,
              std::initializer_list<std::pair<const char*, AttrValue>> attrs) {
  GraphState* g = nullptr;
  for (const Output& o : in) g = g != nullptr ? g : o.graph();
  OpBuilder b(op, "", g);
  b.Inputs(in);
  bool has_t = false;
  for (const auto& [name, value] : attrs) {
    b.Attr(name, value);
    has_t = has_t || std::string_view(name) == "T";
  }
  if (!has_t && !in.empty()) b.Attr("T", in[0].dtype());
  return b.Build();
}

Output Op(std::string_view op, const Ins& in, std::initializer_list<std::pair<const char*, AttrValue>> attrs,
          int output) {
  return OpN(op, in, attrs).output(output);
}

Outs AllOutputs(const Operation& op) {
  Outs out;
  if (!op.valid()) return {Output()};
  for (int i = 0; i < op.num_outputs(); ++i) out.push_back(op.output(i));
  return out;
}

const std::vector<GradCase>& AllCases() {
  static const std::vector<GradCase>* cases = [] {
    auto* c = new std::vector<GradCase>;
    AddMathCases(*c);
    AddNnCases(*c);
    AddArrayCases(*c);
    AddSecondOrderCases(*c);
    return c;
  }();
  return *cases;
}

std::string CaseId(const GradCase& c) {
  std::string n = c.name;
  for (char& ch : n) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return n;
}

Status BuildLoss(const GradCase& c, BuiltCase& b) {
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    const In& in = c.inputs[i];
    const std::string name = "in" + std::to_string(i);
    if (in.kind == In::kConst) {
      b.in.push_back(Const(b.g, in.value, name));
    } else if (in.unknown_shape) {
      b.in.push_back(Placeholder(b.g, in.value.dtype(), name));
    } else {
      b.in.push_back(Placeholder(b.g, in.value.dtype(), in.value.shape().dims(), name));
    }
    if (in.kind == In::kDiff) b.diff.push_back(static_cast<int>(i));
  }
  Outs ys = c.build(b.in);
  TFM_RETURN_IF_ERROR(b.g.status().WithContext("building the case"));
  bool has_op = false;
  const GraphIR& ir = b.g.state()->ir();
  for (int i = 0; i < ir.num_nodes(); ++i) has_op = has_op || ir.node(i).op == c.op;
  if (!has_op) return InvalidArgument("the case builds no " + c.op + " op");
  // Cotangents of the runtime shapes of the float outputs, from a generator of the case's own.
  Session s(b.g);
  Session::Feeds feeds;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    if (c.inputs[i].kind != In::kConst) feeds.emplace_back(b.in[i], c.inputs[i].value);
  }
  std::vector<Output> float_ys;
  for (const Output& y : ys) {
    if (IsFloat(y.dtype())) float_ys.push_back(y);
  }
  if (float_ys.empty()) return InvalidArgument("no float output to differentiate");
  TFM_ASSIGN_OR_RETURN(std::vector<Tensor> values, s.Run(feeds, float_ys));
  std::mt19937_64 rng(std::hash<std::string>{}(c.name));
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<Output> terms;
  for (size_t k = 0; k < float_ys.size(); ++k) {
    std::vector<double> v(values[k].NumElements());
    for (double& x : v) x = u(rng);
    Output cot = Const(b.g, Values(v, values[k].shape().dims()), "cotangent");
    Output y = Cast(float_ys[k], DataType::kDouble, "as_double");
    // Flattened first: a scalar output of unknown rank would otherwise reach KeptShapeDynamic.
    terms.push_back(ReduceSum(Reshape(Mul(y, cot, "weighted"), {-1}, "flat"), {0}, false, "term"));
  }
  b.loss = terms.size() == 1 ? terms[0] : AddN(terms, "loss");
  return b.g.status();
}

}  // namespace tfmodel::gradcheck
