// Gradients of the NHWC pooling, normalisation and resize ops (nn.cc): MaxPoolGrad (and its
// gradient MaxPoolGradGrad), AvgPoolGrad, FusedBatchNormGrad{,V2,V3}, LRNGrad, ResizeBilinearGrad
// and ResizeNearestNeighborGrad. Window and sampling geometry is the forward op's (nn_util.h).
#include <algorithm>
#include <cmath>
#include <limits>

#include "src/runtime/kernel.h"
#include "src/runtime/kernels/all_ops.h"
#include "src/runtime/kernels/array_util.h"
#include "src/runtime/kernels/broadcast.h"
#include "src/runtime/kernels/nn_util.h"

namespace tfmodel {
namespace {

using array::Alloc;
using array::Named;
using array::ReadInts;
using nn::ExpectRank;
using nn::Window;
using nn::WindowAttrs;
using Dims = std::vector<int64_t>;

std::string DimsString(const Dims& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? "," : "") + std::to_string(d[i]);
  return s + "]";
}

// The pooled output shape for input dims `in` [N,H,W,C], and the two windows.
struct PoolGeometry {
  Dims in;
  Window wy, wx;
};

Result<PoolGeometry> PoolShape(const Dims& in, const Tensor& grad, const WindowAttrs& a) {
  if (in.size() != 4) return InvalidArgument("the input must be 4-dimensional");
  TFM_RETURN_IF_ERROR(ExpectRank(grad, 4, "grad"));
  PoolGeometry g{in, {}, {}};
  TFM_ASSIGN_OR_RETURN(g.wy, nn::Windowed(in[1], a.kh, a.sh, 1, a.padding, a.pt, a.pb));
  TFM_ASSIGN_OR_RETURN(g.wx, nn::Windowed(in[2], a.kw, a.sw, 1, a.padding, a.pl, a.pr));
  const Dims want = {in[0], g.wy.out, g.wx.out, in[3]};
  if (grad.shape().dims() != want) {
    return InvalidArgument("grad has shape " + grad.shape().DebugString() +
                           ", but the pooled output has shape " + DimsString(want));
  }
  return g;
}

// Calls window(b, oy, ox, y0, y1, x0, x1) for each output pixel with its in-image window.
template <typename F>
void ForEachWindow(const PoolGeometry& g, const WindowAttrs& a, F window) {
  for (int64_t b = 0; b < g.in[0]; ++b) {
    for (int64_t oy = 0; oy < g.wy.out; ++oy) {
      const int64_t y0 = std::max<int64_t>(oy * a.sh - g.wy.pad_before, 0);
      const int64_t y1 = std::min<int64_t>(oy * a.sh - g.wy.pad_before + a.kh, g.in[1]);
      for (int64_t ox = 0; ox < g.wx.out; ++ox) {
        const int64_t x0 = std::max<int64_t>(ox * a.sw - g.wx.pad_before, 0);
        const int64_t x1 = std::min<int64_t>(ox * a.sw - g.wx.pad_before + a.kw, g.in[2]);
        window(b, oy, ox, y0, y1, x0, x1);
      }
    }
  }
}

// For each output pixel and channel, calls f(out_index, in_index) with the arg max of its
// window in x, scanning rows then columns: the first maximum wins (a later equal value does not
// replace it; NaN only wins as the first tap), as TF's CPU kernels.
template <typename T, typename F>
void ForEachArgMax(const PoolGeometry& g, const WindowAttrs& a, const T* x, F f) {
  const int64_t h = g.in[1], w = g.in[2], ch = g.in[3];
  std::vector<int64_t> arg(ch);
  std::vector<T> best(ch);
  ForEachWindow(
      g, a, [&](int64_t b, int64_t oy, int64_t ox, int64_t y0, int64_t y1, int64_t x0, int64_t x1) {
        std::fill(arg.begin(), arg.end(), -1);
        for (int64_t iy = y0; iy < y1; ++iy) {
          for (int64_t ix = x0; ix < x1; ++ix) {
            const int64_t base = ((b * h + iy) * w + ix) * ch;
            for (int64_t q = 0; q < ch; ++q) {
              if (arg[q] == -1 || best[q] < x[base + q]) {
                best[q] = x[base + q];
                arg[q] = base + q;
              }
            }
          }
        }
        const int64_t out = ((b * g.wy.out + oy) * g.wx.out + ox) * ch;
        for (int64_t q = 0; q < ch; ++q) {
          if (arg[q] >= 0) f(out + q, arg[q]);
        }
      });
}

// ---- MaxPoolGrad(orig_input, orig_output, grad) --------------------------------------------
// Forward y = max over the window's in-image taps.  dx[argmax] += dy per window and channel
// (ForEachArgMax's tie-breaking). orig_output is only checked for shape.
// Its gradient: MaxPoolGradGrad.
// ---- MaxPoolGradGrad(orig_input, orig_output, grad): the gradient of MaxPoolGrad ----------
// grad has orig_input's shape; y (orig_output's shape) = grad at the first tap of the window
// whose input equals orig_output there (TF's CPU kernel matches values, so a window whose
// output no tap equals, e.g. NaN, gives 0).
template <typename T, bool kGradGrad>
struct MaxPoolGradFn {
  static Status Run(KernelContext& c, const WindowAttrs& a) {
    const Tensor& x = c.input(0);
    const Tensor& y = c.input(1);
    const Tensor& grad = c.input(2);
    TFM_RETURN_IF_ERROR(ExpectRank(x, 4, "orig_input"));
    TFM_ASSIGN_OR_RETURN(PoolGeometry g, PoolShape(x.shape().dims(), y, a));
    const Tensor& want = kGradGrad ? x : y;
    if (!(grad.shape() == want.shape())) {
      return InvalidArgument("grad has shape " + grad.shape().DebugString() + ", expected " +
                             want.shape().DebugString());
    }
    TFM_ASSIGN_OR_RETURN(Tensor out, Alloc(x.dtype(), kGradGrad ? y.shape().dims() : g.in));
    const T* xv = x.flat<T>().data();
    const T* gv = grad.flat<T>().data();
    T* ov = out.flat<T>().data();
    if constexpr (kGradGrad) {
      const T* yv = y.flat<T>().data();
      const int64_t h = g.in[1], w = g.in[2], ch = g.in[3];
      ForEachWindow(
          g, a,
          [&](int64_t b, int64_t oy, int64_t ox, int64_t y0, int64_t y1, int64_t x0, int64_t x1) {
            const int64_t o = ((b * g.wy.out + oy) * g.wx.out + ox) * ch;
            for (int64_t q = 0; q < ch; ++q) {
              bool found = false;
              for (int64_t iy = y0; iy < y1 && !found; ++iy) {
                for (int64_t ix = x0; ix < x1 && !found; ++ix) {
                  const int64_t i = ((b * h + iy) * w + ix) * ch + q;
                  if (xv[i] == yv[o + q]) {
                    ov[o + q] = gv[i];
                    found = true;
                  }
                }
              }
            }
          });
    } else {
      ForEachArgMax<T>(g, a, xv, [&](int64_t o, int64_t i) { ov[i] += gv[o]; });
    }
    c.set_output(0, out);
    return Status::Ok();
  }
};
template <typename T>
using MaxPoolGradOnce = MaxPoolGradFn<T, false>;
template <typename T>
using MaxPoolGradGradFn = MaxPoolGradFn<T, true>;

// ---- AvgPoolGrad(orig_input_shape, grad) -----------------------------------------------------
// Forward y = mean over the window's in-image taps (count = taps in the image).
// dx[tap] += dy * (1 / count) for every tap of every window.
template <typename T>
struct AvgPoolGradFn {
  static Status Run(KernelContext& c, const WindowAttrs& a) {
    const Tensor& shape = c.input(0);
    const Tensor& grad = c.input(1);
    if (shape.shape().rank() != 1 || shape.NumElements() != 4) {
      return InvalidArgument("orig_input_shape must be 1-dimensional and 4 elements, got " +
                             shape.shape().DebugString());
    }
    TFM_ASSIGN_OR_RETURN(Dims in, ReadInts(shape));
    TFM_ASSIGN_OR_RETURN(Tensor dx, Alloc(grad.dtype(), in));
    TFM_ASSIGN_OR_RETURN(PoolGeometry g, PoolShape(in, grad, a));
    const int64_t h = in[1], w = in[2], ch = in[3];
    const T* gv = grad.flat<T>().data();
    T* dv = dx.flat<T>().data();
    ForEachWindow(
        g, a,
        [&](int64_t b, int64_t oy, int64_t ox, int64_t y0, int64_t y1, int64_t x0, int64_t x1) {
          const int64_t count = (y1 - y0) * (x1 - x0);
          if (count <= 0) return;
          const T scale = T(1) / static_cast<T>(count);
          const T* go = gv + ((b * g.wy.out + oy) * g.wx.out + ox) * ch;
          for (int64_t iy = y0; iy < y1; ++iy) {
            for (int64_t ix = x0; ix < x1; ++ix) {
              T* d = dv + ((b * h + iy) * w + ix) * ch;
              for (int64_t q = 0; q < ch; ++q) d[q] += go[q] * scale;
            }
          }
        });
    c.set_output(0, dx);
    return Status::Ok();
  }
};

template <bool kMax, bool kGradGrad = false>
Result<Kernel> PoolGradOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(kMax ? 3 : 2));
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("T"));
  if (kMax) {
    for (int i = 0; i < 3; ++i) TFM_RETURN_IF_ERROR(n.ExpectInputType(i, t));
  } else {
    TFM_RETURN_IF_ERROR(n.ExpectInputType(0, DataType::kInt32));
    TFM_RETURN_IF_ERROR(n.ExpectInputType(1, t));
  }
  TFM_ASSIGN_OR_RETURN(WindowAttrs a,
                       nn::ParseWindowAttrs(n, /*pool=*/true, /*explicit=*/kMax && !kGradGrad));
  TFM_ASSIGN_OR_RETURN(KernelFn fn, !kMax       ? nn::FloatKernel<AvgPoolGradFn>(n, t, a)
                                    : kGradGrad ? nn::FloatKernel<MaxPoolGradGradFn>(n, t, a)
                                                : nn::FloatKernel<MaxPoolGradOnce>(n, t, a));
  return Kernel{{t}, fn};
}

// ---- FusedBatchNormGrad{,V2,V3}(y_backprop, x, scale, reserve_space_1, reserve_space_2
//                                 [, reserve_space_3]) -------------------------------------
// Per channel, over its n elements, with m = reserve_space_1 and v = reserve_space_2 (the
// batch mean and biased variance when is_training, else the population statistics),
// r = rsqrt(v + epsilon) and x^ = (x - m) r:
//   training:  dx = scale r (dy - mean(dy) - x^ mean(dy x^))
//   inference: dx = scale r dy
//   scale_backprop = sum(dy x^),  offset_backprop = sum(dy)
// Outputs 3 and 4 are empty placeholders, as TF's. Sums accumulate in double.
struct BatchNormGradAttrs {
  float epsilon;
  bool training, nchw;
};

Status BatchNormGradCompute(KernelContext& c, const BatchNormGradAttrs& a) {
  const Tensor& dy = c.input(0);
  const Tensor& x = c.input(1);
  TFM_RETURN_IF_ERROR(ExpectRank(dy, 4, "y_backprop"));
  TFM_RETURN_IF_ERROR(ExpectRank(x, 4, "x"));
  if (!(dy.shape() == x.shape())) {
    return InvalidArgument("x and y_backprop must have same shape, but x has shape " +
                           x.shape().DebugString() + " and y_backprop has shape " +
                           dy.shape().DebugString());
  }
  const Dims& xd = x.shape().dims();
  const int64_t ch = a.nchw ? xd[1] : xd[3];
  const int64_t outer = a.nchw ? xd[0] : xd[0] * xd[1] * xd[2];
  const int64_t inner = a.nchw ? xd[2] * xd[3] : 1;
  const char* names[] = {"", "", "scale", "reserve_space_1", "reserve_space_2"};
  for (int i = 2; i < 5; ++i) {
    if (c.input(i).shape().rank() != 1 || c.input(i).NumElements() != ch) {
      return InvalidArgument(std::string(names[i]) + " must be a vector of " + std::to_string(ch) +
                             " elements (the channel count), got shape " +
                             c.input(i).shape().DebugString());
    }
  }
  auto dyf = dy.flat<float>();
  auto xf = x.flat<float>();
  auto scale = c.input(2).flat<float>();
  auto mean = c.input(3).flat<float>();
  auto var = c.input(4).flat<float>();
  const int64_t count = outer * inner;
  std::vector<float> r(ch);
  for (int64_t q = 0; q < ch; ++q) r[q] = 1.0f / std::sqrt(var[q] + a.epsilon);
  auto at = [&](int64_t o, int64_t q, int64_t i) { return (o * ch + q) * inner + i; };
  std::vector<double> sum_dy(ch, 0), sum_dy_xhat(ch, 0);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t q = 0; q < ch; ++q) {
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t k = at(o, q, i);
        sum_dy[q] += dyf[k];
        sum_dy_xhat[q] += static_cast<double>(dyf[k]) * ((xf[k] - mean[q]) * r[q]);
      }
    }
  }
  TFM_ASSIGN_OR_RETURN(Tensor dx, Alloc(DataType::kFloat, xd));
  auto dxf = dx.flat<float>();
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t q = 0; q < ch; ++q) {
      const float k_scale = scale[q] * r[q];
      const float mean_dy = count ? static_cast<float>(sum_dy[q] / count) : 0.f;
      const float mean_dy_xhat = count ? static_cast<float>(sum_dy_xhat[q] / count) : 0.f;
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t k = at(o, q, i);
        if (a.training) {
          const float xhat = (xf[k] - mean[q]) * r[q];
          dxf[k] = k_scale * (dyf[k] - mean_dy - xhat * mean_dy_xhat);
        } else {
          dxf[k] = k_scale * dyf[k];
        }
      }
    }
  }
  std::vector<float> ds(ch), db(ch);
  for (int64_t q = 0; q < ch; ++q) {
    ds[q] = static_cast<float>(sum_dy_xhat[q]);
    db[q] = static_cast<float>(sum_dy[q]);
  }
  c.set_output(0, dx);
  c.set_output(1, Tensor::FromVector<float>(ds, Shape{ch}));
  c.set_output(2, Tensor::FromVector<float>(db, Shape{ch}));
  c.set_output(3, Tensor::Allocate(DataType::kFloat, Shape{0}).value());
  c.set_output(4, Tensor::Allocate(DataType::kFloat, Shape{0}).value());
  return Status::Ok();
}

Result<Kernel> FusedBatchNormGradOp(const NodeInfo& n) {
  const bool v3 = n.op() == "FusedBatchNormGradV3";
  TFM_RETURN_IF_ERROR(n.ExpectInputs(v3 ? 6 : 5));
  for (int i = 0; i < 5; ++i) TFM_RETURN_IF_ERROR(n.ExpectInputType(i, DataType::kFloat));
  BatchNormGradAttrs a;
  a.epsilon = n.FloatAttrOr("epsilon", 1e-4f);
  a.training = n.BoolAttrOr("is_training", true);
  const std::string f = n.StringAttrOr("data_format", "NHWC");
  if (f != "NHWC" && f != "NCHW") {
    return Unimplemented("node '" + n.name() + "' (op " + n.op() + "): data_format " + f +
                         " is not supported");
  }
  a.nchw = f == "NCHW";
  if (a.nchw && !a.training) {
    return n.Error(
        "The implementation of FusedBatchNormGrad with is_training=False only "
        "support NHWC tensor format for now.");
  }
  return Kernel{std::vector<DataType>(5, DataType::kFloat),
                Named([a](KernelContext& c) { return BatchNormGradCompute(c, a); })};
}

// ---- LRNGrad(input_grads, input_image, output_image; depth_radius, bias, alpha, beta) -----
// Forward y_j = x_j N_j^-beta with N_j = bias + alpha sum_{k in W(j)} x_k^2, W(j) the channels
// within depth_radius of j. dx_k = sum_{j : k in W(j)} dy_j (delta_jk N_j^-beta
// - 2 alpha beta x_k y_j / N_j), with y_j read from output_image (as TF does).
Result<Kernel> LrnGradOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(3));
  for (int i = 0; i < 3; ++i) TFM_RETURN_IF_ERROR(n.ExpectInputType(i, DataType::kFloat));
  const int64_t radius = n.IntAttrOr("depth_radius", 5);
  const float bias = n.FloatAttrOr("bias", 1.f), alpha = n.FloatAttrOr("alpha", 1.f),
              beta = n.FloatAttrOr("beta", 0.5f);
  if (radius < 0 || radius > (int64_t{1} << 20)) return n.Error("depth_radius out of range");
  const float alpha_beta_2 = -2.f * alpha * beta;
  return Kernel{{DataType::kFloat}, Named([=](KernelContext& c) -> Status {
                  const Tensor& dy = c.input(0);
                  const Tensor& x = c.input(1);
                  const Tensor& y = c.input(2);
                  TFM_RETURN_IF_ERROR(ExpectRank(dy, 4, "input_grads"));
                  if (!(x.shape() == dy.shape()) || !(y.shape() == dy.shape())) {
                    return InvalidArgument(
                        "input_grads, input_image, and out_image should have the same shape: " +
                        dy.shape().DebugString() + ", " + x.shape().DebugString() + ", " +
                        y.shape().DebugString());
                  }
                  const int64_t ch = x.shape().dim(3);
                  TFM_ASSIGN_OR_RETURN(Tensor dx, Alloc(DataType::kFloat, x.shape().dims()));
                  const float* gv = dy.flat<float>().data();
                  const float* xv = x.flat<float>().data();
                  const float* yv = y.flat<float>().data();
                  float* dv = dx.flat<float>().data();
                  const int64_t rows = ch == 0 ? 0 : x.NumElements() / ch;
                  for (int64_t r = 0; r < rows; ++r) {
                    const float* xi = xv + r * ch;
                    for (int64_t j = 0; j < ch; ++j) {
                      const float g = gv[r * ch + j];
                      if (g == 0.f) continue;
                      const int64_t lo = std::max<int64_t>(0, j - radius);
                      const int64_t hi = std::min<int64_t>(ch, j + radius + 1);
                      float norm = 0;
                      for (int64_t k = lo; k < hi; ++k) norm += xi[k] * xi[k];
                      norm = alpha * norm + bias;
                      const float pow_n = std::pow(norm, -beta);
                      const float yab2 = alpha_beta_2 * yv[r * ch + j];
                      for (int64_t k = lo; k < hi; ++k) {
                        float d = xi[k] * yab2 / norm;
                        if (k == j) d += pow_n;
                        dv[r * ch + k] += d * g;
                      }
                    }
                  }
                  c.set_output(0, dx);
                  return Status::Ok();
                })};
}

// ---- ResizeBilinearGrad(grads float [N,OH,OW,C], original_image [N,H,W,C]) ----------------
// Forward y[oy,ox] = lerp of the four input pixels around the sample point (nn_util.h
// BilinearWeights). dx[lo_y,lo_x] += dy (1-ty)(1-tx), dx[lo_y,hi_x] += dy (1-ty) tx,
// dx[hi_y,lo_x] += dy ty (1-tx), dx[hi_y,hi_x] += dy ty tx.
template <typename T>
Status BilinearGradCompute(KernelContext& c, const nn::ResizeAttrs& a) {
  const Tensor& dy = c.input(0);
  const Tensor& img = c.input(1);
  TFM_RETURN_IF_ERROR(ExpectRank(dy, 4, "input_grad"));
  TFM_RETURN_IF_ERROR(ExpectRank(img, 4, "original_image"));
  const int64_t nb = dy.shape().dim(0), oh = dy.shape().dim(1), ow = dy.shape().dim(2),
                ch = dy.shape().dim(3);
  const int64_t h = img.shape().dim(1), w = img.shape().dim(2);
  if (img.shape().dim(0) != nb || img.shape().dim(3) != ch) {
    return InvalidArgument("original_image and grads must agree in batch and depth: " +
                           img.shape().DebugString() + " vs. " + dy.shape().DebugString());
  }
  if (h == 0 || w == 0) return InvalidArgument("original image must be of non-zero size");
  TFM_ASSIGN_OR_RETURN(Tensor dx, Alloc(img.dtype(), img.shape().dims()));
  const std::vector<nn::Lerp> ys = nn::BilinearWeights(h, oh, a),
                              xs = nn::BilinearWeights(w, ow, a);
  const float* gv = dy.flat<float>().data();
  T* dv = dx.flat<T>().data();
  for (int64_t b = 0; b < nb; ++b) {
    for (int64_t oy = 0; oy < oh; ++oy) {
      const float ty = ys[oy].t, iy = 1.f - ty;
      T* top = dv + (b * h + ys[oy].lo) * w * ch;
      T* bot = dv + (b * h + ys[oy].hi) * w * ch;
      for (int64_t ox = 0; ox < ow; ++ox) {
        const float tx = xs[ox].t, ix = 1.f - tx;
        const int64_t l = xs[ox].lo * ch, r = xs[ox].hi * ch;
        const float* g = gv + ((b * oh + oy) * ow + ox) * ch;
        for (int64_t q = 0; q < ch; ++q) {
          top[l + q] += static_cast<T>(g[q] * iy * ix);
          top[r + q] += static_cast<T>(g[q] * iy * tx);
          bot[l + q] += static_cast<T>(g[q] * ty * ix);
          bot[r + q] += static_cast<T>(g[q] * ty * tx);
        }
      }
    }
  }
  c.set_output(0, dx);
  return Status::Ok();
}

Result<Kernel> ResizeBilinearGradOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, DataType::kFloat));
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("T"));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(1, t));
  nn::ResizeAttrs a{n.BoolAttrOr("align_corners", false),
                    n.BoolAttrOr("half_pixel_centers", false)};
  if (a.align_corners && a.half_pixel) {
    return n.Error("If half_pixel_centers is True, align_corners must be False.");
  }
  if (t == DataType::kFloat) {
    return Kernel{{t}, Named([a](KernelContext& c) { return BilinearGradCompute<float>(c, a); })};
  }
  if (t == DataType::kDouble) {
    return Kernel{{t}, Named([a](KernelContext& c) { return BilinearGradCompute<double>(c, a); })};
  }
  return n.Unsupported(t);
}

// ---- ResizeNearestNeighborGrad(grads [N,OH,OW,C], size = [H, W]) ---------------------------
// Forward y[oy,ox] = x[map_y(oy), map_x(ox)] (nn_util.h NearestMap); dx[map_y(oy), map_x(ox)]
// += dy[oy, ox].
template <typename T>
Status NearestGradCompute(KernelContext& c, const nn::ResizeAttrs& a) {
  const Tensor& dy = c.input(0);
  const Tensor& size = c.input(1);
  TFM_RETURN_IF_ERROR(ExpectRank(dy, 4, "grads"));
  if (size.shape().rank() != 1 || size.NumElements() != 2) {
    return InvalidArgument("shape_t must be 1-D with two elements, got " +
                           size.shape().DebugString());
  }
  const int64_t h = size.flat<int32_t>()[0], w = size.flat<int32_t>()[1];
  if (h <= 0 || w <= 0) return InvalidArgument("output dimensions must be positive");
  const int64_t nb = dy.shape().dim(0), oh = dy.shape().dim(1), ow = dy.shape().dim(2),
                ch = dy.shape().dim(3);
  TFM_ASSIGN_OR_RETURN(Tensor dx, Alloc(dy.dtype(), {nb, h, w, ch}));
  const Dims my = nn::NearestMap(h, oh, a), mx = nn::NearestMap(w, ow, a);
  const T* gv = dy.flat<T>().data();
  T* dv = dx.flat<T>().data();
  for (int64_t b = 0; b < nb; ++b) {
    for (int64_t oy = 0; oy < oh; ++oy) {
      for (int64_t ox = 0; ox < ow; ++ox) {
        const T* g = gv + ((b * oh + oy) * ow + ox) * ch;
        T* d = dv + ((b * h + my[oy]) * w + mx[ox]) * ch;
        for (int64_t q = 0; q < ch; ++q) d[q] = WrapAdd(d[q], g[q]);
      }
    }
  }
  c.set_output(0, dx);
  return Status::Ok();
}

Result<Kernel> ResizeNearestGradOp(const NodeInfo& n) {
  TFM_ASSIGN_OR_RETURN(nn::ResizeAttrs a, nn::ParseResizeAttrs(n));
  TFM_ASSIGN_OR_RETURN(DataType t, n.TypeAttr("T"));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, t));
  KernelFn fn;
  switch (t) {
    case DataType::kFloat:
      fn = Named([a](KernelContext& c) { return NearestGradCompute<float>(c, a); });
      break;
    case DataType::kDouble:
      fn = Named([a](KernelContext& c) { return NearestGradCompute<double>(c, a); });
      break;
    case DataType::kInt32:
      fn = Named([a](KernelContext& c) { return NearestGradCompute<int32_t>(c, a); });
      break;
    default:
      return n.Unsupported(t);
  }
  return Kernel{{t}, fn};
}

}  // namespace

void RegisterNnGradOps(OpRegistry& r) {
  r.Add({"MaxPoolGrad", PoolGradOp<true>});
  r.Add({"MaxPoolGradGrad", PoolGradOp<true, true>});
  r.Add({"AvgPoolGrad", PoolGradOp<false>});
  r.Add({"FusedBatchNormGrad", FusedBatchNormGradOp});
  r.Add({"FusedBatchNormGradV2", FusedBatchNormGradOp});
  r.Add({"FusedBatchNormGradV3", FusedBatchNormGradOp});
  r.Add({"LRNGrad", LrnGradOp});
  r.Add({"ResizeBilinearGrad", ResizeBilinearGradOp});
  r.Add({"ResizeNearestNeighborGrad", ResizeNearestGradOp});
}

}  // namespace tfmodel
