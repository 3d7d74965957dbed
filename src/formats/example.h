// Serialized tf.Example protos parsed into dense feature tensors, as ParseExample does for
// dense keys: each feature must have exactly the spec's number of values, or take its default.
#ifndef TFMODEL_SRC_FORMATS_EXAMPLE_H_
#define TFMODEL_SRC_FORMATS_EXAMPLE_H_

#include <span>
#include <string>
#include <vector>

#include "src/formats/graph_io.h"
#include "tfmodel/tensor.h"

namespace tfmodel {

struct DenseFeatureSpec {
  std::string key;
  DataType dtype = DataType::kFloat;  // float, int64 or string
  Shape shape;                        // per-example shape
  Tensor default_value;               // empty (0 elements): the feature is required
};

// One output per spec, shaped [serialized.size()] + spec.shape.
Result<std::vector<Tensor>> ParseExamplesDense(std::span<const std::string> serialized,
                                               std::span<const DenseFeatureSpec> specs);

// A serialized tf.Example with the given float features (for tests and tools).
std::string MakeFloatExample(const std::vector<std::pair<std::string, std::vector<float>>>& features);

}  // namespace tfmodel

#endif  // TFMODEL_SRC_FORMATS_EXAMPLE_H_
