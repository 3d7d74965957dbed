// Freezing a TF2 SavedModel signature into one constant GraphDef, as TensorFlow's
// convert_variables_to_constants_v2 does for `loaded.signatures[key]` (spec 5.2). TF1 graphs
// freeze from a Session with FreezeGraph (train.h).
//
//   TFM_ASSIGN_OR_RETURN(FrozenSavedModel f,
//                        FreezeSavedModel("export/1", "frozen.pb", {.signature_key = "serving_default"}));
//   // feed f.inputs.at("x") ("serving_default_x:0"), fetch f.outputs.at("y")
//   // ("StatefulPartitionedCall:0") in tf.import_graph_def(...) or Model::LoadFrozenGraph
//
// The result: the signature's placeholders and the nodes its outputs need, with
//  - every function call (PartitionedCall, StatefulPartitionedCall, a node whose op is a library
//    function) inlined recursively: callee nodes are named "<call>/<node>", and the call's name
//    stays an IdentityN over the results, so the signature's output names keep working;
//  - every captured variable a Const of its value in DIR/variables, found through the object
//    graph (the concrete function's bound inputs -> SavedObjectGraph node -> checkpoint node ->
//    checkpoint key), ReadVariableOp -> Identity, ResourceGather -> GatherV2;
//  - If, Case and While kept as functional ops, their functions kept in the library (copies
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
  std::string saved_model;                     // the saved_model.pb read
  std::map<std::string, std::string> inputs;   // signature input key -> placeholder tensor
  std::map<std::string, std::string> outputs;  // signature output key -> tensor
  struct Variable {
    std::string node;            // the VarHandleOp, now a Const
    std::string object_path;     // in the SavedModel's object graph
    std::string checkpoint_key;  // in variables/
  };
  std::vector<Variable> variables;
  int inlined_calls = 0;
  std::vector<std::string> functions;  // left in the library (If/While/Case functions)
  int num_nodes = 0;
};

// Freezes signature `options.signature_key` of the SavedModel in `dir` and writes the GraphDef
// to `path` (text when it ends in .pbtxt; nothing is written when `path` is empty). Errors name
// what is wrong: an unknown tag set or signature (listing those there are), a TF1 SavedModel
// (FailedPrecondition: use FreezeGraph), a captured variable with no value in variables/, a
// signature that writes its variables.
Result<FrozenSavedModel> FreezeSavedModel(std::string_view dir, const std::string& path,
                                          const FreezeSavedModelOptions& options = {});

// Whether the MetaGraph of `dir` tagged `tags` has an object graph (a TF2 SavedModel).
Result<bool> IsObjectGraphSavedModel(std::string_view dir,
                                     const std::vector<std::string>& tags = {"serve"});

}  // namespace tfmodel

#endif  // TFMODEL_FREEZE_H_
