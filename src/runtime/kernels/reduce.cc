// Reductions over axes (Sum, Mean, Max, Min, Prod, All, Any), ArgMax/ArgMin, Cumsum/Cumprod and
// TopKV2.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>

#include "src/runtime/kernel.h"
#include "src/runtime/kernels/all_ops.h"
#include "src/runtime/kernels/broadcast.h"

namespace tfmodel {
namespace {

using IndexTypes = TypeList<int32_t, int64_t>;

// Reads a scalar or vector of int32/int64 values.
std::vector<int64_t> IndexValues(const Tensor& t) {
  std::vector<int64_t> v;
  Dispatch(IndexTypes{}, t.dtype(), [&]<typename I>() {
    for (I x : t.flat<I>()) v.push_back(static_cast<int64_t>(x));
  });
  return v;
}

// A normalised axis in [0, rank), or TF's error.
Result<int> NormalizeAxis(KernelContext& c, int64_t axis, int rank) {
  if (axis < -rank || axis >= rank) {
    return c.Error(StatusCode::kInvalidArgument, "Invalid reduction dimension (" +
                                                     std::to_string(axis) + " for input with " +
                                                     std::to_string(rank) + " dimension(s)");
  }
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

// ---- Sum, Mean, Prod, Max, Min, All, Any over `reduction_indices` ------------------------------
// Sum: y = sum x;  dx = broadcast(dy).  Mean: y = sum x / n;  dx = broadcast(dy) / n.
// Prod: y = prod x;  dx = broadcast(dy) y / x.  Max/Min: dx = dy where x == y (split among ties).
// Empty reductions give the identity: 0, 1, lowest (Max), highest (Min), true (All), false
// (Any); Mean of nothing is NaN for floats, 0 for integers.
enum class Reducer { kSum, kMean, kProd, kMax, kMin, kAll, kAny };

template <Reducer R, typename A>
A Identity() {
  if constexpr (R == Reducer::kSum || R == Reducer::kMean || R == Reducer::kAny) {
    return static_cast<A>(0);
  } else if constexpr (R == Reducer::kProd || R == Reducer::kAll) {
    return static_cast<A>(1);
  } else if constexpr (R == Reducer::kMax) {
    if constexpr (std::is_floating_point_v<A>) return -std::numeric_limits<A>::infinity();
    return std::numeric_limits<A>::lowest();
  } else {
    if constexpr (std::is_floating_point_v<A>) return std::numeric_limits<A>::infinity();
    return std::numeric_limits<A>::max();
  }
}

template <Reducer R, typename A>
A Combine(A acc, A x) {
  if constexpr (R == Reducer::kSum || R == Reducer::kMean) {
    return WrapAdd(acc, x);
  } else if constexpr (R == Reducer::kProd) {
    return WrapMul(acc, x);
  } else if constexpr (R == Reducer::kMax) {
    if constexpr (std::is_floating_point_v<A>) {
      if (std::isnan(x)) return x;
    }
    return acc < x ? x : acc;
  } else if constexpr (R == Reducer::kMin) {
    if constexpr (std::is_floating_point_v<A>) {
      if (std::isnan(x)) return x;
    }
    return x < acc ? x : acc;
  } else if constexpr (R == Reducer::kAll) {
    return acc && x;
  } else {
    return acc || x;
  }
}

template <Reducer R, typename T>
Status Reduce(KernelContext& c, bool keep_dims) {
  using A = ComputeT<T>;
  const Tensor& x = c.input(0);
  const int rank = x.shape().rank();
  std::vector<bool> reduced(rank, false);
  for (int64_t a : IndexValues(c.input(1))) {
    TFM_ASSIGN_OR_RETURN(int d, NormalizeAxis(c, a, rank));
    if (reduced[d]) {
      return c.Error(
          StatusCode::kInvalidArgument,
          "Invalid reduction arguments: Axes contains duplicate dimension: " + std::to_string(d));
    }
    reduced[d] = true;
  }
  std::vector<int64_t> kept_dims, out_dims;
  int64_t count = 1;
  for (int d = 0; d < rank; ++d) {
    kept_dims.push_back(reduced[d] ? 1 : x.shape().dim(d));
    if (reduced[d]) count *= x.shape().dim(d);
    if (!reduced[d] || keep_dims) out_dims.push_back(kept_dims.back());
  }
  TFM_ASSIGN_OR_RETURN(Shape kept, Shape::Make(kept_dims));
  TFM_ASSIGN_OR_RETURN(Shape out_shape, Shape::Make(out_dims));
  TFM_ASSIGN_OR_RETURN(Broadcast b, Broadcast::Make({&x.shape(), &kept}, c.node_name()));
  // Not std::vector: A may be bool.
  const int64_t out_size = kept.NumElements();
  std::unique_ptr<A[]> acc(new A[out_size]);
  std::fill(acc.get(), acc.get() + out_size, Identity<R, A>());
  const T* xv = x.flat<T>().data();
  b.ForEachRow<2>([&](int64_t, std::array<int64_t, 2> in, std::array<int64_t, 2> st, int64_t len) {
    const T* row = xv + in[0];
    if (st[1] == 0) {
      A a = acc[in[1]];
      for (int64_t j = 0; j < len; ++j) a = Combine<R, A>(a, Load(row[j]));
      acc[in[1]] = a;
    } else {
      A* o = acc.get() + in[1];
      for (int64_t j = 0; j < len; ++j) o[j] = Combine<R, A>(o[j], Load(row[j]));
    }
  });
  Result<Tensor> out = Tensor::AllocateUninitialized(x.dtype(), out_shape);
  if (!out.ok()) return out.status().WithContext("node '" + c.node_name() + "'");
  auto ov = out->flat<T>();
  for (size_t i = 0; i < ov.size(); ++i) {
    A v = acc[i];
    if constexpr (R == Reducer::kMean) {
      if constexpr (std::is_floating_point_v<A>) {
        v = v / static_cast<A>(count);
      } else {
        v = count == 0 ? A{0} : static_cast<A>(static_cast<int64_t>(v) / count);
      }
    }
    ov[i] = Store<T>(v);
  }
  c.set_output(0, *out);
  return Status::Ok();
}

template <Reducer R>
Result<Kernel> ReduceOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  constexpr bool logical = R == Reducer::kAll || R == Reducer::kAny;
  DataType t = DataType::kBool;
  if (!logical) {
    TFM_ASSIGN_OR_RETURN(t, n.TypeAttr("T"));
  }
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, t));
  TFM_RETURN_IF_ERROR(n.ExpectType(n.input_type(1), {DataType::kInt32, DataType::kInt64}));
  const bool keep_dims = n.BoolAttrOr("keep_dims", false);
  KernelFn fn;
  auto make = [&]<typename T>() {
    fn = [keep_dims](KernelContext& c) { return Reduce<R, T>(c, keep_dims); };
  };
  bool ok;
  if constexpr (logical) {
    ok = Dispatch<bool>(t, make);
  } else {
    ok = Dispatch(RealTypes{}, t, make);
  }
  if (!ok) return n.Unsupported(t);
  return Kernel{{t}, std::move(fn)};
}

template <typename C>
bool IsNan(C v) {
  if constexpr (std::is_floating_point_v<C>) {
    return std::isnan(v);
  } else {
    return false;
  }
}

// Splits a shape around `axis` into [outer, n, inner].
struct AxisSplit {
  int64_t outer = 1, n = 1, inner = 1;
};
AxisSplit Split(const Shape& s, int axis) {
  AxisSplit r;
  for (int d = 0; d < s.rank(); ++d) {
    (d < axis ? r.outer : d == axis ? r.n : r.inner) *= s.dim(d);
  }
  return r;
}

// ---- ArgMax / ArgMin(input, dimension): index of the first max/min along an axis; no gradient --
template <bool kMax, typename T, typename I>
Status ArgReduce(KernelContext& c) {
  const Tensor& x = c.input(0);
  const Tensor& dim = c.input(1);
  if (dim.NumElements() != 1) {
    return c.Error(StatusCode::kInvalidArgument,
                   "dimension must be a scalar, got shape " + dim.shape().DebugString());
  }
  const int rank = x.shape().rank();
  TFM_ASSIGN_OR_RETURN(int axis, NormalizeAxis(c, IndexValues(dim)[0], rank));
  AxisSplit s = Split(x.shape(), axis);
  if (s.n == 0) {
    return c.Error(
        StatusCode::kInvalidArgument,
        "Reduction axis " + std::to_string(axis) + " is empty in shape " + x.shape().DebugString());
  }
  std::vector<int64_t> out_dims = x.shape().dims();
  out_dims.erase(out_dims.begin() + axis);
  TFM_ASSIGN_OR_RETURN(Shape out_shape, Shape::Make(out_dims));
  Result<Tensor> out = Tensor::AllocateUninitialized(CppToDataType<I>(), out_shape);
  if (!out.ok()) return out.status().WithContext("node '" + c.node_name() + "'");
  const T* xv = x.flat<T>().data();
  I* ov = out->flat<I>().data();
  for (int64_t o = 0; o < s.outer; ++o) {
    for (int64_t i = 0; i < s.inner; ++i) {
      const T* p = xv + o * s.n * s.inner + i;
      auto best = Load(p[0]);
      int64_t best_k = 0;
      for (int64_t k = 1; k < s.n; ++k) {
        auto v = Load(p[k * s.inner]);
        // NaN is skipped, also in first place (as TensorFlow 2.21 does).
        if ((kMax ? best < v : v < best) || (IsNan(best) && !IsNan(v))) {
          best = v;
          best_k = k;
        }
      }
      ov[o * s.inner + i] = static_cast<I>(best_k);
    }
  }
  c.set_output(0, *out);
  return Status::Ok();
}

template <bool kMax>
Result<Kernel> ArgOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("T"));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, t));
  TFM_RETURN_IF_ERROR(n.ExpectType(n.input_type(1), {DataType::kInt32, DataType::kInt64}));
  DataType out_type = DataType::kInt64;
  if (n.FindAttr("output_type") != nullptr) {
    TFM_ASSIGN_OR_RETURN(out_type, n.TypeAttr("output_type"));
  }
  KernelFn fn;
  bool out_ok = false;
  bool ok = Dispatch(RealTypes{}, t, [&]<typename T>() {
    out_ok = Dispatch(IndexTypes{}, out_type, [&]<typename I>() { fn = ArgReduce<kMax, T, I>; });
  });
  if (!ok) return n.Unsupported(t);
  if (!out_ok) return n.Unsupported(out_type);
  return Kernel{{out_type}, std::move(fn)};
}

// ---- Cumsum(x, axis): y_i = sum_{j <= i} x_j (exclusive: j < i; reverse: from the end) ----------
// dx = cumsum(dy, exclusive, !reverse).
// ---- Cumprod(x, axis): y_i = prod_{j <= i} x_j (same attrs) --------------------------------
// dx = cumsum(y * dy, exclusive, !reverse) / x   (math_grad.py _CumprodGrad; assumes x != 0)
template <typename T, bool kProd>
Status Cumulative(KernelContext& c, bool exclusive, bool reverse) {
  const Tensor& x = c.input(0);
  const Tensor& axis_t = c.input(1);
  if (axis_t.shape().rank() != 0) {
    return c.Error(StatusCode::kInvalidArgument,
                   "axis must be a scalar, got shape " + axis_t.shape().DebugString());
  }
  const int rank = x.shape().rank();
  if (rank == 0) return c.Error(StatusCode::kInvalidArgument, "input must be at least 1-D");
  TFM_ASSIGN_OR_RETURN(int axis, NormalizeAxis(c, IndexValues(axis_t)[0], rank));
  AxisSplit s = Split(x.shape(), axis);
  Result<Tensor> out = Tensor::AllocateUninitialized(x.dtype(), x.shape());
  if (!out.ok()) return out.status().WithContext("node '" + c.node_name() + "'");
  const T* xv = x.flat<T>().data();
  T* ov = out->flat<T>().data();
  for (int64_t o = 0; o < s.outer; ++o) {
    for (int64_t i = 0; i < s.inner; ++i) {
      ComputeT<T> acc{kProd ? 1 : 0};
      for (int64_t step = 0; step < s.n; ++step) {
        const int64_t k = reverse ? s.n - 1 - step : step;
        const int64_t at = (o * s.n + k) * s.inner + i;
        const auto v = Load(xv[at]);
        if (!exclusive) acc = kProd ? WrapMul(acc, v) : WrapAdd(acc, v);
        ov[at] = Store<T>(acc);
        if (exclusive) acc = kProd ? WrapMul(acc, v) : WrapAdd(acc, v);
      }
    }
  }
  c.set_output(0, *out);
  return Status::Ok();
}

template <bool kProd>
Result<Kernel> CumulativeOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("T"));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, t));
  TFM_RETURN_IF_ERROR(n.ExpectType(n.input_type(1), {DataType::kInt32, DataType::kInt64}));
  const bool exclusive = n.BoolAttrOr("exclusive", false);
  const bool reverse = n.BoolAttrOr("reverse", false);
  KernelFn fn;
  bool ok = Dispatch(RealTypes{}, t, [&]<typename T>() {
    fn = [exclusive, reverse](KernelContext& c) {
      return Cumulative<T, kProd>(c, exclusive, reverse);
    };
  });
  if (!ok) return n.Unsupported(t);
  return Kernel{{t}, std::move(fn)};
}

// ---- TopKV2(input, k): the k largest entries of the last axis and their indices
// ------------------ Sorted descending; equal values keep the lower index first. (sorted=false
// returns them sorted too, which TensorFlow allows.) d_input = scatter of dvalues to indices.
template <typename T, typename I>
Status TopK(KernelContext& c) {
  const Tensor& x = c.input(0);
  const Tensor& k_t = c.input(1);
  if (k_t.shape().rank() != 0) {
    return c.Error(StatusCode::kInvalidArgument,
                   "k must be a scalar, got shape " + k_t.shape().DebugString());
  }
  int64_t k = 0;
  Dispatch<int16_t, int32_t, int64_t>(k_t.dtype(), [&]<typename K>() { k = k_t.flat<K>()[0]; });
  if (k < 0) return c.Error(StatusCode::kInvalidArgument, "Need k >= 0, got " + std::to_string(k));
  const int rank = x.shape().rank();
  if (rank < 1) return c.Error(StatusCode::kInvalidArgument, "input must be >= 1-D");
  const int64_t cols = x.shape().dim(rank - 1);
  if (cols < k) {
    return c.Error(StatusCode::kInvalidArgument, "input must have at least k columns. Had " +
                                                     std::to_string(cols) + ", needed " +
                                                     std::to_string(k));
  }
  std::vector<int64_t> dims = x.shape().dims();
  dims.back() = k;
  TFM_ASSIGN_OR_RETURN(Shape out_shape, Shape::Make(dims));
  Result<Tensor> values = Tensor::AllocateUninitialized(x.dtype(), out_shape);
  if (!values.ok()) return values.status().WithContext("node '" + c.node_name() + "'");
  Result<Tensor> indices = Tensor::AllocateUninitialized(CppToDataType<I>(), out_shape);
  if (!indices.ok()) return indices.status().WithContext("node '" + c.node_name() + "'");
  const int64_t rows = cols == 0 ? 0 : x.NumElements() / cols;
  const T* xv = x.flat<T>().data();
  T* vv = values->flat<T>().data();
  I* iv = indices->flat<I>().data();
  std::vector<int64_t> order(cols);
  for (int64_t r = 0; r < rows; ++r) {
    const T* row = xv + r * cols;
    std::iota(order.begin(), order.end(), int64_t{0});
    // A strict weak order even with NaN (ranked above everything), which sorting requires.
    auto greater = [](auto va, auto vb) {
      return IsNan(va) ? !IsNan(vb) : (!IsNan(vb) && vb < va);
    };
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int64_t a, int64_t b) {
      auto va = Load(row[a]), vb = Load(row[b]);
      return greater(va, vb) || (!greater(vb, va) && a < b);
    });
    for (int64_t j = 0; j < k; ++j) {
      vv[r * k + j] = row[order[j]];
      iv[r * k + j] = static_cast<I>(order[j]);
    }
  }
  c.set_output(0, *values);
  c.set_output(1, *indices);
  return Status::Ok();
}

Result<Kernel> TopKV2(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("T"));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, t));
  TFM_RETURN_IF_ERROR(
      n.ExpectType(n.input_type(1), {DataType::kInt16, DataType::kInt32, DataType::kInt64}));
  DataType index_type = DataType::kInt32;
  if (n.FindAttr("index_type") != nullptr) {
    TFM_ASSIGN_OR_RETURN(index_type, n.TypeAttr("index_type"));
  }
  KernelFn fn;
  bool index_ok = false;
  bool ok = Dispatch(RealTypes{}, t, [&]<typename T>() {
    index_ok = Dispatch(IndexTypes{}, index_type, [&]<typename I>() { fn = TopK<T, I>; });
  });
  if (!ok) return n.Unsupported(t);
  if (!index_ok) return n.Unsupported(index_type);
  return Kernel{{t, index_type}, std::move(fn)};
}

}  // namespace

void RegisterReduceOps(OpRegistry& r) {
  r.Add({"Sum", ReduceOp<Reducer::kSum>});
  r.Add({"Mean", ReduceOp<Reducer::kMean>});
  r.Add({"Prod", ReduceOp<Reducer::kProd>});
  r.Add({"Max", ReduceOp<Reducer::kMax>});
  r.Add({"Min", ReduceOp<Reducer::kMin>});
  r.Add({"All", ReduceOp<Reducer::kAll>});
  r.Add({"Any", ReduceOp<Reducer::kAny>});
  r.Add({"ArgMax", ArgOp<true>});
  r.Add({"ArgMin", ArgOp<false>});
  r.Add({"Cumsum", CumulativeOp<false>});
  r.Add({"Cumprod", CumulativeOp<true>});
  r.Add({"TopKV2", TopKV2});
}

}  // namespace tfmodel
