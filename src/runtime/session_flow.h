// The static part of a run with TF1 control flow (a Plan's `flow`, built by session_flow.cc):
// per step its frame, its edges and its initial pending count. Internal to GraphSession.
//
// Frames: the root frame is 0; every distinct (parent frame, Enter's frame_name) is one static
// frame, of which a run creates an instance per iteration of the parent it is entered from. A step
// *executes* in `frame` (its inputs' frame) and its outputs belong to `out_frame`: the child frame
// for Enter, the parent frame for Exit, `frame` for everything else.
#ifndef TFMODEL_SRC_RUNTIME_SESSION_FLOW_H_
#define TFMODEL_SRC_RUNTIME_SESSION_FLOW_H_

#include <string>
#include <utility>
#include <vector>

#include "src/runtime/kernels/control_flow.h"

namespace tfmodel {

struct FlowPlan {
  struct Edge {
    int dst = 0;      // consumer step
    int input = 0;    // its data input (control edges: unused)
    int output = -1;  // producer output; -1 = a control edge
  };
  struct Node {
    FlowKind kind = FlowKind::kNone;
    int frame = 0;       // where it executes (and its pending count lives)
    int out_frame = 0;   // where its outputs go
    int local = 0;       // index among the steps executing in `frame`
    int input_base = 0;  // its inputs in an iteration's input entries: [input_base, + inputs)
    int data_edges = 0;  // data inputs arriving by an edge (Merge: dead when all are dead)
    int pending = 0;     // initial count (Merge: 1 + 2 * control inputs, as TF's executor)
    bool constant_enter = false;
    std::vector<Edge> edges;                   // to consumers: data edges, then control edges
    std::vector<std::pair<int, int>> fetches;  // (output, slot) of fetched outputs
  };
  struct Frame {
    std::string name;  // Enter's frame_name ("" for the root)
    int parent = -1;
    int parallel_iterations = 1;
    int num_enters = 0;  // Enter steps into it: an instance is done after all of them ran
    int num_nodes = 0;   // steps executing in it
    int num_inputs = 0;  // their data inputs
    std::vector<int> initial_pending;  // per local step
  };
  std::vector<Node> nodes;  // per plan step
  std::vector<Frame> frames;
  std::vector<int> roots;  // steps with nothing to wait for
};

}  // namespace tfmodel

#endif  // TFMODEL_SRC_RUNTIME_SESSION_FLOW_H_
