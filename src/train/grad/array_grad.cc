// Gradients of shape and array ops (TF: array_grad.py): reshapes, transposes, concat/stack,
// tile, slice, gather, pad, select.
#include "src/api/op_builder.h"
#include "src/train/grad/grad_util.h"
#include "src/train/gradients.h"

namespace tfmodel {
namespace {

using G = const GradContext&;
using Grads = std::vector<Output>;

using grad::ConstInts;

// dy reshaped back to x's shape (static when known).
Output ReshapeLike(const Output& dy, const Output& x) {
  PartialShape s = x.shape();
  if (s.IsFullyDefined()) return Reshape(dy, s.dims, "Reshape");
  return Reshape(dy, ShapeOf(x, DataType::kInt32, "Shape"), "Reshape");
}

// ---- Reshape, Squeeze, ExpandDims: dx = reshape(dy, shape(x)) ------------------------------------
Grads ReshapeGrad(G c) {
  Grads out(c.num_inputs());
  out[0] = ReshapeLike(c.grad(0), c.input(0));
  return out;
}

// ---- Transpose(x, perm): dx = transpose(dy, inverse(perm)) ----------------------------------------
Grads TransposeGrad(G c) {
  auto perm = ConstInts(c, 1);
  if (!perm.has_value()) {
    Output inverse = OpBuilder("InvertPermutation", "InvertPermutation", c.graph())
                         .Input(c.input(1))
                         .Attr("T", c.input(1).dtype())
                         .Out();
    return {grad::TransposeT(c.grad(0), inverse, "transpose"), Output()};
  }
  std::vector<int64_t> inverse(perm->size(), -1);
  for (size_t i = 0; i < perm->size(); ++i) {
    const int64_t p = (*perm)[i];
    if (p < 0 || p >= static_cast<int64_t>(perm->size()) || inverse[p] >= 0) return c.Unsupported("bad permutation");
    inverse[p] = static_cast<int64_t>(i);
  }
  return {Transpose(c.grad(0), inverse, "transpose"), Output()};
}

// ---- ConcatV2(x0..xn-1, axis): dxi = slice of dy along axis -------------------------------------
// Offsets along the axis from static sizes when the rank, the axis and every size are known,
// else from ConcatOffset(axis mod rank(x0), shapes) in the graph.
Grads ConcatGrad(G c) {
  const int n = c.num_inputs() - 1;
  if (n < 1) return c.Unsupported("no values");
  auto axis_v = ConstInts(c, n);
  PartialShape first = c.input(0).shape();
  Grads out(c.num_inputs());
  Output axis_t;
  if (axis_v.has_value() && axis_v->size() == 1 && !first.unknown_rank) {
    const int64_t rank = static_cast<int64_t>(first.dims.size());
    const int64_t axis = (*axis_v)[0] < 0 ? (*axis_v)[0] + rank : (*axis_v)[0];
    if (axis < 0 || axis >= rank) return c.Unsupported("the axis is out of range");
    bool static_sizes = true;
    for (int i = 0; i < n; ++i) {
      PartialShape s = c.input(i).shape();
      static_sizes = static_sizes && !s.unknown_rank && static_cast<int64_t>(s.dims.size()) == rank &&
                     s.dims[axis] >= 0;
    }
    if (static_sizes) {
      int64_t offset = 0;
      for (int i = 0; i < n; ++i) {
        PartialShape s = c.input(i).shape();
        std::vector<int64_t> begin(rank, 0), size(rank, -1);
        begin[axis] = offset;
        size[axis] = s.dims[axis];
        out[i] = Slice(c.grad(0), begin, size, "Slice");
        offset += s.dims[axis];
      }
      return out;
    }
    axis_t = Int32Scalar(c.graph(), axis, "axis");
  } else {
    Output rank = Rank(c.input(0), "Rank");
    axis_t = FloorMod(Cast(c.input(n), DataType::kInt32, "Cast"), rank, "mod");
  }
  std::vector<Output> shapes;
  for (int i = 0; i < n; ++i) shapes.push_back(ShapeOf(c.input(i), DataType::kInt32, "Shape"));
  Operation offsets = OpBuilder("ConcatOffset", "ConcatOffset", c.graph())
                          .Input(axis_t)
                          .Inputs(shapes)
                          .Attr("N", static_cast<int64_t>(n))
                          .Attr("shape_type", DataType::kInt32)
                          .Build();
  for (int i = 0; i < n; ++i) out[i] = grad::SliceT(c.grad(0), offsets.output(i), shapes[i], "Slice");
  return out;
}

// ---- Pack(values, axis): dvalues = unstack(dy, axis); Unpack: dx = stack(dys, axis) -------------
Grads PackGrad(G c) {
  return Unstack(c.grad(0), c.num_inputs(), c.IntAttr("axis"), "unstack");
}

Grads UnpackGrad(G c) {
  std::vector<Output> parts;
  for (int i = 0; i < c.op().num_outputs(); ++i) parts.push_back(c.GradOrZeros(i));
  return {Stack(parts, c.IntAttr("axis"), "stack")};
}

// ---- Tile(x, multiples): sum dy over the tiled copies --------------------------------------------
Grads TileGrad(G c) {
  PartialShape s = c.input(0).shape();
  auto m = ConstInts(c, 1);
  if (!s.IsFullyDefined() || !m.has_value() || m->size() != s.dims.size()) {
    // In the graph: split = reshape(transpose(stack([multiples, shape(x)])), [-1]).
    GraphState* g = c.graph();
    Output multiples = Cast(c.input(1), DataType::kInt32, "Cast");
    Output pairs = Stack({multiples, grad::ShapeI32(c.input(0))}, 0, "stack");
    Output split = Reshape(Transpose(pairs, {1, 0}, "transpose"), {-1}, "Reshape");
    Output axes = Range(Int32Scalar(g, 0, "range/start"), Size(split, DataType::kInt32, "Size"),
                        Int32Scalar(g, 2, "range/delta"), "range");
    Output sum = OpBuilder("Sum", "Sum", g)
                     .Input(Reshape(c.grad(0), split, "Reshape_1"))
                     .Input(axes)
                     .Attr("T", c.grad(0).dtype())
                     .Attr("Tidx", DataType::kInt32)
                     .Attr("keep_dims", false)
                     .Out();
    return {sum, Output()};
  }
  // Reshape dy to [m0, d0, m1, d1, ...] and sum the even axes.
  std::vector<int64_t> split, axes;
  for (size_t i = 0; i < s.dims.size(); ++i) {
    split.push_back((*m)[i]);
    split.push_back(s.dims[i]);
    axes.push_back(static_cast<int64_t>(2 * i));
  }
  Output reshaped = Reshape(c.grad(0), split, "Reshape");
  return {ReduceSum(reshaped, axes, false, "Sum"), Output()};
}

// ---- Slice(x, begin, size): dx = pad(dy) back into x's shape --------------------------------------
Grads SliceGrad(G c) {
  PartialShape s = c.input(0).shape();
  PartialShape gs = c.grad(0).shape();
  auto begin = ConstInts(c, 1);
  if (!s.IsFullyDefined() || !gs.IsFullyDefined() || !begin.has_value() || begin->size() != s.dims.size()) {
    // paddings = [begin, shape(x) - shape(y) - begin] as a [rank, 2] tensor.
    GraphState* g = c.graph();
    Output b = c.input(1);
    const DataType t = b.dtype();
    Output rank = Cast(Rank(c.input(0), "Rank"), t, "Cast");
    Output column = Stack({rank, ScalarConst(Graph(g), t, 1, "stack/1")}, 0, "stack");
    Output before = Reshape(b, column, "Reshape");
    Output after = Reshape(Sub(Sub(ShapeOf(c.input(0), t, "Shape"), ShapeOf(c.output(0), t, "Shape_1"), "sub"), b, "sub_1"),
                           column, "Reshape_1");
    Output paddings = grad::ConcatT({before, after}, Int32Scalar(g, 1, "concat/axis"), "concat");
    Output padded = OpBuilder("Pad", "Pad", g)
                        .Input(c.grad(0))
                        .Input(paddings)
                        .Attr("T", c.grad(0).dtype())
                        .Attr("Tpaddings", t)
                        .Out();
    return {padded, Output(), Output()};
  }
  std::vector<std::pair<int64_t, int64_t>> pads;
  for (size_t i = 0; i < s.dims.size(); ++i) {
    pads.emplace_back((*begin)[i], s.dims[i] - (*begin)[i] - gs.dims[i]);
  }
  return {Pad(c.grad(0), pads, "Pad"), Output(), Output()};
}

// ---- StridedSlice(x, begin, end, strides): dx = StridedSliceGrad(shape(x), begin, end, strides,
// dy) with the forward op's masks (dy scattered back into zeros) --------------------------------
Grads StridedSliceGrad(G c) {
  const DataType index = c.input(1).dtype();
  PartialShape s = c.input(0).shape();
  Output shape;
  if (s.IsFullyDefined()) {
    std::vector<double> dims(s.dims.begin(), s.dims.end());
    shape = ConstOf(c.graph(), index, dims, /*scalar=*/false, "Shape");
  } else {
    shape = ShapeOf(c.input(0), index, "Shape");
  }
  OpBuilder b("StridedSliceGrad", "StridedSliceGrad", c.graph());
  b.Input(shape).Input(c.input(1)).Input(c.input(2)).Input(c.input(3)).Input(c.grad(0));
  b.Attr("T", c.grad(0).dtype()).Attr("Index", index);
  grad::CopyAttrs(b, c, {"begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask"});
  return {b.Out(), Output(), Output(), Output()};
}

// ---- Split(axis, x) / SplitV(x, sizes, axis): dx = concat(dys, axis) (zeros for unused parts) --
Grads SplitGrad(G c) {
  std::vector<Output> parts;
  for (int i = 0; i < c.op().num_outputs(); ++i) parts.push_back(c.GradOrZeros(i));
  return {Output(), grad::ConcatT(parts, c.input(0), "concat")};
}

Grads SplitVGrad(G c) {
  std::vector<Output> parts;
  for (int i = 0; i < c.op().num_outputs(); ++i) parts.push_back(c.GradOrZeros(i));
  return {grad::ConcatT(parts, c.input(2), "concat"), Output(), Output()};
}

// ---- Pad(x, paddings): dx = slice of dy ----------------------------------------------------------
Grads PadGrad(G c) {
  PartialShape s = c.input(0).shape();
  auto p = ConstInts(c, 1);
  Grads out(c.num_inputs());
  if (!s.IsFullyDefined() || !p.has_value() || p->size() != 2 * s.dims.size()) {
    // begin = paddings[:, 0], size = shape(x).
    Output paddings = c.input(1);
    const DataType t = paddings.dtype();
    Output rank = Cast(Rank(c.input(0), "Rank"), DataType::kInt32, "Cast");
    Output column = grad::SliceT(paddings, Int32Vector(c.graph(), {0, 0}, "Slice/begin"),
                                 Stack({rank, Int32Scalar(c.graph(), 1, "stack/1")}, 0, "stack"), "Slice");
    Output begin = Cast(Reshape(column, {-1}, "Reshape"), DataType::kInt32, "Cast_1");
    out[0] = grad::SliceT(c.grad(0), begin, grad::ShapeI32(c.input(0)), "Slice_1");
    (void)t;
    return out;
  }
  std::vector<int64_t> begin;
  for (size_t i = 0; i < s.dims.size(); ++i) begin.push_back((*p)[2 * i]);
  out[0] = Slice(c.grad(0), begin, s.dims, "Slice");
  return out;
}

// ---- MirrorPad(x, paddings) <-> MirrorPadGrad(dy, paddings): each the other's gradient ----------
Grads MirrorPadGrad(G c) {
  const bool forward = c.op().type() == "MirrorPad";
  std::string_view op = forward ? "MirrorPadGrad" : "MirrorPad";
  OpBuilder b(op, op, c.graph());
  b.Input(c.grad(0)).Input(c.input(1)).Attr("T", c.grad(0).dtype()).Attr("Tpaddings", c.input(1).dtype());
  grad::CopyAttrs(b, c, {"mode"});
  return {b.Out(), Output()};
}

// ---- ReverseV2(x, axis): dx = reverse(dy, axis) --------------------------------------------------
Grads ReverseGrad(G c) {
  return {OpBuilder("ReverseV2", "ReverseV2", c.graph())
              .Input(c.grad(0))
              .Input(c.input(1))
              .Attr("T", c.grad(0).dtype())
              .Attr("Tidx", c.input(1).dtype())
              .Out(),
          Output()};
}

// ---- BroadcastTo(x, shape): dx = dy summed over the broadcast axes (the driver un-broadcasts) ----
Grads BroadcastToGrad(G c) { return {c.grad(0), Output()}; }

// ---- GatherV2(params, indices, axis) / Gather(params, indices): the rows of dy summed into the
// rows of params they came from: unsorted_segment_sum(dy reshaped to [size(indices), inner...],
// flat indices, params.shape[axis]). For axis > 0 the axis is moved first and back (TF's
// transposes); batch_dims is not supported.
Grads GatherGrad(G c) {
  GraphState* g = c.graph();
  const bool v2 = c.op().type() == "GatherV2";
  if (v2 && c.IntAttr("batch_dims") != 0) return c.Unsupported("batch_dims != 0");
  int64_t axis = 0;
  if (v2) {
    auto a = ConstInts(c, 2);
    if (!a.has_value() || a->size() != 1) return c.Unsupported("the axis is not a constant");
    axis = (*a)[0];
  }
  Output params = c.input(0), indices = c.input(1), dy = c.grad(0);
  PartialShape ps = params.shape();
  if (axis != 0 && ps.unknown_rank) return c.Unsupported("axis != 0 needs the rank of params");
  const int64_t rank = ps.unknown_rank ? -1 : static_cast<int64_t>(ps.dims.size());
  if (axis < 0) axis += rank;
  if (rank >= 0 && (axis < 0 || axis >= rank)) return c.Unsupported("axis out of range");
  Output pshape = grad::ShapeI32(params, "Shape");
  Output isize = Reshape(Size(indices, DataType::kInt32, "Size"), {1}, "ExpandDims");
  Output flat_indices = Reshape(indices, isize, "Reshape");
  Output zero = Int32Scalar(g, 0, "concat/axis");
  auto dims = [&](int64_t begin, int64_t end, std::string_view name) {  // pshape[begin:end]
    return grad::SliceT(pshape, Int32Vector(g, {begin}, "Slice/begin"),
                        end < 0 ? Int32Vector(g, {-1}, "Slice/size") : Int32Vector(g, {end - begin}, "Slice/size"),
                        name);
  };
  Output rows = grad::GatherT(pshape, Int32Scalar(g, axis, "GatherV2/indices"), 0, "GatherV2");
  if (axis == 0) {
    Output values = Reshape(dy, grad::ConcatT({isize, dims(1, -1, "strided_slice")}, zero), "Reshape_1");
    Output summed = grad::UnsortedSegmentSum(values, flat_indices, rows);
    return {Reshape(summed, pshape, "Reshape_2"), Output(), Output()};
  }
  Output values_shape = grad::ConcatT({dims(0, axis, "strided_slice"), Int32Vector(g, {-1}, "concat/values_1"),
                                       dims(axis + 1, -1, "strided_slice_1")},
                                      zero, "concat_1");
  Output values = Reshape(dy, values_shape, "Reshape_1");  // [outer..., size(indices), inner...]
  std::vector<int64_t> perm = {axis}, inverse;
  for (int64_t i = 0; i < rank; ++i) {
    if (i != axis) perm.push_back(i);
  }
  for (int64_t i = 1; i <= axis; ++i) inverse.push_back(i);
  inverse.push_back(0);
  for (int64_t i = axis + 1; i < rank; ++i) inverse.push_back(i);
  Output summed = grad::UnsortedSegmentSum(Transpose(values, perm, "transpose"), flat_indices, rows);
  return {Reshape(Transpose(summed, inverse, "transpose_1"), pshape, "Reshape_2"), Output(), Output()};
}

// ---- GatherNd(params, indices) <-> ScatterNd(indices, updates, shape) -------------------------
// dparams = scatter_nd(indices, dy, shape(params));  dupdates = gather_nd(dy, indices)
Grads GatherNdGrad(G c) {
  Output indices = c.input(1);
  OpBuilder b("ScatterNd", "ScatterNd", c.graph());
  b.Input(indices).Input(c.grad(0)).Input(ShapeOf(c.input(0), indices.dtype(), "Shape"));
  b.Attr("T", c.grad(0).dtype()).Attr("Tindices", indices.dtype());
  grad::CopyAttrs(b, c, {"bad_indices_policy"});
  return {b.Out(), Output()};
}

Grads ScatterNdGrad(G c) {
  Output indices = c.input(0);
  return {Output(),
          OpBuilder("GatherNd", "GatherNd", c.graph())
              .Input(c.grad(0))
              .Input(indices)
              .Attr("Tparams", c.grad(0).dtype())
              .Attr("Tindices", indices.dtype())
              .Out(),
          Output()};
}

// ---- DynamicStitch(indices[N], data[N]): ddata_i = gather(dy, indices_i) -----------------------
Grads DynamicStitchGrad(G c) {
  const int n = c.num_inputs() / 2;
  Grads out(c.num_inputs());
  for (int i = 0; i < n; ++i) {
    out[n + i] = grad::GatherT(c.grad(0), Cast(c.input(i), DataType::kInt32, "Cast"), 0, "GatherV2");
  }
  return out;
}

// ---- identities with a purpose ---------------------------------------------------------------------
// IdentityN: each output's gradient to its input.
Grads IdentityNGrad(G c) {
  Grads out;
  for (int i = 0; i < c.num_inputs(); ++i) out.push_back(c.grad(i));
  return out;
}
// CheckNumerics(V2): the gradient is checked too, with TF's message.
Grads CheckNumericsGrad(G c) {
  const std::string message = "Not a number (NaN) or infinity (Inf) values detected in gradient. " +
                              c.StringAttr("message");
  std::string_view op = c.op().type();
  return {OpBuilder(op, op, c.graph())
              .Input(c.grad(0))
              .Attr("T", c.grad(0).dtype())
              .Attr("message", std::string_view(message))
              .Out()};
}
// EnsureShape: dx = dy.
Grads EnsureShapeGrad(G c) { return {c.grad(0)}; }
// PreventGradient: asking for its gradient is an error (TF raises LookupError).
Grads PreventGradientGrad(G c) {
  return c.Unsupported("Gradient explicitly disabled. Reason: " + c.StringAttr("message"));
}

// ---- SelectV2(c, t, e): dt = c ? dy : 0, de = c ? 0 : dy (un-broadcast by the driver) -----------
Grads SelectV2Grad(G c) {
  Output zeros = ScalarLike(c.grad(0), 0.0, "zeros");
  return {Output(), Select(c.input(0), c.grad(0), zeros, "SelectV2"),
          Select(c.input(0), zeros, c.grad(0), "SelectV2_1")};
}

// ---- Select (v1: c has t's shape or is a vector over its first axis): the same with v1 Selects --
Grads SelectGrad(G c) {
  Output zeros = ZerosLike(c.input(1), "zeros_like");
  return {Output(), grad::SelectV1(c.input(0), c.grad(0), zeros, "Select"),
          grad::SelectV1(c.input(0), zeros, c.grad(0), "Select_1")};
}

// ---- Fill(dims, value): dvalue = sum(dy) ----------------------------------------------------------
Grads FillGrad(G c) { return {Output(), ReduceSum(c.grad(0), {}, false, "Sum")}; }

}  // namespace

void RegisterArrayGradients(GradientRegistry& r) {
  r.Add({"Reshape", ReshapeGrad});
  r.Add({"Squeeze", ReshapeGrad});
  r.Add({"ExpandDims", ReshapeGrad});
  r.Add({"Transpose", TransposeGrad});
  r.Add({"ConcatV2", ConcatGrad});
  r.Add({"Pack", PackGrad});
  r.Add({"Unpack", UnpackGrad});
  r.Add({"Tile", TileGrad});
  r.Add({"Slice", SliceGrad});
  r.Add({"Pad", PadGrad});
  r.Add({"GatherV2", GatherGrad});
  r.Add({"Gather", GatherGrad});
  r.Add({"GatherNd", GatherNdGrad});
  r.Add({"ScatterNd", ScatterNdGrad});
  r.Add({"DynamicStitch", DynamicStitchGrad});
  r.Add({"ParallelDynamicStitch", DynamicStitchGrad});
  r.Add({"StridedSlice", StridedSliceGrad});
  r.Add({"Split", SplitGrad});
  r.Add({"SplitV", SplitVGrad});
  r.Add({"PadV2", PadGrad});
  r.Add({"MirrorPad", MirrorPadGrad});
  r.Add({"MirrorPadGrad", MirrorPadGrad});
  r.Add({"ReverseV2", ReverseGrad});
  r.Add({.op = "BroadcastTo", .fn = BroadcastToGrad, .unbroadcast = true});
  r.Add({"IdentityN", IdentityNGrad});
  r.Add({"CheckNumerics", CheckNumericsGrad});
  r.Add({"CheckNumericsV2", CheckNumericsGrad});
  r.Add({"EnsureShape", EnsureShapeGrad});
  r.Add({"PreventGradient", PreventGradientGrad});
  r.Add({.op = "SelectV2", .fn = SelectV2Grad, .unbroadcast = true});
  r.Add({"Select", SelectGrad});
  r.Add({"Fill", FillGrad});
}

}  // namespace tfmodel
