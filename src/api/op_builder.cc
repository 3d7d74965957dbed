// OpBuilder and the AttrValue helpers.
#include "src/api/op_builder.h"

namespace tfmodel {

GraphState* GraphOf(std::initializer_list<const Output*> outputs) {
  for (const Output* o : outputs) {
    if (o != nullptr && o->graph() != nullptr) return o->graph();
  }
  return nullptr;
}

OpBuilder::OpBuilder(std::string_view op, std::string_view name, GraphState* graph) : graph_(graph) {
  spec_.op = std::string(op);
  spec_.name = std::string(name);
}

OpBuilder& OpBuilder::Input(const tfmodel::Output& x) {
  if (graph_ == nullptr) graph_ = x.graph();
  spec_.inputs.push_back(x);
  return *this;
}

OpBuilder& OpBuilder::Inputs(const std::vector<tfmodel::Output>& xs) {
  for (const auto& x : xs) Input(x);
  return *this;
}

OpBuilder& OpBuilder::ControlInput(const Operation& op) {
  spec_.control_inputs.push_back(op);
  return *this;
}

OpBuilder& OpBuilder::Attr(const std::string& name, AttrValue v) {
  spec_.attrs[name] = std::move(v);
  return *this;
}

OpBuilder& OpBuilder::ExactName(std::string full_name) {
  spec_.name = std::move(full_name);
  spec_.exact_name = true;
  return *this;
}

Operation OpBuilder::Build() {
  if (graph_ == nullptr) return Operation();  // every input was invalid: the graph has the error
  return graph_->AddOp(std::move(spec_));
}

bool SetValues(Tensor* t, const std::vector<double>& values) {
  if (values.empty()) return true;
  return DispatchPod(t->dtype(), false, [&](auto zero) {
    using T = decltype(zero);
    auto convert = [](double v) {
      if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
        return T::FromFloat(static_cast<float>(v));
      } else if constexpr (std::is_same_v<T, std::complex<float>> ||
                           std::is_same_v<T, std::complex<double>>) {
        return T(static_cast<typename T::value_type>(v), 0);
      } else {
        return static_cast<T>(v);
      }
    };
    auto out = t->flat<T>();
    for (size_t i = 0; i < out.size(); ++i) out[i] = convert(values.size() == 1 ? values[0] : values[i]);
    return true;
  });
}

Output ConstOf(GraphState* g, DataType dtype, const std::vector<double>& values, bool scalar,
               std::string_view name) {
  if (g == nullptr) return Output();
  Shape shape = scalar ? Shape{} : Shape{static_cast<int64_t>(values.size())};
  Result<Tensor> t = Tensor::Allocate(dtype, shape);
  if (!t.ok()) {
    g->Fail(t.status());
    return Output();
  }
  bool ok = SetValues(&*t, values);
  if (!ok) {
    g->Fail(InvalidArgument("cannot make a " + std::string(DataTypeName(dtype)) + " constant"));
    return Output();
  }
  return OpBuilder("Const", name, g).Attr("dtype", dtype).Attr("value", TensorAttr(*t)).Out();
}

Output Int32Vector(GraphState* g, const std::vector<int64_t>& values, std::string_view name) {
  std::vector<double> v(values.begin(), values.end());
  return ConstOf(g, DataType::kInt32, v, /*scalar=*/false, name);
}

Output Int32Scalar(GraphState* g, int64_t value, std::string_view name) {
  return ConstOf(g, DataType::kInt32, {static_cast<double>(value)}, /*scalar=*/true, name);
}

}  // namespace tfmodel
