// SavedModelBuilder: assets copied and fed their path at load, classify/regress/predict method
// names, several tag sets, versioned directories, and exports that fail leaving nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tfmodel/model.h"
#include "tfmodel/train.h"

namespace tfmodel {
namespace {

using enum DataType;
namespace fs = std::filesystem;

std::string Fresh(const std::string& name) {
  std::string dir = ::testing::TempDir() + "builder_test_" + name;
  fs::remove_all(dir);
  return dir;
}

TEST(SavedModelBuilder, AssetsMethodNamesAndTagSets) {
  const std::string base = Fresh("assets");
  fs::create_directories(base);
  const std::string vocab = base + "/vocab.txt";
  std::ofstream(vocab) << "a\nb\n";
  Graph g;
  Output x = Placeholder(g, kFloat, {-1}, "x");
  Variable w = GetVariable(g, "w", {}, ConstantInitializer(0.5));
  Output y = Add(Mul(x, w), ScalarLike(x, 2.0), "y");
  // As in TF, the asset tensor is fed its path only while restoring and running the main op
  // (which usually reads the file, e.g. a table initialiser); here it stores the path.
  Output asset = Const(g, Tensor::Strings({"vocab.txt"}).Reshaped(Shape{}).value(), "asset_path");
  Variable seen = NewVariable(Const(g, Tensor::Strings({""}).Reshaped(Shape{}).value()), "seen_path");
  Operation main_op = Group(g, {Assign(seen, asset)}, "main_op");
  Output asset_out = Identity(seen, "asset_out");
  Session s(g);
  ASSERT_TRUE(s.Run(GlobalVariablesInitializer(g)).ok());
  SavedModelBuilder builder(base + "/export/7");
  SavedModelBuilder::MetaGraphOptions serve{
      .signature_def_map = {{"serving_default", {.inputs = {{"x", x}}, .outputs = {{"y", y}}}},
                            {"regress", {.inputs = {{"inputs", x}}, .outputs = {{"outputs", y}},
                                         .method_name = kRegressMethodName}},
                            {"classify", {.inputs = {{"inputs", x}}, .outputs = {{"scores", y}},
                                          .method_name = kClassifyMethodName}},
                            {"asset", {.inputs = {}, .outputs = {{"path", asset_out}}}}},
      .assets = {vocab},
      .asset_tensors = {{"vocab.txt", asset}},
      .main_op = main_op};
  ASSERT_TRUE(builder.AddMetaGraphAndVariables(s, {kServingTag}, serve).ok());
  ASSERT_TRUE(builder.AddMetaGraph({"train", kServingTag}, {.signature_def_map = {}}).ok());
  auto dir = builder.Save();
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  EXPECT_TRUE(fs::exists(*dir + "/assets/vocab.txt"));
  EXPECT_TRUE(fs::exists(*dir + "/variables/variables.index"));

  // The highest version of the base directory, the asset fed with its path in the export.
  auto m = Model::Load(base + "/export");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ((*m)->signatures().at("regress").method_name, kRegressMethodName);
  EXPECT_EQ((*m)->signatures().at("classify").method_name, kClassifyMethodName);
  EXPECT_EQ((*m)->signatures().at("serving_default").method_name, kPredictMethodName);
  auto out = (*m)->RunSignature("serving_default", {{"x", Tensor::FromVector<float>(std::vector<float>{2, 4}, Shape{2})}});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->at("y").flat<float>()[0], 3.0f);  // 0.5 * 2 + 2
  EXPECT_EQ(out->at("y").flat<float>()[1], 4.0f);
  auto path = (*m)->RunSignature("asset", {});
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  EXPECT_EQ(path->at("path").flat<std::string>()[0], *dir + "/assets/vocab.txt");
  EXPECT_EQ((*m)->available_tag_sets().size(), 2u);
  auto train = Model::Load(*dir, {.tags = {kServingTag, "train"}});
  EXPECT_TRUE(train.ok()) << train.status().ToString();
}

TEST(SavedModelBuilder, FailedExportsLeaveNothing) {
  const std::string base = Fresh("failed");
  Graph g;
  Output x = Placeholder(g, kFloat, {-1}, "x");
  Variable w = GetVariable(g, "w", {}, ConstantInitializer(1.0));
  Output y = Mul(x, w, "y");
  Session s(g);
  {
    // The variable was never initialised: saving it fails, and no directory appears.
    SavedModelBuilder builder(base + "/1");
    Status st = builder.AddMetaGraphAndVariables(s, {kServingTag},
                                                 {.signature_def_map = {{"serving_default", {.inputs = {{"x", x}}, .outputs = {{"y", y}}}}}});
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("w"), std::string::npos) << st.ToString();
  }
  EXPECT_FALSE(fs::exists(base + "/1"));
  ASSERT_TRUE(fs::exists(base));
  for (const auto& e : fs::directory_iterator(base)) ADD_FAILURE() << "left behind: " << e.path();
  // An asset without a tensor to feed is refused.
  ASSERT_TRUE(s.Run(GlobalVariablesInitializer(g)).ok());
  SavedModelBuilder builder(base + "/2");
  Status st = builder.AddMetaGraphAndVariables(s, {kServingTag}, {.assets = {"/nonexistent/vocab.txt"}});
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("vocab.txt"), std::string::npos) << st.ToString();
}

}  // namespace
}  // namespace tfmodel
