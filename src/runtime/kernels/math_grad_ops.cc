// Math ops that gradient graphs are built from: BroadcastGradientArgs and BroadcastTo (how
// TF's gradients undo and redo broadcasting), the "no NaN" divisions and products used by
// losses and their gradients (DivNoNan, MulNoNan), and Xdivy / Xlogy / Xlog1py.
#include <cmath>

#include "src/runtime/kernel.h"
#include "src/runtime/kernels/all_ops.h"
#include "src/runtime/kernels/array_util.h"
#include "src/runtime/kernels/broadcast.h"
#include "src/runtime/kernels/cwise.h"

namespace tfmodel {
namespace {

using array::Named;
using array::ReadInts;
using Dims = std::vector<int64_t>;
using NoNanTypes = TypeList<float, double, Half, BFloat16>;

Result<Shape> ShapeFromVector(const Tensor& t, const char* what) {
  if (t.shape().rank() != 1) {
    return InvalidArgument(std::string(what) + " must be a vector, got shape " +
                           t.shape().DebugString());
  }
  TFM_ASSIGN_OR_RETURN(Dims dims, ReadInts(t));
  for (int64_t d : dims) {
    if (d < 0) return InvalidArgument(std::string(what) + " has a negative dimension");
  }
  return Shape::Make(dims);
}

template <typename I>
Tensor IndexVector(const Dims& v) {
  std::vector<I> out(v.begin(), v.end());
  return Tensor::FromVector<I>(out, Shape{static_cast<int64_t>(out.size())});
}

// ---- BroadcastGradientArgs(s0, s1) -> (r0, r1) -------------------------------------------
// For z = f(x, y) with broadcasting (shape(x) = s0, shape(y) = s1), r_k lists the dims of z
// that dx_k = sum(dz, r_k) must reduce. Right-aligned with leading 1s: dim i goes into r_k
// when input k's dim i is 1 -- unless s0 == s1, then both are empty (checked against TF 2.21:
// [1,2,1] vs [1,1,1] -> [0,2], [0,1,2]; [1] vs [1] -> [], []). Incompatible shapes fail.
// No gradient.
Result<Kernel> BroadcastGradientArgs(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("T"));
  TFM_RETURN_IF_ERROR(n.ExpectType(t, array::kIndexTypes));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, t));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(1, t));
  return Kernel{{t, t}, Named([t](KernelContext& c) -> Status {
                  TFM_ASSIGN_OR_RETURN(Shape s0, ShapeFromVector(c.input(0), "s0"));
                  TFM_ASSIGN_OR_RETURN(Shape s1, ShapeFromVector(c.input(1), "s1"));
                  TFM_RETURN_IF_ERROR(Broadcast::BroadcastShapes(s0, s1, "").status());
                  Dims r[2];
                  if (!(s0 == s1)) {
                    const int rank = std::max(s0.rank(), s1.rank());
                    const Shape* s[2] = {&s0, &s1};
                    for (int i = 0; i < rank; ++i) {
                      for (int k = 0; k < 2; ++k) {
                        const int j = i - (rank - s[k]->rank());
                        if (j < 0 || s[k]->dim(j) == 1) r[k].push_back(i);
                      }
                    }
                  }
                  for (int k = 0; k < 2; ++k) {
                    c.set_output(k, t == DataType::kInt32 ? IndexVector<int32_t>(r[k])
                                                          : IndexVector<int64_t>(r[k]));
                  }
                  return Status::Ok();
                })};
}

// ---- BroadcastTo(input, shape): y = input broadcast to `shape` ---------------------------
// input's shape must broadcast to exactly `shape`.  dx = sum(dy) over the broadcast dims
// (TF's gradient: BroadcastGradientArgs + Sum + Reshape).
Result<Kernel> BroadcastTo(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  const DataType t = n.input_type(0);
  TFM_RETURN_IF_ERROR(n.ExpectType(t, array::kMoveTypes));
  TFM_RETURN_IF_ERROR(n.ExpectType(n.input_type(1), array::kIndexTypes));
  return Kernel{{t}, Named([t](KernelContext& c) -> Status {
                  const Tensor& x = c.input(0);
                  TFM_ASSIGN_OR_RETURN(Shape target, ShapeFromVector(c.input(1), "shape"));
                  auto b = Broadcast::Make({&target, &x.shape()}, c.node_name());
                  if (!b.ok() || !(b->output_shape() == target)) {
                    return InvalidArgument("Unable to broadcast tensor of shape " +
                                           x.shape().DebugString() + " to tensor of shape " +
                                           target.DebugString());
                  }
                  TFM_ASSIGN_OR_RETURN(Tensor y, Tensor::Allocate(t, target));
                  TFM_RETURN_IF_ERROR(array::DispatchElem(t, [&](auto e) -> Status {
                    using E = decltype(e);
                    const E* src = array::Elems<E>(x);
                    E* dst = array::Elems<E>(y);
                    b->ForEachRow<2>([&](int64_t o, std::array<int64_t, 2> in,
                                         std::array<int64_t, 2> st, int64_t len) {
                      for (int64_t j = 0; j < len; ++j) dst[o + j] = src[in[1] + j * st[1]];
                    });
                    return Status::Ok();
                  }));
                  c.set_output(0, y);
                  return Status::Ok();
                })};
}

// ---- DivNoNan(x, y): z = y == 0 ? 0 : x / y --------------------------------------------------
// dx = DivNoNan(dz, y), dy = -dz * DivNoNan(DivNoNan(x, y), y)   (math_grad.py _DivNoNanGrad)
Result<Kernel> DivNoNan(const NodeInfo& n) {
  return MakeBinary<false>(n, NoNanTypes{}, [](auto x, auto y) {
    using C = decltype(x);
    return y == C(0) ? C(0) : x / y;
  });
}

// ---- MulNoNan(x, y): z = y == 0 ? 0 : x * y (0 even for infinite or NaN x) ----------------
// dx = MulNoNan(dz, y), dy = MulNoNan(x, dz)
Result<Kernel> MulNoNan(const NodeInfo& n) {
  return MakeBinary<false>(n, NoNanTypes{}, [](auto x, auto y) {
    using C = decltype(x);
    return y == C(0) ? C(0) : x * y;
  });
}

// ---- Xdivy(x, y): z = x == 0 ? 0 : x / y -----------------------------------------------------
// dx = Xdivy(1 - (x == 0), y) dz,  dy = Xdivy(-x, y^2) dz
Result<Kernel> Xdivy(const NodeInfo& n) {
  return MakeBinary<false>(n, NoNanTypes{}, [](auto x, auto y) {
    using C = decltype(x);
    return x == C(0) ? C(0) : x / y;
  });
}

// ---- Xlogy(x, y): z = x == 0 ? 0 : x log(y);  Xlog1py: x == 0 ? 0 : x log1p(y) --------------
// Xlogy: dx = Xlogy(1 - (x == 0), y) dz,  dy = Xdivy(x, y) dz
Result<Kernel> Xlogy(const NodeInfo& n) {
  return MakeBinary<false>(n, NoNanTypes{}, [](auto x, auto y) {
    using C = decltype(x);
    return x == C(0) ? C(0) : x * std::log(y);
  });
}
Result<Kernel> Xlog1py(const NodeInfo& n) {
  return MakeBinary<false>(n, NoNanTypes{}, [](auto x, auto y) {
    using C = decltype(x);
    return x == C(0) ? C(0) : x * std::log1p(y);
  });
}

}  // namespace

void RegisterMathGradOps(OpRegistry& r) {
  r.Add({"BroadcastGradientArgs", BroadcastGradientArgs});
  r.Add({"BroadcastTo", BroadcastTo});
  r.Add({"DivNoNan", DivNoNan});
  r.Add({"MulNoNan", MulNoNan});
  r.Add({"Xdivy", Xdivy});
  r.Add({"Xlogy", Xlogy});
  r.Add({"Xlog1py", Xlog1py});
}

}  // namespace tfmodel
