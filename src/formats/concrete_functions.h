// The "Concrete Functions" section of `saved_model_cli show --all` for a TF2 SavedModel, from
// its SavedObjectGraph alone: the functions among the root object's children, each with the
// input signatures of its concrete functions printed the way Python prints them
// (TensorSpec(shape=(None, 5), dtype=tf.float32, name='x'), DType/Value of Python arguments).
// saved_model_cli gets these by reviving the model in Python; here they come from each concrete
// function's canonicalized_input_signature (a StructuredValue, spec 4.6).
#ifndef TFMODEL_SRC_FORMATS_CONCRETE_FUNCTIONS_H_
#define TFMODEL_SRC_FORMATS_CONCRETE_FUNCTIONS_H_

#include <string>

namespace tensorflow {
class FunctionDefLibrary;
class SavedObjectGraph;
class StructuredValue;
}  // namespace tensorflow

namespace tfmodel {

// The text saved_model_cli prints after "\nConcrete Functions:" (which is not included).
// `library` is the MetaGraph's function library (it decides the order of the options).
std::string ConcreteFunctionsText(const tensorflow::SavedObjectGraph& graph,
                                  const tensorflow::FunctionDefLibrary& library);

// Python's repr() of a decoded StructuredValue ("(TensorSpec(...), False)", "{'a': 1}").
std::string PythonRepr(const tensorflow::StructuredValue& v);

}  // namespace tfmodel

#endif  // TFMODEL_SRC_FORMATS_CONCRETE_FUNCTIONS_H_
