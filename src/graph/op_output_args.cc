// The table of op_output_args.inc, searched by op name (it is sorted by op).
#include "src/graph/op_output_args.h"

#include <algorithm>

namespace tfmodel {
namespace {

constexpr GraphOutputArg kArgs[] = {
#include "src/graph/op_output_args.inc"
};

}  // namespace

std::span<const GraphOutputArg> MultiOutputArgs(std::string_view op) {
  auto [lo, hi] = std::equal_range(
      std::begin(kArgs), std::end(kArgs), GraphOutputArg{op, {}, {}, {}},
      [](const GraphOutputArg& a, const GraphOutputArg& b) { return a.op < b.op; });
  return {lo, hi};
}

}  // namespace tfmodel
