// Checkpoint save/restore throughput of tfmodel, and memcpy bandwidth as the in-memory limit.
//
//   checkpoint_bench DIR [--mb 1024] [--tensors 16] [--reps 3]
//
// Prints one line per measurement, "name seconds bytes", for bench/checkpoint_bench.sh to turn
// into ratios against TensorFlow and raw disk measured in the same run.
#include <tfmodel/checkpoint.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace tfmodel;

namespace {

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void Check(const Status& s) {
  if (!s.ok()) {
    std::fprintf(stderr, "checkpoint_bench: %s\n", s.ToString().c_str());
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: checkpoint_bench DIR [--mb N] [--tensors N] [--reps N]\n");
    return 2;
  }
  std::string dir = argv[1];
  int64_t mb = 1024, tensors = 16, reps = 3;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    int64_t v = std::atoll(argv[i + 1]);
    if (flag == "--mb") mb = v;
    else if (flag == "--tensors") tensors = v;
    else if (flag == "--reps") reps = v;
  }
  const int64_t per_tensor = mb * 1024 * 1024 / 4 / tensors;
  std::vector<SaveEntry> entries;
  for (int64_t t = 0; t < tensors; ++t) {
    Tensor x = Tensor::Allocate(DataType::kFloat, Shape({per_tensor})).value();
    auto v = x.flat<float>();
    for (int64_t i = 0; i < per_tensor; ++i) v[i] = static_cast<float>((i * 7 + t) % 1000) * 0.001f;
    entries.push_back({"layer_" + std::to_string(t) + "/kernel", x, std::nullopt});
  }
  const double bytes = static_cast<double>(per_tensor) * 4 * tensors;

  // memcpy: the in-memory limit for a restore from the page cache.
  {
    std::vector<char> a(static_cast<size_t>(bytes)), b(static_cast<size_t>(bytes));
    std::memset(a.data(), 1, a.size());
    std::memset(b.data(), 2, b.size());
    std::vector<double> times;
    for (int r = 0; r < reps; ++r) {
      double t0 = Now();
      std::memcpy(b.data(), a.data(), a.size());
      times.push_back(Now() - t0);
    }
    std::printf("memcpy %.6f %.0f  # check %d\n", Median(times), bytes, b[12345]);
  }

  const std::string prefix = dir + "/bench.ckpt";
  for (bool sync : {true, false}) {
    std::vector<double> times;
    for (int r = 0; r < reps; ++r) {
      Check(DeleteCheckpointFiles(prefix));
      double t0 = Now();
      Check(SaveCheckpoint(prefix, entries, 1, {.sync = sync}));
      times.push_back(Now() - t0);
    }
    std::printf("%s %.6f %.0f\n", sync ? "save_fsync" : "save_nosync", Median(times), bytes);
  }

  std::vector<double> open_times, restore_times;
  for (int r = 0; r < std::max<int64_t>(reps, 20); ++r) {
    double t0 = Now();
    auto reader = CheckpointReader::Open(prefix);
    open_times.push_back(Now() - t0);
    Check(reader.status());
  }
  for (int r = 0; r < reps; ++r) {
    double t0 = Now();
    auto reader = CheckpointReader::Open(prefix);
    Check(reader.status());
    double sum = 0;
    for (const TensorInfo& info : (*reader)->tensors()) {
      auto t = (*reader)->Read(info.name);
      Check(t.status());
      sum += t->flat<float>()[1];
    }
    restore_times.push_back(Now() - t0);
    if (sum < 0) std::printf("impossible\n");
  }
  std::printf("open %.6f %.0f\n", Median(open_times), bytes);
  std::printf("restore %.6f %.0f\n", Median(restore_times), bytes);
  Check(DeleteCheckpointFiles(prefix));
  return 0;
}
