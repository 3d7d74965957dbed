// Gradient check cases: shapes and arrays (reshape, transpose, concat, stack, split, tile, slice,
// strided slice, pad, gather/scatter, stitch, select, fill, broadcast, identities).
#include "src/train/grad/gradient_check.h"

namespace tfmodel::gradcheck {
namespace {

using enum DataType;

AttrValue T(DataType t) { return TypeAttr(t); }
AttrValue I(int64_t v) { return IntAttr(v); }
AttrValue S(const char* v) { return StringAttr(v); }

Outs StridedSlice(const Ins& in, int64_t begin_mask, int64_t end_mask, int64_t ellipsis, int64_t new_axis,
                  int64_t shrink) {
  return Outs{Op("StridedSlice", in,
                 {{"Index", T(kInt32)}, {"begin_mask", I(begin_mask)}, {"end_mask", I(end_mask)},
                  {"ellipsis_mask", I(ellipsis)}, {"new_axis_mask", I(new_axis)}, {"shrink_axis_mask", I(shrink)}})};
}

GradCase SliceCase(const std::string& variant, In x, std::vector<int64_t> begin, std::vector<int64_t> end,
                   std::vector<int64_t> strides, int64_t bm, int64_t em, int64_t el, int64_t na, int64_t sh) {
  const std::vector<int64_t> n = {static_cast<int64_t>(begin.size())};
  return {"StridedSlice." + variant, "StridedSlice", {x, C(Ints(begin, n)), C(Ints(end, n)), C(Ints(strides, n))},
          [=](const Ins& in) { return StridedSlice(in, bm, em, el, na, sh); }};
}

}  // namespace

void AddArrayCases(std::vector<GradCase>& cases) {
  // ---- reshapes ----
  cases.push_back({"Reshape.static", "Reshape", {X(Rand({2, 3})), C(Ints({3, 2}, {2}))},
                   [](const Ins& in) { return Outs{Op("Reshape", in, {{"Tshape", T(kInt32)}})}; }});
  cases.push_back({"Reshape.dynamic", "Reshape", {XDyn(Rand({2, 3})), C(Ints({-1}, {1}))},
                   [](const Ins& in) { return Outs{Op("Reshape", in, {{"Tshape", T(kInt32)}})}; }});
  cases.push_back({"Squeeze", "Squeeze", {X(Rand({2, 1, 3}))}, [](const Ins& in) { return Outs{Squeeze(in[0], {1})}; }});
  cases.push_back({"Squeeze.dynamic", "Squeeze", {XDyn(Rand({1, 3, 1}))}, [](const Ins& in) { return Outs{Squeeze(in[0])}; }});
  cases.push_back({"ExpandDims", "ExpandDims", {X(Rand({2, 3})), C(IntScalar(-1))},
                   [](const Ins& in) { return Outs{Op("ExpandDims", in, {{"Tdim", T(kInt32)}})}; }});
  cases.push_back({"Transpose.const_perm", "Transpose", {X(Rand({2, 3, 4}))},
                   [](const Ins& in) { return Outs{Transpose(in[0], {2, 0, 1})}; }});
  cases.push_back({"Transpose.fed_perm", "Transpose", {X(Rand({2, 3, 4})), Fed(Ints({1, 2, 0}, {3}))},
                   [](const Ins& in) { return Outs{Op("Transpose", in, {{"Tperm", T(kInt32)}})}; }});

  // ---- concat, stack, split ----
  cases.push_back({"ConcatV2.axis1", "ConcatV2", {X(Rand({2, 1})), X(Rand({2, 3})), X(Rand({2, 2}))},
                   [](const Ins& in) { return Outs{Concat(in, 1)}; }});
  cases.push_back({"ConcatV2.negative_axis_dynamic", "ConcatV2", {XDyn(Rand({2, 2})), X(Rand({2, 3}))},
                   [](const Ins& in) {
                     // Static rank from the second input, unknown sizes from the first: ConcatOffset.
                     Output first = Reshape(in[0], {2, -1});
                     return Outs{Concat({first, in[1]}, -1)};
                   }});
  cases.push_back({"ConcatV2.unknown_rank_fed_axis", "ConcatV2", {XDyn(Rand({2, 2})), XDyn(Rand({3, 2})), Fed(IntScalar(-2))},
                   [](const Ins& in) {
                     return Outs{Op("ConcatV2", in, {{"N", IntAttr(2)}, {"Tidx", T(kInt32)}})};
                   }});
  cases.push_back({"Pack.axis0", "Pack", {X(Rand({2, 3})), X(Rand({2, 3}))}, [](const Ins& in) { return Outs{Stack(in, 0)}; }});
  cases.push_back({"Pack.axis_last", "Pack", {X(Rand({2})), X(Rand({2})), X(Rand({2}))},
                   [](const Ins& in) { return Outs{Stack(in, -1)}; }});
  cases.push_back({"Unpack.all", "Unpack", {X(Rand({3, 2}))}, [](const Ins& in) { return Unstack(in[0], 3, 0); }});
  cases.push_back({"Unpack.one_output_unused", "Unpack", {X(Rand({2, 3}))}, [](const Ins& in) {
                     auto parts = Unstack(in[0], 3, 1);
                     return Outs{parts[0], parts[2]};
                   }});
  cases.push_back({"Split.axis1", "Split", {C(IntScalar(1)), X(Rand({2, 6}))},
                   [](const Ins& in) { return AllOutputs(OpN("Split", in, {{"num_split", I(3)}, {"T", T(kDouble)}})); }});
  cases.push_back({"Split.one_output_unused", "Split", {C(IntScalar(0)), X(Rand({4, 2}))}, [](const Ins& in) {
                     return Outs{OpN("Split", in, {{"num_split", I(2)}, {"T", T(kDouble)}}).output(1)};
                   }});
  cases.push_back({"SplitV", "SplitV", {X(Rand({2, 6})), C(Ints({1, -1, 2}, {3})), C(IntScalar(-1))}, [](const Ins& in) {
                     auto outs = AllOutputs(OpN("SplitV", in, {{"num_split", I(3)}, {"Tlen", T(kInt32)}}));
                     return Outs{outs[0], outs[1]};  // the last part unused
                   }});

  // ---- tile, slice, strided slice ----
  cases.push_back({"Tile.static", "Tile", {X(Rand({2, 3}))}, [](const Ins& in) { return Outs{Tile(in[0], {2, 1})}; }});
  cases.push_back({"Tile.dynamic", "Tile", {XDyn(Rand({2, 1})), C(Ints({1, 3}, {2}))},
                   [](const Ins& in) { return Outs{Op("Tile", in, {{"Tmultiples", T(kInt32)}})}; }});
  cases.push_back({"Slice.static", "Slice", {X(Rand({3, 4}))}, [](const Ins& in) { return Outs{Slice(in[0], {1, 1}, {2, -1})}; }});
  cases.push_back({"Slice.dynamic", "Slice", {XDyn(Rand({3, 4})), C(Ints({0, 2}, {2})), C(Ints({2, 1}, {2}))},
                   [](const Ins& in) { return Outs{Op("Slice", in, {{"Index", T(kInt32)}})}; }});
  cases.push_back(SliceCase("basic", X(Rand({4, 5})), {1, 0}, {3, 5}, {1, 2}, 0, 0, 0, 0, 0));
  cases.push_back(SliceCase("negative_stride", X(Rand({4, 5})), {3, -1}, {0, 0}, {-1, -2}, 0, 2, 0, 0, 0));
  cases.push_back(SliceCase("shrink_and_masks", X(Rand({3, 4, 2})), {1, 0, 0}, {2, 3, 0}, {1, 1, 1}, 0, 4, 0, 0, 1));
  cases.push_back(SliceCase("ellipsis_new_axis", XDyn(Rand({2, 3, 4})), {0, 0, 1}, {0, 0, 3}, {1, 1, 1}, 0, 0, 1, 2, 0));

  // ---- pad ----
  cases.push_back({"Pad.static", "Pad", {X(Rand({2, 3}))}, [](const Ins& in) { return Outs{Pad(in[0], {{1, 0}, {2, 1}})}; }});
  cases.push_back({"Pad.dynamic", "Pad", {XDyn(Rand({2, 3})), C(Ints({0, 1, 1, 1}, {2, 2}))},
                   [](const Ins& in) { return Outs{Op("Pad", in, {{"Tpaddings", T(kInt32)}})}; }});
  cases.push_back({"PadV2", "PadV2", {X(Rand({2, 2})), C(Ints({1, 1, 0, 2}, {2, 2})), C(Values({0.5}, {}))},
                   [](const Ins& in) { return Outs{Op("PadV2", in, {{"Tpaddings", T(kInt32)}})}; }});
  for (const char* mode : {"REFLECT", "SYMMETRIC"}) {
    cases.push_back({std::string("MirrorPad.") + mode, "MirrorPad", {X(Rand({3, 4})), C(Ints({1, 2, 2, 1}, {2, 2}))},
                     [mode](const Ins& in) { return Outs{Op("MirrorPad", in, {{"Tpaddings", T(kInt32)}, {"mode", S(mode)}})}; }});
  }
  cases.push_back({"ReverseV2", "ReverseV2", {X(Rand({2, 3, 2})), C(Ints({0, 2}, {2}))},
                   [](const Ins& in) { return Outs{Op("ReverseV2", in, {{"Tidx", T(kInt32)}})}; }});

  // ---- gather, scatter, stitch ----
  auto gather = [](const Ins& in) {
    return Outs{Op("GatherV2", in, {{"Tparams", T(kDouble)}, {"Tindices", T(in[1].dtype())}, {"Taxis", T(kInt32)},
                                    {"batch_dims", I(0)}})};
  };
  cases.push_back({"GatherV2.axis0_duplicates", "GatherV2", {X(Rand({4, 2})), C(Ints({3, 0, 3, 1, 3}, {5})), C(IntScalar(0))}, gather});
  cases.push_back({"GatherV2.axis1_rank2_indices", "GatherV2",
                   {X(Rand({2, 3, 2})), C(Ints({2, 0, 2, 1}, {2, 2}, kInt64)), C(IntScalar(1))}, gather});
  cases.push_back({"GatherV2.negative_axis", "GatherV2", {X(Rand({2, 4})), C(Ints({1, 3}, {2})), C(IntScalar(-1))}, gather});
  cases.push_back({"GatherV2.dynamic_params", "GatherV2", {XDyn(Rand({3, 2})), C(Ints({2, 2}, {2})), C(IntScalar(0))}, gather});
  cases.push_back({"Gather", "Gather", {X(Rand({3, 2})), C(Ints({0, 2, 0}, {3}))}, [](const Ins& in) {
                     return Outs{Op("Gather", in, {{"Tparams", T(kDouble)}, {"Tindices", T(kInt32)}, {"validate_indices", BoolAttr(true)}})};
                   }});
  cases.push_back({"GatherNd.elements", "GatherNd", {X(Rand({3, 3})), C(Ints({0, 1, 2, 2, 0, 1}, {3, 2}))},
                   [](const Ins& in) { return Outs{Op("GatherNd", in, {{"Tparams", T(kDouble)}, {"Tindices", T(kInt32)}})}; }});
  cases.push_back({"GatherNd.rows_duplicates", "GatherNd", {X(Rand({3, 2})), C(Ints({2, 0, 2}, {3, 1}))},
                   [](const Ins& in) { return Outs{Op("GatherNd", in, {{"Tparams", T(kDouble)}, {"Tindices", T(kInt32)}})}; }});
  cases.push_back({"ScatterNd", "ScatterNd", {C(Ints({1, 3, 1}, {3, 1})), X(Rand({3, 2})), C(Ints({4, 2}, {2}))},
                   [](const Ins& in) { return Outs{Op("ScatterNd", in, {{"T", T(kDouble)}, {"Tindices", T(kInt32)}})}; }});
  for (const char* op : {"DynamicStitch", "ParallelDynamicStitch"}) {
    cases.push_back({op, op, {C(Ints({0, 4}, {2})), C(Ints({1, 2, 3}, {3})), X(Rand({2, 2})), X(Rand({3, 2}))},
                     [op](const Ins& in) { return Outs{Op(op, in, {{"N", I(2)}, {"T", T(kDouble)}})}; }});
  }

  // ---- select, fill, broadcast ----
  cases.push_back({"Select.same_shape", "Select", {C(Values({1, 0, 0, 1, 1, 0}, {2, 3}, kBool)), X(Rand({2, 3})), X(Rand({2, 3}))},
                   [](const Ins& in) { return Outs{Op("Select", in, {{"T", T(kDouble)}})}; }});
  cases.push_back({"Select.vector_condition", "Select", {C(Values({0, 1, 1}, {3}, kBool)), X(Rand({3, 2})), X(Rand({3, 2}))},
                   [](const Ins& in) { return Outs{Op("Select", in, {{"T", T(kDouble)}})}; }});
  cases.push_back({"SelectV2.broadcast", "SelectV2", {C(Values({1, 0, 1}, {3}, kBool)), X(Rand({2, 3})), X(Rand({1}))},
                   [](const Ins& in) { return Outs{Select(in[0], in[1], in[2])}; }});
  cases.push_back({"SelectV2.dynamic", "SelectV2", {C(Values({1, 0}, {2, 1}, kBool)), XDyn(Rand({3})), XDyn(Rand({2, 3}))},
                   [](const Ins& in) { return Outs{Select(in[0], in[1], in[2])}; }});
  cases.push_back({"Fill", "Fill", {C(Ints({2, 3}, {2})), X(Rand({}))}, [](const Ins& in) { return Outs{Fill(in[0], in[1])}; }});
  cases.push_back({"BroadcastTo.static", "BroadcastTo", {X(Rand({2, 1})), C(Ints({3, 2, 4}, {3}))},
                   [](const Ins& in) { return Outs{Op("BroadcastTo", in, {{"Tidx", T(kInt32)}})}; }});
  cases.push_back({"BroadcastTo.dynamic", "BroadcastTo", {XDyn(Rand({3})), C(Ints({2, 3}, {2}))},
                   [](const Ins& in) { return Outs{Op("BroadcastTo", in, {{"Tidx", T(kInt32)}})}; }});

  // ---- identities with a purpose ----
  cases.push_back({"IdentityN", "IdentityN", {X(Rand({2})), X(Rand({3}))}, [](const Ins& in) {
                     return AllOutputs(OpN("IdentityN", in, {{"T", TypeListAttr({kDouble, kDouble})}}));
                   }});
  cases.push_back({"IdentityN.one_output_unused", "IdentityN", {X(Rand({2})), X(Rand({3}))}, [](const Ins& in) {
                     return Outs{OpN("IdentityN", in, {{"T", TypeListAttr({kDouble, kDouble})}}).output(1)};
                   }});
  for (const char* op : {"CheckNumerics", "CheckNumericsV2"}) {
    cases.push_back({op, op, {X(Rand({2, 3}))}, [op](const Ins& in) { return Outs{Op(op, in, {{"message", S("x")}})}; }});
  }
  cases.push_back({"PreventGradient", "PreventGradient", {X(Rand({2}))},
                   [](const Ins& in) { return Outs{Op("PreventGradient", in, {{"message", S("no second derivative")}})}; },
                   0, 0, /*expect_error=*/"Gradient explicitly disabled. Reason: no second derivative"});
}

}  // namespace tfmodel::gradcheck
