// A TF2 SavedModel's SavedObjectGraph (saved_object_graph.proto, spec 4.6) as plain structs:
// what freezing needs to tie a signature's captured inputs to variables and checkpoint keys.
//
//   const SavedObjectGraphData& og = meta_graph.object_graph;
//   for (int id : og.bound_inputs.at("__inference_signature_wrapper_245")) ... og.nodes[id] ...
#ifndef TFMODEL_SRC_FORMATS_SAVED_OBJECT_GRAPH_H_
#define TFMODEL_SRC_FORMATS_SAVED_OBJECT_GRAPH_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tfmodel/object_checkpoint.h"
#include "tfmodel/status.h"
#include "tfmodel/tensor.h"

namespace tfmodel {

struct SavedObjectData {
  enum class Kind {
    kNone,
    kUserObject,
    kAsset,
    kFunction,
    kVariable,
    kBareConcreteFunction,
    kConstant,
    kResource,
    kCapturedTensor,
  };
  Kind kind = Kind::kNone;
  std::vector<TrackableObject::Child> children;
  std::vector<TrackableObject::SlotVariable> slot_variables;
  std::string identifier;  // user_object: "_generic_user_object", "signature_map", ...
  // variable
  DataType dtype = DataType::kInvalid;
  PartialShape shape;
  std::string variable_name;
  bool trainable = false;
  std::vector<std::string> concrete_functions;  // function
  std::string concrete_function_name;           // bare_concrete_function
  std::string constant_operation;               // constant: the Const node's name
  std::string captured_tensor_name;             // captured_tensor
};

struct SavedObjectGraphData {
  std::vector<SavedObjectData> nodes;  // nodes[0] is the root
  // SavedConcreteFunction.bound_inputs: per function, the node ids of its captures in order.
  std::map<std::string, std::vector<int>> bound_inputs;
};

// Parses a serialized SavedObjectGraph; node ids (children, bound inputs) are checked.
Result<SavedObjectGraphData> ParseSavedObjectGraph(std::string_view bytes,
                                                   const std::string& name_for_errors);

const char* SavedObjectKindName(SavedObjectData::Kind kind);

}  // namespace tfmodel

#endif  // TFMODEL_SRC_FORMATS_SAVED_OBJECT_GRAPH_H_
