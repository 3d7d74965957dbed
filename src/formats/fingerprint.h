// A SavedModel's fingerprint.pb (FingerprintDef, spec/tf-formats.md 4.8): hashes TensorFlow
// writes next to saved_model.pb to identify a model. Read only; tfmodel does not recompute them.
//
//   TFM_ASSIGN_OR_RETURN(FingerprintData f, ReadFingerprint("export/1/fingerprint.pb"));
//   std::string singleprint = f.Singleprint();   // "<program>/<signature>/<object graph>/<ckpt>"
#ifndef TFMODEL_SRC_FORMATS_FINGERPRINT_H_
#define TFMODEL_SRC_FORMATS_FINGERPRINT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "tfmodel/status.h"

namespace tfmodel {

struct FingerprintData {
  uint64_t saved_model_checksum = 0;     // 1: of saved_model.pb
  uint64_t graph_def_program_hash = 0;   // 2: of the regularized GraphDef
  uint64_t signature_def_hash = 0;       // 3
  uint64_t saved_object_graph_hash = 0;  // 4
  uint64_t checkpoint_hash = 0;          // 5: of variables/variables.index
  int32_t producer = 0;                  // 6: version.producer (fingerprint format version)
  std::string uuid;                      // 7: random, newer TensorFlow only

  // TensorFlow's "singleprint": hashes 2-5 in decimal joined by '/'.
  std::string Singleprint() const;
};

// Reads and parses a fingerprint.pb; errors name the file.
Result<FingerprintData> ReadFingerprint(const std::string& path);
Result<FingerprintData> ParseFingerprint(std::string_view bytes,
                                         const std::string& name_for_errors);

}  // namespace tfmodel

#endif  // TFMODEL_SRC_FORMATS_FINGERPRINT_H_
