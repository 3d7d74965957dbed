// Loading and running TensorFlow graphs: frozen GraphDefs (.pb/.pbtxt), MetaGraphDefs (.meta)
// with their checkpoint, and TF1 SavedModels (also a base directory of numeric versions).
//
//   TFM_ASSIGN_OR_RETURN(auto m, Model::Load("saved_model_dir"));   // highest version, "serve"
//   TFM_ASSIGN_OR_RETURN(auto out, m->RunSignature("serving_default", {{"input", x}}));
//   TFM_ASSIGN_OR_RETURN(auto frozen, Model::LoadFrozenGraph("test-model.pb"));
//   TFM_ASSIGN_OR_RETURN(auto y, frozen->Run({{"import/input:0", x}}, {"import/output:0"}));
//
// Thread safety: Run and RunSignature may be called concurrently.
#ifndef TFMODEL_MODEL_H_
#define TFMODEL_MODEL_H_

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

// A signature's input or output: the graph tensor behind it, its dtype and (partial) shape.
struct TensorSpec {
  std::string name;  // "x:0"
  DataType dtype = DataType::kInvalid;
  bool unknown_rank = false;
  std::vector<int64_t> dims;  // -1 = unknown
};

struct Signature {
  std::string method_name;
  std::map<std::string, TensorSpec> inputs;
  std::map<std::string, TensorSpec> outputs;
  // TF2: values of optional inputs, used by RunSignature when the input is not given.
  std::map<std::string, Tensor> defaults;
};

// What `tfmodel show` prints for a graph.
struct GraphSummary {
  std::vector<TensorSpec> placeholders;     // likely inputs
  std::vector<std::string> likely_outputs;  // nodes nothing consumes (excluding no-output ops)
  std::map<std::string, int> op_counts;
  int64_t num_nodes = 0;
  int64_t num_variables = 0;
  int64_t variable_elements = 0;  // total elements of fully-shaped variables and constants
  int64_t const_bytes = 0;
};

class Model {
 public:
  enum class Kind { kFrozenGraph, kMetaGraph, kSavedModel };

  struct LoadOptions {
    // SavedModel: the tag set to load (order does not matter; must match exactly).
    std::vector<std::string> tags = {"serve"};
    // Frozen graphs: the import name scope ("" = names as in the file; TF's default "import").
    std::string import_prefix;
    // .meta: the checkpoint prefix to restore; empty = "<stem>.index" beside the .meta, else the
    // latest checkpoint of its directory (none needed when the graph has no variables).
    // GraphDef with variables (not frozen): restored from this prefix through the graph's
    // save/Const:0 + save/restore_all when it has them, else by variable name; empty = the
    // variables stay uninitialised.
    std::string checkpoint;
    // Threads for running independent nodes and splitting large kernels (MatMul, Conv2D),
    // counting the thread that calls Run: 0 = the machine's hardware concurrency, 1 = run
    // everything on the calling thread.
    int num_threads = 0;
  };

  // Detects the format: a directory (SavedModel, or a base of numeric versions), a .meta, or
  // a GraphDef (.pb/.pbtxt/anything else).
  static Result<std::unique_ptr<Model>> Load(std::string_view path, const LoadOptions& options);
  static Result<std::unique_ptr<Model>> Load(std::string_view path) { return Load(path, LoadOptions{}); }
  static Result<std::unique_ptr<Model>> LoadFrozenGraph(std::string_view path,
                                                        const LoadOptions& options);
  static Result<std::unique_ptr<Model>> LoadMetaGraph(std::string_view meta_path,
                                                      const LoadOptions& options);
  static Result<std::unique_ptr<Model>> LoadSavedModel(std::string_view dir,
                                                       const LoadOptions& options);
  ~Model();

  Kind kind() const;
  // The file or directory actually loaded (e.g. ".../00000124" for a versioned base).
  const std::string& path() const;
  const std::vector<std::string>& tags() const;
  const std::map<std::string, Signature>& signatures() const;
  // Every tag set of the SavedModel (only the loaded one is usable).
  const std::vector<std::vector<std::string>>& available_tag_sets() const;

  // Feeds tensors by name ("x:0" or "x") and fetches tensors; `targets` are nodes run for
  // their effects. Errors name the tensor or node.
  Result<std::vector<Tensor>> Run(const std::vector<std::pair<std::string, Tensor>>& feeds,
                                  const std::vector<std::string>& fetches,
                                  const std::vector<std::string>& targets = {});
  // Runs a signature by key: inputs and outputs by their signature keys. `output_keys` empty =
  // every output.
  Result<std::map<std::string, Tensor>> RunSignature(
      std::string_view key, const std::map<std::string, Tensor>& inputs,
      const std::vector<std::string>& output_keys = {});

  // dtype of a tensor of the loaded graph ("x:0"), as planned.
  Result<DataType> TensorType(std::string_view tensor_name) const;
  // Names of collections (.meta / SavedModel) and their node_list entries.
  const std::map<std::string, std::vector<std::string>>& node_collections() const;

 private:
  struct Impl;
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// What a model file holds, read without planning or running anything (for `tfmodel show`).
struct MetaGraphInfo {
  std::vector<std::string> tags;
  std::string tensorflow_version;
  std::map<std::string, Signature> signatures;
  GraphSummary summary;
};
// A SavedModel's fingerprint.pb (TF >= 2.11): hashes identifying the model (spec 4.8).
struct SavedModelFingerprint {
  uint64_t saved_model_checksum = 0;
  uint64_t graph_def_program_hash = 0;
  uint64_t signature_def_hash = 0;
  uint64_t saved_object_graph_hash = 0;
  uint64_t checkpoint_hash = 0;
  int32_t producer = 0;  // the fingerprint's version
  std::string uuid;      // empty before TF ~2.15
  std::string singleprint;  // "<program>/<signature>/<object graph>/<checkpoint>" hashes
};
struct ModelInfo {
  Model::Kind kind = Model::Kind::kFrozenGraph;
  std::string path;  // the file or version directory read
  std::vector<MetaGraphInfo> meta_graphs;  // one for .pb and .meta
  bool has_fingerprint = false;
  SavedModelFingerprint fingerprint;  // when has_fingerprint
};
Result<ModelInfo> InspectModel(std::string_view path);

// The version directory a serving base path resolves to: the child whose name parses as the
// highest integer ("00000123" is 123; non-numeric names are ignored). NotFound when none.
Result<std::string> LatestVersionDirectory(std::string_view base);

}  // namespace tfmodel

#endif  // TFMODEL_MODEL_H_
