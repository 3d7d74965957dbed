// tf.Example parsing for ParseExample / ParseExampleV2 (dense features).
#include "src/formats/example.h"

#include <cstring>

#include "example.pb.h"

namespace tfmodel {

Result<std::vector<Tensor>> ParseExamplesDense(std::span<const std::string> serialized,
                                               std::span<const DenseFeatureSpec> specs) {
  const int64_t batch = static_cast<int64_t>(serialized.size());
  std::vector<Tensor> out;
  std::vector<int64_t> per_example;
  for (const DenseFeatureSpec& spec : specs) {
    if (spec.dtype != DataType::kFloat && spec.dtype != DataType::kInt64 &&
        spec.dtype != DataType::kString) {
      return InvalidArgument("feature '" + spec.key + "' has dtype " +
                             std::string(DataTypeName(spec.dtype)) +
                             "; tf.Example holds float, int64 or string");
    }
    std::vector<int64_t> dims{batch};
    for (int64_t d : spec.shape.dims()) dims.push_back(d);
    TFM_ASSIGN_OR_RETURN(Shape shape, Shape::Make(dims));
    TFM_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(spec.dtype, shape));
    out.push_back(std::move(t));
    per_example.push_back(spec.shape.NumElements());
    if (spec.default_value.NumElements() != 0 && spec.default_value.NumElements() != per_example.back() &&
        spec.default_value.NumElements() != 1) {
      return InvalidArgument("default of feature '" + spec.key + "' has " +
                             std::to_string(spec.default_value.NumElements()) + " values, expected " +
                             std::to_string(per_example.back()));
    }
  }
  for (int64_t b = 0; b < batch; ++b) {
    tensorflow::Example example;
    if (!example.ParseFromString(serialized[b])) {
      return InvalidArgument("could not parse example input " + std::to_string(b) +
                             " as a serialized tf.Example");
    }
    const auto& features = example.features().feature();
    for (size_t k = 0; k < specs.size(); ++k) {
      const DenseFeatureSpec& spec = specs[k];
      const int64_t n = per_example[k];
      const int64_t base = b * n;
      auto it = features.find(spec.key);
      if (it == features.end()) {
        if (spec.default_value.NumElements() == 0) {
          return InvalidArgument("feature: " + spec.key + " (data type: " +
                                 std::string(DataTypeName(spec.dtype)) +
                                 ") is required but could not be found (example " +
                                 std::to_string(b) + ")");
        }
        const int64_t dn = spec.default_value.NumElements();
        for (int64_t i = 0; i < n; ++i) {
          const int64_t di = dn == 1 ? 0 : i;
          if (spec.dtype == DataType::kFloat) out[k].flat<float>()[base + i] = spec.default_value.flat<float>()[di];
          else if (spec.dtype == DataType::kInt64) out[k].flat<int64_t>()[base + i] = spec.default_value.flat<int64_t>()[di];
          else out[k].flat<std::string>()[base + i] = spec.default_value.flat<std::string>()[di];
        }
        continue;
      }
      const tensorflow::Feature& f = it->second;
      auto wrong = [&](int64_t got) {
        return InvalidArgument("key: " + spec.key + ", index: " + std::to_string(b) +
                               ". Number of values != expected. values size: " + std::to_string(got) +
                               " but output shape: " + spec.shape.DebugString());
      };
      auto kind_error = [&]() {
        return InvalidArgument("feature '" + spec.key + "' of example " + std::to_string(b) +
                               " does not hold " + std::string(DataTypeName(spec.dtype)) + " values");
      };
      if (spec.dtype == DataType::kFloat) {
        if (f.kind_case() != tensorflow::Feature::kFloatList) return kind_error();
        if (f.float_list().value_size() != n) return wrong(f.float_list().value_size());
        for (int64_t i = 0; i < n; ++i) out[k].flat<float>()[base + i] = f.float_list().value(static_cast<int>(i));
      } else if (spec.dtype == DataType::kInt64) {
        if (f.kind_case() != tensorflow::Feature::kInt64List) return kind_error();
        if (f.int64_list().value_size() != n) return wrong(f.int64_list().value_size());
        for (int64_t i = 0; i < n; ++i) out[k].flat<int64_t>()[base + i] = f.int64_list().value(static_cast<int>(i));
      } else {
        if (f.kind_case() != tensorflow::Feature::kBytesList) return kind_error();
        if (f.bytes_list().value_size() != n) return wrong(f.bytes_list().value_size());
        for (int64_t i = 0; i < n; ++i) out[k].flat<std::string>()[base + i] = f.bytes_list().value(static_cast<int>(i));
      }
    }
  }
  return out;
}

std::string MakeFloatExample(const std::vector<std::pair<std::string, std::vector<float>>>& features) {
  tensorflow::Example e;
  for (const auto& [key, values] : features) {
    auto* list = (*e.mutable_features()->mutable_feature())[key].mutable_float_list();
    for (float v : values) list->add_value(v);
  }
  return e.SerializeAsString();
}

}  // namespace tfmodel
