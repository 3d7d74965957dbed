// Session: a GraphSession over a Graph's IR, extended when the graph grows.
#include "src/api/session_impl.h"

namespace tfmodel {

Session::Session(const Graph& graph) : Session(graph, Options{}) {}
Session::Session(const Graph& graph, Options options)
    : impl_(std::make_unique<Impl>(graph, options)) {}
Session::~Session() = default;

const Graph& Session::graph() const { return impl_->graph; }

Result<GraphSession*> Session::Impl::Sync() {
  GraphState* g = graph.state();
  TFM_RETURN_IF_ERROR(g->error());
  std::lock_guard<std::mutex> lock(mu);
  if (!session) {
    TFM_ASSIGN_OR_RETURN(session, GraphSession::Create(g->ir(), &kNoRoots,
                                                        {.num_threads = options.num_threads}));
  } else if (session->graph().num_nodes() != g->ir().num_nodes()) {
    TFM_RETURN_IF_ERROR(session->Extend(g->ir()));
  }
  return session.get();
}

namespace {

Status CheckHandle(const GraphState* g, const Output& o, const char* what) {
  if (!o.valid()) return InvalidArgument(std::string("a ") + what + " is not a valid tensor");
  if (o.graph() != g) return InvalidArgument(std::string(what) + " '" + o.name() + "' is from another graph");
  return Status::Ok();
}

}  // namespace

Result<std::vector<Tensor>> Session::Run(const Feeds& feeds, const std::vector<Output>& fetches,
                                         const std::vector<Operation>& targets) {
  TFM_ASSIGN_OR_RETURN(GraphSession * s, impl_->Sync());
  const GraphState* g = impl_->graph.state();
  std::vector<std::pair<std::string, Tensor>> named_feeds;
  named_feeds.reserve(feeds.size());
  for (const auto& [out, value] : feeds) {
    TFM_RETURN_IF_ERROR(CheckHandle(g, out, "feed"));
    named_feeds.emplace_back(out.name(), value);
  }
  std::vector<std::string> fetch_names;
  for (const Output& f : fetches) {
    TFM_RETURN_IF_ERROR(CheckHandle(g, f, "fetch"));
    fetch_names.push_back(f.name());
  }
  std::vector<std::string> target_names;
  for (const Operation& t : targets) {
    if (!t.valid() || t.graph() != g) return InvalidArgument("a target is not an op of this graph");
    target_names.push_back(t.name());
  }
  std::vector<Tensor> out;
  TFM_RETURN_IF_ERROR(s->Run(named_feeds, fetch_names, target_names, &out));
  return out;
}

Status Session::Run(const Feeds& feeds, const std::vector<Operation>& targets) {
  return Run(feeds, std::vector<Output>{}, targets).status();
}

Result<Tensor> Session::Fetch(const Feeds& feeds, const Output& fetch) {
  TFM_ASSIGN_OR_RETURN(std::vector<Tensor> out, Run(feeds, std::vector<Output>{fetch}));
  return out[0];
}

}  // namespace tfmodel
