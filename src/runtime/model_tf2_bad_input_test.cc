// Broken TF2 SavedModels: copies of the corpus's half_plus_two_tf2_cpu with a call to a missing
// function, an op without a kernel inside a function, a variable missing from the checkpoint;
// and signature inputs of the wrong dtype. Each is a clear error naming what is wrong, at load
// where it can be, never a crash (this binary also runs under ASan+UBSan).
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>

#include "src/base/test_util.h"
#include "src/formats/graph_io.h"
#include "tfmodel/checkpoint.h"
#include "tfmodel/model.h"

namespace tfmodel {
namespace {

namespace fs = std::filesystem;

const fs::path kModel = fs::path(TFMODEL_CORPUS_DIR) /
                        "tensorflow-serving/servables/tensorflow/testdata/"
                        "saved_model_half_plus_two_tf2_cpu/00000123";

::testing::AssertionResult Mentions(const Status& s, std::initializer_list<std::string> parts) {
  if (s.ok()) return ::testing::AssertionFailure() << "expected an error, got OK";
  for (const std::string& p : parts) {
    if (s.message().find(p) == std::string::npos) {
      return ::testing::AssertionFailure() << "\"" << p << "\" not in: " << s.ToString();
    }
  }
  return ::testing::AssertionSuccess();
}

// A copy of the model whose MetaGraph `edit` changed.
std::string EditedCopy(const std::string& tag, const std::function<void(MetaGraphData&)>& edit) {
  const std::string dir = test::MakeTempDir(tag);
  fs::copy(kModel, dir, fs::copy_options::recursive);
  auto sm = ReadSavedModel(dir);
  EXPECT_TRUE(sm.ok()) << sm.status().ToString();
  edit(sm->meta_graphs[0]);
  EXPECT_TRUE(WriteSavedModel(dir, sm->meta_graphs).ok());
  return dir;
}

NodeDefData* FindNode(std::vector<NodeDefData>& nodes, const std::string& name) {
  for (NodeDefData& n : nodes) {
    if (n.name == name) return &n;
  }
  ADD_FAILURE() << "no node " << name;
  static NodeDefData none;
  return &none;
}

FunctionDefData* FindFunction(MetaGraphData& mg, const std::string& prefix) {
  for (FunctionDefData& f : mg.graph.functions) {
    if (f.name.rfind(prefix, 0) == 0) return &f;
  }
  ADD_FAILURE() << "no function " << prefix << "*";
  static FunctionDefData none;
  return &none;
}

TEST(Tf2BadInput, TheUntouchedCopyLoads) {
  const std::string dir = EditedCopy("tf2_ok", [](MetaGraphData&) {});
  auto m = Model::Load(dir);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto y = (*m)->RunSignature("serving_default",
                              {{"x", Tensor::FromVector<float>(std::vector<float>{4}, Shape{1})}});
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  EXPECT_EQ(y->at("y").flat<float>()[0], 4.0f);
}

TEST(Tf2BadInput, ACallToAMissingFunctionFailsTheLoad) {
  const std::string dir = EditedCopy("tf2_missing_fn", [](MetaGraphData& mg) {
    // serving_default's wrapper calls the traced function: point that call elsewhere.
    FunctionDefData* wrapper = FindFunction(mg, "__inference_signature_wrapper_predict");
    FindNode(wrapper->nodes, "StatefulPartitionedCall")->attrs.at("f").func.name =
        "__inference_gone_1";
  });
  auto m = Model::Load(dir);
  EXPECT_TRUE(Mentions(m.status(),
                       {dir, "'StatefulPartitionedCall_5'", "__inference_signature_wrapper_predict",
                        "function '__inference_gone_1' is not in the graph's function library"}));
  EXPECT_EQ(m.status().code(), StatusCode::kNotFound);
}

TEST(Tf2BadInput, AnOpWithoutAKernelInAFunctionFailsTheLoad) {
  const std::string dir = EditedCopy("tf2_missing_op", [](MetaGraphData& mg) {
    FindNode(FindFunction(mg, "__inference_predict")->nodes, "Mul")->op = "MulButDifferent";
  });
  auto m = Model::Load(dir);
  EXPECT_TRUE(Mentions(
      m.status(), {dir, "function '__inference_predict", "node 'Mul'", "op 'MulButDifferent'"}));
  EXPECT_EQ(m.status().code(), StatusCode::kUnimplemented);
}

TEST(Tf2BadInput, AVariableMissingFromTheCheckpointFailsTheLoad) {
  const std::string dir = EditedCopy("tf2_missing_var", [](MetaGraphData&) {});
  const std::string prefix = dir + "/variables/variables";
  {  // The same checkpoint without b.
    auto reader = CheckpointReader::Open(prefix);
    ASSERT_TRUE(reader.ok());
    std::vector<std::pair<std::string, Tensor>> keep;
    for (const char* key : {"_CHECKPOINTABLE_OBJECT_GRAPH", "a/.ATTRIBUTES/VARIABLE_VALUE",
                            "c/.ATTRIBUTES/VARIABLE_VALUE"}) {
      keep.emplace_back(key, (*reader)->Read(key).value());
    }
    reader->reset();
    auto writer = CheckpointWriter::Create(prefix);
    ASSERT_TRUE(writer.ok());
    for (const auto& [k, v] : keep) ASSERT_TRUE((*writer)->Add(k, v).ok());
    ASSERT_TRUE((*writer)->Finish().ok());
  }
  auto m = Model::Load(dir);
  EXPECT_TRUE(Mentions(m.status(), {"restoring variables", "b/.ATTRIBUTES/VARIABLE_VALUE"}));
}

TEST(Tf2BadInput, SignatureInputsOfTheWrongDtypeOrName) {
  auto m = Model::Load(kModel.string());
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto bad = (*m)->RunSignature(
      "serving_default", {{"x", Tensor::FromVector<int32_t>(std::vector<int32_t>{2}, Shape{1})}});
  EXPECT_TRUE(Mentions(bad.status(), {"input 'x'", "'serving_default'", "float32", "int32"}));
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  auto unknown =
      (*m)->RunSignature("serving_default", {{"serving_default_x", Tensor::Scalar(1.0f)}});
  EXPECT_TRUE(Mentions(unknown.status(), {"no input 'serving_default_x'", "(inputs: x)"}));
  // A string signature fed floats.
  auto str = (*m)->RunSignature(
      "regress_x_to_y", {{"inputs", Tensor::FromVector<float>(std::vector<float>{1}, Shape{1})}});
  EXPECT_TRUE(Mentions(str.status(), {"input 'inputs'", "string", "float32"}));
  // A malformed tf.Example reaches ParseExampleV2 inside a function: an error naming it.
  auto garbage =
      (*m)->RunSignature("regress_x_to_y", {{"inputs", Tensor::Strings({"\xff\xfe not a proto"})}});
  EXPECT_TRUE(Mentions(garbage.status(), {"function '__inference_regress_xy", "ParseExample"}));
}

}  // namespace
}  // namespace tfmodel
