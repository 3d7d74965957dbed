// FreezeSignature on small MetaGraphs (variables become Consts, calls inlined, the values kept)
// and its errors; FreezeSavedModel on the corpus's TF2 SavedModels, run as frozen graphs for the
// values MANIFEST.md states, and its errors on bad input.
#include <tfmodel/freeze.h>
#include <tfmodel/model.h>

#include <filesystem>

#include "src/graph/freeze_signature.h"
#include "src/graph/freeze_test_graphs.h"

namespace tfmodel {
namespace {

using namespace freeze_test;  // NOLINT
namespace fs = std::filesystem;

const std::string kCorpus = TFMODEL_CORPUS_DIR;
const std::string kHalfPlusTwo = kCorpus +
    "/tensorflow-serving/servables/tensorflow/testdata/saved_model_half_plus_two_tf2_cpu/00000123";

// serving_default(x) = x * v through a call capturing the variable v (float [2]); `body` adds
// nodes to the function (which reads the variable as "read:value:0").
MetaGraphData ScaleByVariable(std::vector<NodeDefData> extra = {}) {
  MetaGraphData m;
  m.has_object_graph = true;
  m.graph.nodes = {Input("x"), Variable("v", {2}),
                   Call("call", "scale", {"x", "v"}, {DataType::kFloat, DataType::kResource},
                        {DataType::kFloat})};
  std::vector<NodeDefData> nodes = {
      N("read", "ReadVariableOp", {"h"}, {{"dtype", TypeAttr(DataType::kFloat)}}),
      N("mul", "Mul", {"a", "read:value:0"}, FloatT())};
  nodes.insert(nodes.end(), extra.begin(), extra.end());
  m.graph.functions.push_back(Fn("scale", {Arg("a"), Arg("h", DataType::kResource)}, {Arg("y")},
                                 nodes, {{"y", "mul:z:0"}}));
  SignatureDefData sig;
  sig.inputs["x"] = {.name = "x:0", .dtype = DataType::kFloat, .shape = {}};
  sig.outputs["y"] = {.name = "call:0", .dtype = DataType::kFloat, .shape = {}};
  m.signatures["serving_default"] = sig;
  m.signatures["__saved_model_init_op"] = {};
  return m;
}

VariableValuesFn Values(Tensor t) {
  return [t](const std::vector<const NodeDefData*>& handles) -> Result<std::vector<Tensor>> {
    return std::vector<Tensor>(handles.size(), t);
  };
}

TEST(FreezeSignature, VariablesBecomeConstantsAndTheValuesStay) {
  auto f = FreezeSignature(ScaleByVariable(), "serving_default", "m", Values(Floats({2, -3})));
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->variables, std::vector<std::string>{"v"});
  EXPECT_EQ(f->inlined_calls, 1);
  EXPECT_EQ(f->outputs.at("y"), "call:0");
  for (const char* op : {"VarHandleOp", "ReadVariableOp", "StatefulPartitionedCall"}) {
    EXPECT_EQ(CountOps(f->graph, op), 0) << op;
  }
  EXPECT_TRUE(f->graph.functions.empty());
  auto y = RunGraph(f->graph, Floats({1.5f, 2}), "call:0");
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  EXPECT_EQ(y->flat<float>()[0], 3.0f);
  EXPECT_EQ(y->flat<float>()[1], -6.0f);
}

TEST(FreezeSignature, UnknownSignatureListsTheExistingOnes) {
  auto f = FreezeSignature(ScaleByVariable(), "predict", "model_dir", Values(Floats({1, 1})));
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(f.status().message(),
            "signature 'predict' is not in model_dir (signatures: serving_default)");
}

TEST(FreezeSignature, MissingFunctionNamesTheCall) {
  MetaGraphData m = ScaleByVariable();
  m.graph.functions.clear();
  auto f = FreezeSignature(m, "serving_default", "m", Values(Floats({1, 1})));
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), StatusCode::kNotFound);
  EXPECT_NE(f.status().message().find("call node 'call' calls function 'scale', which is not in "
                                      "the library"),
            std::string::npos)
      << f.status().ToString();
}

TEST(FreezeSignature, VariableWithNoValueIsReported) {
  VariableValuesFn none = [](const std::vector<const NodeDefData*>& h) -> Result<std::vector<Tensor>> {
    return NotFound("variable '" + h[0]->name + "' has no value");
  };
  auto f = FreezeSignature(ScaleByVariable(), "serving_default", "m", none);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(), "m, signature 'serving_default': variable 'v' has no value");
}

TEST(FreezeSignature, ValueOfTheWrongDtypeOrShapeIsRejected) {
  auto dtype = FreezeSignature(ScaleByVariable(), "serving_default", "m",
                               Values(Tensor::Scalar<int32_t>(1)));
  ASSERT_FALSE(dtype.ok());
  EXPECT_NE(dtype.status().message().find("variable 'v' is float32 but its value is int32"),
            std::string::npos)
      << dtype.status().ToString();
  auto shape = FreezeSignature(ScaleByVariable(), "serving_default", "m", Values(Floats({1, 2, 3})));
  ASSERT_FALSE(shape.ok());
  EXPECT_NE(shape.status().message().find("variable 'v' has shape"), std::string::npos)
      << shape.status().ToString();
}

TEST(FreezeSignature, SignatureThatWritesItsVariableIsRejected) {
  MetaGraphData m = ScaleByVariable(
      {N("assign", "AssignVariableOp", {"h", "a"}, {{"dtype", TypeAttr(DataType::kFloat)}})});
  m.graph.functions[0].control_ret["assign"] = "assign";
  auto f = FreezeSignature(m, "serving_default", "m", Values(Floats({1, 1})));
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("'call/assign' (AssignVariableOp) input 0 reads the handle "
                                      "of variable 'v': only reads of a variable can be frozen"),
            std::string::npos)
      << f.status().ToString();
}

// ---- FreezeSavedModel on real files ------------------------------------------------------------

Result<Tensor> RunFrozen(const std::string& pb, const FrozenSavedModel& f, const std::string& in,
                         Tensor x, const std::string& out) {
  TFM_ASSIGN_OR_RETURN(auto m, Model::LoadFrozenGraph(pb, {}));
  TFM_ASSIGN_OR_RETURN(auto y, m->Run({{f.inputs.at(in), std::move(x)}}, {f.outputs.at(out)}));
  return y.at(0);
}

TEST(FreezeSavedModel, HalfPlusTwoTf2) {
  const std::string pb = (fs::path(testing::TempDir()) / "half_plus_two_tf2.pb").string();
  auto f = FreezeSavedModel(kHalfPlusTwo, pb);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->variables.size(), 2u);  // a and b (c belongs to other signatures)
  auto y = RunFrozen(pb, *f, "x", Floats({2.0f}), "y");
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  EXPECT_EQ(y->flat<float>()[0], 3.0f);  // 0.5 * 2 + 2 (MANIFEST.md 1b)
}

TEST(FreezeSavedModel, CppflowKerasModel) {
  const std::string pb = (fs::path(testing::TempDir()) / "cppflow_load_model.pb").string();
  auto f = FreezeSavedModel(kCorpus + "/cppflow/examples/load_model/model", pb);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  std::vector<float> ones(50, 1.0f);
  auto y = RunFrozen(pb, *f, "input_1", Tensor::FromVector<float>(ones, Shape{10, 5}), "dense_1");
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  ASSERT_EQ(y->shape(), (Shape{10, 1}));
  for (float v : y->flat<float>()) EXPECT_NEAR(v, 0.9522027f, 1e-6);  // MANIFEST.md 3
}

TEST(FreezeSavedModel, BadInput) {
  auto sig = FreezeSavedModel(kHalfPlusTwo, "", {.signature_key = "nope"});
  ASSERT_FALSE(sig.ok());
  EXPECT_NE(sig.status().message().find("signature 'nope' is not in"), std::string::npos);
  EXPECT_NE(sig.status().message().find("classify_x_to_y, regress_x2_to_y3"), std::string::npos)
      << sig.status().ToString();
  auto tags = FreezeSavedModel(kHalfPlusTwo, "", {.tags = {"train"}});
  ASSERT_FALSE(tags.ok());
  EXPECT_NE(tags.status().message().find("available tag sets: {serve}"), std::string::npos)
      << tags.status().ToString();
  auto tf1 = FreezeSavedModel(kCorpus + "/tensorflow-serving/servables/tensorflow/testdata/"
                                        "saved_model_half_plus_two_cpu/00000123", "");
  ASSERT_FALSE(tf1.ok());
  EXPECT_EQ(tf1.status().code(), StatusCode::kFailedPrecondition) << tf1.status().ToString();
  EXPECT_NE(tf1.status().message().find("TF1 SavedModel"), std::string::npos);

  // The same model without its variables: the variables have no value.
  const fs::path copy = fs::path(testing::TempDir()) / "half_plus_two_no_variables";
  fs::remove_all(copy);
  fs::create_directories(copy);
  fs::copy_file(fs::path(kHalfPlusTwo) / "saved_model.pb", copy / "saved_model.pb");
  auto none = FreezeSavedModel(copy.string(), "");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound) << none.status().ToString();
  EXPECT_NE(none.status().message().find("has no value"), std::string::npos) << none.status().ToString();
  EXPECT_NE(none.status().message().find("variables/variables.index does not exist"),
            std::string::npos) << none.status().ToString();
}

}  // namespace
}  // namespace tfmodel
