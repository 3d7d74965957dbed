// Helpers for kernel unit tests (test binaries only): plan and run one node the way the
// executor does, without a graph.
#ifndef TFMODEL_SRC_RUNTIME_KERNELS_KERNEL_TEST_UTIL_H_
#define TFMODEL_SRC_RUNTIME_KERNELS_KERNEL_TEST_UTIL_H_

#include <string>
#include <vector>

#include "src/runtime/kernel.h"

namespace tfmodel::test {

struct Ran {
  Status status;
  std::vector<Tensor> outputs;
};

// Plans node `name` of `op` with `attrs` for the inputs' dtypes and runs it on `inputs`.
inline Ran RunKernel(const std::string& name, const std::string& op, const AttrMap& attrs,
                     std::vector<Tensor> inputs) {
  const OpRegistration* reg = OpRegistry::Global().Find(op);
  if (reg == nullptr) return {NotFound("op " + op + " not registered"), {}};
  std::vector<DataType> types;
  for (const Tensor& t : inputs) types.push_back(t.dtype());
  NodeInfo info(name, op, attrs, types);
  Result<Kernel> k = reg->factory(info);
  if (!k.ok()) return {k.status(), {}};
  std::vector<Tensor> outputs(k->output_types.size());
  KernelContext ctx(name, inputs, outputs, nullptr, {});
  Status s = k->compute(ctx);
  return {s, outputs};
}

}  // namespace tfmodel::test

#endif  // TFMODEL_SRC_RUNTIME_KERNELS_KERNEL_TEST_UTIL_H_
