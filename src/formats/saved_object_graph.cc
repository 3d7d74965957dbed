// SavedObjectGraph proto -> SavedObjectGraphData (spec 4.6).
#include "src/formats/saved_object_graph.h"

#include <limits>

#include "saved_object_graph.pb.h"

namespace tfmodel {
namespace {

using Kind = SavedObjectData::Kind;

Kind KindOf(const tensorflow::SavedObject& p) {
  switch (p.kind_case()) {
    case tensorflow::SavedObject::kUserObject: return Kind::kUserObject;
    case tensorflow::SavedObject::kAsset: return Kind::kAsset;
    case tensorflow::SavedObject::kFunction: return Kind::kFunction;
    case tensorflow::SavedObject::kVariable: return Kind::kVariable;
    case tensorflow::SavedObject::kBareConcreteFunction: return Kind::kBareConcreteFunction;
    case tensorflow::SavedObject::kConstant: return Kind::kConstant;
    case tensorflow::SavedObject::kResource: return Kind::kResource;
    case tensorflow::SavedObject::kCapturedTensor: return Kind::kCapturedTensor;
    default: return Kind::kNone;
  }
}

SavedObjectData FromProto(const tensorflow::SavedObject& p) {
  SavedObjectData o;
  o.kind = KindOf(p);
  for (const auto& c : p.children()) o.children.push_back({c.node_id(), c.local_name()});
  for (const auto& s : p.slot_variables()) {
    o.slot_variables.push_back(
        {s.original_variable_node_id(), s.slot_name(), s.slot_variable_node_id()});
  }
  switch (o.kind) {
    case Kind::kUserObject: o.identifier = p.user_object().identifier(); break;
    case Kind::kVariable: {
      const auto& v = p.variable();
      o.dtype = static_cast<DataType>(v.dtype());
      o.variable_name = v.name();
      o.trainable = v.trainable();
      if (v.shape().unknown_rank()) {
        o.shape = PartialShape::Unknown();
      } else {
        for (const auto& d : v.shape().dim()) o.shape.dims.push_back(d.size());
      }
      break;
    }
    case Kind::kFunction:
      o.concrete_functions.assign(p.function().concrete_functions().begin(),
                                  p.function().concrete_functions().end());
      break;
    case Kind::kBareConcreteFunction:
      o.concrete_function_name = p.bare_concrete_function().concrete_function_name();
      break;
    case Kind::kConstant: o.constant_operation = p.constant().operation(); break;
    case Kind::kCapturedTensor: o.captured_tensor_name = p.captured_tensor().name(); break;
    default: break;
  }
  return o;
}

}  // namespace

const char* SavedObjectKindName(Kind kind) {
  switch (kind) {
    case Kind::kUserObject: return "user_object";
    case Kind::kAsset: return "asset";
    case Kind::kFunction: return "function";
    case Kind::kVariable: return "variable";
    case Kind::kBareConcreteFunction: return "bare_concrete_function";
    case Kind::kConstant: return "constant";
    case Kind::kResource: return "resource";
    case Kind::kCapturedTensor: return "captured_tensor";
    case Kind::kNone: break;
  }
  return "none";
}

Result<SavedObjectGraphData> ParseSavedObjectGraph(std::string_view bytes,
                                                   const std::string& name_for_errors) {
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return DataLoss(name_for_errors + ": SavedObjectGraph over protobuf's 2 GiB limit");
  }
  tensorflow::SavedObjectGraph proto;
  if (!proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return DataLoss(name_for_errors + ": not a valid SavedObjectGraph");
  }
  SavedObjectGraphData g;
  g.nodes.reserve(proto.nodes_size());
  for (const auto& n : proto.nodes()) g.nodes.push_back(FromProto(n));
  const int n = static_cast<int>(g.nodes.size());
  auto bad = [&](const std::string& what, int id) {
    return DataLoss(name_for_errors + ": SavedObjectGraph " + what + " refers to node " +
                    std::to_string(id) + " of " + std::to_string(n));
  };
  for (int id = 0; id < n; ++id) {
    for (const auto& c : g.nodes[id].children) {
      if (c.node_id < 0 || c.node_id >= n) {
        return bad("node " + std::to_string(id) + " child \"" + c.local_name + "\"", c.node_id);
      }
    }
  }
  for (const auto& [name, fn] : proto.concrete_functions()) {
    std::vector<int>& bound = g.bound_inputs[name];
    for (int id : fn.bound_inputs()) {
      if (id < 0 || id >= n) return bad("concrete function " + name + " bound input", id);
      bound.push_back(id);
    }
  }
  return g;
}

}  // namespace tfmodel
