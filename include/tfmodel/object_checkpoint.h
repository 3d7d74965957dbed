// Object-based (TF2) checkpoints: what tf.train.Checkpoint and tf.saved_model.save write. Every
// tensor belongs to an object reached from the root through named children; the bundle key
// `_CHECKPOINTABLE_OBJECT_GRAPH` holds that graph (a TrackableObjectGraph, spec 4.7).
//
//   TFM_ASSIGN_OR_RETURN(auto ckpt, ObjectCheckpoint::Open("/tmp/train/ckpt-1"));
//   for (const ObjectTensor& t : ckpt->tensors()) ... t.object_path ... t.checkpoint_key ...
//   TFM_ASSIGN_OR_RETURN(Tensor k, ckpt->Read("model/layer_with_weights-0/kernel"));
//
//   ObjectGraph g = ckpt->graph();                        // or an empty ObjectGraph() to build
//   TFM_RETURN_IF_ERROR(g.AddVariable("model/extra/w").status());
//   TFM_RETURN_IF_ERROR(SaveObjectCheckpoint("/tmp/out/ckpt-1", g, {{"model/extra/w", w}, ...}));
//   TFM_RETURN_IF_ERROR(SaveUpdatedObjectCheckpoint("/tmp/out/ckpt-2", *ckpt, {{"model/b", b}}));
//
// Object paths are the escaped local names joined by '/' ('.' -> "..", '/' -> ".S" inside a
// name), exactly the prefix TensorFlow puts before "/.ATTRIBUTES/" in a key; a slot variable's
// path is "<variable path>/.OPTIMIZER_SLOT/<optimizer path>/<slot name>".
// Thread safety: an ObjectCheckpoint is immutable after Open; an ObjectGraph is a value.
#ifndef TFMODEL_OBJECT_CHECKPOINT_H_
#define TFMODEL_OBJECT_CHECKPOINT_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tfmodel/checkpoint.h>
#include <tfmodel/status.h>
#include <tfmodel/tensor.h>

namespace tfmodel {

inline constexpr char kObjectGraphKey[] = "_CHECKPOINTABLE_OBJECT_GRAPH";
inline constexpr char kVariableValueAttribute[] = "VARIABLE_VALUE";

// TrackableObject of trackable_object_graph.proto, without protobuf.
struct TrackableObject {
  struct Child {
    int node_id = 0;
    std::string local_name;  // unescaped
  };
  struct Attribute {
    std::string name = kVariableValueAttribute;
    std::string full_name;       // the variable's TF1-style name, for name-based restores
    std::string checkpoint_key;  // the bundle key of its tensor
  };
  // Held by the optimizer: `slot_name` of variable node `original_variable_node_id` is the
  // variable node `slot_variable_node_id`.
  struct SlotVariable {
    int original_variable_node_id = 0;
    std::string slot_name;
    int slot_variable_node_id = 0;
  };
  std::vector<Child> children;
  std::vector<Attribute> attributes;
  std::vector<SlotVariable> slot_variables;
  std::string registered_saver;              // RegisteredSaver.name, if any
  std::string registered_saver_object_name;  // RegisteredSaver.object_name
  std::optional<bool> has_checkpoint_values;
};

// "a.b/c" -> "a..b.Sc" (one local name made safe to join with '/').
std::string EscapeLocalName(std::string_view local_name);
// "<object path>/.ATTRIBUTES/<escaped attribute>".
std::string ObjectAttributeKey(std::string_view object_path,
                               std::string_view attribute = kVariableValueAttribute);
// "<variable path>/.OPTIMIZER_SLOT/<optimizer path>/<escaped slot name>".
std::string SlotVariablePath(std::string_view variable_path, std::string_view optimizer_path,
                             std::string_view slot_name);

// A TrackableObjectGraph: nodes[0] is the root. Read from a checkpoint or built in code.
class ObjectGraph {
 public:
  ObjectGraph();  // only the root

  // Parses and validates (see Validate) a serialized TrackableObjectGraph.
  static Result<ObjectGraph> Parse(std::string_view bytes, std::string_view name_for_errors);
  std::string Serialize() const;
  // Node ids of children and slot variables in range, at least the root, no duplicate
  // attribute keys. Errors name the node.
  Status Validate() const;

  const std::vector<TrackableObject>& nodes() const { return nodes_; }
  std::vector<TrackableObject>& mutable_nodes() { return nodes_; }

  // The path of every node as TensorFlow names it: breadth first from the root over children
  // in order (the first path found wins), then slot variables by SlotVariablePath. "" for the
  // root and for nodes that no path reaches.
  std::vector<std::string> NodePaths() const;
  // The node at `path` ("" = the root), following children by escaped local name; -1 if none.
  int FindNode(std::string_view path) const;

  // Builders. The node at `path`, created with its missing ancestors.
  Result<int> AddPath(std::string_view path);
  // A variable at `path`: gives its node a VARIABLE_VALUE attribute keyed
  // ObjectAttributeKey(path). Returns the key; fails if the node already has that attribute.
  Result<std::string> AddVariable(std::string_view path, std::string_view full_name = "");
  // A slot variable of the optimizer at `optimizer_path` for the variable at `variable_path`
  // (both created if missing); returns its key. The slot's node is not anyone's child.
  Result<std::string> AddSlotVariable(std::string_view optimizer_path,
                                      std::string_view variable_path, std::string_view slot_name,
                                      std::string_view full_name = "");

 private:
  std::vector<TrackableObject> nodes_;
};

// One tensor of an object-based checkpoint: an attribute of an object.
struct ObjectTensor {
  std::string object_path;  // see the top of this file
  std::string attribute;    // "VARIABLE_VALUE"
  std::string checkpoint_key;
  std::string full_name;
  int node_id = 0;
  // Slot variables: the variable and optimizer nodes and the slot's name (else -1, "").
  int original_variable_node_id = -1;
  int optimizer_node_id = -1;
  std::string slot_name;
  DataType dtype = DataType::kInvalid;
  Shape shape;
};

// Reads an object-based checkpoint. Open fails, naming them, when the object graph is missing
// or corrupt, or names keys the bundle does not have.
class ObjectCheckpoint {
 public:
  // `path` as for CheckpointReader::Open (a prefix, its files, a directory with a `checkpoint`
  // file, or a SavedModel directory).
  static Result<std::unique_ptr<ObjectCheckpoint>> Open(std::string_view path);
  // Over an open reader; FailedPrecondition when the bundle has no object graph.
  static Result<std::unique_ptr<ObjectCheckpoint>> FromReader(
      std::shared_ptr<const CheckpointReader> reader);

  const CheckpointReader& reader() const { return *reader_; }
  const ObjectGraph& graph() const { return graph_; }
  // Every attribute of every object, sorted by object path then attribute.
  const std::vector<ObjectTensor>& tensors() const { return tensors_; }
  // By object path (its VARIABLE_VALUE, or its only attribute), "<path>/.ATTRIBUTES/<attr>", or
  // checkpoint key. nullptr when none matches.
  const ObjectTensor* Find(std::string_view path_or_key) const;
  // The tensor Find names (crc32c verified); NotFound lists a few paths when none matches.
  Result<Tensor> Read(std::string_view path_or_key) const;

 private:
  ObjectCheckpoint() = default;
  void BuildLookup();
  std::shared_ptr<const CheckpointReader> reader_;
  ObjectGraph graph_;
  std::vector<ObjectTensor> tensors_;
  // Key, "<path>/.ATTRIBUTES/<attr>" or path -> index in tensors_, in Find's order of precedence.
  std::map<std::string, size_t, std::less<>> lookup_;
};

// Whether the bundle has a `_CHECKPOINTABLE_OBJECT_GRAPH` tensor.
bool IsObjectBasedCheckpoint(const CheckpointReader& reader);

// Writes an object-based checkpoint at `prefix` (`prefix.index`, `prefix.data-00000-of-00001`,
// no `checkpoint` state file) as tf.train.Checkpoint.write does: one tensor per attribute of
// `graph` plus the serialized graph under `_CHECKPOINTABLE_OBJECT_GRAPH`, with
// has_checkpoint_values recomputed. `values` are keyed by object path,
// "<path>/.ATTRIBUTES/<attr>" or checkpoint key. Attributes without a key get
// ObjectAttributeKey(their node's path, name). Fails, naming them, on an attribute with no value
// or a value that no attribute takes. Given the same graph and values in the same order,
// the files are byte-identical to TensorFlow's (checked against TF 2.21).
// tf.train.Checkpoint.save() also keeps an int64 scalar `save_counter` child of the root, and
// restore() creates one: add it (AddVariable("save_counter")) when TensorFlow is to call
// assert_existing_objects_matched(). For save()'s `checkpoint` state file and numbering, write
// through CheckpointManager::SaveWith.
Status SaveObjectCheckpoint(std::string_view prefix, const ObjectGraph& graph,
                            const std::map<std::string, Tensor>& values,
                            CheckpointWriterOptions options = {});

// Writes a copy of `base` at `prefix` (its object graph and every tensor) with `updates`
// replacing some tensors, keyed as for ObjectCheckpoint::Find. An update must keep the dtype and
// shape its tensor has in `base` (tf.train.Checkpoint.restore would refuse it otherwise):
// InvalidArgument naming the object path and key when it does not, NotFound for a key that
// names no tensor.
Status SaveUpdatedObjectCheckpoint(std::string_view prefix, const ObjectCheckpoint& base,
                                   const std::map<std::string, Tensor>& updates,
                                   CheckpointWriterOptions options = {});

}  // namespace tfmodel

#endif  // TFMODEL_OBJECT_CHECKPOINT_H_
