// Stateless random ops (what tf.random.stateless_* and the TF2/Keras initializers emit): the
// output is a pure function of (shape, seed) or (shape, key, counter, alg), bit-exact with
// TensorFlow's CPU kernels.
//
// Seeds to Philox state (TensorFlow's GenerateKey): the two seeds s0, s1 (int32 ones
// sign-extended to 64 bits) are scrambled by one Philox output
//   m = Philox(counter = [lo(s0) hi(s0) lo(s1) hi(s1)], key = [0x3ec8f720 0x02461e29])
// giving key = [m0 m1] and counter = [0 0 m2 m3]. The V2 ops take that state as tensors:
//   key uint64[1] = k0 | k1 << 32,  counter uint64[2] = {c0 | c1 << 32, c2 | c3 << 32}
// (StatelessRandomGetKeyCounter computes them from a seed). Algorithms: 1 = Philox; 3 = auto
// select, which is Philox on the CPU; 2 = ThreeFry has no CPU kernel in TensorFlow (rejected).
// Values then follow random_fill.h from that state (no per-run reservation: nothing changes).
#include <string>
#include <vector>

#include "src/base/philox.h"
#include "src/runtime/kernel.h"
#include "src/runtime/kernels/all_ops.h"
#include "src/runtime/kernels/random_fill.h"

namespace tfmodel {
namespace {

using random::FloatDist;

constexpr int32_t kAlgPhilox = 1;
constexpr int32_t kAlgAutoSelect = 3;
constexpr std::initializer_list<DataType> kIndexTypes = {DataType::kInt32, DataType::kInt64};
constexpr std::initializer_list<DataType> kIntTypes = {DataType::kInt32, DataType::kInt64};
constexpr std::initializer_list<DataType> kFullIntTypes = {DataType::kInt32, DataType::kInt64,
                                                           DataType::kUInt32, DataType::kUInt64};

Status Named(KernelContext& c, const Status& s) {
  return s.ok() ? s : c.Error(s.code(), s.message());
}

// ---- Seeds, keys and counters ---------------------------------------------------------------
Status CheckSeed(const Tensor& seed) {
  if (seed.shape().rank() == 1 && seed.shape().dim(0) == 2) return Status::Ok();
  return InvalidArgument("seed must have shape [2], not " + seed.shape().DebugString());
}

// REQUIRES: CheckSeed(seed) is ok; seed is int32 or int64 (checked at plan time).
Philox4x32 GeneratorFromSeed(const Tensor& seed) {
  uint64_t s[2];
  for (int i = 0; i < 2; ++i) {
    s[i] = seed.dtype() == DataType::kInt32
               ? static_cast<uint64_t>(int64_t{seed.flat<int32_t>()[i]})
               : static_cast<uint64_t>(seed.flat<int64_t>()[i]);
  }
  const Philox4x32::Block mix =
      Philox4x32::Encrypt({static_cast<uint32_t>(s[0]), static_cast<uint32_t>(s[0] >> 32),
                           static_cast<uint32_t>(s[1]), static_cast<uint32_t>(s[1] >> 32)},
                          {0x3ec8f720u, 0x02461e29u});
  return Philox4x32({0, 0, mix[2], mix[3]}, {mix[0], mix[1]});
}

uint64_t Pack(uint32_t lo, uint32_t hi) { return lo | (uint64_t{hi} << 32); }

// The V2 ops' (key, counter, alg) inputs at `first`, first + 1, first + 2, validated in
// TensorFlow's order. REQUIRES plan-time dtypes uint64, uint64, int32.
struct KeyCounterAlg {
  int32_t alg = 0;
  const Tensor* key = nullptr;
  const Tensor* counter = nullptr;
};

Result<KeyCounterAlg> ReadKeyCounterAlg(const KernelContext& c, int first) {
  KeyCounterAlg k{0, &c.input(first), &c.input(first + 1)};
  const Tensor& alg = c.input(first + 2);
  if (alg.shape().rank() != 0) {
    return InvalidArgument("input " + std::to_string(first + 2) +
                           " (0-based) must have shape [], not " + alg.shape().DebugString());
  }
  k.alg = alg.flat<int32_t>()[0];
  if (k.alg == kAlgAutoSelect) k.alg = kAlgPhilox;
  return k;
}

Status CheckKeyCounter(const KeyCounterAlg& k) {
  const Shape& ks = k.key->shape();
  if (!(ks.rank() == 1 && ks.dim(0) == 1)) {
    return InvalidArgument("key must have shape [1], not " + ks.DebugString());
  }
  const Shape& cs = k.counter->shape();
  if (!(cs.rank() == 1 && cs.dim(0) >= 2)) {
    return InvalidArgument("counter must be a vector with length at least 2; got shape: " +
                           cs.DebugString());
  }
  return Status::Ok();
}

// REQUIRES: CheckKeyCounter(k) is ok and the output is not empty.
Result<Philox4x32> GeneratorFromKeyCounter(const KeyCounterAlg& k) {
  if (k.alg != kAlgPhilox) {
    return InvalidArgument("Unsupported algorithm id: " + std::to_string(k.alg) +
                           " (the CPU kernels implement only Philox = 1 and auto-select = 3)");
  }
  const uint64_t key = k.key->flat<uint64_t>()[0];
  auto counter = k.counter->flat<uint64_t>();
  return Philox4x32({static_cast<uint32_t>(counter[0]), static_cast<uint32_t>(counter[0] >> 32),
                     static_cast<uint32_t>(counter[1]), static_cast<uint32_t>(counter[1] >> 32)},
                    {static_cast<uint32_t>(key), static_cast<uint32_t>(key >> 32)});
}

Status ExpectSeedInput(const NodeInfo& n, int input) {
  return n.ExpectType(n.input_type(input), kIndexTypes);
}

Status ExpectKeyCounterAlgInputs(const NodeInfo& n, int first) {
  TFM_RETURN_IF_ERROR(n.ExpectInputType(first, DataType::kUInt64));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(first + 1, DataType::kUInt64));
  return n.ExpectInputType(first + 2, DataType::kInt32);
}

// What a stateless op generates once its Philox state is known.
enum class Draw { kUniform, kNormal, kTruncatedNormal, kUniformInt, kFullInt };

Result<DataType> DrawDtype(const NodeInfo& n, Draw draw) {
  TFM_ASSIGN_OR_RETURN(DataType dtype, n.TypeAttr("dtype"));
  switch (draw) {
    case Draw::kUniformInt:
      TFM_RETURN_IF_ERROR(n.ExpectType(dtype, kIntTypes));
      break;
    case Draw::kFullInt:
      TFM_RETURN_IF_ERROR(n.ExpectType(dtype, kFullIntTypes));
      break;
    default:
      TFM_RETURN_IF_ERROR(n.ExpectType(dtype, random::kFloatTypes));
  }
  return dtype;
}

// Fills `out` (not empty); for kUniformInt, minval/maxval are inputs `bounds` and bounds + 1.
Status DrawInto(KernelContext& c, Draw draw, int bounds, const Philox4x32& gen, Tensor& out) {
  switch (draw) {
    case Draw::kUniform:
      random::FillFloats(FloatDist::kUniform, gen, out);
      return Status::Ok();
    case Draw::kNormal:
      random::FillFloats(FloatDist::kNormal, gen, out);
      return Status::Ok();
    case Draw::kTruncatedNormal:
      random::FillFloats(FloatDist::kTruncatedNormal, gen, out);
      return Status::Ok();
    case Draw::kFullInt:
      random::FillFullInt(gen, out);
      return Status::Ok();
    case Draw::kUniformInt: {
      const Tensor& lo = c.input(bounds);
      const Tensor& hi = c.input(bounds + 1);
      TFM_RETURN_IF_ERROR(random::ExpectScalar(lo, "minval"));
      TFM_RETURN_IF_ERROR(random::ExpectScalar(hi, "maxval"));
      TFM_RETURN_IF_ERROR(random::CheckIntRange(lo, hi));
      random::FillUniformInt(gen, lo, hi, out);
      return Status::Ok();
    }
  }
  return Status::Ok();
}

// ---- StatelessRandom{Uniform,Normal}, StatelessTruncatedNormal, StatelessRandomUniform{Int,
// FullInt}(shape, seed[, minval, maxval]) -----------------------------------------------------
template <Draw kDraw>
Result<Kernel> StatelessV1(const NodeInfo& n) {
  constexpr int kInputs = kDraw == Draw::kUniformInt ? 4 : 2;
  TFM_RETURN_IF_ERROR(n.ExpectInputs(kInputs));
  TFM_RETURN_IF_ERROR(n.ExpectType(n.input_type(0), kIndexTypes));
  TFM_RETURN_IF_ERROR(ExpectSeedInput(n, 1));
  TFM_ASSIGN_OR_RETURN(DataType dtype, DrawDtype(n, kDraw));
  if (kDraw == Draw::kUniformInt) {
    TFM_RETURN_IF_ERROR(n.ExpectInputType(2, dtype));
    TFM_RETURN_IF_ERROR(n.ExpectInputType(3, dtype));
  }
  return Kernel{{dtype}, [dtype](KernelContext& c) -> Status {
                  auto shape = random::ReadShape(c.input(0));
                  if (!shape.ok()) return Named(c, shape.status());
                  TFM_RETURN_IF_ERROR(Named(c, CheckSeed(c.input(1))));
                  auto out = random::Allocate(dtype, *shape);
                  if (!out.ok()) return Named(c, out.status());
                  if (out->NumElements() > 0) {
                    const Philox4x32 gen = GeneratorFromSeed(c.input(1));
                    TFM_RETURN_IF_ERROR(Named(c, DrawInto(c, kDraw, 2, gen, *out)));
                  }
                  c.set_output(0, *out);
                  return Status::Ok();
                }};
}

// ---- The V2 forms (shape, key, counter, alg[, minval, maxval]) -----------------------------
template <Draw kDraw>
Result<Kernel> StatelessV2(const NodeInfo& n) {
  constexpr int kInputs = kDraw == Draw::kUniformInt ? 6 : 4;
  TFM_RETURN_IF_ERROR(n.ExpectInputs(kInputs));
  TFM_RETURN_IF_ERROR(n.ExpectType(n.input_type(0), kIndexTypes));
  TFM_RETURN_IF_ERROR(ExpectKeyCounterAlgInputs(n, 1));
  TFM_ASSIGN_OR_RETURN(DataType dtype, DrawDtype(n, kDraw));
  if (kDraw == Draw::kUniformInt) {
    TFM_RETURN_IF_ERROR(n.ExpectInputType(4, dtype));
    TFM_RETURN_IF_ERROR(n.ExpectInputType(5, dtype));
  }
  return Kernel{{dtype}, [dtype](KernelContext& c) -> Status {
                  auto kca = ReadKeyCounterAlg(c, 1);
                  if (!kca.ok()) return Named(c, kca.status());
                  auto shape = random::ReadShape(c.input(0));
                  if (!shape.ok()) return Named(c, shape.status());
                  TFM_RETURN_IF_ERROR(Named(c, CheckKeyCounter(*kca)));
                  auto out = random::Allocate(dtype, *shape);
                  if (!out.ok()) return Named(c, out.status());
                  if (out->NumElements() > 0) {
                    auto gen = GeneratorFromKeyCounter(*kca);
                    if (!gen.ok()) return Named(c, gen.status());
                    TFM_RETURN_IF_ERROR(Named(c, DrawInto(c, kDraw, 4, *gen, *out)));
                  }
                  c.set_output(0, *out);
                  return Status::Ok();
                }};
}

// ---- StatelessRandomGetKeyCounter(seed) -> key, counter; ...Alg adds alg; GetAlg -> alg ----
template <bool kWithAlg>
Result<Kernel> GetKeyCounter(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  TFM_RETURN_IF_ERROR(ExpectSeedInput(n, 0));
  std::vector<DataType> types = {DataType::kUInt64, DataType::kUInt64};
  if (kWithAlg) types.push_back(DataType::kInt32);
  return Kernel{types, [](KernelContext& c) -> Status {
                  TFM_RETURN_IF_ERROR(Named(c, CheckSeed(c.input(0))));
                  const Philox4x32 gen = GeneratorFromSeed(c.input(0));
                  const auto& k = gen.key();
                  const auto& ctr = gen.counter();
                  const uint64_t key[] = {Pack(k[0], k[1])};
                  const uint64_t counter[] = {Pack(ctr[0], ctr[1]), Pack(ctr[2], ctr[3])};
                  c.set_output(0, Tensor::FromVector<uint64_t>(key, Shape({1})));
                  c.set_output(1, Tensor::FromVector<uint64_t>(counter, Shape({2})));
                  if (kWithAlg) c.set_output(2, Tensor::Scalar<int32_t>(kAlgPhilox));
                  return Status::Ok();
                }};
}

// ---- StatelessMultinomial(logits, num_samples, seed) ---------------------------------------
// Multinomial's sampler (random_fill.h) on the generator GenerateKey makes from the seed.
Result<Kernel> StatelessMultinomial(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(3));
  TFM_RETURN_IF_ERROR(n.ExpectType(n.input_type(0), random::kFloatTypes));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(1, DataType::kInt32));
  TFM_RETURN_IF_ERROR(ExpectSeedInput(n, 2));
  DataType out = DataType::kInt64;
  if (n.FindAttr("output_dtype") != nullptr) {
    TFM_ASSIGN_OR_RETURN(out, n.TypeAttr("output_dtype"));
  }
  TFM_RETURN_IF_ERROR(n.ExpectType(out, {DataType::kInt32, DataType::kInt64}));
  return Kernel{{out}, [out](KernelContext& c) -> Status {
                  TFM_RETURN_IF_ERROR(Named(c, CheckSeed(c.input(2))));
                  const Philox4x32 gen = GeneratorFromSeed(c.input(2));
                  auto y = random::Multinomial(c.input(0), c.input(1), out,
                                               [&](uint64_t) { return gen; });
                  if (!y.ok()) return Named(c, y.status());
                  c.set_output(0, *y);
                  return Status::Ok();
                }};
}

Result<Kernel> GetAlg(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(0));
  return Kernel{{DataType::kInt32}, [](KernelContext& c) -> Status {
                  c.set_output(0, Tensor::Scalar<int32_t>(kAlgPhilox));
                  return Status::Ok();
                }};
}

}  // namespace

void RegisterStatelessRandomOps(OpRegistry& r) {
  r.Add({"StatelessRandomUniform", StatelessV1<Draw::kUniform>});
  r.Add({"StatelessRandomNormal", StatelessV1<Draw::kNormal>});
  r.Add({"StatelessTruncatedNormal", StatelessV1<Draw::kTruncatedNormal>});
  r.Add({"StatelessRandomUniformInt", StatelessV1<Draw::kUniformInt>});
  r.Add({"StatelessRandomUniformFullInt", StatelessV1<Draw::kFullInt>});
  r.Add({"StatelessRandomUniformV2", StatelessV2<Draw::kUniform>});
  r.Add({"StatelessRandomNormalV2", StatelessV2<Draw::kNormal>});
  r.Add({"StatelessTruncatedNormalV2", StatelessV2<Draw::kTruncatedNormal>});
  r.Add({"StatelessRandomUniformIntV2", StatelessV2<Draw::kUniformInt>});
  r.Add({"StatelessRandomUniformFullIntV2", StatelessV2<Draw::kFullInt>});
  r.Add({"StatelessRandomGetKeyCounter", GetKeyCounter<false>});
  r.Add({"StatelessRandomGetKeyCounterAlg", GetKeyCounter<true>});
  r.Add({"StatelessRandomGetAlg", GetAlg});
  r.Add({"StatelessMultinomial", StatelessMultinomial});
}

}  // namespace tfmodel
