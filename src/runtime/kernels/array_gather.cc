// Index-driven array ops: GatherV2, GatherNd, Where (coordinates of true elements), OneHot.
// Gathers move elements of every dtype in array::kMoveTypes by element size.
#include "src/runtime/kernel.h"
#include "src/runtime/kernels/all_ops.h"
#include "src/runtime/kernels/array_util.h"

namespace tfmodel {
namespace {

using array::Alloc;
using array::Named;
using array::ReadInts;
using Dims = std::vector<int64_t>;

// "[1,2]": the coordinates of flat element i of `dims` (TF's SliceDebugString).
std::string Coords(const Dims& dims, int64_t i) {
  Dims c(dims.size());
  for (int d = static_cast<int>(dims.size()) - 1; d >= 0; --d) {
    c[d] = dims[d] == 0 ? 0 : i % dims[d];
    i = dims[d] == 0 ? 0 : i / dims[d];
  }
  std::string s = "[";
  for (size_t d = 0; d < c.size(); ++d) s += (d ? "," : "") + std::to_string(c[d]);
  return s + "]";
}

// ---- GatherV2(params, indices, axis; batch_dims = 0) -------------------------------------
// y[p0.., i.., p1..] = params[p0.., indices[i..], p1..]; shape(y) = shape(params)[:axis] +
// shape(indices) + shape(params)[axis+1:]. An index outside [0, shape(params)[axis]) is an
// InvalidArgument naming the index, as TF's CPU kernel. dparams = UnsortedSegmentSum of dy.
Result<Kernel> GatherV2Op(const NodeInfo& n) {
  const bool v2 = n.op() == "GatherV2";
  TFM_RETURN_IF_ERROR(n.ExpectInputs(v2 ? 3 : 2));
  const DataType t = n.input_type(0);
  TFM_RETURN_IF_ERROR(n.ExpectType(t, array::kMoveTypes));
  TFM_RETURN_IF_ERROR(n.ExpectType(n.input_type(1), array::kIndexTypes));
  if (v2) TFM_RETURN_IF_ERROR(n.ExpectType(n.input_type(2), array::kIndexTypes));
  if (n.IntAttrOr("batch_dims", 0) != 0) {
    return Unimplemented("node '" + n.name() + "' (op " + n.op() +
                         "): batch_dims != 0 is not supported");
  }
  return Kernel{{t}, Named([t, v2](KernelContext& c) -> Status {
                  const Tensor& params = c.input(0);
                  const Tensor& indices = c.input(1);
                  int64_t axis_v = 0;
                  if (v2) {
                    TFM_ASSIGN_OR_RETURN(axis_v, array::ReadScalarInt(c.input(2), "axis"));
                  }
                  const int prank = params.shape().rank();
                  if (prank == 0) return InvalidArgument("params must be at least 1 dimensional");
                  TFM_ASSIGN_OR_RETURN(int axis, array::CanonicalAxis(axis_v, prank));
                  TFM_ASSIGN_OR_RETURN(Dims idx, ReadInts(indices));
                  const Dims& pd = params.shape().dims();
                  const int64_t limit = pd[axis];
                  for (size_t i = 0; i < idx.size(); ++i) {
                    if (idx[i] < 0 || idx[i] >= limit) {
                      return InvalidArgument("indices" + Coords(indices.shape().dims(), i) + " = " +
                                             std::to_string(idx[i]) + " is not in [0, " +
                                             std::to_string(limit) + ")");
                    }
                  }
                  Dims out(pd.begin(), pd.begin() + axis);
                  for (int64_t d : indices.shape().dims()) out.push_back(d);
                  out.insert(out.end(), pd.begin() + axis + 1, pd.end());
                  int64_t outer = 1, inner = 1;
                  for (int d = 0; d < axis; ++d) outer *= pd[d];
                  for (int d = axis + 1; d < prank; ++d) inner *= pd[d];
                  TFM_ASSIGN_OR_RETURN(Tensor y, Alloc(t, out));
                  if (y.NumElements() == 0) {
                    c.set_output(0, y);
                    return Status::Ok();
                  }
                  TFM_RETURN_IF_ERROR(array::DispatchElem(t, [&](auto e) -> Status {
                    using E = decltype(e);
                    const E* in = array::Elems<E>(params);
                    E* o = array::Elems<E>(y);
                    const int64_t n_idx = static_cast<int64_t>(idx.size());
                    for (int64_t a = 0; a < outer; ++a) {
                      for (int64_t i = 0; i < n_idx; ++i) {
                        const E* src = in + (a * limit + idx[i]) * inner;
                        E* dst = o + (a * n_idx + i) * inner;
                        for (int64_t k = 0; k < inner; ++k) dst[k] = src[k];
                      }
                    }
                    return Status::Ok();
                  }));
                  c.set_output(0, y);
                  return Status::Ok();
                })};
}

// ---- GatherNd(params, indices) -----------------------------------------------------------
// With K = shape(indices)[-1]: y[i..] = params[indices[i.., 0], ..., indices[i.., K-1], :];
// shape(y) = shape(indices)[:-1] + shape(params)[K:]. dparams = ScatterNd of dy.
Result<Kernel> GatherNdOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  const DataType t = n.input_type(0);
  TFM_RETURN_IF_ERROR(n.ExpectType(t, array::kMoveTypes));
  TFM_RETURN_IF_ERROR(n.ExpectType(n.input_type(1), array::kIndexTypes));
  return Kernel{{t}, Named([t](KernelContext& c) -> Status {
                  const Tensor& params = c.input(0);
                  const Tensor& indices = c.input(1);
                  const Dims& pd = params.shape().dims();
                  const Dims& id = indices.shape().dims();
                  if (id.empty()) return InvalidArgument("indices must be at least a vector");
                  const int64_t k = id.back();
                  if (k > static_cast<int64_t>(pd.size())) {
                    return InvalidArgument(
                        "index innermost dimension length must be <= params "
                        "rank; saw: " +
                        std::to_string(k) + " vs. " + std::to_string(pd.size()));
                  }
                  TFM_ASSIGN_OR_RETURN(Dims idx, ReadInts(indices));
                  Dims out(id.begin(), id.end() - 1);
                  out.insert(out.end(), pd.begin() + k, pd.end());
                  int64_t inner = 1;
                  for (size_t d = k; d < pd.size(); ++d) inner *= pd[d];
                  const Dims ps = array::Strides(pd);
                  int64_t n_slices = 1;
                  for (size_t d = 0; d + 1 < id.size(); ++d) n_slices *= id[d];
                  Dims offsets(n_slices, 0);
                  for (int64_t s = 0; s < n_slices && k > 0; ++s) {
                    for (int64_t j = 0; j < k; ++j) {
                      const int64_t v = idx[s * k + j];
                      if (v < 0 || v >= pd[j]) {
                        std::string ix = "[";
                        for (int64_t q = 0; q < k; ++q)
                          ix += (q ? ", " : "") + std::to_string(idx[s * k + q]);
                        Dims batch(id.begin(), id.end() - 1);
                        return InvalidArgument("indices" + Coords(batch, s) + " = " + ix +
                                               "] does not index into param shape " +
                                               params.shape().DebugString());
                      }
                      offsets[s] += v * ps[j];
                    }
                  }
                  TFM_ASSIGN_OR_RETURN(Tensor y, Alloc(t, out));
                  if (y.NumElements() > 0) {
                    TFM_RETURN_IF_ERROR(array::DispatchElem(t, [&](auto e) -> Status {
                      using E = decltype(e);
                      const E* in = array::Elems<E>(params);
                      E* o = array::Elems<E>(y);
                      for (int64_t s = 0; s < n_slices; ++s) {
                        for (int64_t q = 0; q < inner; ++q) o[s * inner + q] = in[offsets[s] + q];
                      }
                      return Status::Ok();
                    }));
                  }
                  c.set_output(0, y);
                  return Status::Ok();
                })};
}

// ---- Where(input): the int64 coordinates [num_true, rank] of the non-zero elements, in
// row-major order. No gradient.
Result<Kernel> WhereOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  const DataType t = n.input_type(0);
  TFM_RETURN_IF_ERROR(
      n.ExpectType(t, {DataType::kBool, DataType::kFloat, DataType::kDouble, DataType::kInt32,
                       DataType::kInt64, DataType::kUInt8, DataType::kInt8}));
  return Kernel{{DataType::kInt64}, Named([t](KernelContext& c) -> Status {
                  const Tensor& x = c.input(0);
                  if (x.shape().rank() == 0) {
                    return InvalidArgument("WhereOp : Unhandled input dimensions: 0");
                  }
                  Dims hits;
                  TFM_RETURN_IF_ERROR(DispatchPod(t, Status::Ok(), [&](auto zero) -> Status {
                    using T = decltype(zero);
                    if constexpr (std::is_arithmetic_v<T>) {
                      auto v = x.flat<T>();
                      for (size_t i = 0; i < v.size(); ++i) {
                        if (v[i] != T(0)) hits.push_back(static_cast<int64_t>(i));
                      }
                    }
                    return Status::Ok();
                  }));
                  const Dims& xd = x.shape().dims();
                  const int rank = static_cast<int>(xd.size());
                  TFM_ASSIGN_OR_RETURN(
                      Tensor y, Alloc(DataType::kInt64, {static_cast<int64_t>(hits.size()), rank}));
                  auto o = y.flat<int64_t>();
                  for (size_t h = 0; h < hits.size(); ++h) {
                    int64_t i = hits[h];
                    for (int d = rank - 1; d >= 0; --d) {
                      o[h * rank + d] = i % xd[d];
                      i /= xd[d];
                    }
                  }
                  c.set_output(0, y);
                  return Status::Ok();
                })};
}

// ---- OneHot(indices, depth, on_value, off_value; axis) -----------------------------------
// y[.., j (at axis), ..] = on_value if indices[..] == j else off_value; an index outside
// [0, depth) gives a row of off_value. axis = -1 appends the new dim. No gradient.
Result<Kernel> OneHotOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(4));
  TFM_RETURN_IF_ERROR(
      n.ExpectType(n.input_type(0), {DataType::kUInt8, DataType::kInt32, DataType::kInt64}));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(1, DataType::kInt32));
  const DataType t = n.input_type(2);
  TFM_RETURN_IF_ERROR(n.ExpectType(t, array::kMoveTypes));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(3, t));
  const int64_t axis_attr = n.IntAttrOr("axis", -1);
  if (axis_attr < -1)
    return n.Error("Expected axis to be -1 or between [0, rank), got " + std::to_string(axis_attr));
  return Kernel{
      {t}, Named([t, axis_attr](KernelContext& c) -> Status {
        const Tensor& ind = c.input(0);
        const int rank = ind.shape().rank();
        if (axis_attr > rank) {
          return InvalidArgument("Expected axis to be -1 or between [0, " +
                                 std::to_string(rank + 1) +
                                 "). But received: " + std::to_string(axis_attr));
        }
        if (c.input(1).NumElements() != 1 || c.input(2).NumElements() != 1 ||
            c.input(3).NumElements() != 1) {
          return InvalidArgument("depth, on_value and off_value must be scalars");
        }
        const int64_t depth = c.input(1).flat<int32_t>()[0];
        if (depth < 0) {
          return InvalidArgument("depth must be non-negative, got: " + std::to_string(depth));
        }
        const int axis = axis_attr == -1 ? rank : static_cast<int>(axis_attr);
        Dims idx;
        if (ind.dtype() == DataType::kUInt8) {
          for (uint8_t v : ind.flat<uint8_t>()) idx.push_back(v);
        } else {
          TFM_ASSIGN_OR_RETURN(idx, ReadInts(ind));
        }
        const Dims& id = ind.shape().dims();
        Dims out = id;
        out.insert(out.begin() + axis, depth);
        int64_t prefix = 1, suffix = 1;
        for (int d = 0; d < axis; ++d) prefix *= id[d];
        for (int d = axis; d < rank; ++d) suffix *= id[d];
        TFM_ASSIGN_OR_RETURN(Tensor y, Alloc(t, out));
        TFM_RETURN_IF_ERROR(array::DispatchElem(t, [&](auto e) -> Status {
          using E = decltype(e);
          const E on = array::Elems<E>(c.input(2))[0];
          const E off = array::Elems<E>(c.input(3))[0];
          E* o = array::Elems<E>(y);
          // y viewed as [prefix, depth, suffix]; indices as [prefix, suffix].
          for (int64_t p = 0; p < prefix; ++p) {
            for (int64_t d = 0; d < depth; ++d) {
              for (int64_t s = 0; s < suffix; ++s) {
                o[(p * depth + d) * suffix + s] = idx[p * suffix + s] == d ? on : off;
              }
            }
          }
          return Status::Ok();
        }));
        c.set_output(0, y);
        return Status::Ok();
      })};
}

}  // namespace

void RegisterArrayGatherOps(OpRegistry& r) {
  r.Add({"GatherV2", GatherV2Op});
  r.Add({"Gather", GatherV2Op});
  r.Add({"GatherNd", GatherNdOp});
  r.Add({"Where", WhereOp});
  r.Add({"OneHot", OneHotOp});
}

}  // namespace tfmodel
