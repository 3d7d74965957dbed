// Neural-network layer ops on NHWC images: Conv2D, DepthwiseConv2dNative, MaxPool, AvgPool,
// FusedBatchNorm{,V2,V3}, LRN, ResizeBilinear, ResizeNearestNeighbor.
// NCHW is rejected at plan time (TF's CPU kernels reject it for these ops too), except for
// FusedBatchNorm, which only needs to know where the channel axis is.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "src/base/thread_pool.h"
#include "src/runtime/kernel.h"
#include "src/runtime/kernels/all_ops.h"
#include "src/runtime/kernels/array_util.h"
#include "src/runtime/kernels/epilogue.h"
#include "src/runtime/kernels/gemm.h"
#include "src/runtime/kernels/nn_util.h"

namespace tfmodel {
namespace {

using array::Alloc;
using array::Named;
using Dims = std::vector<int64_t>;
using nn::BilinearWeights;
using nn::ExpectRank;
using nn::FloatKernel;
using nn::Lerp;
using nn::NearestMap;
using nn::ParseResizeAttrs;
using nn::ParseWindowAttrs;
using nn::ResizeAttrs;
using nn::Window;
using nn::WindowAttrs;
using nn::Windowed;

// ---- Conv2D(input [N,H,W,C], filter [KH,KW,C,O]) -----------------------------------------
// y[b,i,j,o] = sum_{di,dj,c} x[b, i*sh + di*dh - pad_top, j*sw + dj*dw - pad_left, c] *
//              f[di,dj,c,o]   (out-of-image taps are 0)
// dx = Conv2DBackpropInput(dy, f), df = Conv2DBackpropFilter(x, dy).
// Computed as im2col (a tile of output pixels x KH*KW*C patch values) times the filter viewed
// as a [KH*KW*C, O] matrix, written straight into the NHWC output.

// The float epilogue (fused element-wise ops, epilogue.h) of a node with output `y`, or null (the
// planned steps then run them).
template <typename T>
const gemm::PostOps* FusedPostOps(KernelContext& c, const Tensor& y, gemm::PostOp* ops,
                                  gemm::PostOps* post) {
  if constexpr (std::is_same_v<T, float>) return TakeEpilogue(c, y.shape(), ops, post);
  return nullptr;
}

// C = A B (row-major, m x k times k x n), then the post ops of C's rows from row0 on.
template <typename T>
void ConvGemm(const T* a, const T* b, T* c, int64_t m, int64_t k, int64_t n, ThreadPool* pool,
              const gemm::PostOps* post, int64_t row0 = 0) {
  if constexpr (std::is_same_v<T, float>) {
    gemm::PostOp shifted[gemm::kMaxPostOps];
    gemm::PostOps from;
    if (post != nullptr && row0 != 0) {
      from = post->From(row0, 0, shifted);
      post = &from;
    }
    gemm::Gemm(a, b, c, m, k, n, pool, post);
  } else {
    gemm::Gemm<T>(a, b, c, m, k, n, pool);
  }
}

// Conv2D on float without im2col: the GEMM reads each output pixel's patch straight from the
// image (gemm::ConvRows), zero-padded first into a copy when the window crosses the border. With
// dilation 1 a patch is KH runs of KW*C contiguous values; else KH*KW runs of C. Runs shorter than
// gemm::kMinConvSegment (e.g. one channel, dilated) keep the im2col path: returns false then.
bool Conv2DInPlace(KernelContext& c, const WindowAttrs& a, const Window& wy, const Window& wx,
                   const gemm::PostOps* post, Tensor& y, Status* status) {
  const Tensor& x = c.input(0);
  const Tensor& f = c.input(1);
  const int64_t nb = x.shape().dim(0), h = x.shape().dim(1), w = x.shape().dim(2),
                ch = x.shape().dim(3);
  const int64_t kh = f.shape().dim(0), kw = f.shape().dim(1), oc = f.shape().dim(3);
  const bool runs_of_rows = a.dw == 1;
  if ((runs_of_rows ? kw * ch : ch) < gemm::kMinConvSegment) return false;
  // The image extent the windows read, from the padded corner.
  const int64_t hp = (wy.out - 1) * a.sh + (kh - 1) * a.dh + 1;
  const int64_t wp = (wx.out - 1) * a.sw + (kw - 1) * a.dw + 1;
  const float* image = x.flat<float>().data();
  int64_t ih = h, iw = w;  // the strides' image dims
  Tensor padded_image;  // the buffer pool (src/tensor/buffer_pool.h) reuses its pages per call
  if (wy.pad_before > 0 || wx.pad_before > 0 || hp > h || wp > w) {
    Result<Shape> shape = Shape::Make(std::vector<int64_t>{nb, hp, wp, ch});
    Result<Tensor> t = shape.ok() ? Tensor::AllocateUninitialized(DataType::kFloat, *shape)
                                  : Result<Tensor>(shape.status());
    if (!t.ok()) {
      *status = t.status().WithContext("node '" + c.node_name() + "': the padded input");
      return true;
    }
    padded_image = *std::move(t);
    float* const padded = padded_image.flat<float>().data();
    float* dst = padded;
    for (int64_t b = 0; b < nb; ++b) {
      for (int64_t py = 0; py < hp; ++py, dst += wp * ch) {
        const int64_t iy = py - wy.pad_before;
        if (iy < 0 || iy >= h) {
          std::fill(dst, dst + wp * ch, 0.0f);
          continue;
        }
        const int64_t left = std::min(wp, wx.pad_before);
        const int64_t inside = std::clamp<int64_t>(w - std::max<int64_t>(0, -wx.pad_before), 0,
                                                   wp - left);
        std::fill(dst, dst + left * ch, 0.0f);
        std::copy_n(image + ((b * h + iy) * w + std::max<int64_t>(0, -wx.pad_before)) * ch,
                    inside * ch, dst + left * ch);
        std::fill(dst + (left + inside) * ch, dst + wp * ch, 0.0f);
      }
    }
    image = padded;
    ih = hp;
    iw = wp;
  }
  std::vector<int64_t> segments;
  for (int64_t ky = 0; ky < kh; ++ky) {
    for (int64_t kx = 0; kx < (runs_of_rows ? 1 : kw); ++kx) {
      segments.push_back((ky * a.dh * iw + kx * a.dw) * ch);
      segments.push_back(runs_of_rows ? kw * ch : ch);
    }
  }
  gemm::ConvRows rows;
  rows.image = image;
  rows.pixels = wy.out * wx.out;
  rows.out_w = wx.out;
  rows.image_stride = ih * iw * ch;
  rows.row_stride = a.sh * iw * ch;
  rows.col_stride = a.sw * ch;
  rows.segments = segments.data();
  rows.num_segments = static_cast<int>(segments.size() / 2);
  gemm::Gemm(nb * rows.pixels, oc, kh * kw * ch, rows,
             gemm::Matrix<float>{f.flat<float>().data(), oc, 1}, y.flat<float>().data(), oc,
             c.thread_pool(), post);
  return true;
}

constexpr int64_t kInPlaceMaxPatch = 256;

template <typename T>
Status Conv2DCompute(KernelContext& c, const WindowAttrs& a) {
  const Tensor& x = c.input(0);
  const Tensor& f = c.input(1);
  TFM_RETURN_IF_ERROR(ExpectRank(x, 4, "input"));
  TFM_RETURN_IF_ERROR(ExpectRank(f, 4, "filter"));
  const int64_t nb = x.shape().dim(0), h = x.shape().dim(1), w = x.shape().dim(2),
                ch = x.shape().dim(3);
  const int64_t kh = f.shape().dim(0), kw = f.shape().dim(1), oc = f.shape().dim(3);
  if (f.shape().dim(2) != ch) {
    return InvalidArgument(
        "input depth must be evenly divisible by filter depth: " + std::to_string(ch) + " vs " +
        std::to_string(f.shape().dim(2)) + " (grouped convolutions are not supported)");
  }
  TFM_ASSIGN_OR_RETURN(Window wy, Windowed(h, kh, a.sh, a.dh, a.padding, a.pt, a.pb));
  TFM_ASSIGN_OR_RETURN(Window wx, Windowed(w, kw, a.sw, a.dw, a.padding, a.pl, a.pr));
  // Uninitialised: the GEMM writes every element (zeroing first cost a quarter of a small CNN).
  TFM_ASSIGN_OR_RETURN(Shape y_shape, Shape::Make(std::vector<int64_t>{nb, wy.out, wx.out, oc}));
  TFM_ASSIGN_OR_RETURN(Tensor y, Tensor::AllocateUninitialized(x.dtype(), y_shape));
  c.set_output(0, y);
  if (y.NumElements() == 0) return Status::Ok();
  const T* in = x.flat<T>().data();
  const T* filt = f.flat<T>().data();
  T* out = y.flat<T>().data();
  const int64_t pixels = wy.out * wx.out, patch = kh * kw * ch;
  gemm::PostOp ops[gemm::kMaxPostOps];
  gemm::PostOps post_storage;
  const gemm::PostOps* post = FusedPostOps<T>(c, y, ops, &post_storage);
  if (patch == 0) {  // no taps: y = 0
    std::fill(out, out + y.NumElements(), T(0));
    if constexpr (std::is_same_v<T, float>) {
      if (post != nullptr) gemm::ApplyPostOps(*post, out, oc, nb * pixels, 0, 0, oc);
    }
    return Status::Ok();
  }
  const bool pointwise = kh == 1 && kw == 1 && a.sh == 1 && a.sw == 1 && wy.pad_before == 0 &&
                         wx.pad_before == 0 && wy.out == h && wx.out == w;
  if (pointwise) {  // the input already is the im2col matrix
    ConvGemm<T>(in, filt, out, nb * pixels, ch, oc, c.thread_pool(), post);
    return Status::Ok();
  }
  const int64_t rows = nb * pixels;
  if constexpr (std::is_same_v<T, float>) {
    Status status;
    // Small patches only: there the im2col copy is a loop of a few values per tap and costs
    // as much as the product (a 3x3x3 filter: 2x the whole convolution); with large patches the
    // copy is cheap and the product reads contiguous rows a little faster (ResNet50: ~5%).
    if (rows >= 4 * 6 && patch <= kInPlaceMaxPatch &&
        Conv2DInPlace(c, a, wy, wx, post, y, &status)) {
      return status;
    }
  }
  // Tiles of output pixels bound the im2col buffer (~4 MiB at most per tile). A tile runs across
  // images, so a batch of small images is one large product, not one small product per image.
  const int64_t tile = std::clamp<int64_t>((int64_t{1} << 20) / patch, 1, 1024);
  std::vector<T> cols(static_cast<size_t>(std::min(tile, rows) * patch));
  for (int64_t r0 = 0; r0 < rows; r0 += tile) {
    const int64_t r1 = std::min(rows, r0 + tile);
    for (int64_t g = r0; g < r1; ++g) {
      const int64_t r = g % pixels;
      const T* in_b = in + (g / pixels) * h * w * ch;
      const int64_t oy = r / wx.out, ox = r % wx.out;
      T* row = cols.data() + (g - r0) * patch;
      const int64_t ix0 = ox * a.sw - wx.pad_before;
      const bool row_inside = a.dw == 1 && ix0 >= 0 && ix0 + kw <= w;
      for (int64_t ky = 0; ky < kh; ++ky) {
        const int64_t iy = oy * a.sh + ky * a.dh - wy.pad_before;
        if (row_inside && iy >= 0 && iy < h) {  // the kw taps are kw * ch contiguous values
          const T* src = in_b + (iy * w + ix0) * ch;
          T* dst = row + ky * kw * ch;
          for (int64_t q = 0; q < kw * ch; ++q) dst[q] = src[q];
          continue;
        }
        for (int64_t kx = 0; kx < kw; ++kx) {
          const int64_t ix = ix0 + kx * a.dw;
          T* dst = row + (ky * kw + kx) * ch;
          // Plain loops, not fill/copy_n: those become a libc call per tap of a few values.
          if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
            for (int64_t q = 0; q < ch; ++q) dst[q] = T(0);
          } else {
            const T* src = in_b + (iy * w + ix) * ch;
            for (int64_t q = 0; q < ch; ++q) dst[q] = src[q];
          }
        }
      }
    }
    ConvGemm<T>(cols.data(), filt, out + r0 * oc, r1 - r0, patch, oc, c.thread_pool(), post, r0);
  }
  return Status::Ok();
}

template <typename T>
struct Conv2DFn {
  static Status Run(KernelContext& c, const WindowAttrs& a) { return Conv2DCompute<T>(c, a); }
};

Result<Kernel> Conv2DOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  const DataType t = n.input_type(0);
  TFM_RETURN_IF_ERROR(n.ExpectInputType(1, t));
  TFM_ASSIGN_OR_RETURN(WindowAttrs a, ParseWindowAttrs(n, /*pool=*/false, /*explicit=*/true));
  TFM_ASSIGN_OR_RETURN(KernelFn fn, FloatKernel<Conv2DFn>(n, t, a));
  return Kernel{{t}, fn};
}

// ---- DepthwiseConv2dNative(input [N,H,W,C], filter [KH,KW,C,M]) ---------------------------
// y[b,i,j,c*M+m] = sum_{di,dj} x[b, i*sh + di - pad_top, j*sw + dj - pad_left, c] * f[di,dj,c,m]
// (TF's CPU kernel rejects dilations; so do we.)
// dx = DepthwiseConv2dNativeBackpropInput, df = DepthwiseConv2dNativeBackpropFilter.
// One output pixel of a multiplier-1 depthwise convolution over its nky x nkx in-image taps
// (x: the first tap's pixel, f: its filter row): o[c] = sum over the taps of x[c] * f[c]. Channels
// go in blocks accumulated in registers (the previous loop added each tap into `o` in memory); the
// sums are in the same order as before, so the results are the same.
template <typename T>
[[gnu::always_inline]] inline void DepthwisePixel(const T* x, const T* f, T* o, int64_t ch,
                                                  int64_t nky, int64_t nkx, int64_t x_row,
                                                  int64_t f_row) {
  constexpr int64_t kBlock = 128 / sizeof(T);  // 32 floats: 4 AVX2 or 8 SSE registers
  auto block = [&]<int64_t kN>(int64_t c0, int64_t n) {
    T acc[kN > 0 ? kN : kBlock];
    const int64_t count = kN > 0 ? kN : n;
    for (int64_t i = 0; i < count; ++i) acc[i] = T(0);
    for (int64_t ky = 0; ky < nky; ++ky) {
      for (int64_t kx = 0; kx < nkx; ++kx) {
        const T* xi = x + ky * x_row + kx * ch + c0;
        const T* fi = f + ky * f_row + kx * ch + c0;
        for (int64_t i = 0; i < count; ++i) acc[i] += xi[i] * fi[i];
      }
    }
    for (int64_t i = 0; i < count; ++i) o[c0 + i] = acc[i];
  };
  int64_t c0 = 0;
  for (; c0 + kBlock <= ch; c0 += kBlock) block.template operator()<kBlock>(c0, kBlock);
  if (c0 < ch) block.template operator()<0>(c0, ch - c0);
}

// Output rows [r0, r1) (row = image * out_h + oy) of a multiplier-1 depthwise convolution.
struct DepthwiseRows {
  int64_t h, w, ch, kh, kw, stride, pad_y, pad_x, out_h, out_w;
};
template <typename T>
[[gnu::always_inline]] inline void DepthwiseRowsOf(const DepthwiseRows& d, const T* in,
                                                   const T* filt, T* out, int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t b = r / d.out_h, oy = r % d.out_h;
    const int64_t iy0 = oy * d.stride - d.pad_y;
    const int64_t ky0 = std::max<int64_t>(0, -iy0), ky1 = std::min(d.kh, d.h - iy0);
    for (int64_t ox = 0; ox < d.out_w; ++ox) {
      const int64_t ix0 = ox * d.stride - d.pad_x;
      const int64_t kx0 = std::max<int64_t>(0, -ix0), kx1 = std::min(d.kw, d.w - ix0);
      T* o = out + (r * d.out_w + ox) * d.ch;
      if (ky0 >= ky1 || kx0 >= kx1) {  // no tap inside the image
        for (int64_t i = 0; i < d.ch; ++i) o[i] = T(0);
        continue;
      }
      DepthwisePixel(in + ((b * d.h + iy0 + ky0) * d.w + ix0 + kx0) * d.ch,
                     filt + (ky0 * d.kw + kx0) * d.ch, o, d.ch, ky1 - ky0, kx1 - kx0,
                     d.w * d.ch, d.kw * d.ch);
    }
  }
}

// float, the models' dtype, is compiled for AVX2 too and picked at run time (the kernel files are
// built for baseline x86-64); without FMA, so the sums round as the source says.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
void DepthwiseRowsFloat(const DepthwiseRows& d, const float* in, const float* filt, float* out,
                        int64_t r0, int64_t r1) {
  DepthwiseRowsOf(d, in, filt, out, r0, r1);
}

// Below this many multiply-adds a depthwise convolution runs on one thread (as the GEMM's rule).
constexpr int64_t kDepthwiseParallelMacs = 1 << 20;

template <typename T>
struct DepthwiseFn {
  static Status Run(KernelContext& c, const WindowAttrs& a) {
    const Tensor& x = c.input(0);
    const Tensor& f = c.input(1);
    TFM_RETURN_IF_ERROR(ExpectRank(x, 4, "input"));
    TFM_RETURN_IF_ERROR(ExpectRank(f, 4, "filter"));
    const int64_t nb = x.shape().dim(0), h = x.shape().dim(1), w = x.shape().dim(2),
                  ch = x.shape().dim(3);
    const int64_t kh = f.shape().dim(0), kw = f.shape().dim(1), mult = f.shape().dim(3);
    if (f.shape().dim(2) != ch) {
      return InvalidArgument("input and filter must have the same depth: " + std::to_string(ch) +
                             " vs " + std::to_string(f.shape().dim(2)));
    }
    TFM_ASSIGN_OR_RETURN(Window wy, Windowed(h, kh, a.sh, 1, a.padding, a.pt, a.pb));
    TFM_ASSIGN_OR_RETURN(Window wx, Windowed(w, kw, a.sw, 1, a.padding, a.pl, a.pr));
    const T* in = x.flat<T>().data();
    const T* filt = f.flat<T>().data();
    const int64_t oc = ch * mult;
    if (mult == 1) {  // the usual case: every output written once, rows split over the pool
      TFM_ASSIGN_OR_RETURN(Shape y_shape,
                           Shape::Make(std::vector<int64_t>{nb, wy.out, wx.out, oc}));
      TFM_ASSIGN_OR_RETURN(Tensor y, Tensor::AllocateUninitialized(x.dtype(), y_shape));
      c.set_output(0, y);
      T* out = y.flat<T>().data();
      const DepthwiseRows d{h,  w,  ch, kh, kw, a.sh, wy.pad_before, wx.pad_before,
                            wy.out, wx.out};
      const int64_t rows = nb * wy.out;
      gemm::PostOp ops[gemm::kMaxPostOps];
      gemm::PostOps post_storage;
      const gemm::PostOps* post = FusedPostOps<T>(c, y, ops, &post_storage);
      auto run = [&](int64_t r0, int64_t r1) {
        if constexpr (std::is_same_v<T, float>) {
          if (post == nullptr) return DepthwiseRowsFloat(d, in, filt, out, r0, r1);
          for (int64_t r = r0; r < r1; ++r) {  // each output row's ops while it is in cache
            DepthwiseRowsFloat(d, in, filt, out, r, r + 1);
            gemm::ApplyPostOps(*post, out + r * wx.out * oc, oc, wx.out, r * wx.out, 0, oc);
          }
        } else {
          DepthwiseRowsOf(d, in, filt, out, r0, r1);
        }
      };
      nn::ForRowRanges(c.thread_pool(), rows,
                       y.NumElements() * kh * kw >= kDepthwiseParallelMacs, 4, run);
      return Status::Ok();
    }
    TFM_ASSIGN_OR_RETURN(Tensor y, Alloc(x.dtype(), {nb, wy.out, wx.out, oc}));
    c.set_output(0, y);
    T* out = y.flat<T>().data();
    for (int64_t b = 0; b < nb; ++b) {
      for (int64_t oy = 0; oy < wy.out; ++oy) {
        for (int64_t ox = 0; ox < wx.out; ++ox) {
          T* o = out + ((b * wy.out + oy) * wx.out + ox) * oc;  // zero-initialised
          for (int64_t ky = 0; ky < kh; ++ky) {
            const int64_t iy = oy * a.sh + ky - wy.pad_before;
            if (iy < 0 || iy >= h) continue;
            for (int64_t kx = 0; kx < kw; ++kx) {
              const int64_t ix = ox * a.sw + kx - wx.pad_before;
              if (ix < 0 || ix >= w) continue;
              const T* xi = in + ((b * h + iy) * w + ix) * ch;
              const T* fi = filt + (ky * kw + kx) * oc;
              for (int64_t ci = 0; ci < ch; ++ci) {
                const T xv = xi[ci];
                for (int64_t m = 0; m < mult; ++m) o[ci * mult + m] += xv * fi[ci * mult + m];
              }
            }
          }
        }
      }
    }
    return Status::Ok();
  }
};

Result<Kernel> DepthwiseOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  const DataType t = n.input_type(0);
  TFM_RETURN_IF_ERROR(n.ExpectInputType(1, t));
  TFM_ASSIGN_OR_RETURN(WindowAttrs a, ParseWindowAttrs(n, /*pool=*/false, /*explicit=*/true));
  if (a.dh != 1 || a.dw != 1) {
    return Unimplemented("node '" + n.name() + "' (op " + n.op() +
                         "): Current kernel implementation does not support dilations");
  }
  if (a.sh != a.sw) {
    return n.Error(
        "Current implementation only supports equal length strides in the row and "
        "column dimensions.");
  }
  TFM_ASSIGN_OR_RETURN(KernelFn fn, FloatKernel<DepthwiseFn>(n, t, a));
  return Kernel{{t}, fn};
}

// ---- MaxPool / AvgPool(value [N,H,W,C]; ksize, strides, padding) --------------------------
// MaxPool: y = max over the window's in-image taps (padding never wins).
//   dx = MaxPoolGrad (dy routed to the arg max).
// AvgPool: y = mean over the window's in-image taps: SAME windows at the border divide by the
//   number of valid elements, not by KH*KW, as TF. dx = AvgPoolGrad.
constexpr int64_t kPoolParallelReads = 1 << 15;

template <typename T, bool kMax>
Status PoolCompute(KernelContext& c, const WindowAttrs& a) {
  const Tensor& x = c.input(0);
  TFM_RETURN_IF_ERROR(ExpectRank(x, 4, "input"));
  const int64_t nb = x.shape().dim(0), h = x.shape().dim(1), w = x.shape().dim(2),
                ch = x.shape().dim(3);
  TFM_ASSIGN_OR_RETURN(Window wy, Windowed(h, a.kh, a.sh, 1, a.padding, a.pt, a.pb));
  TFM_ASSIGN_OR_RETURN(Window wx, Windowed(w, a.kw, a.sw, 1, a.padding, a.pl, a.pr));
  // Uninitialised: every output element is written.
  TFM_ASSIGN_OR_RETURN(Shape y_shape, Shape::Make(std::vector<int64_t>{nb, wy.out, wx.out, ch}));
  TFM_ASSIGN_OR_RETURN(Tensor y, Tensor::AllocateUninitialized(x.dtype(), y_shape));
  c.set_output(0, y);
  if (y.NumElements() == 0) return Status::Ok();
  const T* in = x.flat<T>().data();
  T* out = y.flat<T>().data();
  auto rows = [&](int64_t r0, int64_t r1) {  // output rows (image, oy)
    std::vector<T> acc(ch);
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t b = r / wy.out, oy = r % wy.out;
      const int64_t y0 = std::max<int64_t>(oy * a.sh - wy.pad_before, 0);
      const int64_t y1 = std::min<int64_t>(oy * a.sh - wy.pad_before + a.kh, h);
      for (int64_t ox = 0; ox < wx.out; ++ox) {
        const int64_t x0 = std::max<int64_t>(ox * a.sw - wx.pad_before, 0);
        const int64_t x1 = std::min<int64_t>(ox * a.sw - wx.pad_before + a.kw, w);
        std::fill(acc.begin(), acc.end(), kMax ? std::numeric_limits<T>::lowest() : T(0));
        for (int64_t iy = y0; iy < y1; ++iy) {
          for (int64_t ix = x0; ix < x1; ++ix) {
            const T* xi = in + ((b * h + iy) * w + ix) * ch;
            for (int64_t q = 0; q < ch; ++q) {
              if constexpr (kMax) {
                acc[q] = std::max(acc[q], xi[q]);
              } else {
                acc[q] += xi[q];
              }
            }
          }
        }
        T* o = out + ((b * wy.out + oy) * wx.out + ox) * ch;
        const int64_t count = std::max<int64_t>((y1 - y0) * (x1 - x0), 1);
        for (int64_t q = 0; q < ch; ++q) o[q] = kMax ? acc[q] : acc[q] / static_cast<T>(count);
      }
    }
  };
  // Output rows over the pool when the window reads are worth a hand-off: a pool worker polls for
  // work for a while after a task (thread_pool.h), so right after a convolution that is cheap.
  nn::ForRowRanges(c.thread_pool(), nb * wy.out,
                   y.NumElements() * a.kh * a.kw >= kPoolParallelReads, 2, rows);
  return Status::Ok();
}

template <typename T>
struct MaxPoolFn {
  static Status Run(KernelContext& c, const WindowAttrs& a) { return PoolCompute<T, true>(c, a); }
};
template <typename T>
struct AvgPoolFn {
  static Status Run(KernelContext& c, const WindowAttrs& a) { return PoolCompute<T, false>(c, a); }
};

template <bool kMax>
Result<Kernel> PoolOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  const DataType t = n.input_type(0);
  TFM_ASSIGN_OR_RETURN(WindowAttrs a, ParseWindowAttrs(n, /*pool=*/true, /*explicit=*/kMax));
  TFM_ASSIGN_OR_RETURN(KernelFn fn,
                       kMax ? FloatKernel<MaxPoolFn>(n, t, a) : FloatKernel<AvgPoolFn>(n, t, a));
  return Kernel{{t}, fn};
}

// ---- FusedBatchNorm{,V2,V3}(x, scale, offset, mean, variance; epsilon, is_training) -------
// Per channel c (the last axis for NHWC, axis 1 for NCHW), over the n other elements:
//   inference: y = (x - mean) * rsqrt(variance + eps) * scale + offset;
//              outputs 1, 2 (batch_mean, batch_variance) pass mean and variance through.
//              (TF leaves reserve_space_1/2 uninitialised here; we give mean and variance.)
//   training:  m = mean(x), v = mean((x - m)^2) (biased), y uses m and v;
//              batch_mean = (1 - f) * mean + f * m, batch_variance = (1 - f) * variance +
//              f * v * n / (n - 1) with f = exponential_avg_factor (1: just m, unbiased v);
//              reserve_space_1 = m, reserve_space_2 = v.
//   V3's reserve_space_3 is a scalar 0.
// dx, dscale, doffset = FusedBatchNormGrad{,V2,V3}.
struct BatchNormAttrs {
  float epsilon, factor;
  bool training, nchw, v3;
};

Status BatchNormCompute(KernelContext& c, const BatchNormAttrs& a) {
  const Tensor& x = c.input(0);
  TFM_RETURN_IF_ERROR(ExpectRank(x, 4, "x"));
  const Dims& xd = x.shape().dims();
  const int64_t ch = a.nchw ? xd[1] : xd[3];
  const int64_t outer = a.nchw ? xd[0] : xd[0] * xd[1] * xd[2];
  const int64_t inner = a.nchw ? xd[2] * xd[3] : 1;
  const bool need_stats = !a.training || a.factor != 1.0f;
  const char* names[] = {"", "scale", "offset", "mean", "variance"};
  for (int i = 1; i < 5; ++i) {
    const bool optional = i >= 3 && !need_stats && c.input(i).NumElements() == 0;
    if (!optional && (c.input(i).shape().rank() != 1 || c.input(i).NumElements() != ch)) {
      return InvalidArgument(std::string(names[i]) + " must be a vector of " + std::to_string(ch) +
                             " elements (the channel count), got shape " +
                             c.input(i).shape().DebugString());
    }
  }
  auto scale = c.input(1).flat<float>();
  auto offset = c.input(2).flat<float>();
  const int64_t count = outer * inner;
  std::vector<float> m(ch), v(ch);
  if (a.training) {
    std::vector<double> sum(ch, 0), sq(ch, 0);
    auto xf = x.flat<float>();
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t q = 0; q < ch; ++q) {
        for (int64_t i = 0; i < inner; ++i) sum[q] += xf[(o * ch + q) * inner + i];
      }
    }
    for (int64_t q = 0; q < ch; ++q) m[q] = count ? static_cast<float>(sum[q] / count) : 0.f;
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t q = 0; q < ch; ++q) {
        for (int64_t i = 0; i < inner; ++i) {
          const double d = xf[(o * ch + q) * inner + i] - m[q];
          sq[q] += d * d;
        }
      }
    }
    for (int64_t q = 0; q < ch; ++q) v[q] = count ? static_cast<float>(sq[q] / count) : 0.f;
  } else {
    auto mi = c.input(3).flat<float>();
    auto vi = c.input(4).flat<float>();
    m.assign(mi.begin(), mi.end());
    v.assign(vi.begin(), vi.end());
  }
  TFM_ASSIGN_OR_RETURN(Tensor y, Tensor::AllocateUninitialized(DataType::kFloat, x.shape()));
  auto xf = x.flat<float>();
  auto yf = y.flat<float>();
  std::vector<float> mul(ch);
  for (int64_t q = 0; q < ch; ++q) mul[q] = scale[q] / std::sqrt(v[q] + a.epsilon);
  if (inner == 1) {  // NHWC: channels innermost, one vectorisable row per pixel
    const float *mp = m.data(), *mulp = mul.data(), *op = offset.data();
    for (int64_t o = 0; o < outer; ++o) {
      const float* xr = xf.data() + o * ch;
      float* yr = yf.data() + o * ch;
      for (int64_t q = 0; q < ch; ++q) yr[q] = (xr[q] - mp[q]) * mulp[q] + op[q];
    }
  } else {
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t q = 0; q < ch; ++q) {
        for (int64_t i = 0; i < inner; ++i) {
          const int64_t k = (o * ch + q) * inner + i;
          yf[k] = (xf[k] - m[q]) * mul[q] + offset[q];
        }
      }
    }
  }
  c.set_output(0, y);
  Tensor bm = Tensor::FromVector<float>(m, Shape{ch});
  Tensor bv = Tensor::FromVector<float>(v, Shape{ch});
  if (a.training) {
    const float adjust =
        count > 1 ? static_cast<float>(count) / static_cast<float>(count - 1) : 1.f;
    std::vector<float> nm(ch), nv(ch);
    for (int64_t q = 0; q < ch; ++q) {
      if (a.factor == 1.0f) {
        nm[q] = m[q];
        nv[q] = v[q] * adjust;
      } else {
        const float f = a.factor;
        nm[q] = (1 - f) * c.input(3).flat<float>()[q] + f * m[q];
        nv[q] = (1 - f) * c.input(4).flat<float>()[q] + f * v[q] * adjust;
      }
    }
    c.set_output(1, Tensor::FromVector<float>(nm, Shape{ch}));
    c.set_output(2, Tensor::FromVector<float>(nv, Shape{ch}));
  } else {
    c.set_output(1, bm);
    c.set_output(2, bv);
  }
  c.set_output(3, bm);
  c.set_output(4, bv);
  if (a.v3) c.set_output(5, Tensor::Scalar<float>(0.f));
  return Status::Ok();
}

Result<Kernel> FusedBatchNormOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(5));
  for (int i = 0; i < 5; ++i) TFM_RETURN_IF_ERROR(n.ExpectInputType(i, DataType::kFloat));
  BatchNormAttrs a;
  a.epsilon = n.FloatAttrOr("epsilon", 1e-4f);
  a.factor = n.FloatAttrOr("exponential_avg_factor", 1.0f);
  a.training = n.BoolAttrOr("is_training", true);
  a.v3 = n.op() == "FusedBatchNormV3";
  const std::string f = n.StringAttrOr("data_format", "NHWC");
  if (f != "NHWC" && f != "NCHW") {
    return Unimplemented("node '" + n.name() + "' (op " + n.op() + "): data_format " + f +
                         " is not supported");
  }
  a.nchw = f == "NCHW";
  std::vector<DataType> outs(a.v3 ? 6 : 5, DataType::kFloat);
  return Kernel{outs, Named([a](KernelContext& c) { return BatchNormCompute(c, a); })};
}

// ---- LRN(input [N,H,W,C]; depth_radius, bias, alpha, beta) ------------------------------
// sqr_sum[b,i,j,d] = sum_{d' = d-r}^{d+r} x[b,i,j,d']^2 (clipped to the channels)
// y = x / (bias + alpha * sqr_sum)^beta.   dx = LRNGrad.
Result<Kernel> LrnOp(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(1));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(0, DataType::kFloat));
  const int64_t radius = n.IntAttrOr("depth_radius", 5);
  const float bias = n.FloatAttrOr("bias", 1.f), alpha = n.FloatAttrOr("alpha", 1.f),
              beta = n.FloatAttrOr("beta", 0.5f);
  if (radius < 0 || radius > (int64_t{1} << 20)) return n.Error("depth_radius out of range");
  return Kernel{{DataType::kFloat}, Named([=](KernelContext& c) -> Status {
                  const Tensor& x = c.input(0);
                  TFM_RETURN_IF_ERROR(ExpectRank(x, 4, "input"));
                  const int64_t ch = x.shape().dim(3);
                  TFM_ASSIGN_OR_RETURN(Tensor y, Alloc(DataType::kFloat, x.shape().dims()));
                  auto xf = x.flat<float>();
                  auto yf = y.flat<float>();
                  const int64_t rows = ch == 0 ? 0 : x.NumElements() / ch;
                  for (int64_t r = 0; r < rows; ++r) {
                    const float* xi = xf.data() + r * ch;
                    float* yi = yf.data() + r * ch;
                    for (int64_t d = 0; d < ch; ++d) {
                      float sum = 0;
                      const int64_t lo = std::max<int64_t>(0, d - radius);
                      const int64_t hi = std::min<int64_t>(ch, d + radius + 1);
                      for (int64_t q = lo; q < hi; ++q) sum += xi[q] * xi[q];
                      yi[d] = xi[d] / std::pow(bias + alpha * sum, beta);
                    }
                  }
                  c.set_output(0, y);
                  return Status::Ok();
                })};
}

// ---- ResizeBilinear / ResizeNearestNeighbor(images [N,H,W,C], size = [new_h, new_w]) -----
// scale = (align_corners && out > 1) ? (in - 1) / (out - 1) : in / out.
// Bilinear (output float): src = half_pixel_centers ? (o + 0.5) * scale - 0.5 : o * scale;
//   lo = max(floor(src), 0), hi = min(ceil(src), in - 1), t = src - floor(src);
//   y = lerp(lerp(x[lo_y,lo_x], x[lo_y,hi_x], t_x), lerp(x[hi_y,lo_x], x[hi_y,hi_x], t_x), t_y).
//   dx = ResizeBilinearGrad.
// Nearest (output dtype = input): src = half_pixel_centers ? (o + 0.5) * scale : o * scale;
//   i = min(align_corners ? round(src) : floor(src), in - 1), clamped at 0.
//   dx = ResizeNearestNeighborGrad.

struct ResizeDims {
  int64_t nb, h, w, ch, oh, ow;
};

Result<ResizeDims> ResizeShape(const KernelContext& c) {
  const Tensor& x = c.input(0);
  TFM_RETURN_IF_ERROR(ExpectRank(x, 4, "input"));
  const Tensor& s = c.input(1);
  if (s.shape().rank() != 1 || s.NumElements() != 2) {
    return InvalidArgument("shape_t must be 1-D with two elements, got " + s.shape().DebugString());
  }
  ResizeDims d{x.shape().dim(0), x.shape().dim(1),     x.shape().dim(2),
               x.shape().dim(3), s.flat<int32_t>()[0], s.flat<int32_t>()[1]};
  if (d.oh <= 0 || d.ow <= 0) return InvalidArgument("output dimensions must be positive");
  if (d.h == 0 || d.w == 0) return InvalidArgument("input image must be of non-zero size");
  return d;
}

template <typename T>
Status BilinearCompute(KernelContext& c, const ResizeAttrs& a) {
  TFM_ASSIGN_OR_RETURN(ResizeDims d, ResizeShape(c));
  TFM_ASSIGN_OR_RETURN(Tensor y, Alloc(DataType::kFloat, {d.nb, d.oh, d.ow, d.ch}));
  c.set_output(0, y);
  if (y.NumElements() == 0) return Status::Ok();
  const std::vector<Lerp> ys = BilinearWeights(d.h, d.oh, a), xs = BilinearWeights(d.w, d.ow, a);
  const T* in = c.input(0).flat<T>().data();
  float* out = y.flat<float>().data();
  for (int64_t b = 0; b < d.nb; ++b) {
    for (int64_t oy = 0; oy < d.oh; ++oy) {
      const T* top = in + (b * d.h + ys[oy].lo) * d.w * d.ch;
      const T* bot = in + (b * d.h + ys[oy].hi) * d.w * d.ch;
      for (int64_t ox = 0; ox < d.ow; ++ox) {
        const int64_t l = xs[ox].lo * d.ch, r = xs[ox].hi * d.ch;
        float* o = out + ((b * d.oh + oy) * d.ow + ox) * d.ch;
        for (int64_t q = 0; q < d.ch; ++q) {
          const float tl = static_cast<float>(top[l + q]), tr = static_cast<float>(top[r + q]);
          const float bl = static_cast<float>(bot[l + q]), br = static_cast<float>(bot[r + q]);
          const float t = tl + (tr - tl) * xs[ox].t;
          const float bo = bl + (br - bl) * xs[ox].t;
          o[q] = t + (bo - t) * ys[oy].t;
        }
      }
    }
  }
  c.set_output(0, y);
  return Status::Ok();
}

Result<Kernel> ResizeBilinearOp(const NodeInfo& n) {
  TFM_ASSIGN_OR_RETURN(ResizeAttrs a, ParseResizeAttrs(n));
  const DataType t = n.input_type(0);
  KernelFn fn;
  switch (t) {
    case DataType::kFloat:
      fn = Named([a](KernelContext& c) { return BilinearCompute<float>(c, a); });
      break;
    case DataType::kDouble:
      fn = Named([a](KernelContext& c) { return BilinearCompute<double>(c, a); });
      break;
    case DataType::kUInt8:
      fn = Named([a](KernelContext& c) { return BilinearCompute<uint8_t>(c, a); });
      break;
    case DataType::kInt32:
      fn = Named([a](KernelContext& c) { return BilinearCompute<int32_t>(c, a); });
      break;
    case DataType::kInt64:
      fn = Named([a](KernelContext& c) { return BilinearCompute<int64_t>(c, a); });
      break;
    default:
      return n.Unsupported(t);
  }
  return Kernel{{DataType::kFloat}, fn};
}

Result<Kernel> ResizeNearestOp(const NodeInfo& n) {
  TFM_ASSIGN_OR_RETURN(ResizeAttrs a, ParseResizeAttrs(n));
  const DataType t = n.input_type(0);
  TFM_RETURN_IF_ERROR(n.ExpectType(t, {DataType::kFloat, DataType::kDouble, DataType::kUInt8,
                                       DataType::kInt32, DataType::kInt64}));
  return Kernel{{t}, Named([a, t](KernelContext& c) -> Status {
                  TFM_ASSIGN_OR_RETURN(ResizeDims d, ResizeShape(c));
                  TFM_ASSIGN_OR_RETURN(Tensor y, Alloc(t, {d.nb, d.oh, d.ow, d.ch}));
                  c.set_output(0, y);
                  if (y.NumElements() == 0) return Status::Ok();
                  std::vector<Dims> maps(4);
                  for (int64_t i = 0; i < d.nb; ++i) maps[0].push_back(i);
                  maps[1] = NearestMap(d.h, d.oh, a);
                  maps[2] = NearestMap(d.w, d.ow, a);
                  for (int64_t i = 0; i < d.ch; ++i) maps[3].push_back(i);
                  const Tensor& x = c.input(0);
                  TFM_RETURN_IF_ERROR(array::DispatchElem(t, [&](auto e) -> Status {
                    using E = decltype(e);
                    array::GatherByDimMaps<E>(array::Elems<E>(x), x.shape().dims(), maps,
                                              array::Elems<E>(y));
                    return Status::Ok();
                  }));
                  c.set_output(0, y);
                  return Status::Ok();
                })};
}

}  // namespace

void RegisterNnOps(OpRegistry& r) {
  r.Add({"Conv2D", Conv2DOp});
  r.Add({"DepthwiseConv2dNative", DepthwiseOp});
  r.Add({"MaxPool", PoolOp<true>});
  r.Add({"AvgPool", PoolOp<false>});
  r.Add({"FusedBatchNorm", FusedBatchNormOp});
  r.Add({"FusedBatchNormV2", FusedBatchNormOp});
  r.Add({"FusedBatchNormV3", FusedBatchNormOp});
  r.Add({"LRN", LrnOp});
  r.Add({"ResizeBilinear", ResizeBilinearOp});
  r.Add({"ResizeNearestNeighbor", ResizeNearestOp});
}

}  // namespace tfmodel
