// `tfmodel run`: feed inputs to a model and print or save its outputs (flags as saved_model_cli).
#include <tfmodel/model.h>

#include <cstdio>

#include "src/cli/commands.h"
#include "src/cli/input_expr.h"
#include "src/cli/json_out.h"

namespace tfmodel::cli {
namespace {

std::string FileSafe(std::string name) {
  for (char& c : name) {
    if (c == '/' || c == ':' || c == '\\') c = '_';
  }
  return name;
}

}  // namespace

int RunModel(const RunOptions& o, std::FILE* out) {
  Model::LoadOptions load;
  if (!o.tag_set.empty()) load.tags = SplitComma(o.tag_set);
  load.checkpoint = o.checkpoint;
  auto model_or = Model::Load(o.path, load);
  if (!model_or.ok()) return Fail(model_or.status());
  Model& model = **model_or;
  NoteIgnoredFiles(model.path());
  const bool by_signature = model.kind() == Model::Kind::kSavedModel ||
                            (!model.signatures().empty() && o.fetch.empty());
  const Signature* sig = nullptr;
  if (by_signature) {
    auto it = model.signatures().find(o.signature_def);
    if (it == model.signatures().end()) {
      std::string keys;
      for (const auto& [k, s] : model.signatures()) keys += (keys.empty() ? "" : ", ") + k;
      return Fail(NotFound("signature '" + o.signature_def + "' is not in " + model.path() +
                           " (available: " + (keys.empty() ? "none" : keys) + ")"));
    }
    sig = &it->second;
  } else if (o.fetch.empty()) {
    return Fail(InvalidArgument("give the tensors to compute with --fetch 'node:0,...'"));
  }

  // The dtype an input key must have: from the signature, or from the graph.
  auto dtype_of = [&](const std::string& key) -> Result<DataType> {
    if (sig) {
      auto in = sig->inputs.find(key);
      if (in == sig->inputs.end()) {
        std::string keys;
        for (const auto& [k, s] : sig->inputs) keys += (keys.empty() ? "" : ", ") + k;
        return InvalidArgument("signature '" + o.signature_def + "' has no input '" + key +
                               "' (inputs: " + keys + ")");
      }
      return in->second.dtype;
    }
    return model.TensorType(key);
  };

  std::map<std::string, Tensor> inputs;
  auto files = SplitAssignments(o.inputs, "--inputs");
  if (!files.ok()) return Fail(files.status());
  for (const auto& [key, file] : *files) {
    auto t = ReadNpy(file);
    if (!t.ok()) return Fail(t.status().WithContext("--inputs " + key));
    inputs[key] = *t;
  }
  auto exprs = SplitAssignments(o.input_exprs, "--input_exprs");
  if (!exprs.ok()) return Fail(exprs.status());
  for (const auto& [key, expr] : *exprs) {
    auto dtype = dtype_of(key);
    if (!dtype.ok()) return Fail(dtype.status());
    auto t = ParseInputExpr(expr, *dtype);
    if (!t.ok()) return Fail(t.status().WithContext("--input_exprs " + key));
    inputs[key] = *t;
  }

  std::vector<std::pair<std::string, Tensor>> results;
  if (sig) {
    for (const auto& [key, spec] : sig->inputs) {
      if (!inputs.count(key) && !sig->defaults.count(key)) {
        return Fail(InvalidArgument("missing input '" + key + "' of signature '" + o.signature_def +
                                    "' (" + std::string(DataTypeName(spec.dtype)) + ", tensor " +
                                    spec.name + ")"));
      }
    }
    auto outputs = model.RunSignature(o.signature_def, inputs, SplitComma(o.fetch));
    if (!outputs.ok()) return Fail(outputs.status());
    for (auto& [k, t] : *outputs) results.emplace_back(k, t);
  } else {
    std::vector<std::pair<std::string, Tensor>> feeds(inputs.begin(), inputs.end());
    std::vector<std::string> fetches = SplitComma(o.fetch);
    auto outputs = model.Run(feeds, fetches);
    if (!outputs.ok()) return Fail(outputs.status());
    for (size_t i = 0; i < fetches.size(); ++i) results.emplace_back(fetches[i], (*outputs)[i]);
  }

  if (!o.outdir.empty()) {
    for (const auto& [name, t] : results) {
      std::string path = o.outdir + "/" + FileSafe(name) + ".npy";
      Status s = WriteNpy(path, t);
      if (!s.ok()) return Fail(s);
      std::fprintf(stderr, "tfmodel: wrote %s\n", path.c_str());
    }
  }
  std::string text;
  if (o.json) {
    text = "{\"outputs\": {";
    for (size_t i = 0; i < results.size(); ++i) {
      const Tensor& t = results[i].second;
      text += (i ? ", " : "") + JsonString(results[i].first) + ": {\"dtype\": \"" +
              std::string(DataTypeName(t.dtype())) + "\", \"shape\": " + JsonShape(t.shape()) +
              ", \"values\": " + JsonValues(t) + "}";
    }
    text += "}}\n";
  } else if (o.outdir.empty()) {
    for (const auto& [name, t] : results) {
      text += "Result for output key " + name + ":\n" + t.DebugString(1000) + "\n";
    }
  }
  std::fputs(text.c_str(), out);
  return 0;
}

}  // namespace tfmodel::cli
