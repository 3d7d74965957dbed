// The helpers of grad_util.h.
#include "src/train/grad/grad_util.h"

namespace tfmodel::grad {

OpBuilder& CopyAttrs(OpBuilder& b, G c, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (const AttrValue* a = c.attr(name)) b.Attr(name, *a);
  }
  return b;
}

std::optional<std::vector<int64_t>> ConstInts(G c, int input) {
  if (input >= c.num_inputs()) return std::nullopt;
  return c.graph()->ConstInts(c.input(input));
}

Output ConcatT(const std::vector<Output>& values, const Output& axis, std::string_view name) {
  if (values.empty()) return Output();
  return OpBuilder("ConcatV2", name, axis.graph())
      .Inputs(values)
      .Input(axis)
      .Attr("N", static_cast<int64_t>(values.size()))
      .Attr("T", values[0].dtype())
      .Attr("Tidx", axis.dtype())
      .Out();
}

Output TransposeT(const Output& x, const Output& perm, std::string_view name) {
  return OpBuilder("Transpose", name, x)
      .Input(x)
      .Input(perm)
      .Attr("T", x.dtype())
      .Attr("Tperm", perm.dtype())
      .Out();
}

Output GatherT(const Output& params, const Output& indices, int64_t axis, std::string_view name) {
  return Gather(params, indices, axis, name);
}

Output SliceT(const Output& x, const Output& begin, const Output& size, std::string_view name) {
  return OpBuilder("Slice", name, x)
      .Input(x)
      .Input(begin)
      .Input(size)
      .Attr("T", x.dtype())
      .Attr("Index", begin.dtype())
      .Out();
}

Output SelectV1(const Output& cond, const Output& t, const Output& e, std::string_view name) {
  return OpBuilder("Select", name, t).Input(cond).Input(t).Input(e).Attr("T", t.dtype()).Out();
}

Output UnsortedSegmentSum(const Output& data, const Output& ids, const Output& num_segments,
                          std::string_view name) {
  return OpBuilder("UnsortedSegmentSum", name, data)
      .Input(data)
      .Input(ids)
      .Input(num_segments)
      .Attr("T", data.dtype())
      .Attr("Tindices", ids.dtype())
      .Attr("Tnumsegments", num_segments.dtype())
      .Out();
}

Output BroadcastToT(const Output& x, const Output& shape, std::string_view name) {
  return OpBuilder("BroadcastTo", name, x)
      .Input(x)
      .Input(shape)
      .Attr("T", x.dtype())
      .Attr("Tidx", shape.dtype())
      .Out();
}

Output Cumulative(std::string_view op, const Output& x, const Output& axis, bool exclusive,
                  bool reverse, std::string_view name) {
  return OpBuilder(op, name, x)
      .Input(x)
      .Input(axis)
      .Attr("exclusive", exclusive)
      .Attr("reverse", reverse)
      .Attr("T", x.dtype())
      .Attr("Tidx", axis.dtype())
      .Out();
}

}  // namespace tfmodel::grad
