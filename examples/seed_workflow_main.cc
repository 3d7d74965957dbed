// seed_workflow [WORKDIR]: the seed tutorial's workflow (examples/seed_workflow.cc) on its own.
#include <iostream>

#include "examples/seed_workflow.h"

int main(int argc, char** argv) {
  const std::string workdir = argc > 1 ? argv[1] : "seed_workflow_out";
  tfmodel::Status s = tfmodel::examples::RunSeedWorkflow(workdir, std::cout);
  if (!s.ok()) {
    std::cerr << "seed_workflow: " << s.ToString() << "\n";
    return 1;
  }
  return 0;
}
