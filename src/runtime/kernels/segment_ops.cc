// Segment reductions: UnsortedSegmentSum (the gradient of GatherV2 w.r.t. its params when
// the gradient is densified, and of axis/batch_dims gathers) and SegmentSum.
#include "src/runtime/kernel.h"
#include "src/runtime/kernels/all_ops.h"
#include "src/runtime/kernels/array_util.h"
#include "src/runtime/kernels/broadcast.h"

namespace tfmodel {
namespace {

using array::Alloc;
using array::Named;
using array::ReadInts;
using Dims = std::vector<int64_t>;

// y[ids[i], ...] += data[i, ...] for the `rows` leading entries of data (each a row of
// `row_len` elements); ids < 0 are skipped. REQUIRES: every id < y's first dim.
template <typename T>
void SumRows(const T* data, const Dims& ids, int64_t row_len, Tensor& y) {
  using C = ComputeT<T>;
  T* out = y.flat<T>().data();
  auto add_rows = [&](C* acc) {
    for (size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] < 0) continue;
      C* dst = acc + ids[i] * row_len;
      const T* src = data + static_cast<int64_t>(i) * row_len;
      for (int64_t j = 0; j < row_len; ++j) dst[j] = WrapAdd(dst[j], Load(src[j]));
    }
  };
  if constexpr (std::is_same_v<C, T>) {
    add_rows(out);  // y is zero-initialised
  } else {
    std::vector<C> acc(static_cast<size_t>(y.NumElements()), C(0));
    add_rows(acc.data());
    for (size_t i = 0; i < acc.size(); ++i) out[i] = Store<T>(acc[i]);
  }
}

// ---- UnsortedSegmentSum(data, segment_ids, num_segments) -------------------------------------
// y[s, ...] = sum over i with segment_ids[i] == s of data[i, ...], where segment_ids (any shape)
// is a prefix of data's shape and y has shape [num_segments] + data.shape[ids.rank:].
// Negative ids are dropped; ids >= num_segments are errors.
// d data = gather(dy, max(segment_ids, 0)) zeroed where ids < 0   (math_grad.py
// _GatherDropNegatives)
Result<Kernel> UnsortedSegmentSum(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(3));
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("T"));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, t));
  TFM_RETURN_IF_ERROR(n.ExpectType(n.input_type(1), array::kIndexTypes));
  TFM_RETURN_IF_ERROR(n.ExpectType(n.input_type(2), array::kIndexTypes));
  KernelFn fn;
  bool ok = Dispatch(RealTypes{}, t, [&]<typename T>() {
    fn = Named([](KernelContext& c) -> Status {
      const Tensor& data = c.input(0);
      const Tensor& seg = c.input(1);
      TFM_ASSIGN_OR_RETURN(int64_t num, array::ReadScalarInt(c.input(2), "num_segments"));
      if (num < 0) {
        return InvalidArgument("num_segments must be non-negative, got " + std::to_string(num));
      }
      const Dims& dd = data.shape().dims();
      const Dims& sd = seg.shape().dims();
      if (sd.size() > dd.size() || !std::equal(sd.begin(), sd.end(), dd.begin())) {
        return InvalidArgument(
            "data.shape = " + data.shape().DebugString() +
            " does not start with segment_ids.shape = " + seg.shape().DebugString());
      }
      TFM_ASSIGN_OR_RETURN(Dims ids, ReadInts(seg));
      for (size_t i = 0; i < ids.size(); ++i) {
        if (ids[i] >= num) {
          return InvalidArgument("segment_ids[" + std::to_string(i) +
                                 "] = " + std::to_string(ids[i]) + " is out of range [0, " +
                                 std::to_string(num) + ")");
        }
      }
      Dims out = {num};
      out.insert(out.end(), dd.begin() + sd.size(), dd.end());
      TFM_ASSIGN_OR_RETURN(Tensor y, Alloc(data.dtype(), out));
      int64_t row_len = 1;
      for (size_t d = sd.size(); d < dd.size(); ++d) row_len *= dd[d];
      SumRows<T>(data.flat<T>().data(), ids, row_len, y);
      c.set_output(0, y);
      return Status::Ok();
    });
  });
  if (!ok) return n.Unsupported(t);
  return Kernel{{t}, std::move(fn)};
}

// ---- SegmentSum(data, segment_ids): segment_ids sorted, one per row of data ----------------
// y[s, ...] = sum over rows i with segment_ids[i] == s; y has segment_ids[-1] + 1 rows (empty
// segments are 0).  d data = gather(dy, segment_ids).
Result<Kernel> SegmentSum(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("T"));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, t));
  TFM_RETURN_IF_ERROR(n.ExpectType(n.input_type(1), array::kIndexTypes));
  KernelFn fn;
  bool ok = Dispatch(RealTypes{}, t, [&]<typename T>() {
    fn = Named([](KernelContext& c) -> Status {
      const Tensor& data = c.input(0);
      const Tensor& seg = c.input(1);
      if (seg.shape().rank() != 1) {
        return InvalidArgument("segment_ids should be a vector, got shape " +
                               seg.shape().DebugString());
      }
      if (data.shape().rank() < 1 || data.shape().dim(0) != seg.NumElements()) {
        return InvalidArgument("segment_ids should be the same size as dimension 0 of input: " +
                               seg.shape().DebugString() + " vs. " + data.shape().DebugString());
      }
      TFM_ASSIGN_OR_RETURN(Dims ids, ReadInts(seg));
      for (size_t i = 0; i < ids.size(); ++i) {
        if (ids[i] < 0 || ids[i] >= (int64_t{1} << 62)) {
          return InvalidArgument("segment ids must be in [0, 2^62), got segment_ids[" +
                                 std::to_string(i) + "] = " + std::to_string(ids[i]));
        }
        if (i > 0 && ids[i] < ids[i - 1]) {
          return InvalidArgument("segment ids are not increasing: segment_ids[" +
                                 std::to_string(i) + "] = " + std::to_string(ids[i]) + " < " +
                                 std::to_string(ids[i - 1]));
        }
      }
      Dims out = data.shape().dims();
      out[0] = ids.empty() ? 0 : ids.back() + 1;
      TFM_ASSIGN_OR_RETURN(Tensor y, Alloc(data.dtype(), out));
      const int64_t row_len =
          data.shape().dim(0) == 0 ? 0 : data.NumElements() / data.shape().dim(0);
      SumRows<T>(data.flat<T>().data(), ids, row_len, y);
      c.set_output(0, y);
      return Status::Ok();
    });
  });
  if (!ok) return n.Unsupported(t);
  return Kernel{{t}, std::move(fn)};
}

}  // namespace

void RegisterSegmentOps(OpRegistry& r) {
  r.Add({"UnsortedSegmentSum", UnsortedSegmentSum});
  r.Add({"SegmentSum", SegmentSum});
}

}  // namespace tfmodel
