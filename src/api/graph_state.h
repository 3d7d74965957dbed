// The graph behind a tfmodel::Graph: the node IR plus what building needs (output dtypes and
// static shapes per op, TensorFlow's unique-name counters, the name-scope and control-dependency
// stacks, collections, variables, the first error).
#ifndef TFMODEL_SRC_API_GRAPH_STATE_H_
#define TFMODEL_SRC_API_GRAPH_STATE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "src/graph/graph.h"
#include "tfmodel/graph.h"
#include "tfmodel/ops.h"

namespace tfmodel {

// What an op function asks for.
struct NodeSpec {
  std::string op;
  // The op's name inside the current name scope; empty = the op type. Made unique like
  // TensorFlow's Graph.unique_name, unless `exact_name` (the full name, used as given).
  std::string name;
  bool exact_name = false;
  std::vector<Output> inputs;
  std::vector<Operation> control_inputs;
  AttrMap attrs;
};

class GraphState : public std::enable_shared_from_this<GraphState> {
 public:
  GraphState();

  // Adds an op: validates its inputs, computes output dtypes through the op's kernel factory
  // (so a dtype or attr error is reported here, naming the op) and static shapes. On error the
  // graph keeps the first error and an invalid Operation is returned.
  Operation AddOp(NodeSpec spec);
  // Records `status` as the graph's error if it has none yet.
  void Fail(Status status);
  const Status& error() const { return error_; }

  // TensorFlow's Graph.unique_name: `name` inside the current scope, with "_1", "_2"... when
  // used; names are compared case-insensitively, as TF does.
  std::string UniqueName(const std::string& name, bool mark_used = true);
  // Marks a full name (e.g. of an imported node) as used.
  void MarkUsed(const std::string& full_name);
  std::string name_stack;                 // current scope, "" or "a/b"
  std::vector<Operation> control_stack;   // current control dependencies

  const GraphIR& ir() const { return ir_; }
  DataType OutputType(const Output& o) const;
  const PartialShape& OutputShape(const Output& o) const;
  void SetOutputShape(const Output& o, PartialShape shape);
  int NumOutputs(int node) const { return static_cast<int>(types_[node].size()); }
  // The value of `o` when its op is a Const (for shape inference and static folding).
  const Tensor* ConstValue(const Output& o) const;
  // The values of an int32/int64 Const, else nullopt.
  std::optional<std::vector<int64_t>> ConstInts(const Output& o) const;

  // Adds the nodes of a GraphDef (import_graph_def), computing dtypes and shapes as AddOp does;
  // `prefix` "" or "import" (already unique).
  Status Import(const GraphDefData& def, const GraphIR::ImportOptions& options);

  // ---- collections and variables -------------------------------------------------------------
  // Collections as a .meta holds them: op names ("train_op") or tensor names ("x:0").
  std::map<std::string, std::vector<std::string>> collections;
  std::vector<Variable> variables;  // global variables in creation order
  std::optional<int64_t> seed;      // graph-level random seed
  // Returns the (seed, seed2) pair for a random op like tf.compat.v1's get_seed.
  std::pair<int64_t, int64_t> GetSeed(std::optional<int64_t> op_seed);

  // Bumped on every change, so sessions know to extend.
  int64_t version() const { return ir_.num_nodes(); }

 private:
  Status AddNodeChecked(NodeSpec& spec, Operation* out);
  std::vector<PartialShape> InferShapes(int node) const;

  GraphIR ir_;
  std::vector<std::vector<DataType>> types_;
  std::vector<std::vector<PartialShape>> shapes_;
  std::map<std::string, int> names_in_use_;  // lower-cased name -> count
  int64_t seed_counter_ = 0;                  // random ops seeded from the graph seed
  Status error_;
};

// Shape inference for the ops the builder knows (unknown rank for the others).
std::vector<PartialShape> InferOpShapes(const GraphState& g, const Node& node);

// The producer version written into GraphDefs we build (TensorFlow 2.21's TF_GRAPH_DEF_VERSION).
inline constexpr int kGraphDefProducer = 2474;

}  // namespace tfmodel

#endif  // TFMODEL_SRC_API_GRAPH_STATE_H_
