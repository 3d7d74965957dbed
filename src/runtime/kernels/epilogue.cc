#include "src/runtime/kernels/epilogue.h"

namespace tfmodel {

bool EpilogueKindOf(std::string_view op, gemm::PostOp::Kind* kind) {
  using K = gemm::PostOp::Kind;
  if (op == "BiasAdd" || op == "Add" || op == "AddV2") {
    *kind = K::kAdd;
  } else if (op == "Mul") {
    *kind = K::kMul;
  } else if (op == "Relu") {
    *kind = K::kRelu;
  } else if (op == "Relu6") {
    *kind = K::kRelu6;
  } else {
    return false;
  }
  return true;
}

int ResolveEpilogue(const Epilogue& e, const Shape& out, gemm::PostOp* ops) {
  using K = gemm::PostOp::Kind;
  if (out.rank() < 1) return 0;
  const int64_t channels = out.dim(out.rank() - 1);
  int n = 0;
  for (; n < e.count; ++n) {
    const Epilogue::Op& op = e.ops[n];
    gemm::PostOp& p = ops[n];
    p = gemm::PostOp{op.kind, nullptr, 0, 0};
    if (op.kind == K::kRelu || op.kind == K::kRelu6) continue;
    const Tensor* t = op.operand;
    if (t == nullptr || t->dtype() != DataType::kFloat) break;
    const Shape& s = t->shape();
    if (op.bias && (s.rank() != 1 || s.dim(0) != channels)) break;
    if (s == out) {  // element by element (a residual connection)
      p.stride = 1;
      p.row_stride = channels;
    } else {
      if (s.rank() > out.rank()) break;
      bool ones = true;
      for (int d = 0; d + 1 < s.rank(); ++d) ones = ones && s.dim(d) == 1;
      const int64_t last = s.rank() == 0 ? 1 : s.dim(s.rank() - 1);
      if (!ones || (last != channels && last != 1)) break;
      p.stride = last == channels ? 1 : 0;
    }
    p.values = t->flat<float>().data();
  }
  return n;
}

}  // namespace tfmodel
