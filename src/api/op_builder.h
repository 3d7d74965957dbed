// OpBuilder: how op functions assemble a NodeSpec (inputs, attrs with TensorFlow's names) and add
// it to the graph of their inputs.
//
//   return OpBuilder("MatMul", name, a).Input(a).Input(b).Attr("T", a.dtype())
//       .Attr("transpose_a", ta).Attr("transpose_b", tb).Out();
#ifndef TFMODEL_SRC_API_OP_BUILDER_H_
#define TFMODEL_SRC_API_OP_BUILDER_H_

#include <string>
#include <string_view>
#include <vector>

#include "src/api/graph_state.h"

namespace tfmodel {


// The graph of the first valid handle (null when none is valid: the graph then already holds
// the error that made them invalid).
GraphState* GraphOf(std::initializer_list<const Output*> outputs);

class OpBuilder {
 public:
  // The graph is taken from `graph_source`'s graph.
  OpBuilder(std::string_view op, std::string_view name, GraphState* graph);
  OpBuilder(std::string_view op, std::string_view name, const Output& graph_source)
      : OpBuilder(op, name, graph_source.graph()) {}
  OpBuilder(std::string_view op, std::string_view name, const Graph& g)
      : OpBuilder(op, name, g.state()) {}

  OpBuilder& Input(const Output& x);
  OpBuilder& Inputs(const std::vector<Output>& xs);
  OpBuilder& ControlInput(const Operation& op);
  OpBuilder& Attr(const std::string& name, AttrValue v);
  OpBuilder& Attr(const std::string& name, DataType t) { return Attr(name, TypeAttr(t)); }
  OpBuilder& Attr(const std::string& name, bool b) { return Attr(name, BoolAttr(b)); }
  OpBuilder& Attr(const std::string& name, int64_t i) { return Attr(name, IntAttr(i)); }
  OpBuilder& Attr(const std::string& name, int i) { return Attr(name, IntAttr(i)); }
  OpBuilder& Attr(const std::string& name, float f) { return Attr(name, FloatAttr(f)); }
  OpBuilder& Attr(const std::string& name, const char* s) { return Attr(name, StringAttr(s)); }
  OpBuilder& Attr(const std::string& name, std::string_view s) { return Attr(name, StringAttr(s)); }
  OpBuilder& Attr(const std::string& name, const std::vector<int64_t>& v) {
    return Attr(name, IntListAttr(v));
  }
  // The full name, not made unique (a variable op named after its scope).
  OpBuilder& ExactName(std::string full_name);

  Operation Build();
  tfmodel::Output Out(int index = 0) { return Build().output(index); }

 private:
  GraphState* graph_;
  NodeSpec spec_;
};

// Sets element i of a numeric tensor to values[i] (or every element to values[0] when there is
// one value), converting to the tensor's dtype. False for non-numeric dtypes.
bool SetValues(Tensor* t, const std::vector<double>& values);

// A scalar or vector Const of `dtype` in graph `g` (int32 for shapes and axes).
Output ConstOf(GraphState* g, DataType dtype, const std::vector<double>& values, bool scalar,
               std::string_view name = "Const");
Output Int32Vector(GraphState* g, const std::vector<int64_t>& values, std::string_view name = "Const");
Output Int32Scalar(GraphState* g, int64_t value, std::string_view name = "Const");

}  // namespace tfmodel

#endif  // TFMODEL_SRC_API_OP_BUILDER_H_
