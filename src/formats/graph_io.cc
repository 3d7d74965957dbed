// GraphDef, MetaGraphDef and SavedModel protos <-> the plain structs of graph_io.h
// (spec/tf-formats.md 3.1-3.10, 4.1-4.4). Protobuf types stop here.
#include "src/formats/graph_io.h"
#include "src/formats/concrete_functions.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>

#include <limits>
#include <utility>

#include "attr_value.pb.h"
#include "function.pb.h"
#include "graph.pb.h"
#include "meta_graph.pb.h"
#include "saved_model.pb.h"
#include "variable.pb.h"
#include "src/base/file.h"
#include "src/formats/tensor_proto.h"

namespace tfmodel {

namespace {

namespace pb = google::protobuf;
using ProtoAttrMap = pb::Map<std::string, tensorflow::AttrValue>;

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// ---- shapes ----------------------------------------------------------------------------------

// Dims of -1 are unknown; TensorFlow rejects anything below. unknown_rank wins over dims.
Result<PartialShape> PartialShapeFromProto(const tensorflow::TensorShapeProto& proto) {
  PartialShape shape;
  if (proto.unknown_rank()) {
    shape.unknown_rank = true;
    return shape;
  }
  shape.dims.reserve(proto.dim_size());
  for (const auto& d : proto.dim()) {
    if (d.size() < -1) {
      return InvalidArgument("shape dimension " + std::to_string(shape.dims.size()) + " is " +
                             std::to_string(d.size()) + " (must be >= -1)");
    }
    shape.dims.push_back(d.size());
  }
  return shape;
}

void PartialShapeToProto(const PartialShape& shape, tensorflow::TensorShapeProto* proto) {
  if (shape.unknown_rank) {
    proto->set_unknown_rank(true);
    return;
  }
  for (int64_t d : shape.dims) proto->add_dim()->set_size(d);
}

// ---- attrs -----------------------------------------------------------------------------------

Status AttrMapFromProto(const ProtoAttrMap& proto, AttrMap* out);
void AttrMapToProto(const AttrMap& attrs, ProtoAttrMap* proto);

Status FuncFromProto(const tensorflow::NameAttrList& proto, FuncAttr* out) {
  out->name = proto.name();
  out->attrs = std::make_shared<AttrMap>();
  Status s = AttrMapFromProto(proto.attr(), out->attrs.get());
  return s.ok() ? s : s.WithContext("function " + Quoted(proto.name()));
}

void FuncToProto(const FuncAttr& func, tensorflow::NameAttrList* proto) {
  proto->set_name(func.name);
  if (func.attrs) AttrMapToProto(*func.attrs, proto->mutable_attr());
}

Status ListFromProto(const tensorflow::AttrValue::ListValue& p, AttrValue::List* l) {
  l->s.assign(p.s().begin(), p.s().end());
  l->i.assign(p.i().begin(), p.i().end());
  l->f.assign(p.f().begin(), p.f().end());
  l->b.assign(p.b().begin(), p.b().end());
  l->type.reserve(p.type_size());
  for (int t : p.type()) l->type.push_back(static_cast<DataType>(t));
  for (int k = 0; k < p.shape_size(); ++k) {
    Result<PartialShape> shape = PartialShapeFromProto(p.shape(k));
    if (!shape.ok()) return shape.status().WithContext("list element " + std::to_string(k));
    l->shape.push_back(std::move(*shape));
  }
  for (int k = 0; k < p.tensor_size(); ++k) {
    Result<Tensor> t = TensorFromProto(p.tensor(k));
    if (!t.ok()) return t.status().WithContext("list element " + std::to_string(k));
    l->tensor.push_back(std::move(*t));
  }
  l->func.resize(p.func_size());
  for (int k = 0; k < p.func_size(); ++k) {
    TFM_RETURN_IF_ERROR(FuncFromProto(p.func(k), &l->func[k]));
  }
  return Status::Ok();
}

void ListToProto(const AttrValue::List& l, tensorflow::AttrValue::ListValue* p) {
  for (const std::string& s : l.s) p->add_s(s);
  for (int64_t i : l.i) p->add_i(i);
  for (float f : l.f) p->add_f(f);
  for (bool b : l.b) p->add_b(b);
  for (DataType t : l.type) p->add_type(static_cast<tensorflow::DataType>(t));
  for (const PartialShape& s : l.shape) PartialShapeToProto(s, p->add_shape());
  for (const Tensor& t : l.tensor) TensorToProto(t, p->add_tensor(), /*splat_as_one_value=*/true);
  for (const FuncAttr& f : l.func) FuncToProto(f, p->add_func());
}

Status AttrFromProto(const tensorflow::AttrValue& p, AttrValue* a) {
  using K = AttrValue::Kind;
  switch (p.value_case()) {
    case tensorflow::AttrValue::kS:
      a->kind = K::kString;
      a->s = p.s();
      break;
    case tensorflow::AttrValue::kI:
      a->kind = K::kInt;
      a->i = p.i();
      break;
    case tensorflow::AttrValue::kF:
      a->kind = K::kFloat;
      a->f = p.f();
      break;
    case tensorflow::AttrValue::kB:
      a->kind = K::kBool;
      a->b = p.b();
      break;
    // Any number is kept (e.g. a _REF type): checking dtypes is the consumer's business.
    case tensorflow::AttrValue::kType:
      a->kind = K::kType;
      a->type = static_cast<DataType>(p.type());
      break;
    case tensorflow::AttrValue::kShape: {
      a->kind = K::kShape;
      TFM_ASSIGN_OR_RETURN(a->shape, PartialShapeFromProto(p.shape()));
      break;
    }
    case tensorflow::AttrValue::kTensor: {
      a->kind = K::kTensor;
      TFM_ASSIGN_OR_RETURN(a->tensor, TensorFromProto(p.tensor()));
      break;
    }
    case tensorflow::AttrValue::kFunc: a->kind = K::kFunc; return FuncFromProto(p.func(), &a->func);
    case tensorflow::AttrValue::kPlaceholder:
      a->kind = K::kPlaceholder;
      a->s = p.placeholder();
      break;
    case tensorflow::AttrValue::kList: a->kind = K::kList; return ListFromProto(p.list(), &a->list);
    case tensorflow::AttrValue::VALUE_NOT_SET: a->kind = K::kNone; break;
  }
  return Status::Ok();
}

void AttrToProto(const AttrValue& a, tensorflow::AttrValue* p) {
  using K = AttrValue::Kind;
  switch (a.kind) {
    case K::kNone: break;
    case K::kString: p->set_s(a.s); break;
    case K::kInt: p->set_i(a.i); break;
    case K::kFloat: p->set_f(a.f); break;
    case K::kBool: p->set_b(a.b); break;
    case K::kType: p->set_type(static_cast<tensorflow::DataType>(a.type)); break;
    case K::kShape: PartialShapeToProto(a.shape, p->mutable_shape()); break;
    case K::kTensor:
      TensorToProto(a.tensor, p->mutable_tensor(), /*splat_as_one_value=*/true);
      break;
    case K::kFunc: FuncToProto(a.func, p->mutable_func()); break;
    case K::kPlaceholder: p->set_placeholder(a.s); break;
    case K::kList: ListToProto(a.list, p->mutable_list()); break;
  }
}

Status AttrMapFromProto(const ProtoAttrMap& proto, AttrMap* out) {
  for (const auto& [name, value] : proto) {
    AttrValue a;
    Status s = AttrFromProto(value, &a);
    if (!s.ok()) return s.WithContext("attr " + Quoted(name));
    out->emplace(name, std::move(a));
  }
  return Status::Ok();
}

void AttrMapToProto(const AttrMap& attrs, ProtoAttrMap* proto) {
  for (const auto& [name, value] : attrs) AttrToProto(value, &(*proto)[name]);
}

// ---- nodes, functions, graphs ------------------------------------------------------------------

Status NodeFromProto(const tensorflow::NodeDef& p, NodeDefData* n) {
  n->name = p.name();
  n->op = p.op();
  n->inputs.assign(p.input().begin(), p.input().end());
  n->device = p.device();
  Status s = AttrMapFromProto(p.attr(), &n->attrs);
  return s.ok() ? s : s.WithContext("node " + Quoted(p.name()));
}

void NodeToProto(const NodeDefData& n, tensorflow::NodeDef* p) {
  p->set_name(n.name);
  p->set_op(n.op);
  for (const std::string& in : n.inputs) p->add_input(in);
  p->set_device(n.device);
  AttrMapToProto(n.attrs, p->mutable_attr());
}

Status NodesFromProto(const pb::RepeatedPtrField<tensorflow::NodeDef>& p,
                      std::vector<NodeDefData>* out) {
  out->resize(p.size());
  for (int k = 0; k < p.size(); ++k) TFM_RETURN_IF_ERROR(NodeFromProto(p[k], &(*out)[k]));
  return Status::Ok();
}

ArgDefData ArgFromProto(const tensorflow::OpDef::ArgDef& p) {
  return {.name = p.name(),
          .type = static_cast<DataType>(p.type()),
          .type_attr = p.type_attr(),
          .number_attr = p.number_attr(),
          .type_list_attr = p.type_list_attr(),
          .is_ref = p.is_ref()};
}

void ArgToProto(const ArgDefData& a, tensorflow::OpDef::ArgDef* p) {
  p->set_name(a.name);
  p->set_type(static_cast<tensorflow::DataType>(a.type));
  p->set_type_attr(a.type_attr);
  p->set_number_attr(a.number_attr);
  p->set_type_list_attr(a.type_list_attr);
  p->set_is_ref(a.is_ref);
}

Status FunctionFromProto(const tensorflow::FunctionDef& p, FunctionDefData* f) {
  const tensorflow::OpDef& sig = p.signature();
  f->name = sig.name();
  for (const auto& a : sig.input_arg()) f->input_args.push_back(ArgFromProto(a));
  for (const auto& a : sig.output_arg()) f->output_args.push_back(ArgFromProto(a));
  f->control_outputs.assign(sig.control_output().begin(), sig.control_output().end());
  f->is_stateful = sig.is_stateful();
  TFM_RETURN_IF_ERROR(AttrMapFromProto(p.attr(), &f->attrs));
  for (const auto& [index, arg_attrs] : p.arg_attr()) {
    Status s = AttrMapFromProto(arg_attrs.attr(), &f->arg_attrs[index]);
    if (!s.ok()) return s.WithContext("arg_attr " + std::to_string(index));
  }
  TFM_RETURN_IF_ERROR(NodesFromProto(p.node_def(), &f->nodes));
  f->ret.insert(p.ret().begin(), p.ret().end());
  f->control_ret.insert(p.control_ret().begin(), p.control_ret().end());
  return Status::Ok();
}

void FunctionToProto(const FunctionDefData& f, tensorflow::FunctionDef* p) {
  tensorflow::OpDef* sig = p->mutable_signature();
  sig->set_name(f.name);
  for (const ArgDefData& a : f.input_args) ArgToProto(a, sig->add_input_arg());
  for (const ArgDefData& a : f.output_args) ArgToProto(a, sig->add_output_arg());
  for (const std::string& c : f.control_outputs) sig->add_control_output(c);
  sig->set_is_stateful(f.is_stateful);
  AttrMapToProto(f.attrs, p->mutable_attr());
  for (const auto& [index, attrs] : f.arg_attrs)
    AttrMapToProto(attrs, (*p->mutable_arg_attr())[index].mutable_attr());
  for (const NodeDefData& n : f.nodes) NodeToProto(n, p->add_node_def());
  p->mutable_ret()->insert(f.ret.begin(), f.ret.end());
  p->mutable_control_ret()->insert(f.control_ret.begin(), f.control_ret.end());
}

Status GraphFromProto(const tensorflow::GraphDef& p, GraphDefData* g) {
  TFM_RETURN_IF_ERROR(NodesFromProto(p.node(), &g->nodes));
  g->producer = p.versions().producer();
  g->min_consumer = p.versions().min_consumer();
  const auto& functions = p.library().function();
  g->functions.resize(functions.size());
  for (int k = 0; k < functions.size(); ++k) {
    Status s = FunctionFromProto(functions[k], &g->functions[k]);
    if (!s.ok()) return s.WithContext("function " + Quoted(functions[k].signature().name()));
  }
  return Status::Ok();
}

void GraphToProto(const GraphDefData& g, tensorflow::GraphDef* p) {
  for (const NodeDefData& n : g.nodes) NodeToProto(n, p->add_node());
  if (g.producer != 0 || g.min_consumer != 0) {  // some old frozen graphs have no VersionDef
    p->mutable_versions()->set_producer(g.producer);
    p->mutable_versions()->set_min_consumer(g.min_consumer);
  }
  for (const FunctionDefData& f : g.functions)
    FunctionToProto(f, p->mutable_library()->add_function());
}

// ---- meta graphs ------------------------------------------------------------------------------

CollectionData CollectionFromProto(const tensorflow::CollectionDef& p) {
  CollectionData c;
  switch (p.kind_case()) {
    case tensorflow::CollectionDef::kNodeList:
      c.node_list.assign(p.node_list().value().begin(), p.node_list().value().end());
      break;
    case tensorflow::CollectionDef::kBytesList:
      c.bytes_list.assign(p.bytes_list().value().begin(), p.bytes_list().value().end());
      break;
    case tensorflow::CollectionDef::kInt64List:
      c.int64_list.assign(p.int64_list().value().begin(), p.int64_list().value().end());
      break;
    case tensorflow::CollectionDef::kFloatList:
      c.float_list.assign(p.float_list().value().begin(), p.float_list().value().end());
      break;
    case tensorflow::CollectionDef::kAnyList:
      for (const auto& any : p.any_list().value()) {
        c.any_type_urls.push_back(any.type_url());
        c.any_values.push_back(any.value());
      }
      break;
    case tensorflow::CollectionDef::KIND_NOT_SET: break;
  }
  return c;
}

Status TensorInfoFromProto(const tensorflow::TensorInfo& p, TensorInfoData* t) {
  t->name = p.name();  // empty unless the encoding is `name`
  t->dtype = static_cast<DataType>(p.dtype());
  TFM_ASSIGN_OR_RETURN(t->shape, PartialShapeFromProto(p.tensor_shape()));
  return Status::Ok();
}

Status SignatureFromProto(const tensorflow::SignatureDef& p, SignatureDefData* s) {
  s->method_name = p.method_name();
  for (const auto& [key, info] : p.inputs()) {
    Status st = TensorInfoFromProto(info, &s->inputs[key]);
    if (!st.ok()) return st.WithContext("input " + Quoted(key));
  }
  for (const auto& [key, info] : p.outputs()) {
    Status st = TensorInfoFromProto(info, &s->outputs[key]);
    if (!st.ok()) return st.WithContext("output " + Quoted(key));
  }
  for (const auto& [key, value] : p.defaults()) {
    Result<Tensor> t = TensorFromProto(value);
    if (!t.ok()) return t.status().WithContext("default of input " + Quoted(key));
    s->defaults.emplace(key, std::move(*t));
  }
  return Status::Ok();
}

constexpr std::string_view kAssetsCollection = "saved_model_assets";
constexpr std::string_view kAssetFileDefType = "type.googleapis.com/tensorflow.AssetFileDef";

// asset_file_def (TF2) if present, else the TF1 collection of AssetFileDef Anys (spec 4.3 step 4).
Status AssetsFromProto(const tensorflow::MetaGraphDef& p, std::vector<AssetFileData>* assets) {
  for (const auto& a : p.asset_file_def())
    assets->push_back({a.tensor_info().name(), a.filename()});
  if (!assets->empty()) return Status::Ok();
  auto it = p.collection_def().find(std::string(kAssetsCollection));
  if (it == p.collection_def().end()) return Status::Ok();
  const auto& anys = it->second.any_list().value();
  for (int k = 0; k < anys.size(); ++k) {
    if (anys[k].type_url() != kAssetFileDefType) continue;
    tensorflow::AssetFileDef a;
    if (!a.ParseFromString(anys[k].value())) {
      return DataLoss("collection saved_model_assets: entry " + std::to_string(k) +
                      " is not a valid AssetFileDef");
    }
    assets->push_back({a.tensor_info().name(), a.filename()});
  }
  return Status::Ok();
}

// A graph saved with stripped_default_attrs lacks every attr equal to its OpDef default; the
// MetaGraph's stripped_op_list has the OpDefs of every op it uses (in functions too), so the
// defaults come back from there, as TensorFlow's loader restores them from its op registry.
Status AddDefaultAttrs(const tensorflow::OpList& ops, GraphDefData* g) {
  std::map<std::string, const tensorflow::OpDef*> by_name;
  for (const tensorflow::OpDef& op : ops.op()) by_name.emplace(op.name(), &op);
  auto fill = [&](NodeDefData& n) -> Status {
    auto it = by_name.find(n.op);
    if (it == by_name.end()) return Status::Ok();
    for (const auto& attr : it->second->attr()) {
      if (!attr.has_default_value() || n.attrs.count(attr.name())) continue;
      AttrValue a;
      TFM_RETURN_IF_ERROR(AttrFromProto(attr.default_value(), &a)
                              .WithContext("default of attr '" + attr.name() + "' of op " + n.op));
      n.attrs.emplace(attr.name(), std::move(a));
    }
    return Status::Ok();
  };
  for (NodeDefData& n : g->nodes) TFM_RETURN_IF_ERROR(fill(n));
  for (FunctionDefData& f : g->functions) {
    for (NodeDefData& n : f.nodes) TFM_RETURN_IF_ERROR(fill(n));
  }
  return Status::Ok();
}

Status MetaGraphFromProto(const tensorflow::MetaGraphDef& p, MetaGraphData* m) {
  const auto& info = p.meta_info_def();
  m->tags.assign(info.tags().begin(), info.tags().end());
  m->tensorflow_version = info.tensorflow_version();
  m->tensorflow_git_version = info.tensorflow_git_version();
  m->stripped_default_attrs = info.stripped_default_attrs();
  TFM_RETURN_IF_ERROR(GraphFromProto(p.graph_def(), &m->graph));
  if (m->stripped_default_attrs) TFM_RETURN_IF_ERROR(AddDefaultAttrs(info.stripped_op_list(), &m->graph));
  m->has_saver = p.has_saver_def();
  const tensorflow::SaverDef& sv = p.saver_def();
  m->saver = {.filename_tensor_name = sv.filename_tensor_name(),
              .save_tensor_name = sv.save_tensor_name(),
              .restore_op_name = sv.restore_op_name(),
              .max_to_keep = sv.max_to_keep(),
              .sharded = sv.sharded(),
              .keep_checkpoint_every_n_hours = sv.keep_checkpoint_every_n_hours(),
              .version = static_cast<int>(sv.version())};
  for (const auto& [key, c] : p.collection_def())
    m->collections.emplace(key, CollectionFromProto(c));
  for (const auto& [key, sig] : p.signature_def()) {
    Status s = SignatureFromProto(sig, &m->signatures[key]);
    if (!s.ok()) return s.WithContext("signature " + Quoted(key));
  }
  TFM_RETURN_IF_ERROR(AssetsFromProto(p, &m->assets));
  m->has_object_graph = p.has_object_graph_def();
  return Status::Ok();
}

void CollectionToProto(const CollectionData& c, tensorflow::CollectionDef* p) {
  if (!c.node_list.empty()) {
    for (const auto& v : c.node_list) p->mutable_node_list()->add_value(v);
  } else if (!c.bytes_list.empty()) {
    for (const auto& v : c.bytes_list) p->mutable_bytes_list()->add_value(v);
  } else if (!c.int64_list.empty()) {
    for (int64_t v : c.int64_list) p->mutable_int64_list()->add_value(v);
  } else if (!c.float_list.empty()) {
    for (float v : c.float_list) p->mutable_float_list()->add_value(v);
  } else if (!c.any_values.empty()) {
    for (size_t k = 0; k < c.any_values.size(); ++k) {
      auto* any = p->mutable_any_list()->add_value();
      any->set_type_url(k < c.any_type_urls.size() ? c.any_type_urls[k] : "");
      any->set_value(c.any_values[k]);
    }
  } else {
    p->mutable_node_list();  // an empty list still records the collection's existence
  }
}

void TensorInfoToProto(const TensorInfoData& t, tensorflow::TensorInfo* p) {
  p->set_name(t.name);
  p->set_dtype(static_cast<tensorflow::DataType>(t.dtype));
  PartialShapeToProto(t.shape, p->mutable_tensor_shape());
}

void SignatureToProto(const SignatureDefData& s, tensorflow::SignatureDef* p) {
  for (const auto& [key, t] : s.inputs) TensorInfoToProto(t, &(*p->mutable_inputs())[key]);
  for (const auto& [key, t] : s.outputs) TensorInfoToProto(t, &(*p->mutable_outputs())[key]);
  p->set_method_name(s.method_name);
  for (const auto& [key, value] : s.defaults) {
    if (!(*p->mutable_defaults())[key].ParseFromString(SerializeTensorProto(value))) {
      p->mutable_defaults()->erase(key);
    }
  }
}

void MetaGraphToProto(const MetaGraphData& m, tensorflow::MetaGraphDef* p) {
  auto* info = p->mutable_meta_info_def();
  for (const auto& t : m.tags) info->add_tags(t);
  info->set_tensorflow_version(m.tensorflow_version);
  info->set_tensorflow_git_version(m.tensorflow_git_version);
  info->set_stripped_default_attrs(m.stripped_default_attrs);
  GraphToProto(m.graph, p->mutable_graph_def());
  if (m.has_saver) {
    auto* sv = p->mutable_saver_def();
    sv->set_filename_tensor_name(m.saver.filename_tensor_name);
    sv->set_save_tensor_name(m.saver.save_tensor_name);
    sv->set_restore_op_name(m.saver.restore_op_name);
    sv->set_max_to_keep(m.saver.max_to_keep);
    sv->set_sharded(m.saver.sharded);
    sv->set_keep_checkpoint_every_n_hours(m.saver.keep_checkpoint_every_n_hours);
    sv->set_version(static_cast<tensorflow::SaverDef::CheckpointFormatVersion>(m.saver.version));
  }
  for (const auto& [key, c] : m.collections) CollectionToProto(c, &(*p->mutable_collection_def())[key]);
  for (const auto& [key, s] : m.signatures) SignatureToProto(s, &(*p->mutable_signature_def())[key]);
  if (!m.collections.count(std::string(kAssetsCollection))) {
    for (const AssetFileData& a : m.assets) {
      auto* def = p->add_asset_file_def();
      def->set_filename(a.filename);
      TensorInfoToProto({a.tensor_name, DataType::kString, PartialShape{}}, def->mutable_tensor_info());
    }
  }
}

// ---- files ------------------------------------------------------------------------------------

// Keeps the first TextFormat error (1-based line and column) instead of logging to stderr.
class FirstError : public pb::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (first_.empty()) {
      first_ = "line " + std::to_string(line + 1) + ", column " + std::to_string(column + 1) +
               ": " + message;
    }
  }
  void AddWarning(int, int, const std::string&) override {}
  const std::string& first() const { return first_; }

 private:
  std::string first_;
};

bool ParseText(std::string_view bytes, pb::Message* msg, FirstError* errors) {
  pb::TextFormat::Parser parser;
  parser.RecordErrorsTo(errors);
  pb::io::ArrayInputStream in(bytes.data(), static_cast<int>(bytes.size()));
  return parser.Parse(&in, msg);
}

bool HasTextExtension(std::string_view path) {
  return path.ends_with(".pbtxt") || path.ends_with(".pbtext");
}

// Text when `text`; otherwise binary, and text if binary fails but text parses. `what` names the
// message type in errors ("GraphDef").
// Whether bytes that failed binary parsing may be text format: printable (or UTF-8) with at
// least one non-space character. Without this, a binary file cut after its first byte ("\n",
// the tag of GraphDef.node) would parse as an empty text message.
bool MayBeText(std::string_view bytes) {
  bool content = false;
  for (char ch : bytes) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
    if (c == 0x7f) return false;
    content |= c > 0x20;
  }
  return content;
}

Status ParseMessage(std::string_view bytes, bool text, const std::string& name,
                    std::string_view what, pb::Message* msg) {
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return Unimplemented(name + " is " + std::to_string(bytes.size()) +
                         " bytes; protobuf messages over 2 GiB cannot be parsed");
  }
  FirstError errors;
  if (text) {
    if (ParseText(bytes, msg, &errors)) return Status::Ok();
    return DataLoss(name + ": not a valid text-format " + std::string(what) + " (" +
                    errors.first() + ")");
  }
  if (msg->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return Status::Ok();
  msg->Clear();
  if (MayBeText(bytes) && ParseText(bytes, msg, &errors)) return Status::Ok();
  msg->Clear();
  return DataLoss(name + ": truncated or not a " + std::string(what) +
                  " (binary parsing failed, and it is not text format either)");
}

Status ReadMessage(const std::string& path, std::string_view what, pb::Message* msg) {
  TFM_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(path));
  return ParseMessage(bytes, HasTextExtension(path), path, what, msg);
}

Result<std::string> SerializeDeterministic(const pb::Message& msg, const std::string& name) {
  const size_t size = msg.ByteSizeLong();
  if (size > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return Unimplemented(name + ": the serialized GraphDef would be " + std::to_string(size) +
                         " bytes; protobuf cannot write messages over 2 GiB");
  }
  std::string out(size, '\0');
  pb::io::ArrayOutputStream array(out.data(), static_cast<int>(size));
  pb::io::CodedOutputStream coded(&array);
  coded.SetSerializationDeterministic(true);
  msg.SerializeWithCachedSizes(&coded);
  if (coded.HadError() || static_cast<size_t>(coded.ByteCount()) != size) {
    return Internal(name + ": serializing the GraphDef failed");
  }
  return out;
}

Result<std::string> PrintOrSerialize(const pb::Message& msg, const std::string& path, bool text) {
  if (!text) return SerializeDeterministic(msg, path);
  std::string bytes;
  pb::TextFormat::Printer printer;  // prints map entries sorted by key: deterministic
  if (!printer.PrintToString(msg, &bytes)) return Internal(path + ": printing the message failed");
  return bytes;
}

}  // namespace

Result<GraphDefData> ParseGraphDef(std::string_view bytes, const std::string& name_for_errors) {
  tensorflow::GraphDef proto;
  TFM_RETURN_IF_ERROR(ParseMessage(bytes, /*text=*/false, name_for_errors, "GraphDef", &proto));
  GraphDefData graph;
  Status s = GraphFromProto(proto, &graph);
  if (!s.ok()) return s.WithContext(name_for_errors);
  return graph;
}

Result<GraphDefData> ReadGraphDef(const std::string& path) {
  tensorflow::GraphDef proto;
  TFM_RETURN_IF_ERROR(ReadMessage(path, "GraphDef", &proto));
  GraphDefData graph;
  Status s = GraphFromProto(proto, &graph);
  if (!s.ok()) return s.WithContext(path);
  return graph;
}

Result<MetaGraphData> ReadMetaGraph(const std::string& path) {
  tensorflow::MetaGraphDef proto;
  TFM_RETURN_IF_ERROR(ReadMessage(path, "MetaGraphDef", &proto));
  MetaGraphData meta;
  Status s = MetaGraphFromProto(proto, &meta);
  if (!s.ok()) return s.WithContext(path);
  return meta;
}

Result<SavedModelData> ReadSavedModel(const std::string& dir, bool describe_functions) {
  if (!IsDirectory(dir)) return NotFound("SavedModel directory " + dir + " does not exist");
  SavedModelData model;
  model.path = JoinPath(dir, "saved_model.pb");
  if (!FileExists(model.path)) {
    model.path = JoinPath(dir, "saved_model.pbtxt");
    if (!FileExists(model.path)) {
      if (FileExists(JoinPath(dir, "saved_model.cpb"))) {
        return Unimplemented(dir +
                             " holds only saved_model.cpb, the chunked SavedModel format "
                             "TensorFlow uses for protos over 2 GiB; it is not supported");
      }
      return NotFound("no saved_model.pb or saved_model.pbtxt in " + dir);
    }
  }
  tensorflow::SavedModel proto;
  TFM_RETURN_IF_ERROR(ReadMessage(model.path, "SavedModel", &proto));
  if (proto.meta_graphs_size() == 0) {
    return DataLoss(model.path + " contains no MetaGraphDef (empty or truncated file?)");
  }
  model.meta_graphs.resize(proto.meta_graphs_size());
  for (int k = 0; k < proto.meta_graphs_size(); ++k) {
    Status s = MetaGraphFromProto(proto.meta_graphs(k), &model.meta_graphs[k]);
    if (!s.ok()) return s.WithContext(model.path + ": meta graph " + std::to_string(k));
    const tensorflow::MetaGraphDef& mg = proto.meta_graphs(k);
    if (describe_functions && mg.has_object_graph_def()) {
      model.meta_graphs[k].concrete_functions_text =
          ConcreteFunctionsText(mg.object_graph_def(), mg.graph_def().library());
    }
  }
  return model;
}

Status WriteGraphDef(const std::string& path, const GraphDefData& graph, bool text) {
  tensorflow::GraphDef proto;
  GraphToProto(graph, &proto);
  TFM_ASSIGN_OR_RETURN(std::string bytes, PrintOrSerialize(proto, path, text));
  return WriteFileAtomically(path, bytes);
}


Status WriteMetaGraph(const std::string& path, const MetaGraphData& meta, bool text) {
  tensorflow::MetaGraphDef proto;
  MetaGraphToProto(meta, &proto);
  TFM_ASSIGN_OR_RETURN(std::string bytes, PrintOrSerialize(proto, path, text));
  return WriteFileAtomically(path, bytes);
}

Status WriteSavedModel(const std::string& dir, const std::vector<MetaGraphData>& meta_graphs,
                       bool text) {
  tensorflow::SavedModel proto;
  proto.set_saved_model_schema_version(1);
  for (const MetaGraphData& m : meta_graphs) MetaGraphToProto(m, proto.add_meta_graphs());
  const std::string path = JoinPath(dir, text ? "saved_model.pbtxt" : "saved_model.pb");
  TFM_ASSIGN_OR_RETURN(std::string bytes, PrintOrSerialize(proto, path, text));
  return WriteFileAtomically(path, bytes);
}

Result<VariableDefData> ParseVariableDef(std::string_view bytes, const std::string& name_for_errors) {
  tensorflow::VariableDef p;
  if (!p.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return DataLoss(name_for_errors + ": not a valid VariableDef");
  }
  VariableDefData v;
  v.variable_name = p.variable_name();
  v.initial_value_name = p.initial_value_name();
  v.initializer_name = p.initializer_name();
  v.snapshot_name = p.snapshot_name();
  v.is_resource = p.is_resource();
  v.trainable = p.trainable();
  return v;
}

std::string SerializeVariableDef(const VariableDefData& v) {
  tensorflow::VariableDef p;
  p.set_variable_name(v.variable_name);
  p.set_initial_value_name(v.initial_value_name);
  p.set_initializer_name(v.initializer_name);
  p.set_snapshot_name(v.snapshot_name);
  p.set_is_resource(v.is_resource);
  p.set_trainable(v.trainable);
  std::string out;
  p.SerializeToString(&out);
  return out;
}

std::string SerializeAssetFileDef(const AssetFileData& asset) {
  tensorflow::AssetFileDef p;
  p.set_filename(asset.filename);
  TensorInfoToProto({asset.tensor_name, DataType::kString, PartialShape{}}, p.mutable_tensor_info());
  std::string out;
  p.SerializeToString(&out);
  return out;
}

AttrValue TypeAttr(DataType t) {
  AttrValue a;
  a.kind = AttrValue::Kind::kType;
  a.type = t;
  return a;
}
AttrValue IntAttr(int64_t v) {
  AttrValue a;
  a.kind = AttrValue::Kind::kInt;
  a.i = v;
  return a;
}
AttrValue FloatAttr(float v) {
  AttrValue a;
  a.kind = AttrValue::Kind::kFloat;
  a.f = v;
  return a;
}
AttrValue BoolAttr(bool v) {
  AttrValue a;
  a.kind = AttrValue::Kind::kBool;
  a.b = v;
  return a;
}
AttrValue StringAttr(std::string_view v) {
  AttrValue a;
  a.kind = AttrValue::Kind::kString;
  a.s = std::string(v);
  return a;
}
AttrValue ShapeAttr(const PartialShape& s) {
  AttrValue a;
  a.kind = AttrValue::Kind::kShape;
  a.shape = s;
  return a;
}
AttrValue TensorAttr(const Tensor& t) {
  AttrValue a;
  a.kind = AttrValue::Kind::kTensor;
  a.tensor = t;
  return a;
}
AttrValue IntListAttr(const std::vector<int64_t>& v) {
  AttrValue a;
  a.kind = AttrValue::Kind::kList;
  a.list.i = v;
  return a;
}
AttrValue TypeListAttr(const std::vector<DataType>& v) {
  AttrValue a;
  a.kind = AttrValue::Kind::kList;
  a.list.type = v;
  return a;
}
AttrValue StringListAttr(const std::vector<std::string>& v) {
  AttrValue a;
  a.kind = AttrValue::Kind::kList;
  a.list.s = v;
  return a;
}

}  // namespace tfmodel
