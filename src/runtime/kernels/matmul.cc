// Matrix products: MatMul (2-D, transpose_a/b) and BatchMatMul/BatchMatMulV2 (batched, V2
// broadcasts the batch dims). Floating types run on gemm.h (transposed operands are read in
// place through strides; half types are widened to float first); integers on a plain loop.
#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "src/runtime/kernel.h"
#include "src/runtime/kernels/all_ops.h"
#include "src/runtime/kernels/broadcast.h"
#include "src/runtime/kernels/epilogue.h"
#include "src/runtime/kernels/gemm.h"

namespace tfmodel {
namespace {

using MatMulTypes = TypeList<float, double, Half, BFloat16, int32_t, int64_t>;

// Integers: a plain i-p-j loop with wrapping arithmetic.
template <typename T>
void GemmInt(const T* a, const T* b, T* c, int64_t m, int64_t n, int64_t k) {
  std::fill(c, c + m * n, T{0});
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t p = 0; p < k; ++p) {
      const T av = a[i * k + p];
      const T* brow = b + p * n;
      T* crow = c + i * n;
      for (int64_t j = 0; j < n; ++j) crow[j] = WrapAdd(crow[j], WrapMul(av, brow[j]));
    }
  }
}

// x (rows x cols, row-major, maybe to be transposed) as a row-major ComputeT<T> matrix. Returns
// x itself when no copy is needed.
template <typename T>
const ComputeT<T>* AsRowMajor(const T* x, int64_t rows, int64_t cols, bool transpose,
                              std::vector<ComputeT<T>>& scratch) {
  using C = ComputeT<T>;
  if constexpr (std::is_same_v<C, T>) {
    if (!transpose) return x;
  }
  scratch.resize(rows * cols);
  if (!transpose) {
    for (int64_t i = 0; i < rows * cols; ++i) scratch[i] = Load(x[i]);
  } else {
    // Result is cols x rows.
    for (int64_t i = 0; i < rows; ++i) {
      for (int64_t j = 0; j < cols; ++j) scratch[j * rows + i] = Load(x[i * cols + j]);
    }
  }
  return scratch.data();
}

// One product: a is [k,m] when ta else [m,k]; b is [n,k] when tb else [k,n]; out is [m,n].
template <typename T>
struct MatMulScratch {
  std::vector<ComputeT<T>> a, b, c;
};
template <typename T>
void MatMulOne(const T* a, bool ta, const T* b, bool tb, T* out, int64_t m, int64_t n, int64_t k,
               MatMulScratch<T>& s, ThreadPool* pool, const gemm::PostOps* post = nullptr) {
  using C = ComputeT<T>;
  if constexpr (std::is_floating_point_v<C>) {
    const C* am = AsRowMajor(a, ta ? k : m, ta ? m : k, /*transpose=*/false, s.a);
    const C* bm = AsRowMajor(b, tb ? n : k, tb ? k : n, /*transpose=*/false, s.b);
    C* cm;
    if constexpr (std::is_same_v<C, T>) {
      cm = out;
    } else {
      s.c.resize(m * n);
      cm = s.c.data();
    }
    const auto ma = ta ? gemm::Matrix<C>{am, 1, m} : gemm::Matrix<C>{am, k, 1};
    const auto mb = tb ? gemm::Matrix<C>{bm, 1, k} : gemm::Matrix<C>{bm, n, 1};
    if constexpr (std::is_same_v<T, float>) {
      gemm::Gemm(m, n, k, ma, mb, cm, n, /*accumulate=*/false, pool, post);
    } else {
      gemm::Gemm(m, n, k, ma, mb, cm, n, /*accumulate=*/false, pool);
    }
    if constexpr (!std::is_same_v<C, T>) {
      for (int64_t i = 0; i < m * n; ++i) out[i] = Store<T>(cm[i]);
    }
  } else {
    const C* am = AsRowMajor(a, ta ? k : m, ta ? m : k, ta, s.a);
    const C* bm = AsRowMajor(b, tb ? n : k, tb ? k : n, tb, s.b);
    GemmInt<C>(am, bm, out, m, n, k);
  }
}

Status SizeIncompatible(KernelContext& c, const Shape& a, const Shape& b) {
  return c.Error(StatusCode::kInvalidArgument, "Matrix size-incompatible: In[0]: " +
                                                   a.DebugString() + ", In[1]: " + b.DebugString());
}

// ---- MatMul: z = op(a) op(b), op = transpose or not
// ------------------------------------------------ da = dz b^T (or b dz^T when transpose_a), db =
// a^T dz (or dz^T a when transpose_b).
template <typename T>
Status MatMul(KernelContext& c, bool ta, bool tb) {
  const Tensor& a = c.input(0);
  const Tensor& b = c.input(1);
  if (a.shape().rank() != 2 || b.shape().rank() != 2) {
    return c.Error(StatusCode::kInvalidArgument,
                   "In[0] and In[1] must be matrices: " + a.shape().DebugString() + ", " +
                       b.shape().DebugString());
  }
  const int64_t m = a.shape().dim(ta ? 1 : 0), k = a.shape().dim(ta ? 0 : 1);
  const int64_t kb = b.shape().dim(tb ? 1 : 0), n = b.shape().dim(tb ? 0 : 1);
  if (k != kb) return SizeIncompatible(c, a.shape(), b.shape());
  Result<Tensor> out = Tensor::AllocateUninitialized(a.dtype(), Shape{m, n});
  if (!out.ok()) return out.status().WithContext("node '" + c.node_name() + "'");
  MatMulScratch<T> scratch;
  gemm::PostOp ops[gemm::kMaxPostOps];
  gemm::PostOps post_storage;
  const gemm::PostOps* post = nullptr;
  if constexpr (std::is_same_v<T, float>) post = TakeEpilogue(c, out->shape(), ops, &post_storage);
  MatMulOne(a.flat<T>().data(), ta, b.flat<T>().data(), tb, out->flat<T>().data(), m, n, k,
            scratch, c.thread_pool(), post);
  c.set_output(0, *std::move(out));
  return Status::Ok();
}

Result<Kernel> MatMulOp(const NodeInfo& n) {
  TFM_ASSIGN_OR_RETURN(DataType t, n.ExpectInputsOfTypeT(2));
  const bool ta = n.BoolAttrOr("transpose_a", false), tb = n.BoolAttrOr("transpose_b", false);
  KernelFn fn;
  if (!Dispatch(MatMulTypes{}, t, [&]<typename T>() {
        fn = [ta, tb](KernelContext& c) { return MatMul<T>(c, ta, tb); };
      })) {
    return n.Unsupported(t);
  }
  return Kernel{{t}, std::move(fn)};
}

// ---- BatchMatMul / BatchMatMulV2: z[b] = op(x[b]) op(y[b]) over leading batch dims -------------
// adj_x/adj_y transpose the last two dims (adjoint = transpose for real types). V2 broadcasts
// the batch dims; V1 requires them equal. Gradients as MatMul per batch, un-broadcast by the
// autodiff driver.
template <typename T>
Status BatchMatMul(KernelContext& c, bool adj_x, bool adj_y, bool broadcast) {
  const Tensor& x = c.input(0);
  const Tensor& y = c.input(1);
  const int rx = x.shape().rank(), ry = y.shape().rank();
  if (rx < 2 || ry < 2) {
    return c.Error(StatusCode::kInvalidArgument,
                   "In[0] and In[1] must have rank >= 2: " + x.shape().DebugString() + ", " +
                       y.shape().DebugString());
  }
  const int64_t m = x.shape().dim(adj_x ? rx - 1 : rx - 2),
                k = x.shape().dim(adj_x ? rx - 2 : rx - 1);
  const int64_t ky = y.shape().dim(adj_y ? ry - 1 : ry - 2),
                n = y.shape().dim(adj_y ? ry - 2 : ry - 1);
  if (k != ky) return SizeIncompatible(c, x.shape(), y.shape());
  TFM_ASSIGN_OR_RETURN(Shape xb, Shape::Make(std::span(x.shape().dims()).first(rx - 2)));
  TFM_ASSIGN_OR_RETURN(Shape yb, Shape::Make(std::span(y.shape().dims()).first(ry - 2)));
  if (!broadcast && !(xb == yb)) {
    return c.Error(StatusCode::kInvalidArgument,
                   "batch dimensions must be equal: " + x.shape().DebugString() + " vs. " +
                       y.shape().DebugString());
  }
  TFM_ASSIGN_OR_RETURN(Broadcast b, Broadcast::Make({&xb, &yb}, c.node_name()));
  std::vector<int64_t> out_dims = b.output_shape().dims();
  out_dims.push_back(m);
  out_dims.push_back(n);
  TFM_ASSIGN_OR_RETURN(Shape out_shape, Shape::Make(out_dims));
  Result<Tensor> out = Tensor::AllocateUninitialized(x.dtype(), out_shape);
  if (!out.ok()) return out.status().WithContext("node '" + c.node_name() + "'");
  const T* xv = x.flat<T>().data();
  const T* yv = y.flat<T>().data();
  T* ov = out->flat<T>().data();
  MatMulScratch<T> scratch;
  const int64_t xs = m * k, ys = k * n, os = m * n;
  if (os == 0) {
    c.set_output(0, *out);
    return Status::Ok();
  }
  b.ForEachRow<2>(
      [&](int64_t o, std::array<int64_t, 2> in, std::array<int64_t, 2> st, int64_t len) {
        for (int64_t j = 0; j < len; ++j) {
          MatMulOne(xv + (in[0] + j * st[0]) * xs, adj_x, yv + (in[1] + j * st[1]) * ys, adj_y,
                    ov + (o + j) * os, m, n, k, scratch, c.thread_pool());
        }
      });
  c.set_output(0, *std::move(out));
  return Status::Ok();
}

template <bool kV2>
Result<Kernel> BatchMatMulOp(const NodeInfo& n) {
  TFM_ASSIGN_OR_RETURN(DataType t, n.ExpectInputsOfTypeT(2));
  const bool ax = n.BoolAttrOr("adj_x", false), ay = n.BoolAttrOr("adj_y", false);
  KernelFn fn;
  if (!Dispatch(MatMulTypes{}, t, [&]<typename T>() {
        fn = [ax, ay](KernelContext& c) { return BatchMatMul<T>(c, ax, ay, kV2); };
      })) {
    return n.Unsupported(t);
  }
  return Kernel{{t}, std::move(fn)};
}

// ---- BatchMatMulV3: BatchMatMulV2 with operand and output dtypes Ta, Tb, Tout (here equal) ----
Result<Kernel> BatchMatMulV3Op(const NodeInfo& n) {
  TFM_ASSIGN_OR_RETURN(DataType ta, n.TypeAttr("Ta"));
  TFM_ASSIGN_OR_RETURN(DataType tb, n.TypeAttr("Tb"));
  TFM_ASSIGN_OR_RETURN(DataType tout, n.TypeAttr("Tout"));
  if (ta != tb || ta != tout) {
    return Unimplemented("node '" + n.name() + "' (op BatchMatMulV3): mixed dtypes " +
                         std::string(DataTypeName(ta)) + " x " + std::string(DataTypeName(tb)) +
                         " -> " + std::string(DataTypeName(tout)));
  }
  AttrMap attrs = n.attrs();
  attrs["T"].kind = AttrValue::Kind::kType;
  attrs["T"].type = ta;
  return BatchMatMulOp<true>(NodeInfo(n.name(), n.op(), attrs, n.input_types()));
}

}  // namespace

void RegisterMatMulOps(OpRegistry& r) {
  r.Add({"MatMul", MatMulOp});
  r.Add({"BatchMatMul", BatchMatMulOp<false>});
  r.Add({"BatchMatMulV2", BatchMatMulOp<true>});
  r.Add({"BatchMatMulV3", BatchMatMulV3Op});
}

}  // namespace tfmodel
