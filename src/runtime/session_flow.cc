// The dataflow executor for plans with TF1 control flow, after TensorFlow's executor semantics
// (tensorflow/core/common_runtime/propagator_state.cc, read for facts):
//
// - Every input a step receives is live (a value) or dead. Switch sends its data to one output and
//   a dead tensor to the other; a step with a dead input does not run and its outputs (and control
//   edges) are dead; Merge runs on its first live input and is dead only when all are.
// - Enter moves a value into an instance of its child frame (one per frame name and iteration of
//   the parent it runs in), into iteration 0, or into every iteration if is_constant. NextIteration
//   moves a value to the next iteration (started when the first one arrives, at most
//   parallel_iterations at once: later ones wait); a dead NextIteration ends there. A live Exit
//   moves its value to the parent frame; the dead Exits of a frame's last iteration reach the
//   parent as dead inputs when the frame instance is done (every Enter ran, every iteration done).
// - ControlTrigger is never dead.
// - TensorArray ops work on arrays that live for the run (kernels/tensor_array.h); a plan with any
//   runs here even without loops.
//
// Runs execute on the calling thread (kernels may still split work over the pool), one ready step
// at a time: each (frame instance, iteration) has its own input entries and pending counts.
#include <deque>
#include <map>
#include <tuple>

#include "src/runtime/kernels/tensor_array.h"
#include "src/runtime/session.h"

namespace tfmodel {

// ---- Planning ----------------------------------------------------------------------------------

Status GraphSession::BuildFlowPlan(Plan* plan, const std::vector<int>& step_of,
                                   const std::vector<TensorRef>& fetch_refs) {
  const GraphIR& g = graph_;
  auto flow = std::make_unique<FlowPlan>();
  const int num_steps = static_cast<int>(plan->steps.size());
  flow->nodes.resize(num_steps);
  flow->frames.push_back({});  // the root
  std::map<std::pair<int, std::string>, int> frame_ids;
  auto frame_name = [&](int f) {
    return f == 0 ? std::string("the root frame") : "frame '" + flow->frames[f].name + "'";
  };
  // Producer steps of each step's inputs: (step, output), output -1 for control inputs.
  auto for_each_producer = [&](int s, auto&& fn) {
    const Step& st = plan->steps[s];
    const Node& n = g.node(st.node);
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      if (st.inputs[i].kind == Source::kFeed) continue;
      fn(step_of[n.inputs[i].node], n.inputs[i].index, static_cast<int>(i));
    }
    for (int c : n.control_inputs) fn(step_of[c], -1, -1);
  };
  // Frames in step order (topological but for back edges, which come from later steps).
  for (int s = 0; s < num_steps; ++s) {
    const Node& n = g.node(plan->steps[s].node);
    FlowPlan::Node& fn = flow->nodes[s];
    fn.kind = planned_[plan->steps[s].node].flow;
    int frame = -1, first = -1;
    Status bad;
    for_each_producer(s, [&](int q, int output, int input) {
      if (!bad.ok()) return;
      if (q > s) {  // a back edge: checked below, once its producer has a frame
        if (fn.kind != FlowKind::kMerge) {
          bad = InvalidArgument("node '" + g.node(plan->steps[q].node).name + "' (op " +
                                g.node(plan->steps[q].node).op + ") feeds '" + n.name + "' (op " +
                                n.op + "), which is not a Merge: the loop is malformed");
        }
        return;
      }
      const int f = flow->nodes[q].out_frame;
      if (frame < 0) {
        frame = f;
        first = q;
      } else if (f != frame) {
        bad = InvalidArgument("node '" + n.name + "' (op " + n.op + ") has inputs from " +
                              frame_name(frame) + " ('" + g.node(plan->steps[first].node).name +
                              "') and " + frame_name(f) + " ('" + g.node(plan->steps[q].node).name +
                              "'): mismatched control-flow frames");
      }
      if (output >= 0) ++fn.data_edges;
      (void)input;
    });
    TFM_RETURN_IF_ERROR(bad);
    fn.frame = frame < 0 ? 0 : frame;
    fn.out_frame = fn.frame;
    switch (fn.kind) {
      case FlowKind::kEnter: {
        auto name = n.attrs.find("frame_name");
        std::string fname = name != n.attrs.end() ? name->second.s : "";
        auto [it, added] = frame_ids.emplace(std::make_pair(fn.frame, fname),
                                             static_cast<int>(flow->frames.size()));
        if (added) {
          FlowPlan::Frame child;
          child.name = fname;
          child.parent = fn.frame;
          auto pi = n.attrs.find("parallel_iterations");
          child.parallel_iterations =
              pi != n.attrs.end() && pi->second.i > 0 ? static_cast<int>(pi->second.i) : 10;
          flow->frames.push_back(std::move(child));
        }
        fn.out_frame = it->second;
        ++flow->frames[fn.out_frame].num_enters;
        auto c = n.attrs.find("is_constant");
        fn.constant_enter = c != n.attrs.end() && c->second.b;
        break;
      }
      case FlowKind::kExit:
      case FlowKind::kNextIteration:
        if (fn.frame == 0) {
          return InvalidArgument("node '" + n.name + "' (op " + n.op +
                                 ") is not inside a while loop: no Enter leads to it");
        }
        if (fn.kind == FlowKind::kExit) fn.out_frame = flow->frames[fn.frame].parent;
        break;
      default:
        break;
    }
    FlowPlan::Frame& fr = flow->frames[fn.frame];
    fn.local = fr.num_nodes++;
    fn.input_base = fr.num_inputs;
    fr.num_inputs += static_cast<int>(n.inputs.size());
  }
  // Edges, pending counts, and the back edges' frames and dtypes.
  for (int s = 0; s < num_steps; ++s) {
    FlowPlan::Node& fn = flow->nodes[s];
    const Node& n = g.node(plan->steps[s].node);
    int controls = 0, edges = 0;
    Status bad;
    for_each_producer(s, [&](int q, int output, int input) {
      flow->nodes[q].edges.push_back({s, input, output});
      ++edges;
      if (output < 0) ++controls;
      if (q > s && bad.ok()) {
        const Node& qn = g.node(plan->steps[q].node);
        if (flow->nodes[q].out_frame != fn.frame) {
          bad =
              InvalidArgument("node '" + qn.name + "' (op " + qn.op + ") in " +
                              frame_name(flow->nodes[q].out_frame) + " feeds Merge '" + n.name +
                              "' in " + frame_name(fn.frame) + ": mismatched control-flow frames");
        } else if (output >= 0) {
          const DataType got = planned_[plan->steps[q].node].output_types[output];
          const DataType want = planned_[plan->steps[s].node].output_types[0];
          if (got != want) {
            bad = InvalidArgument("Merge '" + n.name + "' merges " +
                                  std::string(DataTypeName(want)) + " but gets " +
                                  std::string(DataTypeName(got)) + " from '" + qn.name + "'");
          }
        }
      }
    });
    TFM_RETURN_IF_ERROR(bad);
    fn.pending = fn.kind == FlowKind::kMerge ? 1 + 2 * controls : edges;
    flow->frames[fn.frame].initial_pending.push_back(fn.pending);
    if (fn.pending == 0) flow->roots.push_back(s);
  }
  // Control edges after data edges (the order propagation expects).
  for (FlowPlan::Node& fn : flow->nodes) {
    std::stable_partition(fn.edges.begin(), fn.edges.end(),
                          [](const FlowPlan::Edge& e) { return e.output >= 0; });
  }
  for (size_t i = 0; i < fetch_refs.size(); ++i) {
    const Source& src = plan->fetches[i];
    if (src.kind != Source::kSlot) continue;
    const int s = step_of[fetch_refs[i].node];
    if (flow->nodes[s].out_frame != 0) {
      return InvalidArgument("cannot fetch '" + plan->fetch_names[i] +
                             "': it is inside the while loop " +
                             frame_name(flow->nodes[s].out_frame));
    }
    flow->nodes[s].fetches.push_back({fetch_refs[i].index, src.index});
  }
  plan->flow = std::move(flow);
  return Status::Ok();
}

// ---- Running -----------------------------------------------------------------------------------

struct GraphSession::FlowRun {
  struct Entry {
    Tensor value;
    bool live = false;
  };
  struct Iteration {
    std::vector<Entry> inputs;       // per input of the frame's steps
    std::vector<int> pending, dead;  // per local step
    int outstanding_ops = 0;         // steps ready or running
    int outstanding_frames = 0;      // child frame instances not done
  };
  struct Frame {
    int def = 0;  // FlowPlan frame
    int parent = -1;
    int64_t parent_iter = 0;
    int pending_enters = 0;
    int64_t iteration_count = 0;  // the newest iteration
    int outstanding_iterations = 1;
    int64_t first_iter = 0;  // iterations[0] is this one
    std::deque<std::unique_ptr<Iteration>> iterations;
    std::vector<int> dead_exits;                        // of the newest iteration
    std::vector<std::pair<int, Entry>> deferred_nexts;  // waiting for parallel_iterations
    std::vector<std::pair<int, Entry>> invariants;      // constant Enters' values
    std::map<std::pair<int64_t, int>, int> children;    // (iteration, FlowPlan frame) -> frame
    Iteration* Get(int64_t i) {
      i -= first_iter;
      return i >= 0 && i < static_cast<int64_t>(iterations.size()) ? iterations[i].get() : nullptr;
    }
  };
  struct Ready {
    int step;
    int frame;
    int64_t iter;
    bool dead;
  };

  GraphSession* session = nullptr;
  const Plan* plan = nullptr;
  const FlowPlan* flow = nullptr;
  const std::vector<std::pair<std::string, Tensor>>* feeds = nullptr;
  std::vector<Tensor> inputs;                  // of the step being computed
  TensorArrayStore tensor_arrays;              // the run's TensorArrays
  std::vector<std::unique_ptr<Frame>> frames;  // instances; null once done
  std::deque<Ready> ready;
  std::vector<int> fetched;  // per slot: 0 not produced, 1 dead, 2 live (value in `slots`)
  std::vector<Tensor>* slots = nullptr;

  std::unique_ptr<Iteration> NewIteration(int def) {
    const FlowPlan::Frame& f = flow->frames[def];
    auto it = std::make_unique<Iteration>();
    it->inputs.resize(f.num_inputs);
    it->pending = f.initial_pending;
    it->dead.assign(f.num_nodes, 0);
    return it;
  }
  int NewFrame(int def, int parent, int64_t parent_iter) {
    auto f = std::make_unique<Frame>();
    f->def = def;
    f->parent = parent;
    f->parent_iter = parent_iter;
    f->pending_enters = flow->frames[def].num_enters;
    f->iterations.push_back(NewIteration(def));
    frames.push_back(std::move(f));
    return static_cast<int>(frames.size()) - 1;
  }

  // Delivers `outputs` of `step` (all dead when `dead`) to its consumers in iteration `iter` of
  // frame `fi`, queueing those that become ready.
  void Activate(int step, bool dead, int fi, int64_t iter, const std::vector<Entry>& outputs) {
    Iteration& it = *frames[fi]->Get(iter);
    const bool from_enter = flow->nodes[step].kind == FlowKind::kEnter;
    for (const FlowPlan::Edge& e : flow->nodes[step].edges) {
      const FlowPlan::Node& d = flow->nodes[e.dst];
      int& pending = it.pending[d.local];
      int& dead_count = it.dead[d.local];
      bool go = false, go_dead = false;
      if (e.output >= 0) {
        const Entry& out = outputs[e.output];
        const bool live = !dead && out.live;
        if (d.kind == FlowKind::kMerge) {
          if (live) {
            // Bit 0 of a Merge's count: no live input yet. Only the first live one is taken.
            if (pending & 1) {
              it.inputs[d.input_base + e.input] = out;
              --pending;
              go = pending == 0;
            }
          } else {
            ++dead_count;
            go_dead = dead_count == d.data_edges || from_enter;
            go = pending == 1 && go_dead;
          }
        } else {
          if (live) {
            it.inputs[d.input_base + e.input] = out;
          } else {
            ++dead_count;
          }
          go = --pending == 0;
          go_dead = dead_count > 0;
        }
      } else if (d.kind == FlowKind::kMerge) {
        pending -= 2;
        go_dead = dead_count == d.data_edges;
        go = pending == 0 || (pending == 1 && go_dead);
      } else {
        if (dead) ++dead_count;
        go = --pending == 0;
        go_dead = dead_count > 0;
      }
      if (go) {
        if (d.kind == FlowKind::kControlTrigger) go_dead = false;
        ready.push_back({e.dst, fi, iter, go_dead});
        ++it.outstanding_ops;
      }
    }
  }

  bool IterationDone(Frame& f, int64_t i) {
    Iteration* it = f.Get(i);
    if (it == nullptr || it->outstanding_ops != 0 || it->outstanding_frames != 0) return false;
    return i == 0 ? f.pending_enters == 0 : f.Get(i - 1) == nullptr;
  }

  int64_t StartIteration(int fi) {
    Frame& f = *frames[fi];
    const int64_t i = ++f.iteration_count;
    f.iterations.push_back(NewIteration(f.def));
    ++f.outstanding_iterations;
    f.dead_exits.clear();
    std::vector<std::pair<int, Entry>> nexts;
    nexts.swap(f.deferred_nexts);
    for (const auto& [step, entry] : nexts) Activate(step, false, fi, i, {entry});
    for (const auto& [step, entry] : f.invariants) Activate(step, !entry.live, fi, i, {entry});
    return i;
  }

  // Deletes the finished iterations from `iter` on; then, if the frame instance is done,
  // delivers its dead exits to the parent and deletes it (and so on up).
  void Cleanup(int fi, int64_t iter) {
    while (fi > 0) {
      Frame& f = *frames[fi];
      while (iter <= f.iteration_count && IterationDone(f, iter)) {
        f.iterations[iter - f.first_iter].reset();
        while (!f.iterations.empty() && f.iterations.front() == nullptr) {
          f.iterations.pop_front();
          ++f.first_iter;
        }
        --f.outstanding_iterations;
        if (!f.deferred_nexts.empty()) StartIteration(fi);
        ++iter;
      }
      if (f.pending_enters != 0 || f.outstanding_iterations != 0) return;
      const int parent = f.parent;
      const int64_t parent_iter = f.parent_iter;
      const std::vector<Entry> none(1);
      for (int exit : f.dead_exits) Activate(exit, true, parent, parent_iter, none);
      Frame& p = *frames[parent];
      p.children.erase({parent_iter, f.def});
      frames[fi].reset();
      --p.Get(parent_iter)->outstanding_frames;
      fi = parent;
      iter = parent_iter;
    }
  }

  void Finished(int fi, int64_t iter) {
    if (--frames[fi]->Get(iter)->outstanding_ops == 0) Cleanup(fi, iter);
  }

  // Runs a live step: its inputs from the iteration's entries, its kernel, its outputs (a
  // Switch's unset output is dead).
  Status Compute(const Ready& r, std::vector<Entry>& outputs);

  // What a finished step's outputs do, by kind.
  void Propagate(const Ready& r, const std::vector<Entry>& outputs) {
    const FlowPlan::Node& node = flow->nodes[r.step];
    for (const auto& [output, slot] : node.fetches) {
      if (!r.dead && outputs[output].live) {
        (*slots)[slot] = outputs[output].value;
        fetched[slot] = 2;
      } else if (fetched[slot] == 0) {
        fetched[slot] = 1;
      }
    }
    Frame& f = *frames[r.frame];
    switch (node.kind) {
      case FlowKind::kEnter: {
        auto [it, added] = f.children.emplace(std::make_pair(r.iter, node.out_frame), 0);
        if (added) {
          it->second = NewFrame(node.out_frame, r.frame, r.iter);
          ++frames[r.frame]->Get(r.iter)->outstanding_frames;
        }
        const int ci = it->second;
        Frame& child = *frames[ci];
        if (node.constant_enter) {
          child.invariants.push_back({r.step, r.dead ? Entry{} : outputs[0]});
          for (int64_t i = child.first_iter; i <= child.iteration_count; ++i) {
            if (child.Get(i) != nullptr) Activate(r.step, r.dead, ci, i, outputs);
          }
        } else {
          Activate(r.step, r.dead, ci, 0, outputs);
        }
        --child.pending_enters;
        if (child.Get(child.first_iter)->outstanding_ops == 0) Cleanup(ci, child.first_iter);
        break;
      }
      case FlowKind::kExit:
        if (r.dead) {
          if (r.iter == f.iteration_count) f.dead_exits.push_back(r.step);
        } else {
          Activate(r.step, false, f.parent, f.parent_iter, outputs);
        }
        break;
      case FlowKind::kNextIteration:
        if (r.dead) break;  // deadness stops here
        if (r.iter == f.iteration_count) {
          if (f.outstanding_iterations >= flow->frames[f.def].parallel_iterations) {
            f.deferred_nexts.push_back({r.step, outputs[0]});
          } else {
            Activate(r.step, false, r.frame, StartIteration(r.frame), outputs);
          }
        } else {
          Activate(r.step, false, r.frame, r.iter + 1, outputs);
        }
        break;
      default:
        Activate(r.step, r.dead, r.frame, r.iter, outputs);
    }
    Finished(r.frame, r.iter);
  }
};

Status GraphSession::UninitializedError(const Source& src, const Node& reader) const {
  return FailedPrecondition("node '" + reader.name + "': attempting to use uninitialized value " +
                            graph_.node(src.producer).name);
}

Status GraphSession::OutputTypeError(const Node& n, int k, DataType got, DataType planned) {
  return Internal("node '" + n.name + "' (op " + n.op + ") produced output " + std::to_string(k) +
                  " of dtype " + std::string(DataTypeName(got)) + ", planned " +
                  std::string(DataTypeName(planned)));
}

Status GraphSession::FlowRun::Compute(const Ready& r, std::vector<Entry>& outputs) {
  const Step& st = plan->steps[r.step];
  const FlowPlan::Node& node = flow->nodes[r.step];
  const Node& n = session->graph_.node(st.node);
  const PlannedNode& p = session->planned_[st.node];
  Iteration& it = *frames[r.frame]->Get(r.iter);
  inputs.clear();
  for (size_t i = 0; i < st.inputs.size(); ++i) {
    const Source& src = st.inputs[i];
    Entry& e = it.inputs[node.input_base + i];
    if (src.kind == Source::kSlot) {
      inputs.push_back(std::move(e.value));  // an entry belongs to one input: move it
    } else if (src.kind == Source::kFeed) {
      inputs.push_back((*feeds)[src.index].second);
    } else if (src.kind == Source::kNone || (node.kind == FlowKind::kMerge && !e.live)) {
      inputs.emplace_back();
    } else if (node.kind != FlowKind::kNone && !src.var->Read().ok()) {
      // A Ref control-flow op forwards the variable itself: its consumers read it when they
      // run (tf.Variable.initialized_value switches on an uninitialized one).
      TFM_ASSIGN_OR_RETURN(Tensor zero, Tensor::Allocate(p.output_types[0], Shape({})));
      inputs.push_back(std::move(zero));
    } else {
      TFM_RETURN_IF_ERROR(session->PushRef(src, n, inputs));
    }
    e.live = false;
  }
  std::vector<Tensor> out(st.num_outputs);
  if (node.kind == FlowKind::kTensorArray) {
    TFM_RETURN_IF_ERROR(RunTensorArrayOp(n.name, n.op, n.attrs, tensor_arrays, inputs, out));
  } else if (!st.skip) {
    KernelContext ctx(n.name, inputs, out, &session->resources_, p.ref_inputs,
                      session->pool_.get());
    TFM_RETURN_IF_ERROR(p.compute(ctx));
  }
  inputs.clear();
  for (int k = 0; k < st.num_outputs; ++k) {
    if (node.kind == FlowKind::kSwitch && out[k].dtype() == DataType::kInvalid) continue;  // dead
    if (!st.skip && out[k].dtype() != p.output_types[k]) {
      return OutputTypeError(n, k, out[k].dtype(), p.output_types[k]);
    }
    outputs[k] = {std::move(out[k]), true};
  }
  return Status::Ok();
}

Status GraphSession::RunFlow(const Plan& plan,
                             const std::vector<std::pair<std::string, Tensor>>& feeds,
                             std::vector<Tensor>& slots) {
  FlowRun run;
  run.session = this;
  run.plan = &plan;
  run.flow = plan.flow.get();
  run.feeds = &feeds;
  run.slots = &slots;
  run.fetched.assign(plan.num_slots, 0);
  run.NewFrame(0, -1, 0);
  FlowRun::Iteration& root = *run.frames[0]->Get(0);
  for (int s : run.flow->roots) {
    run.ready.push_back({s, 0, 0, false});
    ++root.outstanding_ops;
  }
  std::vector<FlowRun::Entry> outputs;
  while (!run.ready.empty()) {
    const FlowRun::Ready r = run.ready.front();
    run.ready.pop_front();
    outputs.assign(plan.steps[r.step].num_outputs, {});
    if (!r.dead) TFM_RETURN_IF_ERROR(run.Compute(r, outputs));
    run.Propagate(r, outputs);
  }
  for (size_t i = 0; i < plan.fetches.size(); ++i) {
    const Source& src = plan.fetches[i];
    if (src.kind != Source::kSlot || run.fetched[src.index] == 2) continue;
    return InvalidArgument("Retval[" + std::to_string(i) +
                           "] does not have value: fetched tensor '" + plan.fetch_names[i] + "' " +
                           (run.fetched[src.index] == 1
                                ? "is dead (on the untaken branch of a Switch)"
                                : "was never computed (its inputs never all arrived)"));
  }
  return Status::Ok();
}

}  // namespace tfmodel
