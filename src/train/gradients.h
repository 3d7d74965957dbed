// Autodiff: the gradient table (one rule per op type, TensorFlow's gradient op names) and the
// driver that builds d(ys)/d(xs) as graph nodes, like tf.gradients.
//
// The driver walks the ops between xs and ys in reverse topological order, sums the gradients
// that reach each output (AddN), calls the op's rule, and reduces the input gradients of
// broadcasting ops to their inputs' shapes -- the one place broadcasting is undone. A rule
// never un-broadcasts itself.
#ifndef TFMODEL_SRC_TRAIN_GRADIENTS_H_
#define TFMODEL_SRC_TRAIN_GRADIENTS_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "src/api/graph_state.h"
#include "tfmodel/graph.h"
#include "tfmodel/ops.h"
#include "tfmodel/train.h"

namespace tfmodel {

// What a gradient rule sees.
class GradContext {
 public:
  // Keeps a copy of the op's node: rules add nodes, which may move the graph's storage.
  GradContext(Operation op, std::vector<Output> grads)
      : op_(op), node_(op.graph()->ir().node(op.node())), grads_(std::move(grads)) {}
  const Operation& op() const { return op_; }
  GraphState* graph() const { return op_.graph(); }
  const Node& node() const { return node_; }
  int num_inputs() const { return static_cast<int>(node().inputs.size()); }
  Output input(int i) const {
    const TensorRef& r = node().inputs[i];
    return Output(graph(), r.node, r.index);
  }
  Output output(int i) const { return op_.output(i); }
  // dL/d(output i); invalid when nothing depends on that output.
  const Output& grad(int i) const { return grads_[i]; }
  // The gradient, or zeros shaped like the output when none flows there.
  Output GradOrZeros(int i) const;
  // Attribute lookups on the forward op (a missing attr reads as the default given).
  const AttrValue* attr(const std::string& name) const;
  bool BoolAttr(const std::string& name, bool fallback = false) const;
  int64_t IntAttr(const std::string& name, int64_t fallback = 0) const;
  std::string StringAttr(const std::string& name, const std::string& fallback = "") const;
  std::vector<int64_t> IntListAttr(const std::string& name) const;
  // Fails the graph with "no gradient for <op> (<node>): <why>" and returns no gradients.
  std::vector<Output> Unsupported(const std::string& why) const;

 private:
  Operation op_;
  Node node_;
  std::vector<Output> grads_;
};

// Returns one gradient per input (invalid = no gradient to that input).
using GradFn = std::vector<Output> (*)(const GradContext& c);

struct GradientDef {
  std::string_view op;
  GradFn fn = nullptr;  // null: not differentiable (no gradient flows through)
  // The rule returns gradients shaped like the op's output for every input; the driver reduces
  // each to its input's shape (numpy broadcasting undone).
  bool unbroadcast = false;
};

class GradientRegistry {
 public:
  static const GradientRegistry& Global();  // train/gradient_registry.cc
  void Add(const GradientDef& def);
  const GradientDef* Find(std::string_view op) const;
  std::vector<std::string_view> Names() const;

 private:
  std::map<std::string, GradientDef, std::less<>> defs_;
};

// Families (train/grad/*.cc), registered by an explicit list.
void RegisterMathGradients(GradientRegistry& r);
void RegisterNnGradients(GradientRegistry& r);
void RegisterArrayGradients(GradientRegistry& r);

// Gradients(ys, xs, grad_ys) -- tf.gradients -- is declared in tfmodel/train.h and built
// in the "gradients" name scope of ys' graph; errors also set the graph's error.

// Reduces `grad` (shaped like a broadcast result) to the shape of `input` (exposed for rules
// whose gradient is computed on a broadcast shape, e.g. BatchMatMulV2).
Output Unbroadcast(const Output& grad, const Output& input);

}  // namespace tfmodel

#endif  // TFMODEL_SRC_TRAIN_GRADIENTS_H_
