// Object-based checkpoints against TensorFlow 2.21, both directions:
//  - reads what object_ckpt_write.py had TF write (a Keras 3 model + Adam, tf.compat.v1 Adam slot
//    variables, the corpus's TF2 SavedModel variables): every tensor by object path equals TF's
//    .npy dump, TF's slot_variables are ours, and rewriting a checkpoint unchanged gives TF's
//    bytes;
//  - writes checkpoints for object_ckpt_check.py to restore with tf.train.Checkpoint: TF's graphs
//    with every value + 1, and graphs built from scratch.
//
// $TFMODEL_OBJECT_CKPT_TF_DIR holds TF's cases, $TFMODEL_OBJECT_CKPT_OUT_DIR receives ours
// (ctest sets both). A missing case is a failure, never a skip.
#include <gtest/gtest.h>
#include <tfmodel/checkpoint.h>
#include <tfmodel/object_checkpoint.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace tfmodel {
namespace {

namespace fs = std::filesystem;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}
const std::string kTfDir = Env("TFMODEL_OBJECT_CKPT_TF_DIR");
const std::string kOutDir = Env("TFMODEL_OBJECT_CKPT_OUT_DIR");

nlohmann::json LoadCase(const std::string& name) {
  std::ifstream f(fs::path(kTfDir) / name / "case.json");
  EXPECT_TRUE(f.good()) << "no case.json for case " << name << " under " << kTfDir
                        << " (TFMODEL_OBJECT_CKPT_TF_DIR; the interop_object_ckpt_tf_write "
                           "test writes it)";
  return f.good() ? nlohmann::json::parse(f) : nlohmann::json();
}

std::string FileBytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// The object path TF built a key from.
std::string PathOfKey(const std::string& key) {
  return key.substr(0, key.size() - std::string("/.ATTRIBUTES/VARIABLE_VALUE").size());
}

// Each element + 1 (float and int64 tensors, what the cases hold).
Tensor PlusOne(const Tensor& t) {
  Tensor out = t.Clone();
  if (out.dtype() == DataType::kFloat) {
    for (float& x : out.flat<float>()) x += 1;
  } else if (out.dtype() == DataType::kInt64) {
    for (int64_t& x : out.flat<int64_t>()) x += 1;
  } else {
    ADD_FAILURE() << "unexpected dtype " << DataTypeName(out.dtype());
  }
  return out;
}

class TfWrote : public ::testing::TestWithParam<std::string> {};

// Every tensor TF listed reads by its object path with TF's value, dtype and shape; nothing
// else is in the object graph; TF's slot variables are ours.
TEST_P(TfWrote, EveryTensorByObjectPathMatchesTf) {
  ASSERT_FALSE(kTfDir.empty()) << "TFMODEL_OBJECT_CKPT_TF_DIR is not set (ctest -L interop sets it)";
  const nlohmann::json c = LoadCase(GetParam());
  ASSERT_FALSE(c.is_null());
  auto ckpt = ObjectCheckpoint::Open(c["prefix"].get<std::string>());
  ASSERT_TRUE(ckpt.ok()) << ckpt.status().ToString();
  const ObjectCheckpoint& k = **ckpt;
  EXPECT_EQ(k.tensors().size(), c["tensors"].size());
  for (const auto& t : c["tensors"]) {
    const std::string key = t["key"], path = PathOfKey(key);
    SCOPED_TRACE(key);
    const ObjectTensor* found = k.Find(path);
    ASSERT_NE(found, nullptr) << path;
    EXPECT_EQ(found->checkpoint_key, key);
    EXPECT_EQ(found->object_path, path);
    EXPECT_EQ(DataTypeName(found->dtype), t["dtype"].get<std::string>());
    auto value = k.Read(path);
    ASSERT_TRUE(value.ok()) << value.status().ToString();
    auto expected = ReadNpy((fs::path(kTfDir) / GetParam() / t["npy"].get<std::string>()).string());
    ASSERT_TRUE(expected.ok()) << expected.status().ToString();
    EXPECT_TRUE(value->Equals(*expected)) << value->DebugString() << " vs TF "
                                          << expected->DebugString();
  }
  const std::vector<std::string> paths = k.graph().NodePaths();
  int slots = 0;
  for (const ObjectTensor& t : k.tensors()) slots += !t.slot_name.empty();
  EXPECT_EQ(slots, static_cast<int>(c["slots"].size()));
  for (const auto& s : c["slots"]) {
    const ObjectTensor* found = k.Find(s["key"].get<std::string>());
    ASSERT_NE(found, nullptr) << s["key"];
    EXPECT_EQ(found->slot_name, s["slot"].get<std::string>());
    EXPECT_EQ(found->optimizer_node_id, s["optimizer_node"].get<int>());
    ASSERT_GE(found->original_variable_node_id, 0);
    EXPECT_EQ(paths[found->original_variable_node_id], PathOfKey(s["variable"]));
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, TfWrote,
                         ::testing::Values("keras_adam", "v1_slots",
                                           "corpus_cppflow_multi_input_output",
                                           "corpus_rust_keras_single_input"));

TEST(TfWroteKeras, OpensFromTheDirectoryAndHasTheKerasLayout) {
  const std::string dir = (fs::path(kTfDir) / "keras_adam").string();
  auto ckpt = ObjectCheckpoint::Open(dir);  // through the `checkpoint` state file
  ASSERT_TRUE(ckpt.ok()) << ckpt.status().ToString();
  const ObjectCheckpoint& k = **ckpt;
  EXPECT_EQ(k.reader().prefix(), dir + "/ckpt-1");
  auto counter = k.Read("save_counter");
  ASSERT_TRUE(counter.ok()) << counter.status().ToString();
  EXPECT_EQ(counter->flat<int64_t>()[0], 1);  // the first save()
  auto iterations = k.Read("optimizer/_iterations");
  ASSERT_TRUE(iterations.ok()) << iterations.status().ToString();
  EXPECT_EQ(iterations->flat<int64_t>()[0], 6);  // 3 epochs of 2 batches
  EXPECT_EQ(k.Find("optimizer/_trainable_variables/0")->full_name, "sequential/dense/kernel");
}

// tf.train.Checkpoint writes its values in object graph order, then the graph: rewriting TF's
// checkpoint unchanged reproduces its .index and .data bytes.
TEST(TfWroteKeras, RewritingUnchangedGivesTfsBytes) {
  ASSERT_FALSE(kOutDir.empty()) << "TFMODEL_OBJECT_CKPT_OUT_DIR is not set";
  for (const std::string name : {"keras_adam", "v1_slots"}) {
    SCOPED_TRACE(name);
    const nlohmann::json c = LoadCase(name);
    const std::string tf_prefix = c["prefix"];
    auto ckpt = ObjectCheckpoint::Open(tf_prefix);
    ASSERT_TRUE(ckpt.ok()) << ckpt.status().ToString();
    const std::string out = kOutDir + "/same_" + name + "/ckpt";
    fs::create_directories(fs::path(out).parent_path());
    Status s = SaveUpdatedObjectCheckpoint(out, **ckpt, {}, {.sync = false});
    ASSERT_TRUE(s.ok()) << s.ToString();
    for (const char* ext : {".index", ".data-00000-of-00001"}) {
      EXPECT_TRUE(FileBytes(out + ext) == FileBytes(tf_prefix + ext)) << ext << " differs";
    }
  }
}

// ---- tfmodel writes, object_ckpt_check.py restores -------------------------------------------

// TF's checkpoints with every value + 1 (save_counter and the optimizer's iterations too).
TEST(TfmodelWrites, TfGraphsWithEveryValuePlusOne) {
  ASSERT_FALSE(kOutDir.empty()) << "TFMODEL_OBJECT_CKPT_OUT_DIR is not set";
  for (const std::string name : {"keras_adam", "v1_slots"}) {
    SCOPED_TRACE(name);
    const std::string tf_prefix = LoadCase(name)["prefix"];
    auto ckpt = ObjectCheckpoint::Open(tf_prefix);
    ASSERT_TRUE(ckpt.ok()) << ckpt.status().ToString();
    std::map<std::string, Tensor> updates;
    for (const ObjectTensor& t : (*ckpt)->tensors()) {
      auto v = (*ckpt)->Read(t.object_path);
      ASSERT_TRUE(v.ok()) << v.status().ToString();
      updates[t.object_path] = PlusOne(*v);
    }
    const std::string out =
        kOutDir + "/" + name + "_plus1/" + fs::path(tf_prefix).filename().string();
    fs::create_directories(fs::path(out).parent_path());
    Status s = SaveUpdatedObjectCheckpoint(out, **ckpt, updates);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
}

// Graphs built from nothing but object paths, with TF's values + 1: the uncompiled Keras model
// as tf.train.Checkpoint(model=) names its variables, and the v1 variables + Adam slots.
TEST(TfmodelWrites, GraphsBuiltFromScratch) {
  ASSERT_FALSE(kOutDir.empty()) << "TFMODEL_OBJECT_CKPT_OUT_DIR is not set";
  auto keras = ObjectCheckpoint::Open(LoadCase("keras_adam")["prefix"].get<std::string>());
  auto v1 = ObjectCheckpoint::Open(LoadCase("v1_slots")["prefix"].get<std::string>());
  ASSERT_TRUE(keras.ok() && v1.ok());
  auto plus_one = [](const ObjectCheckpoint& c, const std::string& path) {
    auto v = c.Read(path);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? PlusOne(*v) : Tensor();
  };

  ObjectGraph model;
  std::map<std::string, Tensor> model_values;
  const char* kLayers[][2] = {{"1/_kernel", "0"}, {"1/bias", "1"}, {"2/_kernel", "2"},
                              {"2/bias", "3"}};
  for (const auto& [layer_var, index] : kLayers) {
    const std::string path = std::string("model/_functional/_operations/") + layer_var;
    ASSERT_TRUE(model.AddVariable(path).ok());
    model_values[path] = plus_one(**keras, std::string("optimizer/_trainable_variables/") + index);
  }
  // tf.train.Checkpoint.restore() creates save_counter: without it in the checkpoint,
  // assert_existing_objects_matched() fails.
  ASSERT_TRUE(model.AddVariable("save_counter").ok());
  model_values["save_counter"] = plus_one(**keras, "save_counter");
  const std::string model_out = kOutDir + "/keras_scratch/ckpt";
  fs::create_directories(fs::path(model_out).parent_path());
  Status s = SaveObjectCheckpoint(model_out, model, model_values);
  ASSERT_TRUE(s.ok()) << s.ToString();

  ObjectGraph slots;
  std::map<std::string, Tensor> slot_values;
  for (const char* var : {"v", "w"}) {
    ASSERT_TRUE(slots.AddVariable(var).ok());
    slot_values[var] = plus_one(**v1, var);
  }
  for (const char* scalar : {"save_counter", "opt/beta1_power", "opt/beta2_power"}) {
    ASSERT_TRUE(slots.AddVariable(scalar).ok());
    slot_values[scalar] = plus_one(**v1, scalar);
  }
  for (const char* var : {"v", "w"}) {
    for (const char* slot : {"m", "v"}) {
      auto key = slots.AddSlotVariable("opt", var, slot);
      ASSERT_TRUE(key.ok()) << key.status().ToString();
      slot_values[*key] = plus_one(**v1, *key);
    }
  }
  const std::string slots_out = kOutDir + "/v1_scratch/ckpt";
  fs::create_directories(fs::path(slots_out).parent_path());
  s = SaveObjectCheckpoint(slots_out, slots, slot_values);
  ASSERT_TRUE(s.ok()) << s.ToString();
}

}  // namespace
}  // namespace tfmodel
