// TensorFlow's own TF1 training graphs (tf_train_graphs.py: a model, a tf.compat.v1 loss and
// optimizer.minimize(), on reference and on resource variables) run in our GraphSession: the
// init op, then a few training steps with TensorFlow's feeds; the loss of every step and every
// variable and optimizer slot after every step must match what TensorFlow computed.
// One GoogleTest per graph (TrainGraphs.<case>).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "src/formats/graph_io.h"
#include "src/graph/graph.h"
#include "src/runtime/session.h"
#include "tfmodel/tensor.h"

namespace tfmodel {
namespace {

using json = nlohmann::json;

std::string Dir() {
  const char* d = std::getenv("TFMODEL_TRAIN_GRAPHS_DIR");
  return d == nullptr ? "" : d;
}

json ReadJson(const std::string& path) {
  std::ifstream f(path);
  if (!f) return json();
  return json::parse(f, nullptr, /*allow_exceptions=*/false);
}

// "" when got matches want within |got - want| <= 1e-5 + 1e-4 |want| (several float steps).
std::string Compare(const Tensor& got, const Tensor& want) {
  if (got.dtype() != want.dtype() || !(got.shape() == want.shape())) {
    return "got " + std::string(DataTypeName(got.dtype())) + got.shape().DebugString() + ", want " +
           std::string(DataTypeName(want.dtype())) + want.shape().DebugString();
  }
  if (got.dtype() != DataType::kFloat) return got.Equals(want) ? "" : "values differ";
  auto g = got.flat<float>();
  auto w = want.flat<float>();
  for (size_t i = 0; i < g.size(); ++i) {
    if (!(std::fabs(g[i] - w[i]) <= 1e-5 + 1e-4 * std::fabs(w[i]))) {
      std::ostringstream s;
      s.precision(9);
      s << "[" << i << "] got " << g[i] << ", want " << w[i];
      return s.str();
    }
  }
  return "";
}

class TrainGraphTest : public testing::Test {
 public:
  explicit TrainGraphTest(std::string name) : name_(std::move(name)) {}
  void TestBody() override {
    const std::string dir = Dir() + "/" + name_;
    const json meta = ReadJson(dir + "/case.json");
    ASSERT_TRUE(meta.is_object()) << "cannot read " << dir << "/case.json";
    auto def = ReadGraphDef(dir + "/graph.pb");
    ASSERT_TRUE(def.ok()) << def.status().ToString();
    GraphIR graph;
    ASSERT_TRUE(graph.Import(*def).ok());
    auto session = GraphSession::Create(std::move(graph));
    ASSERT_TRUE(session.ok()) << session.status().ToString();
    GraphSession& s = **session;
    std::vector<Tensor> out;
    Status st = s.Run({}, {}, {meta["init"].get<std::string>()}, &out);
    ASSERT_TRUE(st.ok()) << "init: " << st.ToString();
    const auto feeds = meta["feeds"].get<std::vector<std::string>>();
    const auto reads = meta["reads"].get<std::vector<std::string>>();
    const auto vars = meta["variables"].get<std::vector<std::string>>();
    for (int step = 0; step < meta["steps"].get<int>(); ++step) {
      std::vector<std::pair<std::string, Tensor>> feed;
      for (size_t i = 0; i < feeds.size(); ++i) {
        auto t = ReadNpy(dir + "/feed_" + std::to_string(step) + "_" + std::to_string(i) + ".npy");
        ASSERT_TRUE(t.ok()) << t.status().ToString();
        feed.emplace_back(feeds[i], *t);
      }
      st = s.Run(feed, {meta["loss"].get<std::string>()}, {meta["train"].get<std::string>()}, &out);
      ASSERT_TRUE(st.ok()) << "step " << step << ": " << st.ToString();
      auto loss = ReadNpy(dir + "/loss_" + std::to_string(step) + ".npy");
      ASSERT_TRUE(loss.ok());
      EXPECT_EQ(Compare(out[0], *loss), "") << "loss of step " << step;
      st = s.Run({}, reads, {}, &out);
      ASSERT_TRUE(st.ok()) << "reads after step " << step << ": " << st.ToString();
      for (size_t j = 0; j < reads.size(); ++j) {
        auto want =
            ReadNpy(dir + "/want_" + std::to_string(step) + "_" + std::to_string(j) + ".npy");
        ASSERT_TRUE(want.ok());
        EXPECT_EQ(Compare(out[j], *want), "") << vars[j] << " after step " << step;
      }
    }
  }

 private:
  std::string name_;
};

TEST(TrainGraphs, CasesPresent) {
  ASSERT_FALSE(Dir().empty()) << "TFMODEL_TRAIN_GRAPHS_DIR is not set: run `ctest -L interop` "
                                 "(interop_train_graphs_tf writes the graphs)";
  const json cases = ReadJson(Dir() + "/cases.json");
  ASSERT_TRUE(cases.is_object() && !cases["cases"].empty()) << "no cases in " << Dir();
}

}  // namespace
}  // namespace tfmodel

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  const nlohmann::json cases = tfmodel::ReadJson(tfmodel::Dir() + "/cases.json");
  if (cases.is_object()) {
    for (const auto& c : cases["cases"]) {
      const std::string name = c.get<std::string>();
      testing::RegisterTest(
          "TrainGraphs", name.c_str(), nullptr, nullptr, __FILE__, __LINE__,
          [name]() -> testing::Test* { return new tfmodel::TrainGraphTest(name); });
    }
  }
  return RUN_ALL_TESTS();
}
