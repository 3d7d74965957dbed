// Freezing a TF2 SavedModel signature into one constant GraphDef, as TensorFlow's
// convert_variables_to_constants_v2 does for `loaded.signatures[key]`. TF1 graphs freeze from a
// Session with FreezeGraph (train.h).
//
//   TFM_ASSIGN_OR_RETURN(FrozenSavedModel f,
//                        FreezeSavedModel("export/1", "frozen.pb", {.signature_key = "serving_default"}));
//   // feed f.inputs.at("x") ("serving_default_x:0"), fetch f.outputs.at("y")
//   // ("StatefulPartitionedCall:0"), in tf.import_graph_def(...) or Model::LoadFrozenGraph
//
// The result holds the signature's placeholders and the nodes its outputs need, with
//  - every function call (PartitionedCall, StatefulPartitionedCall, a node whose op is a library
//    function) inlined recursively: callee nodes are named "<call>/<node>", and the outermost
//    calls stay as IdentityN nodes over their results, so the signature's tensor names work;
//  - every variable a Const of its value, as the SavedModel's own restore function restores it
//    from DIR/variables (run by our runtime); ReadVariableOp -> Identity,
//    ResourceGather -> GatherV2;
//  - If, Case and While kept as functional ops with their functions in the library (copies
//    "<f>_frozen_<k>" where they took a variable handle). No control flow is lowered.
// Thread safety: no shared state.
#ifndef TFMODEL_FREEZE_H_
#define TFMODEL_FREEZE_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <tfmodel/status.h>

namespace tfmodel {

struct FreezeSavedModelOptions {
  std::vector<std::string> tags = {"serve"};  // the MetaGraph's tag set (order does not matter)
  std::string signature_key = "serving_default";
};

struct FrozenSavedModel {
  std::string path;                            // the SavedModel (version) directory read
  std::map<std::string, std::string> inputs;   // signature input key -> placeholder tensor
  std::map<std::string, std::string> outputs;  // signature output key -> tensor
  std::vector<std::string> variables;          // VarHandleOps now Consts
  int inlined_calls = 0;
  std::vector<std::string> functions;  // left in the library (If/While/Case functions)
  int num_nodes = 0;
};

// Freezes signature `options.signature_key` of the SavedModel in `dir` (or the highest numeric
// version under it) and writes the GraphDef to `path` (text when it ends in .pbtxt; nothing is
// written when `path` is empty). Errors name what is wrong: an unknown tag set or signature
// (listing those there are), a TF1 SavedModel (FailedPrecondition: use FreezeGraph), a function
// missing from the library, a variable with no value after restoring variables/, a signature
// that writes its variables.
Result<FrozenSavedModel> FreezeSavedModel(std::string_view dir, const std::string& path,
                                          const FreezeSavedModelOptions& options = {});

// Whether the MetaGraph of `dir` tagged `tags` has an object graph (a TF2 SavedModel).
Result<bool> IsObjectGraphSavedModel(std::string_view dir,
                                     const std::vector<std::string>& tags = {"serve"});

}  // namespace tfmodel

#endif  // TFMODEL_FREEZE_H_
