// tfmodel running a TF2 SavedModel's serving_default signature, for bench/tf2_bench.sh.
//
//   tf2_bench DIR --name NAME [--batches 1,32] [--threads 0] [--seconds 1] [--calls N]
//
// Loads DIR (timed), calls the signature once per batch size (the first call, timed: it plans)
// and then measures the median time per call. Prints "key value" lines that the shell script
// joins with TensorFlow's and ONNX Runtime's (bench/tf2_peers.py) from the same run:
//   load_ms/tfmodel/NAME/tT  first_ms/tfmodel/NAME/tT  us/tfmodel/NAME/bB/tT
//   check/tfmodel/NAME/bB/tT (a weighted sum of the outputs)
//   rss_kb/tfmodel/NAME/tT (peak, whole run)
// Inputs, the same in tf2_peers.py: every input in key order, its unknown dimensions set to the
// batch size; float values ((i * 7) % 13) / 13 - 0.5 over the flat index, int32 (i * 7) % 13, and
// int32 scalars 2 (tf_module: two while-loop steps, switch branch 2).
#include <sys/resource.h>
#include <tfmodel/model.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "bench/time_per_call.h"

using namespace tfmodel;
using tfmodel::bench::Now;
using tfmodel::bench::TimePerCall;

namespace {

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "tf2_bench: %s\n", what.c_str());
  std::exit(1);
}

std::map<std::string, Tensor> MakeInputs(const Signature& sig, int64_t batch) {
  std::map<std::string, Tensor> inputs;
  for (const auto& [key, spec] : sig.inputs) {
    if (spec.unknown_rank) Die("input " + key + " has unknown rank");
    std::vector<int64_t> dims = spec.dims;
    for (int64_t& d : dims) d = d < 0 ? batch : d;
    auto shape = Shape::Make(dims);
    if (!shape.ok()) Die(shape.status().ToString());
    auto t = Tensor::Allocate(spec.dtype, *shape);
    if (!t.ok()) Die(key + ": " + t.status().ToString());
    if (spec.dtype == DataType::kFloat) {
      auto v = t->flat<float>();
      for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>((i * 7) % 13) / 13.0f - 0.5f;
    } else if (spec.dtype == DataType::kInt32) {
      auto v = t->flat<int32_t>();
      for (size_t i = 0; i < v.size(); ++i) v[i] = dims.empty() ? 2 : static_cast<int32_t>((i * 7) % 13);
    } else {
      Die("input " + key + ": only float and int32 inputs are generated");
    }
    inputs.emplace(key, std::move(*t));
  }
  return inputs;
}

// sum of v * (i % 5 + 1) over each output's flat index i, added over the outputs (as tf2_peers.py;
// ORT's outputs come in another order, hence a sum).
double Checksum(const std::map<std::string, Tensor>& outputs) {
  double sum = 0;
  for (const auto& [key, t] : outputs) {
    if (t.dtype() == DataType::kFloat) {
      auto v = t.flat<float>();
      for (size_t i = 0; i < v.size(); ++i) sum += v[i] * static_cast<double>(i % 5 + 1);
    } else if (t.dtype() == DataType::kInt32) {
      auto v = t.flat<int32_t>();
      for (size_t i = 0; i < v.size(); ++i) sum += v[i] * static_cast<double>(i % 5 + 1);
    }
  }
  return sum;
}

long PeakRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') {
    std::fprintf(stderr,
                 "usage: tf2_bench DIR --name NAME [--batches 1,32] [--threads N] [--seconds S] "
                 "[--calls N]\n--calls N: N untimed calls per batch (for valgrind "
                 "--tool=callgrind or perf)\n");
    return 2;
  }
  const std::string dir = argv[1];
  std::string name = "model", batches = "1,32";
  int threads = 0;
  double seconds = 1.0;
  int64_t calls = 0;
  for (int i = 2; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) Die("missing value for " + flag);
    const char* v = argv[i + 1];
    if (flag == "--name") {
      name = v;
    } else if (flag == "--batches") {
      batches = v;
    } else if (flag == "--threads") {
      threads = std::atoi(v);
    } else if (flag == "--seconds") {
      seconds = std::atof(v);
    } else if (flag == "--calls") {
      calls = std::atoll(v);
    } else {
      Die("unknown flag " + flag);
    }
  }
  const std::string t_key = "/t" + std::to_string(threads);
  const double t0 = Now();
  auto model_or = Model::Load(dir, {.num_threads = threads});
  if (!model_or.ok()) Die(model_or.status().ToString());
  const double load_s = Now() - t0;
  Model& model = **model_or;
  auto sig_it = model.signatures().find("serving_default");
  if (sig_it == model.signatures().end()) Die(dir + " has no serving_default signature");
  std::printf("load_ms/tfmodel/%s%s %.3f\n", name.c_str(), t_key.c_str(), load_s * 1e3);

  std::stringstream list(batches);
  bool first = true;
  for (std::string item; std::getline(list, item, ',');) {
    const int64_t batch = std::atoll(item.c_str());
    const std::map<std::string, Tensor> inputs = MakeInputs(sig_it->second, batch);
    std::map<std::string, Tensor> out;
    auto call = [&] {
      auto r = model.RunSignature("serving_default", inputs);
      if (!r.ok()) Die(name + ": " + r.status().ToString());
      out = std::move(*r);
    };
    const std::string key = name + "/b" + std::to_string(batch) + t_key;
    const double f0 = Now();
    call();
    if (first) std::printf("first_ms/tfmodel/%s%s %.3f\n", name.c_str(), t_key.c_str(), (Now() - f0) * 1e3);
    first = false;
    if (calls > 0) {
      for (int64_t i = 0; i < calls; ++i) call();
    } else {
      std::printf("us/tfmodel/%s %.3f\n", key.c_str(), TimePerCall(call, seconds) * 1e6);
    }
    std::printf("check/tfmodel/%s %.6g\n", key.c_str(), Checksum(out));
  }
  std::printf("rss_kb/tfmodel/%s%s %ld\n", name.c_str(), t_key.c_str(), PeakRssKb());
  return 0;
}
