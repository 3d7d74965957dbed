// Array ops that TF's gradient functions (python/ops/array_grad.py, math_grad.py) emit:
// DynamicStitch, ParallelDynamicStitch, InvertPermutation, ConcatOffset, StridedSliceGrad,
// ReverseV2, MirrorPadGrad, ScatterNd and ListDiff. Pure data movement works for every dtype
// in array::kMoveTypes; the ops that add (MirrorPadGrad, ScatterNd) for the real types.
#include <algorithm>
#include <unordered_set>

#include "src/runtime/kernel.h"
#include "src/runtime/kernels/all_ops.h"
#include "src/runtime/kernels/array_util.h"
#include "src/runtime/kernels/broadcast.h"
#include "src/runtime/kernels/strided_slice.h"

namespace tfmodel {
namespace {

using array::Alloc;
using array::Named;
using array::ReadInts;
using Dims = std::vector<int64_t>;

std::string DimsString(const Dims& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? "," : "") + std::to_string(d[i]);
  return s + "]";
}

template <typename I>
Tensor Vector(const Dims& v) {
  std::vector<I> out(v.begin(), v.end());
  return Tensor::FromVector<I>(out, Shape{static_cast<int64_t>(out.size())});
}

Tensor IndexTensor(DataType t, const Dims& v) {
  return t == DataType::kInt32 ? Vector<int32_t>(v) : Vector<int64_t>(v);
}

// ---- DynamicStitch(indices[N] int32, data[N]) -> merged ----------------------------------
// merged[indices[i][j...], ...] = data[i][j..., ...]; merged has max(indices) + 1 rows, later
// inputs win on duplicate indices, and rows no index names are 0. ParallelDynamicStitch is the
// same (TF leaves duplicate order unspecified there).
// d data[i] = gather(d merged, indices[i])   (data_flow_grad.py _DynamicStitchGrads)
Result<Kernel> DynamicStitch(const NodeInfo& n) {
  TFM_ASSIGN_OR_RETURN(int64_t num, n.IntAttr("N"));
  if (num < 1 || n.num_inputs() != 2 * num) {
    return n.Error("expected 2 * N inputs (N = " + std::to_string(num) + "), got " +
                   std::to_string(n.num_inputs()));
  }
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("T"));
  TFM_RETURN_IF_ERROR(n.ExpectType(t, array::kMoveTypes));
  for (int i = 0; i < num; ++i) {
    TFM_RETURN_IF_ERROR(n.ExpectInputType(i, DataType::kInt32));
    TFM_RETURN_IF_ERROR(n.ExpectInputType(static_cast<int>(num) + i, t));
  }
  return Kernel{
      {t}, Named([num, t](KernelContext& c) -> Status {
        const int nn = static_cast<int>(num);
        const Tensor& data0 = c.input(nn);
        const int r0 = c.input(0).shape().rank();
        if (data0.shape().rank() < r0) {
          return InvalidArgument("data[0] has fewer dims than indices[0]");
        }
        const Dims slice(data0.shape().dims().begin() + r0, data0.shape().dims().end());
        int64_t rows = 0;
        for (int i = 0; i < nn; ++i) {
          const Dims& id = c.input(i).shape().dims();
          const Dims& dd = c.input(nn + i).shape().dims();
          if (dd.size() < id.size() || !std::equal(id.begin(), id.end(), dd.begin())) {
            return InvalidArgument("data[" + std::to_string(i) + "].shape = " + DimsString(dd) +
                                   " does not start with indices[" + std::to_string(i) +
                                   "].shape = " + DimsString(id));
          }
          if (!std::equal(slice.begin(), slice.end(), dd.begin() + id.size(), dd.end()) ||
              dd.size() - id.size() != slice.size()) {
            return InvalidArgument("Need data[0].shape[" + std::to_string(r0) + ":] = data[" +
                                   std::to_string(i) + "].shape[" + std::to_string(id.size()) +
                                   ":], got data[0].shape = " + DimsString(data0.shape().dims()) +
                                   ", data[" + std::to_string(i) + "].shape = " + DimsString(dd));
          }
          for (int32_t v : c.input(i).flat<int32_t>()) {
            if (v < 0) {
              return InvalidArgument("indices[" + std::to_string(i) +
                                     "] has a negative "
                                     "index " +
                                     std::to_string(v));
            }
            rows = std::max<int64_t>(rows, int64_t{v} + 1);
          }
        }
        Dims out_dims = {rows};
        out_dims.insert(out_dims.end(), slice.begin(), slice.end());
        TFM_ASSIGN_OR_RETURN(Tensor merged, Alloc(t, out_dims));
        int64_t row_len = 1;
        for (int64_t d : slice) row_len *= d;
        TFM_RETURN_IF_ERROR(array::DispatchElem(t, [&](auto e) -> Status {
          using E = decltype(e);
          E* out = array::Elems<E>(merged);
          for (int i = 0; i < nn; ++i) {
            const E* src = array::Elems<E>(c.input(nn + i));
            auto idx = c.input(i).flat<int32_t>();
            for (size_t j = 0; j < idx.size(); ++j) {
              std::copy_n(src + j * row_len, row_len, out + idx[j] * row_len);
            }
          }
          return Status::Ok();
        }));
        c.set_output(0, merged);
        return Status::Ok();
      })};
}

// ---- InvertPermutation(x): y[x[i]] = i (x a permutation of 0..n-1);  no gradient ----------
Result<Kernel> InvertPermutation(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  const DataType t = n.input_type(0);
  TFM_RETURN_IF_ERROR(n.ExpectType(t, array::kIndexTypes));
  return Kernel{{t}, Named([t](KernelContext& c) -> Status {
                  const Tensor& x = c.input(0);
                  if (x.shape().rank() != 1) {
                    return InvalidArgument("invert_permutation expects a 1D vector, got shape " +
                                           x.shape().DebugString());
                  }
                  TFM_ASSIGN_OR_RETURN(Dims p, ReadInts(x));
                  const int64_t size = static_cast<int64_t>(p.size());
                  Dims y(p.size(), -1);
                  for (int64_t i = 0; i < size; ++i) {
                    if (p[i] < 0 || p[i] >= size) {
                      return InvalidArgument(std::to_string(p[i]) + " is not between 0 and " +
                                             std::to_string(size));
                    }
                    if (y[p[i]] != -1) {
                      return InvalidArgument(std::to_string(p[i]) + " is duplicated in the input.");
                    }
                    y[p[i]] = i;
                  }
                  c.set_output(0, IndexTensor(t, y));
                  return Status::Ok();
                })};
}

// ---- ConcatOffset(concat_dim, shape[N]) -> offset[N] ---------------------------------------
// offset[i] is where input i starts in ConcatV2(inputs, concat_dim): zero but along the axis,
// where it is the sum of the earlier inputs' sizes. All shapes match off the axis.  No gradient.
Result<Kernel> ConcatOffset(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputsAtLeast(3));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, DataType::kInt32));
  const DataType t = n.input_type(1);
  TFM_RETURN_IF_ERROR(n.ExpectType(t, array::kIndexTypes));
  std::vector<DataType> outs;
  for (int i = 1; i < n.num_inputs(); ++i) {
    TFM_RETURN_IF_ERROR(n.ExpectInputType(i, t));
    outs.push_back(t);
  }
  return Kernel{outs, Named([t](KernelContext& c) -> Status {
                  if (c.input(0).NumElements() != 1) {
                    return InvalidArgument(
                        "Concat dim tensor should be a scalar integer, but got "
                        "shape " +
                        c.input(0).shape().DebugString());
                  }
                  const int64_t cdim = c.input(0).flat<int32_t>()[0];
                  std::vector<Dims> shapes;
                  for (int i = 1; i < c.num_inputs(); ++i) {
                    if (c.input(i).shape().rank() != 1) {
                      return InvalidArgument("input " + std::to_string(i) +
                                             " should be a vector, got shape " +
                                             c.input(i).shape().DebugString());
                    }
                    TFM_ASSIGN_OR_RETURN(Dims s, ReadInts(c.input(i)));
                    shapes.push_back(std::move(s));
                  }
                  const int64_t rank = static_cast<int64_t>(shapes[0].size());
                  const int64_t axis = cdim < 0 ? cdim + rank : cdim;
                  if (axis < 0 || axis >= rank) {
                    return InvalidArgument("Concat dim is out of range: " + std::to_string(cdim) +
                                           " vs. " + std::to_string(rank));
                  }
                  int64_t offset = 0;
                  for (size_t i = 0; i < shapes.size(); ++i) {
                    if (static_cast<int64_t>(shapes[i].size()) != rank) {
                      return InvalidArgument("input " + std::to_string(i) + " should contain " +
                                             std::to_string(rank) + " elements, but got " +
                                             std::to_string(shapes[i].size()));
                    }
                    Dims out(rank, 0);
                    for (int64_t j = 0; j < rank; ++j) {
                      if (j != axis && shapes[i][j] != shapes[0][j]) {
                        return InvalidArgument("All dimensions except " + std::to_string(axis) +
                                               " must match. Input " + std::to_string(i) +
                                               " has shape " + DimsString(shapes[i]) +
                                               " and doesn't match input 0 with shape " +
                                               DimsString(shapes[0]) + ".");
                      }
                    }
                    out[axis] = offset;
                    offset += shapes[i][axis];
                    c.set_output(static_cast<int>(i), IndexTensor(t, out));
                  }
                  return Status::Ok();
                })};
}

// ---- StridedSliceGrad(shape, begin, end, strides, dy; masks) -------------------------------
// dx = zeros(shape) with dy written where StridedSlice(x, begin, end, strides) read from:
// the slice's (begin, stride, count) per dim (array::PlanStridedSlice). No gradient.
Result<Kernel> StridedSliceGrad(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(5));
  const DataType index = n.input_type(0);
  TFM_RETURN_IF_ERROR(n.ExpectType(index, array::kIndexTypes));
  for (int i = 1; i < 4; ++i) TFM_RETURN_IF_ERROR(n.ExpectInputType(i, index));
  const DataType t = n.input_type(4);
  TFM_RETURN_IF_ERROR(n.ExpectType(t, array::kMoveTypes));
  array::StridedSliceAttrs a{n.IntAttrOr("begin_mask", 0), n.IntAttrOr("end_mask", 0),
                             n.IntAttrOr("ellipsis_mask", 0), n.IntAttrOr("new_axis_mask", 0),
                             n.IntAttrOr("shrink_axis_mask", 0)};
  return Kernel{
      {t}, Named([a, t](KernelContext& c) -> Status {
        for (int i = 0; i < 4; ++i) {
          if (c.input(i).shape().rank() != 1) {
            return InvalidArgument("shape, begin, end and strides must be 1-D, got " +
                                   c.input(i).shape().DebugString());
          }
        }
        TFM_ASSIGN_OR_RETURN(Dims dims, ReadInts(c.input(0)));
        TFM_ASSIGN_OR_RETURN(Dims b, ReadInts(c.input(1)));
        TFM_ASSIGN_OR_RETURN(Dims e, ReadInts(c.input(2)));
        TFM_ASSIGN_OR_RETURN(Dims s, ReadInts(c.input(3)));
        TFM_ASSIGN_OR_RETURN(Tensor dx, Alloc(t, dims));
        TFM_ASSIGN_OR_RETURN(array::SlicePlan p, array::PlanStridedSlice(dx.shape(), b, e, s, a));
        const Tensor& dy = c.input(4);
        if (dy.shape().dims() != p.final_shape) {
          return InvalidArgument("shape of dy was " + dy.shape().DebugString() + " instead of " +
                                 DimsString(p.final_shape));
        }
        if (dy.NumElements() > 0) {
          const Dims xs = array::Strides(dims);
          int64_t offset = 0;
          Dims dst_strides(dims.size());
          for (size_t i = 0; i < dims.size(); ++i) {
            offset += p.begin[i] * xs[i];
            dst_strides[i] = p.stride[i] * xs[i];
          }
          TFM_RETURN_IF_ERROR(array::DispatchElem(t, [&](auto el) -> Status {
            using E = decltype(el);
            array::StridedCopy<E>(array::Elems<E>(dy), array::Strides(p.processing),
                                  array::Elems<E>(dx) + offset, dst_strides, p.processing);
            return Status::Ok();
          }));
        }
        c.set_output(0, dx);
        return Status::Ok();
      })};
}

// ---- ReverseV2(tensor, axis): y = tensor with the dims in `axis` reversed -------------------
// dx = ReverseV2(dy, axis)
Result<Kernel> ReverseV2(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  const DataType t = n.input_type(0);
  TFM_RETURN_IF_ERROR(n.ExpectType(t, array::kMoveTypes));
  TFM_RETURN_IF_ERROR(n.ExpectType(n.input_type(1), array::kIndexTypes));
  return Kernel{
      {t}, Named([t](KernelContext& c) -> Status {
        const Tensor& x = c.input(0);
        if (c.input(1).shape().rank() != 1) {
          return InvalidArgument("'axis' must be 1-D, not " + c.input(1).shape().DebugString());
        }
        TFM_ASSIGN_OR_RETURN(Dims axes, ReadInts(c.input(1)));
        const int rank = x.shape().rank();
        std::vector<bool> rev(rank, false);
        for (int64_t a : axes) {
          TFM_ASSIGN_OR_RETURN(int d, array::CanonicalAxis(a, rank, "'axis'"));
          if (rev[d]) {
            return InvalidArgument("axis " + std::to_string(d) + " specified more than once.");
          }
          rev[d] = true;
        }
        TFM_ASSIGN_OR_RETURN(Tensor y, Alloc(t, x.shape().dims()));
        if (x.NumElements() > 0) {
          const Dims& dims = x.shape().dims();
          Dims src = array::Strides(dims);
          int64_t offset = 0;
          for (int d = 0; d < rank; ++d) {
            if (!rev[d]) continue;
            offset += (dims[d] - 1) * src[d];
            src[d] = -src[d];
          }
          TFM_RETURN_IF_ERROR(array::DispatchElem(t, [&](auto e) -> Status {
            using E = decltype(e);
            array::StridedCopy<E>(array::Elems<E>(x) + offset, src, array::Elems<E>(y),
                                  array::Strides(dims), dims);
            return Status::Ok();
          }));
        }
        c.set_output(0, y);
        return Status::Ok();
      })};
}

// Calls f(in_offset, coord) for every element of `dims` in row-major order.
template <typename F>
void ForEachCoord(const Dims& dims, F f) {
  int64_t total = 1;
  for (int64_t d : dims) total *= d;
  Dims coord(dims.size(), 0);
  for (int64_t i = 0; i < total; ++i) {
    f(i, coord);
    for (int d = static_cast<int>(dims.size()) - 1; d >= 0; --d) {
      if (++coord[d] < dims[d]) break;
      coord[d] = 0;
    }
  }
}

// ---- MirrorPadGrad(input, paddings; mode): the gradient of MirrorPad ------------------------
// input is dy of MirrorPad's output shape; y has that shape minus the paddings, and every dy
// element is added to the element MirrorPad copied it from (REFLECT mirrors around the edge,
// SYMMETRIC repeats it). No gradient registered here.
Result<Kernel> MirrorPadGrad(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("T"));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, t));
  TFM_RETURN_IF_ERROR(n.ExpectType(n.input_type(1), array::kIndexTypes));
  TFM_ASSIGN_OR_RETURN(std::string mode, n.StringAttr("mode"));
  if (mode != "REFLECT" && mode != "SYMMETRIC") {
    return n.Error("mode must be REFLECT or SYMMETRIC, got '" + mode + "'");
  }
  const int64_t edge = mode == "REFLECT" ? 1 : 0;
  KernelFn fn;
  bool ok = Dispatch(RealTypes{}, t, [&]<typename T>() {
    fn = Named([edge](KernelContext& c) -> Status {
      const Tensor& dy = c.input(0);
      const Tensor& p = c.input(1);
      const int rank = dy.shape().rank();
      if (p.shape().rank() != 2 || p.shape().dim(0) != rank || p.shape().dim(1) != 2) {
        return InvalidArgument("paddings must be a matrix with 2 columns and " +
                               std::to_string(rank) + " rows: " + p.shape().DebugString());
      }
      TFM_ASSIGN_OR_RETURN(Dims pads, ReadInts(p));
      Dims out(rank);
      std::vector<Dims> maps(rank);
      for (int i = 0; i < rank; ++i) {
        const int64_t before = pads[2 * i], after = pads[2 * i + 1];
        const int64_t in = dy.shape().dim(i);
        if (before < 0 || after < 0 || before > in || after > in - before) {
          return InvalidArgument(
              "paddings must be non-negative and fit the input: " + std::to_string(before) + ", " +
              std::to_string(after) + " for dimension " + std::to_string(in));
        }
        const int64_t d = in - before - after;
        if (before > d - edge || after > d - edge) {
          return InvalidArgument("paddings must be less than" +
                                 std::string(edge ? "" : " or equal to") +
                                 " the output dimension size: " + std::to_string(before) + ", " +
                                 std::to_string(after) + " vs. " + std::to_string(d));
        }
        out[i] = d;
        for (int64_t j = -before; j < d + after; ++j) {
          int64_t s = j;
          if (s < 0) s = -s - 1 + edge;
          if (s >= d) s = 2 * d - 1 - edge - s;
          maps[i].push_back(s);
        }
      }
      TFM_ASSIGN_OR_RETURN(Tensor y, Alloc(dy.dtype(), out));
      std::vector<ComputeT<T>> acc(y.NumElements(), ComputeT<T>(0));
      const Dims os = array::Strides(out);
      const T* src = dy.flat<T>().data();
      if (y.NumElements() > 0) {
        ForEachCoord(dy.shape().dims(), [&](int64_t i, const Dims& coord) {
          int64_t o = 0;
          for (int d = 0; d < rank; ++d) o += maps[d][coord[d]] * os[d];
          acc[o] = WrapAdd(acc[o], Load(src[i]));
        });
      }
      T* yv = y.flat<T>().data();
      for (size_t i = 0; i < acc.size(); ++i) yv[i] = Store<T>(acc[i]);
      c.set_output(0, y);
      return Status::Ok();
    });
  });
  if (!ok) return n.Unsupported(t);
  return Kernel{{t}, std::move(fn)};
}

// ---- ScatterNd(indices [..., K], updates, shape) -------------------------------------------
// y = zeros(shape); y[indices[i]] += updates[i] for each index row i (a K-tuple selecting a
// slice of shape[K:]); updates has shape indices.shape[:-1] + shape[K:]. Out-of-range rows are
// errors (bad_indices_policy "" / "ERROR") or skipped ("IGNORE").
// d updates = GatherNd(dy, indices).
Result<Kernel> ScatterNd(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(3));
  const DataType index = n.input_type(0);
  TFM_RETURN_IF_ERROR(n.ExpectType(index, array::kIndexTypes));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(2, index));
  const DataType t = n.input_type(1);
  const std::string policy = n.StringAttrOr("bad_indices_policy", "");
  if (policy != "" && policy != "DEFAULT" && policy != "ERROR" && policy != "IGNORE") {
    return n.Error("unknown bad_indices_policy '" + policy + "'");
  }
  const bool ignore = policy == "IGNORE";
  KernelFn fn;
  bool ok = Dispatch(RealTypes{}, t, [&]<typename T>() {
    fn = Named([ignore](KernelContext& c) -> Status {
      const Tensor& idx = c.input(0);
      const Tensor& upd = c.input(1);
      if (c.input(2).shape().rank() != 1) {
        return InvalidArgument("Shape must be a vector, got " + c.input(2).shape().DebugString());
      }
      TFM_ASSIGN_OR_RETURN(Dims shape, ReadInts(c.input(2)));
      TFM_ASSIGN_OR_RETURN(Tensor y, Alloc(upd.dtype(), shape));
      if (idx.shape().rank() < 1) {
        return InvalidArgument("indices must be at least 1-D, got " + idx.shape().DebugString());
      }
      const Dims& id = idx.shape().dims();
      const int64_t k = id.back();
      if (k > static_cast<int64_t>(shape.size())) {
        return InvalidArgument("Index innermost dimension length must be <= output rank; saw: " +
                               std::to_string(k) + " vs. " + std::to_string(shape.size()));
      }
      Dims want(id.begin(), id.end() - 1);
      want.insert(want.end(), shape.begin() + k, shape.end());
      if (upd.shape().dims() != want) {
        return InvalidArgument("updates must have shape indices.shape[:-1] + shape[K:] = " +
                               DimsString(want) + ", got " + upd.shape().DebugString());
      }
      if (y.NumElements() == 0 && upd.NumElements() > 0) {
        return InvalidArgument("Indices and updates specified for empty output");
      }
      int64_t slice = 1;
      for (size_t d = k; d < shape.size(); ++d) slice *= shape[d];
      int64_t rows = 1;
      for (size_t d = 0; d + 1 < id.size(); ++d) rows *= id[d];
      TFM_ASSIGN_OR_RETURN(Dims iv, ReadInts(idx));
      const Dims ys = array::Strides(shape);
      T* out = y.flat<T>().data();
      const T* u = upd.flat<T>().data();
      for (int64_t r = 0; r < rows; ++r) {
        int64_t off = 0;
        bool bad = false;
        for (int64_t j = 0; j < k && !bad; ++j) {
          const int64_t v = iv[r * k + j];
          bad = v < 0 || v >= shape[j];
          off += bad ? 0 : v * ys[j];
        }
        if (bad) {
          if (ignore) continue;
          Dims row(iv.begin() + r * k, iv.begin() + (r + 1) * k);
          return InvalidArgument("indices[" + std::to_string(r) + "] = " + DimsString(row) +
                                 " does not index into shape " + DimsString(shape));
        }
        for (int64_t j = 0; j < slice; ++j) {
          out[off + j] = Store<T>(WrapAdd(Load(out[off + j]), Load(u[r * slice + j])));
        }
      }
      c.set_output(0, y);
      return Status::Ok();
    });
  });
  if (!ok) return n.Unsupported(t);
  return Kernel{{t}, std::move(fn)};
}

// ---- ListDiff(x, y) -> (out, idx): the elements of x not in y, in order, and their indices
// (NaN is never "in" y.)  No gradient.
template <typename T>
Status ListDiffCompute(KernelContext& c, DataType idx_type) {
  const Tensor& x = c.input(0);
  const Tensor& y = c.input(1);
  if (x.shape().rank() != 1 || y.shape().rank() != 1) {
    return InvalidArgument("x and y must be 1-D, got " + x.shape().DebugString() + " and " +
                           y.shape().DebugString());
  }
  using C = ComputeT<T>;
  std::unordered_set<C> seen;
  for (const T& v : y.flat<T>()) seen.insert(Load(v));
  std::vector<T> out;
  Dims idx;
  auto xv = x.flat<T>();
  for (size_t i = 0; i < xv.size(); ++i) {
    if (!seen.count(Load(xv[i]))) {
      out.push_back(xv[i]);
      idx.push_back(static_cast<int64_t>(i));
    }
  }
  c.set_output(0, Tensor::FromVector<T>(out, Shape{static_cast<int64_t>(out.size())}));
  c.set_output(1, IndexTensor(idx_type, idx));
  return Status::Ok();
}

Result<Kernel> ListDiff(const NodeInfo& n) {
  TFM_ASSIGN_OR_RETURN(DataType t, n.ExpectInputsOfTypeT(2));
  DataType idx_type = DataType::kInt32;
  if (n.FindAttr("out_idx") != nullptr) {
    TFM_ASSIGN_OR_RETURN(idx_type, n.TypeAttr("out_idx"));
  }
  TFM_RETURN_IF_ERROR(n.ExpectType(idx_type, array::kIndexTypes));
  KernelFn fn;
  bool ok = Dispatch(RealTypes{}, t, [&]<typename T>() {
    fn = Named([idx_type](KernelContext& c) { return ListDiffCompute<T>(c, idx_type); });
  });
  if (!ok) return n.Unsupported(t);
  return Kernel{{t, idx_type}, std::move(fn)};
}

}  // namespace

void RegisterArrayGradOps(OpRegistry& r) {
  r.Add({"DynamicStitch", DynamicStitch});
  r.Add({"ParallelDynamicStitch", DynamicStitch});
  r.Add({"InvertPermutation", InvertPermutation});
  r.Add({"ConcatOffset", ConcatOffset});
  r.Add({"StridedSliceGrad", StridedSliceGrad});
  r.Add({"ReverseV2", ReverseV2});
  r.Add({"MirrorPadGrad", MirrorPadGrad});
  r.Add({"ScatterNd", ScatterNd});
  r.Add({"ListDiff", ListDiff});
}

}  // namespace tfmodel
