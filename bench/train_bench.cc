// Training step time of tfmodel: the seed model (10 -> 1, MSE, Adam) and an MLP (784-256-128-10,
// relu, softmax cross entropy, Adam) at batch 32 and 256. Prints "name median_seconds_per_step"
// lines for bench/train_bench.sh, which runs TensorFlow's numbers in the same run. Steps are
// timed in process CPU time: on a shared, loaded machine wall time mostly measures the wait for
// a core (both sides run on one thread, so on an idle machine the two agree).
//   train_bench [--steps N] [--threads T]
#include <algorithm>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <tfmodel/graph.h>
#include <tfmodel/ops.h>
#include <tfmodel/train.h>

using namespace tfmodel;

namespace {

Tensor Random(int64_t rows, int64_t cols, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> v(rows * cols);
  for (float& x : v) x = u(rng);
  return Tensor::FromVector<float>(v, tfmodel::Shape{rows, cols});
}

Tensor OneHotLabels(int64_t rows, int64_t classes, std::mt19937& rng) {
  std::vector<float> v(rows * classes, 0.0f);
  for (int64_t r = 0; r < rows; ++r) v[r * classes + rng() % classes] = 1.0f;
  return Tensor::FromVector<float>(v, tfmodel::Shape{rows, classes});
}

struct Built {
  Graph g;
  Output x, y;
  Operation train;
};

Built Seed() {
  Built b;
  b.x = Placeholder(b.g, DataType::kFloat, {-1, 10}, "input");
  b.y = Placeholder(b.g, DataType::kFloat, {-1, 1}, "label");
  Variable beta = GetVariable(b.g, "beta", {10, 1}, GlorotNormal(1));
  Variable bias = GetVariable(b.g, "bias", {1}, GlorotNormal(2));
  Output pred = Add(MatMul(b.x, beta), bias, "output");
  b.train = AdamOptimizer(0.001).Minimize(losses::MeanSquaredError(b.y, pred));
  return b;
}

Built Mlp() {
  Built b;
  b.x = Placeholder(b.g, DataType::kFloat, {-1, 784}, "input");
  b.y = Placeholder(b.g, DataType::kFloat, {-1, 10}, "label");
  Output h = b.x;
  int64_t in = 784;
  int seed = 1;
  for (int64_t units : {256, 128}) {
    NameScope scope(b.g, "dense");
    Variable w = GetVariable(b.g, "kernel", {in, units}, GlorotUniform(seed++));
    Variable bias = GetVariable(b.g, "bias", {units}, ZerosInitializer());
    h = Relu(BiasAdd(MatMul(h, w), bias));
    in = units;
  }
  Variable w = GetVariable(b.g, "logits/kernel", {in, 10}, GlorotUniform(seed));
  Variable bias = GetVariable(b.g, "logits/bias", {10}, ZerosInitializer());
  Output logits = BiasAdd(MatMul(h, w), bias);
  b.train = AdamOptimizer(0.001).Minimize(losses::SoftmaxCrossEntropy(b.y, logits));
  return b;
}

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double MedianStep(Built& b, Tensor x, Tensor y, int steps, int threads) {
  Session s(b.g, {.num_threads = threads});
  if (!s.Run(GlobalVariablesInitializer(b.g)).ok()) return -1;
  std::vector<double> times;
  for (int i = 0; i < steps + 5; ++i) {
    const double t0 = CpuSeconds();
    Status st = s.Run({{b.x, x}, {b.y, y}}, {b.train});
    const double t1 = CpuSeconds();
    if (!st.ok()) {
      std::fprintf(stderr, "train_bench: %s\n", st.ToString().c_str());
      return -1;
    }
    if (i >= 5) times.push_back(t1 - t0);  // after warm-up
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int steps = 200, threads = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--steps") == 0) steps = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--threads") == 0) threads = std::atoi(argv[i + 1]);
  }
  std::mt19937 rng(7);
  for (int64_t batch : {32, 256}) {
    Built seed = Seed();
    double t = MedianStep(seed, Random(batch, 10, rng), Random(batch, 1, rng), steps, threads);
    if (t < 0) return 1;
    std::printf("tfmodel_seed_b%lld %.9f\n", static_cast<long long>(batch), t);
    Built mlp = Mlp();
    t = MedianStep(mlp, Random(batch, 784, rng), OneHotLabels(batch, 10, rng), std::max(20, steps / 4), threads);
    if (t < 0) return 1;
    std::printf("tfmodel_mlp_b%lld %.9f\n", static_cast<long long>(batch), t);
  }
  return 0;
}
