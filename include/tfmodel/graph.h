// Building TensorFlow graphs in C++ and running them: Graph, Output and Operation handles, name
// scopes, Session, and importing GraphDefs like tf.import_graph_def.
//
//   tfmodel::Graph g;
//   auto x = tfmodel::Placeholder(g, DataType::kFloat, {-1, 10}, "input");
//   auto w = tfmodel::GetVariable(g, "beta", {10, 1}, tfmodel::GlorotNormal());
//   auto y = tfmodel::Add(tfmodel::MatMul(x, w), tfmodel::Const(g, 1.0f), "output");
//   tfmodel::Session session(g);
//   TFM_RETURN_IF_ERROR(session.Run(tfmodel::GlobalVariablesInitializer(g)));
//   TFM_ASSIGN_OR_RETURN(auto out, session.Run({{x, batch}}, {y}));
//
// Errors while building (a dtype mismatch, an unknown tensor name) are kept by the graph: the
// failing op and every op built on it are invalid handles, and the first error is returned by
// Graph::status(), Session::Run, savers and writers (like a LevelDB writer reports its first
// error at Finish). Ownership: handles point into the graph; the graph lives as long as any
// Graph copy or Session of it, and handles must not outlive it. Thread safety: building is single-threaded; Session::Run
// may be called concurrently (but not while the graph is being extended).
#ifndef TFMODEL_GRAPH_H_
#define TFMODEL_GRAPH_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tfmodel/status.h>
#include <tfmodel/tensor.h>

namespace tfmodel {

class GraphState;  // the graph behind a Graph (src/api/graph_state.h)
class Output;

// An op of the graph.
class Operation {
 public:
  Operation() = default;
  Operation(GraphState* graph, int node) : graph_(graph), node_(node) {}
  bool valid() const { return graph_ != nullptr && node_ >= 0; }
  GraphState* graph() const { return graph_; }
  int node() const { return node_; }
  const std::string& name() const;  // "" for an invalid handle
  const std::string& type() const;  // the op, e.g. "MatMul"
  int num_outputs() const;
  Output output(int index) const;
  bool operator==(const Operation&) const = default;

 private:
  GraphState* graph_ = nullptr;
  int node_ = -1;
};

// Output `index` of an op: a tensor of the graph.
class Output {
 public:
  Output() = default;
  Output(GraphState* graph, int node, int index) : graph_(graph), node_(node), index_(index) {}
  explicit Output(const Operation& op, int index = 0) : Output(op.graph(), op.node(), index) {}
  bool valid() const { return graph_ != nullptr && node_ >= 0; }
  GraphState* graph() const { return graph_; }
  int node() const { return node_; }
  int index() const { return index_; }
  Operation op() const { return Operation(graph_, node_); }
  std::string name() const;  // "output:0"
  DataType dtype() const;
  // What is known of the shape while building (Placeholder shapes, variable shapes, and what
  // follows from them); unknown rank when nothing is known.
  PartialShape shape() const;
  bool operator==(const Output&) const = default;

 private:
  GraphState* graph_ = nullptr;
  int node_ = -1;
  int index_ = 0;
};

// A TensorFlow graph being built (tf.Graph). Copies share the graph. Op functions (ops.h) take
// their graph from their inputs, or a Graph& when they have none, and name their ops inside the
// current name scope, as Python does inside `with tf.name_scope(...)`.
class Graph {
 public:
  // A new, empty graph.
  Graph();
  // The graph `state` belongs to (for code holding only a handle's graph pointer).
  explicit Graph(GraphState* state);
  GraphState* state() const { return state_.get(); }

  // The first error made while building this graph (OK when none).
  Status status() const;
  // tf.Graph.get_tensor_by_name / get_operation_by_name ("output:0", "output" = "output:0").
  Result<Output> TensorByName(std::string_view name) const;
  Result<Operation> OperationByName(std::string_view name) const;
  // The graph-level seed (tf.compat.v1.set_random_seed) used by random ops built afterwards.
  void SetRandomSeed(int64_t seed);
  // The current name scope ("" at the root, "dense/" style without the trailing slash).
  const std::string& name_scope() const;
  int num_ops() const;

  // Collections (tf.compat.v1.GraphKeys): ops by key, in insertion order; exported to .meta.
  void AddToCollection(const std::string& key, const Operation& op);
  std::vector<Operation> GetCollection(const std::string& key) const;

  // The graph as a GraphDef file (tf.io.write_graph); binary unless `as_text`. Atomic.
  Status WriteGraph(const std::string& path, bool as_text = false) const;

 private:
  std::shared_ptr<GraphState> state_;
};

// `with graph.name_scope(name):` -- while this object lives, ops built in `graph` are named
// "<scope>/<name>". A name already used is made unique ("dense_1"); a name ending in "/" is
// re-entered as given; "" returns to the root.
class NameScope {
 public:
  NameScope(const Graph& graph, std::string_view name) : NameScope(graph.state(), name) {}
  NameScope(GraphState* state, std::string_view name);
  ~NameScope();
  NameScope(const NameScope&) = delete;
  NameScope& operator=(const NameScope&) = delete;
  // The scope's full name with a trailing "/" ("dense_1/"), as Python's `as scope` gives it.
  const std::string& name() const { return name_; }

 private:
  GraphState* state_;
  std::string saved_;
  std::string name_;
};

// `with tf.control_dependencies(ops):` -- while this object lives, ops built in the graph run
// after `ops`.
class ControlDependencies {
 public:
  ControlDependencies(const Graph& graph, const std::vector<Operation>& ops)
      : ControlDependencies(graph.state(), ops) {}
  ControlDependencies(GraphState* state, const std::vector<Operation>& ops);
  ~ControlDependencies();
  ControlDependencies(const ControlDependencies&) = delete;
  ControlDependencies& operator=(const ControlDependencies&) = delete;

 private:
  GraphState* state_;
  size_t saved_;
};

struct ImportGraphDefOptions {
  // TensorFlow's default: every imported node becomes "import/<name>" (uniquified to
  // "import_1/..." when already used); "" keeps the file's names.
  std::string prefix = "import";
  // Tensors of the file (by their names in the file: "x:0", "x", "^x") replaced by tensors of
  // this graph.
  std::map<std::string, Output> input_map;
  // Names in the file ("x:0" for a tensor, "x" for its op); returned in order.
  std::vector<std::string> return_elements;
};

// tf.import_graph_def of a .pb or .pbtxt file: the return_elements as Outputs (an element without
// ":" names an op: its Output is output 0 with that op). Errors name the file and node.
Result<std::vector<Output>> ImportGraphDef(const Graph& graph, const std::string& path,
                                           const ImportGraphDefOptions& options = {});

// Runs ops of a graph; variables live in the session. The graph may grow after the
// session is created (new ops are picked up by the next Run, like TF's Session::Extend).
class Session {
 public:
  struct Options {
    // Threads for independent ops and large kernels, counting the caller: 0 = the machine's
    // cores, 1 = the calling thread only.
    int num_threads = 0;
  };
  explicit Session(const Graph& graph);
  Session(const Graph& graph, Options options);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  using Feeds = std::vector<std::pair<Output, Tensor>>;
  // Feeds tensors, computes `fetches` and runs `targets` for their effects. Errors name the
  // op, tensor or feed; a graph with a building error returns that error.
  Result<std::vector<Tensor>> Run(const Feeds& feeds, const std::vector<Output>& fetches,
                                  const std::vector<Operation>& targets = {});
  Status Run(const Feeds& feeds, const std::vector<Operation>& targets);
  Status Run(const Operation& target) { return Run({}, std::vector<Operation>{target}); }
  // One tensor (sess.run(t, feed_dict)).
  Result<Tensor> Fetch(const Feeds& feeds, const Output& fetch);

  const Graph& graph() const;
  struct Impl;
  Impl* impl() const { return impl_.get(); }

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tfmodel

#endif  // TFMODEL_GRAPH_H_
