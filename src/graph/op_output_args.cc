// The generated table of op_output_args.inc, looked up by op name.
#include "src/graph/op_output_args.h"

#include <algorithm>

namespace tfmodel {
namespace {

// Sorted by op (the generator writes ops in name order and each op's args in OpDef order).
constexpr OutputArgSpec kTable[] = {
#include "src/graph/op_output_args.inc"
};

}  // namespace

std::span<const OutputArgSpec> OpOutputArgs(std::string_view op) {
  auto lo = std::lower_bound(std::begin(kTable), std::end(kTable), op,
                             [](const OutputArgSpec& a, std::string_view b) { return a.op < b; });
  auto hi = lo;
  while (hi != std::end(kTable) && hi->op == op) ++hi;
  return {lo, hi};
}

}  // namespace tfmodel
