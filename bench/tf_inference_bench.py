"""TensorFlow 2.21 running the inference benchmark's SavedModels, for bench/inference_bench.sh.

  tf_inference_bench.py NAME DIR BATCH SECONDS     per-call latency, as "key value" lines
  tf_inference_bench.py --cold DIR INPUT_EXPR      one cold prediction (the hyperfine peer)

Per-call: tf.compat.v1.Session + saved_model.loader.load and session.run(output, feed_dict)
("tf1"), and the TF2 way, tf.saved_model.load(dir).signatures["serving_default"] ("tf2").
Inputs are the values inference_bench.cc uses: ((i * 7) % 13) / 13 - 0.5 over the flat index.
"""
import ast
import os
import resource
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def time_per_call(fn, seconds):
    """Median seconds per call over samples of several calls, as TimePerCall in the C++ driver."""
    fn()
    t0 = time.perf_counter()
    fn()
    once = max(time.perf_counter() - t0, 1e-7)
    per_sample = max(1, int(seconds / 15 / once))
    samples = []
    start = time.perf_counter()
    while len(samples) < 3 or (time.perf_counter() - start < seconds and len(samples) < 1000):
        s0 = time.perf_counter()
        for _ in range(per_sample):
            fn()
        samples.append((time.perf_counter() - s0) / per_sample)
    return statistics.median(samples)


def bench(name, path, batch, seconds):
    import numpy as np
    import tensorflow as tf

    tf1 = tf.compat.v1
    graph = tf.Graph()
    sess = tf1.Session(graph=graph)
    meta = tf1.saved_model.loader.load(sess, ["serve"], path)
    sig = meta.signature_def["serving_default"]
    in_key = next(iter(sig.inputs))
    in_info = sig.inputs[in_key]
    out_name = next(iter(sig.outputs.values())).name
    dims = [d.size for d in in_info.tensor_shape.dim]
    dims[0] = batch
    x = ((np.arange(int(np.prod(dims))) * 7 % 13) / 13.0 - 0.5).astype(np.float32).reshape(dims)
    feed = {in_info.name: x}
    key = f"{name}/b{batch}"

    t1 = time_per_call(lambda: sess.run(out_name, feed_dict=feed), seconds / 2)
    check = float(np.sum(sess.run(out_name, feed_dict=feed)))
    print(f"run_us/tf1/{key} {t1 * 1e6:.3f}")
    print(f"qps/tf1/{key} {batch / t1:.1f}")
    print(f"check/tf1/{key} {check:.6g}")

    fn = tf.saved_model.load(path).signatures["serving_default"]
    xt = tf.constant(x)
    t2 = time_per_call(lambda: fn(**{in_key: xt}), seconds / 2)
    print(f"run_us/tf2/{key} {t2 * 1e6:.3f}")
    print(f"qps/tf2/{key} {batch / t2:.1f}")
    sys.stdout.flush()


def cold(path, expr):
    """Import TensorFlow, load the SavedModel, predict once, print: what `tfmodel run` does."""
    import numpy as np
    import tensorflow as tf

    tf1 = tf.compat.v1
    with tf1.Session(graph=tf.Graph()) as sess:
        meta = tf1.saved_model.loader.load(sess, ["serve"], path)
        sig = meta.signature_def["serving_default"]
        key, value = expr.split("=", 1)
        x = np.array(ast.literal_eval(value), dtype=np.float32)
        out = sess.run(next(iter(sig.outputs.values())).name,
                       feed_dict={sig.inputs[key].name: x})
        print(out)


def main():
    if sys.argv[1] == "--cold":
        cold(sys.argv[2], sys.argv[3])
        return
    name, path, batch, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    bench(name, path, batch, seconds)
    print(f"peak_rss_kb/tf/{name}/b{batch} "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}")


if __name__ == "__main__":
    main()
