// Loading the corpus's TF1 models the three ways and checking the outputs MANIFEST.md states.
#include "tfmodel/model.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "src/formats/example.h"
#include "src/formats/graph_io.h"
#include "src/runtime/session.h"

namespace tfmodel {
namespace {

const std::string kServing = std::string(TFMODEL_CORPUS_DIR) + "/tensorflow-serving/servables/tensorflow/testdata/";

Tensor Floats(std::vector<float> v, Shape s) { return Tensor::FromVector<float>(v, s); }

std::vector<float> Values(const Tensor& t) {
  auto f = t.flat<float>();
  return {f.begin(), f.end()};
}

TEST(Model, HalfPlusTwoPredictAllVariants) {
  for (const char* name : {"saved_model_half_plus_two_cpu", "saved_model_half_plus_two_gpu",
                           "saved_model_half_plus_two_gpu_trt", "saved_model_half_plus_two_mlmd",
                           "saved_model_half_plus_two_2_versions",
                           "saved_model_half_plus_two_cpu_with_saved_model_config",
                           "saved_model_half_plus_two_cpu_with_empty_saved_model_config"}) {
    auto m = Model::Load(kServing + name);
    ASSERT_TRUE(m.ok()) << name << ": " << m.status().ToString();
    // REST example of tensorflow_model_server_test.py: [2,3,4] -> [3,3.5,4].
    auto out = (*m)->RunSignature("serving_default", {{"x", Floats({2, 3, 4}, Shape({3}))}});
    ASSERT_TRUE(out.ok()) << name << ": " << out.status().ToString();
    EXPECT_EQ(Values(out->at("y")), (std::vector<float>{3, 3.5f, 4})) << name;
  }
}

TEST(Model, VersionedBaseLoadsHighestVersion) {
  auto m = Model::Load(kServing + "saved_model_half_plus_two_2_versions");
  ASSERT_TRUE(m.ok());
  EXPECT_NE((*m)->path().find("00000124"), std::string::npos) << (*m)->path();
  auto dir = LatestVersionDirectory(kServing + "saved_model_half_plus_two_2_versions");
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(dir->substr(dir->size() - 8), "00000124");
}

TEST(Model, HalfPlusTwoRegressAndClassifyOverExamples) {
  auto m = Model::Load(kServing + "saved_model_half_plus_two_cpu");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  Tensor examples = Tensor::Strings({MakeFloatExample({{"x", {2.0f}}}), MakeFloatExample({{"x", {4.0f}}, {"x2", {1.0f}}})});
  auto regress = (*m)->RunSignature("regress_x_to_y", {{"inputs", examples}});
  ASSERT_TRUE(regress.ok()) << regress.status().ToString();
  EXPECT_EQ(Values(regress->at("outputs")), (std::vector<float>{3, 4}));
  auto y2 = (*m)->RunSignature("regress_x_to_y2", {{"inputs", examples}});
  ASSERT_TRUE(y2.ok());
  EXPECT_EQ(Values(y2->at("outputs")), (std::vector<float>{4, 5}));  // 0.5x + 3
  auto classify = (*m)->RunSignature("classify_x_to_y", {{"inputs", examples}});
  ASSERT_TRUE(classify.ok());
  EXPECT_EQ(Values(classify->at("scores")), (std::vector<float>{3, 4}));
  auto y3 = (*m)->RunSignature("regress_x2_to_y3", {{"inputs", Floats({1, 2}, Shape({2, 1}))}});
  ASSERT_TRUE(y3.ok()) << y3.status().ToString();
  EXPECT_EQ(Values(y3->at("outputs")), (std::vector<float>{3.5f, 4}));  // 0.5*x2 + 3
  // Signature outputs carry their keys; raw tensors also work.
  auto raw = (*m)->Run({{"x:0", Floats({100, 101}, Shape({2}))}}, {"y:0"});
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(Values((*raw)[0]), (std::vector<float>{52, 52.5f}));
}

TEST(Model, HalfPlusThreeAndMatrixHalfPlusTwo) {
  auto three = Model::Load(kServing + "saved_model_half_plus_three");
  ASSERT_TRUE(three.ok()) << three.status().ToString();
  auto out = (*three)->RunSignature("serving_default", {{"x", Floats({2}, Shape({1}))}});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Values(out->at("y")), (std::vector<float>{4}));
  auto matrix = Model::Load(std::string(TFMODEL_CORPUS_DIR) +
                            "/tensorflow-serving/batching/testdata/matrix_half_plus_two/1");
  ASSERT_TRUE(matrix.ok()) << matrix.status().ToString();
  auto y = (*matrix)->Run({{"x:0", Floats({1, 2, 3, 4, 5, 6, 7, 8, 9}, Shape({1, 3, 3}))}}, {"y:0"});
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  EXPECT_EQ(Values((*y)[0]), (std::vector<float>{2.5f, 3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f}));
}

TEST(Model, CounterSignaturesRunInOrder) {
  auto m = Model::Load(kServing + "saved_model_counter");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto call = [&](const char* sig, std::map<std::string, Tensor> in = {}) {
    auto out = (*m)->RunSignature(sig, in);
    EXPECT_TRUE(out.ok()) << sig << ": " << out.status().ToString();
    return out.ok() ? out->at("output").flat<float>()[0] : -1.0f;
  };
  // predict_impl_test.cc: get->0, incr->1, reset->0, incr->1, incr_by(3)->4.
  EXPECT_EQ(call("get_counter"), 0.0f);
  EXPECT_EQ(call("incr_counter"), 1.0f);
  EXPECT_EQ(call("reset_counter"), 0.0f);
  EXPECT_EQ(call("incr_counter"), 1.0f);
  EXPECT_EQ(call("incr_counter_by", {{"delta", Tensor::Scalar(3.0f)}}), 4.0f);
}

TEST(Model, BadInputsGiveClearErrors) {
  auto m = Model::Load(kServing + "saved_model_half_plus_two_cpu");
  ASSERT_TRUE(m.ok());
  auto no_sig = (*m)->RunSignature("nope", {});
  ASSERT_FALSE(no_sig.ok());
  EXPECT_NE(no_sig.status().message().find("'nope'"), std::string::npos);
  std::vector<int32_t> ints{1};
  auto dtype = (*m)->RunSignature("serving_default", {{"x", Tensor::FromVector<int32_t>(ints, Shape({1}))}});
  ASSERT_FALSE(dtype.ok());
  EXPECT_NE(dtype.status().message().find("input 'x'"), std::string::npos) << dtype.status().ToString();
  auto missing = (*m)->RunSignature("serving_default", {});
  EXPECT_FALSE(missing.ok());
  auto bad_example = (*m)->RunSignature("regress_x_to_y", {{"inputs", Tensor::Strings({"\xff\xff"})}});
  EXPECT_FALSE(bad_example.ok());
  auto tags = Model::Load(kServing + "saved_model_half_plus_two_cpu", {.tags = {"train"}});
  ASSERT_FALSE(tags.ok());
  EXPECT_NE(tags.status().message().find("available tag sets: {serve}"), std::string::npos)
      << tags.status().ToString();
  auto nothing = Model::Load("/nonexistent/model.pb");
  EXPECT_EQ(nothing.status().code(), StatusCode::kNotFound);
}

TEST(Model, RegressionModelInThreeFormats) {
  const std::string base = std::string(TFMODEL_CORPUS_DIR) + "/tensorflow-onnx/tests/models/regression/";
  // pred = X*W + b, W=0.21396178, b=1.0495254 (decoded from the checkpoint).
  const float w = 0.21396178f, b = 1.0495254f;
  auto saved = Model::Load(base + "saved_model");
  ASSERT_TRUE(saved.ok()) << saved.status().ToString();
  auto sig = (*saved)->signatures().at("serving_default");
  const std::string in_key = sig.inputs.begin()->first;
  auto out = (*saved)->RunSignature("serving_default", {{in_key, Floats({2, -1}, Shape({2, 1}))}});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  auto v = Values(out->begin()->second);
  EXPECT_FLOAT_EQ(v[0], 2 * w + b);
  EXPECT_FLOAT_EQ(v[1], -w + b);

  auto frozen = Model::Load(base + "graphdef/frozen.pb");
  ASSERT_TRUE(frozen.ok()) << frozen.status().ToString();
  auto f = (*frozen)->Run({{sig.inputs.begin()->second.name, Floats({2, -1}, Shape({2, 1}))}},
                          {sig.outputs.begin()->second.name});
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_FLOAT_EQ(Values((*f)[0])[0], 2 * w + b);

  auto meta = Model::Load(base + "checkpoint/model.meta");
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  auto mo = (*meta)->Run({{sig.inputs.begin()->second.name, Floats({2, -1}, Shape({2, 1}))}},
                         {sig.outputs.begin()->second.name});
  ASSERT_TRUE(mo.ok()) << mo.status().ToString();
  EXPECT_FLOAT_EQ(Values((*mo)[0])[1], -w + b);
}

TEST(Model, TensorflowRustGraphs) {
  const std::string base = std::string(TFMODEL_CORPUS_DIR) + "/tensorflow-rust/";
  auto add = Model::Load(base + "examples/addition/model.pb");
  ASSERT_TRUE(add.ok()) << add.status().ToString();
  auto z = (*add)->Run({{"x", Tensor::Scalar<int32_t>(2)}, {"y", Tensor::Scalar<int32_t>(40)}}, {"z"});
  ASSERT_TRUE(z.ok()) << z.status().ToString();
  EXPECT_EQ((*z)[0].flat<int32_t>()[0], 42);
  auto mul = Model::Load(base + "tensorflow-sys/examples/assets/multiplication.pb");
  ASSERT_TRUE(mul.ok()) << mul.status().ToString();
  auto c = (*mul)->Run({{"a", Floats({1, 2, 3}, Shape({3}))}, {"b", Floats({4, 5, 6}, Shape({3}))}}, {"c"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(Values((*c)[0]), (std::vector<float>{4, 10, 18}));
}

// Graphs whose dropout (tf-onnx's GRU/LSTM tests) or variable initializer (tensorflow-rust's
// regression example) draws from RandomUniform with seed 0: nondeterministic in TensorFlow too,
// so only planning and the values' range are checked.
TEST(Model, CorpusGraphsWithRandomOpsLoad) {
  const std::string onnx = std::string(TFMODEL_CORPUS_DIR) + "/tensorflow-onnx/tests/models/";
  for (const char* name : {"gru/frozen.pb", "lstm/frozen.pb"}) {
    auto m = Model::Load(onnx + name);
    EXPECT_TRUE(m.ok()) << name << ": " << m.status().ToString();
  }
}

TEST(Model, RegressionInitializerDrawsUniformWeights) {
  // w = RandomUniform([1]) * 2 - 1, assigned by `init`. (Loading the whole graph also needs the
  // training ops of its `train` target: BroadcastGradientArgs, DynamicStitch,
  // ApplyGradientDescent; the initializer alone is planned here.)
  auto def = ReadGraphDef(std::string(TFMODEL_CORPUS_DIR) + "/tensorflow-rust/examples/regression/model.pb");
  ASSERT_TRUE(def.ok()) << def.status().ToString();
  std::vector<float> draws;
  for (int session = 0; session < 2; ++session) {
    GraphIR g;
    ASSERT_TRUE(g.Import(*def).ok());
    const std::vector<std::string> roots = {"init", "w"};
    auto s = GraphSession::Create(std::move(g), &roots);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    std::vector<Tensor> out;
    ASSERT_TRUE((*s)->Run({}, {}, {"init"}, &out).ok());
    Status st = (*s)->Run({}, {"w"}, {}, &out);
    ASSERT_TRUE(st.ok()) << st.ToString();
    ASSERT_EQ(out[0].NumElements(), 1);
    const float w = Values(out[0])[0];
    EXPECT_GE(w, -1.0f);
    EXPECT_LT(w, 1.0f);
    draws.push_back(w);
  }
  EXPECT_NE(draws[0], draws[1]);  // seed 0: every kernel (session) has its own stream
}

TEST(Model, BadHalfPlusTwoFailsClearly) {
  // A pre-1.0 export: no signatures, and its saver restores a V1 checkpoint with RestoreSlice.
  // tfmodel reads only V2 checkpoints: the error names the V1 file, before any op is planned.
  auto m = Model::Load(kServing + "bad_half_plus_two/00000123/export.meta");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(m.status().message().find("restores a V1 checkpoint (" + kServing +
                                      "bad_half_plus_two/00000123/export;"),
            std::string::npos)
      << m.status().ToString();
  // The session_bundle export: a sharded V1 checkpoint and no `checkpoint` file.
  const std::string bundle = std::string(TFMODEL_CORPUS_DIR) +
                             "/tensorflow-serving/session_bundle/testdata/half_plus_two/00000123/";
  auto v1 = Model::Load(bundle + "export.meta");
  ASSERT_FALSE(v1.ok());
  EXPECT_NE(v1.status().message().find("V1 checkpoint (" + bundle + "export-00000-of-00001;"),
            std::string::npos)
      << v1.status().ToString();
}

}  // namespace
}  // namespace tfmodel

namespace tfmodel {
namespace {

const std::string kCorpusDir = TFMODEL_CORPUS_DIR;

TEST(Model, MetaGraphWithoutVariablesNeedsNoCheckpoint) {
  // TensorFlow.NET's cond_test.meta: constants and a tf.cond, no variables, no checkpoint.
  auto m = Model::Load(kCorpusDir + "/tensorflow-net/graph/cond_test.meta");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ((*m)->kind(), Model::Kind::kMetaGraph);
  // With variables and no checkpoint: the error names the .meta.
  auto xor_graph = Model::Load(kCorpusDir + "/tensorflow-net/graph/xor.meta");
  ASSERT_FALSE(xor_graph.ok());
  EXPECT_NE(xor_graph.status().message().find("no checkpoint for " + kCorpusDir +
                                              "/tensorflow-net/graph/xor.meta"),
            std::string::npos)
      << xor_graph.status().ToString();
}

TEST(Model, GraphDefWithVariablesRestoresLikeCppflow) {
  // cppflow1's mnist model.pb: the training graph (RandomUniform initializers, gradients) with
  // resource variables; restored through its save/Const:0 + save/restore_all.
  const std::string dir = kCorpusDir + "/cppflow/cppflow1/examples/mnist/";
  auto bare = Model::Load(dir + "model.pb");
  ASSERT_TRUE(bare.ok()) << bare.status().ToString();
  std::vector<double> zeros(784, 0.0);
  Tensor x = Tensor::FromVector<double>(zeros, Shape({1, 784}));
  auto uninitialized = (*bare)->Run({{"input:0", x}}, {"prediction:0"});
  EXPECT_FALSE(uninitialized.ok()) << "ran without its variables";
  auto m = Model::Load(dir + "model.pb", {.checkpoint = dir + "checkpoint/train.ckpt"});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  // Nothing has planned the placeholder yet: asking for its dtype plans it.
  auto dtype = (*m)->TensorType("input:0");
  ASSERT_TRUE(dtype.ok()) << dtype.status().ToString();
  EXPECT_EQ(*dtype, DataType::kDouble);
  EXPECT_FALSE((*m)->TensorType("input:1").ok());
  auto p = (*m)->Run({{"input:0", x}}, {"prediction:0"});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_EQ(p->at(0).NumElements(), 10);
  double sum = 0;
  for (double v : p->at(0).flat<double>()) sum += v;
  EXPECT_NEAR(sum, 1.0, 1e-12);  // a softmax
  // The same graph imported under a prefix restores through the prefixed saver.
  auto prefixed = Model::Load(dir + "model.pb", {.import_prefix = "import",
                                                 .checkpoint = dir + "checkpoint/train.ckpt"});
  ASSERT_TRUE(prefixed.ok()) << prefixed.status().ToString();
  auto q = (*prefixed)->Run({{"import/input:0", x}}, {"import/prediction:0"});
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->at(0).flat<double>()[3], p->at(0).flat<double>()[3]);
  // A checkpoint for a graph without variables is a mistake worth reporting.
  auto frozen = Model::Load(kCorpusDir + "/cppflow/examples/load_frozen_graph/model.pb",
                            {.checkpoint = dir + "checkpoint/train.ckpt"});
  ASSERT_FALSE(frozen.ok());
  EXPECT_NE(frozen.status().message().find("has no variables"), std::string::npos);
}

TEST(Model, SignatureInputDtypeComesFromTheGraph) {
  // saved_model_half_plus_three (TF 1.0) records DT_FLOAT for its string input tf_example:0.
  auto m = Model::Load(kServing + "saved_model_half_plus_three");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ((*m)->signatures().at("tensorflow/serving/regress").inputs.at("inputs").dtype,
            DataType::kFloat);
  Tensor examples = Tensor::Strings({MakeFloatExample({{"x", {2.0f}}})});
  auto out = (*m)->RunSignature("tensorflow/serving/regress", {{"inputs", examples}});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Values(out->at("outputs")), (std::vector<float>{4}));  // 0.5 * 2 + 3
  auto floats = (*m)->RunSignature("tensorflow/serving/regress", {{"inputs", Floats({2}, Shape({1}))}});
  ASSERT_FALSE(floats.ok());
  EXPECT_NE(floats.status().message().find("must be string, got float32"), std::string::npos)
      << floats.status().ToString();
}

}  // namespace
}  // namespace tfmodel

namespace tfmodel {
namespace {

// A text SavedModel whose init op stores its asset's path in a variable; the asset is listed
// twice, as TF 2.21's SavedModelBuilder does in the MetaGraphs of a second add_meta_graph.
constexpr const char* kAssetSavedModel = R"pb(
saved_model_schema_version: 1
meta_graphs {
  meta_info_def { tags: "serve" }
  graph_def {
    node { name: "asset" op: "Const"
           attr { key: "dtype" value { type: DT_STRING } }
           attr { key: "value" value { tensor { dtype: DT_STRING tensor_shape {} string_val: "orig.txt" } } } }
    node { name: "path" op: "VariableV2"
           attr { key: "dtype" value { type: DT_STRING } } attr { key: "shape" value { shape {} } } }
    node { name: "init" op: "Assign" input: "path" input: "asset" attr { key: "T" value { type: DT_STRING } } }
    node { name: "main_op" op: "NoOp" input: "^init" }
  }
  collection_def { key: "saved_model_assets" value { any_list {
    value { [type.googleapis.com/tensorflow.AssetFileDef] { tensor_info { name: "asset:0" } filename: "a.txt" } }
    value { [type.googleapis.com/tensorflow.AssetFileDef] { tensor_info { name: "asset:0" } filename: "a.txt" } } } } }
  collection_def { key: "saved_model_main_op" value { node_list { value: "main_op" } } }
  signature_def { key: "serving_default" value {
    outputs { key: "path" value { name: "path:0" dtype: DT_STRING } }
    method_name: "tensorflow/serving/predict" } }
})pb";

TEST(Model, InitOpSeesEachAssetPathOnce) {
  const std::string dir = ::testing::TempDir() + "asset_saved_model";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/saved_model.pbtxt") << kAssetSavedModel;
  auto m = Model::Load(dir);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto out = (*m)->RunSignature("serving_default", {});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->at("path").flat<std::string>()[0], dir + "/assets/a.txt");
}

}  // namespace
}  // namespace tfmodel
