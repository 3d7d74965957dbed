// Bad models and bad feeds: each is a clear error naming the file, node or tensor, never a crash
// (this binary also runs under ASan+UBSan). The CLI side of the same cases is in cli_test.cc.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "src/graph/graph.h"
#include "src/base/test_util.h"
#include "tfmodel/model.h"

namespace tfmodel {
namespace {

const std::string kCorpus = TFMODEL_CORPUS_DIR;
// x: float [?,5] -> Identity:0 [?,1] (two dense layers).
const std::string kFrozen = kCorpus + "/cppflow/examples/load_frozen_graph/model.pb";

std::string Write(const std::string& name, const std::string& bytes) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

using test::Mentions;

constexpr const char* kPlaceholder = R"(
node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } }
       attr { key: "shape" value { shape { dim { size: -1 } } } } }
)";

TEST(BadInput, UnknownOpNamesNodeOpAndFile) {
  const std::string path = Write("unknown_op.pbtxt", std::string(kPlaceholder) + R"(
node { name: "y" op: "NoSuchOp" input: "x" attr { key: "T" value { type: DT_FLOAT } } })");
  auto m = Model::Load(path);
  EXPECT_TRUE(Mentions(m.status(), {path, "'y'", "'NoSuchOp'"}));
  EXPECT_EQ(m.status().code(), StatusCode::kUnimplemented);
}

TEST(BadInput, FeedOfTheWrongDtype) {
  auto m = Model::Load(kFrozen);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  std::vector<int32_t> ints(5, 1);
  auto out = (*m)->Run({{"x:0", Tensor::FromVector<int32_t>(ints, Shape({1, 5}))}}, {"Identity:0"});
  EXPECT_TRUE(Mentions(out.status(), {"'x:0'", "int32", "float32"}));
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
}

TEST(BadInput, FeedOfTheWrongShape) {
  auto m = Model::Load(kFrozen);
  ASSERT_TRUE(m.ok());
  std::vector<float> v(6, 1.0f);
  auto out = (*m)->Run({{"x:0", Tensor::FromVector<float>(v, Shape({2, 3}))}}, {"Identity:0"});
  EXPECT_TRUE(Mentions(out.status(), {"'x:0'", "[2,3]", "(-1, 5)"}));
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  auto rank = (*m)->Run({{"x:0", Tensor::FromVector<float>(v, Shape({6}))}}, {"Identity:0"});
  EXPECT_TRUE(Mentions(rank.status(), {"'x:0'", "(-1, 5)"}));
}

TEST(BadInput, MissingFeedNamesThePlaceholder) {
  auto m = Model::Load(kFrozen);
  ASSERT_TRUE(m.ok());
  auto out = (*m)->Run({}, {"Identity:0"});
  EXPECT_TRUE(Mentions(out.status(), {"placeholder tensor 'x'"}));
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  // A signature input left out: the same error, with the signature's context. (Its other
  // input "y" is redundant: z = x + 1 runs without it, as in TensorFlow.)
  auto sm =
      Model::Load(kCorpus + "/tensorflow-onnx/tests/models/saved_model_with_redundant_inputs");
  ASSERT_TRUE(sm.ok()) << sm.status().ToString();
  std::vector<float> ten(10, 1.0f);
  Tensor t = Tensor::FromVector<float>(ten, Shape({1, 10}));
  EXPECT_TRUE((*sm)->RunSignature("serving_default", {{"x", t}}).ok());
  auto sig = (*sm)->RunSignature("serving_default", {{"y", t}});
  EXPECT_TRUE(Mentions(sig.status(), {"placeholder tensor 'Placeholder'", "'serving_default'"}));
}

TEST(BadInput, UnknownTensorsAndNodes) {
  auto m = Model::Load(kFrozen);
  ASSERT_TRUE(m.ok());
  std::vector<float> v(5, 1.0f);
  Tensor x = Tensor::FromVector<float>(v, Shape({1, 5}));
  EXPECT_TRUE(Mentions((*m)->Run({{"x:0", x}}, {"nope:0"}).status(), {"'nope'"}));
  EXPECT_TRUE(Mentions((*m)->Run({{"x:0", x}}, {"Identity:3"}).status(), {"'Identity:3'"}));
  EXPECT_TRUE(Mentions((*m)->Run({{"zz:0", x}}, {"Identity:0"}).status(), {"'zz'"}));
  EXPECT_TRUE(
      Mentions((*m)->Run({{"x:0", x}}, {"Identity:0"}, {"no_target"}).status(), {"'no_target'"}));
  EXPECT_TRUE(Mentions((*m)->Run({{"x:0", x}}, {"Identity:x"}).status(), {"Identity:x"}));
}

TEST(BadInput, CycleNamesANodeOnIt) {
  const std::string path = Write("cycle.pbtxt", std::string(kPlaceholder) + R"(
node { name: "a" op: "AddV2" input: "x" input: "b" attr { key: "T" value { type: DT_FLOAT } } }
node { name: "b" op: "Identity" input: "a" attr { key: "T" value { type: DT_FLOAT } } })");
  auto m = Model::Load(path);
  EXPECT_TRUE(Mentions(m.status(), {path, "cycle"}));
  EXPECT_TRUE(m.status().message().find("'a'") != std::string::npos ||
              m.status().message().find("'b'") != std::string::npos)
      << m.status().ToString();
}

TEST(BadInput, DanglingInputNamesNodeAndInput) {
  const std::string path = Write("dangling.pbtxt", std::string(kPlaceholder) + R"(
node { name: "y" op: "Identity" input: "ghost:1" attr { key: "T" value { type: DT_FLOAT } } })");
  EXPECT_TRUE(Mentions(Model::Load(path).status(), {path, "'y'", "'ghost:1'"}));
}

TEST(BadInput, TruncatedAndGarbageFilesNameTheFile) {
  const std::string bytes = ReadAll(kFrozen);
  ASSERT_GT(bytes.size(), 1000u);
  for (size_t cut : {size_t{1}, size_t{7}, bytes.size() / 3, bytes.size() / 2, bytes.size() - 1}) {
    const std::string path = Write("truncated.pb", bytes.substr(0, cut));
    auto m = Model::Load(path);
    EXPECT_TRUE(Mentions(m.status(), {path})) << "cut at " << cut;
  }
  EXPECT_TRUE(
      Mentions(Model::Load(Write("garbage.pbtxt", "node { name: ")).status(), {"garbage.pbtxt"}));
  // A SavedModel whose saved_model.pb is cut short.
  const std::string dir = ::testing::TempDir() + "truncated_saved_model";
  std::filesystem::create_directories(dir);
  const std::string sm = ReadAll(kCorpus +
                                 "/tensorflow-serving/batching/testdata/matrix_half_plus_two/1/"
                                 "saved_model.pb");
  std::ofstream(dir + "/saved_model.pb", std::ios::binary) << sm.substr(0, sm.size() / 2);
  EXPECT_TRUE(Mentions(Model::Load(dir).status(), {dir + "/saved_model.pb"}));
  // A truncated .meta.
  const std::string meta = ReadAll(kCorpus + "/tensorflow-net/graph/xor.meta");
  const std::string meta_path = Write("truncated.meta", meta.substr(0, meta.size() / 2));
  EXPECT_TRUE(Mentions(Model::Load(meta_path).status(), {meta_path}));
}

TEST(BadInput, SignatureKeyThatDoesNotExist) {
  auto m = Model::Load(kCorpus + "/tensorflow-rust/test_resources/regression-model",
                       {.tags = {"serve", "train"}});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto out = (*m)->RunSignature("serving_default", {});
  EXPECT_TRUE(Mentions(out.status(), {"'serving_default'", "tensorflow/serving/regress"}));
  EXPECT_EQ(out.status().code(), StatusCode::kNotFound);
  auto key = (*m)->RunSignature("tensorflow/serving/regress", {{"nope", Tensor::Scalar(1.0f)}});
  EXPECT_TRUE(Mentions(key.status(), {"no input 'nope'", "x, y"}));
  auto output = (*m)->RunSignature("tensorflow/serving/regress", {}, {"nope"});
  EXPECT_TRUE(Mentions(output.status(), {"no output 'nope'"}));
}

TEST(BadInput, TagSetThatDoesNotExist) {
  const std::string dir = kCorpus + "/tensorflow-rust/test_resources/regression-model";
  auto m = Model::Load(dir);  // default {serve}; the model has {train, serve}
  EXPECT_TRUE(Mentions(m.status(), {dir, "{serve}", "available tag sets: {train,serve}"}));
  EXPECT_EQ(m.status().code(), StatusCode::kNotFound);
}

TEST(BadInput, MetaWhoseCheckpointIsMissing) {
  // The regression .meta copied away from its checkpoint.
  const std::string dir = ::testing::TempDir() + "meta_without_checkpoint";
  std::filesystem::create_directories(dir);
  const std::string meta = dir + "/model.meta";
  std::ofstream(meta, std::ios::binary)
      << ReadAll(kCorpus + "/tensorflow-onnx/tests/models/regression/checkpoint/model.meta");
  auto m = Model::Load(meta);
  EXPECT_TRUE(Mentions(m.status(), {"no checkpoint for " + meta}));
  EXPECT_EQ(m.status().code(), StatusCode::kNotFound);
  // A given checkpoint prefix that does not exist is named.
  auto given = Model::Load(meta, {.checkpoint = dir + "/nope.ckpt"});
  EXPECT_TRUE(Mentions(given.status(), {dir + "/nope.ckpt"}));
  // A `checkpoint` file pointing at a prefix that is gone.
  std::ofstream(dir + "/checkpoint") << "model_checkpoint_path: \"model.ckpt-9\"\n";
  auto stale = Model::Load(meta);
  EXPECT_TRUE(Mentions(stale.status(), {"model.ckpt-9"}));
}

TEST(BadInput, InputMapKeyMissingFromTheGraphDef) {
  // tf.import_graph_def(input_map={"nope:0": t}) raises; so does Graph::Import.
  auto def = ParseGraphDef(kPlaceholder, "placeholder.pbtxt");
  ASSERT_TRUE(def.ok()) << def.status().ToString();
  GraphIR g;
  ASSERT_TRUE(g.Import(*def, {.prefix = "outer"}).ok());
  Status s = g.Import(*def, {.prefix = "inner", .input_map = {{"nope:0", "outer/x:0"}}});
  EXPECT_TRUE(Mentions(s, {"input_map key 'nope:0' was not found in the GraphDef"}));
  Status target = g.Import(*def, {.prefix = "inner2", .input_map = {{"x:0", "outer/zz:0"}}});
  EXPECT_TRUE(Mentions(target, {"'outer/zz'"}));
  // A key whose node is present is accepted even when nothing consumes it (TensorFlow 2.21
  // accepts {"x": t} and {"y:0": t} for x -> y = Identity(x)).
  EXPECT_TRUE(g.Import(*def, {.prefix = "inner3", .input_map = {{"x", "outer/x:0"}}}).ok());
  auto chain = ParseGraphDef(std::string(kPlaceholder) + R"(
node { name: "y" op: "Identity" input: "x" attr { key: "T" value { type: DT_FLOAT } } })",
                             "chain.pbtxt");
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  ASSERT_TRUE(g.Import(*chain, {.prefix = "c1", .input_map = {{"x:0", "outer/x:0"}}}).ok());
  EXPECT_EQ(g.node(g.node(g.Find("c1/y")).inputs[0].node).name, "outer/x");
  EXPECT_TRUE(g.Import(*chain, {.prefix = "c2", .input_map = {{"y:0", "outer/x:0"}}}).ok());
}

}  // namespace
}  // namespace tfmodel
