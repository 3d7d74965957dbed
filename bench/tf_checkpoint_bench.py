"""TensorFlow 2.21's own checkpoint save and restore, for bench/checkpoint_bench.sh.

Saves the same tensors as checkpoint_bench.cc (float32, MB total split over N tensors) with
tf.raw_ops.SaveV2 / RestoreV2 (the kernels every TensorFlow saver ends in) and with
tf.train.Checkpoint write/read of variables; prints "name seconds bytes" lines.
"""
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def main():
    out_dir, mb, n, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    per = mb * 1024 * 1024 // 4 // n
    values = [((np.arange(per, dtype=np.int64) * 7 + t) % 1000).astype(np.float32) * 0.001
              for t in range(n)]
    names = [f"layer_{t}/kernel" for t in range(n)]
    nbytes = per * 4 * n
    tensors = [tf.constant(v) for v in values]
    prefix = os.path.join(out_dir, "tf_bench.ckpt")

    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        tf.raw_ops.SaveV2(prefix=prefix, tensor_names=names, shape_and_slices=[""] * n,
                          tensors=tensors)
        times.append(time.perf_counter() - t0)
    print(f"tf_savev2 {statistics.median(times):.6f} {nbytes}")
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        out = tf.raw_ops.RestoreV2(prefix=prefix, tensor_names=names,
                                   shape_and_slices=[""] * n, dtypes=[tf.float32] * n)
        _ = [o.numpy()[1] for o in out]
        times.append(time.perf_counter() - t0)
    print(f"tf_restorev2 {statistics.median(times):.6f} {nbytes}")

    variables = [tf.Variable(t) for t in tensors]
    ckpt = tf.train.Checkpoint(vars=variables)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        path = ckpt.write(os.path.join(out_dir, "tf_obj_bench"))
        times.append(time.perf_counter() - t0)
    print(f"tf_checkpoint_write {statistics.median(times):.6f} {nbytes}")
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        ckpt.read(path).assert_consumed()
        times.append(time.perf_counter() - t0)
    print(f"tf_checkpoint_read {statistics.median(times):.6f} {nbytes}")


if __name__ == "__main__":
    main()
