// Internal: MetaGraphData for a Graph (used by ExportMetaGraph and SavedModelBuilder) and
// importing one into a Graph (ImportMetaGraph, LoadSavedModel).
#ifndef TFMODEL_SRC_TRAIN_META_GRAPH_H_
#define TFMODEL_SRC_TRAIN_META_GRAPH_H_

#include <string>

#include "src/api/graph_state.h"
#include "src/formats/graph_io.h"
#include "tfmodel/train.h"

namespace tfmodel {

// What files written here say wrote them: the TensorFlow version whose formats they follow.
inline constexpr char kWrittenTensorflowVersion[] = "2.21.0";
inline constexpr char kWrittenGitVersion[] = "tfmodel-0.1.0";

// The graph, its collections (variables as VariableDefs) and the saver's SaverDef.
MetaGraphData BuildMetaGraph(const Graph& g, const Saver* saver);
// Imports `mg`'s nodes (names as in the file), collections and variables into `g`.
Result<ImportedMetaGraph> ImportMetaGraphData(const Graph& g, const MetaGraphData& mg,
                                              const std::string& what);

}  // namespace tfmodel

#endif  // TFMODEL_SRC_TRAIN_META_GRAPH_H_
