// What is behind tfmodel::Session, for the training code (savers read variables through it).
#ifndef TFMODEL_SRC_API_SESSION_IMPL_H_
#define TFMODEL_SRC_API_SESSION_IMPL_H_

#include <memory>
#include <mutex>
#include <vector>

#include "src/api/graph_state.h"
#include "src/runtime/session.h"
#include "tfmodel/graph.h"

namespace tfmodel {

struct Session::Impl {
  Impl(const Graph& g, Options o) : graph(g), options(o) {}
  // The GraphSession, created or extended to the graph's current nodes. Nodes are planned when
  // a run first needs them (a graph may hold ops for other runs that cannot run yet).
  Result<GraphSession*> Sync();

  Graph graph;
  Options options;
  std::mutex mu;
  std::unique_ptr<GraphSession> session;
  inline static const std::vector<std::string> kNoRoots;
};

}  // namespace tfmodel

#endif  // TFMODEL_SRC_API_SESSION_IMPL_H_
