// A session over a GraphIR: every node's kernel is planned once at creation (so an unknown op or
// an op without a kernel for its dtype is reported at load, naming the node), and Run executes
// only the subgraph that the fetches and targets need, honouring control dependencies.
//
//   TFM_ASSIGN_OR_RETURN(auto s, GraphSession::Create(std::move(graph), nullptr,
//                                                     {.num_threads = 0}));
//   std::vector<Tensor> out;
//   TFM_RETURN_IF_ERROR(s->Run({{"input:0", x}}, {"output:0"}, {}, &out));
//
// Execution (session_exec.cc): each distinct (feeds, fetches, targets) gets a cached Plan: the
// needed nodes in topological order, every output a numbered slot, every input resolved to a
// slot, a feed or a variable. Runs walk the plan in order on the calling thread, or, with
// threads and a plan whose independent nodes are worth overlapping, hand nodes to a pool as
// their inputs complete (a pending-count executor). A tensor is released after its last use.
// Plans with TF1 control flow (Switch, Merge, Enter, Exit, NextIteration: graphs from before
// control flow v2) run on the dataflow executor of session_flow.cc instead: dead tensors, frames
// and iterations as TensorFlow's executor has them; the other plans never pay for it.
//
// Thread safety: Run may be called concurrently; variables are shared session state.
#ifndef TFMODEL_SRC_RUNTIME_SESSION_H_
#define TFMODEL_SRC_RUNTIME_SESSION_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "src/base/thread_pool.h"
#include "src/graph/graph.h"
#include "src/runtime/function.h"
#include "src/runtime/kernel.h"
#include "src/runtime/resource.h"
#include "src/runtime/session_flow.h"

namespace tfmodel {

struct SessionOptions {
  // Threads that run independent nodes and split large kernels, counting the caller of Run:
  // 0 = the machine's hardware concurrency, 1 = everything on the calling thread.
  int num_threads = 1;
  // kAuto runs a plan in parallel only when timing its first runs showed independent nodes
  // worth overlapping; the others force one executor (tests).
  enum class Schedule { kAuto, kSequential, kParallel };
  Schedule schedule = Schedule::kAuto;
};

class GraphSession {
 public:
  // Plans every node, or with `roots` only the nodes those nodes need (the rest are planned
  // when a run first needs them).
  static Result<std::unique_ptr<GraphSession>> Create(GraphIR graph,
                                                      const std::vector<std::string>* roots = nullptr,
                                                      const SessionOptions& options = {});

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
  // Threads used (the resolved SessionOptions::num_threads).
  int num_threads() const { return pool_ ? pool_->num_workers() + 1 : 1; }

 private:
  struct PlannedNode {
    std::vector<DataType> output_types;
    KernelFn compute;
    std::vector<VariableState*> ref_inputs;  // per data input: the reference variable feeding it
    bool writes_ref_inputs = false;     // ref inputs are passed as variables, not read
    bool produces_ref = false;          // a reference variable (VariableV2)
    FlowKind flow = FlowKind::kNone;    // TF1 control flow: how the executor treats it
    bool ready = false;
  };
  // Where a kernel input or a fetch comes from.
  struct Source {
    enum Kind : uint8_t { kSlot, kFeed, kVariable, kNone };
    Kind kind = kSlot;
    bool last_use = false;  // sequential runs move the slot's tensor out instead of copying
    int index = 0;          // slot or feed index
    VariableState* var = nullptr;
    int producer = -1;      // kVariable: the graph node read (for the error message)
  };
  struct Step {
    int node = 0;
    int first_slot = 0;  // outputs are slots [first_slot, first_slot + num_outputs)
    int num_outputs = 0;
    std::vector<Source> inputs;
    std::vector<int> unused_outputs;  // slots nothing reads: released right after the step
    std::vector<int> consumers;       // steps waiting for this one (data or control), distinct
    int num_producers = 0;            // distinct steps this one waits for
    // A reference variable whose consumers all read the variable itself: nothing to compute.
    bool skip = false;
  };
  struct FeedCheck {
    int feed = 0;  // index in the Run's feeds
    int node = 0;
    DataType dtype = DataType::kInvalid;
    std::optional<PartialShape> shape;  // a Placeholder's declared shape, when checkable
  };
  struct Plan {
    std::vector<std::string> feed_names, fetch_names, target_names;
    uint64_t hash = 0;
    std::vector<FeedCheck> feeds;
    std::vector<Step> steps;  // topological order
    std::vector<Source> fetches;
    std::vector<int> slot_uses;  // per slot: kernel inputs reading it, plus 1 if fetched
    int num_slots = 0;
    // kAuto: profiled runs left; the decision once they are done.
    enum Mode : int { kProfile, kSequential, kParallel };
    std::atomic<int> mode{kSequential};
    std::mutex profile_mu;
    int profiles_left = 3;           // guarded by profile_mu
    std::vector<int64_t> step_nanos;  // fastest time seen per step, guarded by profile_mu
    // Set when a step is TF1 control flow: the plan runs on the dataflow executor.
    std::unique_ptr<FlowPlan> flow;
  };
  struct ParallelRun;
  struct FlowRun;

  GraphSession(GraphIR graph, const SessionOptions& options);
  // REQUIRES: plan_mu_ held. Plans `roots` and everything they depend on.
  Status EnsurePlanned(const std::vector<int>& roots);
  Status PlanNode(int id);
  Result<Plan*> GetPlan(const std::vector<std::pair<std::string, Tensor>>& feeds,
                              const std::vector<std::string>& fetches,
                              const std::vector<std::string>& targets);
  Result<std::unique_ptr<Plan>> BuildPlan(std::vector<std::string> feed_names,
                                          const std::vector<std::string>& fetches,
                                          const std::vector<std::string>& targets);
  // Runs one step: gathers inputs into `inputs` (moving last uses when `sequential`), calls
  // the kernel with outputs in `slots`, and checks the output dtypes.
  Status RunStep(const Step& step,
                 const std::vector<std::pair<std::string, Tensor>>& feeds, Tensor* slots,
                 bool sequential, std::vector<Tensor>& inputs);
  // For the dataflow executor (RunStep keeps inline copies of these: as calls they cost the
  // linear benchmark model ~1% more instructions per run under callgrind).
  // Appends a reference input's current value to `inputs`; FailedPrecondition naming `reader`
  // and the variable.
  Status PushRef(const Source& src, const Node& reader, std::vector<Tensor>& inputs) const {
    auto value = src.var->Read();
    if (!value.ok()) return UninitializedError(src, reader);
    inputs.push_back(std::move(*value));
    return Status::Ok();
  }
  Status UninitializedError(const Source& src, const Node& reader) const;
  // The Internal error of a kernel whose output k has dtype `got`, not the planned one.
  static Status OutputTypeError(const Node& n, int k, DataType got, DataType planned);
  Status RunSequential(const Plan& plan, const std::vector<std::pair<std::string, Tensor>>& feeds,
                       std::vector<Tensor>& slots, std::vector<int64_t>* step_nanos);
  Status RunParallel(const Plan& plan, const std::vector<std::pair<std::string, Tensor>>& feeds,
                     std::vector<Tensor>& slots);
  // session_flow.cc: frames, edges and pending counts of a plan with control flow; errors name
  // the node of a malformed frame. `step_of` maps graph nodes to steps.
  Status BuildFlowPlan(Plan* plan, const std::vector<int>& step_of,
                       const std::vector<TensorRef>& fetch_refs);
  // Runs a plan with control flow on the calling thread; fetched slots get their values, a dead
  // or never computed fetch is an error naming it.
  Status RunFlow(const Plan& plan, const std::vector<std::pair<std::string, Tensor>>& feeds,
                 std::vector<Tensor>& slots);
  // After a profiled run: whether overlapping independent steps would pay.
  bool ParallelPays(const Plan& plan, const std::vector<int64_t>& step_nanos) const;

  GraphIR graph_;
  SessionOptions options_;
  std::vector<int> topo_rank_;  // position of each node in a topological order
  std::vector<PlannedNode> planned_;
  std::vector<VariableState*> ref_var_;  // per node: the variable it references (VariableV2), or null
  ResourceMgr resources_;
  // The graph's functions, instantiated when a calling node is planned.
  std::unique_ptr<FunctionLibrary> functions_;
  std::vector<std::shared_ptr<VariableState>> ref_variables_;  // keeps ref inputs alive
  std::mutex plan_mu_;
  std::vector<std::unique_ptr<Plan>> plans_;  // guarded by plan_mu_; plans are never removed
  // Null with one thread. Last, so it is destroyed first: workers finish before plans go.
  std::unique_ptr<ThreadPool> pool_;
};

}  // namespace tfmodel

#endif  // TFMODEL_SRC_RUNTIME_SESSION_H_
