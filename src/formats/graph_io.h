// GraphDef, MetaGraphDef and SavedModel files read into plain C++ structs (no protobuf types),
// and GraphDef written back. Binary (.pb/.meta) and text (.pbtxt) forms.
//
//   TFM_ASSIGN_OR_RETURN(GraphDefData g, ReadGraphDef("frozen.pb"));
//   for (const NodeDefData& n : g.nodes) ... n.attrs.at("dtype").type ...
//   TFM_ASSIGN_OR_RETURN(SavedModelData sm, ReadSavedModel("export/1"));
#ifndef TFMODEL_SRC_FORMATS_GRAPH_IO_H_
#define TFMODEL_SRC_FORMATS_GRAPH_IO_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tfmodel/status.h"
#include "tfmodel/tensor.h"

namespace tfmodel {

struct AttrValue;
using AttrMap = std::map<std::string, AttrValue>;

// NameAttrList: a function reference with attrs.
struct FuncAttr {
  std::string name;
  std::shared_ptr<AttrMap> attrs;  // never null once parsed
};

// AttrValue: exactly one kind is set, as in the proto's oneof.
struct AttrValue {
  enum class Kind { kNone, kString, kInt, kFloat, kBool, kType, kShape, kTensor, kFunc,
                    kPlaceholder, kList };
  Kind kind = Kind::kNone;
  std::string s;        // kString (bytes), kPlaceholder
  int64_t i = 0;        // kInt
  float f = 0;          // kFloat
  bool b = false;       // kBool
  DataType type = DataType::kInvalid;  // kType
  PartialShape shape;   // kShape
  Tensor tensor;        // kTensor
  FuncAttr func;        // kFunc
  struct List {
    std::vector<std::string> s;
    std::vector<int64_t> i;
    std::vector<float> f;
    std::vector<bool> b;
    std::vector<DataType> type;
    std::vector<PartialShape> shape;
    std::vector<Tensor> tensor;
    std::vector<FuncAttr> func;
  } list;               // kList (any of the vectors may be filled)
};

// One-kind AttrValues, for code that builds nodes (the graph API, tests).
AttrValue TypeAttr(DataType t);
AttrValue IntAttr(int64_t v);
AttrValue FloatAttr(float v);
AttrValue BoolAttr(bool v);
AttrValue StringAttr(std::string_view v);
AttrValue ShapeAttr(const PartialShape& s);
AttrValue TensorAttr(const Tensor& t);
AttrValue IntListAttr(const std::vector<int64_t>& v);
AttrValue TypeListAttr(const std::vector<DataType>& v);
AttrValue StringListAttr(const std::vector<std::string>& v);

struct NodeDefData {
  std::string name;
  std::string op;
  std::vector<std::string> inputs;  // "x", "x:1", "^ctrl" (control inputs last)
  std::string device;
  AttrMap attrs;
};

struct ArgDefData {
  std::string name;
  DataType type = DataType::kInvalid;
  std::string type_attr;
  std::string number_attr;
  std::string type_list_attr;
  bool is_ref = false;
};

// FunctionDef (TF2 graphs); read now so nothing is lost, executed by a later capability.
struct FunctionDefData {
  std::string name;
  std::vector<ArgDefData> input_args;
  std::vector<ArgDefData> output_args;
  std::vector<std::string> control_outputs;
  AttrMap attrs;
  std::map<uint32_t, AttrMap> arg_attrs;
  std::vector<NodeDefData> nodes;
  std::map<std::string, std::string> ret;          // output arg -> "node:out:idx"
  std::map<std::string, std::string> control_ret;
  bool is_stateful = false;
};

struct GraphDefData {
  std::vector<NodeDefData> nodes;
  int producer = 0;
  int min_consumer = 0;
  std::vector<FunctionDefData> functions;
};

struct TensorInfoData {
  std::string name;  // "x:0"; empty for sparse/composite encodings
  DataType dtype = DataType::kInvalid;
  PartialShape shape;
};

struct SignatureDefData {
  std::map<std::string, TensorInfoData> inputs;
  std::map<std::string, TensorInfoData> outputs;
  std::string method_name;
  std::map<std::string, Tensor> defaults;  // input key -> value used when not fed (TF2 only)
};

struct SaverDefData {
  std::string filename_tensor_name;
  std::string save_tensor_name;
  std::string restore_op_name;
  int max_to_keep = 0;
  bool sharded = false;
  float keep_checkpoint_every_n_hours = 0;
  int version = 0;  // LEGACY=0, V1=1, V2=2
};

// CollectionDef: one of the lists is used.
struct CollectionData {
  std::vector<std::string> node_list;
  std::vector<std::string> bytes_list;
  std::vector<int64_t> int64_list;
  std::vector<float> float_list;
  std::vector<std::string> any_type_urls;  // any_list: type_url of each entry
  std::vector<std::string> any_values;     // any_list: serialized value of each entry
};

struct AssetFileData {
  std::string tensor_name;  // tensor fed with the asset's path
  std::string filename;     // base name inside assets/
};

struct MetaGraphData {
  std::vector<std::string> tags;
  std::string tensorflow_version;
  std::string tensorflow_git_version;
  // Attrs equal to their OpDef default were removed (TF2). Reading adds them back from the
  // MetaGraph's stripped_op_list (to graph nodes and function bodies).
  bool stripped_default_attrs = false;
  GraphDefData graph;
  bool has_saver = false;
  SaverDefData saver;
  std::map<std::string, CollectionData> collections;
  std::map<std::string, SignatureDefData> signatures;
  std::vector<AssetFileData> assets;  // asset_file_def, else the saved_model_assets collection
  bool has_object_graph = false;      // TF2 SavedModel
  // saved_model_cli's "Concrete Functions" section for it (concrete_functions.h), when
  // ReadSavedModel was asked to describe functions.
  std::string concrete_functions_text;
};

// VariableDef (variable.proto): how the `variables` / `trainable_variables` collections describe
// a variable (spec 3.4).
struct VariableDefData {
  std::string variable_name;       // "beta:0"
  std::string initial_value_name;  // "beta/Initializer/truncated_normal:0"
  std::string initializer_name;    // "beta/Assign"
  std::string snapshot_name;       // "beta/read:0"
  bool is_resource = false;
  bool trainable = true;
};

struct SavedModelData {
  std::string path;  // the saved_model.pb / .pbtxt that was read
  std::vector<MetaGraphData> meta_graphs;
};

// Reads a GraphDef from a binary file or (by extension .pbtxt/.pbtext, or when binary parsing
// fails and the text parses) a text one. Errors name the file.
Result<GraphDefData> ReadGraphDef(const std::string& path);
Result<GraphDefData> ParseGraphDef(std::string_view bytes, const std::string& name_for_errors);
// A .meta file (binary or text MetaGraphDef).
Result<MetaGraphData> ReadMetaGraph(const std::string& path);
// DIR/saved_model.pb, else DIR/saved_model.pbtxt. `describe_functions` also renders each TF2
// meta graph's concrete_functions_text (for `show`; loading does not need it).
Result<SavedModelData> ReadSavedModel(const std::string& dir, bool describe_functions = false);
// Writes a GraphDef (binary, or text when `text`), atomically.
Status WriteGraphDef(const std::string& path, const GraphDefData& graph, bool text = false);
// Writes a MetaGraphDef (.meta), atomically. meta_info_def gets tags, tensorflow_version and
// tensorflow_git_version; collections, saver, signatures and assets (as asset_file_def only when
// no `saved_model_assets` collection is given) are written as given.
Status WriteMetaGraph(const std::string& path, const MetaGraphData& meta, bool text = false);
// Writes DIR/saved_model.pb (or .pbtxt when `text`), atomically: a SavedModel proto with schema
// version 1 and the given meta graphs.
Status WriteSavedModel(const std::string& dir, const std::vector<MetaGraphData>& meta_graphs,
                       bool text = false);

// VariableDef and AssetFileDef <-> bytes (for collections).
Result<VariableDefData> ParseVariableDef(std::string_view bytes, const std::string& name_for_errors);
std::string SerializeVariableDef(const VariableDefData& variable);
// An AssetFileDef whose tensor_info is a scalar DT_STRING tensor.
std::string SerializeAssetFileDef(const AssetFileData& asset);
inline constexpr std::string_view kAssetFileDefTypeUrl = "type.googleapis.com/tensorflow.AssetFileDef";

// TensorProto <-> Tensor with TensorFlow's rules (tensor_content wins; typed fields with the
// last value repeated; half/bfloat16 in half_val) -- exposed for tests and the freeze pass.
Result<Tensor> ParseTensorProto(std::string_view bytes, const std::string& name_for_errors);
std::string SerializeTensorProto(const Tensor& tensor);

}  // namespace tfmodel

#endif  // TFMODEL_SRC_FORMATS_GRAPH_IO_H_
