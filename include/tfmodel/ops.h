// Op functions for building graphs: TensorFlow's ops with TensorFlow's op names and attrs (so a
// graph built here exports to TensorFlow unchanged), variables with initializers, and the
// tf.compat.v1.losses.
//
//   tfmodel::Graph g;
//   auto x = Placeholder(g, DataType::kFloat, {-1, 10}, "input");
//   auto y = Placeholder(g, DataType::kFloat, {-1, 1}, "label");
//   Variable beta = GetVariable(g, "beta", {10, 1}, GlorotNormal());
//   Variable bias = GetVariable(g, "bias", {1}, GlorotNormal());
//   Output pred = Add(MatMul(x, beta), bias, "output");
//   Output loss = losses::MeanSquaredError(y, pred);
//
// Every function returns an invalid handle when it cannot build its op; the graph keeps the
// first error (Graph::status()). `name` is the op's name inside the current name scope (made
// unique as TensorFlow does); empty means the op type.
#ifndef TFMODEL_OPS_H_
#define TFMODEL_OPS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tfmodel/graph.h>
#include <tfmodel/tensor.h>

namespace tfmodel {

// ---- constants, placeholders, identities -------------------------------------------------------
Output Const(const Graph& g, const Tensor& value, std::string_view name = "");
// A scalar of `dtype` (any real dtype) holding `value`.
Output ScalarConst(const Graph& g, DataType dtype, double value, std::string_view name = "");
// A scalar of x's dtype, in x's graph.
Output ScalarLike(const Output& x, double value, std::string_view name = "");
// shape: dims, -1 for unknown ones. The overload without a shape has unknown rank.
Output Placeholder(const Graph& g, DataType dtype, const std::vector<int64_t>& shape,
                   std::string_view name = "");
Output Placeholder(const Graph& g, DataType dtype, std::string_view name = "");
Output PlaceholderWithDefault(const Output& input, const std::vector<int64_t>& shape,
                              std::string_view name = "");
Output Identity(const Output& x, std::string_view name = "");
Output StopGradient(const Output& x, std::string_view name = "");
Operation NoOp(const Graph& g, std::string_view name = "");
// tf.group: a NoOp that runs after every op of `ops`.
Operation Group(const Graph& g, const std::vector<Operation>& ops, std::string_view name = "");

// ---- element-wise math (broadcasting binary ops) ---------------------------------------------
Output Add(const Output& x, const Output& y, std::string_view name = "");  // AddV2
Output Sub(const Output& x, const Output& y, std::string_view name = "");
Output Mul(const Output& x, const Output& y, std::string_view name = "");
Output RealDiv(const Output& x, const Output& y, std::string_view name = "");
Output Div(const Output& x, const Output& y, std::string_view name = "");  // RealDiv for floats
Output FloorDiv(const Output& x, const Output& y, std::string_view name = "");
Output FloorMod(const Output& x, const Output& y, std::string_view name = "");
Output DivNoNan(const Output& x, const Output& y, std::string_view name = "");
Output Maximum(const Output& x, const Output& y, std::string_view name = "");
Output Minimum(const Output& x, const Output& y, std::string_view name = "");
Output Pow(const Output& x, const Output& y, std::string_view name = "");
Output SquaredDifference(const Output& x, const Output& y, std::string_view name = "");
Output Equal(const Output& x, const Output& y, std::string_view name = "");
Output NotEqual(const Output& x, const Output& y, std::string_view name = "");
Output Less(const Output& x, const Output& y, std::string_view name = "");
Output LessEqual(const Output& x, const Output& y, std::string_view name = "");
Output Greater(const Output& x, const Output& y, std::string_view name = "");
Output GreaterEqual(const Output& x, const Output& y, std::string_view name = "");
Output LogicalAnd(const Output& x, const Output& y, std::string_view name = "");
Output LogicalOr(const Output& x, const Output& y, std::string_view name = "");
Output LogicalNot(const Output& x, std::string_view name = "");
Output AddN(const std::vector<Output>& inputs, std::string_view name = "");

Output Neg(const Output& x, std::string_view name = "");
Output Abs(const Output& x, std::string_view name = "");
Output Square(const Output& x, std::string_view name = "");
Output Sqrt(const Output& x, std::string_view name = "");
Output Rsqrt(const Output& x, std::string_view name = "");
Output Exp(const Output& x, std::string_view name = "");
Output Log(const Output& x, std::string_view name = "");
Output Log1p(const Output& x, std::string_view name = "");
Output Sign(const Output& x, std::string_view name = "");
Output Floor(const Output& x, std::string_view name = "");
Output Ceil(const Output& x, std::string_view name = "");
Output Round(const Output& x, std::string_view name = "");
Output Reciprocal(const Output& x, std::string_view name = "");
Output Sigmoid(const Output& x, std::string_view name = "");
Output Tanh(const Output& x, std::string_view name = "");
Output Relu(const Output& x, std::string_view name = "");
Output Relu6(const Output& x, std::string_view name = "");
Output Elu(const Output& x, std::string_view name = "");
Output Selu(const Output& x, std::string_view name = "");
Output Softplus(const Output& x, std::string_view name = "");
Output LeakyRelu(const Output& x, float alpha = 0.2f, std::string_view name = "");
Output Softmax(const Output& logits, std::string_view name = "");
Output LogSoftmax(const Output& logits, std::string_view name = "");
Output Cast(const Output& x, DataType dtype, std::string_view name = "");

// Operators build the same ops; a double operand becomes a scalar of the other's dtype.
Output operator+(const Output& x, const Output& y);
Output operator-(const Output& x, const Output& y);
Output operator*(const Output& x, const Output& y);
Output operator/(const Output& x, const Output& y);
Output operator-(const Output& x);
Output operator+(const Output& x, double y);
Output operator+(double x, const Output& y);
Output operator-(const Output& x, double y);
Output operator-(double x, const Output& y);
Output operator*(const Output& x, double y);
Output operator*(double x, const Output& y);
Output operator/(const Output& x, double y);
Output operator/(double x, const Output& y);

// ---- linear algebra and nn -------------------------------------------------------------------
struct MatMulOptions {
  bool transpose_a = false;
  bool transpose_b = false;
};
Output MatMul(const Output& a, const Output& b, MatMulOptions options = {},
              std::string_view name = "");
Output MatMul(const Output& a, const Output& b, std::string_view name);
Output BatchMatMul(const Output& x, const Output& y, bool adj_x = false, bool adj_y = false,
                   std::string_view name = "");  // BatchMatMulV2
Output BiasAdd(const Output& value, const Output& bias, std::string_view data_format = "NHWC",
               std::string_view name = "");

struct ConvOptions {
  std::string data_format = "NHWC";
  std::vector<int64_t> dilations = {1, 1, 1, 1};
  std::vector<int64_t> explicit_paddings;  // padding "EXPLICIT": 8 numbers
};
// padding: "SAME", "VALID" or "EXPLICIT"; strides of length 4.
Output Conv2D(const Output& input, const Output& filter, const std::vector<int64_t>& strides,
              std::string_view padding, const ConvOptions& options = {}, std::string_view name = "");
Output DepthwiseConv2dNative(const Output& input, const Output& filter,
                             const std::vector<int64_t>& strides, std::string_view padding,
                             const ConvOptions& options = {}, std::string_view name = "");
Output MaxPool(const Output& value, const std::vector<int64_t>& ksize,
               const std::vector<int64_t>& strides, std::string_view padding,
               std::string_view data_format = "NHWC", std::string_view name = "");
Output AvgPool(const Output& value, const std::vector<int64_t>& ksize,
               const std::vector<int64_t>& strides, std::string_view padding,
               std::string_view data_format = "NHWC", std::string_view name = "");
struct FusedBatchNormOutputs {
  Output y, batch_mean, batch_variance;
  Operation op;
};
// FusedBatchNormV3; in training mode mean and variance may be empty tensors.
FusedBatchNormOutputs FusedBatchNorm(const Output& x, const Output& scale, const Output& offset,
                                     const Output& mean, const Output& variance,
                                     float epsilon = 0.001f, bool is_training = false,
                                     std::string_view data_format = "NHWC",
                                     std::string_view name = "");
// tf.nn.dropout (rate = fraction dropped; the kept values are scaled by 1 / (1 - rate)).
Output Dropout(const Output& x, double rate, std::optional<int64_t> seed = std::nullopt,
               std::string_view name = "");
// tf.nn.softmax_cross_entropy_with_logits (per example; labels are probabilities).
Output SoftmaxCrossEntropyWithLogits(const Output& labels, const Output& logits,
                                     std::string_view name = "");
Output SparseSoftmaxCrossEntropyWithLogits(const Output& labels, const Output& logits,
                                           std::string_view name = "");
// tf.nn.sigmoid_cross_entropy_with_logits: max(x, 0) - x z + log(1 + exp(-|x|)).
Output SigmoidCrossEntropyWithLogits(const Output& labels, const Output& logits,
                                     std::string_view name = "");

// ---- reductions (empty axes = all axes) --------------------------------------------------------
Output ReduceSum(const Output& x, const std::vector<int64_t>& axes = {}, bool keep_dims = false,
                 std::string_view name = "");
Output ReduceMean(const Output& x, const std::vector<int64_t>& axes = {}, bool keep_dims = false,
                  std::string_view name = "");
Output ReduceMax(const Output& x, const std::vector<int64_t>& axes = {}, bool keep_dims = false,
                 std::string_view name = "");
Output ReduceMin(const Output& x, const std::vector<int64_t>& axes = {}, bool keep_dims = false,
                 std::string_view name = "");
Output ReduceProd(const Output& x, const std::vector<int64_t>& axes = {}, bool keep_dims = false,
                  std::string_view name = "");
Output ArgMax(const Output& x, int64_t axis, DataType output_type = DataType::kInt64,
              std::string_view name = "");
Output ArgMin(const Output& x, int64_t axis, DataType output_type = DataType::kInt64,
              std::string_view name = "");

// ---- shapes and arrays -----------------------------------------------------------------------
Output Reshape(const Output& x, const std::vector<int64_t>& shape, std::string_view name = "");
Output Reshape(const Output& x, const Output& shape, std::string_view name = "");
Output ShapeOf(const Output& x, DataType out_type = DataType::kInt32, std::string_view name = "");  // tf.shape
Output Size(const Output& x, DataType out_type = DataType::kInt32, std::string_view name = "");
Output Rank(const Output& x, std::string_view name = "");
Output ExpandDims(const Output& x, int64_t axis, std::string_view name = "");
Output Squeeze(const Output& x, const std::vector<int64_t>& axes = {}, std::string_view name = "");
Output Transpose(const Output& x, const std::vector<int64_t>& perm, std::string_view name = "");
Output Concat(const std::vector<Output>& values, int64_t axis, std::string_view name = "");
Output Stack(const std::vector<Output>& values, int64_t axis = 0, std::string_view name = "");
std::vector<Output> Unstack(const Output& value, int64_t num, int64_t axis = 0,
                            std::string_view name = "");
Output Tile(const Output& x, const std::vector<int64_t>& multiples, std::string_view name = "");
Output Fill(const Output& dims, const Output& value, std::string_view name = "");
Output ZerosLike(const Output& x, std::string_view name = "");
Output OnesLike(const Output& x, std::string_view name = "");
Output Zeros(const Graph& g, const std::vector<int64_t>& shape, DataType dtype = DataType::kFloat,
             std::string_view name = "");
Output Ones(const Graph& g, const std::vector<int64_t>& shape, DataType dtype = DataType::kFloat,
            std::string_view name = "");
Output Gather(const Output& params, const Output& indices, int64_t axis = 0,
              std::string_view name = "");  // GatherV2
Output Slice(const Output& x, const std::vector<int64_t>& begin, const std::vector<int64_t>& size,
             std::string_view name = "");
// paddings: one (before, after) pair per dimension.
Output Pad(const Output& x, const std::vector<std::pair<int64_t, int64_t>>& paddings,
           std::string_view name = "");
Output Select(const Output& condition, const Output& t, const Output& e,
              std::string_view name = "");  // SelectV2 (broadcasting)
Output OneHot(const Output& indices, int64_t depth, double on_value = 1, double off_value = 0,
              int64_t axis = -1, DataType dtype = DataType::kFloat, std::string_view name = "");
Output Range(const Output& start, const Output& limit, const Output& delta,
             std::string_view name = "");

// ---- random (seed semantics of tf.compat.v1: an op seed with or without a graph seed is
// reproducible; neither is random per run) -------------------------------------------------------
Output RandomUniform(const Graph& g, const std::vector<int64_t>& shape, double minval = 0,
                     double maxval = 1, DataType dtype = DataType::kFloat,
                     std::optional<int64_t> seed = std::nullopt, std::string_view name = "");
Output RandomNormal(const Graph& g, const std::vector<int64_t>& shape, double mean = 0,
                    double stddev = 1, DataType dtype = DataType::kFloat,
                    std::optional<int64_t> seed = std::nullopt, std::string_view name = "");
Output TruncatedNormal(const Graph& g, const std::vector<int64_t>& shape, double mean = 0,
                       double stddev = 1, DataType dtype = DataType::kFloat,
                       std::optional<int64_t> seed = std::nullopt, std::string_view name = "");

// ---- variables -------------------------------------------------------------------------------
// A variable as tf.compat.v1 builds it: for a reference variable the VariableV2 op "beta", its
// initializer "beta/Assign" and snapshot "beta/read"; for a resource variable VarHandleOp
// "beta", "beta/Assign" (AssignVariableOp) and "beta/Read/ReadVariableOp". Converts to its
// snapshot, so it can be used wherever an Output is.
struct Variable {
  std::string name;       // the variable op's name, also its checkpoint key
  Output handle;          // "beta:0": the ref or the resource handle
  Output value;           // "beta/read:0" or "beta/Read/ReadVariableOp:0"
  Operation initializer;  // "beta/Assign"
  Output initial_value;
  DataType dtype = DataType::kInvalid;
  std::vector<int64_t> shape;
  bool trainable = true;
  bool is_resource = false;
  bool valid() const { return handle.valid(); }
  operator Output() const { return value; }  // NOLINT: used like a tensor, as in TF
};

// Builds the initial value inside the variable's "<name>/Initializer" scope.
using Initializer =
    std::function<Output(const Graph& g, const std::vector<int64_t>& shape, DataType dtype)>;
Initializer ZerosInitializer();
Initializer OnesInitializer();
Initializer ConstantInitializer(double value);
Initializer ConstantInitializer(const Tensor& value);
Initializer RandomNormalInitializer(double mean = 0, double stddev = 1,
                                    std::optional<int64_t> seed = std::nullopt);
Initializer RandomUniformInitializer(double minval = -0.05, double maxval = 0.05,
                                     std::optional<int64_t> seed = std::nullopt);
Initializer TruncatedNormalInitializer(double mean = 0, double stddev = 1,
                                       std::optional<int64_t> seed = std::nullopt);
// tf.compat.v1.variance_scaling_initializer: mode "fan_in" | "fan_out" | "fan_avg";
// distribution "truncated_normal" | "untruncated_normal" | "uniform".
Initializer VarianceScaling(double scale = 1, std::string_view mode = "fan_in",
                            std::string_view distribution = "truncated_normal",
                            std::optional<int64_t> seed = std::nullopt);
Initializer GlorotNormal(std::optional<int64_t> seed = std::nullopt);
Initializer GlorotUniform(std::optional<int64_t> seed = std::nullopt);

struct VariableOptions {
  DataType dtype = DataType::kFloat;
  bool trainable = true;
  bool use_resource = false;  // tf.compat.v1 default: reference variables
};
// tf.compat.v1.get_variable. The name is used inside the current name scope; a name already
// used by a variable is an error (TF's "Variable beta already exists").
Variable GetVariable(const Graph& g, std::string_view name, const std::vector<int64_t>& shape,
                     const Initializer& initializer, const VariableOptions& options = {});
// tf.Variable(initial_value): the shape and dtype of the initial value.
Variable NewVariable(const Output& initial_value, std::string_view name,
                     const VariableOptions& options = {});
// Assign / AssignAdd / AssignSub (AssignVariableOp ... for resource variables). The returned
// op's output 0 (reference variables) is the new value.
Operation Assign(const Variable& var, const Output& value, std::string_view name = "");
Operation AssignAdd(const Variable& var, const Output& value, std::string_view name = "");
Operation AssignSub(const Variable& var, const Output& value, std::string_view name = "");
// A read of the variable's current value that runs after the ops in scope (resource: a new
// ReadVariableOp; reference: an Identity of the ref).
Output ReadValue(const Variable& var, std::string_view name = "");
std::vector<Variable> GlobalVariables(const Graph& g);
std::vector<Variable> TrainableVariables(const Graph& g);
// The variable whose op (or handle, value or initializer) has this name; NotFound otherwise.
Result<Variable> FindVariable(const Graph& g, std::string_view name);
// Makes a variable not trainable (removes it from trainable_variables).
void SetTrainable(const Graph& g, const Variable& var, bool trainable);
Operation VariablesInitializer(const Graph& g, const std::vector<Variable>& vars,
                               std::string_view name = "init");
Operation GlobalVariablesInitializer(const Graph& g);

// ---- tf.compat.v1.losses ---------------------------------------------------------------------
enum class Reduction {
  kNone,
  kSum,
  kMean,                  // weighted sum / sum of weights
  kSumOverBatchSize,      // weighted sum / number of elements
  kSumByNonzeroWeights,   // weighted sum / number of non-zero weights (TF1's default)
};
namespace losses {
// `weights` invalid = 1.0. Every loss adds itself to the "losses" collection, as TF does.
Output MeanSquaredError(const Output& labels, const Output& predictions, const Output& weights = {},
                        Reduction reduction = Reduction::kSumByNonzeroWeights);
Output AbsoluteDifference(const Output& labels, const Output& predictions,
                          const Output& weights = {},
                          Reduction reduction = Reduction::kSumByNonzeroWeights);
Output LogLoss(const Output& labels, const Output& predictions, const Output& weights = {},
               double epsilon = 1e-7, Reduction reduction = Reduction::kSumByNonzeroWeights);
Output SigmoidCrossEntropy(const Output& multi_class_labels, const Output& logits,
                           const Output& weights = {}, double label_smoothing = 0,
                           Reduction reduction = Reduction::kSumByNonzeroWeights);
Output SoftmaxCrossEntropy(const Output& onehot_labels, const Output& logits,
                           const Output& weights = {}, double label_smoothing = 0,
                           Reduction reduction = Reduction::kSumByNonzeroWeights);
Output SparseSoftmaxCrossEntropy(const Output& labels, const Output& logits,
                                 const Output& weights = {},
                                 Reduction reduction = Reduction::kSumByNonzeroWeights);
// Weights the per-element losses and reduces them (tf.compat.v1.losses.compute_weighted_loss).
Output ComputeWeightedLoss(const Output& losses, const Output& weights = {},
                           Reduction reduction = Reduction::kSumByNonzeroWeights);
}  // namespace losses

}  // namespace tfmodel

#endif  // TFMODEL_OPS_H_
