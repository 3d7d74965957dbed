// TensorFlow's random distributions over Philox4x32-10 and the way its CPU kernels lay them out
// in an output tensor, shared by the stateful (random.cc) and stateless (stateless_random.cc)
// op families. Everything here is bit-exact with TensorFlow 2.21's CPU kernels.
//
// Output layout. The output is cut into groups of kGroup consecutive elements (the last group
// may be partial: its unused values are computed and dropped).
//  - Fixed distributions (uniform, normal, integers) turn ONE 128-bit Philox output into one
//    group, so group g is made from output g of the generator: the result is independent of
//    how TensorFlow shards the groups over threads.
//  - The truncated normal rejects samples, so it uses a variable number of 32-bit words per
//    group. TensorFlow gives group g its own stream starting at output g * kGroup * 256 / 4 and
//    reads that stream one word at a time.
// A stateful kernel reserves 256 outputs per element from its generator per run (see random.cc).
//
// Conversions (uint32 words -> values):
//   float    [0,1): 1.m with 23 random mantissa bits (word & 0x7fffff), minus 1
//   double   [0,1): 1.m with 52 bits: 20 from the first word, all 32 of the second, minus 1
//   half     [0,1): 10 bits of the word's low half;  bfloat16 [0,1): 7 bits of the low half
//   normal:  Box-Muller on pairs (u1 clamped to >= 1e-7):  sqrt(-2 ln u1) * (sin, cos)(2 pi u2)
//            in float for float/half/bfloat16 (rounded to nearest even at the end), in double
//            for double with each uniform from two words.
//   truncated normal: normals drawn in pairs, each kept when |x| < 2.
//   int [lo, hi): lo + word % (hi - lo) (modular, as TensorFlow: a slight bias for huge
//            ranges); int64 uses two words, low word first.
#ifndef TFMODEL_SRC_RUNTIME_KERNELS_RANDOM_FILL_H_
#define TFMODEL_SRC_RUNTIME_KERNELS_RANDOM_FILL_H_

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <type_traits>

#include "src/base/philox.h"
#include "tfmodel/status.h"
#include "tfmodel/tensor.h"

namespace tfmodel::random {

using Block = Philox4x32::Block;

// Philox outputs a stateful op reserves per output element and run; the truncated normal's
// per-group stream length derives from it.
inline constexpr uint64_t kReservedPerElement = 256;

inline float Uint32ToFloat(uint32_t x) {
  const uint32_t bits = (uint32_t{127} << 23) | (x & 0x7fffffu);
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f - 1.0f;
}

inline double Uint64ToDouble(uint32_t high_word, uint32_t low_word) {
  const uint64_t mantissa = (uint64_t{high_word & 0xfffffu} << 32) | low_word;
  const uint64_t bits = (uint64_t{1023} << 52) | mantissa;
  double d;
  std::memcpy(&d, &bits, sizeof(d));
  return d - 1.0;
}

// Both exact: k / 2^10 and k / 2^7 are representable, so the rounding conversion is the identity.
inline Half Uint16ToHalf(uint32_t x) { return Half::FromFloat((x & 0x3ffu) / 1024.0f); }
inline BFloat16 Uint16ToBFloat16(uint32_t x) { return BFloat16::FromFloat((x & 0x7fu) / 128.0f); }

void BoxMullerFloat(uint32_t x0, uint32_t x1, float* f0, float* f1);
void BoxMullerDouble(uint32_t x0, uint32_t x1, uint32_t x2, uint32_t x3, double* d0, double* d1);

template <typename T>
T FromFloat(float f) {
  if constexpr (std::is_same_v<T, float>) {
    return f;
  } else {
    return T::FromFloat(f);
  }
}

// ---- Fixed distributions: one Philox output -> kGroup values ------------------------------
template <typename T>
struct Uniform {
  static constexpr int kGroup = std::is_same_v<T, double> ? 2 : 4;
  std::array<T, kGroup> operator()(const Block& b) const {
    std::array<T, kGroup> r;
    for (int i = 0; i < kGroup; ++i) {
      if constexpr (std::is_same_v<T, double>) {
        r[i] = Uint64ToDouble(b[2 * i], b[2 * i + 1]);
      } else if constexpr (std::is_same_v<T, float>) {
        r[i] = Uint32ToFloat(b[i]);
      } else if constexpr (std::is_same_v<T, Half>) {
        r[i] = Uint16ToHalf(b[i]);
      } else {
        r[i] = Uint16ToBFloat16(b[i]);
      }
    }
    return r;
  }
};

template <typename T>
struct Normal {
  static constexpr int kGroup = std::is_same_v<T, double> ? 2 : 4;
  std::array<T, kGroup> operator()(const Block& b) const {
    std::array<T, kGroup> r;
    if constexpr (std::is_same_v<T, double>) {
      BoxMullerDouble(b[0], b[1], b[2], b[3], &r[0], &r[1]);
    } else {
      for (int i = 0; i < 4; i += 2) {
        float f[2];
        BoxMullerFloat(b[i], b[i + 1], &f[0], &f[1]);
        r[i] = FromFloat<T>(f[0]);
        r[i + 1] = FromFloat<T>(f[1]);
      }
    }
    return r;
  }
};

// lo + bits % range with the sum taken modulo 2^bits (range = hi - lo as unsigned; hi > lo).
template <typename T>
struct UniformInt {
  using U = std::make_unsigned_t<T>;
  static constexpr int kGroup = sizeof(T) == 8 ? 2 : 4;
  T lo;
  U range;
  UniformInt(T lo_in, T hi_in) : lo(lo_in), range(static_cast<U>(hi_in) - static_cast<U>(lo_in)) {}
  std::array<T, kGroup> operator()(const Block& b) const {
    std::array<T, kGroup> r;
    for (int i = 0; i < kGroup; ++i) {
      U bits;
      if constexpr (sizeof(T) == 8) {
        bits = b[2 * i] | (uint64_t{b[2 * i + 1]} << 32);
      } else {
        bits = b[i];
      }
      r[i] = static_cast<T>(static_cast<U>(lo) + bits % range);
    }
    return r;
  }
};

// Every bit pattern of T equally likely.
template <typename T>
struct FullInt {
  static constexpr int kGroup = sizeof(T) == 8 ? 2 : 4;
  std::array<T, kGroup> operator()(const Block& b) const {
    std::array<T, kGroup> r;
    for (int i = 0; i < kGroup; ++i) {
      if constexpr (sizeof(T) == 8) {
        r[i] = static_cast<T>(b[2 * i] | (uint64_t{b[2 * i + 1]} << 32));
      } else {
        r[i] = static_cast<T>(b[i]);
      }
    }
    return r;
  }
};

// Group g <- Philox output g.
template <typename T, typename Dist>
void FillFixed(Philox4x32 gen, std::span<T> out, const Dist& dist) {
  const size_t n = out.size();
  for (size_t offset = 0; offset < n; offset += Dist::kGroup) {
    const auto values = dist(gen.Next());
    const size_t count = std::min<size_t>(Dist::kGroup, n - offset);
    for (size_t i = 0; i < count; ++i) out[offset + i] = values[i];
  }
}

// ---- Truncated normal: a variable number of words per group -------------------------------
// One 32-bit word at a time from a generator (TensorFlow's SingleSampleAdapter).
class WordStream {
 public:
  explicit WordStream(Philox4x32 gen) : gen_(gen) {}
  uint32_t operator()() {
    if (used_ == 4) {
      block_ = gen_.Next();
      used_ = 0;
    }
    return block_[used_++];
  }

 private:
  Philox4x32 gen_;
  Block block_{};
  int used_ = 4;
};

template <typename T>
struct TruncatedNormal {
  static constexpr int kGroup = std::is_same_v<T, double> ? 2 : 4;
  std::array<T, kGroup> operator()(WordStream& words) const {
    std::array<T, kGroup> r;
    int n = 0;
    while (true) {
      if constexpr (std::is_same_v<T, double>) {
        const uint32_t x0 = words(), x1 = words(), x2 = words(), x3 = words();
        double d[2];
        BoxMullerDouble(x0, x1, x2, x3, &d[0], &d[1]);
        for (double v : d) {
          if (std::fabs(v) < 2.0) {
            r[n++] = v;
            if (n == kGroup) return r;
          }
        }
      } else {
        const uint32_t x0 = words(), x1 = words();
        float f[2];
        BoxMullerFloat(x0, x1, &f[0], &f[1]);
        for (float v : f) {
          if (std::fabs(v) < 2.0f) {
            r[n++] = FromFloat<T>(v);
            if (n == kGroup) return r;
          }
        }
      }
    }
  }
};

// Group g <- the word stream of `gen` skipped by g * kGroup * 256 / 4 outputs.
template <typename T>
void FillTruncatedNormal(const Philox4x32& gen, std::span<T> out) {
  using Dist = TruncatedNormal<T>;
  constexpr uint64_t kSkipPerGroup = Dist::kGroup * kReservedPerElement / 4;
  const Dist dist;
  const size_t n = out.size();
  uint64_t group = 0;
  for (size_t offset = 0; offset < n; offset += Dist::kGroup, ++group) {
    Philox4x32 g = gen;
    g.Skip(group * kSkipPerGroup);
    WordStream words(g);
    const auto values = dist(words);
    const size_t count = std::min<size_t>(Dist::kGroup, n - offset);
    for (size_t i = 0; i < count; ++i) out[offset + i] = values[i];
  }
}

// ---- Shared by the op kernels (random_fill.cc) ------------------------------------------
enum class FloatDist { kUniform, kNormal, kTruncatedNormal };
inline constexpr std::initializer_list<DataType> kFloatTypes = {
    DataType::kFloat, DataType::kDouble, DataType::kHalf, DataType::kBFloat16};

// The shape an int32/int64 vector `shape` holds. Errors (not a vector, a negative dimension,
// an element count past 2^62) carry no node name (callers add it); so do Allocate's.
Result<Shape> ReadShape(const Tensor& shape);
// An uninitialised tensor (every element is overwritten by the fills); over kMaxTensorBytes is
// an error.
inline Result<Tensor> Allocate(DataType dtype, const Shape& shape) {
  return Tensor::AllocateUninitialized(dtype, shape);
}
// Fills `out` (float, double, half or bfloat16) from `gen`.
void FillFloats(FloatDist dist, const Philox4x32& gen, Tensor& out);
// InvalidArgument unless t is a scalar ("<what> must be 0-D, got shape [2]").
Status ExpectScalar(const Tensor& t, const char* what);
// InvalidArgument unless minval < maxval (int32 or int64 scalars of one dtype).
Status CheckIntRange(const Tensor& minval, const Tensor& maxval);
// Fills the int32/int64 `out` with integers in [minval, maxval), scalars of out's dtype.
// REQUIRES: CheckIntRange(minval, maxval) is ok.
void FillUniformInt(const Philox4x32& gen, const Tensor& minval, const Tensor& maxval, Tensor& out);
// Fills the int32/int64/uint32/uint64 `out` with uniformly random bit patterns.
void FillFullInt(const Philox4x32& gen, Tensor& out);

// Multinomial(logits [batch, classes], num_samples) -> [batch, num_samples] class indices of
// `out_type` (int32/int64), TensorFlow's CPU sampler: per row, the unnormalised cdf of
// exp(logit - max finite logit) over the finite logits, then upper_bound(cdf, u * total) for
// u = 2-word uniform doubles drawn in sequence. `reserve(n)` returns the generator for n Philox
// outputs (the op reserves 256 per pair-of-samples slot, as TensorFlow); it is called only
// when the output is not empty. Rows run in one sequence: TensorFlow matches that unless it
// splits the rows over threads (batch * 50 * (num_samples * log2(classes) + classes) above
// ~1e5 cost units), where its values depend on its thread count.
Result<Tensor> Multinomial(const Tensor& logits, const Tensor& num_samples, DataType out_type,
                           const std::function<Philox4x32(uint64_t)>& reserve);

}  // namespace tfmodel::random

#endif  // TFMODEL_SRC_RUNTIME_KERNELS_RANDOM_FILL_H_
