// Our graph IR: nodes with resolved input edges, built from a GraphDef like
// tf.import_graph_def (name prefix, input map). No protobuf types.
#ifndef TFMODEL_SRC_GRAPH_GRAPH_H_
#define TFMODEL_SRC_GRAPH_GRAPH_H_

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "src/formats/graph_io.h"
#include "tfmodel/status.h"

namespace tfmodel {

// Output `index` of node `node`.
struct TensorRef {
  int node = -1;
  int index = 0;
  bool operator==(const TensorRef&) const = default;
  bool operator<(const TensorRef& o) const {
    return node != o.node ? node < o.node : index < o.index;
  }
};

struct Node {
  std::string name;
  std::string op;
  std::string device;
  AttrMap attrs;
  std::vector<TensorRef> inputs;    // data inputs in order
  std::vector<int> control_inputs;  // nodes that must run first
};

// "x" -> ("x", 0), "x:2" -> ("x", 2), "^x" -> ("x", -1). Fails on an empty name or bad index.
Result<std::pair<std::string, int>> ParseTensorName(std::string_view name);

class GraphIR {
 public:
  struct ImportOptions {
    // Prepended with "/" to every imported node name (TensorFlow's default is "import").
    std::string prefix;
    // Tensor names of the imported GraphDef ("x:0", "x", or "^x") replaced by tensors already
    // in this graph (names in this graph). Keys whose node the GraphDef lacks are an error.
    std::map<std::string, std::string> input_map;
  };

  // Adds every node of `def`. Errors name the node and the input that cannot be resolved;
  // duplicate node names are rejected.
  Status Import(const GraphDefData& def, const ImportOptions& options);
  Status Import(const GraphDefData& def) { return Import(def, ImportOptions{}); }

  // A deque: nodes keep their addresses as the graph grows (sessions extend over it).
  const std::deque<Node>& nodes() const { return nodes_; }
  const Node& node(int id) const { return nodes_[id]; }
  int num_nodes() const { return static_cast<int>(nodes_.size()); }
  // Node id by name, -1 when absent.
  int Find(std::string_view name) const;
  // Resolves "node:k" (or "node") to a tensor of this graph; NotFound names it.
  Result<TensorRef> ResolveTensor(std::string_view name) const;
  // A node id in topological order (inputs and control inputs first); InvalidArgument naming a
  // node on the cycle when there is one. Edges out of nodes `ignore_out` is true for are left
  // out (a loop's back edges, out of NextIteration).
  Result<std::vector<int>> TopologicalOrder(
      const std::function<bool(const Node&)>& ignore_out = nullptr) const;

  // Appends a node built in code (the graph-building API). REQUIRES: a name not yet used and
  // inputs/control inputs that are nodes of this graph. Returns its id.
  int AddNode(Node node);
  // The graph as a GraphDef: nodes in id order, inputs as "x", "x:1", "^x", the function
  // library and versions.
  GraphDefData ToGraphDef() const;

  const std::vector<FunctionDefData>& functions() const { return functions_; }
  int producer() const { return producer_; }
  void set_producer(int producer) { producer_ = producer; }

 private:
  std::deque<Node> nodes_;
  std::unordered_map<std::string, int> by_name_;
  std::vector<FunctionDefData> functions_;
  int producer_ = 0;
};

}  // namespace tfmodel

#endif  // TFMODEL_SRC_GRAPH_GRAPH_H_
