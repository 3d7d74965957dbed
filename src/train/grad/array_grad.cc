// Gradients of shape and array ops (TF: array_grad.py): reshapes, transposes, concat/stack,
// tile, slice, gather, pad, select.
#include "src/api/op_builder.h"
#include "src/train/gradients.h"

namespace tfmodel {
namespace {

using G = const GradContext&;
using Grads = std::vector<Output>;

std::optional<std::vector<int64_t>> ConstInts(G c, int input) {
  const Tensor* t = c.graph()->ConstValue(c.input(input));
  if (t == nullptr) return std::nullopt;
  std::vector<int64_t> v;
  if (t->dtype() == DataType::kInt32) {
    for (int32_t x : t->flat<int32_t>()) v.push_back(x);
  } else if (t->dtype() == DataType::kInt64) {
    for (int64_t x : t->flat<int64_t>()) v.push_back(x);
  } else {
    return std::nullopt;
  }
  return v;
}

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
  if (!perm.has_value()) return c.Unsupported("the permutation is not a constant");
  std::vector<int64_t> inverse(perm->size());
  for (size_t i = 0; i < perm->size(); ++i) {
    if ((*perm)[i] < 0 || (*perm)[i] >= static_cast<int64_t>(perm->size())) return c.Unsupported("bad permutation");
    inverse[(*perm)[i]] = static_cast<int64_t>(i);
  }
  return {Transpose(c.grad(0), inverse, "transpose"), Output()};
}

// ---- ConcatV2(x0..xn-1, axis): dxi = slice of dy along axis -------------------------------------
Grads ConcatGrad(G c) {
  const int n = c.num_inputs() - 1;
  auto axis_v = ConstInts(c, n);
  PartialShape first = c.input(0).shape();
  if (!axis_v.has_value() || axis_v->size() != 1 || first.unknown_rank) {
    return c.Unsupported("the axis or the inputs' rank is not known while building");
  }
  const int64_t rank = static_cast<int64_t>(first.dims.size());
  const int64_t axis = (*axis_v)[0] < 0 ? (*axis_v)[0] + rank : (*axis_v)[0];
  Grads out(c.num_inputs());
  // Offsets along the axis, from static sizes when every input has one, else ConcatOffset.
  bool static_sizes = true;
  for (int i = 0; i < n; ++i) {
    PartialShape s = c.input(i).shape();
    static_sizes = static_sizes && !s.unknown_rank && s.dims[axis] >= 0;
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
  std::vector<Output> shapes;
  for (int i = 0; i < n; ++i) shapes.push_back(ShapeOf(c.input(i), DataType::kInt32, "Shape"));
  Operation offsets = OpBuilder("ConcatOffset", "ConcatOffset", c.graph())
                          .Input(Int32Scalar(c.graph(), axis, "axis"))
                          .Inputs(shapes)
                          .Attr("N", static_cast<int64_t>(n))
                          .Attr("shape_type", DataType::kInt32)
                          .Build();
  for (int i = 0; i < n; ++i) {
    out[i] = OpBuilder("Slice", "Slice", c.graph())
                 .Input(c.grad(0))
                 .Input(offsets.output(i))
                 .Input(shapes[i])
                 .Attr("T", c.grad(0).dtype())
                 .Attr("Index", DataType::kInt32)
                 .Out();
  }
  return out;
}

// ---- Pack(values, axis): dvalues = unstack(dy, axis); Unpack: dx = stack(dys, axis) -------------
Grads PackGrad(G c) {
  return Unstack(c.grad(0), c.num_inputs(), c.IntAttr("axis"), "unstack");
}

Grads UnpackGrad(G c) {
  std::vector<Output> parts;
  const int n = static_cast<int>(c.IntAttr("num"));
  for (int i = 0; i < n; ++i) parts.push_back(c.GradOrZeros(i));
  return {Stack(parts, c.IntAttr("axis"), "stack")};
}

// ---- Tile(x, multiples): sum dy over the tiled copies --------------------------------------------
Grads TileGrad(G c) {
  PartialShape s = c.input(0).shape();
  auto m = ConstInts(c, 1);
  if (!s.IsFullyDefined() || !m.has_value() || m->size() != s.dims.size()) {
    return c.Unsupported("the input shape and multiples must be known while building");
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
  if (!s.IsFullyDefined() || !gs.IsFullyDefined() || !begin.has_value()) {
    return c.Unsupported("the shapes and begin must be known while building");
  }
  std::vector<std::pair<int64_t, int64_t>> pads;
  for (size_t i = 0; i < s.dims.size(); ++i) {
    pads.emplace_back((*begin)[i], s.dims[i] - (*begin)[i] - gs.dims[i]);
  }
  return {Pad(c.grad(0), pads, "Pad"), Output(), Output()};
}

// ---- Pad(x, paddings): dx = slice of dy ----------------------------------------------------------
Grads PadGrad(G c) {
  PartialShape s = c.input(0).shape();
  auto p = ConstInts(c, 1);
  if (!s.IsFullyDefined() || !p.has_value()) return c.Unsupported("the shapes and paddings must be known while building");
  std::vector<int64_t> begin;
  for (size_t i = 0; i < s.dims.size(); ++i) begin.push_back((*p)[2 * i]);
  Grads out(c.num_inputs());
  out[0] = Slice(c.grad(0), begin, s.dims, "Slice");
  return out;
}

// ---- GatherV2(params, indices, axis 0): dparams = unsorted_segment_sum(dy, indices, rows) --------
Grads GatherGrad(G c) {
  auto axis = ConstInts(c, 2);
  PartialShape p = c.input(0).shape();
  if (!axis.has_value() || axis->size() != 1 || (*axis)[0] != 0 || p.unknown_rank || p.dims.empty() ||
      p.dims[0] < 0) {
    return c.Unsupported("only axis 0 of params with a known first dimension is supported");
  }
  Output indices = c.input(1);
  PartialShape is = indices.shape();
  Output flat_indices = Reshape(indices, {-1}, "Reshape");
  std::vector<int64_t> values_shape = {-1};
  values_shape.insert(values_shape.end(), p.dims.begin() + 1, p.dims.end());
  Output values = Reshape(c.grad(0), values_shape, "Reshape_1");
  Output dparams = OpBuilder("UnsortedSegmentSum", "UnsortedSegmentSum", c.graph())
                       .Input(values)
                       .Input(flat_indices)
                       .Input(Int32Scalar(c.graph(), p.dims[0], "num_segments"))
                       .Attr("T", values.dtype())
                       .Attr("Tindices", indices.dtype())
                       .Attr("Tnumsegments", DataType::kInt32)
                       .Out();
  (void)is;
  return {dparams, Output(), Output()};
}

// ---- SelectV2(c, t, e): dt = c ? dy : 0, de = c ? 0 : dy (un-broadcast by the driver) -----------
Grads SelectGrad(G c) {
  Output zeros = ZerosLike(c.grad(0), "zeros_like");
  return {Output(), Select(c.input(0), c.grad(0), zeros, "SelectV2"),
          Select(c.input(0), zeros, c.grad(0), "SelectV2_1")};
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
  r.Add({.op = "SelectV2", .fn = SelectGrad, .unbroadcast = true});
  r.Add({"Select", SelectGrad});
  r.Add({"Fill", FillGrad});
}

}  // namespace tfmodel
