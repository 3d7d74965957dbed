// numpy/TensorFlow broadcasting: output shape and the collapsed iteration space.
#include "src/runtime/kernels/broadcast.h"

#include <algorithm>

namespace tfmodel {
namespace {

Status Incompatible(std::initializer_list<const Shape*> shapes, const std::string& node_name) {
  std::string msg = "Incompatible shapes: ";
  bool first = true;
  for (const Shape* s : shapes) {
    if (!first) msg += " vs. ";
    msg += s->DebugString();
    first = false;
  }
  if (node_name.empty()) return InvalidArgument(msg);
  return InvalidArgument("node '" + node_name + "': " + msg);
}

}  // namespace

Result<Shape> Broadcast::BroadcastShapes(const Shape& a, const Shape& b,
                                         const std::string& node_name) {
  if (a == b) return a;
  const int r = std::max(a.rank(), b.rank());
  std::vector<int64_t> dims(r);
  for (int d = 0; d < r; ++d) {
    int da = d - (r - a.rank()), db = d - (r - b.rank());
    int64_t x = da < 0 ? 1 : a.dim(da), y = db < 0 ? 1 : b.dim(db);
    if (x != y && x != 1 && y != 1) return Incompatible({&a, &b}, node_name);
    dims[d] = x == 1 ? y : x;
  }
  return Shape::Make(dims);
}

Result<Broadcast> Broadcast::Make(std::initializer_list<const Shape*> shapes,
                                  const std::string& node_name) {
  Broadcast b;
  // Output shape.
  int r = 0;
  for (const Shape* s : shapes) r = std::max(r, s->rank());
  std::vector<int64_t> out(r, 1);
  for (const Shape* s : shapes) {
    for (int d = 0; d < s->rank(); ++d) {
      int od = d + (r - s->rank());
      int64_t v = s->dim(d);
      if (v == out[od] || v == 1) continue;
      if (out[od] != 1) return Incompatible(shapes, node_name);
      out[od] = v;
    }
  }
  // A second pass: an operand seen before a larger one may disagree with the final value.
  for (const Shape* s : shapes) {
    for (int d = 0; d < s->rank(); ++d) {
      int64_t v = s->dim(d);
      if (v != 1 && v != out[d + (r - s->rank())]) return Incompatible(shapes, node_name);
    }
  }
  TFM_ASSIGN_OR_RETURN(b.out_shape_, Shape::Make(out));

  // Per operand, per output dim: its contiguous stride, or 0 where it broadcasts. Output dims
  // of size 1 are dropped; neighbours that broadcast alike for every operand merge.
  const size_t n = shapes.size();
  b.strides_.assign(n, {});
  std::vector<std::vector<bool>> bcast_of(n);  // per kept dim
  std::vector<std::vector<int64_t>> full(n, std::vector<int64_t>(r, 0));
  size_t k = 0;
  for (const Shape* s : shapes) {
    int64_t stride = 1;
    for (int d = r - 1; d >= 0; --d) {
      int sd = d - (r - s->rank());
      int64_t v = sd < 0 ? 1 : s->dim(sd);
      full[k][d] = (v == 1) ? 0 : stride;
      stride *= v;
    }
    ++k;
  }
  std::vector<int> kept;
  for (int d = 0; d < r; ++d) {
    if (out[d] != 1) kept.push_back(d);
  }
  for (size_t i = 0; i < kept.size(); ++i) {
    int d = kept[i];
    bool merge = !b.dims_.empty();
    if (merge) {
      int prev = kept[i - 1];
      for (size_t o = 0; o < n; ++o) {
        if ((full[o][d] == 0) != (full[o][prev] == 0)) merge = false;
      }
    }
    if (merge) {
      b.dims_.back() *= out[d];
      for (size_t o = 0; o < n; ++o) b.strides_[o].back() = full[o][d];
    } else {
      b.dims_.push_back(out[d]);
      for (size_t o = 0; o < n; ++o) b.strides_[o].push_back(full[o][d]);
    }
  }
  return b;
}

}  // namespace tfmodel
