// `tfmodel show`: a SavedModel's tag sets and signatures laid out like `saved_model_cli show`,
// or a graph's inputs, likely outputs, ops and variables (like summarize_graph).
#include <tfmodel/model.h>

#include <algorithm>
#include <cstdio>

#include "src/cli/commands.h"
#include "src/cli/json_out.h"

namespace tfmodel::cli {
namespace {

std::string ShapeText(const TensorSpec& t) {
  if (t.unknown_rank) return "unknown_rank";
  std::string out = "(";
  for (size_t i = 0; i < t.dims.size(); ++i) out += (i ? ", " : "") + std::to_string(t.dims[i]);
  return out + ")";
}

std::string JoinTags(const std::vector<std::string>& tags) {
  std::string out;
  for (const auto& t : tags) out += (out.empty() ? "" : ", ") + t;
  return out;
}

// Python's repr of a list of tags / of a set of op names, as saved_model_cli prints them.
std::string PyListRepr(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", '" : "'") + items[i] + "'";
  return out + "]";
}

std::string PySetRepr(const std::map<std::string, int>& items) {
  if (items.empty()) return "set()";
  std::string out = "{";
  for (const auto& [item, n] : items) out += (out.size() > 1 ? ", '" : "'") + item + "'";
  return out + "}";
}

std::string TensorSpecText(const std::string& kind, const std::string& key, const TensorSpec& t) {
  return "    " + kind + "['" + key + "'] tensor_info:\n        dtype: " + DataTypeEnumName(t.dtype) +
         "\n        shape: " + ShapeText(t) + "\n        name: " + t.name + "\n";
}

std::string SignatureText(const std::string& key, const Signature& s) {
  std::string out = "signature_def['" + key + "']:\n";
  out += "  The given SavedModel SignatureDef contains the following input(s):\n";
  for (const auto& [k, t] : s.inputs) out += TensorSpecText("inputs", k, t);
  out += "  The given SavedModel SignatureDef contains the following output(s):\n";
  for (const auto& [k, t] : s.outputs) out += TensorSpecText("outputs", k, t);
  out += "  Method name is: " + s.method_name + "\n";
  return out;
}

std::string SpecJson(const TensorSpec& t) {
  std::string shape = "null";
  if (!t.unknown_rank) {
    shape = "[";
    for (size_t i = 0; i < t.dims.size(); ++i) shape += (i ? ", " : "") + std::to_string(t.dims[i]);
    shape += "]";
  }
  return "{\"name\": " + JsonString(t.name) + ", \"dtype\": \"" + std::string(DataTypeName(t.dtype)) +
         "\", \"shape\": " + shape + "}";
}

std::string SignaturesJson(const std::map<std::string, Signature>& sigs) {
  std::string out = "{";
  bool first = true;
  for (const auto& [key, s] : sigs) {
    out += (first ? "" : ", ") + JsonString(key) + ": {\"method_name\": " + JsonString(s.method_name);
    for (const char* part : {"inputs", "outputs"}) {
      const auto& m = std::string(part) == "inputs" ? s.inputs : s.outputs;
      out += ", \"" + std::string(part) + "\": {";
      bool f = true;
      for (const auto& [k, t] : m) {
        out += (f ? "" : ", ") + JsonString(k) + ": " + SpecJson(t);
        f = false;
      }
      out += "}";
    }
    out += "}";
    first = false;
  }
  return out + "}";
}

std::string SummaryText(const GraphSummary& s) {
  std::string out = "Inputs (placeholders): " + std::to_string(s.placeholders.size()) + "\n";
  for (const TensorSpec& p : s.placeholders) {
    out += "  " + p.name + "  " + std::string(DataTypeName(p.dtype)) + "  " + ShapeText(p) + "\n";
  }
  out += "Likely outputs: " + std::to_string(s.likely_outputs.size()) + "\n";
  for (const std::string& o : s.likely_outputs) out += "  " + o + ":0\n";
  out += "Variables: " + std::to_string(s.num_variables) + " (" + std::to_string(s.variable_elements) +
         " elements)\n";
  out += "Constants: " + std::to_string(s.const_bytes) + " bytes\n";
  out += "Ops (" + std::to_string(s.num_nodes) + " nodes):";
  for (const auto& [op, n] : s.op_counts) out += " " + std::to_string(n) + " " + op + ",";
  if (!s.op_counts.empty()) out.pop_back();
  return out + "\n";
}

std::string SummaryJson(const GraphSummary& s) {
  std::string out = "{\"placeholders\": [";
  for (size_t i = 0; i < s.placeholders.size(); ++i) out += (i ? ", " : "") + SpecJson(s.placeholders[i]);
  out += "], \"likely_outputs\": [";
  for (size_t i = 0; i < s.likely_outputs.size(); ++i) out += (i ? ", " : "") + JsonString(s.likely_outputs[i]);
  out += "], \"num_nodes\": " + std::to_string(s.num_nodes) +
         ", \"num_variables\": " + std::to_string(s.num_variables) +
         ", \"variable_elements\": " + std::to_string(s.variable_elements) +
         ", \"const_bytes\": " + std::to_string(s.const_bytes) + ", \"op_counts\": {";
  bool first = true;
  for (const auto& [op, n] : s.op_counts) {
    out += (first ? "" : ", ") + JsonString(op) + ": " + std::to_string(n);
    first = false;
  }
  return out + "}}";
}

// fingerprint.pb, after what saved_model_cli prints (which does not show it).
std::string FingerprintText(const SavedModelFingerprint& f) {
  std::string out = "\nThe SavedModel fingerprint (fingerprint.pb):\n";
  out += "  saved_model_checksum: " + std::to_string(f.saved_model_checksum) + "\n";
  out += "  graph_def_program_hash: " + std::to_string(f.graph_def_program_hash) + "\n";
  out += "  signature_def_hash: " + std::to_string(f.signature_def_hash) + "\n";
  out += "  saved_object_graph_hash: " + std::to_string(f.saved_object_graph_hash) + "\n";
  out += "  checkpoint_hash: " + std::to_string(f.checkpoint_hash) + "\n";
  out += "  version: " + std::to_string(f.producer) + "\n";
  if (!f.uuid.empty()) out += "  uuid: " + f.uuid + "\n";
  out += "  singleprint: " + f.singleprint + "\n";
  return out;
}

std::string FingerprintJson(const ModelInfo& info) {
  if (!info.has_fingerprint) return "null";
  const SavedModelFingerprint& f = info.fingerprint;
  return "{\"saved_model_checksum\": " + std::to_string(f.saved_model_checksum) +
         ", \"graph_def_program_hash\": " + std::to_string(f.graph_def_program_hash) +
         ", \"signature_def_hash\": " + std::to_string(f.signature_def_hash) +
         ", \"saved_object_graph_hash\": " + std::to_string(f.saved_object_graph_hash) +
         ", \"checkpoint_hash\": " + std::to_string(f.checkpoint_hash) +
         ", \"version\": " + std::to_string(f.producer) + ", \"uuid\": " + JsonString(f.uuid) +
         ", \"singleprint\": " + JsonString(f.singleprint) + "}";
}

const char* KindName(Model::Kind k) {
  switch (k) {
    case Model::Kind::kSavedModel: return "saved_model";
    case Model::Kind::kMetaGraph: return "meta_graph";
    case Model::Kind::kFrozenGraph: return "graph_def";
  }
  return "unknown";
}

}  // namespace

int Show(const ShowOptions& o, std::FILE* out) {
  auto info_or = InspectModel(o.path);
  if (!info_or.ok()) return Fail(info_or.status());
  const ModelInfo& info = *info_or;
  if (info.kind == Model::Kind::kSavedModel) NoteIgnoredFiles(info.path);
  std::string text;
  if (o.json) {
    text = "{\"path\": " + JsonString(info.path) + ", \"kind\": \"" + KindName(info.kind) +
           "\", \"fingerprint\": " + FingerprintJson(info) +
           ", \"meta_graphs\": [";
    for (size_t i = 0; i < info.meta_graphs.size(); ++i) {
      const MetaGraphInfo& mg = info.meta_graphs[i];
      text += (i ? ", " : "") + std::string("{\"tags\": [");
      for (size_t k = 0; k < mg.tags.size(); ++k) text += (k ? ", " : "") + JsonString(mg.tags[k]);
      text += "], \"tensorflow_version\": " + JsonString(mg.tensorflow_version) +
              ", \"signatures\": " + SignaturesJson(mg.signatures) + ", \"graph\": " +
              SummaryJson(mg.summary) + "}";
    }
    text += "]}\n";
  } else if (info.kind == Model::Kind::kSavedModel) {
    std::vector<const MetaGraphInfo*> sorted;
    for (const auto& mg : info.meta_graphs) sorted.push_back(&mg);
    std::sort(sorted.begin(), sorted.end(),
              [](const MetaGraphInfo* a, const MetaGraphInfo* b) { return a->tags < b->tags; });
    if (!o.all) {
      // saved_model_cli sorts the tags of each set here (but not in --all).
      text = "The given SavedModel contains the following tag-sets:\n";
      for (const MetaGraphInfo* mg : sorted) {
        std::vector<std::string> tags = mg->tags;
        std::sort(tags.begin(), tags.end());
        text += "'" + JoinTags(tags) + "'\n";
      }
    } else {
      for (const MetaGraphInfo* mg : sorted) {
        text += "\nMetaGraphDef with tag-set: '" + JoinTags(mg->tags) +
                "' contains the following SignatureDefs:\n";
        for (const auto& [key, sig] : mg->signatures) text += "\n" + SignatureText(key, sig);
        // Python prints a set (in arbitrary order); ours is sorted.
        text += "The MetaGraph with tag set " + PyListRepr(mg->tags) +
                " contains the following ops: " + PySetRepr(mg->summary.op_counts) + "\n";
      }
      if (info.has_fingerprint) text += FingerprintText(info.fingerprint);
    }
  } else {
    const MetaGraphInfo& mg = info.meta_graphs[0];
    text = std::string(info.kind == Model::Kind::kMetaGraph ? "MetaGraphDef" : "GraphDef") + " " +
           info.path + (mg.tensorflow_version.empty() ? "" : " (TensorFlow " + mg.tensorflow_version + ")") + "\n";
    text += SummaryText(mg.summary);
    for (const auto& [key, sig] : mg.signatures) text += "\n" + SignatureText(key, sig);
  }
  std::fputs(text.c_str(), out);
  return 0;
}

}  // namespace tfmodel::cli
