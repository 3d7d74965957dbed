// The model-run cases TensorFlow 2.21 recorded (tf1_case.py describes case.json): loading a
// case's model with tfmodel::Model and replaying its steps, comparing every output with
// TensorFlow's. Shared by tf1_corpus_test.cc and tf1_models_test.cc (header-only).
#ifndef TFMODEL_TESTS_INTEROP_MODEL_CASE_H_
#define TFMODEL_TESTS_INTEROP_MODEL_CASE_H_

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <tfmodel/model.h>

#include <array>
#include <cmath>
#include <complex>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "interop_case.h"
#include "src/runtime/kernel.h"

namespace tfmodel::interop {

struct StepTensor {
  std::string name;  // tensor name ("x:0") or signature key
  nlohmann::json spec;
};

struct Step {
  bool signature = false;
  std::string key;                  // signature key
  std::vector<StepTensor> feeds;    // run feeds / signature inputs
  std::vector<StepTensor> fetches;  // run fetches / signature outputs (TensorFlow's values)
  std::vector<std::string> targets;
};

struct ModelCase {
  std::string name;
  std::filesystem::path dir;
  std::string model;  // resolved path
  Model::LoadOptions load;
  std::vector<std::string> needs_ops;
  std::string needs_reason;  // where the missing ops come from, for the skip message
  std::vector<std::string> expect_load_error;  // substrings; non-empty: loading must fail
  std::string saved_model_dir;                 // set when saved_model_cli.txt is present
  double rtol = 1e-5, atol = 1e-6;
  std::vector<Step> steps;
};

// `p` relative to the case dir, normalised ("case/../models/x" -> "models/x": asset paths the
// model reports are compared as strings).
inline std::string Resolve(const std::filesystem::path& dir, const std::string& p) {
  return std::filesystem::path(p).is_absolute() ? p : (dir / p).lexically_normal().string();
}

inline Result<ModelCase> LoadModelCase(const std::filesystem::path& dir) {
  ModelCase c;
  c.dir = dir;
  c.name = dir.filename().string();
  TFM_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(dir / "case.json"));
  try {
    nlohmann::json doc = nlohmann::json::parse(text);
    c.model = Resolve(dir, doc.at("model").get<std::string>());
    if (doc.contains("load")) {
      const nlohmann::json& l = doc["load"];
      if (l.contains("tags")) c.load.tags = l["tags"].get<std::vector<std::string>>();
      c.load.import_prefix = l.value("import_prefix", "");
      if (l.contains("checkpoint"))
        c.load.checkpoint = Resolve(dir, l["checkpoint"].get<std::string>());
    }
    c.needs_ops = doc.value("needs_ops", std::vector<std::string>{});
    c.needs_reason = doc.value("needs_reason", "");
    c.expect_load_error = doc.value("expect_load_error", std::vector<std::string>{});
    c.saved_model_dir = doc.value("saved_model_dir", "");
    c.rtol = doc.value("rtol", c.rtol);
    c.atol = doc.value("atol", c.atol);
    for (const nlohmann::json& s : doc.at("steps")) {
      Step step;
      const nlohmann::json* body = &s;
      if (s.contains("run")) {
        body = &s["run"];
        step.targets = body->value("targets", std::vector<std::string>{});
      } else {
        step.signature = true;
        step.key = s.at("signature").get<std::string>();
      }
      for (const char* part : {"feeds", "inputs"}) {
        if (body->contains(part)) {
          for (const auto& t : (*body)[part]) step.feeds.push_back({t.at("name"), t});
        }
      }
      for (const char* part : {"fetches", "outputs"}) {
        if (body->contains(part)) {
          for (const auto& t : (*body)[part]) step.fetches.push_back({t.at("name"), t});
        }
      }
      c.steps.push_back(std::move(step));
    }
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument((dir / "case.json").string() + ": " + e.what());
  }
  return c;
}

// The value a step tensor describes.
inline Result<Tensor> StepValue(const ModelCase& c, const StepTensor& t) {
  const nlohmann::json& j = t.spec;
  try {
    if (j.contains("case_path")) {
      return Tensor::Strings({(c.dir / j["case_path"].get<std::string>()).string()})
          .Reshaped(Shape{});
    }
    CaseTensor ct;
    ct.name = t.name;
    ct.dtype_name = j.at("dtype").get<std::string>();
    TFM_ASSIGN_OR_RETURN(ct.dtype, DataTypeFromName(ct.dtype_name));
    TFM_ASSIGN_OR_RETURN(ct.shape, Shape::Make(j.at("shape").get<std::vector<int64_t>>()));
    if (ct.dtype == DataType::kString) {
      for (const auto& s : j.at("strings_b64")) {
        TFM_ASSIGN_OR_RETURN(std::string bytes, Base64Decode(s.get<std::string>()));
        ct.strings.push_back(std::move(bytes));
      }
    } else {
      ct.raw = j.at("raw").get<std::string>();
    }
    Case holder;
    holder.dir = c.dir;
    return LoadValue(holder, ct);
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument(c.name + "/" + t.name + ": " + e.what());
  }
}

// Empty when `got` matches `want`: floats within |g - w| <= atol + rtol * |w| (NaN matches NaN,
// infinities exactly), everything else bit for bit.
inline std::string CompareClose(const Tensor& got, const Tensor& want, double rtol, double atol) {
  if (got.dtype() != want.dtype() || !(got.shape() == want.shape())) {
    return DescribeDifference(got, want);
  }
  auto check = [&](auto tag) -> std::string {
    using T = decltype(tag);
    auto g = got.flat<T>();
    auto w = want.flat<T>();
    size_t bad = 0, count = 0;
    double worst = 0;
    for (size_t i = 0; i < w.size(); ++i) {
      double gv = static_cast<double>(g[i]), wv = static_cast<double>(w[i]);
      bool ok = (std::isnan(gv) && std::isnan(wv)) || gv == wv ||
                (std::isfinite(wv) && std::fabs(gv - wv) <= atol + rtol * std::fabs(wv));
      if (!ok) {
        if (count++ == 0) bad = i;
        worst = std::max(worst, std::fabs(gv - wv) / std::max(std::fabs(wv), 1e-30));
      }
    }
    if (count == 0) return "";
    return std::to_string(count) + " of " + std::to_string(w.size()) +
           " elements differ beyond rtol " + std::to_string(rtol) + "; first at flat index " +
           std::to_string(bad) + ": got " + std::to_string(static_cast<double>(g[bad])) +
           ", want " + std::to_string(static_cast<double>(w[bad])) + " (worst relative " +
           std::to_string(worst) + ")";
  };
  switch (want.dtype()) {
    case DataType::kFloat:
      return check(float{});
    case DataType::kDouble:
      return check(double{});
    default:
      return DescribeDifference(got, want);
  }
}

// Ops of `c.needs_ops` that tfmodel does not implement (yet).
inline std::vector<std::string> MissingOps(const ModelCase& c) {
  std::vector<std::string> missing;
  for (const std::string& op : c.needs_ops) {
    if (OpRegistry::Global().Find(op) == nullptr) missing.push_back(op);
  }
  return missing;
}

inline std::string Join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// Runs the steps of `c` on `model`, comparing every fetched value with TensorFlow's.
inline void ReplaySteps(const ModelCase& c, Model& model) {
  for (size_t i = 0; i < c.steps.size(); ++i) {
    const Step& step = c.steps[i];
    SCOPED_TRACE("step " + std::to_string(i) +
                 (step.signature ? " signature " + step.key : " run"));
    std::vector<std::pair<std::string, Tensor>> feeds;
    for (const StepTensor& f : step.feeds) {
      Result<Tensor> v = StepValue(c, f);
      ASSERT_TRUE(v.ok()) << v.status().ToString();
      feeds.emplace_back(f.name, *v);
    }
    std::vector<Tensor> got;
    if (step.signature) {
      std::map<std::string, Tensor> inputs(feeds.begin(), feeds.end());
      std::vector<std::string> keys;
      for (const StepTensor& f : step.fetches) keys.push_back(f.name);
      auto out = model.RunSignature(step.key, inputs, keys);
      ASSERT_TRUE(out.ok()) << out.status().ToString();
      for (const std::string& k : keys) got.push_back(out->at(k));
    } else {
      std::vector<std::string> fetches;
      for (const StepTensor& f : step.fetches) fetches.push_back(f.name);
      auto out = model.Run(feeds, fetches, step.targets);
      ASSERT_TRUE(out.ok()) << out.status().ToString();
      got = std::move(out).value();
    }
    ASSERT_EQ(got.size(), step.fetches.size());
    for (size_t k = 0; k < got.size(); ++k) {
      Result<Tensor> want = StepValue(c, step.fetches[k]);
      ASSERT_TRUE(want.ok()) << want.status().ToString();
      EXPECT_EQ(CompareClose(got[k], *want, c.rtol, c.atol), "")
          << "output " << step.fetches[k].name << " differs from TensorFlow's";
    }
  }
}

// Loads the model of `c` and replays its steps (or checks the load error it expects).
inline void RunModelCase(const std::filesystem::path& dir) {
  Result<ModelCase> loaded = LoadModelCase(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const ModelCase& c = *loaded;
  SCOPED_TRACE("case " + c.name + ": " + c.model);
  if (std::vector<std::string> missing = MissingOps(c); !missing.empty()) {
    GTEST_SKIP() << "needs " << Join(missing) << " (" << c.needs_reason
                 << "): tfmodel has no kernel for it yet";
  }
  auto model = Model::Load(c.model, c.load);
  if (!c.expect_load_error.empty()) {
    ASSERT_FALSE(model.ok()) << "expected a load error mentioning " << Join(c.expect_load_error);
    for (const std::string& s : c.expect_load_error) {
      EXPECT_NE(model.status().message().find(s), std::string::npos)
          << "the error should mention \"" << s << "\": " << model.status().ToString();
    }
    return;
  }
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  ReplaySteps(c, **model);
}

inline std::vector<std::string> CaseDirNames(const char* env_var) {
  std::vector<std::string> names;
  const char* root = std::getenv(env_var);
  if (root == nullptr) return names;
  for (const auto& d : FindCaseDirs(root)) names.push_back(d.filename().string());
  return names;
}

// ---- `tfmodel show` vs `saved_model_cli show` (spec/tf-formats.md 6.2) -------------------------
// REQUIRES: TFMODEL_CLI defined as the path of the tfmodel binary.

struct CliRun {
  int code = -1;
  std::string out;
};

// Runs the `tfmodel` binary (TFMODEL_CLI) with `args`; stdout and stderr together.
inline CliRun Exec(const std::string& args) {
  std::string cmd = std::string(TFMODEL_CLI) + " " + args + " 2>&1";
  CliRun r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

inline std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find('\n', start);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// "The MetaGraph with tag set [...] contains the following ops: {'A', 'B'}": Python prints a set,
// whose order is arbitrary, so the ops compare as a set.
inline constexpr std::string_view kOpsMarker = " contains the following ops: ";

inline std::pair<std::string, std::set<std::string>> SplitOpsLine(const std::string& line) {
  size_t at = line.find(kOpsMarker);
  std::set<std::string> ops;
  std::string rest = line.substr(at + kOpsMarker.size());
  for (size_t q = rest.find('\''); q != std::string::npos; q = rest.find('\'', q)) {
    size_t e = rest.find('\'', q + 1);
    if (e == std::string::npos) break;
    ops.insert(rest.substr(q + 1, e - q - 1));
    q = e + 1;
  }
  return {line.substr(0, at), ops};
}

inline void ExpectSameShowOutput(const std::string& got, const std::string& want) {
  std::vector<std::string> g = Lines(got), w = Lines(want);
  for (size_t i = 0; i < std::max(g.size(), w.size()); ++i) {
    const std::string gl = i < g.size() ? g[i] : "<missing>";
    const std::string wl = i < w.size() ? w[i] : "<missing>";
    if (wl.find(kOpsMarker) != std::string::npos && gl.find(kOpsMarker) != std::string::npos) {
      EXPECT_EQ(SplitOpsLine(gl), SplitOpsLine(wl)) << "line " << i + 1;
      continue;
    }
    if (gl != wl) {
      ADD_FAILURE() << "line " << i + 1 << " differs\n  tfmodel:         \"" << gl
                    << "\"\n  saved_model_cli: \"" << wl << "\"\nwhole tfmodel output:\n"
                    << got;
      return;
    }
  }
}

// `tfmodel show D --all` and `tfmodel show D` against what saved_model_cli printed for the
// case's SavedModel (saved_model_cli.txt, saved_model_cli_tags.txt).
inline void ExpectShowMatchesSavedModelCli(const std::filesystem::path& case_dir) {
  Result<ModelCase> c = LoadModelCase(case_dir);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_FALSE(c->saved_model_dir.empty());
  CliRun all = Exec("show '" + c->saved_model_dir + "' --all");
  ASSERT_EQ(all.code, 0) << all.out;
  Result<std::string> want_all = ReadWholeFile(c->dir / "saved_model_cli.txt");
  ASSERT_TRUE(want_all.ok());
  ExpectSameShowOutput(all.out, *want_all);
  CliRun tags = Exec("show '" + c->saved_model_dir + "'");
  ASSERT_EQ(tags.code, 0) << tags.out;
  Result<std::string> want_tags = ReadWholeFile(c->dir / "saved_model_cli_tags.txt");
  ASSERT_TRUE(want_tags.ok());
  EXPECT_EQ(tags.out, *want_tags);
}

// Cases (under $env_var) that recorded saved_model_cli's output.
inline std::vector<std::string> ShowCaseNames(const char* env_var) {
  std::vector<std::string> out;
  const char* root = std::getenv(env_var);
  for (const std::string& name : CaseDirNames(env_var)) {
    if (std::filesystem::exists(std::filesystem::path(root) / name / "saved_model_cli.txt")) {
      out.push_back(name);
    }
  }
  return out;
}

}  // namespace tfmodel::interop

#endif  // TFMODEL_TESTS_INTEROP_MODEL_CASE_H_
