// Einsum (Keras MultiHeadAttention and EinsumDense emit it) for one or two float/double
// operands, as a transpose + batched GEMM, the way TensorFlow lowers it:
//   labels in both inputs and the output    -> batch dims
//   labels in both inputs, not the output   -> contracted (the GEMM's k)
//   labels in one input and the output      -> that operand's free dims (the GEMM's m or n)
//   labels in one input only                -> summed out of that operand first
// The equation names the output ("ab,bc->ac"). "..." stands for the same leading dims in every
// operand (broadcasting between operands and repeated labels within one operand -- diagonals --
// are rejected). Equation errors are plan-time errors naming the node.
//   gradient: each operand's gradient is an Einsum of dz with the other operand.
#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "src/runtime/kernel.h"
#include "src/runtime/kernels/all_ops.h"
#include "src/runtime/kernels/array_util.h"
#include "src/runtime/kernels/gemm.h"

namespace tfmodel {
namespace {

constexpr char kEllipsis = '.';

struct Equation {
  std::vector<std::string> inputs;  // letters, '.' for an ellipsis
  std::string output;
};

Result<Equation> ParseEquation(const NodeInfo& n, const std::string& eq, int num_inputs) {
  Equation e;
  std::string text;
  for (char ch : eq) {
    if (ch != ' ') text += ch;
  }
  size_t arrow = text.find("->");
  std::string lhs = text.substr(0, arrow);
  auto labels = [&](std::string s) -> Result<std::string> {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s.compare(i, 3, "...") == 0) {
        if (out.find(kEllipsis) != std::string::npos)
          return n.Error("two ellipses in '" + eq + "'");
        out += kEllipsis;
        i += 2;
      } else if (std::isalpha(static_cast<unsigned char>(s[i]))) {
        if (out.find(s[i]) != std::string::npos) {
          return n.Error("label '" + std::string(1, s[i]) + "' repeats in an operand of '" + eq +
                         "' (diagonals are not supported)");
        }
        out += s[i];
      } else {
        return n.Error("bad character '" + std::string(1, s[i]) + "' in equation '" + eq + "'");
      }
    }
    return out;
  };
  for (size_t start = 0;;) {
    size_t comma = lhs.find(',', start);
    TFM_ASSIGN_OR_RETURN(
        std::string in,
        labels(lhs.substr(start, comma == std::string::npos ? comma : comma - start)));
    e.inputs.push_back(in);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (static_cast<int>(e.inputs.size()) != num_inputs) {
    return n.Error("equation '" + eq + "' has " + std::to_string(e.inputs.size()) +
                   " operands, the node " + std::to_string(num_inputs));
  }
  if (num_inputs < 1 || num_inputs > 2) return n.Error("Einsum takes one or two operands");
  // The op (unlike numpy) needs the output spelled out.
  if (arrow == std::string::npos || text.find("->", arrow + 2) != std::string::npos) {
    return n.Error("expecting exactly one '->' in einsum equation '" + eq + "'");
  }
  TFM_ASSIGN_OR_RETURN(e.output, labels(text.substr(arrow + 2)));
  for (char ch : e.output) {
    bool found = false;
    for (const std::string& in : e.inputs) found |= in.find(ch) != std::string::npos;
    if (!found)
      return n.Error("output label '" + std::string(1, ch) + "' of '" + eq + "' is in no operand");
  }
  return e;
}

// Labels with the ellipsis replaced by one label per dim it covers (chars from 128 up), and the
// size of every label; errors for mismatched sizes.
struct Expanded {
  std::vector<std::vector<int>> inputs;
  std::vector<int> output;
  std::map<int, int64_t> size;
};

Result<Expanded> Expand(const KernelContext& c, const Equation& e) {
  Expanded x;
  int ellipsis_rank = -1;
  for (size_t i = 0; i < e.inputs.size(); ++i) {
    const Shape& s = c.input(static_cast<int>(i)).shape();
    const std::string& in = e.inputs[i];
    const bool has = in.find(kEllipsis) != std::string::npos;
    const int named = static_cast<int>(in.size()) - (has ? 1 : 0);
    if (has ? s.rank() < named : s.rank() != named) {
      return c.Error(StatusCode::kInvalidArgument, "operand " + std::to_string(i) + " has shape " +
                                                       s.DebugString() +
                                                       ", which does not match '" + in + "'");
    }
    std::vector<int> labels;
    int dim = 0;
    for (char ch : in) {
      if (ch == kEllipsis) {
        const int r = s.rank() - named;
        if (ellipsis_rank >= 0 && ellipsis_rank != r) {
          return c.Error(StatusCode::kUnimplemented,
                         "the ellipsis covers different ranks in the operands");
        }
        ellipsis_rank = r;
        for (int k = 0; k < r; ++k) labels.push_back(128 + k);
      } else {
        labels.push_back(static_cast<unsigned char>(ch));
      }
    }
    for (int label : labels) {
      const int64_t d = s.dim(dim++);
      auto [it, fresh] = x.size.emplace(label, d);
      if (!fresh && it->second != d) {
        return c.Error(StatusCode::kInvalidArgument,
                       "dimension " + std::to_string(d) + " of operand " + std::to_string(i) +
                           " does not match the size " + std::to_string(it->second) +
                           " its label has elsewhere (broadcasting is not supported)");
      }
    }
    x.inputs.push_back(std::move(labels));
  }
  for (char ch : e.output) {
    if (ch == kEllipsis) {
      for (int k = 0; k < std::max(ellipsis_rank, 0); ++k) x.output.push_back(128 + k);
    } else {
      x.output.push_back(static_cast<unsigned char>(ch));
    }
  }
  return x;
}

bool Has(const std::vector<int>& v, int label) {
  return std::find(v.begin(), v.end(), label) != v.end();
}

// `in` (labels `from`) transposed to the labels `keep` followed by `sum`, with the `sum` dims
// summed away: a row-major array over `keep`.
template <typename T>
std::vector<T> Arrange(const T* in, const std::vector<int>& from, const std::vector<int>& keep,
                       const std::vector<int>& sum, const std::map<int, int64_t>& size) {
  std::vector<int64_t> in_dims;
  for (int l : from) in_dims.push_back(size.at(l));
  const std::vector<int64_t> in_strides = array::Strides(in_dims);
  std::vector<int64_t> dims, strides;
  for (const auto* group : {&keep, &sum}) {
    for (int l : *group) {
      const auto at = std::find(from.begin(), from.end(), l) - from.begin();
      dims.push_back(size.at(l));
      strides.push_back(in_strides[at]);
    }
  }
  int64_t total = 1, summed = 1;
  for (int l : keep) total *= size.at(l);
  for (int l : sum) summed *= size.at(l);
  std::vector<T> moved(static_cast<size_t>(total * summed));
  array::StridedCopy(in, strides, moved.data(), array::Strides(dims), dims);
  if (sum.empty()) return moved;
  std::vector<T> out(static_cast<size_t>(total), T{0});
  for (int64_t i = 0; i < total; ++i) {
    T acc = 0;
    for (int64_t j = 0; j < summed; ++j) acc += moved[i * summed + j];
    out[i] = acc;
  }
  return out;
}

template <typename T>
Status EinsumKernel(KernelContext& c, const Equation& eq) {
  TFM_ASSIGN_OR_RETURN(Expanded x, Expand(c, eq));
  std::vector<int64_t> out_dims;
  for (int l : x.output) out_dims.push_back(x.size.at(l));
  TFM_ASSIGN_OR_RETURN(Tensor out, array::Alloc(CppToDataType<T>(), out_dims));
  const std::vector<int>& out_labels = x.output;
  if (x.inputs.size() == 1) {
    std::vector<int> sum;
    for (int l : x.inputs[0]) {
      if (!Has(out_labels, l)) sum.push_back(l);
    }
    std::vector<T> r = Arrange(c.input(0).flat<T>().data(), x.inputs[0], out_labels, sum, x.size);
    std::copy(r.begin(), r.end(), out.flat<T>().data());
    c.set_output(0, std::move(out));
    return Status::Ok();
  }
  const std::vector<int>& a = x.inputs[0];
  const std::vector<int>& b = x.inputs[1];
  std::vector<int> batch, free_a, free_b, contract, sum_a, sum_b;
  for (int l : out_labels) {
    if (Has(a, l) && Has(b, l)) {
      batch.push_back(l);
    } else if (Has(a, l)) {
      free_a.push_back(l);
    } else {
      free_b.push_back(l);
    }
  }
  for (int l : a) {
    if (Has(b, l) && !Has(out_labels, l)) contract.push_back(l);
    if (!Has(b, l) && !Has(out_labels, l)) sum_a.push_back(l);
  }
  for (int l : b) {
    if (!Has(a, l) && !Has(out_labels, l)) sum_b.push_back(l);
  }
  auto concat = [](std::initializer_list<const std::vector<int>*> parts) {
    std::vector<int> v;
    for (const auto* p : parts) v.insert(v.end(), p->begin(), p->end());
    return v;
  };
  auto product = [&](const std::vector<int>& labels) {
    int64_t p = 1;
    for (int l : labels) p *= x.size.at(l);
    return p;
  };
  std::vector<T> av =
      Arrange(c.input(0).flat<T>().data(), a, concat({&batch, &free_a, &contract}), sum_a, x.size);
  std::vector<T> bv =
      Arrange(c.input(1).flat<T>().data(), b, concat({&batch, &contract, &free_b}), sum_b, x.size);
  const int64_t nb = product(batch), m = product(free_a), k = product(contract),
                n = product(free_b);
  const std::vector<int> result_labels = concat({&batch, &free_a, &free_b});
  std::vector<T> result(static_cast<size_t>(nb * m * n), T{0});
  if (k > 0) {
    for (int64_t i = 0; i < nb; ++i) {
      gemm::Gemm<T>(av.data() + i * m * k, bv.data() + i * k * n, result.data() + i * m * n, m, k,
                    n, c.thread_pool());
    }
  }
  std::vector<T> r = Arrange(result.data(), result_labels, out_labels, {}, x.size);
  std::copy(r.begin(), r.end(), out.flat<T>().data());
  c.set_output(0, std::move(out));
  return Status::Ok();
}

Result<Kernel> Einsum(const NodeInfo& n) {
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("T"));
  for (int i = 0; i < n.num_inputs(); ++i) TFM_RETURN_IF_ERROR(n.ExpectInputType(i, t));
  TFM_ASSIGN_OR_RETURN(std::string text, n.StringAttr("equation"));
  TFM_ASSIGN_OR_RETURN(Equation eq, ParseEquation(n, text, n.num_inputs()));
  KernelFn fn;
  if (t == DataType::kFloat) {
    fn = [eq](KernelContext& c) { return EinsumKernel<float>(c, eq); };
  } else if (t == DataType::kDouble) {
    fn = [eq](KernelContext& c) { return EinsumKernel<double>(c, eq); };
  } else {
    return n.Unsupported(t);
  }
  return Kernel{{t}, std::move(fn)};
}

}  // namespace

void RegisterEinsumOps(OpRegistry& r) { r.Add({"Einsum", Einsum}); }

}  // namespace tfmodel
