// Every TensorFlow-written V2 checkpoint in ../shared/corpus/real opens, verifies and reads, and
// the values its MANIFEST.md states are read exactly; path resolution; V1 detection.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "src/base/file.h"
#include "tfmodel/checkpoint.h"

namespace tfmodel {
namespace {

namespace fs = std::filesystem;

const std::string kCorpus = TFMODEL_CORPUS_DIR;
const std::string kServing = kCorpus + "/tensorflow-serving/servables/tensorflow/testdata";

std::string Corpus(const std::string& rel) { return JoinPath(kCorpus, rel); }

std::unique_ptr<CheckpointReader> Open(const std::string& path) {
  auto r = CheckpointReader::Open(path);
  EXPECT_TRUE(r.ok()) << path << ": " << r.status().ToString();
  return r.ok() ? std::move(r).value() : nullptr;
}

// Reads tensor `name`, checking dtype and shape.
Tensor ReadTensor(const CheckpointReader& r, const std::string& name, DataType dtype,
                  const Shape& shape) {
  auto t = r.Read(name);
  EXPECT_TRUE(t.ok()) << r.prefix() << " " << name << ": " << t.status().ToString();
  if (!t.ok()) return Tensor();
  EXPECT_EQ(t->dtype(), dtype) << name;
  EXPECT_EQ(t->shape(), shape) << name << " has shape " << t->shape().DebugString();
  return *t;
}

template <typename T>
std::vector<T> Values(const CheckpointReader& r, const std::string& name, DataType dtype,
                      const Shape& shape) {
  Tensor t = ReadTensor(r, name, dtype, shape);
  if (t.dtype() != dtype) return {};
  auto v = t.flat<T>();
  return std::vector<T>(v.begin(), v.end());
}

TEST(Corpus, EveryV2CheckpointOpensVerifiesAndReads) {
  int count = 0;
  for (const auto& e : fs::recursive_directory_iterator(kCorpus)) {
    if (!e.is_regular_file() || e.path().extension() != ".index") continue;
    const std::string index = e.path().string();
    SCOPED_TRACE(index);
    ++count;
    auto r = Open(index);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->prefix(), index.substr(0, index.size() - 6));
    EXPECT_FALSE(r->tensors().empty());
    for (const auto& p : r->Verify()) {
      ADD_FAILURE() << p.tensor << " in " << p.file << " at " << p.offset << ": " << p.message;
    }
    for (const TensorInfo& t : r->tensors()) {
      auto v = r->Read(t.name);
      ASSERT_TRUE(v.ok()) << t.name << ": " << v.status().ToString();
      EXPECT_EQ(v->dtype(), t.dtype);
      EXPECT_EQ(v->shape(), t.shape);
    }
  }
  EXPECT_EQ(count, 29);  // MANIFEST.md: 29 tensor-bundle indexes
}

TEST(Corpus, HalfPlusTwoVariants) {
  // MANIFEST 1a: a=0.5, b=2, c=3 (and a2=0.5, c2=3 where present), float scalars.
  const char* const kTf1[] = {
      "saved_model_half_plus_two_cpu/00000123",
      "saved_model_half_plus_two_2_versions/00000123",
      "saved_model_half_plus_two_2_versions/00000124",
      "saved_model_half_plus_two_gpu/00000123",
      "saved_model_half_plus_two_gpu_trt/00000123",
      "saved_model_half_plus_two_mkl/00000123",
      "saved_model_half_plus_two_mlmd/00000123",
      "saved_model_half_plus_two_cpu_with_saved_model_config/00000123",
      "saved_model_half_plus_two_cpu_with_empty_saved_model_config/00000123",
  };
  for (const char* dir : kTf1) {
    SCOPED_TRACE(dir);
    // Opening the SavedModel directory finds variables/variables.
    auto r = Open(JoinPath(kServing, dir));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->prefix(), JoinPath(kServing, std::string(dir) + "/variables/variables"));
    EXPECT_EQ(Values<float>(*r, "a", DataType::kFloat, Shape{}), std::vector<float>{0.5f});
    EXPECT_EQ(Values<float>(*r, "b", DataType::kFloat, Shape{}), std::vector<float>{2.0f});
    EXPECT_EQ(Values<float>(*r, "c", DataType::kFloat, Shape{}), std::vector<float>{3.0f});
    if (r->Find("a2")) {
      EXPECT_EQ(Values<float>(*r, "a2", DataType::kFloat, Shape{}), std::vector<float>{0.5f});
      EXPECT_EQ(Values<float>(*r, "c2", DataType::kFloat, Shape{}), std::vector<float>{3.0f});
    }
  }
  // cpu, gpu_trt and mlmd have a2 and c2 (MANIFEST 1a).
  for (const char* dir :
       {"saved_model_half_plus_two_cpu/00000123", "saved_model_half_plus_two_gpu_trt/00000123",
        "saved_model_half_plus_two_mlmd/00000123"}) {
    auto r = Open(JoinPath(kServing, dir));
    ASSERT_TRUE(r);
    EXPECT_NE(r->Find("a2"), nullptr) << dir;
    EXPECT_NE(r->Find("c2"), nullptr) << dir;
  }
}

TEST(Corpus, HalfPlusTwoTf2ObjectGraph) {
  // MANIFEST 1b; this index's data block is Snappy-compressed (spec 1.2).
  auto r = Open(JoinPath(kServing, "saved_model_half_plus_two_tf2_cpu/00000123"));
  ASSERT_TRUE(r);
  // MANIFEST: "_CHECKPOINTABLE_OBJECT_GRAPH (string, 619 B)" is the stored entry: per spec 1.7
  // a 2-byte length varint, a 4-byte length checksum and the string itself, so 613 bytes (the
  // "613-byte string" of spec 1.7; the data file is 3 floats + 619 = 631 bytes).
  const TensorInfo* info = r->Find("_CHECKPOINTABLE_OBJECT_GRAPH");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->size, 619u);
  EXPECT_EQ(info->offset, 12u);
  auto graph = Values<std::string>(*r, "_CHECKPOINTABLE_OBJECT_GRAPH", DataType::kString, Shape{});
  ASSERT_EQ(graph.size(), 1u);
  EXPECT_EQ(graph[0].size(), 619u - 2u - 4u);
  // It is a serialized TrackableObjectGraph: field 1 (nodes), length-delimited.
  ASSERT_FALSE(graph[0].empty());
  EXPECT_EQ(graph[0][0], '\x0a');
  EXPECT_EQ(Values<float>(*r, "a/.ATTRIBUTES/VARIABLE_VALUE", DataType::kFloat, Shape{}),
            std::vector<float>{0.5f});
  EXPECT_EQ(Values<float>(*r, "b/.ATTRIBUTES/VARIABLE_VALUE", DataType::kFloat, Shape{}),
            std::vector<float>{2.0f});
  EXPECT_EQ(Values<float>(*r, "c/.ATTRIBUTES/VARIABLE_VALUE", DataType::kFloat, Shape{}),
            std::vector<float>{3.0f});
}

TEST(Corpus, HalfPlusThreeAndCounter) {
  auto three = Open(JoinPath(kServing, "saved_model_half_plus_three/00000123"));
  ASSERT_TRUE(three);
  EXPECT_EQ(Values<float>(*three, "b", DataType::kFloat, Shape{}), std::vector<float>{3.0f});
  auto counter = Open(JoinPath(kServing, "saved_model_counter/00000123"));
  ASSERT_TRUE(counter);
  EXPECT_EQ(Values<float>(*counter, "counter", DataType::kFloat, Shape{}),
            std::vector<float>{0.0f});
}

TEST(Corpus, ServingLegacyV2Export) {
  // MANIFEST 1e: servables/.../half_plus_two has a V2 checkpoint with prefix "export".
  auto r = Open(JoinPath(kServing, "half_plus_two/00000123/export"));
  ASSERT_TRUE(r);
  EXPECT_EQ(Values<float>(*r, "Variable", DataType::kFloat, Shape{}), std::vector<float>{0.5f});
  EXPECT_EQ(Values<float>(*r, "Variable_1", DataType::kFloat, Shape{}), std::vector<float>{2.0f});
}

// MANIFEST.md prints these two weights with 7 significant digits, which is not enough to name
// a float exactly (-0.8578622f is one ulp away from the stored value): compare at the stated
// precision.
std::string SevenDigits(float v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.7g", v);
  return buf;
}

TEST(Corpus, RustRegressionModels) {
  auto tf1 = Open(Corpus("tensorflow-rust/test_resources/regression-model/variables/variables"));
  ASSERT_TRUE(tf1);
  auto w1 = Values<float>(*tf1, "w", DataType::kFloat, Shape{1});
  ASSERT_EQ(w1.size(), 1u);
  EXPECT_EQ(SevenDigits(w1[0]), "-0.8578622");
  EXPECT_EQ(Values<float>(*tf1, "b", DataType::kFloat, Shape{1}), std::vector<float>{0.0f});
  auto tf2 = Open(Corpus("tensorflow-rust/examples/regression_savedmodel"));
  ASSERT_TRUE(tf2);
  auto w2 = Values<float>(*tf2, "w/.ATTRIBUTES/VARIABLE_VALUE", DataType::kFloat, Shape{1});
  ASSERT_EQ(w2.size(), 1u);
  EXPECT_EQ(SevenDigits(w2[0]), "0.2042975");
  EXPECT_EQ(Values<float>(*tf2, "b/.ATTRIBUTES/VARIABLE_VALUE", DataType::kFloat, Shape{1}),
            std::vector<float>{0.0f});
  // "SGD lr=0.5, iter=0".
  EXPECT_EQ(Values<float>(*tf2, "optimizer/learning_rate/.ATTRIBUTES/VARIABLE_VALUE",
                          DataType::kFloat, Shape{}),
            std::vector<float>{0.5f});
  EXPECT_EQ(
      Values<int64_t>(*tf2, "optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE", DataType::kInt64, Shape{}),
      std::vector<int64_t>{0});
}

TEST(Corpus, OnnxRegressionCheckpointAndSavedModelAgree) {
  // MANIFEST 6: W=0.21396178, b=1.0495254; the two data files are byte-identical.
  auto ckpt = Open(Corpus("tensorflow-onnx/tests/models/regression/checkpoint"));
  auto sm = Open(Corpus("tensorflow-onnx/tests/models/regression/saved_model"));
  ASSERT_TRUE(ckpt);
  ASSERT_TRUE(sm);
  for (const CheckpointReader* r : {ckpt.get(), sm.get()}) {
    SCOPED_TRACE(r->prefix());
    auto w = r->Read("W");
    auto b = r->Read("b");
    ASSERT_TRUE(w.ok() && b.ok());
    ASSERT_EQ(w->NumElements(), 1);
    ASSERT_EQ(b->NumElements(), 1);
    EXPECT_EQ(w->flat<float>()[0], 0.21396178f);
    EXPECT_EQ(b->flat<float>()[0], 1.0495254f);
  }
}

TEST(Corpus, LstmIterationsIsInt64) {
  auto r = Open(Corpus("tensorflow-net/Assets/lstm_from_sequential"));
  ASSERT_TRUE(r);
  EXPECT_EQ(Values<int64_t>(*r, "optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE",
                            DataType::kInt64, Shape{}),
            std::vector<int64_t>{10});
}

TEST(Corpus, CppflowMnistIsFloat64) {
  auto r = Open(Corpus("cppflow/cppflow1/examples/mnist/checkpoint"));
  ASSERT_TRUE(r);
  const TensorInfo* kernel = r->Find("dense/kernel");
  ASSERT_NE(kernel, nullptr);
  EXPECT_EQ(kernel->dtype, DataType::kDouble);
  EXPECT_EQ(kernel->shape, (Shape{784, 128}));
  EXPECT_EQ(kernel->size, 784u * 128u * 8u);
  Tensor t = ReadTensor(*r, "dense/kernel", DataType::kDouble, Shape{784, 128});
  // Trained weights: finite and not all zero.
  bool nonzero = false;
  for (double v : t.flat<double>()) {
    ASSERT_TRUE(std::isfinite(v));
    nonzero |= v != 0;
  }
  EXPECT_TRUE(nonzero);
}

TEST(Corpus, TensorFlowNetWeightsEqualTheirNpyFiles) {
  const std::string dir = Corpus("tensorflow-net/Assets/simple_model_from_auto_compile");
  auto r = Open(dir);
  ASSERT_TRUE(r);
  struct Case {
    const char* npy;
    const char* tensor;
    Shape shape;
  };
  for (const Case& c :
       {Case{"kernel1.npy", "layer_with_weights-1/kernel/.ATTRIBUTES/VARIABLE_VALUE",
             Shape{100, 10}},
        Case{"bias0.npy", "layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE", Shape{100}}}) {
    SCOPED_TRACE(c.npy);
    auto npy = ReadNpy(JoinPath(dir, c.npy));
    ASSERT_TRUE(npy.ok()) << npy.status().ToString();
    Tensor t = ReadTensor(*r, c.tensor, DataType::kFloat, c.shape);
    ASSERT_EQ(npy->dtype(), DataType::kFloat);
    EXPECT_EQ(npy->shape(), c.shape);
    ASSERT_EQ(t.TotalBytes(), npy->TotalBytes());
    EXPECT_EQ(std::memcmp(t.raw_data(), npy->raw_data(), t.TotalBytes()), 0);
  }
  // MANIFEST: kernel1 at data offset 314000 (4000 B), bias0 at 313600 (400 B).
  EXPECT_EQ(r->Find("layer_with_weights-1/kernel/.ATTRIBUTES/VARIABLE_VALUE")->offset, 314000u);
  EXPECT_EQ(r->Find("layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE")->offset, 313600u);
}

TEST(Corpus, TensorFlowJavaVariable) {
  auto r = Open(Corpus("tensorflow-java/saved_model_using_python/model"));
  ASSERT_TRUE(r);
  EXPECT_EQ(Values<float>(*r, "variable/.ATTRIBUTES/VARIABLE_VALUE", DataType::kFloat, Shape{}),
            std::vector<float>{2.0f});
}

// ---- path resolution ----------------------------------------------------------------------

TEST(CorpusResolution, DirectoryWithStateFileOpensLatest) {
  const std::string dir = Corpus("cppflow/cppflow1/examples/mnist/checkpoint");
  auto r = Open(dir);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->prefix(), JoinPath(dir, "train.ckpt"));
  EXPECT_NE(r->resolution().find("latest checkpoint"), std::string::npos) << r->resolution();
  EXPECT_NE(r->resolution().find(JoinPath(dir, "checkpoint")), std::string::npos)
      << r->resolution();
}

TEST(CorpusResolution, PrefixIndexAndDataPaths) {
  const std::string prefix = Corpus("tensorflow-onnx/tests/models/regression/checkpoint/model");
  auto by_prefix = Open(prefix);
  ASSERT_TRUE(by_prefix);
  EXPECT_EQ(by_prefix->prefix(), prefix);
  EXPECT_EQ(by_prefix->resolution(), "");

  auto by_index = Open(prefix + ".index");
  ASSERT_TRUE(by_index);
  EXPECT_EQ(by_index->prefix(), prefix);
  EXPECT_NE(by_index->resolution().find("index file"), std::string::npos) << by_index->resolution();
  EXPECT_NE(by_index->resolution().find(prefix + ".index"), std::string::npos);

  auto by_data = Open(prefix + ".data-00000-of-00001");
  ASSERT_TRUE(by_data);
  EXPECT_EQ(by_data->prefix(), prefix);
  EXPECT_NE(by_data->resolution().find("data file"), std::string::npos) << by_data->resolution();
  EXPECT_NE(by_data->resolution().find(prefix + ".data-00000-of-00001"), std::string::npos);

  for (const auto* r : {by_index.get(), by_data.get()}) {
    EXPECT_EQ(r->Read("W")->flat<float>()[0], 0.21396178f);
  }
}

TEST(CorpusResolution, MissingPathsAreNotFound) {
  auto r =
      CheckpointReader::Open(Corpus("tensorflow-onnx/tests/models/regression/checkpoint/nope"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("nope"), std::string::npos);
  auto d = CheckpointReader::Open(
      Corpus("tensorflow-onnx/tests/models/regression/checkpoint/model.data-00000-of-00002"));
  EXPECT_FALSE(d.ok());
  // The state file of bad_half_plus_two names /tmp/..., which does not exist.
  auto bad = CheckpointReader::Open(JoinPath(kServing, "bad_half_plus_two/00000123"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("/tmp/bad_half_plus_two/00000123/export"),
            std::string::npos)
      << bad.status().message();
}

TEST(CorpusResolution, V1CheckpointsAreRecognised) {
  for (const std::string& path :
       {kCorpus + "/tensorflow-serving/session_bundle/testdata/half_plus_two/00000123/export",
        kCorpus + "/tensorflow-serving/session_bundle/testdata/half_plus_two/00000123/"
                  "export-00000-of-00001",
        kServing + "/bad_half_plus_two/00000123/export"}) {
    SCOPED_TRACE(path);
    auto r = CheckpointReader::Open(path);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kUnimplemented) << r.status().ToString();
    EXPECT_NE(r.status().message().find("V1 format"), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace tfmodel
