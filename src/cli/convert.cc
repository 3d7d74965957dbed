// `tfmodel freeze` and `tfmodel convert`: between the three TF1 save formats, through the
// public training API (import, restore, then FreezeGraph / SavedModelBuilder / Saver); a TF2
// SavedModel's signature freezes through FreezeSavedModel (freeze.h).
#include <tfmodel/checkpoint.h>
#include <tfmodel/freeze.h>
#include <tfmodel/graph.h>
#include <tfmodel/model.h>
#include <tfmodel/train.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>

#include "src/cli/commands.h"

namespace tfmodel::cli {

int Fail(const Status& s) {
  std::fprintf(stderr, "tfmodel: %s\n", s.ToString().c_str());
  return 1;
}

void NoteIgnoredFiles(const std::string& dir) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(std::filesystem::path(dir) / "keras_metadata.pb", ec)) {
    std::fprintf(stderr, "tfmodel: ignoring %s/keras_metadata.pb (Keras-only metadata; the graph "
                         "and its signatures are what runs)\n", dir.c_str());
  }
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

namespace {

enum class Source { kGraphDef, kMetaGraph, kSavedModel };

Source SourceOf(const std::string& path) {
  if (std::filesystem::is_directory(path)) return Source::kSavedModel;
  if (path.ends_with(".meta")) return Source::kMetaGraph;
  return Source::kGraphDef;
}

// A model loaded for conversion: its graph and a session holding its variables.
struct Loaded {
  Graph graph;
  std::unique_ptr<Session> session;
  std::optional<Saver> saver;                   // .meta: the graph's own saver
  std::map<std::string, SignatureDef> signatures;
  std::string what;                             // for messages
};

Result<Loaded> Load(const std::string& path, const std::string& checkpoint, const std::string& tag_set) {
  Loaded l;
  l.session = std::make_unique<Session>(l.graph);
  l.what = path;
  switch (SourceOf(path)) {
    case Source::kSavedModel: {
      std::vector<std::string> tags = tag_set.empty() ? std::vector<std::string>{kServingTag} : SplitComma(tag_set);
      TFM_ASSIGN_OR_RETURN(LoadedSavedModel sm, LoadSavedModel(*l.session, tags, path));
      l.signatures = sm.signatures;
      l.what = sm.path;
      break;
    }
    case Source::kMetaGraph: {
      TFM_ASSIGN_OR_RETURN(ImportedMetaGraph imported, ImportMetaGraph(l.graph, path));
      std::string prefix = checkpoint;
      if (prefix.empty() && !imported.variables.empty()) {
        const std::string beside = path.substr(0, path.size() - 5);
        if (std::filesystem::exists(beside + ".index")) {
          prefix = beside;
        } else {
          std::string dir = std::filesystem::path(path).parent_path().string();
          auto latest = LatestCheckpoint(dir.empty() ? "." : dir);
          if (!latest.ok()) {
            return latest.status().WithContext("no checkpoint for " + path + " (give one with --checkpoint PREFIX)");
          }
          prefix = *latest;
        }
      }
      if (!prefix.empty()) {
        if (!imported.saver.has_value()) return FailedPrecondition(path + " has variables but no saver_def");
        TFM_RETURN_IF_ERROR(imported.saver->Restore(*l.session, prefix));
        l.what = path + " with " + prefix;
      }
      l.saver = imported.saver;
      break;
    }
    case Source::kGraphDef: {
      TFM_RETURN_IF_ERROR(ImportGraphDef(l.graph, path, {.prefix = ""}).status());
      break;
    }
  }
  return l;
}

// The op names a signature's outputs need.
Result<std::vector<std::string>> SignatureOutputs(const Loaded& l, const std::string& key) {
  auto it = l.signatures.find(key);
  if (it == l.signatures.end()) {
    std::string keys;
    for (const auto& [k, s] : l.signatures) keys += (keys.empty() ? "" : ", ") + k;
    return NotFound("signature '" + key + "' is not in " + l.what + " (available: " +
                    (keys.empty() ? "none" : keys) + ")");
  }
  std::vector<std::string> names;
  for (const auto& [k, t] : it->second.outputs) names.push_back(t.op().name());
  return names;
}

// 'key=tensor:0,key2=tensor:0' -> tensors of the graph.
Result<std::map<std::string, Output>> ParseTensorMap(const Graph& g, const std::string& spec) {
  std::map<std::string, Output> out;
  for (const std::string& item : SplitComma(spec)) {
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgument("expected key=tensor_name, got '" + item + "'");
    }
    TFM_ASSIGN_OR_RETURN(out[item.substr(0, eq)], g.TensorByName(item.substr(eq + 1)));
  }
  return out;
}

// Default signature for a graph without one: its placeholders in, its likely outputs out.
Result<SignatureDef> GuessSignature(const std::string& path, const Graph& g) {
  TFM_ASSIGN_OR_RETURN(ModelInfo info, InspectModel(path));
  SignatureDef sig;
  const GraphSummary& s = info.meta_graphs.at(0).summary;
  for (const TensorSpec& p : s.placeholders) {
    TFM_ASSIGN_OR_RETURN(Output t, g.TensorByName(p.name));
    sig.inputs[t.op().name()] = t;
  }
  for (const std::string& name : s.likely_outputs) {
    auto t = g.TensorByName(name + ":0");
    if (t.ok()) sig.outputs[name] = *t;
  }
  if (sig.outputs.empty()) return InvalidArgument(path + ": no likely outputs; give them with --outputs 'key=tensor:0'");
  return sig;
}

// A TF2 SavedModel: one signature, its calls inlined; prints what to feed and fetch.
int FreezeTf2(const FreezeOptions& o, const std::vector<std::string>& tags, std::FILE* out) {
  if (!o.output_node_names.empty()) {
    return Fail(InvalidArgument("--output_node_names does not apply to the TF2 SavedModel " + o.path +
                                ": choose what to keep with --signature_def KEY"));
  }
  auto f = FreezeSavedModel(o.path, o.output, {.tags = tags, .signature_key = o.signature_def});
  if (!f.ok()) return Fail(f.status());
  std::fprintf(out, "froze signature %s of %s into %s (%d nodes, %zu variables, %d calls inlined)\n",
               o.signature_def.c_str(), f->path.c_str(), o.output.c_str(), f->num_nodes,
               f->variables.size(), f->inlined_calls);
  for (const auto& [key, tensor] : f->inputs) std::fprintf(out, "  feed  %s: %s\n", key.c_str(), tensor.c_str());
  for (const auto& [key, tensor] : f->outputs) std::fprintf(out, "  fetch %s: %s\n", key.c_str(), tensor.c_str());
  if (!f->functions.empty()) {
    std::fprintf(out, "  functions kept for If/Case/While: %zu\n", f->functions.size());
  }
  return 0;
}

}  // namespace

int Freeze(const FreezeOptions& o, std::FILE* out) {
  if (o.output.empty()) return Fail(InvalidArgument("give the file to write with --output model.pb"));
  if (SourceOf(o.path) == Source::kGraphDef) {
    return Fail(InvalidArgument(o.path + " is a GraphDef; freeze a .meta (with its checkpoint) or a SavedModel"));
  }
  if (SourceOf(o.path) == Source::kSavedModel) {
    const std::vector<std::string> tags =
        o.tag_set.empty() ? std::vector<std::string>{kServingTag} : SplitComma(o.tag_set);
    auto tf2 = IsObjectGraphSavedModel(o.path, tags);
    if (!tf2.ok()) return Fail(tf2.status());
    if (*tf2) return FreezeTf2(o, tags, out);
  }
  auto loaded = Load(o.path, o.checkpoint, o.tag_set);
  if (!loaded.ok()) return Fail(loaded.status());
  std::vector<std::string> names = SplitComma(o.output_node_names);
  if (names.empty()) {
    if (loaded->signatures.empty()) {
      return Fail(InvalidArgument("give the outputs with --output_node_names a,b (" + o.path + " has no signatures)"));
    }
    auto sig = SignatureOutputs(*loaded, o.signature_def);
    if (!sig.ok()) return Fail(sig.status());
    names = *sig;
  }
  Status s = FreezeGraph(*loaded->session, names, o.output);
  if (!s.ok()) return Fail(s);
  std::fprintf(out, "froze %s into %s (outputs:", loaded->what.c_str(), o.output.c_str());
  for (const auto& n : names) std::fprintf(out, " %s", n.c_str());
  std::fprintf(out, ")\n");
  return 0;
}

int Convert(const ConvertOptions& o, std::FILE* out) {
  if (o.output.empty()) return Fail(InvalidArgument("give the destination with --output"));
  if (o.to == "pb") {
    return Freeze({.path = o.path, .output_node_names = o.output_node_names, .output = o.output,
                   .checkpoint = o.checkpoint, .tag_set = o.tag_set, .signature_def = o.signature_def},
                  out);
  }
  if (o.to != "saved_model" && o.to != "checkpoint") {
    return Fail(InvalidArgument("--to must be pb, saved_model or checkpoint, not '" + o.to + "'"));
  }
  auto loaded = Load(o.path, o.checkpoint, o.tag_set);
  if (!loaded.ok()) return Fail(loaded.status());
  Loaded& l = *loaded;
  if (o.to == "checkpoint") {
    if (GlobalVariables(l.graph).empty()) {
      return Fail(InvalidArgument(o.path + " has no variables to write to a checkpoint (a frozen graph holds only constants)"));
    }
    std::error_code ec;
    const auto parent = std::filesystem::path(o.output).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    Saver saver = l.saver.has_value() ? *l.saver : Saver(l.graph, {.max_to_keep = 0});
    auto prefix = saver.Save(*l.session, o.output);
    if (!prefix.ok()) return Fail(prefix.status());
    std::fprintf(out, "wrote checkpoint %s (.index, .data-00000-of-00001, .meta, checkpoint)\n", prefix->c_str());
    return 0;
  }
  // saved_model: the source's signatures, or one built from --inputs/--outputs or a guess.
  std::map<std::string, SignatureDef> signatures = l.signatures;
  if (!o.inputs.empty() || !o.outputs.empty() || signatures.empty()) {
    SignatureDef sig;
    if (!o.inputs.empty() || !o.outputs.empty()) {
      auto in = ParseTensorMap(l.graph, o.inputs);
      auto outs = ParseTensorMap(l.graph, o.outputs);
      if (!in.ok()) return Fail(in.status());
      if (!outs.ok()) return Fail(outs.status());
      if (outs->empty()) return Fail(InvalidArgument("--outputs is empty"));
      sig.inputs = *in;
      sig.outputs = *outs;
    } else {
      auto guessed = GuessSignature(o.path, l.graph);
      if (!guessed.ok()) return Fail(guessed.status());
      sig = *guessed;
    }
    signatures = {{o.signature_def, sig}};
  }
  SavedModelBuilder builder(o.output);
  std::vector<std::string> tags = o.tag_set.empty() ? std::vector<std::string>{kServingTag} : SplitComma(o.tag_set);
  Status s = builder.AddMetaGraphAndVariables(*l.session, tags, {.signature_def_map = signatures});
  if (!s.ok()) return Fail(s);
  auto dir = builder.Save();
  if (!dir.ok()) return Fail(dir.status());
  std::fprintf(out, "wrote SavedModel %s (signatures:", dir->c_str());
  for (const auto& [k, v] : signatures) std::fprintf(out, " %s", k.c_str());
  std::fprintf(out, ")\n");
  return 0;
}

}  // namespace tfmodel::cli
