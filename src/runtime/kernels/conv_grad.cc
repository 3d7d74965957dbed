// Gradients of the NHWC convolutions (nn.cc): Conv2DBackpropInput, Conv2DBackpropFilter,
// DepthwiseConv2dNativeBackpropInput and DepthwiseConv2dNativeBackpropFilter. Window
// geometry (strides, SAME/VALID/EXPLICIT padding) is the forward op's
// (nn_util.h), and out_backprop must have exactly the forward output's shape.
#include <algorithm>

#include "src/runtime/kernel.h"
#include "src/runtime/kernels/all_ops.h"
#include "src/runtime/kernels/array_util.h"
#include "src/runtime/kernels/gemm.h"
#include "src/runtime/kernels/nn_util.h"

namespace tfmodel {
namespace {

using array::Alloc;
using array::ReadInts;
using nn::ExpectRank;
using nn::Window;
using nn::WindowAttrs;
using Dims = std::vector<int64_t>;

// The forward problem both gradients describe: x [n, h, w, c], filter [kh, kw, c, m],
// y [n, oh, ow, oc] (oc = m for Conv2D, c * m for depthwise).
struct ConvGeometry {
  int64_t n, h, w, c, kh, kw, m, oc;
  Window wy, wx;
};

// Validates out_backprop against the forward output computed from the input and filter
// shapes (TF: "Size of out_backprop doesn't match computed").
Result<ConvGeometry> Geometry(const Dims& in, const Dims& f, const Tensor& dy, const WindowAttrs& a,
                              bool depthwise) {
  if (in.size() != 4)
    return InvalidArgument("input must be 4-dimensional, got " + std::to_string(in.size()) +
                           " dims");
  if (f.size() != 4)
    return InvalidArgument("filter must be 4-dimensional, got " + std::to_string(f.size()) +
                           " dims");
  TFM_RETURN_IF_ERROR(ExpectRank(dy, 4, "out_backprop"));
  for (int64_t d : in) {
    if (d < 0) return InvalidArgument("input sizes must be non-negative");
  }
  for (int64_t d : f) {
    if (d < 0) return InvalidArgument("filter sizes must be non-negative");
  }
  ConvGeometry g{in[0], in[1], in[2], in[3], f[0], f[1], f[3], depthwise ? in[3] * f[3] : f[3],
                 {},    {}};
  if (f[2] != g.c) {
    return InvalidArgument("input and filter must have the same depth: " + std::to_string(g.c) +
                           " vs " + std::to_string(f[2]));
  }
  TFM_ASSIGN_OR_RETURN(g.wy, nn::Windowed(g.h, g.kh, a.sh, a.dh, a.padding, a.pt, a.pb));
  TFM_ASSIGN_OR_RETURN(g.wx, nn::Windowed(g.w, g.kw, a.sw, a.dw, a.padding, a.pl, a.pr));
  const Dims want = {g.n, g.wy.out, g.wx.out, g.oc};
  if (dy.shape().dims() != want) {
    return InvalidArgument("out_backprop has shape " + dy.shape().DebugString() +
                           ", but the convolution's output shape is [" + std::to_string(want[0]) +
                           "," + std::to_string(want[1]) + "," + std::to_string(want[2]) + "," +
                           std::to_string(want[3]) + "]");
  }
  return g;
}

// input_sizes / filter_sizes: a 4-vector (or, for input_sizes, [h, w] with batch and depth
// taken from out_backprop and the filter, as TF allows).
Result<Dims> SizesInput(const Tensor& t, const char* what) {
  if (t.shape().rank() != 1) {
    return InvalidArgument(std::string(what) + " must be 1-dimensional, got shape " +
                           t.shape().DebugString());
  }
  return ReadInts(t);
}

// Calls tap(ky, kx, iy, ix) for every in-image tap of output pixel (oy, ox).
template <typename F>
void PixelTaps(const ConvGeometry& g, const WindowAttrs& a, int64_t oy, int64_t ox, F tap) {
  for (int64_t ky = 0; ky < g.kh; ++ky) {
    const int64_t iy = oy * a.sh + ky * a.dh - g.wy.pad_before;
    if (iy < 0 || iy >= g.h) continue;
    for (int64_t kx = 0; kx < g.kw; ++kx) {
      const int64_t ix = ox * a.sw + kx * a.dw - g.wx.pad_before;
      if (ix < 0 || ix >= g.w) continue;
      tap(ky, kx, iy, ix);
    }
  }
}

// Calls tap(pixel, ky, kx, iy, ix) for every in-image tap of every output pixel.
template <typename F>
void ForEachTap(const ConvGeometry& g, const WindowAttrs& a, F tap) {
  for (int64_t oy = 0; oy < g.wy.out; ++oy) {
    for (int64_t ox = 0; ox < g.wx.out; ++ox) {
      const int64_t pixel = oy * g.wx.out + ox;
      PixelTaps(g, a, oy, ox, [&](int64_t ky, int64_t kx, int64_t iy, int64_t ix) {
        tap(pixel, ky, kx, iy, ix);
      });
    }
  }
}

// Output pixels per gemm tile: bounds the patch buffers (~4 MiB of doubles), as Conv2D does.
int64_t PixelTile(int64_t patch, int64_t pixels) {
  return std::min(pixels,
                  std::clamp<int64_t>((int64_t{1} << 20) / std::max<int64_t>(patch, 1), 1, 1024));
}

// ---- Conv2DBackpropInput(input_sizes, filter [KH,KW,C,O], out_backprop [N,OH,OW,O]) -------
// Forward: y[b,oy,ox,o] = sum x[b, oy*sh + ky*dh - pt, ox*sw + kx*dw - pl, c] f[ky,kx,c,o].
// dx[b,iy,ix,c] = sum over the taps that read x[b,iy,ix,c] of dy[b,oy,ox,o] f[ky,kx,c,o]:
// per image, cols = dy [OH*OW, O] x f^T [O, KH*KW*C] (gemm), then col2im adds each row of
// cols back onto the input pixels its patch came from.
template <typename T>
struct BackpropInputFn {
  static Status Run(KernelContext& c, const WindowAttrs& a) {
    TFM_ASSIGN_OR_RETURN(Dims in, SizesInput(c.input(0), "input_sizes"));
    const Tensor& f = c.input(1);
    const Tensor& dy = c.input(2);
    TFM_RETURN_IF_ERROR(ExpectRank(f, 4, "filter"));
    if (in.size() == 2 && dy.shape().rank() == 4) {
      in = {dy.shape().dim(0), in[0], in[1], f.shape().dim(2)};
    }
    TFM_ASSIGN_OR_RETURN(ConvGeometry g, Geometry(in, f.shape().dims(), dy, a, false));
    TFM_ASSIGN_OR_RETURN(Tensor dx, Alloc(f.dtype(), in));
    c.set_output(0, dx);
    const int64_t patch = g.kh * g.kw * g.c, pixels = g.wy.out * g.wx.out;
    if (dx.NumElements() == 0 || patch == 0 || pixels == 0 || g.oc == 0) return Status::Ok();
    // f^T: [O, KH*KW*C].
    const T* fv = f.flat<T>().data();
    std::vector<T> ft(static_cast<size_t>(patch * g.oc));
    for (int64_t p = 0; p < patch; ++p) {
      for (int64_t o = 0; o < g.oc; ++o) ft[o * patch + p] = fv[p * g.oc + o];
    }
    const int64_t tile = PixelTile(patch, pixels);
    std::vector<T> cols(static_cast<size_t>(tile * patch));
    const T* dyv = dy.flat<T>().data();
    T* dxv = dx.flat<T>().data();
    for (int64_t b = 0; b < g.n; ++b) {
      T* dxb = dxv + b * g.h * g.w * g.c;
      for (int64_t r0 = 0; r0 < pixels; r0 += tile) {
        const int64_t r1 = std::min(pixels, r0 + tile);
        gemm::Gemm<T>(dyv + (b * pixels + r0) * g.oc, ft.data(), cols.data(), r1 - r0, g.oc, patch);
        for (int64_t r = r0; r < r1; ++r) {
          const T* row = cols.data() + (r - r0) * patch;
          PixelTaps(g, a, r / g.wx.out, r % g.wx.out,
                    [&](int64_t ky, int64_t kx, int64_t iy, int64_t ix) {
                      const T* src = row + (ky * g.kw + kx) * g.c;
                      T* dst = dxb + (iy * g.w + ix) * g.c;
                      for (int64_t q = 0; q < g.c; ++q) dst[q] += src[q];
                    });
        }
      }
    }
    return Status::Ok();
  }
};

// ---- Conv2DBackpropFilter(input [N,H,W,C], filter_sizes, out_backprop [N,OH,OW,O]) --------
// df[ky,kx,c,o] = sum_{b,oy,ox} x[b, oy*sh + ky*dh - pt, ox*sw + kx*dw - pl, c] dy[b,oy,ox,o]
// = im2col(x)^T [KH*KW*C, OH*OW] x dy [OH*OW, O], summed over the batch.
template <typename T>
struct BackpropFilterFn {
  static Status Run(KernelContext& c, const WindowAttrs& a) {
    const Tensor& x = c.input(0);
    TFM_ASSIGN_OR_RETURN(Dims fs, SizesInput(c.input(1), "filter_sizes"));
    const Tensor& dy = c.input(2);
    TFM_RETURN_IF_ERROR(ExpectRank(x, 4, "input"));
    TFM_ASSIGN_OR_RETURN(ConvGeometry g, Geometry(x.shape().dims(), fs, dy, a, false));
    TFM_ASSIGN_OR_RETURN(Tensor df, Alloc(x.dtype(), fs));
    c.set_output(0, df);
    const int64_t patch = g.kh * g.kw * g.c, pixels = g.wy.out * g.wx.out;
    if (df.NumElements() == 0 || pixels == 0 || g.n == 0) return Status::Ok();
    const int64_t tile = PixelTile(patch, pixels);
    std::vector<T> cols_t(static_cast<size_t>(patch * tile));  // [patch, tile]
    std::vector<T> part(static_cast<size_t>(patch * g.oc));
    const T* xv = x.flat<T>().data();
    const T* dyv = dy.flat<T>().data();
    T* dfv = df.flat<T>().data();
    for (int64_t b = 0; b < g.n; ++b) {
      const T* xb = xv + b * g.h * g.w * g.c;
      for (int64_t r0 = 0; r0 < pixels; r0 += tile) {
        const int64_t r1 = std::min(pixels, r0 + tile), len = r1 - r0;
        std::fill(cols_t.begin(), cols_t.end(), T(0));
        for (int64_t r = r0; r < r1; ++r) {
          PixelTaps(g, a, r / g.wx.out, r % g.wx.out,
                    [&](int64_t ky, int64_t kx, int64_t iy, int64_t ix) {
                      const T* src = xb + (iy * g.w + ix) * g.c;
                      const int64_t p0 = (ky * g.kw + kx) * g.c;
                      for (int64_t q = 0; q < g.c; ++q) cols_t[(p0 + q) * len + (r - r0)] = src[q];
                    });
        }
        gemm::Gemm<T>(cols_t.data(), dyv + (b * pixels + r0) * g.oc, part.data(), patch, len, g.oc);
        for (size_t i = 0; i < part.size(); ++i) dfv[i] += part[i];
      }
    }
    return Status::Ok();
  }
};

// ---- DepthwiseConv2dNativeBackpropInput(input_sizes, filter [KH,KW,C,M], out_backprop) ----
// Forward: y[b,oy,ox,c*M+m] = sum_{ky,kx} x[b, oy*sh + ky - pt, ox*sw + kx - pl, c] f[ky,kx,c,m]
// dx[b,iy,ix,c] = sum over taps and m of dy[b,oy,ox,c*M+m] f[ky,kx,c,m]
template <typename T>
struct DepthwiseInputFn {
  static Status Run(KernelContext& c, const WindowAttrs& a) {
    TFM_ASSIGN_OR_RETURN(Dims in, SizesInput(c.input(0), "input_sizes"));
    const Tensor& f = c.input(1);
    const Tensor& dy = c.input(2);
    TFM_RETURN_IF_ERROR(ExpectRank(f, 4, "filter"));
    TFM_ASSIGN_OR_RETURN(ConvGeometry g, Geometry(in, f.shape().dims(), dy, a, true));
    TFM_ASSIGN_OR_RETURN(Tensor dx, Alloc(f.dtype(), in));
    c.set_output(0, dx);
    const T* fv = f.flat<T>().data();
    const T* dyv = dy.flat<T>().data();
    T* dxv = dx.flat<T>().data();
    const int64_t pixels = g.wy.out * g.wx.out;
    for (int64_t b = 0; b < g.n; ++b) {
      ForEachTap(g, a, [&](int64_t pixel, int64_t ky, int64_t kx, int64_t iy, int64_t ix) {
        const T* d = dyv + (b * pixels + pixel) * g.oc;
        const T* fk = fv + (ky * g.kw + kx) * g.oc;
        T* dst = dxv + ((b * g.h + iy) * g.w + ix) * g.c;
        for (int64_t q = 0; q < g.c; ++q) {
          T sum = 0;
          for (int64_t m = 0; m < g.m; ++m) sum += d[q * g.m + m] * fk[q * g.m + m];
          dst[q] += sum;
        }
      });
    }
    return Status::Ok();
  }
};

// ---- DepthwiseConv2dNativeBackpropFilter(input, filter_sizes, out_backprop) -----------------
// df[ky,kx,c,m] = sum_{b,oy,ox} x[b, oy*sh + ky - pt, ox*sw + kx - pl, c] dy[b,oy,ox,c*M+m]
template <typename T>
struct DepthwiseFilterFn {
  static Status Run(KernelContext& c, const WindowAttrs& a) {
    const Tensor& x = c.input(0);
    TFM_ASSIGN_OR_RETURN(Dims fs, SizesInput(c.input(1), "filter_sizes"));
    const Tensor& dy = c.input(2);
    TFM_RETURN_IF_ERROR(ExpectRank(x, 4, "input"));
    TFM_ASSIGN_OR_RETURN(ConvGeometry g, Geometry(x.shape().dims(), fs, dy, a, true));
    TFM_ASSIGN_OR_RETURN(Tensor df, Alloc(x.dtype(), fs));
    c.set_output(0, df);
    const T* xv = x.flat<T>().data();
    const T* dyv = dy.flat<T>().data();
    T* dfv = df.flat<T>().data();
    const int64_t pixels = g.wy.out * g.wx.out;
    for (int64_t b = 0; b < g.n; ++b) {
      ForEachTap(g, a, [&](int64_t pixel, int64_t ky, int64_t kx, int64_t iy, int64_t ix) {
        const T* d = dyv + (b * pixels + pixel) * g.oc;
        const T* xi = xv + ((b * g.h + iy) * g.w + ix) * g.c;
        T* dst = dfv + (ky * g.kw + kx) * g.oc;
        for (int64_t q = 0; q < g.c; ++q) {
          for (int64_t m = 0; m < g.m; ++m) dst[q * g.m + m] += xi[q] * d[q * g.m + m];
        }
      });
    }
    return Status::Ok();
  }
};

// Plan time: which input is the sizes vector, and the forward op's attr rules.
template <template <typename> class Fn>
Result<Kernel> ConvGradOp(const NodeInfo& n, int sizes_input) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(3));
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("T"));
  for (int i = 0; i < 3; ++i) {
    TFM_RETURN_IF_ERROR(n.ExpectInputType(i, i == sizes_input ? DataType::kInt32 : t));
  }
  TFM_ASSIGN_OR_RETURN(WindowAttrs a, nn::ParseWindowAttrs(n, /*pool=*/false, /*explicit=*/true));
  // TF 2.21's CPU backprop kernels reject dilation rates > 1; so do we (the loops below would
  // handle them).
  if (a.dh != 1 || a.dw != 1) {
    return Unimplemented("node '" + n.name() + "' (op " + n.op() +
                         "): Current CPU implementations do not yet support dilation rates "
                         "larger than 1.");
  }
  TFM_ASSIGN_OR_RETURN(KernelFn fn, nn::FloatKernel<Fn>(n, t, a));
  return Kernel{{t}, fn};
}

Result<Kernel> Conv2DBackpropInput(const NodeInfo& n) { return ConvGradOp<BackpropInputFn>(n, 0); }
Result<Kernel> Conv2DBackpropFilter(const NodeInfo& n) {
  return ConvGradOp<BackpropFilterFn>(n, 1);
}
Result<Kernel> DepthwiseBackpropInput(const NodeInfo& n) {
  return ConvGradOp<DepthwiseInputFn>(n, 0);
}
Result<Kernel> DepthwiseBackpropFilter(const NodeInfo& n) {
  return ConvGradOp<DepthwiseFilterFn>(n, 1);
}

}  // namespace

void RegisterConvGradOps(OpRegistry& r) {
  r.Add({"Conv2DBackpropInput", Conv2DBackpropInput});
  r.Add({"Conv2DBackpropFilter", Conv2DBackpropFilter});
  r.Add({"DepthwiseConv2dNativeBackpropInput", DepthwiseBackpropInput});
  r.Add({"DepthwiseConv2dNativeBackpropFilter", DepthwiseBackpropFilter});
}

}  // namespace tfmodel
