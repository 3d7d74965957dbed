// Geometry shared by the NHWC image ops (nn.cc) and their gradients (conv_grad.cc,
// nn_grad.cc): sliding-window sizes and padding, the window attrs of convolutions and pools,
// and the sampling positions of ResizeBilinear / ResizeNearestNeighbor.
#ifndef TFMODEL_SRC_RUNTIME_KERNELS_NN_UTIL_H_
#define TFMODEL_SRC_RUNTIME_KERNELS_NN_UTIL_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "src/base/thread_pool.h"
#include "src/runtime/kernel.h"
#include "src/runtime/kernels/array_util.h"

namespace tfmodel::nn {

enum class Padding { kValid, kSame, kExplicit };

// fn(r0, r1) over row ranges covering [0, rows): all of them on the calling thread, or, when
// `parallel` (the work is worth a hand-off) and `pool` is set, in `pieces_per_thread` pieces per
// thread of the pool (the caller's included), claimed as threads come free.
template <typename F>
void ForRowRanges(ThreadPool* pool, int64_t rows, bool parallel, int pieces_per_thread, F&& fn) {
  const int64_t parts =
      pool == nullptr || !parallel
          ? 1
          : std::min<int64_t>(rows, int64_t{pieces_per_thread} * (pool->num_workers() + 1));
  if (parts <= 1) {
    fn(int64_t{0}, rows);
    return;
  }
  const int64_t per = (rows + parts - 1) / parts;
  pool->ParallelFor(parts, [&](int64_t p) {
    fn(std::min(rows, p * per), std::min(rows, (p + 1) * per));
  });
}

// One spatial dimension of a sliding window (TF's GetWindowedOutputSizeVerbose):
//   effective k' = (k - 1) * dilation + 1
//   VALID:    out = (in - k' + stride) / stride, no padding
//   SAME:     out = ceil(in / stride), pad_total = max((out - 1) * stride + k' - in, 0),
//             pad_before = pad_total / 2 (the extra row goes after)
//   EXPLICIT: out = (in + before + after - k' + stride) / stride
struct Window {
  int64_t out = 0, pad_before = 0;
};
Result<Window> Windowed(int64_t in, int64_t k, int64_t stride, int64_t dilation, Padding p,
                        int64_t before, int64_t after);

// Window attrs shared by convolutions and pools, validated at plan time.
struct WindowAttrs {
  int64_t kh = 1, kw = 1;  // pools only (convs take them from the filter)
  int64_t sh = 1, sw = 1, dh = 1, dw = 1;
  Padding padding = Padding::kValid;
  int64_t pt = 0, pb = 0, pl = 0, pr = 0;  // EXPLICIT paddings
};

// Unimplemented unless data_format is absent or NHWC.
Status ExpectNhwc(const NodeInfo& n);
// A 4-element int list attr (strides, ksize, dilations) with 1 in the batch and depth dims;
// absent and not `required`: {1, 1, 1, 1}.
Result<std::vector<int64_t>> Quad(const NodeInfo& n, const std::string& attr, bool required);
// strides, padding (+ explicit_paddings when allowed), and ksize (pools) or dilations (convs).
Result<WindowAttrs> ParseWindowAttrs(const NodeInfo& n, bool pool, bool allow_explicit);
// InvalidArgument "<what> must be <rank>-dimensional, got shape [..]".
Status ExpectRank(const Tensor& t, int rank, const char* what);

// The float/double kernel Fn<T>::Run(c, a), wrapped by array::Named.
template <template <typename> class Fn>
Result<KernelFn> FloatKernel(const NodeInfo& n, DataType t, const WindowAttrs& a) {
  if (t == DataType::kFloat) {
    return array::Named([a](KernelContext& c) { return Fn<float>::Run(c, a); });
  }
  if (t == DataType::kDouble) {
    return array::Named([a](KernelContext& c) { return Fn<double>::Run(c, a); });
  }
  return n.Unsupported(t);
}

// ---- resize sampling ---------------------------------------------------------------------
struct ResizeAttrs {
  bool align_corners, half_pixel;
};
// scale = (align_corners && out > 1) ? (in - 1) / (out - 1) : in / out.
float ResizeScale(int64_t in, int64_t out, bool align_corners);
// Two inputs, input 1 int32; align_corners and half_pixel_centers not both set.
Result<ResizeAttrs> ParseResizeAttrs(const NodeInfo& n);

// Output position o of a bilinear resize reads in[lo] and in[hi] with weights (1 - t) and t.
struct Lerp {
  int64_t lo, hi;
  float t;
};
std::vector<Lerp> BilinearWeights(int64_t in, int64_t out, const ResizeAttrs& a);
// Output position o of a nearest-neighbour resize reads in[map[o]].
std::vector<int64_t> NearestMap(int64_t in, int64_t out, const ResizeAttrs& a);

}  // namespace tfmodel::nn

#endif  // TFMODEL_SRC_RUNTIME_KERNELS_NN_UTIL_H_
