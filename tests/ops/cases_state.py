"""Op cases for the pure ops of kernels/state.cc and kernels/io.cc (identity-like ops, Const,
NoOp and the checkpoint filename/string helpers). Variables and file I/O are tested elsewhere."""
import numpy as np
import tensorflow as tf

from caselib import case_adder
from caselib import BF16, BOOL, F16, F32, I32, I64, array, rand

CASES = []


add = case_adder(CASES)


STRS = np.array([b"a", b"", b"\xff\x00bytes"], dtype=object)
for op in ("Identity", "StopGradient", "Snapshot", "PreventGradient"):
    for x in (rand([2, 3]), rand([0, 2], I32), rand([4], BOOL), rand([2], F16), rand([3], BF16),
              array(7, I64), STRS):
        if op == "Snapshot" and x.dtype == object:
            continue  # TF has no CPU Snapshot kernel for strings
        add(op, {"input": x})
add("IdentityN", {"input": [rand([2]), rand([3], I32), STRS]})
add("PlaceholderWithDefault", {"input": rand([2, 3])}, {"shape": [None, 3]})
add("PlaceholderWithDefault", {"input": rand([], I32)}, {"shape": []})
add("NoOp", {})
for v in (rand([2, 3]), rand([], I64), rand([0, 4], BOOL), STRS, rand([3], F16)):
    add("Const", {}, {"value": v, "dtype": tf.as_dtype(v.dtype) if v.dtype != object else tf.string})
add("StringJoin", {"inputs": [np.array([b"a", b"b"], dtype=object), np.array(b"-x", dtype=object)]},
    {"separator": "/"})
add("StringJoin", {"inputs": [np.array(b"only", dtype=object)]})
add("ShardedFilename", {"basename": np.array(b"/tmp/ckpt", dtype=object), "shard": array(3, I32),
                        "num_shards": array(10, I32)})
add("ShardedFilespec", {"basename": np.array(b"/tmp/ckpt", dtype=object),
                        "num_shards": array(10, I32)})
