// fingerprint.pb -> FingerprintData.
#include "src/formats/fingerprint.h"

#include "fingerprint.pb.h"
#include "src/base/file.h"

namespace tfmodel {

std::string FingerprintData::Singleprint() const {
  return std::to_string(graph_def_program_hash) + "/" + std::to_string(signature_def_hash) + "/" +
         std::to_string(saved_object_graph_hash) + "/" + std::to_string(checkpoint_hash);
}

Result<FingerprintData> ParseFingerprint(std::string_view bytes,
                                         const std::string& name_for_errors) {
  if (bytes.size() > (1 << 20)) {  // TensorFlow's are ~60 bytes
    return DataLoss(name_for_errors + " is " + std::to_string(bytes.size()) +
                    " bytes, too large for a FingerprintDef");
  }
  tensorflow::FingerprintDef p;
  if (!p.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return DataLoss(name_for_errors + " is not a FingerprintDef");
  }
  FingerprintData f;
  f.saved_model_checksum = p.saved_model_checksum();
  f.graph_def_program_hash = p.graph_def_program_hash();
  f.signature_def_hash = p.signature_def_hash();
  f.saved_object_graph_hash = p.saved_object_graph_hash();
  f.checkpoint_hash = p.checkpoint_hash();
  f.producer = p.version().producer();
  f.uuid = p.uuid();
  return f;
}

Result<FingerprintData> ReadFingerprint(const std::string& path) {
  TFM_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(path));
  return ParseFingerprint(bytes, path);
}

}  // namespace tfmodel
