// Slicing and padding array ops: Slice, StridedSlice, Pad, PadV2, MirrorPad.
// Data movement works for every dtype in array::kMoveTypes by element size.
#include "src/runtime/kernel.h"
#include "src/runtime/kernels/all_ops.h"
#include "src/runtime/kernels/array_util.h"
#include "src/runtime/kernels/strided_slice.h"

namespace tfmodel {
namespace {

using array::Alloc;
using array::Named;
using array::ReadInts;
using Dims = std::vector<int64_t>;

Status ExpectIndex(const NodeInfo& n, int input) {
  if (input >= n.num_inputs()) return n.Error("missing input " + std::to_string(input));
  return n.ExpectType(n.input_type(input), array::kIndexTypes);
}

// y[c] = x[begin + c * step] over `dims` (the strided copy every slice op reduces to).
Result<Tensor> StridedView(const Tensor& x, const Dims& begin, const Dims& step, const Dims& dims) {
  TFM_ASSIGN_OR_RETURN(Tensor y, Alloc(x.dtype(), dims));
  if (y.NumElements() == 0) return y;
  const Dims xs = array::Strides(x.shape().dims());
  int64_t offset = 0;
  Dims src_strides(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) {
    offset += begin[i] * xs[i];
    src_strides[i] = step[i] * xs[i];
  }
  TFM_RETURN_IF_ERROR(array::DispatchElem(x.dtype(), [&](auto e) -> Status {
    using E = decltype(e);
    array::StridedCopy<E>(array::Elems<E>(x) + offset, src_strides, array::Elems<E>(y),
                          array::Strides(dims), dims);
    return Status::Ok();
  }));
  return y;
}

// ---- Slice(input, begin, size) -----------------------------------------------------------
// y = x[begin_i : begin_i + size_i] per dim; size_i = -1 means "to the end".
// dx = pad(dy, [begin, shape(x) - begin - size]).
Result<Kernel> SliceOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(3));
  TFM_RETURN_IF_ERROR(n.ExpectType(n.input_type(0), array::kMoveTypes));
  TFM_RETURN_IF_ERROR(ExpectIndex(n, 1));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(2, n.input_type(1)));
  return Kernel{
      {n.input_type(0)}, Named([](KernelContext& c) -> Status {
        const Tensor& x = c.input(0);
        TFM_ASSIGN_OR_RETURN(Dims begin, ReadInts(c.input(1)));
        TFM_ASSIGN_OR_RETURN(Dims size, ReadInts(c.input(2)));
        const int rank = x.shape().rank();
        if (c.input(1).shape().rank() != 1 || c.input(2).shape().rank() != 1 ||
            static_cast<int>(begin.size()) != rank || static_cast<int>(size.size()) != rank) {
          return InvalidArgument("Expected begin and size arguments to be 1-D tensors of size " +
                                 std::to_string(rank) + ", but got shapes " +
                                 c.input(1).shape().DebugString() + " and " +
                                 c.input(2).shape().DebugString() + " instead.");
        }
        for (int i = 0; i < rank; ++i) {
          const int64_t d = x.shape().dim(i);
          if (size[i] == -1) size[i] = d - begin[i];
          if (begin[i] < 0 || size[i] < 0 || begin[i] > d || size[i] > d - begin[i]) {
            return InvalidArgument("Expected size[" + std::to_string(i) + "] in [0, " +
                                   std::to_string(d - begin[i]) + "], but got " +
                                   std::to_string(size[i]) + " (begin " + std::to_string(begin[i]) +
                                   ", dim " + std::to_string(d) + ")");
          }
        }
        TFM_ASSIGN_OR_RETURN(Tensor y, StridedView(x, begin, Dims(rank, 1), size));
        c.set_output(0, y);
        return Status::Ok();
      })};
}

// ---- StridedSlice(input, begin, end, strides; masks) -------------------------------------
// Python-style x[b0:e0:s0, ..., tf.newaxis, ...] as TF encodes it: bit i of begin_mask /
// end_mask ignores begin[i] / end[i] (full range in the stride's direction), ellipsis_mask
// marks the one "...", new_axis_mask inserts a dim of 1, shrink_axis_mask takes the single
// index begin[i] and drops the dim. Mirrors TF's ValidateStridedSliceOp: the sparse spec is
// first expanded to one entry per input dim (the dense spec), then each dim is canonicalised.
// dx = StridedSliceGrad (scatter of dy into zeros of shape(x)).
}  // namespace

// (Declared in strided_slice.h: StridedSliceGrad uses it too.)
namespace array {

constexpr int64_t kNewAxis = -1, kShrinkAxis = -2;

Result<SlicePlan> PlanStridedSlice(const Shape& in, Dims sb, Dims se, Dims ss,
                                   const StridedSliceAttrs& a) {
  if (sb.size() != se.size() || sb.size() != ss.size()) {
    return InvalidArgument("Expected begin, end, and strides to be 1D equal size tensors");
  }
  if (sb.size() > 63) return InvalidArgument("too many slice dimensions");
  int sparse_dims = static_cast<int>(sb.size());
  int64_t ellipsis_mask = a.ellipsis_mask;
  if (ellipsis_mask & (ellipsis_mask - 1)) {
    return InvalidArgument("Multiple ellipses in slice spec not allowed");
  }
  // No ellipsis: an implicit one at the end keeps the remaining dims.
  if (ellipsis_mask == 0) {
    ellipsis_mask = int64_t{1} << sparse_dims;
    ++sparse_dims;
    sb.push_back(0);
    se.push_back(0);
    ss.push_back(1);
  }
  int num_add_axis_after_ellipsis = 0;
  bool ellipsis_seen = false;
  for (int i = 0; i < sparse_dims; ++i) {
    if (ellipsis_seen && ((int64_t{1} << i) & a.new_axis_mask)) ++num_add_axis_after_ellipsis;
    if ((int64_t{1} << i) & ellipsis_mask) ellipsis_seen = true;
  }
  // Dense spec: one entry per input dim.
  const int dims = in.rank();
  Dims db(dims, 0), de(dims, 0), ds(dims, 1);
  int64_t dbm = 0, dem = 0, dsm = 0;
  Dims gather;  // per output dim: input dim, kNewAxis or kShrinkAxis
  int full = 0;
  for (int i = 0; i < sparse_dims; ++i) {
    const int64_t bit = int64_t{1} << i;
    if (bit & ellipsis_mask) {
      const int next = std::min(dims - (sparse_dims - i) + 1 + num_add_axis_after_ellipsis, dims);
      for (; full < next; ++full) {
        db[full] = de[full] = 0;
        ds[full] = 1;
        dbm |= int64_t{1} << full;
        dem |= int64_t{1} << full;
        gather.push_back(full);
      }
    } else if (bit & a.new_axis_mask) {
      gather.push_back(kNewAxis);
    } else {
      if (full >= dims) {
        return InvalidArgument("Index out of range using input dim " + std::to_string(full) +
                               "; input has only " + std::to_string(dims) + " dims");
      }
      db[full] = sb[i];
      de[full] = se[i];
      ds[full] = ss[i];
      if (bit & a.begin_mask) dbm |= int64_t{1} << full;
      if (bit & a.end_mask) dem |= int64_t{1} << full;
      if (bit & a.shrink_axis_mask) {
        gather.push_back(kShrinkAxis);
        dsm |= int64_t{1} << full;
      } else {
        gather.push_back(full);
      }
      ++full;
    }
  }
  SlicePlan p;
  for (int i = 0; i < dims; ++i) {
    const int64_t bit = int64_t{1} << i;
    const int64_t dim = in.dim(i);
    const int64_t stride = ds[i];
    if (stride == 0) return InvalidArgument("strides[" + std::to_string(i) + "] must be non-zero");
    const bool shrink = dsm & bit;
    const bool masks[2] = {(dbm & bit) != 0, (dem & bit) != 0};
    const int64_t valid[2] = {stride > 0 ? 0 : -1, stride > 0 ? dim : dim - 1};
    auto canonical = [&](int64_t x, int c) {
      if (masks[c]) return stride > 0 ? valid[c] : valid[(c + 1) & 1];
      const int64_t fwd = x < 0 ? dim + x : x;
      return fwd < valid[0] ? valid[0] : fwd > valid[1] ? valid[1] : fwd;
    };
    int64_t b, e;
    if (shrink) {
      if (stride <= 0) return InvalidArgument("only stride 1 allowed on non-range indexing.");
      const int64_t fwd = db[i] < 0 ? dim + db[i] : db[i];
      if (fwd < 0 || fwd >= dim) {
        return InvalidArgument("slice index " + std::to_string(db[i]) + " of dimension " +
                               std::to_string(i) + " out of bounds.");
      }
      b = fwd;
      e = fwd + 1;
    } else {
      b = canonical(db[i], 0);
      e = canonical(de[i], 1);
    }
    const int64_t len = e - b;
    int64_t size = 0;
    if (len != 0 && (len < 0) == (stride < 0)) size = len / stride + (len % stride != 0 ? 1 : 0);
    p.begin.push_back(b);
    p.stride.push_back(stride);
    p.processing.push_back(size);
  }
  for (int64_t g : gather) {
    if (g >= 0) {
      p.final_shape.push_back(p.processing[g]);
    } else if (g == kNewAxis) {
      p.final_shape.push_back(1);
    }
  }
  return p;
}

}  // namespace array

namespace {

using array::SlicePlan;
using array::StridedSliceAttrs;

Result<Kernel> StridedSliceOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(4));
  TFM_RETURN_IF_ERROR(n.ExpectType(n.input_type(0), array::kMoveTypes));
  TFM_RETURN_IF_ERROR(ExpectIndex(n, 1));
  for (int i = 2; i < 4; ++i) TFM_RETURN_IF_ERROR(n.ExpectInputType(i, n.input_type(1)));
  StridedSliceAttrs a{n.IntAttrOr("begin_mask", 0), n.IntAttrOr("end_mask", 0),
                      n.IntAttrOr("ellipsis_mask", 0), n.IntAttrOr("new_axis_mask", 0),
                      n.IntAttrOr("shrink_axis_mask", 0)};
  return Kernel{{n.input_type(0)}, Named([a](KernelContext& c) -> Status {
                  const Tensor& x = c.input(0);
                  for (int i = 1; i < 4; ++i) {
                    if (c.input(i).shape().rank() != 1) {
                      return InvalidArgument("Expected begin, end, and strides to be 1D tensors");
                    }
                  }
                  TFM_ASSIGN_OR_RETURN(Dims b, ReadInts(c.input(1)));
                  TFM_ASSIGN_OR_RETURN(Dims e, ReadInts(c.input(2)));
                  TFM_ASSIGN_OR_RETURN(Dims s, ReadInts(c.input(3)));
                  TFM_ASSIGN_OR_RETURN(SlicePlan p, PlanStridedSlice(x.shape(), b, e, s, a));
                  TFM_ASSIGN_OR_RETURN(Tensor y, StridedView(x, p.begin, p.stride, p.processing));
                  TFM_ASSIGN_OR_RETURN(Shape fs, Shape::Make(p.final_shape));
                  TFM_ASSIGN_OR_RETURN(Tensor out, y.Reshaped(fs));
                  c.set_output(0, out);
                  return Status::Ok();
                })};
}

// ---- Pad / PadV2 / MirrorPad (input, paddings[rank, 2] [, constant_values]) ----------------
// Pad: y = x surrounded by paddings[i][0] before and paddings[i][1] after in dim i, filled
// with 0 (PadV2: constant_values). dx = slice(dy, paddings[:, 0], shape(x)).
// MirrorPad: the border mirrors x; REFLECT excludes the edge (pad < dim), SYMMETRIC repeats it
// (pad <= dim). dx = MirrorPadGrad.
Result<Dims> ReadPaddings(const Tensor& x, const Tensor& p) {
  const int rank = x.shape().rank();
  if (p.shape().rank() != 2 || p.shape().dim(0) != rank || p.shape().dim(1) != 2) {
    return InvalidArgument("paddings must be a matrix with 2 columns and " + std::to_string(rank) +
                           " rows (the input's rank): " + p.shape().DebugString());
  }
  TFM_ASSIGN_OR_RETURN(Dims v, ReadInts(p));
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] < 0) {
      return InvalidArgument("Paddings must be non-negative: " + std::to_string(v[i]));
    }
    if (v[i] > (int64_t{1} << 40)) return InvalidArgument("padding too large");
  }
  return v;
}

Result<Kernel> PadOp(const NodeInfo& n) {
  const bool v2 = n.op() == "PadV2";
  TFM_RETURN_IF_ERROR(n.ExpectInputs(v2 ? 3 : 2));
  const DataType t = n.input_type(0);
  TFM_RETURN_IF_ERROR(n.ExpectType(t, array::kMoveTypes));
  TFM_RETURN_IF_ERROR(ExpectIndex(n, 1));
  if (v2) TFM_RETURN_IF_ERROR(n.ExpectInputType(2, t));
  return Kernel{{t}, Named([t, v2](KernelContext& c) -> Status {
                  const Tensor& x = c.input(0);
                  TFM_ASSIGN_OR_RETURN(Dims pads, ReadPaddings(x, c.input(1)));
                  if (v2 && c.input(2).NumElements() != 1) {
                    return InvalidArgument("constant_values must be a scalar. Got shape " +
                                           c.input(2).shape().DebugString());
                  }
                  const int rank = x.shape().rank();
                  Dims out(rank);
                  for (int i = 0; i < rank; ++i)
                    out[i] = pads[2 * i] + x.shape().dim(i) + pads[2 * i + 1];
                  TFM_ASSIGN_OR_RETURN(Tensor y, Alloc(t, out));
                  TFM_RETURN_IF_ERROR(array::DispatchElem(t, [&](auto e) -> Status {
                    using E = decltype(e);
                    E* yo = array::Elems<E>(y);
                    if (v2) {
                      const E fill = array::Elems<E>(c.input(2))[0];
                      for (int64_t i = 0; i < y.NumElements(); ++i) yo[i] = fill;
                    }
                    if (x.NumElements() == 0) return Status::Ok();
                    const Dims ys = array::Strides(out);
                    int64_t offset = 0;
                    for (int i = 0; i < rank; ++i) offset += pads[2 * i] * ys[i];
                    array::StridedCopy<E>(array::Elems<E>(x), array::Strides(x.shape().dims()),
                                          yo + offset, ys, x.shape().dims());
                    return Status::Ok();
                  }));
                  c.set_output(0, y);
                  return Status::Ok();
                })};
}

Result<Kernel> MirrorPadOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  const DataType t = n.input_type(0);
  TFM_RETURN_IF_ERROR(n.ExpectType(t, array::kMoveTypes));
  TFM_RETURN_IF_ERROR(ExpectIndex(n, 1));
  TFM_ASSIGN_OR_RETURN(std::string mode, n.StringAttr("mode"));
  if (mode != "REFLECT" && mode != "SYMMETRIC") {
    return n.Error("mode must be REFLECT or SYMMETRIC, got '" + mode + "'");
  }
  const int64_t edge = mode == "REFLECT" ? 1 : 0;  // REFLECT skips the edge element
  return Kernel{{t}, Named([t, edge](KernelContext& c) -> Status {
                  const Tensor& x = c.input(0);
                  TFM_ASSIGN_OR_RETURN(Dims pads, ReadPaddings(x, c.input(1)));
                  const int rank = x.shape().rank();
                  std::vector<Dims> maps(rank);
                  Dims out(rank);
                  for (int i = 0; i < rank; ++i) {
                    const int64_t d = x.shape().dim(i);
                    const int64_t before = pads[2 * i], after = pads[2 * i + 1];
                    if (before > d - edge || after > d - edge) {
                      return InvalidArgument("paddings must be less than" +
                                             std::string(edge ? "" : " or equal to") +
                                             " the dimension size: " + std::to_string(before) +
                                             ", " + std::to_string(after) + " not " +
                                             (edge ? "less than " : "<= ") + std::to_string(d));
                    }
                    out[i] = before + d + after;
                  }
                  TFM_ASSIGN_OR_RETURN(Tensor y, Alloc(t, out));
                  if (y.NumElements() > 0) {  // so every out[i] <= y.NumElements()
                    for (int i = 0; i < rank; ++i) {
                      const int64_t d = x.shape().dim(i);
                      for (int64_t j = -pads[2 * i]; j < d + pads[2 * i + 1]; ++j) {
                        int64_t s = j;
                        if (s < 0) s = -s - 1 + edge;
                        if (s >= d) s = 2 * d - 1 - edge - s;
                        maps[i].push_back(s);
                      }
                    }
                    TFM_RETURN_IF_ERROR(array::DispatchElem(t, [&](auto e) -> Status {
                      using E = decltype(e);
                      array::GatherByDimMaps<E>(array::Elems<E>(x), x.shape().dims(), maps,
                                                array::Elems<E>(y));
                      return Status::Ok();
                    }));
                  }
                  c.set_output(0, y);
                  return Status::Ok();
                })};
}

}  // namespace

void RegisterArraySliceOps(OpRegistry& r) {
  r.Add({"Slice", SliceOp});
  r.Add({"StridedSlice", StridedSliceOp});
  r.Add({"Pad", PadOp});
  r.Add({"PadV2", PadOp});
  r.Add({"MirrorPad", MirrorPadOp});
}

}  // namespace tfmodel
