// Our matrix multiply (no BLAS): C[m,n] = A[m,k] B[k,n] for float and double, used by MatMul,
// BatchMatMul and Conv2D (im2col, or patches read in place: ConvRows). A and B are strided views, so transposed operands are read in
// place; C is row-major with leading dimension ldc.
//
//   gemm::Gemm(m, n, k, {a, k, 1}, {b, 1, k}, c, n);         // C = A B^T
//   gemm::Gemm<float>(a, b, c, m, k, n, pool);                 // row-major shorthand
//
// GotoBLAS/BLIS structure: for each NC-wide column block and KC-deep slice, B is packed into
// NR-wide strips; a 6 x NR micro kernel keeps the C tile in 12 vector registers over the KC loop,
// reading 6 rows of A in place (packing A only pays when A is transposed: in place was as fast
// within noise on square products, 3x faster on Conv2D's skinny im2col products). With at most 96
// rows B's rows are also read in place (packing costs more than it saves), and with at most 32
// rows (batch-1 inference; fewer than 6, or C at least a strip wide) a GEMV-like kernel streams B
// once, in blocks of its rows. The kernels are compiled twice
// (gemm_kernels.inc): AVX2+FMA (NR = 16 floats), chosen at run time when the CPU has it, and
// 16-byte vectors (SSE2 on x86-64, NEON on arm64) otherwise, so the binary runs on any x86-64. The
// paths round differently (FMA rounds once): results agree to float accuracy, not bit for bit.
// Element-wise post ops (PostOps: a fused BiasAdd, batch norm, Relu, residual add) are applied to
// each finished tile in registers. bench/inference_bench.sh compares the GEMM with OpenBLAS sgemm.
//
// Large products are split into independent blocks of C over `pool` (the caller works too, so
// calling from a pool worker is fine); each thread packs into its own thread-local buffers. Thread
// safety: reentrant.
#ifndef TFMODEL_SRC_RUNTIME_KERNELS_GEMM_H_
#define TFMODEL_SRC_RUNTIME_KERNELS_GEMM_H_

#include <cstdint>

namespace tfmodel {
class ThreadPool;
}  // namespace tfmodel

namespace tfmodel::gemm {

// Element (i, j) is data[i * row_stride + j * col_stride].
template <typename T>
struct Matrix {
  const T* data;
  int64_t row_stride;
  int64_t col_stride;
};

// Element-wise ops applied to a product as each tile of C is finished, while it is in cache (the
// element-wise ops the planner fuses after a convolution or MatMul, see
// src/runtime/kernels/epilogue.h): in order, c = c + v, c * v, max(c, 0), min(max(c, 0), 6) (NaN
// passes through both, as TF's Relu and Relu6), each rounded as the op alone would be. The operand
// of element (i, j) is values[i * row_stride + j * stride]: one value (both strides 0), one per
// column (stride 1) or a whole matrix (row_stride the number of columns).
struct PostOp {
  enum class Kind : unsigned char { kAdd, kMul, kRelu, kRelu6 };
  Kind kind = Kind::kAdd;
  const float* values = nullptr;
  int64_t stride = 0;
  int64_t row_stride = 0;
};
struct PostOps {
  const PostOp* ops = nullptr;
  int count = 0;
  // The same ops for the block of C from row i0, column j0 on.
  PostOps From(int64_t i0, int64_t j0, PostOp* storage) const;
};
inline constexpr int kMaxPostOps = 8;

// Applies `post` to rows x cols of C (row stride ldc) whose first element is element (i0, j0) of
// the ops' operands.
void ApplyPostOps(const PostOps& post, float* c, int64_t ldc, int64_t rows, int64_t i0, int64_t j0,
                  int64_t cols);

// C = A B, or C += A B with `accumulate`, then `post` (if any) on every element. REQUIRES: C (m x
// n, leading dimension ldc >= n) does not overlap A or B; post->count <= kMaxPostOps. `pool` may
// be null (single-threaded).
void Gemm(int64_t m, int64_t n, int64_t k, Matrix<float> a, Matrix<float> b, float* c, int64_t ldc,
          bool accumulate = false, ThreadPool* pool = nullptr, const PostOps* post = nullptr);
void Gemm(int64_t m, int64_t n, int64_t k, Matrix<double> a, Matrix<double> b, double* c,
          int64_t ldc, bool accumulate = false, ThreadPool* pool = nullptr);

// A convolution's im2col matrix read in place from the (zero-padded) NHWC image, so no patch is
// copied: row i is output pixel first_row + i, whose patch is the concatenation, in k order, of
// `segments` (offset, length) pairs of contiguous values starting at the pixel's corner,
//   image + img * image_stride + oy * row_stride + ox * col_stride.
// (A KHxKW filter with dilation 1 has KH segments of KW*C values.)
struct ConvRows {
  const float* image = nullptr;
  int64_t pixels = 0;  // output pixels per image
  int64_t out_w = 0;   // output pixels per output row
  int64_t image_stride = 0, row_stride = 0, col_stride = 0;
  const int64_t* segments = nullptr;
  int num_segments = 0;
  int64_t first_row = 0;
};
// Segments shorter than this go through an im2col copy instead (ConvRows' pieces bound).
inline constexpr int64_t kMinConvSegment = 4;

// C = A B (+ post) with A a ConvRows view (k = the segments' total length, every segment at least
// kMinConvSegment long); C row-major with leading dimension ldc.
void Gemm(int64_t m, int64_t n, int64_t k, const ConvRows& a, Matrix<float> b, float* c,
          int64_t ldc, ThreadPool* pool = nullptr, const PostOps* post = nullptr);

// C = A * B, all row-major: a is m x k, b is k x n, c is m x n.
template <typename T>
void Gemm(const T* a, const T* b, T* c, int64_t m, int64_t k, int64_t n,
          ThreadPool* pool = nullptr) {
  Gemm(m, n, k, Matrix<T>{a, k, 1}, Matrix<T>{b, n, 1}, c, n, false, pool);
}
inline void Gemm(const float* a, const float* b, float* c, int64_t m, int64_t k, int64_t n,
                 ThreadPool* pool, const PostOps* post) {
  Gemm(m, n, k, Matrix<float>{a, k, 1}, Matrix<float>{b, n, 1}, c, n, false, pool, post);
}

// The micro kernel this CPU runs: "avx2+fma" or "vec128".
const char* KernelName();
// Tests: run the 16-byte-vector kernels even where AVX2 is available (process-wide).
void ForceVec128ForTesting(bool force);

}  // namespace tfmodel::gemm

#endif  // TFMODEL_SRC_RUNTIME_KERNELS_GEMM_H_
