// Prints every op the runtime registry has, one per line: the input of
// src/train/grad/tf_gradients.py, which asks TensorFlow which of them it differentiates.
#include <cstdio>

#include "src/runtime/kernel.h"

int main() {
  for (std::string_view name : tfmodel::OpRegistry::Global().Names()) {
    std::printf("%.*s\n", static_cast<int>(name.size()), name.data());
  }
  return 0;
}
