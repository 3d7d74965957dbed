// Model: the three TF1 ways of loading a graph (spec/tf-formats.md 4.3, 5.3, 6.1).
#include "tfmodel/model.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>

#include "src/base/file.h"
#include "src/base/strings.h"
#include "src/formats/fingerprint.h"
#include "src/formats/graph_io.h"
#include "src/runtime/session.h"
#include "tfmodel/checkpoint.h"

namespace tfmodel {

struct Model::Impl {
  Kind kind = Kind::kFrozenGraph;
  std::string path;
  std::vector<std::string> tags;
  std::vector<std::vector<std::string>> tag_sets;
  std::map<std::string, Signature> signatures;
  std::map<std::string, std::vector<std::string>> collections;
  std::unique_ptr<GraphSession> session;
  std::vector<std::pair<std::string, Tensor>> asset_feeds;
};

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;
Model::Kind Model::kind() const { return impl_->kind; }
const std::string& Model::path() const { return impl_->path; }
const std::vector<std::string>& Model::tags() const { return impl_->tags; }
const std::map<std::string, Signature>& Model::signatures() const { return impl_->signatures; }
const std::vector<std::vector<std::string>>& Model::available_tag_sets() const {
  return impl_->tag_sets;
}
const std::map<std::string, std::vector<std::string>>& Model::node_collections() const {
  return impl_->collections;
}

namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

TensorSpec SpecFrom(const TensorInfoData& t) {
  return TensorSpec{t.name, t.dtype, t.shape.unknown_rank, t.shape.dims};
}

std::map<std::string, Signature> SignaturesOf(const MetaGraphData& mg) {
  std::map<std::string, Signature> out;
  for (const auto& [key, sig] : mg.signatures) {
    Signature s;
    s.method_name = sig.method_name;
    for (const auto& [k, t] : sig.inputs) s.inputs[k] = SpecFrom(t);
    for (const auto& [k, t] : sig.outputs) s.outputs[k] = SpecFrom(t);
    s.defaults = sig.defaults;
    out[key] = std::move(s);
  }
  return out;
}

std::map<std::string, std::vector<std::string>> NodeCollectionsOf(const MetaGraphData& mg) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& [key, c] : mg.collections) {
    if (!c.node_list.empty()) out[key] = c.node_list;
  }
  return out;
}

// `roots` null: plan every node at load (frozen graphs). Otherwise plan what the roots need at
// load and the rest when first run (graphs that also carry training ops).
Result<std::unique_ptr<GraphSession>> MakeSession(const GraphDefData& def, const std::string& what,
                                                  const Model::LoadOptions& load,
                                                  const std::string& prefix = "",
                                                  const std::vector<std::string>* roots = nullptr) {
  GraphIR g;
  GraphIR::ImportOptions options;
  options.prefix = prefix;
  Status s = g.Import(def, options);
  if (!s.ok()) return s.WithContext(what);
  auto session = GraphSession::Create(std::move(g), roots, {.num_threads = load.num_threads});
  if (!session.ok()) return session.status().WithContext(what);
  return session;
}

bool IsVariableOp(const std::string& op) {
  return op == "VariableV2" || op == "Variable" || op == "VarHandleOp";
}

bool HasVariables(const GraphDefData& def) {
  return std::any_of(def.nodes.begin(), def.nodes.end(),
                     [](const NodeDefData& n) { return IsVariableOp(n.op); });
}

// The saver a graph carries: its SaverDef, else (a bare GraphDef) TF1 Saver's default node
// names when the graph has them, as cppflow and the TF C API examples restore.
std::optional<SaverDefData> SaverOf(const MetaGraphData* mg, const GraphDefData& def) {
  if (mg != nullptr) {
    if (mg->has_saver && !mg->saver.restore_op_name.empty() &&
        !mg->saver.filename_tensor_name.empty()) {
      return mg->saver;
    }
    return std::nullopt;
  }
  bool has_const = false, has_restore = false;
  for (const NodeDefData& n : def.nodes) {
    has_const |= n.name == "save/Const";
    has_restore |= n.name == "save/restore_all";
  }
  if (!has_const || !has_restore) return std::nullopt;
  SaverDefData saver;
  saver.filename_tensor_name = "save/Const:0";
  saver.restore_op_name = "save/restore_all";
  saver.version = 2;
  return saver;
}

// Restores variables from `prefix`: through the graph's saver when it has one, else by name.
Status Restore(GraphSession& session, const std::optional<SaverDefData>& saver,
               const std::string& prefix,
               const std::vector<std::pair<std::string, Tensor>>& extra_feeds) {
  if (saver) {
    auto feeds = extra_feeds;
    feeds.emplace_back(saver->filename_tensor_name,
                       Tensor::Strings({prefix}).Reshaped(Shape{}).value());
    std::vector<Tensor> unused;
    return session.Run(feeds, {}, {saver->restore_op_name}, &unused)
        .WithContext("restoring variables from " + prefix);
  }
  // No saver: restore every variable from the checkpoint tensor of the same name.
  TFM_ASSIGN_OR_RETURN(auto reader, CheckpointReader::Open(prefix));
  const GraphIR& g = session.graph();
  for (const Node& n : g.nodes()) {
    if (!IsVariableOp(n.op)) continue;
    auto value = reader->Read(n.name);
    if (!value.ok()) return value.status().WithContext("restoring variable '" + n.name + "'");
    auto shared = n.attrs.count("shared_name") ? n.attrs.at("shared_name").s : "";
    std::string container = n.attrs.count("container") ? n.attrs.at("container").s : "";
    auto var = session.resources().Lookup(container + "/" + (shared.empty() ? n.name : shared));
    if (!var) {
      auto dtype = n.attrs.find("dtype");
      auto shape = n.attrs.find("shape");
      if (dtype == n.attrs.end()) return InvalidArgument("variable '" + n.name + "' has no dtype");
      TFM_ASSIGN_OR_RETURN(var, session.resources().LookupOrCreate(
                                    container + "/" + (shared.empty() ? n.name : shared),
                                    dtype->second.type,
                                    shape != n.attrs.end() ? shape->second.shape : PartialShape{true, {}}));
    }
    TFM_RETURN_IF_ERROR(var->Assign(*value).WithContext("restoring variable '" + n.name + "'"));
  }
  return Status::Ok();
}

// What a loaded MetaGraph must be able to run: its signatures, saver and init ops, assets.
std::vector<std::string> LoadRoots(const MetaGraphData& mg) {
  std::vector<std::string> roots;
  for (const auto& [key, sig] : mg.signatures) {
    for (const auto& [k, t] : sig.inputs) {
      if (!t.name.empty()) roots.push_back(t.name);
    }
    for (const auto& [k, t] : sig.outputs) {
      if (!t.name.empty()) roots.push_back(t.name);
    }
  }
  if (mg.has_saver) {
    for (const std::string* n : {&mg.saver.restore_op_name, &mg.saver.filename_tensor_name}) {
      if (!n->empty()) roots.push_back(*n);
    }
  }
  for (const char* key : {"saved_model_main_op", "legacy_init_op"}) {
    auto c = mg.collections.find(key);
    if (c != mg.collections.end()) roots.insert(roots.end(), c->second.node_list.begin(), c->second.node_list.end());
  }
  for (const AssetFileData& a : mg.assets) roots.push_back(a.tensor_name);
  return roots;
}

// A legacy V1 checkpoint (spec/tf-formats.md 1.13) at `prefix`: the file itself, or its
// shards "<prefix>-00000-of-00001". Empty when there is none.
std::string FindV1Checkpoint(const std::string& prefix) {
  if (FileExists(prefix) && !IsDirectory(prefix)) return prefix;
  auto names = ListDirectory(Dirname(prefix).empty() ? "." : Dirname(prefix));
  if (!names.ok()) return "";
  const std::string base = Basename(prefix) + "-";
  for (const std::string& name : *names) {
    if (name.rfind(base, 0) == 0 && name.find("-of-") != std::string::npos &&
        name.find('.') == std::string::npos) {
      return JoinPath(Dirname(prefix), name);
    }
  }
  return "";
}

// The checkpoint prefix a .meta restores: `given`, else "<stem>.index" beside it, else the
// latest of its directory's `checkpoint` file. Empty when the graph has no variables and none
// was given. A V1 checkpoint is an Unimplemented error naming it.
Result<std::string> CheckpointForMeta(const std::string& meta, const MetaGraphData& mg,
                                      const std::string& given) {
  if (given.empty() && !HasVariables(mg.graph)) return std::string();
  const std::string stem = EndsWith(meta, ".meta") ? meta.substr(0, meta.size() - 5) : meta;
  std::string prefix = given;
  Status found = Status::Ok();
  if (prefix.empty()) {
    if (FileExists(stem + ".index")) {  // "model.ckpt-5.meta" -> "model.ckpt-5"
      prefix = stem;
    } else if (auto latest = LatestCheckpoint(Dirname(meta).empty() ? "." : Dirname(meta)); latest.ok()) {
      prefix = *latest;
    } else {
      found = latest.status();
    }
  }
  if (!prefix.empty() && FileExists(prefix + ".index")) return prefix;
  for (const std::string& candidate : {prefix, stem}) {
    if (candidate.empty()) continue;
    if (std::string v1 = FindV1Checkpoint(candidate); !v1.empty()) {
      const char* version = mg.saver.version == 0 ? "LEGACY" : mg.saver.version == 1 ? "V1" : "V2";
      return Unimplemented(meta + " restores a V1 checkpoint (" + v1 + "; SaverDef version " +
                           version + "), which tfmodel does not read: re-save it in the V2 format "
                           "(.index + .data files; TensorFlow's default since 1.0)");
    }
  }
  if (!found.ok()) {
    return found.WithContext("no checkpoint for " + meta + " (give one with --checkpoint PREFIX)");
  }
  return prefix;  // Restore names what is missing
}

bool SameTagSet(std::vector<std::string> a, std::vector<std::string> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  a.erase(std::unique(a.begin(), a.end()), a.end());
  b.erase(std::unique(b.begin(), b.end()), b.end());
  return a == b;
}

std::string JoinTags(const std::vector<std::string>& tags) {
  std::string out;
  for (const auto& t : tags) out += (out.empty() ? "" : ",") + t;
  return out;
}

}  // namespace

Result<std::string> LatestVersionDirectory(std::string_view base_view) {
  const std::string base(base_view);
  TFM_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDirectory(base));
  bool found = false;
  int64_t best = 0;
  std::string best_name;
  for (const std::string& name : names) {
    // absl::SimpleAtoi: optional surrounding whitespace and sign, decimal digits only.
    size_t a = 0, b = name.size();
    while (a < b && std::isspace(static_cast<unsigned char>(name[a]))) ++a;
    while (b > a && std::isspace(static_cast<unsigned char>(name[b - 1]))) --b;
    auto v = ParseInt64(std::string_view(name).substr(a, b - a));
    if (!v.ok()) continue;
    if (!found || *v >= best) {
      found = true;
      best = *v;
      best_name = name;
    }
  }
  if (!found) {
    return NotFound("no versions under " + base +
                    ": expected numeric version directories such as " + base + "/1");
  }
  return JoinPath(base, best_name);
}

Result<std::unique_ptr<Model>> Model::Load(std::string_view path_view, const LoadOptions& options) {
  const std::string path(path_view);
  if (IsDirectory(path)) return LoadSavedModel(path, options);
  if (EndsWith(path, ".meta")) return LoadMetaGraph(path, options);
  if (!FileExists(path)) return NotFound("no model at " + path);
  return LoadFrozenGraph(path, options);
}

Result<std::unique_ptr<Model>> Model::LoadFrozenGraph(std::string_view path_view,
                                                      const LoadOptions& options) {
  const std::string path(path_view);
  TFM_ASSIGN_OR_RETURN(GraphDefData def, ReadGraphDef(path));
  auto impl = std::make_unique<Impl>();
  impl->kind = Kind::kFrozenGraph;
  impl->path = path;
  // A frozen graph is planned whole at load. A GraphDef that still has variables usually also
  // carries initializers and training ops: plan only what runs.
  const bool variables = HasVariables(def);
  const std::vector<std::string> none;
  TFM_ASSIGN_OR_RETURN(impl->session, MakeSession(def, "loading " + path, options, options.import_prefix,
                                                  variables ? &none : nullptr));
  if (!options.checkpoint.empty()) {
    if (!variables) {
      return InvalidArgument("a checkpoint was given for " + path + ", which has no variables");
    }
    std::optional<SaverDefData> saver = SaverOf(nullptr, def);
    if (saver && !options.import_prefix.empty()) {
      saver->filename_tensor_name = options.import_prefix + "/" + saver->filename_tensor_name;
      saver->restore_op_name = options.import_prefix + "/" + saver->restore_op_name;
    }
    TFM_RETURN_IF_ERROR(Restore(*impl->session, saver, options.checkpoint, {})
                            .WithContext("loading " + path));
  }
  return std::unique_ptr<Model>(new Model(std::move(impl)));
}

Result<std::unique_ptr<Model>> Model::LoadMetaGraph(std::string_view meta_view,
                                                    const LoadOptions& options) {
  const std::string meta(meta_view);
  TFM_ASSIGN_OR_RETURN(MetaGraphData mg, ReadMetaGraph(meta));
  auto impl = std::make_unique<Impl>();
  impl->kind = Kind::kMetaGraph;
  impl->path = meta;
  impl->tags = mg.tags;
  impl->signatures = SignaturesOf(mg);
  impl->collections = NodeCollectionsOf(mg);
  // The checkpoint first: a V1 one is better reported as such than by its restore ops.
  TFM_ASSIGN_OR_RETURN(const std::string prefix, CheckpointForMeta(meta, mg, options.checkpoint));
  const std::vector<std::string> roots = LoadRoots(mg);
  TFM_ASSIGN_OR_RETURN(impl->session, MakeSession(mg.graph, "loading " + meta, options, "", &roots));
  if (prefix.empty()) return std::unique_ptr<Model>(new Model(std::move(impl)));
  TFM_RETURN_IF_ERROR(Restore(*impl->session, SaverOf(&mg, mg.graph), prefix, {})
                          .WithContext("loading " + meta));
  return std::unique_ptr<Model>(new Model(std::move(impl)));
}

Result<std::unique_ptr<Model>> Model::LoadSavedModel(std::string_view dir_view,
                                                     const LoadOptions& options) {
  std::string dir(dir_view);
  if (!FileExists(JoinPath(dir, "saved_model.pb")) && !FileExists(JoinPath(dir, "saved_model.pbtxt"))) {
    auto version = LatestVersionDirectory(dir);
    if (!version.ok()) {
      return NotFound(dir + " is neither a SavedModel (no saved_model.pb) nor a base directory "
                      "of numeric versions");
    }
    dir = *version;
  }
  TFM_ASSIGN_OR_RETURN(SavedModelData sm, ReadSavedModel(dir));
  const MetaGraphData* chosen = nullptr;
  auto impl = std::make_unique<Impl>();
  std::string available;
  for (const MetaGraphData& mg : sm.meta_graphs) {
    impl->tag_sets.push_back(mg.tags);
    available += (available.empty() ? "" : "; ") + std::string("{") + JoinTags(mg.tags) + "}";
    if (!chosen && SameTagSet(mg.tags, options.tags)) chosen = &mg;
  }
  if (chosen == nullptr) {
    return NotFound("SavedModel " + dir + " has no MetaGraph with tags {" + JoinTags(options.tags) +
                    "}; available tag sets: " + available);
  }
  const MetaGraphData& mg = *chosen;
  impl->kind = Kind::kSavedModel;
  impl->path = dir;
  impl->tags = mg.tags;
  impl->signatures = SignaturesOf(mg);
  impl->collections = NodeCollectionsOf(mg);
  const std::vector<std::string> roots = LoadRoots(mg);
  TFM_ASSIGN_OR_RETURN(impl->session, MakeSession(mg.graph, "loading SavedModel " + dir, options, "", &roots));
  // One feed per asset tensor, the last entry winning: TF 2.21's SavedModelBuilder lists an
  // asset again in every add_meta_graph (TensorFlow's loader keeps a dict).
  std::map<std::string, std::string> asset_paths;
  for (const AssetFileData& a : mg.assets) {
    asset_paths[a.tensor_name] = JoinPath(JoinPath(dir, "assets"), a.filename);
  }
  for (const auto& [tensor, file] : asset_paths) {
    impl->asset_feeds.emplace_back(tensor, Tensor::Strings({file}).Reshaped(Shape{}).value());
  }
  const std::string variables = JoinPath(dir, "variables/variables");
  if (FileExists(variables + ".index")) {
    TFM_RETURN_IF_ERROR(Restore(*impl->session, SaverOf(&mg, mg.graph), variables, impl->asset_feeds));
  }
  // Init op: __saved_model_init_op signature, else saved_model_main_op, else legacy_init_op.
  std::string init_op;
  auto sig = mg.signatures.find("__saved_model_init_op");
  if (sig != mg.signatures.end() && sig->second.outputs.count("__saved_model_init_op")) {
    init_op = sig->second.outputs.at("__saved_model_init_op").name;
  } else {
    for (const char* key : {"saved_model_main_op", "legacy_init_op"}) {
      auto c = mg.collections.find(key);
      if (c == mg.collections.end()) continue;
      if (c->second.node_list.size() != 1) {
        return FailedPrecondition("SavedModel " + dir + ": collection " + key +
                                  " must hold exactly one op");
      }
      init_op = c->second.node_list[0];
      break;
    }
  }
  if (!init_op.empty()) {
    std::vector<Tensor> unused;
    TFM_RETURN_IF_ERROR(impl->session->Run(impl->asset_feeds, {}, {init_op}, &unused)
                            .WithContext("running the init op " + init_op + " of " + dir));
  }
  impl->signatures.erase("__saved_model_init_op");
  return std::unique_ptr<Model>(new Model(std::move(impl)));
}

Result<std::vector<Tensor>> Model::Run(const std::vector<std::pair<std::string, Tensor>>& feeds,
                                       const std::vector<std::string>& fetches,
                                       const std::vector<std::string>& targets) {
  std::vector<Tensor> out;
  TFM_RETURN_IF_ERROR(impl_->session->Run(feeds, fetches, targets, &out));
  return out;
}

Result<std::map<std::string, Tensor>> Model::RunSignature(std::string_view key_view,
                                                           const std::map<std::string, Tensor>& inputs,
                                                           const std::vector<std::string>& output_keys) {
  const std::string key(key_view);
  auto it = impl_->signatures.find(key);
  if (it == impl_->signatures.end()) {
    std::string keys;
    for (const auto& [k, s] : impl_->signatures) keys += (keys.empty() ? "" : ", ") + k;
    return NotFound("signature '" + key + "' is not in " + impl_->path + " (available: " +
                    (keys.empty() ? "none" : keys) + ")");
  }
  const Signature& sig = it->second;
  std::vector<std::pair<std::string, Tensor>> feeds;
  for (const auto& [k, t] : inputs) {
    auto spec = sig.inputs.find(k);
    if (spec == sig.inputs.end()) {
      std::string keys;
      for (const auto& [ik, s] : sig.inputs) keys += (keys.empty() ? "" : ", ") + ik;
      return InvalidArgument("signature '" + key + "' has no input '" + k + "' (inputs: " + keys + ")");
    }
    // The graph decides the dtype: old exports recorded wrong ones in their signatures
    // (saved_model_half_plus_three says DT_FLOAT for its string tf_example:0).
    DataType want = spec->second.dtype;
    if (auto graph_type = TensorType(spec->second.name); graph_type.ok()) want = *graph_type;
    if (want != DataType::kInvalid && t.dtype() != want) {
      return InvalidArgument("input '" + k + "' of signature '" + key + "' must be " +
                             std::string(DataTypeName(want)) + ", got " +
                             std::string(DataTypeName(t.dtype())));
    }
    feeds.emplace_back(spec->second.name, t);
  }
  // TF2 optional inputs: their default when not given.
  for (const auto& [k, value] : sig.defaults) {
    auto spec = sig.inputs.find(k);
    if (!inputs.count(k) && spec != sig.inputs.end()) feeds.emplace_back(spec->second.name, value);
  }
  std::vector<std::string> keys = output_keys;
  if (keys.empty()) {
    for (const auto& [k, s] : sig.outputs) keys.push_back(k);
  }
  std::vector<std::string> fetches;
  for (const std::string& k : keys) {
    auto spec = sig.outputs.find(k);
    if (spec == sig.outputs.end()) {
      return InvalidArgument("signature '" + key + "' has no output '" + k + "'");
    }
    fetches.push_back(spec->second.name);
  }
  std::vector<Tensor> out;
  TFM_RETURN_IF_ERROR(impl_->session->Run(feeds, fetches, {}, &out).WithContext("signature '" + key + "'"));
  std::map<std::string, Tensor> result;
  for (size_t i = 0; i < keys.size(); ++i) result[keys[i]] = out[i];
  return result;
}

Result<DataType> Model::TensorType(std::string_view tensor_name) const {
  GraphSession& session = *impl_->session;  // plans the node if no run has needed it yet
  TFM_ASSIGN_OR_RETURN(TensorRef t, session.graph().ResolveTensor(tensor_name));
  return session.OutputType(t);
}

namespace {

// Ops that produce no data output: never "likely outputs".
bool HasNoOutputs(const std::string& op) {
  static const std::set<std::string> kOps = {
      "NoOp", "SaveV2", "Save", "SaveSlices", "MergeV2Checkpoints", "AssignVariableOp",
      "AssignAddVariableOp", "AssignSubVariableOp", "Assert", "Print", "PrintV2"};
  return kOps.count(op) > 0;
}

GraphSummary SummarizeGraph(const GraphDefData& def) {
  GraphSummary s;
  std::set<std::string> consumed;
  for (const NodeDefData& n : def.nodes) {
    for (const std::string& in : n.inputs) {
      auto parsed = ParseTensorName(in);
      if (parsed.ok()) consumed.insert(parsed->first);
    }
  }
  s.num_nodes = static_cast<int64_t>(def.nodes.size());
  // The ops of the functions the graph reaches by calling them (as op or through a
  // PartitionedCall's `f`), as TensorFlow's ops_used_by_graph_def counts them; If/While
  // branches are not followed.
  std::map<std::string, const FunctionDefData*> functions;
  for (const FunctionDefData& f : def.functions) functions.emplace(f.name, &f);
  std::set<std::string> used;
  std::vector<const FunctionDefData*> todo;
  auto mark = [&](const std::string& op) {
    auto it = functions.find(op);
    if (!used.count(op) && it != functions.end()) todo.push_back(it->second);
    used.insert(op);
  };
  auto visit = [&](const NodeDefData& n) {
    mark(n.op);
    if (n.op == "PartitionedCall" || n.op == "StatefulPartitionedCall") {
      auto f = n.attrs.find("f");
      if (f != n.attrs.end() && f->second.kind == AttrValue::Kind::kFunc) mark(f->second.func.name);
    }
  };
  for (const NodeDefData& n : def.nodes) visit(n);
  while (!todo.empty()) {
    const FunctionDefData* f = todo.back();
    todo.pop_back();
    for (const NodeDefData& n : f->nodes) visit(n);
  }
  for (const std::string& op : used) {
    if (!functions.count(op)) s.used_ops.insert(op);
  }
  for (const NodeDefData& n : def.nodes) {
    ++s.op_counts[n.op];
    auto attr = [&](const char* a) -> const AttrValue* {
      auto it = n.attrs.find(a);
      return it == n.attrs.end() ? nullptr : &it->second;
    };
    if (n.op == "Placeholder" || n.op == "PlaceholderWithDefault") {
      TensorSpec spec{n.name + ":0", DataType::kInvalid, true, {}};
      if (const AttrValue* d = attr("dtype")) spec.dtype = d->type;
      if (const AttrValue* sh = attr("shape"); sh && sh->kind == AttrValue::Kind::kShape) {
        spec.unknown_rank = sh->shape.unknown_rank;
        spec.dims = sh->shape.dims;
      }
      s.placeholders.push_back(spec);
    }
    if (n.op == "VariableV2" || n.op == "Variable" || n.op == "VarHandleOp") {
      ++s.num_variables;
      if (const AttrValue* sh = attr("shape"); sh && sh->shape.IsFullyDefined()) {
        int64_t e = 1;
        for (int64_t d : sh->shape.dims) e *= d;
        s.variable_elements += e;
      }
    }
    if (n.op == "Const") {
      if (const AttrValue* v = attr("value")) s.const_bytes += static_cast<int64_t>(v->tensor.TotalBytes());
    }
    if (!consumed.count(n.name) && !HasNoOutputs(n.op) && n.op != "Const" &&
        n.op != "Placeholder" && n.op.rfind("Assign", 0) != 0) {
      s.likely_outputs.push_back(n.name);
    }
  }
  return s;
}

MetaGraphInfo InfoOf(const MetaGraphData& mg) {
  MetaGraphInfo info;
  info.tags = mg.tags;
  info.tensorflow_version = mg.tensorflow_version;
  info.signatures = SignaturesOf(mg);
  info.summary = SummarizeGraph(mg.graph);
  info.has_object_graph = mg.has_object_graph;
  info.concrete_functions_text = mg.concrete_functions_text;
  return info;
}

}  // namespace

Result<ModelInfo> InspectModel(std::string_view path_view) {
  std::string path(path_view);
  ModelInfo info;
  if (IsDirectory(path)) {
    if (!FileExists(JoinPath(path, "saved_model.pb")) && !FileExists(JoinPath(path, "saved_model.pbtxt"))) {
      auto version = LatestVersionDirectory(path);
      if (!version.ok()) {
        return NotFound(path + " is neither a SavedModel (no saved_model.pb) nor a base "
                        "directory of numeric versions");
      }
      path = *version;
    }
    TFM_ASSIGN_OR_RETURN(SavedModelData sm, ReadSavedModel(path, /*describe_functions=*/true));
    info.kind = Model::Kind::kSavedModel;
    info.path = path;
    if (const std::string fp = JoinPath(path, "fingerprint.pb"); FileExists(fp)) {
      TFM_ASSIGN_OR_RETURN(FingerprintData f, ReadFingerprint(fp));
      info.has_fingerprint = true;
      info.fingerprint = {f.saved_model_checksum, f.graph_def_program_hash, f.signature_def_hash,
                          f.saved_object_graph_hash, f.checkpoint_hash, f.producer, f.uuid,
                          f.Singleprint()};
    }
    for (const MetaGraphData& mg : sm.meta_graphs) info.meta_graphs.push_back(InfoOf(mg));
    return info;
  }
  info.path = path;
  if (EndsWith(path, ".meta")) {
    TFM_ASSIGN_OR_RETURN(MetaGraphData mg, ReadMetaGraph(path));
    info.kind = Model::Kind::kMetaGraph;
    info.meta_graphs.push_back(InfoOf(mg));
    return info;
  }
  TFM_ASSIGN_OR_RETURN(GraphDefData def, ReadGraphDef(path));
  info.kind = Model::Kind::kFrozenGraph;
  MetaGraphInfo mg;
  mg.summary = SummarizeGraph(def);
  info.meta_graphs.push_back(std::move(mg));
  return info;
}

}  // namespace tfmodel
