// `tfmodel demo [--workdir DIR]`: the seed tutorial's workflow (examples/seed_workflow.cc):
// build and train the linear regression, save it three ways, load each back, fine-tune.
#include <cstdio>
#include <sstream>

#include "examples/seed_workflow.h"
#include "src/cli/commands.h"

namespace tfmodel::cli {

int Demo(const DemoOptions& o, std::FILE* out) {
  std::ostringstream text;
  Status s = examples::RunSeedWorkflow(o.workdir, text);
  std::fputs(text.str().c_str(), out);
  if (!s.ok()) {
    std::fprintf(stderr, "tfmodel demo: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace tfmodel::cli
