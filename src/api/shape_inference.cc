// Static shapes while building: what TensorFlow's shape functions would know for the common
// ops, from input shapes, attrs and constant inputs. Unknown (rank) for everything else; shapes
// only inform signatures and the builder's static shortcuts, never what runs.
#include <algorithm>
#include <set>

#include "src/api/graph_state.h"

namespace tfmodel {
namespace {

const PartialShape kUnknown{true, {}};

PartialShape Dims(std::vector<int64_t> d) { return PartialShape{false, std::move(d)}; }

// numpy broadcasting of partial shapes.
PartialShape Broadcast(const PartialShape& a, const PartialShape& b) {
  if (a.unknown_rank || b.unknown_rank) return kUnknown;
  const size_t rank = std::max(a.dims.size(), b.dims.size());
  std::vector<int64_t> out(rank, -1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.dims.size() ? 1 : a.dims[i - (rank - a.dims.size())];
    int64_t db = i < rank - b.dims.size() ? 1 : b.dims[i - (rank - b.dims.size())];
    if (da == 1) out[i] = db;
    else if (db == 1) out[i] = da;
    else if (da == db) out[i] = da;
    else if (da < 0) out[i] = db;
    else if (db < 0) out[i] = da;
    else out[i] = -1;  // incompatible: the kernel reports it when run
  }
  return Dims(out);
}

// Integer values of a constant input (int32/int64), if it is one.
std::optional<std::vector<int64_t>> ConstInts(const GraphState& g, const Node& n, int input) {
  if (input >= static_cast<int>(n.inputs.size())) return std::nullopt;
  return g.ConstInts(Output(const_cast<GraphState*>(&g), n.inputs[input].node, n.inputs[input].index));
}

const AttrValue* Attr(const Node& n, const char* name) {
  auto it = n.attrs.find(name);
  return it == n.attrs.end() ? nullptr : &it->second;
}

PartialShape ShapeAttr(const Node& n, const char* name) {
  const AttrValue* a = Attr(n, name);
  return a != nullptr && a->kind == AttrValue::Kind::kShape ? a->shape : kUnknown;
}

std::vector<int64_t> IntList(const Node& n, const char* name) {
  const AttrValue* a = Attr(n, name);
  return a != nullptr ? a->list.i : std::vector<int64_t>{};
}

std::string StringAttr(const Node& n, const char* name, const char* fallback) {
  const AttrValue* a = Attr(n, name);
  return a != nullptr && a->kind == AttrValue::Kind::kString ? a->s : fallback;
}

bool BoolAttr(const Node& n, const char* name) {
  const AttrValue* a = Attr(n, name);
  return a != nullptr && a->kind == AttrValue::Kind::kBool && a->b;
}

// Output size of a window op along one dimension (TF's GetWindowedOutputSize).
int64_t Windowed(int64_t in, int64_t k, int64_t stride, int64_t dilation, const std::string& pad) {
  if (in < 0 || stride <= 0) return -1;
  const int64_t effective = (k - 1) * dilation + 1;
  if (pad == "VALID") return in >= effective ? (in - effective + stride) / stride : 0;
  if (pad == "SAME") return (in + stride - 1) / stride;
  return -1;
}

PartialShape Reduce(const PartialShape& in, const std::optional<std::vector<int64_t>>& axes,
                    bool keep) {
  if (in.unknown_rank || !axes.has_value()) return kUnknown;
  const int64_t rank = static_cast<int64_t>(in.dims.size());
  std::set<int64_t> reduced;
  for (int64_t a : *axes) {
    if (a < -rank || a >= rank) return kUnknown;
    reduced.insert(a < 0 ? a + rank : a);
  }
  std::vector<int64_t> out;
  for (int64_t i = 0; i < rank; ++i) {
    if (!reduced.count(i)) out.push_back(in.dims[i]);
    else if (keep) out.push_back(1);
  }
  return Dims(out);
}

}  // namespace

std::vector<PartialShape> InferOpShapes(const GraphState& g, const Node& n) {
  auto in = [&](int i) -> PartialShape {
    if (i >= static_cast<int>(n.inputs.size())) return kUnknown;
    return g.OutputShape(Output(const_cast<GraphState*>(&g), n.inputs[i].node, n.inputs[i].index));
  };
  const std::string& op = n.op;
  static const std::set<std::string> kSameAsInput0 = {
      "Identity", "StopGradient", "PreventGradient", "Snapshot", "RefIdentity", "Neg", "Abs",
      "Square", "Sqrt", "Rsqrt", "Exp", "Log", "Log1p", "Sign", "Floor", "Ceil", "Round",
      "Reciprocal", "Inv", "Sigmoid", "Tanh", "Relu", "Relu6", "Elu", "Selu", "Softplus",
      "LeakyRelu", "Softmax", "LogSoftmax", "Cast", "ZerosLike", "OnesLike", "BiasAdd",
      "LogicalNot", "SigmoidGrad", "TanhGrad", "ReluGrad", "Relu6Grad", "EluGrad", "SeluGrad",
      "SoftplusGrad", "LeakyReluGrad", "RsqrtGrad", "SqrtGrad", "ReciprocalGrad", "InvGrad",
      "Assign", "AssignAdd", "AssignSub", "AddN", "ClipByValue", "CheckNumerics", "EnsureShape",
      "PlaceholderWithDefault", "Cumsum", "Cumprod", "MaxPoolGrad", "AvgPoolGrad_unused",
      "ApplyGradientDescent", "ApplyAdam", "ApplyMomentum", "ApplyRMSProp", "ApplyAdagrad",
      "ApplyCenteredRMSProp", "ApplyAdagradV2"};
  static const std::set<std::string> kBroadcasting = {
      "Add", "AddV2", "Sub", "Mul", "RealDiv", "Div", "Maximum", "Minimum", "Pow",
      "SquaredDifference", "FloorDiv", "FloorMod", "DivNoNan", "MulNoNan", "Equal", "NotEqual",
      "Less", "LessEqual", "Greater", "GreaterEqual", "LogicalAnd", "LogicalOr", "Xdivy", "Xlogy",
      "TruncateDiv"};
  if (op == "Placeholder" || op == "VariableV2" || op == "Variable") {
    PartialShape s = ShapeAttr(n, "shape");
    // Graphs from before producer 22 wrote "unknown" as a scalar shape.
    if (op == "Placeholder" && g.ir().producer() <= 21 && !s.unknown_rank && s.dims.empty()) {
      return {kUnknown};
    }
    return {s};
  }
  if (op == "PlaceholderWithDefault") {
    PartialShape s = ShapeAttr(n, "shape");
    return {s.unknown_rank ? in(0) : s};
  }
  if (op == "VarHandleOp") return {Dims({})};
  if (op == "ReadVariableOp") {
    if (!n.inputs.empty()) {
      const Node& h = g.ir().node(n.inputs[0].node);
      if (h.op == "VarHandleOp") return {ShapeAttr(h, "shape")};
    }
    return {kUnknown};
  }
  if (op == "Const") {
    const AttrValue* v = Attr(n, "value");
    if (v != nullptr && v->kind == AttrValue::Kind::kTensor) return {PartialShape::Of(v->tensor.shape())};
    return {kUnknown};
  }
  if (kSameAsInput0.count(op)) return {in(0)};
  if (kBroadcasting.count(op)) return {Broadcast(in(0), in(1))};
  if (op == "SelectV2") return {Broadcast(Broadcast(in(0), in(1)), in(2))};
  if (op == "Select") return {in(1)};
  if (op == "MatMul") {
    PartialShape a = in(0), b = in(1);
    if (a.unknown_rank || b.unknown_rank || a.dims.size() != 2 || b.dims.size() != 2) return {Dims({-1, -1})};
    const bool ta = BoolAttr(n, "transpose_a"), tb = BoolAttr(n, "transpose_b");
    return {Dims({ta ? a.dims[1] : a.dims[0], tb ? b.dims[0] : b.dims[1]})};
  }
  if (op == "BatchMatMulV2" || op == "BatchMatMul") {
    PartialShape a = in(0), b = in(1);
    if (a.unknown_rank || b.unknown_rank || a.dims.size() < 2 || b.dims.size() < 2) return {kUnknown};
    PartialShape batch = Broadcast(Dims({a.dims.begin(), a.dims.end() - 2}),
                                   Dims({b.dims.begin(), b.dims.end() - 2}));
    const bool ax = BoolAttr(n, "adj_x"), ay = BoolAttr(n, "adj_y");
    batch.dims.push_back(ax ? a.dims[a.dims.size() - 1] : a.dims[a.dims.size() - 2]);
    batch.dims.push_back(ay ? b.dims[b.dims.size() - 2] : b.dims[b.dims.size() - 1]);
    return {batch};
  }
  if (op == "Sum" || op == "Mean" || op == "Max" || op == "Min" || op == "Prod" || op == "All" ||
      op == "Any") {
    return {Reduce(in(0), ConstInts(g, n, 1), BoolAttr(n, "keep_dims"))};
  }
  if (op == "ArgMax" || op == "ArgMin") return {Reduce(in(0), ConstInts(g, n, 1), false)};
  if (op == "Shape") {
    PartialShape s = in(0);
    return {Dims({s.unknown_rank ? -1 : static_cast<int64_t>(s.dims.size())})};
  }
  if (op == "Size" || op == "Rank") return {Dims({})};
  if (op == "ShapeN") {
    std::vector<PartialShape> out;
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      PartialShape s = in(static_cast<int>(i));
      out.push_back(Dims({s.unknown_rank ? -1 : static_cast<int64_t>(s.dims.size())}));
    }
    return out;
  }
  if (op == "Reshape") {
    auto target = ConstInts(g, n, 1);
    if (!target.has_value()) return {kUnknown};
    PartialShape src = in(0);
    std::vector<int64_t> dims = *target;
    int64_t known = 1;
    int unknown_at = -1;
    for (size_t i = 0; i < dims.size(); ++i) {
      if (dims[i] < 0) unknown_at = static_cast<int>(i);
      else known *= dims[i];
    }
    if (unknown_at >= 0 && src.IsFullyDefined() && known > 0) {
      int64_t total = 1;
      for (int64_t d : src.dims) total *= d;
      dims[unknown_at] = total / known;
    }
    return {Dims(dims)};
  }
  if (op == "ExpandDims") {
    PartialShape s = in(0);
    auto axis = ConstInts(g, n, 1);
    if (s.unknown_rank || !axis.has_value() || axis->size() != 1) return {kUnknown};
    int64_t a = (*axis)[0];
    const int64_t rank = static_cast<int64_t>(s.dims.size());
    if (a < 0) a += rank + 1;
    if (a < 0 || a > rank) return {kUnknown};
    s.dims.insert(s.dims.begin() + a, 1);
    return {s};
  }
  if (op == "Squeeze") {
    PartialShape s = in(0);
    if (s.unknown_rank) return {kUnknown};
    std::vector<int64_t> axes = IntList(n, "squeeze_dims");
    const int64_t rank = static_cast<int64_t>(s.dims.size());
    std::vector<int64_t> out;
    for (int64_t i = 0; i < rank; ++i) {
      bool listed = axes.empty() ? s.dims[i] == 1
                                 : std::count(axes.begin(), axes.end(), i) + std::count(axes.begin(), axes.end(), i - rank) > 0;
      if (axes.empty() && s.dims[i] < 0) return {kUnknown};
      if (!listed) out.push_back(s.dims[i]);
    }
    return {Dims(out)};
  }
  if (op == "Transpose") {
    PartialShape s = in(0);
    auto perm = ConstInts(g, n, 1);
    if (s.unknown_rank || !perm.has_value() || perm->size() != s.dims.size()) return {kUnknown};
    std::vector<int64_t> out;
    for (int64_t p : *perm) {
      if (p < 0 || p >= static_cast<int64_t>(s.dims.size())) return {kUnknown};
      out.push_back(s.dims[p]);
    }
    return {Dims(out)};
  }
  if (op == "ConcatV2" && !n.inputs.empty()) {
    const int count = static_cast<int>(n.inputs.size()) - 1;
    auto axis = ConstInts(g, n, count);
    PartialShape first = in(0);
    if (!axis.has_value() || axis->size() != 1 || first.unknown_rank) return {kUnknown};
    const int64_t rank = static_cast<int64_t>(first.dims.size());
    int64_t a = (*axis)[0] < 0 ? (*axis)[0] + rank : (*axis)[0];
    if (a < 0 || a >= rank) return {kUnknown};
    int64_t total = 0;
    for (int i = 0; i < count; ++i) {
      PartialShape s = in(i);
      if (s.unknown_rank || static_cast<int64_t>(s.dims.size()) != rank || s.dims[a] < 0 || total < 0) {
        total = -1;
      } else {
        total += s.dims[a];
      }
    }
    first.dims[a] = total;
    return {first};
  }
  if (op == "Pack") {
    PartialShape s = in(0);
    if (s.unknown_rank) return {kUnknown};
    int64_t axis = 0;
    if (const AttrValue* a = Attr(n, "axis")) axis = a->i;
    const int64_t rank = static_cast<int64_t>(s.dims.size());
    if (axis < 0) axis += rank + 1;
    if (axis < 0 || axis > rank) return {kUnknown};
    s.dims.insert(s.dims.begin() + axis, static_cast<int64_t>(n.inputs.size()));
    return {s};
  }
  if (op == "Unpack") {
    PartialShape s = in(0);
    int64_t num = 0, axis = 0;
    if (const AttrValue* a = Attr(n, "num")) num = a->i;
    if (const AttrValue* a = Attr(n, "axis")) axis = a->i;
    if (s.unknown_rank) return std::vector<PartialShape>(num, kUnknown);
    const int64_t rank = static_cast<int64_t>(s.dims.size());
    if (axis < 0) axis += rank;
    if (axis >= 0 && axis < rank) s.dims.erase(s.dims.begin() + axis);
    return std::vector<PartialShape>(num, s);
  }
  if (op == "Tile") {
    PartialShape s = in(0);
    auto m = ConstInts(g, n, 1);
    if (s.unknown_rank || !m.has_value() || m->size() != s.dims.size()) return {kUnknown};
    for (size_t i = 0; i < s.dims.size(); ++i) s.dims[i] = s.dims[i] < 0 ? -1 : s.dims[i] * (*m)[i];
    return {s};
  }
  if (op == "Fill" || op == "RandomUniform" || op == "RandomStandardNormal" ||
      op == "TruncatedNormal" || op == "RandomUniformInt") {
    auto d = ConstInts(g, n, 0);
    return {d.has_value() ? Dims(*d) : kUnknown};
  }
  if (op == "Conv2D" || op == "DepthwiseConv2dNative" || op == "MaxPool" || op == "AvgPool") {
    PartialShape x = in(0);
    if (x.unknown_rank || x.dims.size() != 4) return {kUnknown};
    const bool nchw = StringAttr(n, "data_format", "NHWC") == "NCHW";
    const int h = nchw ? 2 : 1, w = nchw ? 3 : 2, c = nchw ? 1 : 3;
    std::vector<int64_t> strides = IntList(n, "strides");
    std::vector<int64_t> dil = IntList(n, "dilations");
    if (dil.size() != 4) dil = {1, 1, 1, 1};
    const std::string pad = StringAttr(n, "padding", "");
    if (strides.size() != 4) return {kUnknown};
    int64_t kh = 0, kw = 0, out_c = -1;
    if (op == "MaxPool" || op == "AvgPool") {
      std::vector<int64_t> k = IntList(n, "ksize");
      if (k.size() != 4) return {kUnknown};
      kh = k[h];
      kw = k[w];
      out_c = x.dims[c];
      dil = {1, 1, 1, 1};
    } else {
      PartialShape f = in(1);
      if (f.unknown_rank || f.dims.size() != 4) return {kUnknown};
      kh = f.dims[0];
      kw = f.dims[1];
      out_c = op == "Conv2D" ? f.dims[3] : (f.dims[2] < 0 || f.dims[3] < 0 ? -1 : f.dims[2] * f.dims[3]);
    }
    std::vector<int64_t> out = x.dims;
    out[h] = kh < 0 ? -1 : Windowed(x.dims[h], kh, strides[h], dil[h], pad);
    out[w] = kw < 0 ? -1 : Windowed(x.dims[w], kw, strides[w], dil[w], pad);
    out[c] = out_c;
    return {Dims(out)};
  }
  if (op == "FusedBatchNorm" || op == "FusedBatchNormV2" || op == "FusedBatchNormV3") {
    PartialShape x = in(0);
    PartialShape ch = in(1);
    std::vector<PartialShape> out = {x, ch, ch, ch, ch};
    if (op == "FusedBatchNormV3") out.push_back(kUnknown);
    return out;
  }
  if (op == "GatherV2") {
    PartialShape p = in(0), i = in(1);
    auto axis = ConstInts(g, n, 2);
    if (p.unknown_rank || i.unknown_rank || !axis.has_value() || axis->size() != 1) return {kUnknown};
    int64_t a = (*axis)[0] < 0 ? (*axis)[0] + static_cast<int64_t>(p.dims.size()) : (*axis)[0];
    if (a < 0 || a >= static_cast<int64_t>(p.dims.size())) return {kUnknown};
    std::vector<int64_t> out(p.dims.begin(), p.dims.begin() + a);
    out.insert(out.end(), i.dims.begin(), i.dims.end());
    out.insert(out.end(), p.dims.begin() + a + 1, p.dims.end());
    return {Dims(out)};
  }
  if (op == "Slice") {
    PartialShape s = in(0);
    auto begin = ConstInts(g, n, 1), size = ConstInts(g, n, 2);
    if (s.unknown_rank || !begin.has_value() || !size.has_value() || size->size() != s.dims.size()) return {kUnknown};
    std::vector<int64_t> out = *size;
    for (size_t i = 0; i < out.size(); ++i) {
      if (out[i] == -1) out[i] = s.dims[i] < 0 ? -1 : s.dims[i] - (*begin)[i];
    }
    return {Dims(out)};
  }
  if (op == "Pad" || op == "PadV2" || op == "MirrorPad") {
    PartialShape s = in(0);
    auto p = ConstInts(g, n, 1);
    if (s.unknown_rank || !p.has_value() || p->size() != 2 * s.dims.size()) return {kUnknown};
    for (size_t i = 0; i < s.dims.size(); ++i) {
      if (s.dims[i] >= 0) s.dims[i] += (*p)[2 * i] + (*p)[2 * i + 1];
    }
    return {s};
  }
  if (op == "OneHot") {
    PartialShape s = in(0);
    auto depth = ConstInts(g, n, 1);
    if (s.unknown_rank) return {kUnknown};
    int64_t axis = -1;
    if (const AttrValue* a = Attr(n, "axis")) axis = a->i;
    const int64_t d = depth.has_value() && depth->size() == 1 ? (*depth)[0] : -1;
    if (axis < 0) axis = static_cast<int64_t>(s.dims.size());
    if (axis > static_cast<int64_t>(s.dims.size())) return {kUnknown};
    s.dims.insert(s.dims.begin() + axis, d);
    return {s};
  }
  if (op == "SoftmaxCrossEntropyWithLogits" || op == "SparseSoftmaxCrossEntropyWithLogits") {
    PartialShape logits = in(0);
    if (logits.unknown_rank || logits.dims.size() != 2) return {Dims({-1}), Dims({-1, -1})};
    return {Dims({logits.dims[0]}), logits};
  }
  if (op == "BroadcastGradientArgs") return {Dims({-1}), Dims({-1})};
  if (op == "Range" || op == "Where") return {op == "Range" ? Dims({-1}) : kUnknown};
  return {};
}

}  // namespace tfmodel
