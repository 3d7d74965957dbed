// GraphSession::Run: checks the feeds against the cached plan, then executes its steps, in order on
// the calling thread or with a pending-count executor over the session's thread pool.
#include <algorithm>
#include <chrono>
#include <condition_variable>

#include "src/runtime/session.h"

namespace tfmodel {
namespace {

// kAuto goes parallel when overlapping steps would save at least this much per run, and this
// fraction of it: a hand-off to a worker costs ~5-20 us, and timing on a shared machine is noisy.
constexpr int64_t kMinParallelGainNanos = 50'000;
constexpr double kMinParallelGainFraction = 0.15;

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Status GraphSession::Run(const std::vector<std::pair<std::string, Tensor>>& feeds,
                         const std::vector<std::string>& fetches,
                         const std::vector<std::string>& targets, std::vector<Tensor>* outputs) {
  TFM_ASSIGN_OR_RETURN(Plan * plan, GetPlan(feeds, fetches, targets));
  const GraphIR& g = graph_;
  // Feeds must match the dtype the graph produces there, and a placeholder's declared shape.
  for (const FeedCheck& f : plan->feeds) {
    const Tensor& t = feeds[f.feed].second;
    if (t.dtype() != f.dtype) {
      return InvalidArgument(
          "tensor '" + feeds[f.feed].first + "' is fed a " + std::string(DataTypeName(t.dtype())) +
          " tensor, but the graph expects " + std::string(DataTypeName(f.dtype)));
    }
    if (f.shape.has_value()) {
      const PartialShape& ps = *f.shape;
      const Shape& got = t.shape();
      bool ok = static_cast<int>(ps.dims.size()) == got.rank();
      for (int d = 0; ok && d < got.rank(); ++d) ok = ps.dims[d] < 0 || ps.dims[d] == got.dim(d);
      if (!ok) {
        return InvalidArgument("tensor '" + feeds[f.feed].first + "' is fed shape " +
                               got.DebugString() + ", but placeholder '" + g.node(f.node).name +
                               "' has shape " + ps.ToCliString());
      }
    }
  }
  std::vector<Tensor> slots(plan->num_slots);
  const int mode = plan->mode.load(std::memory_order_relaxed);
  if (plan->flow != nullptr) {
    TFM_RETURN_IF_ERROR(RunFlow(*plan, feeds, slots));
  } else if (mode == Plan::kParallel) {
    TFM_RETURN_IF_ERROR(RunParallel(*plan, feeds, slots));
  } else if (mode == Plan::kProfile && plan->profile_mu.try_lock()) {
    std::lock_guard<std::mutex> lock(plan->profile_mu, std::adopt_lock);
    std::vector<int64_t> nanos(plan->steps.size(), 0);
    TFM_RETURN_IF_ERROR(RunSequential(*plan, feeds, slots, &nanos));
    if (plan->profiles_left > 0) {
      for (size_t i = 0; i < nanos.size(); ++i) {
        plan->step_nanos[i] = std::min(plan->step_nanos[i], nanos[i]);
      }
      if (--plan->profiles_left == 0) {
        plan->mode.store(ParallelPays(*plan, plan->step_nanos) ? Plan::kParallel
                                                               : Plan::kSequential);
      }
    }
  } else {
    TFM_RETURN_IF_ERROR(RunSequential(*plan, feeds, slots, nullptr));
  }
  outputs->clear();
  outputs->reserve(plan->fetches.size());
  for (const Source& src : plan->fetches) {
    switch (src.kind) {
      case Source::kFeed:
        outputs->push_back(feeds[src.index].second);
        break;
      case Source::kVariable: {
        auto value = src.var->Read();
        if (!value.ok()) {
          return FailedPrecondition("attempting to use uninitialized value " +
                                    g.node(src.producer).name);
        }
        outputs->push_back(std::move(*value));
        break;
      }
      default:
        outputs->push_back(src.last_use ? std::move(slots[src.index]) : slots[src.index]);
    }
  }
  return Status::Ok();
}

Status GraphSession::RunStep(const Step& step,
                             const std::vector<std::pair<std::string, Tensor>>& feeds,
                             Tensor* slots, bool sequential, std::vector<Tensor>& inputs) {
  if (step.skip) return Status::Ok();
  const Node& n = graph_.node(step.node);
  const PlannedNode& p = planned_[step.node];
  inputs.clear();
  for (const Source& src : step.inputs) {
    switch (src.kind) {
      case Source::kSlot:
        if (sequential && src.last_use) {
          inputs.push_back(std::move(slots[src.index]));
        } else {
          inputs.push_back(slots[src.index]);
        }
        break;
      case Source::kFeed:
        inputs.push_back(feeds[src.index].second);
        break;
      case Source::kNone:
        inputs.emplace_back();
        break;
      case Source::kVariable: {
        // A reference read sees earlier assignments in this step.
        auto value = src.var->Read();
        if (!value.ok()) {
          return FailedPrecondition("node '" + n.name +
                                    "': attempting to use uninitialized value " +
                                    graph_.node(src.producer).name);
        }
        inputs.push_back(std::move(*value));
        break;
      }
    }
  }
  std::span<Tensor> out(slots + step.first_slot, step.num_outputs);
  KernelContext ctx(n.name, inputs, out, &resources_, p.ref_inputs, pool_.get());
  Status s = p.compute(ctx);
  inputs.clear();  // a last use is released as soon as its reader is done
  if (!s.ok()) return s;
  for (size_t k = 0; k < out.size(); ++k) {
    if (out[k].dtype() != p.output_types[k]) {
      return Internal("node '" + n.name + "' (op " + n.op + ") produced output " +
                      std::to_string(k) + " of dtype " + std::string(DataTypeName(out[k].dtype())) +
                      ", planned " + std::string(DataTypeName(p.output_types[k])));
    }
  }
  for (int u : step.unused_outputs) slots[u] = Tensor();
  return Status::Ok();
}

Status GraphSession::RunSequential(const Plan& plan,
                                   const std::vector<std::pair<std::string, Tensor>>& feeds,
                                   std::vector<Tensor>& slots, std::vector<int64_t>* step_nanos) {
  std::vector<Tensor> inputs;
  inputs.reserve(8);
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    const int64_t start = step_nanos ? NowNanos() : 0;
    TFM_RETURN_IF_ERROR(RunStep(plan.steps[i], feeds, slots.data(), true, inputs));
    if (step_nanos) (*step_nanos)[i] = NowNanos() - start;
  }
  return Status::Ok();
}

bool GraphSession::ParallelPays(const Plan& plan, const std::vector<int64_t>& step_nanos) const {
  // Total work and the critical path (the longest chain of dependent steps).
  std::vector<int64_t> finish(plan.steps.size(), 0);
  int64_t work = 0, critical = 0;
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    finish[s] += step_nanos[s];
    work += step_nanos[s];
    critical = std::max(critical, finish[s]);
    for (int c : plan.steps[s].consumers) finish[c] = std::max(finish[c], finish[s]);
  }
  const int64_t best = std::max(critical, work / num_threads());
  const int64_t gain = work - best;
  return gain >= kMinParallelGainNanos && gain >= kMinParallelGainFraction * work;
}

// ---- The pending-count executor ----------------------------------------------------------------
// Every step starts with a count of the distinct steps it waits for; a finished step decrements its
// consumers' counts and the ones reaching zero are ready. The thread that finished a step continues
// with one of its newly ready consumers (no hand-off on a chain) and queues the rest for helpers on
// the pool; the caller of Run works too and waits only while everything ready is being run by
// others. After the first error no step is started and the error is returned.
struct GraphSession::ParallelRun {
  GraphSession* session = nullptr;
  const Plan* plan = nullptr;
  const std::vector<std::pair<std::string, Tensor>>* feeds = nullptr;
  Tensor* slots = nullptr;
  std::unique_ptr<std::atomic<int>[]> waiting;  // per step: producers not finished
  std::unique_ptr<std::atomic<int>[]> uses;     // per slot: readers not finished
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::condition_variable changed;
  std::vector<int> ready;  // guarded by mu
  int outstanding = 0;     // guarded by mu: steps ready or running
  int helpers = 0;         // guarded by mu: helper tasks scheduled and not returned
  Status error;            // guarded by mu: the first error

  // Runs ready steps until there are none; the caller keeps waiting until all are finished.
  static void Work(const std::shared_ptr<ParallelRun>& self, bool caller);
};

void GraphSession::ParallelRun::Work(const std::shared_ptr<ParallelRun>& self, bool caller) {
  ParallelRun& r = *self;
  std::vector<Tensor> inputs;
  std::vector<int> newly;
  int step = -1;
  for (;;) {
    if (step < 0) {
      std::unique_lock<std::mutex> lock(r.mu);
      while (r.ready.empty()) {
        if (!caller) {
          --r.helpers;
          return;
        }
        if (r.outstanding == 0) return;
        r.changed.wait(lock);
      }
      step = r.ready.back();
      r.ready.pop_back();
    }
    const Step& st = r.plan->steps[step];
    newly.clear();
    if (!r.failed.load(std::memory_order_acquire)) {
      Status s = r.session->RunStep(st, *r.feeds, r.slots, /*sequential=*/false, inputs);
      if (s.ok()) {
        for (const Source& src : st.inputs) {
          if (src.kind == Source::kSlot && r.uses[src.index].fetch_sub(1) == 1) {
            r.slots[src.index] = Tensor();
          }
        }
        for (int c : st.consumers) {
          if (r.waiting[c].fetch_sub(1) == 1) newly.push_back(c);
        }
      } else {
        std::lock_guard<std::mutex> lock(r.mu);
        if (!r.failed.load()) {
          r.error = std::move(s);
          r.failed.store(true, std::memory_order_release);
        }
      }
    }
    int next = -1;
    if (!newly.empty()) {
      next = newly.back();
      newly.pop_back();
    }
    int schedule = 0;
    {
      std::lock_guard<std::mutex> lock(r.mu);
      // This step is done; `next` stays outstanding on this thread, the others are queued.
      r.outstanding += static_cast<int>(newly.size()) + (next >= 0 ? 1 : 0) - 1;
      r.ready.insert(r.ready.end(), newly.begin(), newly.end());
      if (!newly.empty()) {
        schedule = std::min<int>(static_cast<int>(newly.size()),
                                 r.session->pool_->num_workers() - r.helpers);
        r.helpers += std::max(schedule, 0);
      }
      if (!newly.empty() || r.outstanding == 0) r.changed.notify_all();
    }
    for (int h = 0; h < schedule; ++h) r.session->pool_->Schedule([self] { Work(self, false); });
    step = next;
  }
}

Status GraphSession::RunParallel(const Plan& plan,
                                 const std::vector<std::pair<std::string, Tensor>>& feeds,
                                 std::vector<Tensor>& slots) {
  auto run = std::make_shared<ParallelRun>();
  run->session = this;
  run->plan = &plan;
  run->feeds = &feeds;
  run->slots = slots.data();
  run->waiting.reset(new std::atomic<int>[plan.steps.size()]);
  run->uses.reset(new std::atomic<int>[plan.num_slots]);
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    run->waiting[s].store(plan.steps[s].num_producers, std::memory_order_relaxed);
    if (plan.steps[s].num_producers == 0) run->ready.push_back(static_cast<int>(s));
  }
  for (int i = 0; i < plan.num_slots; ++i)
    run->uses[i].store(plan.slot_uses[i], std::memory_order_relaxed);
  std::reverse(run->ready.begin(),
               run->ready.end());  // popped from the back: topological order
  run->outstanding = static_cast<int>(run->ready.size());
  if (run->outstanding == 0) return Status::Ok();
  const int schedule = std::min<int>(run->outstanding - 1, pool_->num_workers());
  run->helpers = schedule;
  for (int h = 0; h < schedule; ++h) pool_->Schedule([run] { ParallelRun::Work(run, false); });
  ParallelRun::Work(run, /*caller=*/true);
  std::lock_guard<std::mutex> lock(run->mu);
  return run->error;
}

}  // namespace tfmodel
