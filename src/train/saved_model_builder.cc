// SavedModelBuilder (spec 4.1, 4.4): a TF1 SavedModel written into a temporary sibling
// directory and renamed into place, so an export either completes or leaves nothing.
#include <sys/stat.h>

#include <filesystem>
#include <set>

#include "src/api/session_impl.h"
#include "src/base/file.h"
#include "src/train/meta_graph.h"
#include "tfmodel/train.h"

namespace tfmodel {

struct SavedModelBuilder::Impl {
  std::string export_dir;
  std::string tmp_dir;
  std::optional<Graph> graph;
  std::optional<Saver> saver;
  std::vector<MetaGraphData> meta_graphs;
  std::set<std::string> copied_assets;
  Status status;
};

SavedModelBuilder::SavedModelBuilder(std::string export_dir) : impl_(std::make_unique<Impl>()) {
  while (export_dir.size() > 1 && export_dir.back() == '/') export_dir.pop_back();
  impl_->export_dir = export_dir;
  if (FileExists(export_dir)) {
    impl_->status = AlreadyExists("export directory " + export_dir + " already exists");
    return;
  }
  std::string parent = Dirname(export_dir);
  if (!parent.empty()) {
    Status s = CreateDirectories(parent);
    if (!s.ok()) {
      impl_->status = s.WithContext("cannot create the parent of " + export_dir);
      return;
    }
  }
  impl_->tmp_dir = export_dir + ".tmp-" + RandomDigits();
  impl_->status = CreateDirectories(JoinPath(impl_->tmp_dir, "variables"));
}

SavedModelBuilder::~SavedModelBuilder() {
  // Save() not called (or failed): remove the partial export.
  if (!impl_->tmp_dir.empty() && FileExists(impl_->tmp_dir)) {
    std::error_code ec;
    std::filesystem::remove_all(impl_->tmp_dir, ec);
  }
}

namespace {

Status AddSignatures(const std::map<std::string, SignatureDef>& defs, MetaGraphData* m) {
  for (const auto& [key, sig] : defs) {
    SignatureDefData d;
    d.method_name = sig.method_name;
    for (const auto& [k, t] : sig.inputs) {
      if (!t.valid()) return InvalidArgument("signature '" + key + "': input '" + k + "' is not a valid tensor");
      d.inputs[k] = {t.name(), t.dtype(), t.shape()};
    }
    for (const auto& [k, t] : sig.outputs) {
      if (!t.valid()) return InvalidArgument("signature '" + key + "': output '" + k + "' is not a valid tensor");
      d.outputs[k] = {t.name(), t.dtype(), t.shape()};
    }
    m->signatures[key] = std::move(d);
  }
  return Status::Ok();
}

}  // namespace

Status SavedModelBuilder::AddMetaGraphAndVariables(Session& session, const std::vector<std::string>& tags,
                                                   const MetaGraphOptions& options) {
  TFM_RETURN_IF_ERROR(impl_->status);
  if (impl_->graph.has_value()) {
    return FailedPrecondition("AddMetaGraphAndVariables may be called once; use AddMetaGraph for more tag sets");
  }
  impl_->graph = session.graph();
  // TF's builder saves through a sharded V2 saver over every variable; a graph without
  // variables gets no saver (TF: an empty saver writes no saver_def).
  if (!GlobalVariables(*impl_->graph).empty()) {
    impl_->saver.emplace(*impl_->graph, Saver::Options{.max_to_keep = 0, .sharded = true});
    TFM_RETURN_IF_ERROR(impl_->saver->status());
    auto saved = impl_->saver->Save(session, JoinPath(impl_->tmp_dir, "variables/variables"), std::nullopt,
                                    /*write_meta_graph=*/false, /*write_state=*/false);
    if (!saved.ok()) return saved.status().WithContext("exporting the variables");
  }
  return AddMetaGraph(tags, options);
}

Status SavedModelBuilder::AddMetaGraph(const std::vector<std::string>& tags, const MetaGraphOptions& options) {
  TFM_RETURN_IF_ERROR(impl_->status);
  if (!impl_->graph.has_value()) return FailedPrecondition("call AddMetaGraphAndVariables first");
  if (tags.empty()) return InvalidArgument("a meta graph needs at least one tag");
  for (const MetaGraphData& m : impl_->meta_graphs) {
    std::set<std::string> a(m.tags.begin(), m.tags.end()), b(tags.begin(), tags.end());
    if (a == b) return AlreadyExists("the SavedModel already has a meta graph with these tags");
  }
  MetaGraphData m = BuildMetaGraph(*impl_->graph, impl_->saver.has_value() ? &*impl_->saver : nullptr);
  m.tags = tags;
  TFM_RETURN_IF_ERROR(AddSignatures(options.signature_def_map, &m));
  if (options.main_op.has_value()) {
    if (!options.main_op->valid()) return InvalidArgument("main_op is not a valid op");
    m.collections["saved_model_main_op"].node_list = {options.main_op->name()};
  }
  // Assets: copied into assets/, each recorded as an AssetFileDef Any in saved_model_assets.
  for (const std::string& path : options.assets) {
    const std::string base = Basename(path);
    auto tensor = options.asset_tensors.find(base);
    if (tensor == options.asset_tensors.end() || !tensor->second.valid()) {
      return InvalidArgument("asset " + path + " has no tensor in asset_tensors (keyed by its file name)");
    }
    if (!impl_->copied_assets.count(base)) {
      TFM_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(path));
      TFM_RETURN_IF_ERROR(CreateDirectories(JoinPath(impl_->tmp_dir, "assets")));
      TFM_RETURN_IF_ERROR(WriteFileAtomically(JoinPath(JoinPath(impl_->tmp_dir, "assets"), base), bytes));
      impl_->copied_assets.insert(base);
    }
    CollectionData& c = m.collections["saved_model_assets"];
    c.any_type_urls.push_back(std::string(kAssetFileDefTypeUrl));
    c.any_values.push_back(SerializeAssetFileDef({tensor->second.name(), base}));
    m.assets.push_back({tensor->second.name(), base});
    m.collections["asset_filepaths"].node_list.push_back(tensor->second.name());
  }
  impl_->meta_graphs.push_back(std::move(m));
  return Status::Ok();
}

Result<std::string> SavedModelBuilder::Save(bool as_text) {
  TFM_RETURN_IF_ERROR(impl_->status);
  if (impl_->meta_graphs.empty()) return FailedPrecondition("the SavedModel has no meta graph");
  // saved_model.pb last: it marks a complete export; then the directory moves into place.
  TFM_RETURN_IF_ERROR(WriteSavedModel(impl_->tmp_dir, impl_->meta_graphs, as_text));
  if (FileExists(impl_->export_dir)) {
    return AlreadyExists("export directory " + impl_->export_dir + " appeared while exporting");
  }
  TFM_RETURN_IF_ERROR(SyncDirectory(JoinPath(impl_->tmp_dir, "variables")));
  TFM_RETURN_IF_ERROR(RenameFile(impl_->tmp_dir, impl_->export_dir));
  std::string parent = Dirname(impl_->export_dir);
  TFM_RETURN_IF_ERROR(SyncDirectory(parent.empty() ? "." : parent));
  impl_->tmp_dir.clear();
  impl_->status = FailedPrecondition("the SavedModel was already saved to " + impl_->export_dir);
  return impl_->export_dir;
}

}  // namespace tfmodel
