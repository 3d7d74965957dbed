// Checks our TensorFlow-compatible protos against real files written by TensorFlow
// (the corpus under ../shared/corpus/real; see its MANIFEST.md for the facts used here).

#include <gtest/gtest.h>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/message.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "checkpoint_state.pb.h"
#include "example.pb.h"
#include "fingerprint.pb.h"
#include "graph.pb.h"
#include "meta_graph.pb.h"
#include "saved_model.pb.h"
#include "tensor_bundle.pb.h"
#include "types.pb.h"

namespace {

namespace fs = std::filesystem;
namespace pb = google::protobuf;

const fs::path kCorpus = TFMODEL_CORPUS_DIR;
const fs::path kServing = kCorpus / "tensorflow-serving/servables/tensorflow/testdata";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

template <typename Msg>
bool ParseFile(const fs::path& path, Msg* msg) {
  const std::string bytes = ReadFile(path);
  return msg->ParseFromString(bytes);
}

// Number of unknown fields anywhere in the message tree. Zero means every field that
// TensorFlow wrote is known to our .proto files.
int CountUnknownFields(const pb::Message& msg) {
  const pb::Reflection* refl = msg.GetReflection();
  int count = refl->GetUnknownFields(msg).field_count();
  std::vector<const pb::FieldDescriptor*> fields;
  refl->ListFields(msg, &fields);
  for (const pb::FieldDescriptor* f : fields) {
    if (f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (f->is_repeated()) {
      for (int i = 0; i < refl->FieldSize(msg, f); ++i) count += CountUnknownFields(refl->GetRepeatedMessage(msg, f, i));
    } else {
      count += CountUnknownFields(refl->GetMessage(msg, f));
    }
  }
  return count;
}

std::vector<fs::path> FindFiles(const std::string& filename_or_ext) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::recursive_directory_iterator(kCorpus)) {
    if (!entry.is_regular_file()) continue;
    const fs::path& p = entry.path();
    if (p.filename() == filename_or_ext || p.extension() == filename_or_ext) out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string DeterministicBytes(const pb::Message& msg) {
  std::string out;
  pb::io::StringOutputStream stream(&out);
  pb::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  msg.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

TEST(ProtoCheck, CorpusIsPresent) {
  ASSERT_TRUE(fs::is_directory(kCorpus)) << kCorpus;
  EXPECT_TRUE(fs::exists(kCorpus / "MANIFEST.md"));
}

TEST(ProtoCheck, DataTypeEnumIsComplete) {
  EXPECT_EQ(tensorflow::DT_FLOAT, 1);
  EXPECT_EQ(tensorflow::DT_HALF, 19);
  EXPECT_EQ(tensorflow::DT_RESOURCE, 20);
  EXPECT_EQ(tensorflow::DT_VARIANT, 21);
  EXPECT_EQ(tensorflow::DT_UINT64, 23);
  EXPECT_EQ(tensorflow::DT_FLOAT8_E5M2, 24);
  EXPECT_EQ(tensorflow::DT_FLOAT8_E5M2FNUZ, 28);
  EXPECT_EQ(tensorflow::DT_INT4, 29);
  EXPECT_EQ(tensorflow::DT_UINT4, 30);
  EXPECT_EQ(tensorflow::DT_INT2, 31);
  EXPECT_EQ(tensorflow::DT_UINT2, 32);
  EXPECT_EQ(tensorflow::DT_FLOAT4_E2M1FN, 33);
  // Every base type 1..33 has a _REF twin at +100, and nothing else exists.
  const pb::EnumDescriptor* dt = tensorflow::DataType_descriptor();
  EXPECT_EQ(dt->full_name(), "tensorflow.DataType");
  EXPECT_EQ(dt->value_count(), 1 + 33 + 33);
  for (int v = 1; v <= 33; ++v) {
    const pb::EnumValueDescriptor* base = dt->FindValueByNumber(v);
    ASSERT_NE(base, nullptr) << v;
    const pb::EnumValueDescriptor* ref = dt->FindValueByNumber(v + 100);
    ASSERT_NE(ref, nullptr) << v;
    EXPECT_EQ(ref->name(), base->name() + "_REF");
  }
}

TEST(ProtoCheck, HalfPlusTwoCpuSavedModel) {
  tensorflow::SavedModel sm;
  ASSERT_TRUE(ParseFile(kServing / "saved_model_half_plus_two_cpu/00000123/saved_model.pb", &sm));
  EXPECT_EQ(sm.saved_model_schema_version(), 1);
  ASSERT_EQ(sm.meta_graphs_size(), 1);
  const tensorflow::MetaGraphDef& mg = sm.meta_graphs(0);
  ASSERT_EQ(mg.meta_info_def().tags_size(), 1);
  EXPECT_EQ(mg.meta_info_def().tags(0), "serve");
  EXPECT_EQ(mg.meta_info_def().tensorflow_version(), "1.14.0");
  EXPECT_EQ(mg.graph_def().versions().producer(), 149);

  // 5 signatures (MANIFEST 1a).
  EXPECT_EQ(mg.signature_def_size(), 5);
  ASSERT_EQ(mg.signature_def().count("serving_default"), 1u);
  const tensorflow::SignatureDef& sig = mg.signature_def().at("serving_default");
  EXPECT_EQ(sig.method_name(), "tensorflow/serving/predict");
  ASSERT_EQ(sig.inputs().count("x"), 1u);
  const tensorflow::TensorInfo& x = sig.inputs().at("x");
  EXPECT_EQ(x.encoding_case(), tensorflow::TensorInfo::kName);
  EXPECT_EQ(x.name(), "x:0");
  EXPECT_EQ(x.dtype(), tensorflow::DT_FLOAT);
  ASSERT_EQ(sig.outputs().count("y"), 1u);
  EXPECT_EQ(sig.outputs().at("y").name(), "y:0");
  EXPECT_EQ(mg.signature_def().at("classify_x_to_y").method_name(), "tensorflow/serving/classify");
  EXPECT_EQ(mg.signature_def().at("regress_x_to_y").inputs().at("inputs").name(), "tf_example:0");

  // TF1 SavedModelBuilder's sharded V2 saver (spec 3.2).
  const tensorflow::SaverDef& saver = mg.saver_def();
  EXPECT_EQ(saver.filename_tensor_name(), "save/Const:0");
  EXPECT_EQ(saver.save_tensor_name(), "save/Identity:0");
  EXPECT_EQ(saver.restore_op_name(), "save/restore_all");
  EXPECT_TRUE(saver.sharded());
  EXPECT_EQ(saver.version(), tensorflow::SaverDef::V2);

  // Variables are listed as serialized VariableDef in the "variables" collection.
  ASSERT_EQ(mg.collection_def().count("variables"), 1u);
  const tensorflow::CollectionDef& vars = mg.collection_def().at("variables");
  ASSERT_EQ(vars.kind_case(), tensorflow::CollectionDef::kBytesList);
  std::set<std::string> names;
  for (const std::string& bytes : vars.bytes_list().value()) {
    tensorflow::VariableDef vd;
    ASSERT_TRUE(vd.ParseFromString(bytes));
    names.insert(vd.variable_name());
  }
  EXPECT_EQ(names, (std::set<std::string>{"a:0", "a2:0", "b:0", "c:0", "c2:0"}));

  EXPECT_EQ(CountUnknownFields(sm), 0);
}

TEST(ProtoCheck, HalfPlusTwoTf2SavedModel) {
  const fs::path dir = kServing / "saved_model_half_plus_two_tf2_cpu/00000123";
  tensorflow::SavedModel sm;
  ASSERT_TRUE(ParseFile(dir / "saved_model.pb", &sm));
  ASSERT_EQ(sm.meta_graphs_size(), 1);
  const tensorflow::MetaGraphDef& mg = sm.meta_graphs(0);
  EXPECT_EQ(mg.meta_info_def().tensorflow_version(), "2.14.0");
  EXPECT_TRUE(mg.meta_info_def().stripped_default_attrs());
  EXPECT_EQ(mg.graph_def().library().function_size(), 14);  // MANIFEST 1b

  const tensorflow::SavedObjectGraph& og = mg.object_graph_def();
  ASSERT_GT(og.nodes_size(), 0);
  EXPECT_GT(og.concrete_functions_size(), 0);
  // Root has a "signatures" child whose node is a signature_map user object.
  int signatures_node = -1;
  for (const auto& child : og.nodes(0).children()) {
    if (child.local_name() == "signatures") signatures_node = child.node_id();
  }
  ASSERT_GE(signatures_node, 0);
  ASSERT_LT(signatures_node, og.nodes_size());
  EXPECT_EQ(og.nodes(signatures_node).kind_case(), tensorflow::SavedObject::kUserObject);
  EXPECT_EQ(og.nodes(signatures_node).user_object().identifier(), "signature_map");
  // Variables a, b, c appear as SavedVariable nodes.
  int variables = 0;
  for (const auto& node : og.nodes()) {
    if (node.kind_case() == tensorflow::SavedObject::kVariable) ++variables;
  }
  EXPECT_EQ(variables, 3);

  // TF2 writes method_name predict for every signature, plus the init-op signature.
  ASSERT_EQ(mg.signature_def().count("serving_default"), 1u);
  EXPECT_EQ(mg.signature_def().at("serving_default").method_name(), "tensorflow/serving/predict");
  ASSERT_EQ(mg.signature_def().count("__saved_model_init_op"), 1u);
  EXPECT_EQ(mg.signature_def().at("__saved_model_init_op").outputs().at("__saved_model_init_op").name(), "NoOp");
  EXPECT_EQ(mg.saver_def().filename_tensor_name(), "saver_filename:0");
  ASSERT_EQ(mg.asset_file_def_size(), 1);
  EXPECT_EQ(mg.asset_file_def(0).filename(), "foo.txt");

  EXPECT_EQ(CountUnknownFields(sm), 0);

  tensorflow::FingerprintDef fp;
  ASSERT_TRUE(ParseFile(dir / "fingerprint.pb", &fp));
  EXPECT_EQ(fp.saved_model_checksum(), 3202314178945370836ull);
  EXPECT_EQ(fp.checkpoint_hash(), 17568057568585441542ull);
  EXPECT_EQ(fp.version().producer(), 1);
  EXPECT_EQ(CountUnknownFields(fp), 0);
  // TF 2.14 wrote this file's fields in descending field-number order (as it did inside
  // its saved_model.pb's MetaGraphDef); C++ protobuf emits ascending order, so only the
  // size matches.
  EXPECT_EQ(fp.SerializeAsString().size(), ReadFile(dir / "fingerprint.pb").size());
}

TEST(ProtoCheck, MetaGraphFromTf1Checkpoint) {
  tensorflow::MetaGraphDef mg;
  ASSERT_TRUE(ParseFile(kCorpus / "cppflow/cppflow1/examples/mnist/checkpoint/train.ckpt.meta", &mg));
  EXPECT_EQ(mg.meta_info_def().tensorflow_version(), "1.15.0");
  EXPECT_EQ(mg.graph_def().versions().producer(), 134);
  // Non-sharded TF1 Saver (spec 3.2).
  EXPECT_EQ(mg.saver_def().filename_tensor_name(), "save/Const:0");
  EXPECT_EQ(mg.saver_def().save_tensor_name(), "save/control_dependency:0");
  EXPECT_EQ(mg.saver_def().restore_op_name(), "save/restore_all");
  EXPECT_EQ(mg.saver_def().max_to_keep(), 5);
  EXPECT_FLOAT_EQ(mg.saver_def().keep_checkpoint_every_n_hours(), 10000.0f);
  EXPECT_FALSE(mg.saver_def().sharded());
  EXPECT_EQ(mg.saver_def().version(), tensorflow::SaverDef::V2);
  // The MLP's first kernel is a float64 variable (MANIFEST 3).
  bool found_kernel = false;
  for (const tensorflow::NodeDef& node : mg.graph_def().node()) {
    if (node.name() == "dense/kernel") {
      found_kernel = true;
      ASSERT_EQ(node.attr().count("dtype"), 1u);
      EXPECT_EQ(node.attr().at("dtype").type(), tensorflow::DT_DOUBLE);
      const tensorflow::TensorShapeProto& shape = node.attr().at("shape").shape();
      ASSERT_EQ(shape.dim_size(), 2);
      EXPECT_EQ(shape.dim(0).size(), 784);
      EXPECT_EQ(shape.dim(1).size(), 128);
    }
  }
  EXPECT_TRUE(found_kernel);
  EXPECT_EQ(CountUnknownFields(mg), 0);
}

TEST(ProtoCheck, CheckpointStateTextFormat) {
  const std::string text = ReadFile(kCorpus / "cppflow/cppflow1/examples/mnist/checkpoint/checkpoint");
  tensorflow::CheckpointState state;
  ASSERT_TRUE(pb::TextFormat::ParseFromString(text, &state));
  EXPECT_EQ(state.model_checkpoint_path(), "train.ckpt");
  ASSERT_EQ(state.all_model_checkpoint_paths_size(), 1);
  EXPECT_EQ(state.all_model_checkpoint_paths(0), "train.ckpt");

  // Timestamps (fields 3 and 4) as CheckpointManager writes them.
  tensorflow::CheckpointState with_times;
  ASSERT_TRUE(pb::TextFormat::ParseFromString(
      "model_checkpoint_path: \"ckpt-2\"\n"
      "all_model_checkpoint_paths: \"ckpt-1\"\n"
      "all_model_checkpoint_paths: \"ckpt-2\"\n"
      "all_model_checkpoint_timestamps: 1700000000.5\n"
      "all_model_checkpoint_timestamps: 1700000100.25\n"
      "last_preserved_timestamp: 1699999999.0\n",
      &with_times));
  ASSERT_EQ(with_times.all_model_checkpoint_timestamps_size(), 2);
  EXPECT_DOUBLE_EQ(with_times.all_model_checkpoint_timestamps(1), 1700000100.25);
  EXPECT_DOUBLE_EQ(with_times.last_preserved_timestamp(), 1699999999.0);
}

TEST(ProtoCheck, FrozenGraphDef) {
  tensorflow::GraphDef graph;
  ASSERT_TRUE(ParseFile(kCorpus / "tensorflow-rust/examples/addition/model.pb", &graph));
  EXPECT_EQ(graph.versions().producer(), 1882);
  ASSERT_EQ(graph.node_size(), 3);
  std::set<std::string> names;
  for (const auto& node : graph.node()) names.insert(node.name());
  EXPECT_EQ(names, (std::set<std::string>{"x", "y", "z"}));
  EXPECT_EQ(CountUnknownFields(graph), 0);
}

// Every TF-written saved_model.pb, .meta and frozen GraphDef in the corpus parses with no
// unknown fields, and re-serializes to the same number of bytes.
TEST(ProtoCheck, AllSavedModelsParseAndRoundTrip) {
  const std::vector<fs::path> files = FindFiles("saved_model.pb");
  ASSERT_GE(files.size(), 20u);
  for (const fs::path& path : files) {
    SCOPED_TRACE(path.string());
    const std::string bytes = ReadFile(path);
    tensorflow::SavedModel sm;
    ASSERT_TRUE(sm.ParseFromString(bytes));
    EXPECT_GE(sm.meta_graphs_size(), 1);
    EXPECT_EQ(CountUnknownFields(sm), 0);
    EXPECT_EQ(sm.ByteSizeLong(), bytes.size());
    EXPECT_EQ(sm.SerializeAsString().size(), bytes.size());
    EXPECT_EQ(DeterministicBytes(sm).size(), bytes.size());
  }
}

TEST(ProtoCheck, AllMetaGraphsParse) {
  const std::vector<fs::path> files = FindFiles(".meta");
  ASSERT_GE(files.size(), 9u);
  for (const fs::path& path : files) {
    SCOPED_TRACE(path.string());
    const std::string bytes = ReadFile(path);
    tensorflow::MetaGraphDef mg;
    ASSERT_TRUE(mg.ParseFromString(bytes));
    EXPECT_GT(mg.graph_def().node_size(), 0);
    EXPECT_EQ(CountUnknownFields(mg), 0);
    EXPECT_EQ(mg.SerializeAsString().size(), bytes.size());
  }
}

TEST(ProtoCheck, AllFrozenGraphsParse) {
  std::vector<fs::path> files = FindFiles("model.pb");
  for (const fs::path& p : FindFiles("frozen.pb")) files.push_back(p);
  ASSERT_GE(files.size(), 11u);
  for (const fs::path& path : files) {
    SCOPED_TRACE(path.string());
    const std::string bytes = ReadFile(path);
    tensorflow::GraphDef graph;
    ASSERT_TRUE(graph.ParseFromString(bytes));
    EXPECT_GT(graph.node_size(), 0);
    EXPECT_EQ(CountUnknownFields(graph), 0);
    EXPECT_EQ(graph.SerializeAsString().size(), bytes.size());
  }
}

TEST(ProtoCheck, SavedModelByteIdentity) {
  // SavedModels that TF 2.2 - 2.11 wrote with C++ deterministic serialization come back
  // byte for byte. (TF 1.x files use non-deterministic map order, and TF 2.12/2.14 files
  // have some messages in descending field order, so those match in size only.)
  for (const char* rel : {
           "tensorflow-serving/servables/tensorflow/testdata/saved_model_half_plus_two_gpu_trt/00000123/saved_model.pb",
           "tensorflow-serving/servables/tensorflow/testdata/saved_model_half_plus_two_mlmd/00000123/saved_model.pb",
           "tensorflow-java/saved_model_using_python/model/saved_model.pb",
           "cppflow/examples/load_model/model/saved_model.pb",
           "cppflow/examples/lexci_model/model/saved_model.pb",
           "tensorflow-net/Assets/simple_model_from_auto_compile/saved_model.pb",
       }) {
    SCOPED_TRACE(rel);
    const std::string bytes = ReadFile(kCorpus / rel);
    tensorflow::SavedModel sm;
    ASSERT_TRUE(sm.ParseFromString(bytes));
    EXPECT_TRUE(DeterministicBytes(sm) == bytes);
  }
}

TEST(ProtoCheck, UnknownFieldsSurviveRoundTrip) {
  // A future TF field (number 99) inside a NodeDef must survive parse + serialize.
  tensorflow::NodeDef node;
  node.set_name("n");
  std::string bytes = node.SerializeAsString();
  bytes += std::string("\x9a\x06\x03" "abc", 6);  // field 99, length-delimited "abc"
  tensorflow::GraphDef graph;
  std::string graph_bytes = std::string("\x0a", 1) + static_cast<char>(bytes.size()) + bytes;
  ASSERT_TRUE(graph.ParseFromString(graph_bytes));
  EXPECT_EQ(graph.node(0).name(), "n");
  EXPECT_EQ(CountUnknownFields(graph), 1);
  EXPECT_EQ(graph.SerializeAsString(), graph_bytes);
}

TEST(ProtoCheck, ExampleWireFormat) {
  // tf.Example{features{feature{"x": float_list{2.0}}}}, encoded by hand.
  tensorflow::Example ex;
  (*ex.mutable_features()->mutable_feature())["x"].mutable_float_list()->add_value(2.0f);
  const std::string expected(
      "\x0a\x0f"              // Example.features, 15 bytes
      "\x0a\x0d"              // Features.feature map entry, 13 bytes
      "\x0a\x01x"             // key "x"
      "\x12\x08"              // value: Feature, 8 bytes
      "\x12\x06"              // Feature.float_list, 6 bytes
      "\x0a\x04\x00\x00\x00\x40",  // FloatList.value packed [2.0f]
      17);
  EXPECT_EQ(ex.SerializeAsString(), expected);
  tensorflow::Example back;
  ASSERT_TRUE(back.ParseFromString(expected));
  EXPECT_FLOAT_EQ(back.features().feature().at("x").float_list().value(0), 2.0f);
}

TEST(ProtoCheck, BundleHeaderWireFormat) {
  // The header value every TF bundle index stores under key "" (spec 1.5).
  tensorflow::BundleHeaderProto header;
  header.set_num_shards(1);
  header.mutable_version()->set_producer(1);
  EXPECT_EQ(header.SerializeAsString(), std::string("\x08\x01\x1a\x02\x08\x01", 6));
  // A float scalar entry at offset 4, size 4 (spec 1.6).
  tensorflow::BundleEntryProto entry;
  const std::string entry_bytes("\x08\x01\x12\x00\x20\x04\x28\x04\x35\xef\xd6\x82\xc3", 13);
  ASSERT_TRUE(entry.ParseFromString(entry_bytes));
  EXPECT_EQ(entry.dtype(), tensorflow::DT_FLOAT);
  EXPECT_TRUE(entry.has_shape());
  EXPECT_EQ(entry.offset(), 4);
  EXPECT_EQ(entry.size(), 4);
  EXPECT_EQ(entry.crc32c(), 0xc382d6efu);
  EXPECT_EQ(entry.SerializeAsString(), entry_bytes);
}

}  // namespace
