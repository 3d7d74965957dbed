// Small GraphDefs with function libraries for the inlining and freezing tests: builders, and a
// runtime session to run what the passes produce.
#ifndef TFMODEL_SRC_GRAPH_FREEZE_TEST_GRAPHS_H_
#define TFMODEL_SRC_GRAPH_FREEZE_TEST_GRAPHS_H_

#include <gtest/gtest.h>

#include <memory>

#include "src/formats/graph_io.h"
#include "src/runtime/session.h"

namespace tfmodel::freeze_test {

inline AttrValue Func(std::string name) {
  AttrValue v;
  v.kind = AttrValue::Kind::kFunc;
  v.func.name = std::move(name);
  v.func.attrs = std::make_shared<AttrMap>();
  return v;
}

inline NodeDefData N(std::string name, std::string op, std::vector<std::string> inputs,
                     AttrMap attrs = {}) {
  return NodeDefData{std::move(name), std::move(op), std::move(inputs), "", std::move(attrs)};
}

inline NodeDefData Input(std::string name) {
  return N(std::move(name), "Placeholder", {}, {{"dtype", TypeAttr(DataType::kFloat)}});
}

inline NodeDefData Variable(std::string name, std::vector<int64_t> dims) {
  PartialShape shape;
  shape.dims = std::move(dims);
  AttrMap attrs = {{"dtype", TypeAttr(DataType::kFloat)}, {"shape", ShapeAttr(shape)},
                   {"shared_name", StringAttr(name)}, {"container", StringAttr("")}};
  return N(std::move(name), "VarHandleOp", {}, std::move(attrs));
}

inline NodeDefData Call(std::string name, std::string f, std::vector<std::string> inputs,
                        std::vector<DataType> tin, std::vector<DataType> tout,
                        std::string op = "StatefulPartitionedCall") {
  return N(std::move(name), std::move(op), std::move(inputs),
           {{"f", Func(std::move(f))}, {"Tin", TypeListAttr(tin)}, {"Tout", TypeListAttr(tout)}});
}

inline FunctionDefData Fn(std::string name, std::vector<ArgDefData> in,
                          std::vector<ArgDefData> out, std::vector<NodeDefData> nodes,
                          std::map<std::string, std::string> ret) {
  return {.name = std::move(name), .input_args = std::move(in), .output_args = std::move(out),
          .nodes = std::move(nodes), .ret = std::move(ret)};
}

inline ArgDefData Arg(std::string name, DataType t = DataType::kFloat) {
  return ArgDefData{.name = std::move(name), .type = t};
}

inline AttrMap FloatT() { return {{"T", TypeAttr(DataType::kFloat)}}; }

inline Tensor Floats(std::vector<float> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return Tensor::FromVector<float>(v, Shape{n});
}

// Runs `g` in a fresh session: feeds "x:0", fetches `fetch`.
inline Result<Tensor> RunGraph(const GraphDefData& g, const Tensor& x, const std::string& fetch) {
  GraphIR ir;
  TFM_RETURN_IF_ERROR(ir.Import(g));
  TFM_ASSIGN_OR_RETURN(auto session, GraphSession::Create(std::move(ir)));
  std::vector<Tensor> out;
  TFM_RETURN_IF_ERROR(session->Run({{"x:0", x}}, {fetch}, {}, &out));
  return out.at(0);
}

inline int CountOps(const GraphDefData& g, const std::string& op) {
  int n = 0;
  for (const NodeDefData& d : g.nodes) n += d.op == op;
  return n;
}

}  // namespace tfmodel::freeze_test

#endif  // TFMODEL_SRC_GRAPH_FREEZE_TEST_GRAPHS_H_
