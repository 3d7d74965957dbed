// A session over a Graph: every node's kernel is planned once at creation (so an unknown op or
// an op without a kernel for its dtype is reported at load, naming the node), and Run executes
// only the subgraph that the fetches and targets need, honouring control dependencies.
//
//   TFM_ASSIGN_OR_RETURN(auto s, GraphSession::Create(std::move(graph)));
//   std::vector<Tensor> out;
//   TFM_RETURN_IF_ERROR(s->Run({{"input:0", x}}, {"output:0"}, {}, &out));
//
// Thread safety: Run may be called concurrently; variables are shared session state.
#ifndef TFMODEL_SRC_RUNTIME_SESSION_H_
#define TFMODEL_SRC_RUNTIME_SESSION_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "src/graph/graph.h"
#include "src/runtime/kernel.h"
#include "src/runtime/resource.h"

namespace tfmodel {

class GraphSession {
 public:
  // Plans every node, or with `roots` only the nodes those nodes need (the rest are planned
  // when a run first needs them).
  static Result<std::unique_ptr<GraphSession>> Create(GraphIR graph,
                                                      const std::vector<std::string>* roots = nullptr);

  // Takes the nodes `graph` has beyond this session's (a graph that grew after the session was
  // created, like TensorFlow's Session::Extend); they are planned when a run first needs them.
  // Variables and planned kernels are kept. REQUIRES: `graph` begins with exactly this
  // session's nodes, and no Run is in progress.
  Status Extend(const GraphIR& graph);

  Status Run(const std::vector<std::pair<std::string, Tensor>>& feeds,
             const std::vector<std::string>& fetches, const std::vector<std::string>& targets,
             std::vector<Tensor>* outputs);

  const GraphIR& graph() const { return graph_; }
  ResourceMgr& resources() { return resources_; }
  // Output dtypes of node `id` as planned (empty if not planned yet: see OutputType).
  const std::vector<DataType>& output_types(int id) const { return planned_[id].output_types; }
  // The dtype of output `t.index` of `t.node`, planning the node (and its inputs) if needed.
  // Errors name the node.
  Result<DataType> OutputType(const TensorRef& t);

 private:
  struct PlannedNode {
    std::vector<DataType> output_types;
    KernelFn compute;
    std::vector<VariableState*> ref_inputs;  // per data input: the reference variable feeding it
    bool writes_ref_inputs = false;     // ref inputs are passed as variables, not read
    bool ready = false;
  };
  struct Plan {
    std::vector<int> order;                 // nodes to run, topologically sorted
    std::map<TensorRef, int> fed;           // fed tensor -> index in feeds
    std::vector<TensorRef> fetches;
  };

  explicit GraphSession(GraphIR graph) : graph_(std::move(graph)) {}
  // REQUIRES: plan_mu_ held. Plans `roots` and everything they depend on.
  Status EnsurePlanned(const std::vector<int>& roots);
  Status PlanNode(int id);
  Result<std::shared_ptr<const Plan>> GetPlan(const std::vector<std::string>& feed_names,
                                              const std::vector<std::string>& fetches,
                                              const std::vector<std::string>& targets);

  GraphIR graph_;
  std::vector<int> topo_rank_;  // position of each node in a topological order
  std::vector<PlannedNode> planned_;
  std::vector<VariableState*> ref_var_;  // per node: the variable it references (VariableV2), or null
  ResourceMgr resources_;
  std::vector<std::shared_ptr<VariableState>> ref_variables_;  // keeps ref inputs alive
  std::mutex plan_mu_;
  std::map<std::string, std::shared_ptr<const Plan>> plans_;
};

}  // namespace tfmodel

#endif  // TFMODEL_SRC_RUNTIME_SESSION_H_
