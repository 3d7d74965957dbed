// Inference speed of tfmodel, and our GEMM against OpenBLAS sgemm, for bench/inference_bench.sh.
//
//   inference_bench matmul [--threads 1] [--seconds 0.3]
//   inference_bench model SAVED_MODEL_DIR --name NAME --batch 1 [--threads 0] [--seconds 1]
//
// Prints one "key value" line per measurement (microseconds, GFLOP/s, inputs/s); the shell script
// joins them with TensorFlow's (tf_inference_bench.py) measured in the same run into ratios.
#include <cblas.h>
#include <sys/resource.h>
#include <tfmodel/model.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "bench/time_per_call.h"
#include "src/base/thread_pool.h"
#include "src/runtime/kernels/gemm.h"

using namespace tfmodel;
using tfmodel::bench::TimePerCall;

extern "C" void openblas_set_num_threads(int);

namespace {

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "inference_bench: %s\n", what.c_str());
  std::exit(1);
}

// The same deterministic values as tf_inference_bench.py: ((i * 7) % 13) / 13 - 0.5.
float InputValue(int64_t i) { return static_cast<float>((i * 7) % 13) / 13.0f - 0.5f; }

// With --best, the fastest sample instead of the median (for A/B decisions on a loaded machine: the
// least disturbed sample; the reported figures use medians).
bool g_best = false;

struct MatMulShape {
  int64_t m, k, n;
};

void BenchMatMul(int threads, double seconds, const std::string& only) {
  // MLP layers at batch 1 and 32, the CNN's first convolution at batch 32 as im2col (32 x 32 x 32
  // pixels x 27 taps -> 16 channels), and two large square-ish products.
  std::vector<MatMulShape> shapes = {{1, 256, 128},   {1, 784, 256},     {32, 784, 256},
                                     {32768, 27, 16}, {256, 1024, 1024}, {1024, 1024, 1024}};
  if (!only.empty()) {  // "MxKxN"
    MatMulShape s{};
    if (std::sscanf(only.c_str(), "%ldx%ldx%ld", &s.m, &s.k, &s.n) != 3) Die("bad --shape " + only);
    shapes = {s};
  }
  openblas_set_num_threads(threads);
  std::unique_ptr<ThreadPool> pool;
  if (threads > 1) pool = std::make_unique<ThreadPool>(threads - 1);
  std::printf("gemm_kernel %s\n", gemm::KernelName());
  for (const MatMulShape& s : shapes) {
    std::vector<float> a(s.m * s.k), b(s.k * s.n), c(s.m * s.n), d(s.m * s.n);
    for (size_t i = 0; i < a.size(); ++i) a[i] = InputValue(i);
    for (size_t i = 0; i < b.size(); ++i) b[i] = InputValue(i + 3);
    auto ours = [&] { gemm::Gemm<float>(a.data(), b.data(), c.data(), s.m, s.k, s.n, pool.get()); };
    auto blas = [&] {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s.m, s.n, s.k, 1.0f, a.data(), s.k,
                  b.data(), s.n, 0.0f, d.data(), s.n);
    };
    // Alternate the two so both see the same machine load; keep each one's best median.
    double t_ours = 1e30, t_blas = 1e30;
    for (int round = 0; round < 5; ++round) {
      t_ours = std::min(t_ours, TimePerCall(ours, seconds / 5, g_best));
      t_blas = std::min(t_blas, TimePerCall(blas, seconds / 5, g_best));
    }
    double max_diff = 0;
    for (size_t i = 0; i < c.size(); ++i)
      max_diff = std::max<double>(max_diff, std::fabs(c[i] - d[i]));
    const double flops = 2.0 * s.m * s.k * s.n;
    const std::string key = std::to_string(s.m) + "x" + std::to_string(s.k) + "x" +
                            std::to_string(s.n) + "/t" + std::to_string(threads);
    std::printf("gemm_gflops/tfmodel/%s %.3f\n", key.c_str(), flops / t_ours / 1e9);
    std::printf("gemm_gflops/openblas/%s %.3f\n", key.c_str(), flops / t_blas / 1e9);
    std::printf("gemm_maxdiff/%s %.3g\n", key.c_str(), max_diff);
  }
}

void BenchModel(const std::string& dir, const std::string& name, int64_t batch, int threads,
                double seconds, int64_t calls) {
  auto model_or = Model::Load(dir, {.num_threads = threads});
  if (!model_or.ok()) Die(model_or.status().ToString());
  Model& model = **model_or;
  auto sig_it = model.signatures().find("serving_default");
  if (sig_it == model.signatures().end()) Die(dir + " has no serving_default signature");
  const TensorSpec& in_spec = sig_it->second.inputs.begin()->second;
  const std::string in_key = sig_it->second.inputs.begin()->first;
  const std::string out_name = sig_it->second.outputs.begin()->second.name;
  std::vector<int64_t> dims = in_spec.dims;
  if (dims.empty()) Die("input of unknown rank");
  dims[0] = batch;
  auto shape = Shape::Make(dims);
  if (!shape.ok()) Die(shape.status().ToString());
  Tensor x = Tensor::Allocate(DataType::kFloat, *shape).value();
  auto xv = x.flat<float>();
  for (size_t i = 0; i < xv.size(); ++i) xv[i] = InputValue(static_cast<int64_t>(i));

  // Model::Run by tensor names, as session.run; RunSignature by keys, as a TF2 signature.
  const std::vector<std::pair<std::string, Tensor>> feeds = {{in_spec.name, x}};
  const std::vector<std::string> fetches = {out_name};
  double checksum = 0;
  auto run = [&] {
    auto out = model.Run(feeds, fetches);
    if (!out.ok()) Die(out.status().ToString());
  };
  const std::map<std::string, Tensor> inputs = {{in_key, x}};
  auto sig = [&] {
    auto out = model.RunSignature("serving_default", inputs);
    if (!out.ok()) Die(out.status().ToString());
  };
  if (calls > 0) {  // a fixed number of calls, untimed: for valgrind --tool=callgrind
    for (int64_t i = 0; i < calls; ++i) run();
    for (int64_t i = 0; i < calls; ++i) sig();
    return;
  }
  const double t_run = TimePerCall(run, seconds / 2, g_best);
  const double t_sig = TimePerCall(sig, seconds / 2, g_best);
  auto out = model.Run(feeds, fetches).value();
  for (float v : out[0].flat<float>()) checksum += v;
  const std::string key = name + "/b" + std::to_string(batch);
  std::printf("run_us/tfmodel/%s %.3f\n", key.c_str(), t_run * 1e6);
  std::printf("sig_us/tfmodel/%s %.3f\n", key.c_str(), t_sig * 1e6);
  std::printf("qps/tfmodel/%s %.1f\n", key.c_str(), batch / t_run);
  std::printf("check/tfmodel/%s %.6g\n", key.c_str(), checksum);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: inference_bench matmul [--threads N] [--seconds S] [--shape MxKxN] "
                 "[--best]\n"
                 "       inference_bench model DIR --name NAME --batch B [--threads N] "
                 "[--seconds S] [--calls N] [--best]\n"
                 "--calls N: N untimed calls of each kind (for valgrind --tool=callgrind)\n");
    return 2;
  }
  const std::string mode = argv[1];
  std::string dir, name = "model", shape;
  int64_t batch = 1, calls = 0;
  int threads = mode == "matmul" ? 1 : 0;
  double seconds = mode == "matmul" ? 0.6 : 1.0;
  int i = 2;
  if (mode == "model" && argc > 2) dir = argv[i++];
  for (; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--best") {
      g_best = true;
      --i;
      continue;
    }
    if (i + 1 >= argc) Die("missing value for " + flag);
    const char* v = argv[i + 1];
    if (flag == "--threads") {
      threads = std::atoi(v);
    } else if (flag == "--seconds") {
      seconds = std::atof(v);
    } else if (flag == "--batch") {
      batch = std::atoll(v);
    } else if (flag == "--name") {
      name = v;
    } else if (flag == "--shape") {
      shape = v;
    } else if (flag == "--calls") {
      calls = std::atoll(v);
    } else {
      Die("unknown flag " + flag);
    }
  }
  if (mode == "matmul") {
    BenchMatMul(threads, seconds, shape);
  } else if (mode == "model") {
    BenchModel(dir, name, batch, threads, seconds, calls);
  } else {
    Die("unknown mode " + mode);
  }
  return 0;
}
