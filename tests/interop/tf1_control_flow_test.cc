// Graphs with TF1 control flow that TensorFlow 2.21 wrote with control flow v2 disabled
// (tf1_control_flow_models.py: tf.cond, tf.case, tf.while_loop with accumulators, nested, cond in
// while, while in cond, ref variables in loops and conds, dynamic_rnn), run with tfmodel::Model
// against TensorFlow's outputs (1e-5 relative).
//
// The cases are found under $TFMODEL_INTEROP_TF1_CONTROL_FLOW_DIR (ctest sets it; the
// interop_tf1_control_flow_write test fills it). A missing variable, directory or case is a
// failure.
#include <set>

#include "model_case.h"

namespace tfmodel::interop {
namespace {

namespace fs = std::filesystem;

constexpr const char* kEnvVar = "TFMODEL_INTEROP_TF1_CONTROL_FLOW_DIR";

fs::path Root() {
  const char* v = std::getenv(kEnvVar);
  return v ? fs::path(v) : fs::path();
}

TEST(Tf1ControlFlow, CasesArePresent) {
  ASSERT_FALSE(Root().empty()) << kEnvVar
                               << " is not set: it must name the directory "
                                  "tf1_control_flow_models.py filled (ctest -L interop sets it)";
  std::vector<std::string> names = CaseDirNames(kEnvVar);
  std::set<std::string> have(names.begin(), names.end());
  for (const char* want :
       {"cond_frozen", "case_frozen", "while_frozen", "vars_ckpt_meta", "rnn_frozen"}) {
    EXPECT_TRUE(have.count(want)) << "case " << want << " missing under " << Root();
  }
}

class Tf1ControlFlowCase : public testing::TestWithParam<std::string> {};

TEST_P(Tf1ControlFlowCase, MatchesTensorFlow) { RunModelCase(Root() / GetParam()); }

INSTANTIATE_TEST_SUITE_P(Tf1ControlFlow, Tf1ControlFlowCase,
                         testing::ValuesIn(CaseDirNames(kEnvVar)),
                         [](const testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Tf1ControlFlowCase);

}  // namespace
}  // namespace tfmodel::interop
