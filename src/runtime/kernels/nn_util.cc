// Window and resize geometry shared by nn.cc and its gradient ops (see nn_util.h).
#include "src/runtime/kernels/nn_util.h"

#include <algorithm>
#include <cmath>

namespace tfmodel::nn {

Result<Window> Windowed(int64_t in, int64_t k, int64_t stride, int64_t dilation, Padding p,
                        int64_t before, int64_t after) {
  if (k > (int64_t{1} << 31))
    return InvalidArgument("window size " + std::to_string(k) + " too large");
  const int64_t eff = (k - 1) * dilation + 1;
  Window w;
  switch (p) {
    case Padding::kValid:
      w.out = (in - eff + stride) / stride;
      break;
    case Padding::kExplicit:
      w.out = (in + before + after - eff + stride) / stride;
      w.pad_before = before;
      break;
    case Padding::kSame:
      w.out = (in + stride - 1) / stride;
      w.pad_before = std::max<int64_t>(0, (w.out - 1) * stride + eff - in) / 2;
      break;
  }
  if (w.out < 0) {
    return InvalidArgument("Computed output size would be negative: " + std::to_string(w.out) +
                           " [input_size: " + std::to_string(in) + ", effective_filter_size: " +
                           std::to_string(eff) + ", stride: " + std::to_string(stride) + "]");
  }
  return w;
}

Status ExpectNhwc(const NodeInfo& n) {
  const std::string f = n.StringAttrOr("data_format", "NHWC");
  if (f != "NHWC") {
    return Unimplemented("node '" + n.name() + "' (op " + n.op() + "): data_format " + f +
                         " is not supported on CPU (only NHWC)");
  }
  return Status::Ok();
}

Result<std::vector<int64_t>> Quad(const NodeInfo& n, const std::string& attr, bool required) {
  if (!required && n.FindAttr(attr) == nullptr) return std::vector<int64_t>{1, 1, 1, 1};
  TFM_ASSIGN_OR_RETURN(std::vector<int64_t> v, n.IntListAttr(attr));
  if (v.size() != 4)
    return n.Error(attr + " must have 4 elements, got " + std::to_string(v.size()));
  if (v[0] != 1 || v[3] != 1) {
    return n.Error(attr + " in the batch and depth dimensions must be 1 (not supported)");
  }
  if (v[1] < 1 || v[2] < 1 || v[1] > (1 << 30) || v[2] > (1 << 30)) {
    return n.Error(attr + " must be in [1, 2^30]");
  }
  return v;
}

Result<WindowAttrs> ParseWindowAttrs(const NodeInfo& n, bool pool, bool allow_explicit) {
  TFM_RETURN_IF_ERROR(ExpectNhwc(n));
  WindowAttrs a;
  TFM_ASSIGN_OR_RETURN(std::vector<int64_t> s, Quad(n, "strides", true));
  a.sh = s[1];
  a.sw = s[2];
  if (pool) {
    TFM_ASSIGN_OR_RETURN(std::vector<int64_t> k, Quad(n, "ksize", true));
    a.kh = k[1];
    a.kw = k[2];
  } else {
    TFM_ASSIGN_OR_RETURN(std::vector<int64_t> d, Quad(n, "dilations", false));
    a.dh = d[1];
    a.dw = d[2];
  }
  TFM_ASSIGN_OR_RETURN(std::string p, n.StringAttr("padding"));
  if (p == "VALID") {
    a.padding = Padding::kValid;
  } else if (p == "SAME") {
    a.padding = Padding::kSame;
  } else if (p == "EXPLICIT" && allow_explicit) {
    a.padding = Padding::kExplicit;
    TFM_ASSIGN_OR_RETURN(std::vector<int64_t> e, n.IntListAttr("explicit_paddings"));
    if (e.size() != 8) return n.Error("explicit_paddings must have 8 elements");
    if (e[0] || e[1] || e[6] || e[7]) {
      return n.Error("explicit_paddings in the batch and depth dimensions must be 0");
    }
    for (int64_t v : e) {
      if (v < 0 || v > (int64_t{1} << 30)) return n.Error("explicit_paddings out of range");
    }
    a.pt = e[2];
    a.pb = e[3];
    a.pl = e[4];
    a.pr = e[5];
  } else {
    return n.Error("unsupported padding '" + p + "'");
  }
  return a;
}

Status ExpectRank(const Tensor& t, int rank, const char* what) {
  if (t.shape().rank() != rank) {
    return InvalidArgument(std::string(what) + " must be " + std::to_string(rank) +
                           "-dimensional, got shape " + t.shape().DebugString());
  }
  return Status::Ok();
}

float ResizeScale(int64_t in, int64_t out, bool align_corners) {
  return (align_corners && out > 1) ? static_cast<float>(in - 1) / static_cast<float>(out - 1)
                                    : static_cast<float>(in) / static_cast<float>(out);
}

Result<ResizeAttrs> ParseResizeAttrs(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(1, DataType::kInt32));
  ResizeAttrs a{n.BoolAttrOr("align_corners", false), n.BoolAttrOr("half_pixel_centers", false)};
  if (a.align_corners && a.half_pixel) {
    return n.Error("If half_pixel_centers is True, align_corners must be False.");
  }
  return a;
}

std::vector<Lerp> BilinearWeights(int64_t in, int64_t out, const ResizeAttrs& a) {
  const float scale = ResizeScale(in, out, a.align_corners);
  std::vector<Lerp> v(out);
  for (int64_t o = 0; o < out; ++o) {
    const float src = a.half_pixel ? (static_cast<float>(o) + 0.5f) * scale - 0.5f
                                   : static_cast<float>(o) * scale;
    const float fl = std::floor(src);
    v[o].lo = std::max<int64_t>(static_cast<int64_t>(fl), 0);
    v[o].hi = std::min<int64_t>(static_cast<int64_t>(std::ceil(src)), in - 1);
    v[o].t = src - fl;
  }
  return v;
}

std::vector<int64_t> NearestMap(int64_t in, int64_t out, const ResizeAttrs& a) {
  const float scale = ResizeScale(in, out, a.align_corners);
  std::vector<int64_t> v(out);
  for (int64_t o = 0; o < out; ++o) {
    const float src =
        a.half_pixel ? (static_cast<float>(o) + 0.5f) * scale : static_cast<float>(o) * scale;
    int64_t i = static_cast<int64_t>(a.align_corners ? std::round(src) : std::floor(src));
    i = std::min(i, in - 1);
    if (a.half_pixel) i = std::max<int64_t>(i, 0);
    v[o] = i;
  }
  return v;
}

}  // namespace tfmodel::nn
