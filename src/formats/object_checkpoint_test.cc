// Object-based checkpoints: every TF2 checkpoint of ../shared/corpus/real reads by object path
// (values its MANIFEST.md states), the builders and the writer round-trip, and corrupt object
// graphs or missing keys are errors that name them.
#include <gtest/gtest.h>

#include <filesystem>

#include "src/base/file.h"
#include "src/base/test_util.h"
#include "tfmodel/object_checkpoint.h"

namespace tfmodel {
namespace {

namespace fs = std::filesystem;

const std::string kCorpus = TFMODEL_CORPUS_DIR;
const std::string kServing = kCorpus + "/tensorflow-serving/servables/tensorflow/testdata";

std::unique_ptr<ObjectCheckpoint> OpenOrFail(const std::string& path) {
  auto c = ObjectCheckpoint::Open(path);
  EXPECT_TRUE(c.ok()) << path << ": " << c.status().ToString();
  return c.ok() ? std::move(c).value() : nullptr;
}

template <typename T>
std::vector<T> Values(const ObjectCheckpoint& c, const std::string& path) {
  auto t = c.Read(path);
  EXPECT_TRUE(t.ok()) << path << ": " << t.status().ToString();
  if (!t.ok() || t->dtype() != CppToDataType<T>()) return {};
  auto v = t->flat<T>();
  return std::vector<T>(v.begin(), v.end());
}

// ---- names --------------------------------------------------------------------------------

TEST(ObjectNames, EscapingAndKeysAsTensorFlowBuildsThem) {
  EXPECT_EQ(EscapeLocalName("a.b/c"), "a..b.Sc");
  EXPECT_EQ(EscapeLocalName("layer_with_weights-0"), "layer_with_weights-0");
  EXPECT_EQ(ObjectAttributeKey("layer_with_weights-0/kernel"),
            "layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE");
  EXPECT_EQ(ObjectAttributeKey("model/w", "a.b"), "model/w/.ATTRIBUTES/a..b");
  EXPECT_EQ(ObjectAttributeKey(SlotVariablePath("model/w", "optimizer", "m")),
            "model/w/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE");
}

// ---- the corpus -----------------------------------------------------------------------------

// Every object-based bundle of the corpus opens; each tensor's key is what TensorFlow derives
// from the object path we compute (so the breadth-first naming matches), and reads.
TEST(ObjectCorpus, EveryObjectBasedCheckpointReadsByObjectPath) {
  int object_based = 0;
  for (const auto& e : fs::recursive_directory_iterator(kCorpus)) {
    if (!e.is_regular_file() || e.path().extension() != ".index") continue;
    const std::string index = e.path().string();
    SCOPED_TRACE(index);
    auto reader = CheckpointReader::Open(index);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    if (!IsObjectBasedCheckpoint(**reader)) {
      auto c = ObjectCheckpoint::Open(index);
      EXPECT_EQ(c.status().code(), StatusCode::kFailedPrecondition);
      EXPECT_NE(c.status().message().find("name-based"), std::string::npos);
      continue;
    }
    ++object_based;
    auto c = OpenOrFail(index);
    ASSERT_TRUE(c);
    // Every bundle key but the graph's own is some object's attribute.
    EXPECT_EQ(c->tensors().size() + 1, c->reader().tensors().size());
    for (const ObjectTensor& t : c->tensors()) {
      EXPECT_EQ(ObjectAttributeKey(t.object_path, t.attribute), t.checkpoint_key);
      const ObjectTensor* found = c->Find(t.object_path);
      ASSERT_NE(found, nullptr) << t.object_path;
      EXPECT_EQ(found->checkpoint_key, t.checkpoint_key);
      EXPECT_EQ(c->Find(t.checkpoint_key), &t);
      auto v = c->Read(t.object_path);
      ASSERT_TRUE(v.ok()) << t.object_path << ": " << v.status().ToString();
      EXPECT_EQ(v->dtype(), t.dtype);
      EXPECT_EQ(v->shape(), t.shape);
    }
  }
  // 13 of the corpus's 29 bundles hold _CHECKPOINTABLE_OBJECT_GRAPH as TF 2.21's
  // tf.train.list_variables lists them (tf_text_regression's holds only the object graph).
  EXPECT_EQ(object_based, 13);
}

TEST(ObjectCorpus, HalfPlusTwoTf2VariablesByPath) {
  auto c = OpenOrFail(kServing + "/saved_model_half_plus_two_tf2_cpu/00000123");
  ASSERT_TRUE(c);
  EXPECT_EQ(Values<float>(*c, "a"), std::vector<float>{0.5f});
  EXPECT_EQ(Values<float>(*c, "b"), std::vector<float>{2.0f});
  EXPECT_EQ(Values<float>(*c, "c"), std::vector<float>{3.0f});
  ASSERT_EQ(c->tensors().size(), 3u);
  EXPECT_EQ(c->tensors()[0].full_name, "a");
  EXPECT_EQ(c->graph().nodes().size(), 24u);
}

// TensorFlow.NET ships the expected weights as .npy next to the model.
TEST(ObjectCorpus, SimpleModelFromAutoCompileMatchesItsNpyFiles) {
  const std::string dir = kCorpus + "/tensorflow-net/Assets/simple_model_from_auto_compile";
  auto c = OpenOrFail(dir);
  ASSERT_TRUE(c);
  auto kernel1 = ReadNpy(dir + "/kernel1.npy");
  auto bias0 = ReadNpy(dir + "/bias0.npy");
  ASSERT_TRUE(kernel1.ok() && bias0.ok());
  auto k = c->Read("layer_with_weights-1/kernel");
  auto b = c->Read("layer_with_weights-0/bias");
  ASSERT_TRUE(k.ok() && b.ok());
  EXPECT_TRUE(k->Equals(*kernel1));
  EXPECT_TRUE(b->Equals(*bias0));
  EXPECT_EQ(c->Find("layer_with_weights-1/kernel")->full_name, "dense_1/kernel");
}

TEST(ObjectCorpus, StatedScalarsOfOtherModels) {
  auto java = OpenOrFail(kCorpus + "/tensorflow-java/saved_model_using_python/model");
  ASSERT_TRUE(java);
  EXPECT_EQ(Values<float>(*java, "variable"), std::vector<float>{2.0f});
  auto rust = OpenOrFail(kCorpus + "/tensorflow-rust/examples/regression_savedmodel");
  ASSERT_TRUE(rust);
  const std::vector<float> w = Values<float>(*rust, "w");  // MANIFEST: w=[0.2042975]
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NEAR(w[0], 0.2042975f, 1e-7);
  EXPECT_EQ(Values<float>(*rust, "b"), std::vector<float>{0.0f});
  EXPECT_EQ(Values<float>(*rust, "optimizer/learning_rate"), std::vector<float>{0.5f});
  auto lstm = OpenOrFail(kCorpus + "/tensorflow-net/Assets/lstm_from_sequential");
  ASSERT_TRUE(lstm);
  EXPECT_EQ(Values<int64_t>(*lstm, "optimizer/_iterations"), std::vector<int64_t>{10});
}

// Keras 2 (TF 2.3) with Adam: slot variables are listed under the optimizer node and named
// "<variable>/.OPTIMIZER_SLOT/optimizer/<slot>".
TEST(ObjectCorpus, AdamSlotVariablesOfAKeras2Model) {
  auto c = OpenOrFail(kCorpus + "/tensorflow-rust/examples/keras_single_input_saved_model");
  ASSERT_TRUE(c);
  const ObjectTensor* m = c->Find("layer_with_weights-0/kernel/.OPTIMIZER_SLOT/optimizer/m");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->slot_name, "m");
  EXPECT_EQ(m->checkpoint_key,
            "layer_with_weights-0/kernel/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE");
  const std::vector<std::string> paths = c->graph().NodePaths();
  EXPECT_EQ(paths[m->original_variable_node_id], "layer_with_weights-0/kernel");
  EXPECT_EQ(paths[m->optimizer_node_id], "optimizer");
  const ObjectTensor* kernel = c->Find("layer_with_weights-0/kernel");
  ASSERT_NE(kernel, nullptr);
  EXPECT_EQ(m->shape, kernel->shape);
  int slots = 0;
  for (const ObjectTensor& t : c->tensors()) slots += !t.slot_name.empty();
  EXPECT_EQ(slots, 12);  // m and v of 3 kernels and 3 biases
}

// ---- building and writing ---------------------------------------------------------------------

Tensor Floats(std::vector<float> v, Shape s) { return Tensor::FromVector<float>(v, s); }

TEST(ObjectWriter, BuildsSavesAndReadsBack) {
  ObjectGraph g;
  auto kw = g.AddVariable("model/dense/kernel", "dense/kernel");
  auto kb = g.AddVariable("model/dense/bias");
  auto ks = g.AddSlotVariable("optimizer", "model/dense/kernel", "m");
  auto kd = g.AddVariable("model/a..b.Sc");  // local name "a.b/c"
  ASSERT_TRUE(kw.ok() && kb.ok() && ks.ok() && kd.ok()) << ks.status().ToString();
  EXPECT_EQ(*kw, "model/dense/kernel/.ATTRIBUTES/VARIABLE_VALUE");
  EXPECT_EQ(*ks, "model/dense/kernel/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE");
  EXPECT_EQ(g.AddVariable("model/dense/kernel").status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(g.AddPath("model/.ATTRIBUTES").status().code(), StatusCode::kInvalidArgument);
  EXPECT_GT(g.FindNode("model/a..b.Sc"), 0);
  EXPECT_EQ(g.FindNode("model/nothing"), -1);
  EXPECT_EQ(g.nodes()[g.FindNode("model")].children.back().local_name, "a.b/c");

  const std::string dir = test::MakeTempDir("objckpt");
  const std::string prefix = dir + "/ckpt-1";
  std::map<std::string, Tensor> values = {
      {"model/dense/kernel", Floats({1, 2, 3, 4, 5, 6}, {2, 3})},
      {"model/dense/bias/.ATTRIBUTES/VARIABLE_VALUE", Floats({7, 8, 9}, {3})},  // by key
      {"model/dense/kernel/.OPTIMIZER_SLOT/optimizer/m", Floats({0, 0, 0, 1, 1, 1}, {2, 3})},
      {"model/a..b.Sc", Tensor::Scalar<int64_t>(42)}};
  ASSERT_TRUE(SaveObjectCheckpoint(prefix, g, values, {.sync = false}).ok());

  auto c = OpenOrFail(prefix);
  ASSERT_TRUE(c);
  ASSERT_EQ(c->tensors().size(), 4u);
  EXPECT_EQ(Values<float>(*c, "model/dense/kernel"), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(Values<float>(*c, "model/dense/bias"), (std::vector<float>{7, 8, 9}));
  EXPECT_EQ(Values<int64_t>(*c, "model/a..b.Sc"), std::vector<int64_t>{42});
  const ObjectTensor* m = c->Find("model/dense/kernel/.OPTIMIZER_SLOT/optimizer/m");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->slot_name, "m");
  EXPECT_EQ(c->graph().NodePaths()[m->original_variable_node_id], "model/dense/kernel");
  EXPECT_EQ(c->Find("model/dense/kernel")->full_name, "dense/kernel");
  // has_checkpoint_values as TensorFlow sets it: the root, model, dense and the optimizer.
  for (const TrackableObject& o : c->graph().nodes()) {
    ASSERT_TRUE(o.has_checkpoint_values.has_value());
    EXPECT_TRUE(*o.has_checkpoint_values);
  }
  // The graph re-serializes to the bytes stored.
  auto stored = c->reader().Read(kObjectGraphKey);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(c->graph().Serialize(), stored->flat<std::string>()[0]);

  // Rewriting a read graph with new values keeps its keys.
  std::map<std::string, Tensor> doubled;
  for (const ObjectTensor& t : c->tensors()) doubled[t.object_path] = *c->Read(t.object_path);
  doubled["model/dense/bias"] = Floats({14, 16, 18}, {3});
  ASSERT_TRUE(SaveObjectCheckpoint(dir + "/ckpt-2", c->graph(), doubled, {.sync = false}).ok());
  auto c2 = OpenOrFail(dir + "/ckpt-2");
  ASSERT_TRUE(c2);
  EXPECT_EQ(Values<float>(*c2, "model/dense/bias"), (std::vector<float>{14, 16, 18}));
  EXPECT_EQ(c2->graph().nodes().size(), c->graph().nodes().size());
}

TEST(ObjectWriter, MissingOrUnusedValuesAreErrorsNamingThem) {
  ObjectGraph g;
  ASSERT_TRUE(g.AddVariable("model/w").ok());
  const std::string dir = test::MakeTempDir("objckpt_bad");
  Status missing = SaveObjectCheckpoint(dir + "/a", g, {}, {.sync = false});
  EXPECT_EQ(missing.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.message().find("model/w"), std::string::npos) << missing.message();
  Status extra = SaveObjectCheckpoint(
      dir + "/b", g, {{"model/w", Floats({1}, {1})}, {"model/v", Floats({1}, {1})}},
      {.sync = false});
  EXPECT_EQ(extra.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(extra.message().find("model/v"), std::string::npos) << extra.message();
  EXPECT_FALSE(FileExists(dir + "/a.index") || FileExists(dir + "/b.index"));
}

// Updating a read checkpoint: new values for some objects, the rest copied; an update of the
// wrong dtype or shape, or for an unknown object, is refused naming it and writes nothing.
TEST(ObjectWriter, UpdatesKeepTheGraphAndCheckDtypeAndShape) {
  ObjectGraph g;
  ASSERT_TRUE(g.AddVariable("model/w").ok());
  ASSERT_TRUE(g.AddVariable("model/step").ok());
  ASSERT_TRUE(g.AddSlotVariable("optimizer", "model/w", "m").ok());
  const std::string dir = test::MakeTempDir("objckpt_update");
  ASSERT_TRUE(SaveObjectCheckpoint(dir + "/base", g,
                                   {{"model/w", Floats({1, 2}, {2})},
                                    {"model/step", Tensor::Scalar<int64_t>(3)},
                                    {"model/w/.OPTIMIZER_SLOT/optimizer/m", Floats({5, 6}, {2})}},
                                   {.sync = false})
                  .ok());
  auto base = OpenOrFail(dir + "/base");
  ASSERT_TRUE(base);

  ASSERT_TRUE(SaveUpdatedObjectCheckpoint(dir + "/new", *base,
                                          {{"model/w", Floats({10, 20}, {2})}}, {.sync = false})
                  .ok());
  auto updated = OpenOrFail(dir + "/new");
  ASSERT_TRUE(updated);
  EXPECT_EQ(Values<float>(*updated, "model/w"), (std::vector<float>{10, 20}));
  EXPECT_EQ(Values<int64_t>(*updated, "model/step"), std::vector<int64_t>{3});
  EXPECT_EQ(Values<float>(*updated, "model/w/.OPTIMIZER_SLOT/optimizer/m"),
            (std::vector<float>{5, 6}));
  EXPECT_EQ(updated->graph().Serialize(), base->graph().Serialize());

  Status dtype = SaveUpdatedObjectCheckpoint(
      dir + "/bad_dtype", *base, {{"model/step", Tensor::Scalar<int32_t>(4)}}, {.sync = false});
  EXPECT_EQ(dtype.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(dtype.message().find("\"model/step\""), std::string::npos) << dtype.message();
  EXPECT_NE(dtype.message().find("model/step/.ATTRIBUTES/VARIABLE_VALUE"), std::string::npos);
  EXPECT_NE(dtype.message().find("int32"), std::string::npos) << dtype.message();
  EXPECT_NE(dtype.message().find("int64"), std::string::npos) << dtype.message();
  Status shape = SaveUpdatedObjectCheckpoint(dir + "/bad_shape", *base,
                                             {{"model/w", Floats({1, 2, 3}, {3})}}, {.sync = false});
  EXPECT_EQ(shape.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(shape.message().find("\"model/w\""), std::string::npos) << shape.message();
  Status unknown = SaveUpdatedObjectCheckpoint(dir + "/bad_key", *base,
                                               {{"model/v", Floats({1}, {1})}}, {.sync = false});
  EXPECT_EQ(unknown.code(), StatusCode::kNotFound);
  EXPECT_NE(unknown.message().find("model/v"), std::string::npos) << unknown.message();
  for (const char* name : {"bad_dtype", "bad_shape", "bad_key"}) {
    EXPECT_FALSE(FileExists(dir + "/" + name + ".index")) << name;
  }
}

// ---- bad input ------------------------------------------------------------------------------

// Writes a bundle whose _CHECKPOINTABLE_OBJECT_GRAPH holds `graph_bytes` plus `tensors`.
std::string WriteBundle(const std::string& prefix, const std::string& graph_bytes,
                        std::vector<SaveEntry> tensors) {
  auto s = Tensor::Allocate(DataType::kString, Shape{});
  s->flat<std::string>()[0] = graph_bytes;
  tensors.push_back({kObjectGraphKey, *s, std::nullopt});
  EXPECT_TRUE(SaveCheckpoint(prefix, tensors, 1, {.sync = false}).ok());
  return prefix;
}

TEST(ObjectBadInput, CorruptObjectGraphIsDataLossNamingTheKey) {
  const std::string dir = test::MakeTempDir("objckpt_corrupt");
  auto c = ObjectCheckpoint::Open(WriteBundle(dir + "/garbage", "\xff\xff\xff garbage", {}));
  EXPECT_EQ(c.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(c.status().message().find(kObjectGraphKey), std::string::npos)
      << c.status().message();
  EXPECT_NE(c.status().message().find(dir + "/garbage"), std::string::npos);

  // Truncations of a real graph: never a crash; each either parses or is DataLoss.
  ObjectGraph g;
  ASSERT_TRUE(g.AddVariable("model/w").ok());
  ASSERT_TRUE(g.AddSlotVariable("optimizer", "model/w", "m").ok());
  const std::string bytes = g.Serialize();
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto p = ObjectGraph::Parse(bytes.substr(0, n), "truncated");
    if (!p.ok()) {
      EXPECT_EQ(p.status().code(), StatusCode::kDataLoss);
    }
  }
}

TEST(ObjectBadInput, OutOfRangeNodeIdsAreDataLossNamingTheNode) {
  ObjectGraph g;
  ASSERT_TRUE(g.AddVariable("model/w").ok());
  g.mutable_nodes()[1].children.push_back({99, "ghost"});
  auto p = ObjectGraph::Parse(g.Serialize(), "graph");
  EXPECT_EQ(p.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(p.status().message().find("node 1"), std::string::npos) << p.status().message();
  EXPECT_NE(p.status().message().find("ghost"), std::string::npos);

  ObjectGraph slots;
  ASSERT_TRUE(slots.AddVariable("w").ok());
  slots.mutable_nodes()[0].slot_variables.push_back({1, "m", -3});
  EXPECT_EQ(ObjectGraph::Parse(slots.Serialize(), "graph").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ObjectGraph::Parse("", "graph").status().code(), StatusCode::kDataLoss);  // no root
}

TEST(ObjectBadInput, DuplicateKeysAndQuadraticPathsAreRefused) {
  ObjectGraph dup;
  ASSERT_TRUE(dup.AddVariable("a").ok());
  ASSERT_TRUE(dup.AddVariable("b").ok());
  dup.mutable_nodes()[2].attributes[0].checkpoint_key = "a/.ATTRIBUTES/VARIABLE_VALUE";
  auto d = ObjectGraph::Parse(dup.Serialize(), "graph");
  EXPECT_EQ(d.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(d.status().message().find("a/.ATTRIBUTES/VARIABLE_VALUE"), std::string::npos)
      << d.status().message();

  // A chain of 40000 nodes (~0.6 MB serialized) whose paths would total ~8.8 GB.
  ObjectGraph chain;
  std::vector<TrackableObject>& nodes = chain.mutable_nodes();
  constexpr int kDepth = 40000;
  nodes.resize(kDepth + 1);
  for (int i = 0; i < kDepth; ++i) nodes[i].children.push_back({i + 1, "layer_abcd"});
  const std::string bytes = chain.Serialize();
  EXPECT_LT(bytes.size(), 1u << 20);
  auto c = ObjectGraph::Parse(bytes, "deep graph");
  EXPECT_EQ(c.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(c.status().message().find("deep graph"), std::string::npos) << c.status().message();
}

TEST(ObjectBadInput, KeyTheGraphNamesButTheBundleLacksIsNotFound) {
  ObjectGraph g;
  ASSERT_TRUE(g.AddVariable("model/w").ok());
  ASSERT_TRUE(g.AddVariable("model/gone").ok());
  const std::string dir = test::MakeTempDir("objckpt_missing");
  const std::string prefix = WriteBundle(
      dir + "/ckpt", g.Serialize(),
      {{"model/w/.ATTRIBUTES/VARIABLE_VALUE", Floats({1}, {1}), std::nullopt}});
  auto c = ObjectCheckpoint::Open(prefix);
  EXPECT_EQ(c.status().code(), StatusCode::kNotFound);
  EXPECT_NE(c.status().message().find("model/gone/.ATTRIBUTES/VARIABLE_VALUE"), std::string::npos)
      << c.status().message();
  EXPECT_EQ(c.status().message().find("model/w/"), std::string::npos) << c.status().message();
}

TEST(ObjectBadInput, ObjectGraphOfTheWrongTypeAndUnknownPaths) {
  const std::string dir = test::MakeTempDir("objckpt_type");
  ASSERT_TRUE(SaveCheckpoint(dir + "/ckpt", std::vector<SaveEntry>{{kObjectGraphKey,
                                                                    Floats({1}, {1}),
                                                                    std::nullopt}},
                             1, {.sync = false})
                  .ok());
  auto c = ObjectCheckpoint::Open(dir + "/ckpt");
  EXPECT_EQ(c.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(c.status().message().find("not a scalar string"), std::string::npos);

  auto half = OpenOrFail(kServing + "/saved_model_half_plus_two_tf2_cpu/00000123");
  ASSERT_TRUE(half);
  auto none = half->Read("model/nothing");
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_NE(none.status().message().find("model/nothing"), std::string::npos);
}

}  // namespace
}  // namespace tfmodel
