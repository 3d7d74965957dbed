// TensorProto <-> Tensor for the readers and writers inside src/formats (spec/tf-formats.md 3.9).
// Internal: protobuf types appear here, so only src/formats/*.cc may include this header.
#ifndef TFMODEL_SRC_FORMATS_TENSOR_PROTO_H_
#define TFMODEL_SRC_FORMATS_TENSOR_PROTO_H_

#include <cstdint>

#include "tensor.pb.h"
#include "tfmodel/status.h"
#include "tfmodel/tensor.h"

namespace tfmodel {

// A tensor given by a typed field with fewer values than elements (a broadcast single value, or
// no value at all) is expanded in memory; above this many bytes the proto is refused, so a tiny
// proto cannot make us allocate without bound. Values that are really stored in the proto
// (tensor_content, or a typed field with every value) are limited only by the file's size.
inline constexpr uint64_t kMaxExpandedTensorBytes = uint64_t{4} << 30;

// TensorFlow's Tensor::FromProto rules: tensor_content wins (exact size; bool bytes 0/1; strings
// as varint32 lengths then bytes); else the dtype's typed field, the last value repeated to fill
// the shape, zeros when it is empty. Errors carry no file or node name: callers add context.
Result<Tensor> TensorFromProto(const tensorflow::TensorProto& proto);

// Python make_tensor_proto's choice: tensor_content for tensors of more than one element of the
// dtypes in its _TENSOR_CONTENT_TYPES, typed fields otherwise (scalars, empty tensors, strings,
// bool, complex, uint16, int4/uint4/int2/uint2).
// With `splat_as_one_value`, a tensor of more than one element whose elements are all bitwise
// equal is written as make_tensor_proto(value, shape=...) writes it: the typed field with that
// one value (TF graphs store e.g. zeros initializers so; expanding them would bloat the file).
void TensorToProto(const Tensor& tensor, tensorflow::TensorProto* proto,
                   bool splat_as_one_value = false);

}  // namespace tfmodel

#endif  // TFMODEL_SRC_FORMATS_TENSOR_PROTO_H_
