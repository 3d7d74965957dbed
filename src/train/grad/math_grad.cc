// Gradients of element-wise math, matmul and reductions (TF: math_grad.py). Rules of
// broadcasting ops return output-shaped gradients; the driver un-broadcasts them.
#include "src/api/op_builder.h"
#include "src/train/grad/grad_util.h"
#include "src/train/gradients.h"

namespace tfmodel {
namespace {

using grad::G;
using grad::Grads;
using grad::Op2;

// Conjugation is the identity for real dtypes, which is all the runtime differentiates.

// ---- pass-through ops: dx = dy ----------------------------------------------------------------
Grads IdentityGrad(G c) { return {c.grad(0)}; }

// ---- Add/Sub: dx = dy, dy_ = +-dy ----------------------------------------------------------------
Grads AddGrad(G c) { return {c.grad(0), c.grad(0)}; }
Grads SubGrad(G c) { return {c.grad(0), Neg(c.grad(0), "Neg")}; }

// ---- Mul: dx = dy * y, dy_ = x * dy ---------------------------------------------------------------
Grads MulGrad(G c) {
  return {Mul(c.grad(0), c.input(1), "Mul"), Mul(c.input(0), c.grad(0), "Mul_1")};
}

// ---- RealDiv: dx = dy / y, dy_ = dy * (-x / y^2) --------------------------------------------------
Grads RealDivGrad(G c) {
  Output x = c.input(0), y = c.input(1), dy = c.grad(0);
  Output dx = RealDiv(dy, y, "RealDiv");
  Output t = RealDiv(RealDiv(Neg(x, "Neg"), y, "RealDiv_1"), y, "RealDiv_2");
  return {dx, Mul(dy, t, "mul")};
}

// ---- DivNoNan: dx = div_no_nan(dy, y), dy_ = dy * div_no_nan(div_no_nan(-x, y), y) -------------
Grads DivNoNanGrad(G c) {
  Output x = c.input(0), y = c.input(1), dy = c.grad(0);
  Output dx = DivNoNan(dy, y, "div_no_nan");
  Output t = DivNoNan(DivNoNan(Neg(x, "Neg"), y, "div_no_nan_1"), y, "div_no_nan_2");
  return {dx, Mul(dy, t, "mul")};
}

// ---- Maximum/Minimum: the gradient goes to the selected side (x on ties) -------------------------
Grads MaxMinGrad(G c, bool is_max) {
  Output x = c.input(0), y = c.input(1), dy = c.grad(0);
  Output xmask = is_max ? GreaterEqual(x, y, "GreaterEqual") : LessEqual(x, y, "LessEqual");
  Output zeros = ZerosLike(dy, "zeros_like");
  return {Select(xmask, dy, zeros, "SelectV2"), Select(xmask, zeros, dy, "SelectV2_1")};
}
Grads MaximumGrad(G c) { return MaxMinGrad(c, true); }
Grads MinimumGrad(G c) { return MaxMinGrad(c, false); }

// ---- SquaredDifference: dx = 2 (x - y) dy, dy_ = -dx ------------------------------------------------
Grads SquaredDifferenceGrad(G c) {
  Output x = c.input(0), y = c.input(1), dy = c.grad(0);
  Output two = ScalarLike(dy, 2.0, "scalar");
  Output xg = Mul(Mul(two, dy, "Mul"), Sub(x, y, "sub"), "mul_1");
  return {xg, Neg(xg, "Neg")};
}

// ---- Pow: dx = dy y x^(y-1), dy_ = dy z log(x) (0 where x <= 0; log of 1 there, so its own
// gradient stays finite) --------------------------------------------------------------------------
Grads PowGrad(G c) {
  Output x = c.input(0), y = c.input(1), z = c.output(0), dy = c.grad(0);
  Output gx = Mul(Mul(dy, y, "mul"), Pow(x, Sub(y, ScalarLike(y, 1.0, "sub/y"), "sub"), "Pow"), "mul_1");
  Output mask = Greater(x, ZerosLike(x, "zeros_like"), "Greater");
  Output safe_x = Select(mask, x, OnesLike(x, "ones_like"), "SelectV2");
  Output log_x = Select(mask, Log(safe_x, "Log"), ZerosLike(x, "zeros_like_1"), "SelectV2_1");
  return {gx, Mul(Mul(dy, z, "mul_2"), log_x, "mul_3")};
}

// ---- FloorMod: z = x - floor(x / y) y;  dx = dy, dy_ = -dy floor(x / y) ----------------------------
Grads FloorModGrad(G c) {
  Output dy = c.grad(0);
  return {dy, Mul(dy, Neg(FloorDiv(c.input(0), c.input(1), "floordiv"), "Neg"), "mul")};
}

// ---- MulNoNan: z = y == 0 ? 0 : x y;  dx = mul_no_nan(dy, y), dy_ = mul_no_nan(x, dy) ---------------
Grads MulNoNanGrad(G c) {
  return {Op2(c, "MulNoNan", c.grad(0), c.input(1)), Op2(c, "MulNoNan", c.input(0), c.grad(0))};
}

// ---- Xlogy, Xlog1py, Xdivy: z = x == 0 ? 0 : x f(y). With nz = (x != 0):
//   xlogy:   dx = dy xlogy(nz, y),    dy_ = dy xdivy(x, y)
//   xlog1py: dx = dy xlog1py(nz, y),  dy_ = dy xdivy(x, y + 1)
//   xdivy:   dx = dy xdivy(nz, y),    dy_ = dy xdivy(-x, y^2)
Grads XopGrad(G c, std::string_view op) {
  Output x = c.input(0), y = c.input(1), dy = c.grad(0);
  Output nz = Cast(NotEqual(x, ZerosLike(x, "zeros_like"), "NotEqual"), x.dtype(), "Cast");
  Output partial_x = Op2(c, op, nz, y);
  Output partial_y;
  if (op == "Xlogy") {
    partial_y = Op2(c, "Xdivy", x, y);
  } else if (op == "Xlog1py") {
    partial_y = Op2(c, "Xdivy", x, Add(y, ScalarLike(y, 1.0, "add/y"), "add"));
  } else {
    partial_y = Op2(c, "Xdivy", Neg(x, "Neg"), Square(y, "Square"));
  }
  return {Mul(partial_x, dy, "mul"), Mul(partial_y, dy, "mul_1")};
}
Grads XlogyGrad(G c) { return XopGrad(c, "Xlogy"); }
Grads Xlog1pyGrad(G c) { return XopGrad(c, "Xlog1py"); }
Grads XdivyGrad(G c) { return XopGrad(c, "Xdivy"); }

// ---- ClipByValue(x, lo, hi): z = min(max(x, lo), hi);  dx = dy where lo <= x <= hi, dlo = dy
// where x < lo, dhi = dy where x > hi (lo and hi un-broadcast by the driver) -------------------------
Grads ClipByValueGrad(G c) {
  Output x = c.input(0), dy = c.grad(0);
  Output zeros = ZerosLike(dy, "zeros");
  Output below = Less(x, c.input(1), "Less");
  Output above = Greater(x, c.input(2), "Greater");
  return {grad::SelectV1(LogicalOr(below, above, "LogicalOr"), zeros, dy, "Select"),
          grad::SelectV1(below, dy, zeros, "Select_1"), grad::SelectV1(above, dy, zeros, "Select_2")};
}

// ---- unary ops -----------------------------------------------------------------------------------
Grads NegGrad(G c) { return {Neg(c.grad(0), "Neg")}; }
// d(x^2) = 2x dy
Grads SquareGrad(G c) {
  Output x = c.input(0);
  return {Mul(c.grad(0), Mul(ScalarLike(x, 2.0, "Const"), x, "Mul"), "Mul_1")};
}
// SqrtGrad(y, dy) = dy / (2y); RsqrtGrad(y, dy) = -dy y^3 / 2; ReciprocalGrad(y, dy) = -dy y^2
Grads SqrtGrad(G c) { return {Op2(c, "SqrtGrad", c.output(0), c.grad(0))}; }
Grads RsqrtGrad(G c) { return {Op2(c, "RsqrtGrad", c.output(0), c.grad(0))}; }
Grads ReciprocalGrad(G c) { return {Op2(c, "ReciprocalGrad", c.output(0), c.grad(0))}; }
// d exp(x) = exp(x) dy
Grads ExpGrad(G c) { return {Mul(c.grad(0), c.output(0), "mul")}; }
// d log(x) = dy / x
Grads LogGrad(G c) { return {Mul(c.grad(0), Reciprocal(c.input(0), "Reciprocal"), "mul")}; }
// d log1p(x) = dy / (1 + x)
Grads Log1pGrad(G c) {
  Output x = c.input(0);
  return {Mul(c.grad(0), Reciprocal(Add(ScalarLike(x, 1.0, "add/x"), x, "add"), "Reciprocal"), "mul")};
}
// d sign(x) = 0 (TF returns zeros, not "no gradient")
Grads SignGrad(G c) { return {ZerosLike(c.input(0), "zeros_like")}; }
// d |x| = sign(x) dy
Grads AbsGrad(G c) { return {Mul(c.grad(0), Sign(c.input(0), "Sign"), "mul")}; }
// Cast: the gradient cast back to the source dtype, when both are differentiable.
Grads CastGrad(G c) {
  DataType src = c.input(0).dtype();
  const bool floating = src == DataType::kFloat || src == DataType::kDouble ||
                        src == DataType::kHalf || src == DataType::kBFloat16;
  if (!floating) return {Output()};
  return {Cast(c.grad(0), src, "Cast")};
}

// ---- MatMul: C = op(A) op(B) ---------------------------------------------------------------------
//   plain:   dA = dC B^T,  dB = A^T dC          ta:     dA = B dC^T,  dB = A dC
//   tb:      dA = dC B,    dB = dC^T A          ta,tb:  dA = B^T dC^T, dB = dC^T A^T
Grads MatMulGrad(G c) {
  const bool ta = c.BoolAttr("transpose_a"), tb = c.BoolAttr("transpose_b");
  Output a = c.input(0), b = c.input(1), dc = c.grad(0);
  if (!ta && !tb) {
    return {MatMul(dc, b, {.transpose_b = true}, "MatMul"), MatMul(a, dc, {.transpose_a = true}, "MatMul_1")};
  }
  if (!ta && tb) return {MatMul(dc, b, {}, "MatMul"), MatMul(dc, a, {.transpose_a = true}, "MatMul_1")};
  if (ta && !tb) return {MatMul(b, dc, {.transpose_b = true}, "MatMul"), MatMul(a, dc, {}, "MatMul_1")};
  return {MatMul(b, dc, {.transpose_a = true, .transpose_b = true}, "MatMul"),
          MatMul(dc, a, {.transpose_a = true, .transpose_b = true}, "MatMul_1")};
}

// BatchMatMulV2: the same on the last two axes; batch axes un-broadcast by the driver.
Grads BatchMatMulGrad(G c) {
  const bool ax = c.BoolAttr("adj_x"), ay = c.BoolAttr("adj_y");
  Output x = c.input(0), y = c.input(1), dz = c.grad(0);
  if (!ax && !ay) return {BatchMatMul(dz, y, false, true, "MatMul"), BatchMatMul(x, dz, true, false, "MatMul_1")};
  if (!ax && ay) return {BatchMatMul(dz, y, false, false, "MatMul"), BatchMatMul(dz, x, true, false, "MatMul_1")};
  if (ax && !ay) return {BatchMatMul(y, dz, false, true, "MatMul"), BatchMatMul(x, dz, false, false, "MatMul_1")};
  return {BatchMatMul(y, dz, true, true, "MatMul"), BatchMatMul(dz, x, true, true, "MatMul_1")};
}

// ---- AddN: every input gets dy -------------------------------------------------------------------
Grads AddNGrad(G c) { return Grads(c.num_inputs(), c.grad(0)); }

// ---- reductions --------------------------------------------------------------------------------
// The input's rank and the reduced axes, when known statically.
struct ReductionInfo {
  bool known = false;
  std::vector<int64_t> kept;   // the input shape with reduced axes set to 1 (-1 = unknown dim)
  std::vector<char> reduced;   // per axis
};

ReductionInfo Reduced(G c) {
  ReductionInfo r;
  PartialShape s = c.input(0).shape();
  const std::optional<std::vector<int64_t>> axes = c.graph()->ConstInts(c.input(1));
  if (s.unknown_rank || !axes.has_value()) return r;
  const int64_t rank = static_cast<int64_t>(s.dims.size());
  r.reduced.assign(rank, 0);
  const std::vector<int64_t>& a = *axes;
  for (int64_t v : a) {
    if (v < -rank || v >= rank) return r;
    r.reduced[v < 0 ? v + rank : v] = 1;
  }
  r.kept = s.dims;
  for (int64_t i = 0; i < rank; ++i) {
    if (r.reduced[i]) r.kept[i] = 1;
  }
  r.known = true;
  return r;
}

// The input's shape with the reduced axes set to 1, computed in the graph (TF's reduced_shape):
// dynamic_stitch([range(rank), axes mod rank], [shape(x), ones]).
Output KeptShapeDynamic(G c) {
  GraphState* g = c.graph();
  Output shape = ShapeOf(c.input(0), DataType::kInt32, "Shape");
  Output rank = Size(shape, DataType::kInt32, "Size");
  Output axes = Cast(c.input(1), DataType::kInt32, "Cast");
  // (axes + rank) mod max(rank, 1): TF divides by the rank itself, which our FloorMod kernel
  // rejects for a scalar input even though its axes are empty (TF's kernel computes nothing).
  Output divisor = Maximum(rank, Int32Scalar(g, 1, "Maximum/y"), "Maximum");
  Output wrapped = FloorMod(Add(axes, rank, "add"), divisor, "mod");
  Output ones = Fill(ShapeOf(wrapped, DataType::kInt32, "Shape_1"), Int32Scalar(g, 1, "Fill/value"), "Fill");
  Output positions = Range(Int32Scalar(g, 0, "range/start"), rank, Int32Scalar(g, 1, "range/delta"), "range");
  return OpBuilder("DynamicStitch", "DynamicStitch", g)
      .Input(positions)
      .Input(wrapped)
      .Input(shape)
      .Input(ones)
      .Attr("N", int64_t{2})
      .Attr("T", DataType::kInt32)
      .Out();
}

// dy reshaped to the kept-dims shape and tiled back to the input's shape (TF's _SumGrad).
Output BroadcastBack(G c, const ReductionInfo& r, const Output& dy) {
  Output x = c.input(0);
  PartialShape s = x.shape();
  if (r.known && s.IsFullyDefined()) {
    Output reshaped = Reshape(dy, r.kept, "Reshape");
    std::vector<int64_t> multiples;
    bool any = false;
    for (size_t i = 0; i < s.dims.size(); ++i) {
      multiples.push_back(r.reduced[i] ? s.dims[i] : 1);
      any = any || multiples.back() != 1;
    }
    return any ? Tile(reshaped, multiples, "Tile") : reshaped;
  }
  Output shape = ShapeOf(x, DataType::kInt32, "Shape_2");
  Output kept;
  if (r.known) {
    // Known rank and axes, unknown dims: kept = shape(x) * keep_mask + reduced_mask.
    std::vector<int64_t> keep_mask, reduced_mask;
    for (char red : r.reduced) {
      keep_mask.push_back(red ? 0 : 1);
      reduced_mask.push_back(red ? 1 : 0);
    }
    kept = Add(Mul(shape, Int32Vector(c.graph(), keep_mask, "mask"), "mul"),
               Int32Vector(c.graph(), reduced_mask, "ones"), "add_1");
  } else {
    kept = KeptShapeDynamic(c);
  }
  Output reshaped = Reshape(dy, kept, "Reshape");
  Output multiples = FloorDiv(shape, Maximum(kept, Int32Scalar(c.graph(), 1, "Maximum/y"), "Maximum"), "floordiv");
  return OpBuilder("Tile", "Tile", c.graph())
      .Input(reshaped)
      .Input(multiples)
      .Attr("T", dy.dtype())
      .Attr("Tmultiples", DataType::kInt32)
      .Out();
}

Grads SumGrad(G c) { return {BroadcastBack(c, Reduced(c), c.grad(0)), Output()}; }

// Mean: the Sum gradient divided by the number of elements averaged.
Grads MeanGrad(G c) {
  ReductionInfo r = Reduced(c);
  Output tiled = BroadcastBack(c, r, c.grad(0));
  Output x = c.input(0);
  PartialShape s = x.shape();
  bool static_count = r.known;
  double count = 1;
  for (size_t i = 0; r.known && i < s.dims.size(); ++i) {
    if (!r.reduced[i]) continue;
    if (s.dims[i] < 0) static_count = false;
    else count *= static_cast<double>(s.dims[i]);
  }
  if (static_count) return {RealDiv(tiled, ScalarLike(tiled, count, "Const"), "truediv"), Output()};
  // count = prod(shape(x)) / prod(shape(y)), at least 1.
  Output in_size = ReduceProd(ShapeOf(x, DataType::kInt32, "Shape_3"), {}, false, "Prod");
  Output out_size = ReduceProd(ShapeOf(c.output(0), DataType::kInt32, "Shape_4"), {}, false, "Prod_1");
  Output factor = FloorDiv(in_size, Maximum(out_size, Int32Scalar(c.graph(), 1, "Maximum_1/y"), "Maximum_1"), "floordiv_1");
  return {RealDiv(tiled, Cast(factor, tiled.dtype(), "Cast_1"), "truediv"), Output()};
}

// Max/Min: dy split evenly among the elements equal to the result.
Grads MinOrMaxGrad(G c) {
  ReductionInfo r = Reduced(c);
  Output x = c.input(0);
  Output y = BroadcastBack(c, r, c.output(0));
  Output indicators = Cast(Equal(y, x, "Equal"), x.dtype(), "Cast_2");
  Output count = OpBuilder("Sum", "Sum", c.graph())
                     .Input(indicators)
                     .Input(c.input(1))
                     .Attr("T", x.dtype())
                     .Attr("Tidx", c.input(1).dtype())
                     .Attr("keep_dims", false)
                     .Out();
  Output num_selected = BroadcastBack(c, r, count);
  return {Mul(RealDiv(indicators, num_selected, "truediv"), BroadcastBack(c, r, c.grad(0)), "mul"), Output()};
}

// Prod: dx_i = dy * (product of the other reduced elements), from an exclusive cumprod from
// each side over the reduced axes moved first and flattened (TF's _ProdGrad: no division, so
// zeros in x are fine). Every shape is computed in the graph.
Grads ProdGrad(G c) {
  GraphState* g = c.graph();
  Output x = c.input(0), dy = c.grad(0);
  Output input_shape = grad::ShapeI32(x, "Shape");
  if (!c.BoolAttr("keep_dims")) dy = Reshape(dy, KeptShapeDynamic(c), "Reshape");
  dy = grad::BroadcastToT(dy, input_shape, "BroadcastTo");
  Output rank = Rank(x, "Rank");
  Output axes = Cast(Reshape(c.input(1), {-1}, "Reshape_1"), DataType::kInt32, "Cast_1");
  Output divisor = Maximum(rank, Int32Scalar(g, 1, "Maximum/y"), "Maximum");  // see KeptShapeDynamic
  Output reduced = FloorMod(Add(axes, rank, "add_1"), divisor, "mod_1");
  Output idx = Range(Int32Scalar(g, 0, "range_1/start"), rank, Int32Scalar(g, 1, "range_1/delta"), "range_1");
  Output other = OpBuilder("ListDiff", "ListDiff", g)
                     .Input(idx)
                     .Input(reduced)
                     .Attr("T", DataType::kInt32)
                     .Attr("out_idx", DataType::kInt32)
                     .Out(0);
  Output perm = grad::ConcatT({reduced, other}, Int32Scalar(g, 0, "concat/axis"), "concat");
  Output reduced_num = ReduceProd(grad::GatherT(input_shape, reduced, 0, "GatherV2"), {}, false, "Prod");
  Output other_num = ReduceProd(grad::GatherT(input_shape, other, 0, "GatherV2_1"), {}, false, "Prod_1");
  Output permuted = grad::TransposeT(x, perm, "transpose");
  Output reshaped = Reshape(permuted, Stack({reduced_num, other_num}, 0, "Reshape_2/shape"), "Reshape_2");
  Output axis0 = Int32Scalar(g, 0, "Cumprod/axis");
  Output left = grad::Cumulative("Cumprod", reshaped, axis0, true, false, "Cumprod");
  Output right = grad::Cumulative("Cumprod", reshaped, axis0, true, true, "Cumprod_1");
  Output y = Reshape(Mul(left, right, "mul"), grad::ShapeI32(permuted, "Shape_1"), "Reshape_3");
  Output inverse = OpBuilder("InvertPermutation", "InvertPermutation", g)
                       .Input(perm)
                       .Attr("T", DataType::kInt32)
                       .Out();
  Output out = Mul(dy, grad::TransposeT(y, inverse, "transpose_1"), "mul_1");
  return {Reshape(out, input_shape, "Reshape_4"), Output()};
}

// Cumsum(x, axis): dx = cumsum(dy, axis, exclusive, !reverse)
Grads CumsumGrad(G c) {
  return {grad::Cumulative("Cumsum", c.grad(0), c.input(1), c.BoolAttr("exclusive"),
                           !c.BoolAttr("reverse"), "Cumsum"),
          Output()};
}

// Cumprod(x, axis): dx = div_no_nan(cumsum(cumprod(x) dy, axis, exclusive, !reverse), x)
// (TF's formula: exact for non-zero x)
Grads CumprodGrad(G c) {
  const bool exclusive = c.BoolAttr("exclusive"), reverse = c.BoolAttr("reverse");
  Output x = c.input(0), axis = c.input(1);
  Output prod = grad::Cumulative("Cumprod", x, axis, exclusive, reverse, "Cumprod");
  Output out = grad::Cumulative("Cumsum", Mul(prod, c.grad(0), "mul"), axis, exclusive, !reverse, "Cumsum");
  return {DivNoNan(out, x, "div_no_nan"), Output()};
}

// SegmentSum(data, ids): ddata = gather(dy, ids)
Grads SegmentSumGrad(G c) { return {grad::GatherT(c.grad(0), c.input(1), 0, "GatherV2"), Output()}; }

// UnsortedSegmentSum(data, ids, n): ddata = ids >= 0 ? gather(dy, max(ids, 0)) : 0 (negative ids
// are dropped by the forward op). The id mask is reshaped to broadcast over data's inner axes.
Grads UnsortedSegmentSumGrad(G c) {
  GraphState* g = c.graph();
  Output ids = c.input(1);
  Output clipped = Maximum(ids, ZerosLike(ids, "zeros_like"), "Maximum");
  Output gathered = grad::GatherT(c.grad(0), clipped, 0, "GatherV2");
  Output positive = GreaterEqual(ids, ScalarLike(ids, 0.0, "GreaterEqual/y"), "GreaterEqual");
  Output extra = Sub(Rank(gathered, "Rank"), Rank(ids, "Rank_1"), "sub");
  Output ones = Fill(Reshape(extra, {1}, "Reshape"), Int32Scalar(g, 1, "ones/value"), "ones");
  Output mask_shape = grad::ConcatT({grad::ShapeI32(ids, "Shape"), ones}, Int32Scalar(g, 0, "concat/axis"), "concat");
  Output mask = Reshape(positive, mask_shape, "Reshape_1");
  Output zeros = ZerosLike(gathered, "zeros_like_1");
  return {Select(mask, gathered, zeros, "SelectV2"), Output(), Output()};
}

}  // namespace

void RegisterMathGradients(GradientRegistry& r) {
  for (const char* op : {"Identity", "Snapshot", "RefIdentity", "ReadVariableOp", "PlaceholderWithDefault"}) {
    r.Add({op, IdentityGrad});
  }
  // The gradient stops at these (TF's NotDifferentiable or [None] gradients).
  for (const char* op : {"StopGradient", "Floor", "Ceil", "Round", "Equal", "NotEqual",
                         "Less", "LessEqual", "Greater", "GreaterEqual", "LogicalAnd", "LogicalOr",
                         "LogicalNot", "Shape", "ShapeN", "Size", "Rank", "ZerosLike", "OnesLike",
                         "ArgMax", "ArgMin", "FloorDiv", "Range", "RandomUniform",
                         "RandomStandardNormal", "TruncatedNormal", "RandomUniformInt",
                         "BroadcastGradientArgs", "Const", "Placeholder", "VariableV2", "VarHandleOp",
                         "NoOp", "OneHot", "Where"}) {
    r.Add({op, nullptr});
  }
  r.Add({.op = "Add", .fn = AddGrad, .unbroadcast = true});
  r.Add({.op = "AddV2", .fn = AddGrad, .unbroadcast = true});
  r.Add({.op = "Sub", .fn = SubGrad, .unbroadcast = true});
  r.Add({.op = "Mul", .fn = MulGrad, .unbroadcast = true});
  r.Add({.op = "RealDiv", .fn = RealDivGrad, .unbroadcast = true});
  r.Add({.op = "Div", .fn = RealDivGrad, .unbroadcast = true});
  r.Add({.op = "DivNoNan", .fn = DivNoNanGrad, .unbroadcast = true});
  r.Add({.op = "Maximum", .fn = MaximumGrad, .unbroadcast = true});
  r.Add({.op = "Minimum", .fn = MinimumGrad, .unbroadcast = true});
  r.Add({.op = "SquaredDifference", .fn = SquaredDifferenceGrad, .unbroadcast = true});
  r.Add({.op = "Pow", .fn = PowGrad, .unbroadcast = true});
  r.Add({.op = "FloorMod", .fn = FloorModGrad, .unbroadcast = true});
  r.Add({.op = "MulNoNan", .fn = MulNoNanGrad, .unbroadcast = true});
  r.Add({.op = "Xlogy", .fn = XlogyGrad, .unbroadcast = true});
  r.Add({.op = "Xlog1py", .fn = Xlog1pyGrad, .unbroadcast = true});
  r.Add({.op = "Xdivy", .fn = XdivyGrad, .unbroadcast = true});
  r.Add({.op = "ClipByValue", .fn = ClipByValueGrad, .unbroadcast = true});
  r.Add({"Neg", NegGrad});
  r.Add({"Square", SquareGrad});
  r.Add({"Sqrt", SqrtGrad});
  r.Add({"Rsqrt", RsqrtGrad});
  r.Add({"Reciprocal", ReciprocalGrad});
  r.Add({"Inv", ReciprocalGrad});
  r.Add({"Exp", ExpGrad});
  r.Add({"Log", LogGrad});
  r.Add({"Log1p", Log1pGrad});
  r.Add({"Abs", AbsGrad});
  r.Add({"Cast", CastGrad});
  r.Add({"MatMul", MatMulGrad});
  r.Add({.op = "BatchMatMulV2", .fn = BatchMatMulGrad, .unbroadcast = true});
  r.Add({.op = "BatchMatMul", .fn = BatchMatMulGrad, .unbroadcast = true});
  r.Add({"AddN", AddNGrad});
  r.Add({"Sum", SumGrad});
  r.Add({"Mean", MeanGrad});
  r.Add({"Max", MinOrMaxGrad});
  r.Add({"Min", MinOrMaxGrad});
  r.Add({"Prod", ProdGrad});
  r.Add({"Cumsum", CumsumGrad});
  r.Add({"Cumprod", CumprodGrad});
  r.Add({"SegmentSum", SegmentSumGrad});
  r.Add({"UnsortedSegmentSum", UnsortedSegmentSumGrad});
  r.Add({"Sign", SignGrad});
}

}  // namespace tfmodel
