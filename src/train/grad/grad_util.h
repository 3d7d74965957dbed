// Small graph-building helpers shared by the gradient families (train/grad/*.cc): ops with
// tensor-valued attrs-as-inputs (a dynamic axis, permutation or shape) that the public op
// functions only take as constants.
#ifndef TFMODEL_SRC_TRAIN_GRAD_GRAD_UTIL_H_
#define TFMODEL_SRC_TRAIN_GRAD_GRAD_UTIL_H_

#include <optional>
#include <string_view>
#include <vector>

#include "src/api/op_builder.h"
#include "src/train/gradients.h"

namespace tfmodel::grad {

using G = const GradContext&;
using Grads = std::vector<Output>;

// op(x) with T = x's dtype (unary math the public op functions lack: Sin, Cos, Erf, ...).
inline Output Op1(G c, std::string_view op, const Output& x, std::string_view name) {
  return OpBuilder(op, name, c.graph()).Input(x).Attr("T", x.dtype()).Out();
}

// op(a, b) with T = a's dtype (the element-wise gradient ops: SigmoidGrad(y, dy), ...).
inline Output Op2(G c, std::string_view op, const Output& a, const Output& b) {
  return OpBuilder(op, op, c.graph()).Input(a).Input(b).Attr("T", a.dtype()).Out();
}

// Copies the forward op's attrs `names` (those it has) onto a gradient op.
OpBuilder& CopyAttrs(OpBuilder& b, G c, std::initializer_list<const char*> names);

// Input `input`'s value when it is a Const of int32/int64 (axes, permutations, paddings).
std::optional<std::vector<int64_t>> ConstInts(G c, int input);

// Shape(x) as int32, or as `out_type`.
inline Output ShapeI32(const Output& x, std::string_view name = "Shape") {
  return ShapeOf(x, DataType::kInt32, name);
}

// ConcatV2(values, axis) with a tensor axis.
Output ConcatT(const std::vector<Output>& values, const Output& axis, std::string_view name = "concat");
// Transpose(x, perm) with a tensor permutation.
Output TransposeT(const Output& x, const Output& perm, std::string_view name = "transpose");
// GatherV2(params, indices, axis) with batch_dims 0 and an int32 axis `axis`.
Output GatherT(const Output& params, const Output& indices, int64_t axis = 0,
               std::string_view name = "GatherV2");
// Slice(x, begin, size) with tensor begin/size (int32 or int64, both the same).
Output SliceT(const Output& x, const Output& begin, const Output& size, std::string_view name = "Slice");
// Cast with TF's attrs (Truncate = false).
inline Output CastTo(const Output& x, DataType t, std::string_view name = "Cast") {
  return Cast(x, t, name);
}
// Select (v1: the condition is x's shape or a vector over x's first axis).
Output SelectV1(const Output& cond, const Output& t, const Output& e, std::string_view name = "Select");
// UnsortedSegmentSum(data, ids, num_segments).
Output UnsortedSegmentSum(const Output& data, const Output& ids, const Output& num_segments,
                          std::string_view name = "UnsortedSegmentSum");
// BroadcastTo(x, shape).
Output BroadcastToT(const Output& x, const Output& shape, std::string_view name = "BroadcastTo");
// Cumsum / Cumprod along `axis` (a tensor).
Output Cumulative(std::string_view op, const Output& x, const Output& axis, bool exclusive,
                  bool reverse, std::string_view name);

// Einsum's gradient (linalg_grad.cc), registered with the math family.
void RegisterEinsumGradient(GradientRegistry& r);

}  // namespace tfmodel::grad

#endif  // TFMODEL_SRC_TRAIN_GRAD_GRAD_UTIL_H_
