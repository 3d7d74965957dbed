"""The peers of bench/tf2_bench.sh: TensorFlow 2.21 and ONNX Runtime on one model of the TF2 zoo.

  tf2_peers.py tf  SAVED_MODEL_DIR NAME THREADS BATCHES SECONDS   (oracle venv: tensorflow-cpu)
  tf2_peers.py ort MODEL.onnx      NAME THREADS BATCHES SECONDS   (venv-bench: onnxruntime)

tf: tf.saved_model.load(dir).signatures["serving_default"] called with tf.constant inputs
(TensorFlow's defaults otherwise, oneDNN included), intra- and inter-op threads = THREADS.
ort: onnxruntime.InferenceSession on the tf2onnx conversion, CPU provider, intra_op_num_threads =
THREADS, inter_op 1 (sequential execution, the default), all graph optimisations (the default).
The ort process never imports TensorFlow, so its RSS is ONNX Runtime's own.

Prints the "key value" lines of tf2_bench.cc with peer tf or ort (load_ms, first_ms, us, check,
rss_kb), plus base_rss_kb: the process's peak RSS after the import, before the model is loaded.
Inputs as tf2_bench.cc: in key order, unknown dimensions = the batch; float ((i*7)%13)/13-0.5,
int32 (i*7)%13, int32 scalars 2.
"""
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tf_inference_bench import time_per_call  # noqa: E402  (median per call, as the C++ side)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def peak_rss_kb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def make_input(np, dims, dtype, batch):
    dims = [batch if d is None or not isinstance(d, int) or d < 0 else d for d in dims]
    n = int(np.prod(dims)) if dims else 1
    i = np.arange(n)
    if dtype == "float32":
        return ((i * 7 % 13) / 13.0 - 0.5).astype(np.float32).reshape(dims)
    if dtype == "int32":
        return (np.full(n, 2) if not dims else i * 7 % 13).astype(np.int32).reshape(dims)
    raise SystemExit(f"tf2_peers: input dtype {dtype} is not generated")


def checksum(np, outputs):
    """sum of v * (i % 5 + 1) over each output's flat index i, added over the outputs."""
    total = 0.0
    for o in outputs:
        v = np.asarray(o, np.float64).ravel()
        total += float(np.sum(v * (np.arange(v.size) % 5 + 1)))
    return total


def tf_peer(path, threads):
    import numpy as np
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    base = peak_rss_kb()
    t0 = time.perf_counter()
    fn = tf.saved_model.load(path).signatures["serving_default"]
    load = time.perf_counter() - t0
    spec = fn.structured_input_signature[1]
    keys = sorted(spec)

    def prepare(batch):
        args = {k: tf.constant(make_input(np, spec[k].shape.as_list(), spec[k].dtype.name, batch))
                for k in keys}

        def call():
            return fn(**args)
        return call, lambda out: checksum(np, [v.numpy() for v in out.values()])
    return base, load, prepare


def ort_peer(path, threads):
    import numpy as np
    import onnxruntime as ort

    base = peak_rss_kb()
    t0 = time.perf_counter()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    load = time.perf_counter() - t0
    ins = sorted(sess.get_inputs(), key=lambda i: i.name)
    types = {"tensor(float)": "float32", "tensor(int32)": "int32"}

    def prepare(batch):
        feed = {i.name: make_input(np, i.shape, types.get(i.type, i.type), batch) for i in ins}

        def call():
            return sess.run(None, feed)
        return call, lambda out: checksum(np, out)
    return base, load, prepare


def main():
    if len(sys.argv) != 7 or sys.argv[1] not in ("tf", "ort"):
        print(__doc__, file=sys.stderr)
        return 2
    peer, path, name, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    batches, seconds = [int(b) for b in sys.argv[5].split(",")], float(sys.argv[6])
    base, load, prepare = (tf_peer if peer == "tf" else ort_peer)(path, threads)
    t = f"t{threads}"
    print(f"base_rss_kb/{peer}/{name}/{t} {base}")
    print(f"load_ms/{peer}/{name}/{t} {load * 1e3:.3f}")
    for n, batch in enumerate(batches):
        call, check = prepare(batch)
        t0 = time.perf_counter()
        out = call()
        if n == 0:
            print(f"first_ms/{peer}/{name}/{t} {(time.perf_counter() - t0) * 1e3:.3f}")
        key = f"{name}/b{batch}/{t}"
        print(f"us/{peer}/{key} {time_per_call(call, seconds) * 1e6:.3f}")
        print(f"check/{peer}/{key} {check(out):.6g}")
    print(f"rss_kb/{peer}/{name}/{t} {peak_rss_kb()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
