// TensorSlice and ShapeAndSlice (public API) and the slice copy helpers.
#include "src/formats/bundle/slices.h"

#include <cstring>

#include "src/base/logging.h"
#include "src/base/strings.h"

namespace tfmodel {

Result<Shape> TensorSlice::SliceShape(const Shape& full) const {
  if (extents.empty()) return full;
  if (static_cast<int>(extents.size()) != full.rank()) {
    return InvalidArgument("slice " + DebugString() + " has rank " +
                           std::to_string(extents.size()) + " but the tensor has shape " +
                           full.DebugString());
  }
  std::vector<int64_t> dims;
  for (int d = 0; d < full.rank(); ++d) {
    const Extent& e = extents[d];
    if (e.length < 0) {
      dims.push_back(full.dim(d));
      continue;
    }
    if (e.start < 0 || e.start > full.dim(d) || e.length > full.dim(d) - e.start) {
      return InvalidArgument("slice " + DebugString() + " does not fit in shape " +
                             full.DebugString());
    }
    dims.push_back(e.length);
  }
  return Shape::Make(dims);
}

std::string TensorSlice::DebugString() const {
  if (extents.empty()) return "-";
  std::string out;
  for (size_t i = 0; i < extents.size(); ++i) {
    if (i) out += ':';
    const Extent& e = extents[i];
    out += e.length < 0 ? "-" : std::to_string(e.start) + "," + std::to_string(e.length);
  }
  return out;
}

Result<ShapeAndSlice> ParseShapeAndSlice(std::string_view spec) {
  ShapeAndSlice out;
  if (spec.empty()) return out;
  const std::string what = "shape_and_slice \"" + CEscape(spec) + "\"";
  std::vector<std::string> parts = Split(spec, ' ');
  if (parts.size() < 2) return InvalidArgument(what + ": expected full shape then a slice");
  std::vector<int64_t> dims;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    auto d = ParseInt64(parts[i]);
    if (!d.ok() || *d < 0) return InvalidArgument(what + ": bad dimension \"" + parts[i] + "\"");
    dims.push_back(*d);
  }
  auto shape = Shape::Make(dims);
  if (!shape.ok()) return shape.status().WithContext(what);
  out.full_shape = *shape;
  for (const std::string& piece : Split(parts.back(), ':')) {
    TensorSlice::Extent e;
    if (piece != "-") {
      std::vector<std::string> sl = Split(piece, ',');
      if (sl.size() != 2) return InvalidArgument(what + ": bad extent \"" + piece + "\"");
      auto start = ParseInt64(sl[0]);
      auto length = ParseInt64(sl[1]);
      if (!start.ok() || !length.ok() || *start < 0 || *length < 0) {
        return InvalidArgument(what + ": bad extent \"" + piece + "\"");
      }
      e.start = *start;
      e.length = *length;
    }
    out.slice.extents.push_back(e);
  }
  auto slice_shape = out.slice.SliceShape(out.full_shape);
  if (!slice_shape.ok()) return slice_shape.status().WithContext(what);
  out.whole = false;
  return out;
}

bool IsFullSlice(const TensorSlice& slice, const Shape& full) {
  if (slice.extents.empty()) return true;
  for (int d = 0; d < full.rank() && d < static_cast<int>(slice.extents.size()); ++d) {
    const auto& e = slice.extents[d];
    if (e.length >= 0 && !(e.start == 0 && e.length == full.dim(d))) return false;
  }
  return true;
}

namespace {

// Walks the slice region in row-major order, calling copy(full_offset, part_offset, count) for
// each contiguous run of the innermost dimension (offsets in elements).
template <typename Fn>
void ForEachRun(const TensorSlice& slice, const Shape& full, Fn&& copy) {
  const int rank = full.rank();
  if (rank == 0) {
    copy(0, 0, 1);
    return;
  }
  std::vector<int64_t> start(rank), len(rank), stride(rank);
  for (int d = 0; d < rank; ++d) {
    bool whole = slice.extents.empty() || slice.extents[d].length < 0;
    start[d] = whole ? 0 : slice.extents[d].start;
    len[d] = whole ? full.dim(d) : slice.extents[d].length;
    if (len[d] == 0) return;
  }
  stride[rank - 1] = 1;
  for (int d = rank - 2; d >= 0; --d) stride[d] = stride[d + 1] * full.dim(d + 1);
  std::vector<int64_t> idx(rank, 0);
  int64_t part_offset = 0;
  while (true) {
    int64_t full_offset = 0;
    for (int d = 0; d < rank; ++d) full_offset += (start[d] + idx[d]) * stride[d];
    copy(full_offset, part_offset, len[rank - 1]);
    part_offset += len[rank - 1];
    int d = rank - 2;
    for (; d >= 0; --d) {
      if (++idx[d] < len[d]) break;
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

template <bool kIntoFull>
void CopyRegion(const TensorSlice& slice, Tensor& full, Tensor& part) {
  TFM_CHECK(full.dtype() == part.dtype());
  if (full.dtype() == DataType::kString) {
    auto f = full.flat<std::string>();
    auto p = part.flat<std::string>();
    ForEachRun(slice, full.shape(), [&](int64_t fo, int64_t po, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        if (kIntoFull) f[fo + i] = p[po + i];
        else p[po + i] = f[fo + i];
      }
    });
    return;
  }
  const size_t size = DataTypeSize(full.dtype());
  auto* f = static_cast<uint8_t*>(full.raw_data());
  auto* p = static_cast<uint8_t*>(part.raw_data());
  ForEachRun(slice, full.shape(), [&](int64_t fo, int64_t po, int64_t n) {
    if (kIntoFull) std::memcpy(f + fo * size, p + po * size, n * size);
    else std::memcpy(p + po * size, f + fo * size, n * size);
  });
}

}  // namespace

void CopySliceIntoFull(const TensorSlice& slice, const Tensor& part, Tensor& full) {
  Tensor p = part;
  CopyRegion<true>(slice, full, p);
}

void CopySliceOutOfFull(const TensorSlice& slice, const Tensor& full, Tensor& part) {
  Tensor f = full;
  CopyRegion<false>(slice, f, part);
}

}  // namespace tfmodel
