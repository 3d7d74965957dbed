// Parsing of `tfmodel run` inputs: Python-literal expressions ("[[1,2],[3,4]]", "2.5",
// "[b'a', 'b']", "True") and "key=value;key2=value2" lists, into tensors of a given dtype.
#ifndef TFMODEL_SRC_CLI_INPUT_EXPR_H_
#define TFMODEL_SRC_CLI_INPUT_EXPR_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tfmodel/tensor.h>

namespace tfmodel::cli {

// "a=x;b=y" -> {{"a","x"},{"b","y"}}; the key is everything before the first '='.
Result<std::vector<std::pair<std::string, std::string>>> SplitAssignments(std::string_view s,
                                                                          std::string_view flag);
// A nested list (rectangular) of numbers, booleans or strings, as a tensor of `dtype`.
Result<Tensor> ParseInputExpr(std::string_view expr, DataType dtype);

}  // namespace tfmodel::cli

#endif  // TFMODEL_SRC_CLI_INPUT_EXPR_H_
