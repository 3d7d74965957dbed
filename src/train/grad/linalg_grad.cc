// Einsum's gradient (TF: linalg_grad.py's _EinsumGrad), for the equations the runtime's kernel
// runs: one or two operands, an explicit output, no label repeated within an operand, and an
// ellipsis that covers the same dims wherever it appears (no broadcasting between operands).
//
// For z = einsum(x, y) the gradient of operand x is an einsum of dz with the other operand:
//   dx = einsum("<z>,<y>-><x'>", dz, y)    (one operand: dx = einsum("<z>-><x'>", dz))
// where x' is x's labels without those that appear in x only (neither in z nor in the other
// operand): z does not depend on where along those x is, so dx is constant along them and is
// broadcast back (reshaped with size-1 dims there, then BroadcastTo(shape(x))). Labels of the
// other operand that are not in x' are summed by the einsum itself. The ellipsis is one more
// label here ('.' below), spelled "..." in the equations.
#include <cctype>
#include <string>
#include <vector>

#include "src/api/op_builder.h"
#include "src/train/grad/grad_util.h"
#include "src/train/gradients.h"

namespace tfmodel::grad {
namespace {

constexpr char kEllipsis = '.';

struct Subscripts {
  std::vector<std::string> inputs;  // one label per char, '.' for "..."
  std::string output;
};

// The equation's labels, or the reason the gradient does not support it.
Result<Subscripts> Parse(const std::string& equation, int num_inputs) {
  std::string text;
  for (char ch : equation) {
    if (ch != ' ') text += ch;
  }
  const size_t arrow = text.find("->");
  if (arrow == std::string::npos || text.find("->", arrow + 2) != std::string::npos) {
    return InvalidArgument("it needs exactly one '->'");
  }
  auto labels = [](const std::string& s) -> Result<std::string> {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      char label = s[i];
      if (s.compare(i, 3, "...") == 0) {
        label = kEllipsis;
        i += 2;
      } else if (!std::isalpha(static_cast<unsigned char>(label))) {
        return InvalidArgument("bad character '" + std::string(1, label) + "'");
      }
      if (out.find(label) != std::string::npos) {
        return InvalidArgument(label == kEllipsis ? std::string("two ellipses in an operand")
                                                  : "label '" + std::string(1, label) +
                                                        "' repeats in an operand (a diagonal)");
      }
      out += label;
    }
    return out;
  };
  Subscripts s;
  const std::string lhs = text.substr(0, arrow);
  for (size_t start = 0;;) {
    const size_t comma = lhs.find(',', start);
    TFM_ASSIGN_OR_RETURN(std::string in, labels(lhs.substr(start, comma == std::string::npos ? comma : comma - start)));
    s.inputs.push_back(std::move(in));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (static_cast<int>(s.inputs.size()) != num_inputs) {
    return InvalidArgument("it has " + std::to_string(s.inputs.size()) + " operands, the node " +
                           std::to_string(num_inputs));
  }
  if (num_inputs < 1 || num_inputs > 2) return InvalidArgument("only one or two operands are supported");
  TFM_ASSIGN_OR_RETURN(s.output, labels(text.substr(arrow + 2)));
  return s;
}

std::string Spell(const std::string& labels) {
  std::string out;
  for (char ch : labels) out += ch == kEllipsis ? std::string("...") : std::string(1, ch);
  return out;
}

Output EinsumOf(G c, const std::string& equation, const std::vector<Output>& operands, std::string_view name) {
  return OpBuilder("Einsum", name, c.graph())
      .Inputs(operands)
      .Attr("equation", equation)
      .Attr("N", static_cast<int64_t>(operands.size()))
      .Attr("T", operands[0].dtype())
      .Out();
}

// dz's contribution to operand i, or the reason it cannot be built.
Result<Output> GradWrt(G c, const Subscripts& s, int i, const std::string& suffix) {
  const std::string& x_labels = s.inputs[i];
  const bool binary = s.inputs.size() == 2;
  const std::string other = binary ? s.inputs[1 - i] : std::string();
  std::string kept;
  for (char l : x_labels) {
    if (s.output.find(l) != std::string::npos || other.find(l) != std::string::npos) kept += l;
  }
  Output dz = c.grad(0);
  Output partial = dz;
  if (binary || kept != s.output) {
    std::string eq = Spell(s.output) + (binary ? "," + Spell(other) : "") + "->" + Spell(kept);
    std::vector<Output> operands = {dz};
    if (binary) operands.push_back(c.input(1 - i));
    partial = EinsumOf(c, eq, operands, "Einsum" + suffix);
  }
  if (kept == x_labels) return partial;
  // Broadcast back along the x-only labels: reshape to x's shape with 1 there, then BroadcastTo.
  Output x = c.input(i);
  const PartialShape xs = x.shape();
  const bool has_ellipsis = x_labels.find(kEllipsis) != std::string::npos;
  if (xs.unknown_rank && has_ellipsis) {
    return InvalidArgument("operand " + std::to_string(i) + " has an unknown rank, so the dims of its ellipsis are unknown");
  }
  const int rank = xs.unknown_rank ? static_cast<int>(x_labels.size()) : static_cast<int>(xs.dims.size());
  const int ellipsis_rank = rank - static_cast<int>(x_labels.size()) + (has_ellipsis ? 1 : 0);
  if (ellipsis_rank < 0 || (!has_ellipsis && ellipsis_rank != 0)) {
    return InvalidArgument("operand " + std::to_string(i) + " has rank " + std::to_string(rank) +
                           ", which does not match '" + Spell(x_labels) + "'");
  }
  std::vector<int64_t> keep_mask, one_mask;  // per dim of x
  for (char l : x_labels) {
    const bool keep = kept.find(l) != std::string::npos;
    for (int k = 0; k < (l == kEllipsis ? ellipsis_rank : 1); ++k) {
      keep_mask.push_back(keep ? 1 : 0);
      one_mask.push_back(keep ? 0 : 1);
    }
  }
  if (xs.IsFullyDefined()) {
    std::vector<int64_t> with_ones = xs.dims;
    for (int d = 0; d < rank; ++d) {
      if (one_mask[d]) with_ones[d] = 1;
    }
    return BroadcastToT(Reshape(partial, with_ones, "Reshape" + suffix),
                        Int32Vector(c.graph(), xs.dims, "BroadcastTo" + suffix + "/shape"), "BroadcastTo" + suffix);
  }
  Output shape = ShapeI32(x, "Shape" + suffix);
  Output with_ones = Add(Mul(shape, Int32Vector(c.graph(), keep_mask, "mask" + suffix), "mul" + suffix),
                         Int32Vector(c.graph(), one_mask, "ones" + suffix), "add" + suffix);
  return BroadcastToT(Reshape(partial, with_ones, "Reshape" + suffix), shape, "BroadcastTo" + suffix);
}

Grads EinsumGrad(G c) {
  const std::string equation = c.StringAttr("equation");
  const auto fail = [&](const Status& why) {
    c.graph()->Fail(Unimplemented("gradient of Einsum '" + c.op().name() + "' is not supported for equation '" +
                                  equation + "': " + why.message()));
    return Grads{};
  };
  Result<Subscripts> s = Parse(equation, c.num_inputs());
  if (!s.ok()) return fail(s.status());
  Grads out;
  for (int i = 0; i < c.num_inputs(); ++i) {
    Result<Output> g = GradWrt(c, *s, i, i == 0 ? "" : "_" + std::to_string(i));
    if (!g.ok()) return fail(g.status());
    out.push_back(*g);
  }
  return out;
}

}  // namespace

void RegisterEinsumGradient(GradientRegistry& r) { r.Add({"Einsum", EinsumGrad}); }

}  // namespace tfmodel::grad
