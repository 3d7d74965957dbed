// Stateful random ops: RandomUniform, RandomStandardNormal, TruncatedNormal, RandomUniformInt,
// RandomShuffle, Multinomial -- bit-exact with TensorFlow's CPU kernels for the same seed/seed2
// attrs (Multinomial: see random_fill.h for the one case where TensorFlow is not reproducible).
//
// State. Each planned kernel owns a GuardedPhilox seeded from the node's attrs (seed and seed2
// both 0: nondeterministic, one stream per kernel, as TensorFlow). A run reserves 256 Philox
// outputs per output element (RandomShuffle: one 32-bit word per swap) and computes its values
// from the start of that range (random_fill.h), so the n-th run of a node in a session gives
// TensorFlow's n-th draw, two sessions over one graph give the same sequence, and concurrent
// runs draw disjoint ranges. Errors come before the reservation, so a failed run draws nothing.
// None of these ops has a gradient in TensorFlow (they are not differentiable in their inputs).
#include <memory>
#include <numeric>
#include <vector>

#include "src/base/philox.h"
#include "src/runtime/kernel.h"
#include "src/runtime/kernels/all_ops.h"
#include "src/runtime/kernels/array_util.h"
#include "src/runtime/kernels/random_fill.h"

namespace tfmodel {
namespace {

using random::FloatDist;

Status ExpectShapeInput(const NodeInfo& n, int input) {
  if (input >= n.num_inputs()) return n.Error("missing input " + std::to_string(input));
  return n.ExpectType(n.input_type(input), {DataType::kInt32, DataType::kInt64});
}

std::shared_ptr<GuardedPhilox> SeededGenerator(const NodeInfo& n) {
  return std::make_shared<GuardedPhilox>(n.IntAttrOr("seed", 0), n.IntAttrOr("seed2", 0));
}

Status Named(KernelContext& c, const Status& s) {
  return s.ok() ? s : c.Error(s.code(), s.message());
}

// ---- RandomUniform / RandomStandardNormal / TruncatedNormal(shape) ------------------------
// y ~ U[0,1) / N(0,1) / N(0,1) restricted to (-2, 2), of dtype `dtype` and shape `shape`.
template <FloatDist kDist>
Result<Kernel> RandomFloatOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  TFM_RETURN_IF_ERROR(ExpectShapeInput(n, 0));
  TFM_ASSIGN_OR_RETURN(DataType dtype, n.TypeAttr("dtype"));
  TFM_RETURN_IF_ERROR(n.ExpectType(dtype, random::kFloatTypes));
  auto gen = SeededGenerator(n);
  return Kernel{{dtype}, [dtype, gen](KernelContext& c) -> Status {
                  auto shape = random::ReadShape(c.input(0));
                  if (!shape.ok()) return Named(c, shape.status());
                  auto out = random::Allocate(dtype, *shape);
                  if (!out.ok()) return Named(c, out.status());
                  const Philox4x32 start =
                      gen->Reserve(out->NumElements() * random::kReservedPerElement);
                  random::FillFloats(kDist, start, *out);
                  c.set_output(0, *out);
                  return Status::Ok();
                }};
}

// ---- RandomUniformInt(shape, minval, maxval): y ~ U{minval, ..., maxval - 1} ---------------
Result<Kernel> RandomUniformInt(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(3));
  TFM_RETURN_IF_ERROR(ExpectShapeInput(n, 0));
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("Tout"));
  TFM_RETURN_IF_ERROR(n.ExpectType(t, {DataType::kInt32, DataType::kInt64}));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(1, t));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(2, t));
  auto gen = SeededGenerator(n);
  return Kernel{{t}, [t, gen](KernelContext& c) -> Status {
                  TFM_RETURN_IF_ERROR(Named(c, random::ExpectScalar(c.input(1), "minval")));
                  TFM_RETURN_IF_ERROR(Named(c, random::ExpectScalar(c.input(2), "maxval")));
                  auto shape = random::ReadShape(c.input(0));
                  if (!shape.ok()) return Named(c, shape.status());
                  auto out = random::Allocate(t, *shape);
                  if (!out.ok()) return Named(c, out.status());
                  // An empty output needs no valid range (TensorFlow returns before checking).
                  if (out->NumElements() == 0) {
                    c.set_output(0, *out);
                    return Status::Ok();
                  }
                  // Checked before reserving: a bad range draws nothing.
                  TFM_RETURN_IF_ERROR(Named(c, random::CheckIntRange(c.input(1), c.input(2))));
                  const Philox4x32 start =
                      gen->Reserve(out->NumElements() * random::kReservedPerElement);
                  random::FillUniformInt(start, c.input(1), c.input(2), *out);
                  c.set_output(0, *out);
                  return Status::Ok();
                }};
}

// ---- RandomShuffle(value): y = value with its first dimension randomly permuted ------------
// TensorFlow's forward Fisher-Yates: for i in [0, n-1), swap rows i and i + word % (n - i),
// one 32-bit word per swap; nothing is drawn when there is at most one row or element.
Result<Kernel> RandomShuffle(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  const DataType t = n.input_type(0);
  TFM_RETURN_IF_ERROR(n.ExpectType(t, array::kMoveTypes));
  auto gen = SeededGenerator(n);
  return Kernel{{t}, [t, gen](KernelContext& c) -> Status {
                  const Tensor& x = c.input(0);
                  if (x.NumElements() <= 1 || x.shape().dim(0) <= 1) {
                    c.set_output(0, x);
                    return Status::Ok();
                  }
                  const int64_t rows = x.shape().dim(0);
                  const uint64_t words = static_cast<uint64_t>(rows - 1);
                  random::WordStream stream(gen->Reserve((words + 3) / 4));
                  std::vector<int64_t> perm(rows);
                  std::iota(perm.begin(), perm.end(), 0);
                  for (int64_t i = 0; i + 1 < rows; ++i) {
                    const uint32_t span = static_cast<uint32_t>(rows - i);
                    std::swap(perm[i], perm[i + stream() % span]);
                  }
                  auto y = Tensor::Allocate(t, x.shape());
                  if (!y.ok()) return Named(c, y.status());
                  const int64_t row = x.NumElements() / rows;
                  TFM_RETURN_IF_ERROR(array::DispatchElem(t, [&](auto e) -> Status {
                    using E = decltype(e);
                    const E* src = array::Elems<E>(x);
                    E* dst = array::Elems<E>(*y);
                    for (int64_t i = 0; i < rows; ++i) {
                      std::copy(src + perm[i] * row, src + (perm[i] + 1) * row, dst + i * row);
                    }
                    return Status::Ok();
                  }));
                  c.set_output(0, *y);
                  return Status::Ok();
                }};
}

// The attr output_dtype (default int64) of the multinomial ops.
Result<DataType> OutputDtype(const NodeInfo& n) {
  DataType out = DataType::kInt64;
  if (n.FindAttr("output_dtype") != nullptr) {
    TFM_ASSIGN_OR_RETURN(out, n.TypeAttr("output_dtype"));
  }
  TFM_RETURN_IF_ERROR(n.ExpectType(out, {DataType::kInt32, DataType::kInt64}));
  return out;
}

// ---- Multinomial(logits, num_samples): y[b, s] ~ Categorical(softmax(logits[b])) ----------
Result<Kernel> Multinomial(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  TFM_RETURN_IF_ERROR(n.ExpectType(n.input_type(0), random::kFloatTypes));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(1, DataType::kInt32));
  TFM_ASSIGN_OR_RETURN(const DataType out, OutputDtype(n));
  auto gen = SeededGenerator(n);
  return Kernel{{out}, [out, gen](KernelContext& c) -> Status {
                  auto y = random::Multinomial(c.input(0), c.input(1), out,
                                               [&](uint64_t n) { return gen->Reserve(n); });
                  if (!y.ok()) return Named(c, y.status());
                  c.set_output(0, *y);
                  return Status::Ok();
                }};
}

}  // namespace

void RegisterRandomOps(OpRegistry& r) {
  r.Add({.name = "RandomUniform", .factory = RandomFloatOp<FloatDist::kUniform>, .stateful = true});
  r.Add({.name = "RandomStandardNormal",
         .factory = RandomFloatOp<FloatDist::kNormal>,
         .stateful = true});
  r.Add({.name = "TruncatedNormal",
         .factory = RandomFloatOp<FloatDist::kTruncatedNormal>,
         .stateful = true});
  r.Add({.name = "RandomUniformInt", .factory = RandomUniformInt, .stateful = true});
  r.Add({.name = "RandomShuffle", .factory = RandomShuffle, .stateful = true});
  r.Add({.name = "Multinomial", .factory = Multinomial, .stateful = true});
}

}  // namespace tfmodel
