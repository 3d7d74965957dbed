// GraphDef / MetaGraphDef / SavedModel reading against the real corpus (../shared/corpus/real,
// MANIFEST.md), text format, round trips and damaged files.
//
// Expected values not stated in MANIFEST.md were read from the same files once with TensorFlow
// 2.21's Python protos (saved_model_pb2 / graph_pb2 ParseFromString, and
// tensor_util.MakeNdarray for Const values); each block says which.
#include "src/formats/graph_io.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "src/base/file.h"

namespace tfmodel {
namespace {

namespace fs = std::filesystem;

const std::string kCorpus = TFMODEL_CORPUS_DIR;
const std::string kServing = kCorpus + "/tensorflow-serving/servables/tensorflow/testdata";

// A fresh empty directory for one test.
std::string TestDir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  fs::path dir =
      fs::temp_directory_path() / ("graph_io_test_" + std::string(info->test_suite_name()) + "_" +
                                   info->name() + "_" + RandomDigits());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

void WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

const NodeDefData* FindNode(const GraphDefData& g, std::string_view name) {
  for (const NodeDefData& n : g.nodes) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

const FunctionDefData* FindFunction(const GraphDefData& g, std::string_view name) {
  for (const FunctionDefData& f : g.functions) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// ---- structural comparison: "" when equal, else where the first difference is -------------

std::string Diff(const AttrMap& a, const AttrMap& b);

std::string Diff(const FuncAttr& a, const FuncAttr& b) {
  if (a.name != b.name) return "func " + a.name + " vs " + b.name;
  const AttrMap empty;
  return Diff(a.attrs ? *a.attrs : empty, b.attrs ? *b.attrs : empty);
}

bool SameFloat(float a, float b) {
  return std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b);
}

std::string Diff(const AttrValue& a, const AttrValue& b) {
  if (a.kind != b.kind) return "kind";
  using K = AttrValue::Kind;
  switch (a.kind) {
    case K::kNone: return "";
    case K::kString:
    case K::kPlaceholder: return a.s == b.s ? "" : "s";
    case K::kInt: return a.i == b.i ? "" : "i";
    case K::kFloat: return SameFloat(a.f, b.f) ? "" : "f";
    case K::kBool: return a.b == b.b ? "" : "b";
    case K::kType: return a.type == b.type ? "" : "type";
    case K::kShape: return a.shape == b.shape ? "" : "shape";
    case K::kTensor:
      return a.tensor.Equals(b.tensor)
                 ? ""
                 : "tensor " + a.tensor.DebugString() + " vs " + b.tensor.DebugString();
    case K::kFunc: return Diff(a.func, b.func);
    case K::kList: {
      const auto& x = a.list;
      const auto& y = b.list;
      if (x.s != y.s || x.i != y.i || x.b != y.b || x.type != y.type || x.shape != y.shape)
        return "list";
      if (x.f.size() != y.f.size() || x.tensor.size() != y.tensor.size() ||
          x.func.size() != y.func.size()) {
        return "list sizes";
      }
      for (size_t k = 0; k < x.f.size(); ++k) {
        if (!SameFloat(x.f[k], y.f[k])) return "list f";
      }
      for (size_t k = 0; k < x.tensor.size(); ++k) {
        if (!x.tensor[k].Equals(y.tensor[k])) return "list tensor";
      }
      for (size_t k = 0; k < x.func.size(); ++k) {
        if (std::string d = Diff(x.func[k], y.func[k]); !d.empty()) return "list " + d;
      }
      return "";
    }
  }
  return "?";
}

std::string Diff(const AttrMap& a, const AttrMap& b) {
  if (a.size() != b.size())
    return "attr count " + std::to_string(a.size()) + " vs " + std::to_string(b.size());
  for (const auto& [name, value] : a) {
    auto it = b.find(name);
    if (it == b.end()) return "attr " + name + " missing";
    if (std::string d = Diff(value, it->second); !d.empty()) return "attr " + name + ": " + d;
  }
  return "";
}

std::string Diff(const NodeDefData& a, const NodeDefData& b) {
  if (a.name != b.name || a.op != b.op || a.inputs != b.inputs || a.device != b.device) {
    return "node " + a.name + " header";
  }
  std::string d = Diff(a.attrs, b.attrs);
  return d.empty() ? "" : "node " + a.name + ": " + d;
}

std::string Diff(const std::vector<NodeDefData>& a, const std::vector<NodeDefData>& b) {
  if (a.size() != b.size()) return "node count";
  for (size_t k = 0; k < a.size(); ++k) {
    if (std::string d = Diff(a[k], b[k]); !d.empty()) return d;
  }
  return "";
}

bool SameArgs(const std::vector<ArgDefData>& a, const std::vector<ArgDefData>& b) {
  if (a.size() != b.size()) return false;
  for (size_t k = 0; k < a.size(); ++k) {
    if (a[k].name != b[k].name || a[k].type != b[k].type || a[k].type_attr != b[k].type_attr ||
        a[k].number_attr != b[k].number_attr || a[k].type_list_attr != b[k].type_list_attr ||
        a[k].is_ref != b[k].is_ref) {
      return false;
    }
  }
  return true;
}

std::string Diff(const FunctionDefData& a, const FunctionDefData& b) {
  const std::string where = "function " + a.name + ": ";
  if (a.name != b.name || !SameArgs(a.input_args, b.input_args) ||
      !SameArgs(a.output_args, b.output_args) || a.control_outputs != b.control_outputs ||
      a.ret != b.ret || a.control_ret != b.control_ret || a.is_stateful != b.is_stateful ||
      a.arg_attrs.size() != b.arg_attrs.size()) {
    return where + "signature";
  }
  if (std::string d = Diff(a.attrs, b.attrs); !d.empty()) return where + d;
  for (const auto& [index, attrs] : a.arg_attrs) {
    auto it = b.arg_attrs.find(index);
    if (it == b.arg_attrs.end()) return where + "arg_attr";
    if (std::string d = Diff(attrs, it->second); !d.empty()) return where + d;
  }
  if (std::string d = Diff(a.nodes, b.nodes); !d.empty()) return where + d;
  return "";
}

std::string Diff(const GraphDefData& a, const GraphDefData& b) {
  if (a.producer != b.producer || a.min_consumer != b.min_consumer) return "versions";
  if (std::string d = Diff(a.nodes, b.nodes); !d.empty()) return d;
  if (a.functions.size() != b.functions.size()) return "function count";
  for (size_t k = 0; k < a.functions.size(); ++k) {
    if (std::string d = Diff(a.functions[k], b.functions[k]); !d.empty()) return d;
  }
  return "";
}

// Writes `g` (binary and text) and reads it back; both must equal `g`.
void ExpectRoundTrip(const GraphDefData& g, const std::string& dir, const std::string& what) {
  for (bool text : {false, true}) {
    const std::string path = JoinPath(dir, text ? "g.pbtxt" : "g.pb");
    ASSERT_TRUE(WriteGraphDef(path, g, text).ok()) << what;
    Result<GraphDefData> back = ReadGraphDef(path);
    ASSERT_TRUE(back.ok()) << what << ": " << back.status().ToString();
    EXPECT_EQ(Diff(g, *back), "") << what << (text ? " (text)" : " (binary)");
  }
}

// ---- the whole corpus ---------------------------------------------------------------------------

TEST(GraphIoCorpus, EveryGraphFileParsesAndRoundTrips) {
  const std::string dir = TestDir();
  int saved_models = 0, metas = 0, graphs = 0;
  for (const auto& entry : fs::recursive_directory_iterator(kCorpus)) {
    if (!entry.is_regular_file()) continue;
    const std::string path = entry.path().string();
    const std::string name = entry.path().filename().string();
    std::vector<const GraphDefData*> parsed;
    Result<SavedModelData> sm = Status(StatusCode::kUnknown, "unused");
    Result<MetaGraphData> meta = Status(StatusCode::kUnknown, "unused");
    Result<GraphDefData> graph = Status(StatusCode::kUnknown, "unused");
    if (name == "saved_model.pb") {
      sm = ReadSavedModel(entry.path().parent_path().string());
      ASSERT_TRUE(sm.ok()) << sm.status().ToString();
      EXPECT_EQ(sm->path, path);
      for (const MetaGraphData& m : sm->meta_graphs) parsed.push_back(&m.graph);
      ++saved_models;
    } else if (entry.path().extension() == ".meta") {
      meta = ReadMetaGraph(path);
      ASSERT_TRUE(meta.ok()) << meta.status().ToString();
      parsed.push_back(&meta->graph);
      ++metas;
    } else if (entry.path().extension() == ".pb" && name != "fingerprint.pb" &&
               name != "keras_metadata.pb" && name != "saved_model_config.pb") {
      graph = ReadGraphDef(path);
      ASSERT_TRUE(graph.ok()) << graph.status().ToString();
      parsed.push_back(&graph.value());
      ++graphs;
    }
    for (const GraphDefData* g : parsed) {
      EXPECT_FALSE(g->nodes.empty()) << path;
      for (const NodeDefData& n : g->nodes)
        EXPECT_FALSE(n.op.empty()) << path << " node " << n.name;
      ExpectRoundTrip(*g, dir, path);
    }
  }
  // 28 SavedModels, 9 .meta files, 12 GraphDefs (MANIFEST.md's file list).
  EXPECT_EQ(saved_models, 28);
  EXPECT_EQ(metas, 9);
  EXPECT_EQ(graphs, 12);
}

// ---- TF1 SavedModel: saved_model_half_plus_two_cpu (TF 1.14) ------------------------------------

TEST(GraphIoCorpus, HalfPlusTwoCpu) {
  Result<SavedModelData> sm = ReadSavedModel(kServing + "/saved_model_half_plus_two_cpu/00000123");
  ASSERT_TRUE(sm.ok()) << sm.status().ToString();
  ASSERT_EQ(sm->meta_graphs.size(), 1u);
  const MetaGraphData& m = sm->meta_graphs[0];
  EXPECT_EQ(m.tags, std::vector<std::string>{"serve"});
  EXPECT_EQ(m.tensorflow_version, "1.14.0");
  EXPECT_FALSE(m.stripped_default_attrs);
  EXPECT_FALSE(m.has_object_graph);
  EXPECT_EQ(m.graph.nodes.size(), 74u);  // TF 2.21 Python: len(graph_def.node)
  EXPECT_EQ(m.graph.producer, 149);
  EXPECT_TRUE(m.graph.functions.empty());

  // Signatures (MANIFEST 1a; method names, dtypes and shapes from TF's Python protos).
  std::vector<std::string> keys;
  for (const auto& [k, s] : m.signatures) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"classify_x_to_y", "regress_x2_to_y3", "regress_x_to_y",
                                            "regress_x_to_y2", "serving_default"}));
  const SignatureDefData& predict = m.signatures.at("serving_default");
  EXPECT_EQ(predict.method_name, "tensorflow/serving/predict");
  ASSERT_EQ(predict.inputs.size(), 1u);
  EXPECT_EQ(predict.inputs.at("x").name, "x:0");
  EXPECT_EQ(predict.inputs.at("x").dtype, DataType::kFloat);
  EXPECT_EQ(predict.inputs.at("x").shape.ToCliString(), "(-1, 1)");
  EXPECT_FALSE(predict.inputs.at("x").shape.IsFullyDefined());
  EXPECT_EQ(predict.outputs.at("y").name, "y:0");
  EXPECT_EQ(predict.outputs.at("y").shape, (PartialShape{.dims = {-1, 1}}));
  EXPECT_TRUE(predict.defaults.empty());
  const SignatureDefData& classify = m.signatures.at("classify_x_to_y");
  EXPECT_EQ(classify.method_name, "tensorflow/serving/classify");
  EXPECT_EQ(classify.inputs.at("inputs").name, "tf_example:0");
  EXPECT_EQ(classify.inputs.at("inputs").dtype, DataType::kString);
  EXPECT_TRUE(classify.inputs.at("inputs").shape.unknown_rank);
  EXPECT_EQ(classify.inputs.at("inputs").shape.ToCliString(), "unknown_rank");
  EXPECT_EQ(classify.outputs.at("scores").name, "y:0");
  EXPECT_EQ(m.signatures.at("regress_x_to_y").method_name, "tensorflow/serving/regress");
  EXPECT_EQ(m.signatures.at("regress_x_to_y2").outputs.at("outputs").name, "y2:0");
  EXPECT_EQ(m.signatures.at("regress_x2_to_y3").inputs.at("inputs").name, "x2:0");
  EXPECT_EQ(m.signatures.at("regress_x2_to_y3").outputs.at("outputs").name, "y3:0");

  // SaverDef: spec 3.2's "TF1 Saver sharded" values.
  ASSERT_TRUE(m.has_saver);
  EXPECT_EQ(m.saver.filename_tensor_name, "save/Const:0");
  EXPECT_EQ(m.saver.save_tensor_name, "save/Identity:0");
  EXPECT_EQ(m.saver.restore_op_name, "save/restore_all");
  EXPECT_EQ(m.saver.max_to_keep, 5);
  EXPECT_TRUE(m.saver.sharded);
  EXPECT_EQ(m.saver.keep_checkpoint_every_n_hours, 10000.0f);
  EXPECT_EQ(m.saver.version, 2);

  // Collections.
  std::vector<std::string> collections;
  for (const auto& [k, c] : m.collections) collections.push_back(k);
  EXPECT_EQ(collections,
            (std::vector<std::string>{"asset_filepaths", "saved_model_assets",
                                      "saved_model_main_op", "trainable_variables", "variables"}));
  const CollectionData& vars = m.collections.at("variables");
  ASSERT_EQ(vars.bytes_list.size(), 5u);  // VariableDefs of a, b, c, a2, c2
  EXPECT_EQ(vars.bytes_list[0], std::string("\n\x03"
                                            "a:0\x12\x08"
                                            "a/Assign\x1a\x08"
                                            "a/read:0"
                                            "2\x11"
                                            "a/initial_value:08\x01"));
  EXPECT_TRUE(vars.node_list.empty());
  EXPECT_EQ(m.collections.at("asset_filepaths").node_list, std::vector<std::string>{"Const:0"});
  EXPECT_EQ(m.collections.at("saved_model_main_op").node_list,
            std::vector<std::string>{"group_deps"});
  const CollectionData& assets = m.collections.at("saved_model_assets");
  EXPECT_EQ(assets.any_type_urls,
            std::vector<std::string>{"type.googleapis.com/tensorflow.AssetFileDef"});
  ASSERT_EQ(assets.any_values.size(), 1u);
  EXPECT_EQ(assets.any_values[0], std::string("\x0a\x09\x0a\x07"
                                              "Const:0\x12\x07"
                                              "foo.txt"));

  // The asset comes from the saved_model_assets collection (no asset_file_def in TF1).
  ASSERT_EQ(m.assets.size(), 1u);
  EXPECT_EQ(m.assets[0].tensor_name, "Const:0");
  EXPECT_EQ(m.assets[0].filename, "foo.txt");

  // Variable a: VariableV2 with dtype float and an empty shape (scalar).
  const NodeDefData* a = FindNode(m.graph, "a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->op, "VariableV2");
  EXPECT_EQ(a->attrs.at("dtype").kind, AttrValue::Kind::kType);
  EXPECT_EQ(a->attrs.at("dtype").type, DataType::kFloat);
  EXPECT_EQ(a->attrs.at("shape").shape, PartialShape{});
}

// ---- TF2 SavedModel: saved_model_half_plus_two_tf2_cpu (TF 2.14) -------------------------------

TEST(GraphIoCorpus, HalfPlusTwoTf2) {
  Result<SavedModelData> sm =
      ReadSavedModel(kServing + "/saved_model_half_plus_two_tf2_cpu/00000123");
  ASSERT_TRUE(sm.ok()) << sm.status().ToString();
  const MetaGraphData& m = sm->meta_graphs.at(0);
  EXPECT_EQ(m.tensorflow_version, "2.14.0");
  EXPECT_TRUE(m.has_object_graph);
  EXPECT_TRUE(m.stripped_default_attrs);
  EXPECT_EQ(m.graph.functions.size(), 14u);  // MANIFEST 1b
  EXPECT_EQ(m.graph.producer, 1569);
  EXPECT_EQ(m.graph.min_consumer, 12);
  EXPECT_EQ(m.signatures.size(), 7u);

  // spec 4.5: the init op signature.
  const SignatureDefData& init = m.signatures.at("__saved_model_init_op");
  EXPECT_EQ(init.method_name, "");
  EXPECT_TRUE(init.inputs.empty());
  const TensorInfoData& init_out = init.outputs.at("__saved_model_init_op");
  EXPECT_EQ(init_out.name, "NoOp");
  EXPECT_EQ(init_out.dtype, DataType::kInvalid);
  EXPECT_TRUE(init_out.shape.unknown_rank);
  EXPECT_EQ(m.collections.at("saved_model_main_op").node_list, std::vector<std::string>{"NoOp"});

  const SignatureDefData& predict = m.signatures.at("serving_default");
  EXPECT_EQ(predict.method_name, "tensorflow/serving/predict");
  EXPECT_EQ(predict.inputs.at("x").name, "serving_default_x:0");
  EXPECT_EQ(predict.inputs.at("x").shape, (PartialShape{.dims = {1}}));
  EXPECT_EQ(predict.outputs.at("y").name, "StatefulPartitionedCall_5:0");
  // The default of x ([0.0], MANIFEST 1b: "no inputs (default x=[0]) -> y=[2]").
  ASSERT_EQ(predict.defaults.count("x"), 1u);
  const float zero[] = {0.0f};
  EXPECT_TRUE(predict.defaults.at("x").Equals(Tensor::FromVector<float>(zero, {1})));
  // TF2 writes the predict method name for every user signature (spec 4.2).
  EXPECT_EQ(m.signatures.at("classify_x_to_y").method_name, "tensorflow/serving/predict");
  EXPECT_EQ(m.signatures.at("classify_x_to_y").inputs.at("inputs").dtype, DataType::kString);

  ASSERT_TRUE(m.has_saver);
  EXPECT_EQ(m.saver.filename_tensor_name, "saver_filename:0");
  EXPECT_EQ(m.saver.save_tensor_name, "StatefulPartitionedCall_6:0");
  EXPECT_EQ(m.saver.restore_op_name, "StatefulPartitionedCall_7");
  EXPECT_EQ(m.saver.max_to_keep, 0);
  EXPECT_EQ(m.saver.version, 2);

  // asset_file_def wins (spec 4.5).
  ASSERT_EQ(m.assets.size(), 1u);
  EXPECT_EQ(m.assets[0].tensor_name, "asset_path_initializer:0");
  EXPECT_EQ(m.assets[0].filename, "foo.txt");

  // One traced function, field by field (TF 2.21 Python: graph_def.library.function).
  const FunctionDefData* f = FindFunction(m.graph, "__inference_regress_x2y3_165");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->input_args.size(), 3u);
  EXPECT_EQ(f->input_args[0].name, "inputs");
  EXPECT_EQ(f->input_args[0].type, DataType::kFloat);
  EXPECT_EQ(f->input_args[1].name, "mul_readvariableop_resource");
  EXPECT_EQ(f->input_args[1].type, DataType::kResource);
  ASSERT_EQ(f->output_args.size(), 1u);
  EXPECT_EQ(f->output_args[0].name, "identity");
  EXPECT_TRUE(f->is_stateful);
  EXPECT_EQ(f->control_outputs,
            (std::vector<std::string>{"Add/ReadVariableOp", "Mul/ReadVariableOp"}));
  EXPECT_EQ(f->ret, (std::map<std::string, std::string>{{"identity", "Identity:output:0"}}));
  EXPECT_EQ(f->control_ret.size(), 2u);
  EXPECT_EQ(f->control_ret.at("Mul/ReadVariableOp"), "Mul/ReadVariableOp");
  EXPECT_EQ(f->attrs.at("_construction_context").s, "kEagerRuntime");
  const AttrValue& input_shapes = f->attrs.at("_input_shapes");
  EXPECT_EQ(input_shapes.kind, AttrValue::Kind::kList);
  EXPECT_EQ(input_shapes.list.shape,
            (std::vector<PartialShape>{PartialShape{.dims = {1}}, PartialShape{}, PartialShape{}}));
  ASSERT_EQ(f->arg_attrs.size(), 3u);
  EXPECT_EQ(f->arg_attrs.at(0).at("_user_specified_name").s, "inputs");
  EXPECT_EQ(f->arg_attrs.at(2).at("_user_specified_name").s, "resource");
  ASSERT_EQ(f->nodes.size(), 6u);
  EXPECT_EQ(f->nodes[3].name, "Add");
  EXPECT_EQ(f->nodes[3].op, "AddV2");
  EXPECT_EQ(f->nodes[3].inputs,
            (std::vector<std::string>{"Mul:z:0", "Add/ReadVariableOp:value:0"}));

  // A call node inside the signature wrapper: func, list(type), list(int) and an empty list.
  const FunctionDefData* w =
      FindFunction(m.graph, "__inference_signature_wrapper_regress_x2y3_175");
  ASSERT_NE(w, nullptr);
  const NodeDefData& call = w->nodes.at(0);
  EXPECT_EQ(call.op, "StatefulPartitionedCall");
  EXPECT_EQ(call.attrs.at("f").kind, AttrValue::Kind::kFunc);
  EXPECT_EQ(call.attrs.at("f").func.name, "__inference_regress_x2y3_165");
  ASSERT_NE(call.attrs.at("f").func.attrs, nullptr);
  EXPECT_TRUE(call.attrs.at("f").func.attrs->empty());
  EXPECT_EQ(call.attrs.at("Tin").list.type,
            (std::vector<DataType>{DataType::kFloat, DataType::kResource, DataType::kResource}));
  EXPECT_EQ(call.attrs.at("_read_only_resource_inputs").list.i, (std::vector<int64_t>{1, 2}));
  const AttrValue& empty_list = call.attrs.at("_collective_manager_ids");
  EXPECT_EQ(empty_list.kind, AttrValue::Kind::kList);
  EXPECT_TRUE(empty_list.list.i.empty() && empty_list.list.s.empty());
}

// ---- Const values ---------------------------------------------------------------------------

TEST(GraphIoCorpus, MatrixHalfPlusTwoConsts) {
  Result<SavedModelData> sm =
      ReadSavedModel(kCorpus + "/tensorflow-serving/batching/testdata/matrix_half_plus_two/1");
  ASSERT_TRUE(sm.ok()) << sm.status().ToString();
  const MetaGraphData& m = sm->meta_graphs.at(0);
  EXPECT_EQ(m.tensorflow_version, "1.2.0-rc2");
  // y = 0.5 * x + 2 (MANIFEST 1d): Const = 0.5, Const_1 = 2.0, float scalars in float_val.
  const NodeDefData* c = FindNode(m.graph, "Const");
  const NodeDefData* c1 = FindNode(m.graph, "Const_1");
  ASSERT_TRUE(c && c1);
  EXPECT_TRUE(c->attrs.at("value").tensor.Equals(Tensor::Scalar<float>(0.5f)));
  EXPECT_TRUE(c1->attrs.at("value").tensor.Equals(Tensor::Scalar<float>(2.0f)));
  EXPECT_EQ(FindNode(m.graph, "Mul")->inputs, (std::vector<std::string>{"Const", "x"}));
  EXPECT_EQ(FindNode(m.graph, "y")->op, "Add");
  EXPECT_EQ(m.signatures.at("serving_default").inputs.at("x").shape,
            (PartialShape{.dims = {-1, 3, 3}}));
}

TEST(GraphIoCorpus, CppflowFrozenGraphWeights) {
  Result<GraphDefData> g = ReadGraphDef(kCorpus + "/cppflow/examples/load_frozen_graph/model.pb");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->nodes.size(), 16u);
  EXPECT_EQ(g->producer, 716);
  // TF 2.21 tensor_util.MakeNdarray of each Const's value ('%.9g' of every element).
  const NodeDefData* kernel = FindNode(*g, "model/dense/MatMul/ReadVariableOp/resource");
  ASSERT_NE(kernel, nullptr);
  const Tensor& k = kernel->attrs.at("value").tensor;
  ASSERT_EQ(k.dtype(), DataType::kFloat);
  ASSERT_EQ(k.shape(), (Shape{5, 5}));
  const std::vector<float> expected_kernel = {
      0.495766878f,  0.0370447636f, 0.15623188f,    -0.713201165f, 0.58139205f,
      0.321715355f,  0.516967177f,  0.774151087f,   -0.410024852f, 0.758867264f,
      -0.770851612f, 0.0920231342f, 0.232484102f,   0.416319251f,  -0.199367762f,
      0.690267801f,  0.369424224f,  -0.0617183447f, -0.170697153f, 0.631960034f,
      0.153573453f,  -0.188192487f, 0.629727006f,   0.149965584f,  -0.733095407f};
  for (size_t i = 0; i < expected_kernel.size(); ++i)
    EXPECT_EQ(k.flat<float>()[i], expected_kernel[i]) << i;
  const Tensor& k1 =
      FindNode(*g, "model/dense_1/MatMul/ReadVariableOp/resource")->attrs.at("value").tensor;
  ASSERT_EQ(k1.shape(), (Shape{5, 1}));
  const std::vector<float> expected_k1 = {0.597310305f, 0.170226097f, 0.130087137f, 0.557697296f,
                                          -0.609587908f};
  EXPECT_EQ(std::vector<float>(k1.flat<float>().begin(), k1.flat<float>().end()), expected_k1);
  // The [1] bias is stored in float_val, the [5] bias in tensor_content: both zeros.
  const Tensor& b1 =
      FindNode(*g, "model/dense_1/BiasAdd/ReadVariableOp/resource")->attrs.at("value").tensor;
  EXPECT_EQ(b1.shape(), (Shape{1}));
  EXPECT_EQ(b1.flat<float>()[0], 0.0f);
  const Tensor& b =
      FindNode(*g, "model/dense/BiasAdd/ReadVariableOp/resource")->attrs.at("value").tensor;
  EXPECT_EQ(std::vector<float>(b.flat<float>().begin(), b.flat<float>().end()),
            std::vector<float>(5, 0.0f));

  const NodeDefData* out = FindNode(*g, "Identity");
  ASSERT_NE(out, nullptr);
  ASSERT_EQ(out->inputs.size(), 5u);
  EXPECT_EQ(out->inputs[0], "model/dense_1/Sigmoid");
  EXPECT_EQ(out->inputs[1], "^model/dense/BiasAdd/ReadVariableOp");
  const NodeDefData* x = FindNode(*g, "x");
  EXPECT_EQ(x->attrs.at("shape").shape, (PartialShape{.dims = {-1, 5}}));
}

TEST(GraphIoCorpus, TensorflowRustAddition) {
  Result<GraphDefData> g = ReadGraphDef(kCorpus + "/tensorflow-rust/examples/addition/model.pb");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ASSERT_EQ(g->nodes.size(), 3u);
  EXPECT_EQ(g->producer, 1882);
  const NodeDefData& x = g->nodes[0];
  EXPECT_EQ(x.name, "x");
  EXPECT_EQ(x.op, "Placeholder");
  EXPECT_EQ(x.attrs.at("dtype").type, DataType::kInt32);
  EXPECT_EQ(x.attrs.at("shape").shape, PartialShape{});  // scalar
  EXPECT_EQ(x.attrs.at("_user_specified_name").s, "x");
  EXPECT_EQ(g->nodes[1].name, "y");
  EXPECT_EQ(g->nodes[1].attrs.at("dtype").type, DataType::kInt32);
  // MANIFEST says "z = Add(x, y)"; the file's op is AddV2 (TF 2.21 Python protos agree).
  EXPECT_EQ(g->nodes[2].name, "z");
  EXPECT_EQ(g->nodes[2].op, "AddV2");
  EXPECT_EQ(g->nodes[2].inputs, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(g->nodes[2].attrs.at("T").type, DataType::kInt32);
}

// ---- text format --------------------------------------------------------------------------------

// Checked with TF 2.21: google.protobuf.text_format.Parse(..., graph_pb2.GraphDef()) accepts it.
constexpr char kHandWrittenGraph[] = R"pb(
  # A hand-written GraphDef.
  node {
    name: "a"
    op: "Const"
    attr {
      key: "dtype"
      value { type: DT_FLOAT }
    }
    attr {
      key: "value"
      value {
        tensor {
          dtype: DT_FLOAT
          tensor_shape { dim { size: 3 } }
          float_val: 1.5
          float_val: -2
        }
      }
    }
  }
  node { name: "c" op: "NoOp" }
  node {
    name: "b"
    op: "Identity"
    input: "a"
    input: "^c"
    device: "/device:CPU:0"
    attr {
      key: "T"
      value { type: DT_FLOAT }
    }
    attr {
      key: "_class"
      value { list { s: "loc:@a" } }
    }
  }
  versions { producer: 27 min_consumer: 12 }
)pb";

TEST(GraphIoText, HandWrittenPbtxt) {
  const std::string dir = TestDir();
  for (const char* name : {"graph.pbtxt", "graph.pbtext", "graph.pb"}) {  // .pb: text fallback
    const std::string path = JoinPath(dir, name);
    WriteFile(path, kHandWrittenGraph);
    Result<GraphDefData> g = ReadGraphDef(path);
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    ASSERT_EQ(g->nodes.size(), 3u);
    EXPECT_EQ(g->producer, 27);
    EXPECT_EQ(g->min_consumer, 12);
    const float v[] = {1.5f, -2.0f, -2.0f};  // the last value repeated
    EXPECT_TRUE(g->nodes[0].attrs.at("value").tensor.Equals(Tensor::FromVector<float>(v, {3})));
    EXPECT_EQ(g->nodes[2].inputs, (std::vector<std::string>{"a", "^c"}));
    EXPECT_EQ(g->nodes[2].device, "/device:CPU:0");
    EXPECT_EQ(g->nodes[2].attrs.at("_class").list.s, std::vector<std::string>{"loc:@a"});
  }
  Result<GraphDefData> g = ParseGraphDef(kHandWrittenGraph, "inline");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->nodes.size(), 3u);
}

TEST(GraphIoText, BadPbtxtNamesFileAndLine) {
  const std::string path = JoinPath(TestDir(), "bad.pbtxt");
  WriteFile(path, "node {\n  name: \"a\"\n  bogus_field: 3\n}\n");
  Result<GraphDefData> g = ReadGraphDef(path);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(g.status().message().find(path), std::string::npos) << g.status().ToString();
  EXPECT_NE(g.status().message().find("line 3"), std::string::npos) << g.status().ToString();
}

TEST(GraphIoText, WrittenTextIsTextAndReadsBack) {
  const std::string dir = TestDir();
  Result<GraphDefData> g = ReadGraphDef(kCorpus + "/cppflow/examples/load_frozen_graph/model.pb");
  ASSERT_TRUE(g.ok());
  const std::string path = JoinPath(dir, "frozen.pbtxt");
  ASSERT_TRUE(WriteGraphDef(path, *g, /*text=*/true).ok());
  Result<std::string> text = ReadFileToString(path);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->rfind("node {\n  name: \"x\"\n  op: \"Placeholder\"\n", 0), 0u)
      << text->substr(0, 80);
  Result<GraphDefData> back = ReadGraphDef(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(Diff(*g, *back), "");
}

// ---- round trip of every attr kind ------------------------------------------------------------

GraphDefData RichGraph() {
  auto nested = std::make_shared<AttrMap>();
  (*nested)["n"] = AttrValue{.kind = AttrValue::Kind::kInt, .i = -7};
  (*nested)["l"] = AttrValue{.kind = AttrValue::Kind::kList, .list = {.s = {"p", "q"}}};
  FuncAttr func{.name = "my_fn", .attrs = nested};

  const float m[] = {1.0f / 3, -0.0f, 1e-38f, 3.4e38f};
  AttrMap attrs;
  attrs["s"] = {.kind = AttrValue::Kind::kString, .s = std::string("bytes\0\xff", 7)};
  attrs["i"] = {.kind = AttrValue::Kind::kInt, .i = int64_t{-1} << 40};
  attrs["f"] = {.kind = AttrValue::Kind::kFloat, .f = 0.1f};
  attrs["b"] = {.kind = AttrValue::Kind::kBool, .b = true};
  attrs["type"] = {.kind = AttrValue::Kind::kType, .type = DataType::kBFloat16};
  attrs["shape"] = {.kind = AttrValue::Kind::kShape, .shape = {.dims = {-1, 0, 7}}};
  attrs["unknown"] = {.kind = AttrValue::Kind::kShape, .shape = {.unknown_rank = true}};
  attrs["tensor"] = {.kind = AttrValue::Kind::kTensor,
                     .tensor = Tensor::FromVector<float>(m, {2, 2})};
  attrs["strings"] = {.kind = AttrValue::Kind::kTensor, .tensor = Tensor::Strings({"", "a\nb"})};
  attrs["func"] = {.kind = AttrValue::Kind::kFunc, .func = func};
  attrs["ph"] = {.kind = AttrValue::Kind::kPlaceholder, .s = "T"};
  attrs["none"] = {};
  attrs["empty_list"] = {.kind = AttrValue::Kind::kList};
  attrs["list"] = {
      .kind = AttrValue::Kind::kList,
      .list = {.s = {"x", ""},
               .i = {1, -2},
               .f = {0.5f, -1e10f},
               .b = {true, false},
               .type = {DataType::kInt32, DataType::kString},
               .shape = {PartialShape{}, PartialShape{.unknown_rank = true}},
               .tensor = {Tensor::Scalar<int64_t>(5), Tensor::Scalar<Half>(Half::FromFloat(0.5f))},
               .func = {func, FuncAttr{.name = "g", .attrs = std::make_shared<AttrMap>()}}}};
  GraphDefData g;
  g.producer = 1569;
  g.min_consumer = 12;
  g.nodes.push_back({.name = "n1",
                     .op = "Everything",
                     .inputs = {"a", "b:1", "^c"},
                     .device = "/cpu:0",
                     .attrs = attrs});
  g.nodes.push_back({.name = "n2", .op = "NoOp"});
  FunctionDefData f;
  f.name = "my_fn";
  f.input_args = {{.name = "x", .type_attr = "T"},
                  {.name = "ys", .type = DataType::kFloat, .number_attr = "N", .is_ref = true},
                  {.name = "zs", .type_list_attr = "Tz"}};
  f.output_args = {{.name = "out", .type = DataType::kResource}};
  f.control_outputs = {"side"};
  f.attrs["_construction_context"] = {.kind = AttrValue::Kind::kString, .s = "kEagerRuntime"};
  f.arg_attrs[0]["_user_specified_name"] = {.kind = AttrValue::Kind::kString, .s = "x"};
  f.arg_attrs[2]["_output_shapes"] = {.kind = AttrValue::Kind::kList,
                                      .list = {.shape = {PartialShape{}}}};
  f.nodes.push_back(
      {.name = "side", .op = "AssignVariableOp", .inputs = {"x", "ys:0"}, .attrs = attrs});
  f.ret = {{"out", "side:output:0"}};
  f.control_ret = {{"side", "side"}};
  f.is_stateful = true;
  g.functions.push_back(f);
  g.functions.push_back({.name = "empty_fn"});
  return g;
}

TEST(GraphIoRoundTrip, EveryAttrKindBinaryAndText) {
  const GraphDefData g = RichGraph();
  ExpectRoundTrip(g, TestDir(), "rich graph");
}

TEST(GraphIoRoundTrip, BinaryIsDeterministic) {
  const std::string dir = TestDir();
  const GraphDefData g = RichGraph();
  ASSERT_TRUE(WriteGraphDef(JoinPath(dir, "a.pb"), g).ok());
  ASSERT_TRUE(WriteGraphDef(JoinPath(dir, "b.pb"), RichGraph()).ok());
  Result<std::string> a = ReadFileToString(JoinPath(dir, "a.pb"));
  Result<std::string> b = ReadFileToString(JoinPath(dir, "b.pb"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_GT(a->size(), 100u);
}

// Where TensorFlow's own encoding choices match ours (sorted attrs, make_tensor_proto tensors),
// the bytes we write are TensorFlow's bytes. (Other corpus graphs differ only in encoding: e.g.
// a zero bias stored as tensor_content, which we write as one float_val like tf.zeros does.)
TEST(GraphIoRoundTrip, SmallTensorFlowGraphsAreWrittenByteForByte) {
  const std::string dir = TestDir();
  for (const char* file : {"/tensorflow-rust/examples/addition/model.pb",
                           "/tensorflow-rust/tensorflow-sys/examples/assets/multiplication.pb",
                           "/cppflow/cppflow1/examples/load_model/model.pb"}) {
    Result<std::string> original = ReadFileToString(kCorpus + file);
    ASSERT_TRUE(original.ok());
    Result<GraphDefData> g = ParseGraphDef(*original, file);
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    const std::string path = JoinPath(dir, "out.pb");
    ASSERT_TRUE(WriteGraphDef(path, *g).ok());
    Result<std::string> written = ReadFileToString(path);
    ASSERT_TRUE(written.ok());
    EXPECT_EQ(*written, *original) << file;
  }
}

TEST(GraphIoRoundTrip, TensorFlowTwoGraphWithFunctions) {
  Result<SavedModelData> sm =
      ReadSavedModel(kServing + "/saved_model_half_plus_two_tf2_cpu/00000123");
  ASSERT_TRUE(sm.ok());
  ExpectRoundTrip(sm->meta_graphs[0].graph, TestDir(), "tf2 graph");
}

// ---- damaged and missing files
// -------------------------------------------------------------------

TEST(GraphIoErrors, TruncatedGraphDefNamesTheFile) {
  Result<std::string> bytes =
      ReadFileToString(kCorpus + "/cppflow/examples/load_frozen_graph/model.pb");
  ASSERT_TRUE(bytes.ok());
  const std::string path = JoinPath(TestDir(), "truncated.pb");
  // keep 1: just "\n" (GraphDef.node's tag), which must not pass for an empty text GraphDef.
  for (size_t keep : {bytes->size() / 2, bytes->size() - 3, size_t{7}, size_t{1}}) {
    WriteFile(path, std::string_view(*bytes).substr(0, keep));
    Result<GraphDefData> g = ReadGraphDef(path);
    ASSERT_FALSE(g.ok()) << keep;
    EXPECT_EQ(g.status().code(), StatusCode::kDataLoss);
    EXPECT_NE(g.status().message().find(path + ": truncated or not a GraphDef"), std::string::npos)
        << g.status().ToString();
  }
  // Text in a binary-named file still parses.
  WriteFile(path, "node { name: \"x\" op: \"NoOp\" }\n");
  Result<GraphDefData> text = ReadGraphDef(path);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->nodes.size(), 1u);
  Result<GraphDefData> g = ParseGraphDef(bytes->substr(0, 100), "frozen bytes");
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("frozen bytes"), std::string::npos);
}

TEST(GraphIoErrors, BadTensorInAGraphNamesFileNodeAndAttr) {
  const std::string path = JoinPath(TestDir(), "bad_tensor.pbtxt");
  WriteFile(path, R"pb(node {
                         name: "w"
                         op: "Const"
                         attr {
                           key: "value"
                           value {
                             tensor {
                               dtype: DT_FLOAT
                               tensor_shape {
                                 dim { size: 1000000 }
                                 dim { size: 1000000000 }
                               }
                               float_val: 1
                             }
                           }
                         }
                       })pb");
  Result<GraphDefData> g = ReadGraphDef(path);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().message().rfind(path + ": node \"w\": attr \"value\": ", 0), 0u)
      << g.status().ToString();
}

TEST(GraphIoErrors, SavedModelFilesMissingOrDamaged) {
  const std::string dir = TestDir();
  Result<SavedModelData> sm = ReadSavedModel(JoinPath(dir, "nope"));
  EXPECT_EQ(sm.status().code(), StatusCode::kNotFound);

  sm = ReadSavedModel(dir);  // exists, but empty
  EXPECT_EQ(sm.status().code(), StatusCode::kNotFound);
  EXPECT_NE(sm.status().message().find(dir), std::string::npos) << sm.status().ToString();

  WriteFile(JoinPath(dir, "saved_model.cpb"), "chunks");
  sm = ReadSavedModel(dir);
  EXPECT_EQ(sm.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(sm.status().message().find("saved_model.cpb"), std::string::npos)
      << sm.status().ToString();

  Result<std::string> bytes =
      ReadFileToString(kServing + "/saved_model_half_plus_two_cpu/00000123/saved_model.pb");
  ASSERT_TRUE(bytes.ok());
  WriteFile(JoinPath(dir, "saved_model.pb"), bytes->substr(0, bytes->size() / 3));
  sm = ReadSavedModel(dir);
  ASSERT_FALSE(sm.ok());
  EXPECT_NE(sm.status().message().find(JoinPath(dir, "saved_model.pb") +
                                       ": truncated or not a SavedModel"),
            std::string::npos)
      << sm.status().ToString();

  WriteFile(JoinPath(dir, "saved_model.pb"), "");
  sm = ReadSavedModel(dir);
  EXPECT_EQ(sm.status().code(), StatusCode::kDataLoss);

  Result<MetaGraphData> meta = ReadMetaGraph(JoinPath(dir, "missing.meta"));
  EXPECT_FALSE(meta.ok());
  EXPECT_NE(meta.status().message().find("missing.meta"), std::string::npos);
}

// Checked with TF 2.21: text_format.Parse(..., saved_model_pb2.SavedModel()) accepts it, and the
// Any holds AssetFileDef bytes 0a090a07436f6e73743a301207666f6f2e747874.
constexpr char kSavedModelText[] = R"pb(
  saved_model_schema_version: 1
  meta_graphs {
    meta_info_def { tags: "serve" tags: "gpu" tensorflow_version: "1.0.0" }
    graph_def {
      node {
        name: "x"
        op: "Placeholder"
        attr {
          key: "dtype"
          value { type: DT_FLOAT }
        }
      }
      node {
        name: "Const"
        op: "Const"
        attr {
          key: "dtype"
          value { type: DT_STRING }
        }
        attr {
          key: "value"
          value {
            tensor {
              dtype: DT_STRING
              tensor_shape {}
              string_val: "foo.txt"
            }
          }
        }
      }
      versions { producer: 21 }
    }
    collection_def {
      key: "saved_model_assets"
      value {
        any_list {
          value {
            [type.googleapis.com/tensorflow.AssetFileDef] {
              tensor_info { name: "Const:0" }
              filename: "foo.txt"
            }
          }
        }
      }
    }
    signature_def {
      key: "serving_default"
      value {
        inputs {
          key: "x"
          value {
            name: "x:0"
            dtype: DT_FLOAT
            tensor_shape {
              dim { size: -1 }
              dim { size: 3 }
            }
          }
        }
        outputs {
          key: "y"
          value {
            name: "x:0"
            dtype: DT_FLOAT
            tensor_shape { unknown_rank: true }
          }
        }
        method_name: "tensorflow/serving/predict"
      }
    }
  }
)pb";

TEST(GraphIoText, SavedModelPbtxt) {
  const std::string dir = TestDir();
  WriteFile(JoinPath(dir, "saved_model.pbtxt"), kSavedModelText);
  Result<SavedModelData> sm = ReadSavedModel(dir);
  ASSERT_TRUE(sm.ok()) << sm.status().ToString();
  EXPECT_EQ(sm->path, JoinPath(dir, "saved_model.pbtxt"));
  const MetaGraphData& m = sm->meta_graphs.at(0);
  EXPECT_EQ(m.tags, (std::vector<std::string>{"serve", "gpu"}));
  EXPECT_FALSE(m.has_saver);
  EXPECT_EQ(m.graph.nodes.size(), 2u);
  EXPECT_TRUE(
      m.graph.nodes[1].attrs.at("value").tensor.Equals(Tensor::Scalar<std::string>("foo.txt")));
  EXPECT_EQ(m.collections.at("saved_model_assets").any_values.at(0), std::string("\x0a\x09\x0a\x07"
                                                                                 "Const:0\x12\x07"
                                                                                 "foo.txt"));
  ASSERT_EQ(m.assets.size(), 1u);
  EXPECT_EQ(m.assets[0].tensor_name, "Const:0");
  EXPECT_EQ(m.assets[0].filename, "foo.txt");
  EXPECT_EQ(m.signatures.at("serving_default").inputs.at("x").shape.ToCliString(), "(-1, 3)");
  EXPECT_EQ(m.signatures.at("serving_default").outputs.at("y").shape.ToCliString(), "unknown_rank");

  // saved_model.pb, when present, wins over the text file.
  ASSERT_TRUE(fs::copy_file(kServing + "/saved_model_half_plus_two_cpu/00000123/saved_model.pb",
                            JoinPath(dir, "saved_model.pb")));
  sm = ReadSavedModel(dir);
  ASSERT_TRUE(sm.ok());
  EXPECT_EQ(sm->meta_graphs.at(0).graph.nodes.size(), 74u);
}

TEST(PartialShape, CliStrings) {
  EXPECT_EQ(PartialShape{}.ToCliString(), "()");
  EXPECT_EQ((PartialShape{.dims = {-1}}).ToCliString(), "(-1)");
  EXPECT_EQ((PartialShape{.dims = {2, 3}}).ToCliString(), "(2, 3)");
  EXPECT_TRUE((PartialShape{.dims = {2, 3}}).IsFullyDefined());
  EXPECT_TRUE(PartialShape{}.IsFullyDefined());
  EXPECT_FALSE((PartialShape{.unknown_rank = true}).IsFullyDefined());
}

}  // namespace
}  // namespace tfmodel
