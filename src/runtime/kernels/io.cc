// Checkpoint I/O ops as TensorFlow's savers emit them: SaveV2, RestoreV2, MergeV2Checkpoints,
// ShardedFilename, ShardedFilespec, StringJoin.
#include <cstdio>

#include "src/formats/bundle/slices.h"
#include "src/runtime/kernel.h"
#include "src/runtime/kernels/all_ops.h"
#include "tfmodel/checkpoint.h"

namespace tfmodel {
namespace {

Result<std::string> ScalarString(KernelContext& c, int i, const char* what) {
  const Tensor& t = c.input(i);
  if (t.dtype() != DataType::kString || t.NumElements() != 1) {
    return c.Error(StatusCode::kInvalidArgument, std::string(what) + " must be a string scalar");
  }
  return t.flat<std::string>()[0];
}

// ---- RestoreV2(prefix, tensor_names, shape_and_slices) -> tensors ------------------------
// Each output is the named tensor, or the given slice of it ("10 4 0,4:-").
Result<Kernel> RestoreV2(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(3));
  TFM_ASSIGN_OR_RETURN(std::vector<DataType> dtypes, n.TypeListAttr("dtypes"));
  return Kernel{dtypes, [dtypes](KernelContext& c) -> Status {
    TFM_ASSIGN_OR_RETURN(std::string prefix, ScalarString(c, 0, "prefix"));
    const Tensor& names = c.input(1);
    const Tensor& specs = c.input(2);
    if (names.dtype() != DataType::kString || specs.dtype() != DataType::kString ||
        names.NumElements() != static_cast<int64_t>(dtypes.size()) ||
        specs.NumElements() != names.NumElements()) {
      return c.Error(StatusCode::kInvalidArgument,
                     "tensor_names and shape_and_slices must be string vectors of length " +
                         std::to_string(dtypes.size()));
    }
    auto reader = CheckpointReader::Open(prefix);
    if (!reader.ok()) return reader.status().WithContext("node '" + c.node_name() + "'");
    for (size_t i = 0; i < dtypes.size(); ++i) {
      const std::string& name = names.flat<std::string>()[i];
      auto value = (*reader)->Read(name);
      if (!value.ok()) return value.status().WithContext("node '" + c.node_name() + "'");
      if (value->dtype() != dtypes[i]) {
        return c.Error(StatusCode::kInvalidArgument,
                       "tensor '" + name + "' in checkpoint " + prefix + " has dtype " +
                           std::string(DataTypeName(value->dtype())) + ", expected " +
                           std::string(DataTypeName(dtypes[i])));
      }
      TFM_ASSIGN_OR_RETURN(ShapeAndSlice spec, ParseShapeAndSlice(specs.flat<std::string>()[i]));
      if (spec.whole) {
        c.set_output(static_cast<int>(i), *value);
        continue;
      }
      if (!(spec.full_shape == value->shape())) {
        return c.Error(StatusCode::kInvalidArgument,
                       "tensor '" + name + "' has shape " + value->shape().DebugString() +
                           " in the checkpoint, but the slice spec says " +
                           spec.full_shape.DebugString());
      }
      TFM_ASSIGN_OR_RETURN(Shape part_shape, spec.slice.SliceShape(spec.full_shape));
      TFM_ASSIGN_OR_RETURN(Tensor part, Tensor::Allocate(value->dtype(), part_shape));
      CopySliceOutOfFull(spec.slice, *value, part);
      c.set_output(static_cast<int>(i), part);
    }
    return Status::Ok();
  }};
}

// ---- SaveV2(prefix, tensor_names, shape_and_slices, tensors...) --------------------------
Result<Kernel> SaveV2(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputsAtLeast(3));
  return Kernel{{}, [](KernelContext& c) -> Status {
    TFM_ASSIGN_OR_RETURN(std::string prefix, ScalarString(c, 0, "prefix"));
    const Tensor& names = c.input(1);
    const Tensor& specs = c.input(2);
    const int64_t count = c.num_inputs() - 3;
    if (names.dtype() != DataType::kString || specs.dtype() != DataType::kString ||
        names.NumElements() != count || specs.NumElements() != count) {
      return c.Error(StatusCode::kInvalidArgument,
                     "tensor_names and shape_and_slices must have one entry per tensor");
    }
    std::vector<SaveEntry> entries;
    for (int64_t i = 0; i < count; ++i) {
      SaveEntry e{names.flat<std::string>()[i], c.input(static_cast<int>(3 + i)), std::nullopt};
      TFM_ASSIGN_OR_RETURN(ShapeAndSlice spec, ParseShapeAndSlice(specs.flat<std::string>()[i]));
      if (!spec.whole) e.slice = spec;
      entries.push_back(std::move(e));
    }
    return SaveCheckpoint(prefix, entries).WithContext("node '" + c.node_name() + "'");
  }};
}

// ---- MergeV2Checkpoints(checkpoint_prefixes, destination_prefix) --------------------------
Result<Kernel> MergeV2Checkpoints(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  bool delete_old_dirs = n.BoolAttrOr("delete_old_dirs", true);
  return Kernel{{}, [delete_old_dirs](KernelContext& c) -> Status {
    const Tensor& sources = c.input(0);
    if (sources.dtype() != DataType::kString) {
      return c.Error(StatusCode::kInvalidArgument, "checkpoint_prefixes must be strings");
    }
    TFM_ASSIGN_OR_RETURN(std::string dest, ScalarString(c, 1, "destination_prefix"));
    std::vector<std::string> prefixes(sources.flat<std::string>().begin(),
                                      sources.flat<std::string>().end());
    return MergeCheckpoints(prefixes, dest, delete_old_dirs).WithContext("node '" + c.node_name() + "'");
  }};
}

// ---- ShardedFilename(basename, shard, num_shards) = "%s-%05d-of-%05d" ----------------------
Result<Kernel> ShardedFilename(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(3));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(1, DataType::kInt32));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(2, DataType::kInt32));
  return Kernel{{DataType::kString}, [](KernelContext& c) -> Status {
    TFM_ASSIGN_OR_RETURN(std::string base, ScalarString(c, 0, "basename"));
    if (c.input(1).NumElements() != 1 || c.input(2).NumElements() != 1) {
      return c.Error(StatusCode::kInvalidArgument, "shard and num_shards must be scalars");
    }
    char buf[64];
    std::snprintf(buf, sizeof(buf), "-%05d-of-%05d", c.input(1).flat<int32_t>()[0],
                  c.input(2).flat<int32_t>()[0]);
    c.set_output(0, Tensor::Strings({base + buf}).Reshaped(Shape{}).value());
    return Status::Ok();
  }};
}

// ---- ShardedFilespec(basename, num_shards) = "%s-?????-of-%05d" ----------------------------
Result<Kernel> ShardedFilespec(const NodeInfo& n) {
  TFM_RETURN_IF_ERROR(n.ExpectInputs(2));
  TFM_RETURN_IF_ERROR(n.ExpectInputType(1, DataType::kInt32));
  return Kernel{{DataType::kString}, [](KernelContext& c) -> Status {
    TFM_ASSIGN_OR_RETURN(std::string base, ScalarString(c, 0, "basename"));
    if (c.input(1).NumElements() != 1) {
      return c.Error(StatusCode::kInvalidArgument, "num_shards must be a scalar");
    }
    char buf[64];
    std::snprintf(buf, sizeof(buf), "-%s-of-%05d", "?????", c.input(1).flat<int32_t>()[0]);
    c.set_output(0, Tensor::Strings({base + buf}).Reshaped(Shape{}).value());
    return Status::Ok();
  }};
}

// ---- StringJoin(inputs...; separator): element-wise join, scalars broadcast ----------------
Result<Kernel> StringJoin(const NodeInfo& n) {
  std::string sep = n.StringAttrOr("separator", "");
  for (int i = 0; i < n.num_inputs(); ++i) TFM_RETURN_IF_ERROR(n.ExpectInputType(i, DataType::kString));
  return Kernel{{DataType::kString}, [sep](KernelContext& c) -> Status {
    Shape shape;
    for (int i = 0; i < c.num_inputs(); ++i) {
      if (c.input(i).shape().rank() == 0) continue;
      if (shape.rank() != 0 && !(shape == c.input(i).shape())) {
        return c.Error(StatusCode::kInvalidArgument, "StringJoin inputs have different shapes");
      }
      shape = c.input(i).shape();
    }
    TFM_ASSIGN_OR_RETURN(Tensor out, Tensor::Allocate(DataType::kString, shape));
    auto o = out.flat<std::string>();
    for (int64_t k = 0; k < out.NumElements(); ++k) {
      for (int i = 0; i < c.num_inputs(); ++i) {
        const auto in = c.input(i).flat<std::string>();
        if (i) o[k] += sep;
        o[k] += in[in.size() == 1 ? 0 : k];
      }
    }
    c.set_output(0, out);
    return Status::Ok();
  }};
}

}  // namespace

void RegisterIoOps(OpRegistry& r) {
  r.Add({.name = "RestoreV2", .factory = RestoreV2, .stateful = true});
  r.Add({.name = "SaveV2", .factory = SaveV2, .stateful = true});
  r.Add({.name = "MergeV2Checkpoints", .factory = MergeV2Checkpoints, .stateful = true});
  r.Add({.name = "ShardedFilename", .factory = ShardedFilename});
  r.Add({.name = "ShardedFilespec", .factory = ShardedFilespec});
  r.Add({.name = "StringJoin", .factory = StringJoin});
}

}  // namespace tfmodel
