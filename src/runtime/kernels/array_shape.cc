// Shape-changing and combining array ops: Reshape, Squeeze, ExpandDims, Shape/ShapeN/Size/Rank,
// Fill, ZerosLike/OnesLike, Range, Pack/Unpack, ConcatV2, Split/SplitV, Transpose, Tile.
// Data movement works for every dtype in array::kMoveTypes by element size.
#include <cmath>
#include <limits>

#include "src/runtime/kernel.h"
#include "src/runtime/kernels/all_ops.h"
#include "src/runtime/kernels/array_util.h"

namespace tfmodel {
namespace {

using array::Alloc;
using array::Named;
using array::ReadInts;
using array::ReadScalarInt;
using Dims = std::vector<int64_t>;

Result<Tensor> Reshape(const Tensor& t, const Dims& dims) {
  TFM_ASSIGN_OR_RETURN(Shape s, Shape::Make(dims));
  return t.Reshaped(s);
}

Status ExpectIndex(const NodeInfo& n, int input) {
  if (input >= n.num_inputs()) return n.Error("missing input " + std::to_string(input));
  return n.ExpectType(n.input_type(input), array::kIndexTypes);
}

// ---- Reshape(tensor, shape) -------------------------------------------------------------
// y has x's elements in the new shape; at most one dim may be -1 and is inferred.
// dx = reshape(dy, shape(x)).
Status ReshapeCompute(KernelContext& c) {
  const Tensor& x = c.input(0);
  const Tensor& st = c.input(1);
  if (st.shape().rank() > 1) {
    return InvalidArgument("sizes input must be 1-D, not " + st.shape().DebugString());
  }
  TFM_ASSIGN_OR_RETURN(Dims sizes, ReadInts(st));
  int unknown = -1;
  int64_t product = 1;
  bool has_zero = false;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == -1) {
      if (unknown != -1) {
        return InvalidArgument("only one input size may be -1, not both " +
                               std::to_string(unknown) + " and " + std::to_string(i));
      }
      unknown = static_cast<int>(i);
    } else if (sizes[i] < 0) {
      return InvalidArgument("size " + std::to_string(i) + " must be non-negative, not " +
                             std::to_string(sizes[i]));
    } else if (sizes[i] == 0) {
      has_zero = true;  // left out of `product` so the -1 dim can still be inferred
    } else {
      if (product > (int64_t{1} << 62) / sizes[i]) return InvalidArgument("shape too large");
      product *= sizes[i];
    }
  }
  if (unknown != -1) {
    int64_t in_elems = 1;
    bool in_has_zero = false;
    for (int64_t d : x.shape().dims()) {
      if (d > 0 || !has_zero) {
        in_elems *= d;
      } else {
        in_has_zero = true;
      }
    }
    const int64_t missing = in_elems / product;
    if (!in_has_zero && product * missing != in_elems) {
      return InvalidArgument("Input to reshape is a tensor with " + std::to_string(in_elems) +
                             " values, but the requested shape requires a multiple of " +
                             std::to_string(product));
    }
    sizes[unknown] = missing;
  }
  auto shape = Shape::Make(sizes);
  if (!shape.ok() || shape->NumElements() != x.NumElements()) {
    return InvalidArgument("Input to reshape is a tensor with " + std::to_string(x.NumElements()) +
                           " values, but the requested shape has " +
                           (shape.ok() ? std::to_string(shape->NumElements()) : "too many"));
  }
  TFM_ASSIGN_OR_RETURN(Tensor y, x.Reshaped(*shape));
  c.set_output(0, y);
  return Status::Ok();
}

Result<Kernel> ReshapeOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  TFM_RETURN_IF_ERROR(ExpectIndex(n, 1));
  return Kernel{{n.input_type(0)}, Named(ReshapeCompute)};
}

// ---- Squeeze(input; squeeze_dims) --------------------------------------------------------
// Removes the listed dims (each must be 1; negative counts from the end), or every dim of
// size 1 when the list is empty.  dx = reshape(dy, shape(x)).
Result<Kernel> SqueezeOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  Dims axes;
  if (n.FindAttr("squeeze_dims") != nullptr) {
    TFM_ASSIGN_OR_RETURN(axes, n.IntListAttr("squeeze_dims"));
  }
  return Kernel{{n.input_type(0)}, Named([axes](KernelContext& c) -> Status {
                  const Tensor& x = c.input(0);
                  const int rank = x.shape().rank();
                  std::vector<bool> drop(rank, false);
                  for (int64_t a : axes) {
                    TFM_ASSIGN_OR_RETURN(int d, array::CanonicalAxis(a, rank, "squeeze dim"));
                    if (x.shape().dim(d) != 1) {
                      return InvalidArgument("can not squeeze dim[" + std::to_string(d) +
                                             "], expected a dimension of 1, got " +
                                             std::to_string(x.shape().dim(d)));
                    }
                    drop[d] = true;
                  }
                  Dims out;
                  for (int d = 0; d < rank; ++d) {
                    bool squeeze = axes.empty() ? x.shape().dim(d) == 1 : drop[d];
                    if (!squeeze) out.push_back(x.shape().dim(d));
                  }
                  TFM_ASSIGN_OR_RETURN(Tensor y, Reshape(x, out));
                  c.set_output(0, y);
                  return Status::Ok();
                })};
}

// ---- ExpandDims(input, dim) --------------------------------------------------------------
// Inserts a dim of 1 at `dim` in [-rank-1, rank].  dx = reshape(dy, shape(x)).
Result<Kernel> ExpandDimsOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  TFM_RETURN_IF_ERROR(ExpectIndex(n, 1));
  return Kernel{{n.input_type(0)}, Named([](KernelContext& c) -> Status {
                  const Tensor& x = c.input(0);
                  TFM_ASSIGN_OR_RETURN(int64_t dim, ReadScalarInt(c.input(1), "dim"));
                  const int rank = x.shape().rank();
                  TFM_ASSIGN_OR_RETURN(int d, array::CanonicalAxis(dim, rank + 1, "dim"));
                  Dims out = x.shape().dims();
                  out.insert(out.begin() + d, 1);
                  TFM_ASSIGN_OR_RETURN(Tensor y, Reshape(x, out));
                  c.set_output(0, y);
                  return Status::Ok();
                })};
}

// ---- Shape, ShapeN, Size, Rank: metadata as int32/int64 tensors (no gradient) ------------
Result<Tensor> IntVector(DataType t, const Dims& v) {
  if (t == DataType::kInt64) return Tensor::FromVector<int64_t>(v, Shape{int64_t(v.size())});
  std::vector<int32_t> w;
  for (int64_t x : v) {
    if (x > std::numeric_limits<int32_t>::max()) {
      return InvalidArgument("value " + std::to_string(x) + " does not fit out_type int32");
    }
    w.push_back(static_cast<int32_t>(x));
  }
  return Tensor::FromVector<int32_t>(w, Shape{int64_t(w.size())});
}

Result<DataType> OutType(const NodeInfo& n) {
  DataType t = DataType::kInt32;
  if (n.FindAttr("out_type") != nullptr) {
    TFM_ASSIGN_OR_RETURN(t, n.TypeAttr("out_type"));
  }
  TFM_RETURN_IF_ERROR(n.ExpectType(t, array::kIndexTypes));
  return t;
}

Result<Kernel> ShapeOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  TFM_ASSIGN_OR_RETURN(DataType t, OutType(n));
  return Kernel{{t}, Named([t](KernelContext& c) -> Status {
                  TFM_ASSIGN_OR_RETURN(Tensor y, IntVector(t, c.input(0).shape().dims()));
                  c.set_output(0, y);
                  return Status::Ok();
                })};
}

Result<Kernel> ShapeNOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputsAtLeast(1));
  TFM_ASSIGN_OR_RETURN(DataType t, OutType(n));
  return Kernel{std::vector<DataType>(n.num_inputs(), t), Named([t](KernelContext& c) -> Status {
                  for (int i = 0; i < c.num_inputs(); ++i) {
                    TFM_ASSIGN_OR_RETURN(Tensor y, IntVector(t, c.input(i).shape().dims()));
                    c.set_output(i, y);
                  }
                  return Status::Ok();
                })};
}

Result<Tensor> IntScalar(DataType t, int64_t v) {
  TFM_ASSIGN_OR_RETURN(Tensor y, IntVector(t, {v}));
  return y.Reshaped(Shape{});
}

Result<Kernel> SizeOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  TFM_ASSIGN_OR_RETURN(DataType t, OutType(n));
  return Kernel{{t}, Named([t](KernelContext& c) -> Status {
                  TFM_ASSIGN_OR_RETURN(Tensor y, IntScalar(t, c.input(0).NumElements()));
                  c.set_output(0, y);
                  return Status::Ok();
                })};
}

Result<Kernel> RankOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  return Kernel{{DataType::kInt32}, Named([](KernelContext& c) -> Status {
                  c.set_output(0, Tensor::Scalar<int32_t>(c.input(0).shape().rank()));
                  return Status::Ok();
                })};
}

// ---- Fill(dims, value): y[...] = value; ZerosLike/OnesLike(x): y = 0 / 1 of x's shape --------
template <typename E>
void FillWith(Tensor& y, const E& v) {
  E* out = array::Elems<E>(y);
  for (int64_t i = 0; i < y.NumElements(); ++i) out[i] = v;
}

Result<Kernel> FillOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  TFM_RETURN_IF_ERROR(ExpectIndex(n, 0));
  const DataType t = n.input_type(1);
  TFM_RETURN_IF_ERROR(n.ExpectType(t, array::kMoveTypes));
  return Kernel{
      {t}, Named([t](KernelContext& c) -> Status {
        const Tensor& dims_t = c.input(0);
        const Tensor& v = c.input(1);
        if (dims_t.shape().rank() != 1) {
          return InvalidArgument("dims must be a vector, got shape " +
                                 dims_t.shape().DebugString());
        }
        if (v.shape().rank() != 0) {
          return InvalidArgument("value must be a scalar, got shape " + v.shape().DebugString());
        }
        TFM_ASSIGN_OR_RETURN(Dims dims, ReadInts(dims_t));
        TFM_ASSIGN_OR_RETURN(Tensor y, Alloc(t, dims));
        TFM_RETURN_IF_ERROR(array::DispatchElem(t, [&](auto e) -> Status {
          using E = decltype(e);
          FillWith<E>(y, array::Elems<E>(v)[0]);
          return Status::Ok();
        }));
        c.set_output(0, y);
        return Status::Ok();
      })};
}

constexpr std::initializer_list<DataType> kNumericTypes = {
    DataType::kFloat, DataType::kDouble, DataType::kInt32, DataType::kInt64, DataType::kBool};

template <int kValue>
Result<Kernel> ConstLikeOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  const DataType t = n.input_type(0);
  TFM_RETURN_IF_ERROR(n.ExpectType(t, kNumericTypes));
  return Kernel{{t}, Named([t](KernelContext& c) -> Status {
                  TFM_ASSIGN_OR_RETURN(Tensor y, Alloc(t, c.input(0).shape().dims()));
                  if (kValue != 0) {
                    TFM_RETURN_IF_ERROR(DispatchPod(t, Status::Ok(), [&](auto zero) -> Status {
                      using T = decltype(zero);
                      if constexpr (std::is_arithmetic_v<T>) FillWith<T>(y, static_cast<T>(kValue));
                      return Status::Ok();
                    }));
                  }
                  c.set_output(0, y);
                  return Status::Ok();
                })};
}

// ---- Range(start, limit, delta) ----------------------------------------------------------
// y[i] = start + i * delta for i < ceil((limit - start) / delta); delta != 0 and its sign
// must agree with limit - start (else an error, as TF).
template <typename T>
Status RangeCompute(KernelContext& c) {
  for (int i = 0; i < 3; ++i) {
    if (c.input(i).NumElements() != 1) {
      return InvalidArgument("input " + std::to_string(i) + " must be a scalar, got shape " +
                             c.input(i).shape().DebugString());
    }
  }
  const T start = c.input(0).flat<T>()[0];
  const T limit = c.input(1).flat<T>()[0];
  const T delta = c.input(2).flat<T>()[0];
  if (delta == 0) return InvalidArgument("Requires delta != 0: " + std::to_string(delta));
  if (delta > 0 && start > limit) {
    return InvalidArgument("Requires start <= limit when delta > 0: " + std::to_string(start) +
                           "/" + std::to_string(limit));
  }
  if (delta < 0 && start < limit) {
    return InvalidArgument("Requires start >= limit when delta < 0: " + std::to_string(start) +
                           "/" + std::to_string(limit));
  }
  int64_t size;
  if constexpr (std::is_integral_v<T>) {
    // Exact: |limit - start| as an unsigned difference cannot overflow.
    const uint64_t span = delta > 0 ? static_cast<uint64_t>(limit) - static_cast<uint64_t>(start)
                                    : static_cast<uint64_t>(start) - static_cast<uint64_t>(limit);
    const uint64_t step =
        delta > 0 ? static_cast<uint64_t>(delta) : uint64_t{0} - static_cast<uint64_t>(delta);
    const uint64_t n = span / step + (span % step != 0 ? 1 : 0);
    if (n > (uint64_t{1} << 40)) {
      return InvalidArgument("Requires ((limit - start) / delta) <= 2^40 (got " +
                             std::to_string(n) + ")");
    }
    size = static_cast<int64_t>(n);
  } else {
    const double size_d = std::ceil(std::abs((limit - start) / delta));
    if (!(size_d <= static_cast<double>(int64_t{1} << 40))) {
      return InvalidArgument("Requires ((limit - start) / delta) <= 2^40 (got " +
                             std::to_string(size_d) + ")");
    }
    size = static_cast<int64_t>(size_d);
  }
  TFM_ASSIGN_OR_RETURN(Tensor y, Alloc(CppToDataType<T>(), {size}));
  auto out = y.flat<T>();
  // Accumulated like TF (float results match it bit for bit); the last value is in range, and
  // nothing is added after it, so integers never overflow.
  T v = start;
  for (int64_t i = 0; i < size; ++i) {
    out[i] = v;
    if (i + 1 < size) v = static_cast<T>(v + delta);
  }
  c.set_output(0, y);
  return Status::Ok();
}

Result<Kernel> RangeOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(3));
  const DataType t = n.input_type(0);
  for (int i = 1; i < 3; ++i) TFM_RETURN_IF_ERROR(n.ExpectInputType(i, t));
  switch (t) {
    case DataType::kFloat:
      return Kernel{{t}, Named(RangeCompute<float>)};
    case DataType::kDouble:
      return Kernel{{t}, Named(RangeCompute<double>)};
    case DataType::kInt32:
      return Kernel{{t}, Named(RangeCompute<int32_t>)};
    case DataType::kInt64:
      return Kernel{{t}, Named(RangeCompute<int64_t>)};
    default:
      return n.Unsupported(t);
  }
}

// ---- ConcatV2(values..., axis) and Pack(values...; axis) ------------------------------------
// Concat: y = values joined along axis (all other dims equal); dx_i = slice of dy.
// Pack: y = values stacked along a new axis (all shapes equal); dx_i = unpack(dy)[i].
// Both copy input i into the output block [.., offset_i : offset_i + d_i, ..] viewed as
// [outer, axis_total * inner].
Status JoinInto(const std::vector<const Tensor*>& xs, const std::vector<int64_t>& widths,
                int64_t outer, int64_t inner, Tensor& y) {
  int64_t total = 0;
  for (int64_t w : widths) total += w;
  return array::DispatchElem(y.dtype(), [&](auto e) -> Status {
    using E = decltype(e);
    E* out = array::Elems<E>(y);
    int64_t offset = 0;
    for (size_t i = 0; i < xs.size(); ++i) {
      const int64_t block = widths[i] * inner;
      if (block > 0 && outer > 0) {
        array::StridedCopy<E>(array::Elems<E>(*xs[i]), {block, 1}, out + offset * inner,
                              {total * inner, 1}, {outer, block});
      }
      offset += widths[i];
    }
    return Status::Ok();
  });
}

Result<Kernel> ConcatV2Op(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputsAtLeast(2));
  const int num = n.num_inputs() - 1;
  TFM_RETURN_IF_ERROR(ExpectIndex(n, num));
  const DataType t = n.input_type(0);
  TFM_RETURN_IF_ERROR(n.ExpectType(t, array::kMoveTypes));
  for (int i = 1; i < num; ++i) TFM_RETURN_IF_ERROR(n.ExpectInputType(i, t));
  return Kernel{
      {t}, Named([num, t](KernelContext& c) -> Status {
        TFM_ASSIGN_OR_RETURN(int64_t axis_v, ReadScalarInt(c.input(num), "axis"));
        const Shape& s0 = c.input(0).shape();
        const int rank = s0.rank();
        if (rank == 0) return InvalidArgument("can't concatenate scalars (use Pack)");
        TFM_ASSIGN_OR_RETURN(int axis, array::CanonicalAxis(axis_v, rank));
        std::vector<const Tensor*> xs;
        std::vector<int64_t> widths;
        Dims out = s0.dims();
        out[axis] = 0;
        for (int i = 0; i < num; ++i) {
          const Shape& s = c.input(i).shape();
          bool ok = s.rank() == rank;
          for (int d = 0; ok && d < rank; ++d) ok = d == axis || s.dim(d) == s0.dim(d);
          if (!ok) {
            return InvalidArgument("ConcatOp : Dimension mismatch of input " + std::to_string(i) +
                                   ": shape " + s.DebugString() + " vs. shape " + s0.DebugString() +
                                   " of input 0 (concat axis " + std::to_string(axis) + ")");
          }
          xs.push_back(&c.input(i));
          widths.push_back(s.dim(axis));
          out[axis] += s.dim(axis);
        }
        int64_t outer = 1, inner = 1;
        for (int d = 0; d < axis; ++d) outer *= out[d];
        for (int d = axis + 1; d < rank; ++d) inner *= out[d];
        TFM_ASSIGN_OR_RETURN(Tensor y, Alloc(t, out));
        TFM_RETURN_IF_ERROR(JoinInto(xs, widths, outer, inner, y));
        c.set_output(0, y);
        return Status::Ok();
      })};
}

Result<Kernel> PackOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputsAtLeast(1));
  const DataType t = n.input_type(0);
  TFM_RETURN_IF_ERROR(n.ExpectType(t, array::kMoveTypes));
  for (int i = 1; i < n.num_inputs(); ++i) TFM_RETURN_IF_ERROR(n.ExpectInputType(i, t));
  const int64_t axis_attr = n.IntAttrOr("axis", 0);
  return Kernel{
      {t}, Named([t, axis_attr](KernelContext& c) -> Status {
        const Shape& s0 = c.input(0).shape();
        TFM_ASSIGN_OR_RETURN(int axis, array::CanonicalAxis(axis_attr, s0.rank() + 1));
        std::vector<const Tensor*> xs;
        for (int i = 0; i < c.num_inputs(); ++i) {
          if (!(c.input(i).shape() == s0)) {
            return InvalidArgument("Shapes of all inputs must match: values[0].shape = " +
                                   s0.DebugString() + " != values[" + std::to_string(i) +
                                   "].shape = " + c.input(i).shape().DebugString());
          }
          xs.push_back(&c.input(i));
        }
        Dims out = s0.dims();
        out.insert(out.begin() + axis, c.num_inputs());
        int64_t outer = 1, inner = 1;
        for (int d = 0; d < axis; ++d) outer *= out[d];
        for (int d = axis + 1; d < static_cast<int>(out.size()); ++d) inner *= out[d];
        TFM_ASSIGN_OR_RETURN(Tensor y, Alloc(t, out));
        TFM_RETURN_IF_ERROR(JoinInto(xs, std::vector<int64_t>(xs.size(), 1), outer, inner, y));
        c.set_output(0, y);
        return Status::Ok();
      })};
}

// ---- Split / SplitV / Unpack: the inverse of Concat/Pack ----------------------------------
// Output i = x[.., offset_i : offset_i + widths[i], ..] along axis; Unpack drops the axis.
Status SplitInto(KernelContext& c, const Tensor& x, int axis, const Dims& widths, bool drop_axis) {
  const Dims& xd = x.shape().dims();
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= xd[d];
  for (int d = axis + 1; d < static_cast<int>(xd.size()); ++d) inner *= xd[d];
  const int64_t total = xd[axis];
  return array::DispatchElem(x.dtype(), [&](auto e) -> Status {
    using E = decltype(e);
    const E* in = array::Elems<E>(x);
    int64_t offset = 0;
    for (size_t i = 0; i < widths.size(); ++i) {
      Dims od = xd;
      od[axis] = widths[i];
      if (drop_axis) od.erase(od.begin() + axis);
      TFM_ASSIGN_OR_RETURN(Tensor y, Alloc(x.dtype(), od));
      const int64_t block = widths[i] * inner;
      if (block > 0 && outer > 0) {
        array::StridedCopy<E>(in + offset * inner, {total * inner, 1}, array::Elems<E>(y),
                              {block, 1}, {outer, block});
      }
      offset += widths[i];
      c.set_output(static_cast<int>(i), y);
    }
    return Status::Ok();
  });
}

Result<Kernel> SplitOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, DataType::kInt32));
  const DataType t = n.input_type(1);
  TFM_RETURN_IF_ERROR(n.ExpectType(t, array::kMoveTypes));
  TFM_ASSIGN_OR_RETURN(int64_t num, n.IntAttr("num_split"));
  TFM_RETURN_IF_ERROR(array::CheckCountAttr(n, "num_split", num));
  if (num < 1) return n.Error("num_split must be >= 1, got " + std::to_string(num));
  return Kernel{std::vector<DataType>(num, t), Named([num](KernelContext& c) -> Status {
                  const Tensor& x = c.input(1);
                  TFM_ASSIGN_OR_RETURN(int64_t axis_v, ReadScalarInt(c.input(0), "split_dim"));
                  TFM_ASSIGN_OR_RETURN(int axis, array::CanonicalAxis(axis_v, x.shape().rank()));
                  const int64_t dim = x.shape().dim(axis);
                  if (dim % num != 0) {
                    return InvalidArgument(
                        "Number of ways to split should evenly divide the "
                        "split dimension, but got split_dim " +
                        std::to_string(axis) + " (size = " + std::to_string(dim) +
                        ") and num_split " + std::to_string(num));
                  }
                  return SplitInto(c, x, axis, Dims(num, dim / num), false);
                })};
}

Result<Kernel> SplitVOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(3));
  const DataType t = n.input_type(0);
  TFM_RETURN_IF_ERROR(n.ExpectType(t, array::kMoveTypes));
  TFM_RETURN_IF_ERROR(ExpectIndex(n, 1));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(2, DataType::kInt32));
  TFM_ASSIGN_OR_RETURN(int64_t num, n.IntAttr("num_split"));
  TFM_RETURN_IF_ERROR(array::CheckCountAttr(n, "num_split", num));
  if (num < 1) return n.Error("num_split must be >= 1, got " + std::to_string(num));
  return Kernel{std::vector<DataType>(num, t), Named([num](KernelContext& c) -> Status {
                  const Tensor& x = c.input(0);
                  TFM_ASSIGN_OR_RETURN(Dims sizes, ReadInts(c.input(1)));
                  TFM_ASSIGN_OR_RETURN(int64_t axis_v, ReadScalarInt(c.input(2), "split_dim"));
                  TFM_ASSIGN_OR_RETURN(int axis, array::CanonicalAxis(axis_v, x.shape().rank()));
                  if (c.input(1).shape().rank() != 1 || static_cast<int64_t>(sizes.size()) != num) {
                    return InvalidArgument(
                        "size_splits must be a vector of num_split = " + std::to_string(num) +
                        " elements, got shape " + c.input(1).shape().DebugString());
                  }
                  const int64_t dim = x.shape().dim(axis);
                  if (num == 1 && sizes[0] != dim) {
                    return InvalidArgument(
                        "If there is only one output, it must have the same "
                        "size as the input. Input size: " +
                        std::to_string(dim) + " output size: " + std::to_string(sizes[0]));
                  }
                  int unknown = -1;
                  int64_t known = 0;
                  for (size_t i = 0; i < sizes.size(); ++i) {
                    if (sizes[i] == -1) {
                      if (unknown != -1)
                        return InvalidArgument("There can only be one -1 in the input.");
                      unknown = static_cast<int>(i);
                    } else if (sizes[i] < 0) {
                      return InvalidArgument("Split size at index " + std::to_string(i) +
                                             " must be >= 0. Got: " + std::to_string(sizes[i]));
                    } else {
                      known += sizes[i];
                    }
                  }
                  if (unknown != -1) {
                    if (known > dim) {
                      return InvalidArgument("sizes " + std::to_string(known) +
                                             " exceed the split dimension " + std::to_string(dim));
                    }
                    sizes[unknown] = dim - known;
                  } else if (known != dim) {
                    return InvalidArgument(
                        "Determined shape must either match input shape along "
                        "split_dim exactly if fully specified, or be less than "
                        "the size of the input along split_dim if not fully "
                        "specified.  Got: " +
                        std::to_string(known) + " vs " + std::to_string(dim));
                  }
                  return SplitInto(c, x, axis, sizes, false);
                })};
}

Result<Kernel> UnpackOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  const DataType t = n.input_type(0);
  TFM_RETURN_IF_ERROR(n.ExpectType(t, array::kMoveTypes));
  TFM_ASSIGN_OR_RETURN(int64_t num, n.IntAttr("num"));
  TFM_RETURN_IF_ERROR(array::CheckCountAttr(n, "num", num));
  const int64_t axis_attr = n.IntAttrOr("axis", 0);
  return Kernel{std::vector<DataType>(num, t), Named([num, axis_attr](KernelContext& c) -> Status {
                  const Tensor& x = c.input(0);
                  TFM_ASSIGN_OR_RETURN(int axis, array::CanonicalAxis(axis_attr, x.shape().rank()));
                  if (x.shape().dim(axis) != num) {
                    return InvalidArgument("Input shape axis " + std::to_string(axis) +
                                           " must equal " + std::to_string(num) + ", got shape " +
                                           x.shape().DebugString());
                  }
                  return SplitInto(c, x, axis, Dims(num, 1), true);
                })};
}

// ---- Transpose(x, perm): y[i_perm[0], ..] = x[i_0, ..]; dx = transpose(dy, invert(perm)) ---
Result<Kernel> TransposeOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  const DataType t = n.input_type(0);
  TFM_RETURN_IF_ERROR(n.ExpectType(t, array::kMoveTypes));
  TFM_RETURN_IF_ERROR(ExpectIndex(n, 1));
  return Kernel{
      {t}, Named([t](KernelContext& c) -> Status {
        const Tensor& x = c.input(0);
        TFM_ASSIGN_OR_RETURN(Dims perm, ReadInts(c.input(1)));
        const int rank = x.shape().rank();
        if (c.input(1).shape().rank() != 1 || static_cast<int>(perm.size()) != rank) {
          return InvalidArgument("transpose expects a vector of size " + std::to_string(rank) +
                                 ". But input(1) is a vector of size " +
                                 std::to_string(perm.size()));
        }
        std::vector<bool> seen(rank, false);
        Dims out(rank), src_strides(rank);
        const Dims xs = array::Strides(x.shape().dims());
        for (int i = 0; i < rank; ++i) {
          const int64_t p = perm[i];
          if (p < 0 || p >= rank || seen[p]) {
            return InvalidArgument(std::to_string(p) + " is out of range [0 .. " +
                                   std::to_string(rank - 1) + "] or is a duplicate in perm");
          }
          seen[p] = true;
          out[i] = x.shape().dim(static_cast<int>(p));
          src_strides[i] = xs[p];
        }
        TFM_ASSIGN_OR_RETURN(Tensor y, Alloc(t, out));
        TFM_RETURN_IF_ERROR(array::DispatchElem(t, [&](auto e) -> Status {
          using E = decltype(e);
          array::StridedCopy<E>(array::Elems<E>(x), src_strides, array::Elems<E>(y),
                                array::Strides(out), out);
          return Status::Ok();
        }));
        c.set_output(0, y);
        return Status::Ok();
      })};
}

// ---- Tile(input, multiples): y[i] = x[i mod shape(x)] with shape(y) = shape(x) * multiples ----
// dx = sum of dy's tiles.
Result<Kernel> TileOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  const DataType t = n.input_type(0);
  TFM_RETURN_IF_ERROR(n.ExpectType(t, array::kMoveTypes));
  TFM_RETURN_IF_ERROR(ExpectIndex(n, 1));
  return Kernel{{t}, Named([t](KernelContext& c) -> Status {
                  const Tensor& x = c.input(0);
                  TFM_ASSIGN_OR_RETURN(Dims mult, ReadInts(c.input(1)));
                  const int rank = x.shape().rank();
                  if (c.input(1).shape().rank() != 1 || static_cast<int>(mult.size()) != rank) {
                    return InvalidArgument("Expected multiples argument to be a vector of length " +
                                           std::to_string(rank) + " but got length " +
                                           std::to_string(mult.size()));
                  }
                  Dims out(rank);
                  for (int i = 0; i < rank; ++i) {
                    if (mult[i] < 0) {
                      return InvalidArgument("Expected multiples[" + std::to_string(i) +
                                             "] >= 0, but got " + std::to_string(mult[i]));
                    }
                    const int64_t d = x.shape().dim(i);
                    if (d != 0 && mult[i] > (int64_t{1} << 40) / d) {
                      return InvalidArgument("tiled shape is too large");
                    }
                    out[i] = d * mult[i];
                  }
                  TFM_ASSIGN_OR_RETURN(Tensor y, Alloc(t, out));
                  if (y.NumElements() > 0) {
                    std::vector<Dims> maps(rank);
                    for (int i = 0; i < rank; ++i) {
                      for (int64_t j = 0; j < out[i]; ++j) maps[i].push_back(j % x.shape().dim(i));
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

void RegisterArrayShapeOps(OpRegistry& r) {
  r.Add({"Reshape", ReshapeOp});
  r.Add({"Squeeze", SqueezeOp});
  r.Add({"ExpandDims", ExpandDimsOp});
  r.Add({"Shape", ShapeOp});
  r.Add({"ShapeN", ShapeNOp});
  r.Add({"Size", SizeOp});
  r.Add({"Rank", RankOp});
  r.Add({"Fill", FillOp});
  r.Add({"ZerosLike", ConstLikeOp<0>});
  r.Add({"OnesLike", ConstLikeOp<1>});
  r.Add({"Range", RangeOp});
  r.Add({"ConcatV2", ConcatV2Op});
  r.Add({"Pack", PackOp});
  r.Add({"Unpack", UnpackOp});
  r.Add({"Split", SplitOp});
  r.Add({"SplitV", SplitVOp});
  r.Add({"Transpose", TransposeOp});
  r.Add({"Tile", TileOp});
}

}  // namespace tfmodel
