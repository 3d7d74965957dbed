// The seed tutorial's workflow in C++ ("TensorFlow notes: saving, loading and fine-tuning
// models"): build and train the linear regression, save it as a checkpoint, a frozen .pb and a
// SavedModel, load each back the tutorial's ways, print the signature, and fine-tune.
//
//   tfmodel::Status s = tfmodel::examples::RunSeedWorkflow("/tmp/demo", std::cout);
#ifndef TFMODEL_EXAMPLES_SEED_WORKFLOW_H_
#define TFMODEL_EXAMPLES_SEED_WORKFLOW_H_

#include <ostream>
#include <string>

#include <tfmodel/status.h>

namespace tfmodel::examples {

// Writes model_ckpt/, model_pb/ and saved_model/ under `workdir` (created if needed; earlier
// outputs of the demo there are replaced) and prints each step to `out`.
Status RunSeedWorkflow(const std::string& workdir, std::ostream& out);

}  // namespace tfmodel::examples

#endif  // TFMODEL_EXAMPLES_SEED_WORKFLOW_H_
