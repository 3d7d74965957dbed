// Gradient check cases: element-wise math (with the driver's static and dynamic un-broadcasting),
// matmul, reductions, scans, segment sums.
#include "src/train/grad/gradient_check.h"

namespace tfmodel::gradcheck {
namespace {

using Gen = std::function<Tensor(const std::vector<int64_t>&)>;

Gen Uniform(double lo, double hi) {
  return [=](const std::vector<int64_t>& s) { return Rand(s, lo, hi); };
}
Gen Away(double lo, double hi, std::vector<double> kinks, double gap = 0.1) {
  return [=](const std::vector<int64_t>& s) { return RandAway(s, lo, hi, kinks, gap); };
}

// A binary broadcasting op over same shapes, static broadcasts (row, both sides, scalar) and
// unknown shapes (the driver's BroadcastGradientArgs path).
void Binary(std::vector<GradCase>& cases, const std::string& op, Gen gx, Gen gy) {
  auto build = [op](const Ins& in) { return Outs{Op(op, {in[0], in[1]})}; };
  cases.push_back({op + ".same_shape", op, {X(gx({2, 3})), X(gy({2, 3}))}, build});
  cases.push_back({op + ".broadcast_row", op, {X(gx({2, 3})), X(gy({3}))}, build});
  cases.push_back({op + ".broadcast_both", op, {X(gx({2, 1})), X(gy({1, 3}))}, build});
  cases.push_back({op + ".scalar", op, {X(gx({})), X(gy({2, 2}))}, build});
  cases.push_back({op + ".dynamic", op, {XDyn(gx({2, 3})), XDyn(gy({3}))}, build});
  cases.push_back({op + ".dynamic_both", op, {XDyn(gx({1, 3})), X(gy({2, 1}))}, build});
}

void Unary(std::vector<GradCase>& cases, const std::string& op, Gen gx) {
  auto build = [op](const Ins& in) { return Outs{Op(op, {in[0]})}; };
  cases.push_back({op, op, {X(gx({2, 3}))}, build});
  cases.push_back({op + ".dynamic", op, {XDyn(gx({4}))}, build});
}

AttrValue B(bool v) { return BoolAttr(v); }

// A reduction with constant axes.
GradCase Reduction(const std::string& op, const std::string& variant, Tensor x, std::vector<int64_t> axes,
                   bool keep, bool dynamic = false) {
  const std::vector<int64_t> axes_shape = {static_cast<int64_t>(axes.size())};
  return {op + "." + variant, op, {dynamic ? XDyn(x) : X(x), C(Ints(axes, axes_shape))},
          [op, keep](const Ins& in) {
            return Outs{Op(op, in, {{"keep_dims", B(keep)}, {"Tidx", TypeAttr(DataType::kInt32)}})};
          }};
}

void Reductions(std::vector<GradCase>& cases, const std::string& op, std::function<Tensor(std::vector<int64_t>)> gen) {
  cases.push_back(Reduction(op, "all", gen({2, 3}), {0, 1}, false));
  cases.push_back(Reduction(op, "axis1_keep_dims", gen({2, 3, 2}), {1}, true));
  cases.push_back(Reduction(op, "negative_axis", gen({2, 3}), {-1}, false));
  cases.push_back(Reduction(op, "two_axes", gen({2, 2, 3}), {0, 2}, false));
  cases.push_back(Reduction(op, "dynamic_shape", gen({2, 3}), {1}, false, /*dynamic=*/true));
  cases.push_back(Reduction(op, "dynamic_keep_dims", gen({3, 2}), {-2}, true, /*dynamic=*/true));
  // A scalar of unknown rank, no axes: TF's reduced_shape divides by the rank 0 (see KeptShapeDynamic).
  cases.push_back(Reduction(op, "scalar_unknown_rank", gen({}), {}, false, /*dynamic=*/true));
  // Axes fed at run time: the rule cannot read them while building.
  cases.push_back({op + ".fed_axes", op, {X(gen({2, 3})), Fed(Ints({0}, {1}))}, [op](const Ins& in) {
                     return Outs{Op(op, in, {{"keep_dims", B(false)}, {"Tidx", TypeAttr(DataType::kInt32)}})};
                   }});
}

GradCase Scan(const std::string& op, bool exclusive, bool reverse, int axis, Gen gen) {
  std::string name = op + (exclusive ? ".exclusive" : ".inclusive") + (reverse ? "_reverse" : "") +
                     ".axis" + std::to_string(axis);
  return {name, op, {X(gen({2, 3})), C(IntScalar(axis))}, [op, exclusive, reverse](const Ins& in) {
            return Outs{Op(op, in, {{"exclusive", B(exclusive)}, {"reverse", B(reverse)}, {"Tidx", TypeAttr(DataType::kInt32)}})};
          }};
}

GradCase MatMulCase(bool ta, bool tb) {
  std::vector<int64_t> a = ta ? std::vector<int64_t>{3, 2} : std::vector<int64_t>{2, 3};
  std::vector<int64_t> b = tb ? std::vector<int64_t>{4, 3} : std::vector<int64_t>{3, 4};
  return {std::string("MatMul.ta") + (ta ? "1" : "0") + "_tb" + (tb ? "1" : "0"), "MatMul", {X(Rand(a)), X(Rand(b))},
          [ta, tb](const Ins& in) { return Outs{Op("MatMul", in, {{"transpose_a", B(ta)}, {"transpose_b", B(tb)}})}; }};
}

GradCase BatchMatMulCase(const std::string& op, std::vector<int64_t> x, std::vector<int64_t> y, bool ax, bool ay,
                         const std::string& variant) {
  return {op + "." + variant, op, {X(Rand(x)), X(Rand(y))},
          [op, ax, ay](const Ins& in) { return Outs{Op(op, in, {{"adj_x", B(ax)}, {"adj_y", B(ay)}})}; }};
}

GradCase BatchMatMulV3Case(std::vector<int64_t> x, std::vector<int64_t> y, bool ax, bool ay, const std::string& variant,
                           DataType t = DataType::kDouble, bool dynamic = false) {
  auto in = [dynamic](Tensor v) { return dynamic ? XDyn(std::move(v)) : X(std::move(v)); };
  return {"BatchMatMulV3." + variant, "BatchMatMulV3", {in(Rand(x, -1, 1, t)), in(Rand(y, -1, 1, t))},
          [ax, ay, t](const Ins& in) {
            return Outs{Op("BatchMatMulV3", in, {{"adj_x", B(ax)}, {"adj_y", B(ay)}, {"Ta", TypeAttr(t)},
                                                 {"Tb", TypeAttr(t)}, {"Tout", TypeAttr(t)}})};
          }};
}

// Einsum over operands of the given shapes (XDyn: unknown shapes).
GradCase EinsumCase(const std::string& equation, std::vector<std::vector<int64_t>> shapes, bool dynamic = false,
                    const std::string& expect_error = "", const std::string& not_in_tf = "",
                    DataType t = DataType::kDouble) {
  std::vector<In> inputs;
  for (const auto& s : shapes) inputs.push_back(dynamic ? XDyn(Rand(s, -1, 1, t)) : X(Rand(s, -1, 1, t)));
  const std::string variant = std::string(dynamic ? ".dynamic" : "") + (t == DataType::kFloat ? ".float" : "");
  GradCase c{"Einsum." + equation + variant, "Einsum", inputs, [equation](const Ins& in) {
               return Outs{Op("Einsum", in, {{"equation", StringAttr(equation)},
                                             {"N", IntAttr(static_cast<int64_t>(in.size()))}})};
             }};
  c.expect_error = expect_error;
  c.not_in_tf = not_in_tf;
  return c;
}

}  // namespace

void AddMathCases(std::vector<GradCase>& cases) {
  // ---- binary, broadcasting ----
  Binary(cases, "Add", Uniform(-1, 1), Uniform(-1, 1));
  Binary(cases, "AddV2", Uniform(-1, 1), Uniform(-1, 1));
  Binary(cases, "Sub", Uniform(-1, 1), Uniform(-1, 1));
  Binary(cases, "Mul", Uniform(-1, 1), Uniform(-1, 1));
  Binary(cases, "RealDiv", Uniform(-1, 1), Away(-2, 2, {0}, 0.5));
  Binary(cases, "Div", Uniform(-1, 1), Away(-2, 2, {0}, 0.5));
  Binary(cases, "DivNoNan", Uniform(-1, 1), Away(-2, 2, {0}, 0.5));
  Binary(cases, "MulNoNan", Uniform(-1, 1), Away(-2, 2, {0}, 0.2));
  // |x| in [1, 2], |y| <= 0.5: no ties, and both sides win somewhere.
  Binary(cases, "Maximum", Away(-2, 2, {0}, 1.0), Uniform(-0.5, 0.5));
  Binary(cases, "Minimum", Away(-2, 2, {0}, 1.0), Uniform(-0.5, 0.5));
  Binary(cases, "SquaredDifference", Uniform(-1, 1), Uniform(-1, 1));
  Binary(cases, "Pow", Uniform(0.5, 2), Uniform(-1.5, 1.5));
  // x / y in +-[0.15, 0.85] or [1.15, 1.85]: away from FloorMod's jumps.
  Binary(cases, "FloorMod", [](const std::vector<int64_t>& s) { return RandAway(s, -2.5, 5.5, {0, 3, 3.3}, 0.5); },
         Uniform(3.0, 3.3));
  Binary(cases, "Xlogy", Away(-2, 2, {0}, 0.2), Uniform(0.5, 2));
  Binary(cases, "Xlog1py", Away(-2, 2, {0}, 0.2), Uniform(-0.5, 2));
  Binary(cases, "Xdivy", Away(-2, 2, {0}, 0.2), Away(-2, 2, {0}, 0.5));
  // Pow with x <= 0 somewhere: dy_ is 0 there (TF's safe log).
  cases.push_back({"Pow.integer_exponent_negative_base", "Pow", {X(Away(-2, 2, {0}, 0.3)({2, 3})), C(Values({2}, {}))},
                   [](const Ins& in) { return Outs{Op("Pow", in)}; }});

  // ---- unary ----
  Unary(cases, "Neg", Uniform(-1, 1));
  Unary(cases, "Abs", Away(-1, 1, {0}));
  Unary(cases, "Square", Uniform(-1, 1));
  Unary(cases, "Sqrt", Uniform(0.5, 2));
  Unary(cases, "Rsqrt", Uniform(0.5, 2));
  Unary(cases, "Reciprocal", Away(-2, 2, {0}, 0.5));
  Unary(cases, "Inv", Away(-2, 2, {0}, 0.5));
  Unary(cases, "Exp", Uniform(-1, 1));
  Unary(cases, "Log", Uniform(0.5, 2));
  Unary(cases, "Log1p", Uniform(-0.5, 1));
  Unary(cases, "Sign", Away(-1, 1, {0}));
  Unary(cases, "Sigmoid", Uniform(-2, 2));
  Unary(cases, "Tanh", Uniform(-2, 2));
  cases.push_back({"Cast.float_to_double", "Cast", {X(Rand({2, 3}, -1, 1, DataType::kFloat))}, [](const Ins& in) {
                     return Outs{Cast(in[0], DataType::kDouble)};
                   }});
  cases.push_back({"Cast.double_to_float", "Cast", {X(Rand({2, 3}))}, [](const Ins& in) {
                     return Outs{Cast(in[0], DataType::kFloat)};
                   }, /*eps=*/1e-3, /*tol=*/1e-4});
  for (const char* op : {"Identity", "Snapshot", "PlaceholderWithDefault", "EnsureShape", "RefIdentity"}) {
    std::string name = op;
    cases.push_back({name, name, {X(Rand({2, 3}))}, [name](const Ins& in) {
                       if (name == "PlaceholderWithDefault") return Outs{PlaceholderWithDefault(in[0], {2, 3})};
                       if (name == "EnsureShape") return Outs{Op(name, in, {{"shape", ShapeAttr(PartialShape{false, {2, -1}})}})};
                       return Outs{Op(name, in)};
                     }});
  }
  cases.push_back({"AddN.three", "AddN", {X(Rand({2, 3})), X(Rand({2, 3})), X(Rand({2, 3}))}, [](const Ins& in) {
                     return Outs{AddN(in)};
                   }});
  cases.push_back({"AddN.same_input_twice", "AddN", {X(Rand({3}))}, [](const Ins& in) { return Outs{AddN({in[0], in[0]})}; }});
  cases.push_back({"ClipByValue.scalar_bounds", "ClipByValue",
                   {X(RandAway({2, 4}, -2, 2, {-0.5, 0.5})), X(Values({-0.5}, {})), X(Values({0.5}, {}))},
                   [](const Ins& in) { return Outs{Op("ClipByValue", in)}; }});
  cases.push_back({"ClipByValue.tensor_bounds", "ClipByValue",
                   {X(Values({-2, -0.2, 0.3, 2, 0.1, -0.05}, {2, 3})), X(Values({-1, -1, -1, 0, 0, 0}, {2, 3})),
                    X(Values({1, 1, 0, 1, 1, 1}, {2, 3}))},
                   [](const Ins& in) { return Outs{Op("ClipByValue", in)}; }});

  // ---- matmul ----
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) cases.push_back(MatMulCase(ta, tb));
  }
  for (const std::string op : {"BatchMatMulV2", "BatchMatMul"}) {
    cases.push_back(BatchMatMulCase(op, {2, 2, 3}, {2, 3, 4}, false, false, "plain"));
    cases.push_back(BatchMatMulCase(op, {2, 3, 2}, {2, 3, 4}, true, false, "adj_x"));
    cases.push_back(BatchMatMulCase(op, {2, 2, 3}, {2, 4, 3}, false, true, "adj_y"));
    cases.push_back(BatchMatMulCase(op, {2, 3, 2}, {2, 4, 3}, true, true, "adj_both"));
  }
  cases.push_back(BatchMatMulCase("BatchMatMulV2", {2, 1, 2, 3}, {3, 3, 4}, false, false, "broadcast_batch"));
  cases.push_back(BatchMatMulCase("BatchMatMulV2", {2, 3}, {2, 3, 4}, false, false, "broadcast_rank"));

  // ---- reductions ----
  Reductions(cases, "Sum", [](std::vector<int64_t> s) { return Rand(s); });
  Reductions(cases, "Mean", [](std::vector<int64_t> s) { return Rand(s); });
  Reductions(cases, "Prod", [](std::vector<int64_t> s) { return Rand(s, 0.5, 1.5); });
  Reductions(cases, "Max", [](std::vector<int64_t> s) { return Distinct(s); });
  Reductions(cases, "Min", [](std::vector<int64_t> s) { return Distinct(s); });
  cases.push_back({"Prod.with_zero", "Prod", {X(Values({1.5, 0, -2, 0.5, 3, 1}, {2, 3})), C(Ints({1}, {1}))},
                   [](const Ins& in) { return Outs{Op("Prod", in, {{"keep_dims", B(false)}, {"Tidx", TypeAttr(DataType::kInt32)}})}; }});
  cases.push_back({"L2Loss", "L2Loss", {X(Rand({2, 3}))}, [](const Ins& in) { return Outs{Op("L2Loss", in)}; }});

  // ---- scans ----
  for (const char* op : {"Cumsum", "Cumprod"}) {
    for (bool exclusive : {false, true}) {
      for (bool reverse : {false, true}) cases.push_back(Scan(op, exclusive, reverse, 1, Uniform(0.5, 1.5)));
    }
    cases.push_back(Scan(op, false, false, 0, Uniform(0.5, 1.5)));
  }

  // ---- segment sums ----
  cases.push_back({"SegmentSum", "SegmentSum", {X(Rand({5, 2})), C(Ints({0, 0, 1, 3, 3}, {5}))},
                   [](const Ins& in) { return Outs{Op("SegmentSum", in, {{"Tindices", TypeAttr(DataType::kInt32)}})}; }});
  auto unsorted = [](const Ins& in) {
    return Outs{Op("UnsortedSegmentSum", in,
                   {{"Tindices", TypeAttr(DataType::kInt32)}, {"Tnumsegments", TypeAttr(DataType::kInt32)}})};
  };
  cases.push_back({"UnsortedSegmentSum.negative_id", "UnsortedSegmentSum",
                   {X(Rand({4, 2})), C(Ints({2, -1, 0, 2}, {4})), C(IntScalar(3))}, unsorted});
  cases.push_back({"UnsortedSegmentSum.rank2_ids", "UnsortedSegmentSum",
                   {X(Rand({2, 2, 3})), C(Ints({1, 0, -1, 1}, {2, 2})), C(IntScalar(2))}, unsorted});
  cases.push_back({"UnsortedSegmentSum.vector", "UnsortedSegmentSum",
                   {X(Rand({5})), C(Ints({0, 1, 0, 3, 3}, {5})), C(IntScalar(4))}, unsorted});

  // ---- TF2 math ----
  Unary(cases, "Sin", Uniform(-3, 3));
  Unary(cases, "Cos", Uniform(-3, 3));
  Unary(cases, "Erf", Uniform(-2, 2));
  Unary(cases, "Erfc", Uniform(-2, 2));
  Unary(cases, "Expm1", Uniform(-1, 1));
  cases.push_back(BatchMatMulV3Case({2, 2, 3}, {2, 3, 4}, false, false, "plain"));
  cases.push_back(BatchMatMulV3Case({2, 3, 2}, {2, 3, 4}, true, false, "adj_x"));
  cases.push_back(BatchMatMulV3Case({2, 2, 3}, {2, 4, 3}, false, true, "adj_y"));
  cases.push_back(BatchMatMulV3Case({2, 3, 2}, {2, 4, 3}, true, true, "adj_both"));
  cases.push_back(BatchMatMulV3Case({2, 1, 2, 3}, {3, 3, 4}, false, false, "broadcast_batch"));
  cases.push_back(BatchMatMulV3Case({2, 3}, {2, 4, 3}, false, true, "broadcast_rank_adj_y"));
  cases.push_back(BatchMatMulV3Case({2, 2, 3}, {3, 4}, false, false, "float", DataType::kFloat));
  cases.push_back(BatchMatMulV3Case({2, 1, 2, 3}, {3, 4, 3}, false, true, "broadcast_dynamic", DataType::kDouble, true));

  // ---- einsum: two operands ----
  cases.push_back(EinsumCase("ij,jk->ik", {{2, 3}, {3, 4}}));
  cases.push_back(EinsumCase("abc,cd->abd", {{2, 2, 3}, {3, 2}}, false, "", "", DataType::kFloat));
  cases.push_back(EinsumCase("ij,jk->ki", {{2, 3}, {3, 4}}));
  cases.push_back(EinsumCase("bij,bjk->bik", {{2, 2, 3}, {2, 3, 2}}));
  cases.push_back(EinsumCase("abc,cde->abde", {{2, 3, 2}, {2, 2, 3}}));        // EinsumDense
  cases.push_back(EinsumCase("aecd,abcd->acbe", {{2, 3, 2, 2}, {2, 2, 2, 2}}));  // attention scores
  cases.push_back(EinsumCase("acbe,aecd->abcd", {{2, 2, 3, 2}, {2, 2, 2, 3}}));  // attention values
  cases.push_back(EinsumCase("ij,j->i", {{2, 3}, {3}}));
  cases.push_back(EinsumCase("i,j->ij", {{2}, {3}}));
  cases.push_back(EinsumCase("ij,ij->", {{2, 3}, {2, 3}}));
  cases.push_back(EinsumCase("ij,ij->ij", {{2, 3}, {2, 3}}));
  // Labels in one operand only (k, l): summed by the forward op, broadcast back by the gradient.
  cases.push_back(EinsumCase("ijk,jl->i", {{2, 3, 2}, {3, 2}}));
  cases.push_back(EinsumCase("ijk,jl->i", {{2, 3, 2}, {3, 2}}, /*dynamic=*/true));
  cases.push_back(EinsumCase(" ij , jk -> ik ", {{2, 3}, {3, 2}}, false, "", "TF's Einsum counts spaces as labels"));
  // ---- einsum: ellipsis ----
  // The runtime (not TF) sums an ellipsis the output lacks.
  const std::string kEllipsisSummed = "TF's Einsum requires the output to keep the dims an ellipsis covers";
  cases.push_back(EinsumCase("...ij,...jk->...ik", {{2, 2, 3}, {2, 3, 2}}));
  cases.push_back(EinsumCase("...ij,jk->...ik", {{2, 2, 2, 3}, {3, 2}}));
  cases.push_back(EinsumCase("...ij,...jk->ik", {{2, 2, 3}, {2, 3, 2}}, false, "", kEllipsisSummed));
  cases.push_back(EinsumCase("...ij,jk->ik", {{2, 2, 3}, {3, 2}}, false, "", kEllipsisSummed));  // in x only
  cases.push_back(EinsumCase("ij,...jk->...ik", {{2, 3}, {2, 3, 2}}));
  // ---- einsum: one operand ----
  cases.push_back(EinsumCase("ij->ji", {{2, 3}}));
  cases.push_back(EinsumCase("ij->i", {{2, 3}}));
  cases.push_back(EinsumCase("ij->j", {{2, 3}}, /*dynamic=*/true));
  cases.push_back(EinsumCase("ij->", {{2, 3}}));
  cases.push_back(EinsumCase("ij->ij", {{2, 3}}));
  cases.push_back(EinsumCase("abc->cb", {{2, 3, 2}}));
  cases.push_back(EinsumCase("...ij->...ji", {{2, 2, 3}}));
  cases.push_back(EinsumCase("...i->i", {{2, 2, 3}}, false, "", kEllipsisSummed));
  // An ellipsis of unknown rank in x only: the dims to broadcast back along are unknown.
  cases.push_back(EinsumCase("...ij,jk->ik", {{2, 2, 3}, {3, 2}}, /*dynamic=*/true, "not supported for equation"));
}

}  // namespace tfmodel::gradcheck
