// JSON rendering of tensors for `--json` output: values flattened row-major.
// Floats use the shortest round-trip form; NaN and infinities are written as NaN, Infinity and
// -Infinity (as Python's json module writes and reads them). Complex numbers are [re, im].
// Strings are JSON strings when valid UTF-8, else {"b64": "..."} as TensorFlow Serving does.
#ifndef TFMODEL_SRC_CLI_JSON_OUT_H_
#define TFMODEL_SRC_CLI_JSON_OUT_H_

#include <string>
#include <string_view>

#include <tfmodel/tensor.h>

namespace tfmodel::cli {

std::string JsonString(std::string_view s);  // quoted and escaped; REQUIRES valid UTF-8
bool IsValidUtf8(std::string_view s);
std::string Base64(std::string_view bytes);
// [v0, v1, ...] of every element.
std::string JsonValues(const Tensor& t);
std::string JsonShape(const Shape& s);

}  // namespace tfmodel::cli

#endif  // TFMODEL_SRC_CLI_JSON_OUT_H_
