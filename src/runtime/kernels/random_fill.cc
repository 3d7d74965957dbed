// Box-Muller and the dtype-dispatching fills shared by the random op families (random_fill.h).
#include "src/runtime/kernels/random_fill.h"

#include <math.h>  // sincosf, sincos (GNU): TensorFlow's Linux build uses them, and so must we

#include <algorithm>
#include <climits>
#include <limits>
#include <string>
#include <vector>

#include "src/base/logging.h"

namespace tfmodel::random {

// The arithmetic follows TensorFlow's operation for operation, in the same precisions, so
// that glibc's logf/sqrtf/sincosf see the same arguments: 2 pi u is formed in double and
// rounded to float; the radius is computed in float.
void BoxMullerFloat(uint32_t x0, uint32_t x1, float* f0, float* f1) {
  constexpr float kEpsilon = 1.0e-7f;
  float u1 = Uint32ToFloat(x0);
  if (u1 < kEpsilon) u1 = kEpsilon;
  const float v1 = static_cast<float>(2.0 * M_PI * static_cast<double>(Uint32ToFloat(x1)));
  const float u2 = std::sqrt(-2.0f * std::log(u1));
  ::sincosf(v1, f0, f1);
  *f0 *= u2;
  *f1 *= u2;
}

void BoxMullerDouble(uint32_t x0, uint32_t x1, uint32_t x2, uint32_t x3, double* d0, double* d1) {
  constexpr double kEpsilon = 1.0e-7;
  double u1 = Uint64ToDouble(x0, x1);
  if (u1 < kEpsilon) u1 = kEpsilon;
  const double v1 = 2 * M_PI * Uint64ToDouble(x2, x3);
  const double u2 = std::sqrt(-2.0 * std::log(u1));
  ::sincos(v1, d0, d1);
  *d0 *= u2;
  *d1 *= u2;
}

Result<Shape> ReadShape(const Tensor& shape) {
  if (shape.shape().rank() != 1 ||
      (shape.dtype() != DataType::kInt32 && shape.dtype() != DataType::kInt64)) {
    return InvalidArgument("shape must be a vector of {int32,int64}, got " +
                           std::string(DataTypeName(shape.dtype())) + " tensor of shape " +
                           shape.shape().DebugString());
  }
  std::vector<int64_t> dims;
  if (shape.dtype() == DataType::kInt32) {
    for (int32_t d : shape.flat<int32_t>()) dims.push_back(d);
  } else {
    for (int64_t d : shape.flat<int64_t>()) dims.push_back(d);
  }
  for (int64_t d : dims) {
    if (d < 0) return InvalidArgument("Dimension " + std::to_string(d) + " must be >= 0");
  }
  auto s = Shape::Make(dims);
  if (!s.ok()) return InvalidArgument("output shape is too large: " + s.status().message());
  return s;
}

void FillFloats(FloatDist dist, const Philox4x32& gen, Tensor& out) {
  auto fill = [&]<typename T>(T) {
    std::span<T> v = out.flat<T>();
    switch (dist) {
      case FloatDist::kUniform:
        FillFixed(gen, v, Uniform<T>());
        break;
      case FloatDist::kNormal:
        FillFixed(gen, v, Normal<T>());
        break;
      case FloatDist::kTruncatedNormal:
        FillTruncatedNormal(gen, v);
        break;
    }
  };
  switch (out.dtype()) {
    case DataType::kFloat:
      return fill(float{});
    case DataType::kDouble:
      return fill(double{});
    case DataType::kHalf:
      return fill(Half{});
    default:
      TFM_CHECK(out.dtype() == DataType::kBFloat16);  // the factories plan only these four
      return fill(BFloat16{});
  }
}

Status ExpectScalar(const Tensor& t, const char* what) {
  if (t.shape().rank() == 0) return Status::Ok();
  return InvalidArgument(std::string(what) + " must be 0-D, got shape " + t.shape().DebugString());
}

Status CheckIntRange(const Tensor& minval, const Tensor& maxval) {
  auto check = [&]<typename T>(T) -> Status {
    const T lo = minval.flat<T>()[0], hi = maxval.flat<T>()[0];
    if (lo < hi) return Status::Ok();
    return InvalidArgument("Need minval < maxval, got " + std::to_string(lo) +
                           " >= " + std::to_string(hi));
  };
  if (minval.dtype() == DataType::kInt32) return check(int32_t{});
  TFM_CHECK(minval.dtype() == DataType::kInt64);
  return check(int64_t{});
}

void FillUniformInt(const Philox4x32& gen, const Tensor& minval, const Tensor& maxval,
                    Tensor& out) {
  auto fill = [&]<typename T>(T) {
    FillFixed(gen, out.flat<T>(), UniformInt<T>(minval.flat<T>()[0], maxval.flat<T>()[0]));
  };
  if (out.dtype() == DataType::kInt32) return fill(int32_t{});
  TFM_CHECK(out.dtype() == DataType::kInt64);
  return fill(int64_t{});
}

void FillFullInt(const Philox4x32& gen, Tensor& out) {
  auto fill = [&]<typename T>(T) { FillFixed(gen, out.flat<T>(), FullInt<T>()); };
  switch (out.dtype()) {
    case DataType::kInt32:
      return fill(int32_t{});
    case DataType::kInt64:
      return fill(int64_t{});
    case DataType::kUInt32:
      return fill(uint32_t{});
    default:
      TFM_CHECK(out.dtype() == DataType::kUInt64);
      return fill(uint64_t{});
  }
}

Result<Tensor> Multinomial(const Tensor& logits, const Tensor& num_samples, DataType out_type,
                           const std::function<Philox4x32(uint64_t)>& reserve) {
  if (logits.shape().rank() != 2) {
    return InvalidArgument("logits should be a matrix, got shape " + logits.shape().DebugString());
  }
  if (num_samples.shape().rank() != 0) {
    return InvalidArgument("num_samples should be a scalar, got shape " +
                           num_samples.shape().DebugString());
  }
  const int64_t samples = num_samples.flat<int32_t>()[0];
  if (samples < 0) {
    return InvalidArgument("num_samples should be non-negative, got " + std::to_string(samples));
  }
  const int64_t batch = logits.shape().dim(0), classes = logits.shape().dim(1);
  if (batch > INT32_MAX || classes > INT32_MAX) {
    return InvalidArgument("batch_size and num_classes cannot exceed max int");
  }
  if (classes <= 0) {
    return InvalidArgument("num_classes should be positive, got " + std::to_string(classes));
  }
  TFM_ASSIGN_OR_RETURN(Tensor out,
                       Tensor::AllocateUninitialized(out_type, Shape({batch, samples})));
  if (out.NumElements() == 0) return out;
  // Two 32-bit words per sample, slots rounded up to 4 samples, 256 outputs per slot.
  const uint64_t slots = static_cast<uint64_t>(batch) * ((samples + 3) / 4 * 4 * 2);
  WordStream words(reserve(slots * kReservedPerElement));
  std::vector<double> x(classes), cdf(classes);
  for (int64_t b = 0; b < batch; ++b) {
    DispatchPod(logits.dtype(), 0, [&](auto zero) {
      using T = decltype(zero);
      if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
        auto row = logits.flat<T>().subspan(b * classes, classes);
        for (int64_t j = 0; j < classes; ++j) x[j] = row[j].ToFloat();
      } else if constexpr (std::is_floating_point_v<T>) {
        auto row = logits.flat<T>().subspan(b * classes, classes);
        for (int64_t j = 0; j < classes; ++j) x[j] = static_cast<double>(row[j]);
      }
      return 0;
    });
    double max = std::numeric_limits<double>::lowest();
    for (double v : x) {
      if (std::isfinite(v)) max = std::max(max, v);
    }
    double total = 0;
    for (int64_t j = 0; j < classes; ++j) {
      if (std::isfinite(x[j])) total += std::exp(x[j] - max);
      cdf[j] = total;
    }
    for (int64_t s = 0; s < samples; ++s) {
      const uint32_t w0 = words(), w1 = words();
      const double to_find = Uint64ToDouble(w0, w1) * total;
      const int64_t k = std::upper_bound(cdf.begin(), cdf.end(), to_find) - cdf.begin();
      if (out_type == DataType::kInt32) {
        out.flat<int32_t>()[b * samples + s] = static_cast<int32_t>(k);
      } else {
        out.flat<int64_t>()[b * samples + s] = k;
      }
    }
  }
  return out;
}

}  // namespace tfmodel::random
