#!/usr/bin/env bash
# Inference: tfmodel vs TensorFlow 2.21 on three TF1 SavedModels (the seed linear regression, an
# MLP 784-256-128-10, a small CNN) at batch 1 and 32, all measured in this run:
#   - per-call latency and throughput: Model::Run / RunSignature vs tf.compat.v1 session.run on
#     the loaded SavedModel and the TF2 signature (tf.saved_model.load(...).signatures[...]);
#   - cold start, process start to printed output (hyperfine): `tfmodel run DIR --input_exprs`
#     vs a Python process that imports TensorFlow, loads and predicts; and their peak RSS;
#   - our GEMM vs OpenBLAS sgemm on the same shapes, 1 and 2 threads.
# Prints ratios (> 1 = tfmodel faster / smaller).
#   bench/inference_bench.sh [SECONDS_PER_MEASUREMENT=2] [COLD_RUNS=5]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-2}"; cold_runs="${2:-5}"
python="${TFMODEL_PYTHON:-$HOME/.cache/tfmodel/venv-tf2.21.0/bin/python}"
cmake --build build --target inference_bench tfmodel >/dev/null
models=build/bench/models
if [ ! -d "$models/cnn/1" ]; then
  "$python" bench/make_inference_models.py "$models" >/dev/null 2>&1
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/tfm_infer.XXXXXX")"
trap 'rm -rf "$work"' EXIT
results="$work/results.txt"

echo "inference_bench: GEMM vs OpenBLAS" >&2
for t in 1 2; do build/bench/inference_bench matmul --threads "$t" --seconds "$secs" >> "$results"; done

for model in linear mlp cnn; do
  for batch in 1 32; do
    echo "inference_bench: $model batch $batch" >&2
    build/bench/inference_bench model "$models/$model/1" --name "$model" --batch "$batch" \
      --seconds "$secs" >> "$results"
    "$python" bench/tf_inference_bench.py "$model" "$models/$model/1" "$batch" "$secs" \
      2>/dev/null >> "$results"
  done
done

# Cold start: one batch-1 input as a Python literal, the same for both processes.
for model in linear mlp cnn; do
  echo "inference_bench: cold start $model" >&2
  expr="$(TF_CPP_MIN_LOG_LEVEL=3 "$python" - "$models/$model/1" 2>/dev/null <<'EOF'
import sys, numpy as np, tensorflow as tf
meta = tf.compat.v1.saved_model.loader.load(tf.compat.v1.Session(graph=tf.Graph()), ["serve"], sys.argv[1])
dims = [d.size for d in next(iter(meta.signature_def["serving_default"].inputs.values())).tensor_shape.dim]
dims[0] = 1
x = ((np.arange(int(np.prod(dims))) * 7 % 13) / 13.0 - 0.5).astype(np.float32).reshape(dims)
print(np.array2string(x, separator=",", threshold=1 << 30, max_line_width=1 << 30,
                      floatmode="unique").replace("\n", ""))
EOF
)"
  ours="build/src/cli/tfmodel run $models/$model/1 --input_exprs 'input=$expr'"
  theirs="$python bench/tf_inference_bench.py --cold $models/$model/1 'input=$expr'"
  hyperfine -N --warmup 1 --runs "$cold_runs" --export-json "$work/cold.json" "$ours" "$theirs" \
    >/dev/null 2>&1 || hyperfine --warmup 1 --runs "$cold_runs" --export-json "$work/cold.json" \
    "$ours" "$theirs" >/dev/null 2>&1
  python3 - "$work/cold.json" "$model" >> "$results" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(f"cold_ms/tfmodel/{sys.argv[2]} {r[0]['median'] * 1e3:.3f}")
print(f"cold_ms/tf/{sys.argv[2]} {r[1]['median'] * 1e3:.3f}")
EOF
  for who in tfmodel tf; do
    cmd="$ours"; [ "$who" = tf ] && cmd="$theirs"
    /usr/bin/time -f "%M" -o "$work/rss" sh -c "exec $cmd" >/dev/null 2>&1
    echo "cold_rss_kb/$who/$model $(tail -1 "$work/rss")" >> "$results"
  done
done

cp "$results" build/bench/inference_results.txt
awk '
  { v[$1] = $2 }
  function r(a, b) { return (b in v && a in v && v[a] > 0) ? sprintf("%.2fx", v[b] / v[a]) : "n/a" }
  END {
    print "== per call, median (us), and inputs/s: tfmodel Model::Run | RunSignature | TF1 session.run | TF2 signature"
    split("linear mlp cnn", ms, " ")
    for (i = 1; i <= 3; ++i) for (b = 1; b <= 32; b += 31) {
      k = ms[i] "/b" b
      printf "%-10s %9.1f %9.1f %10.1f %10.1f   TF1/tfmodel %7s  TF2/tfmodel %7s   %9.0f vs %7.0f inputs/s\n", k,
        v["run_us/tfmodel/" k], v["sig_us/tfmodel/" k], v["run_us/tf1/" k], v["run_us/tf2/" k],
        r("run_us/tfmodel/" k, "run_us/tf1/" k), r("run_us/tfmodel/" k, "run_us/tf2/" k),
        v["qps/tfmodel/" k], v["qps/tf1/" k]
      if ("check/tf1/" k in v) {
        d = v["check/tfmodel/" k] - v["check/tf1/" k]; if (d < 0) d = -d
        a = v["check/tf1/" k]; if (a < 0) a = -a
        if (d > 1e-3 * (a + 1)) printf "  WARNING: outputs differ: sum %g vs %g\n", v["check/tfmodel/" k], v["check/tf1/" k]
      }
    }
    print ""
    print "== cold start, median (ms) and peak RSS (MB): tfmodel run vs python (import tf, load, predict)"
    for (i = 1; i <= 3; ++i) {
      m = ms[i]
      printf "%-8s %8.1f ms vs %8.1f ms  %7s faster   RSS %6.1f MB vs %7.1f MB  %7s smaller\n", m,
        v["cold_ms/tfmodel/" m], v["cold_ms/tf/" m], r("cold_ms/tfmodel/" m, "cold_ms/tf/" m),
        v["cold_rss_kb/tfmodel/" m] / 1024, v["cold_rss_kb/tf/" m] / 1024,
        r("cold_rss_kb/tfmodel/" m, "cold_rss_kb/tf/" m)
    }
    print ""
    print "== GEMM GFLOP/s: ours vs OpenBLAS sgemm (ratio = ours / OpenBLAS), kernel " v["gemm_kernel"]
  }' "$results"
awk '
  { v[$1] = $2 }
  END {
    for (key in v) if (key ~ /^gemm_gflops\/tfmodel\//) {
      s = substr(key, length("gemm_gflops/tfmodel/") + 1)
      printf "%-22s %8.1f vs %8.1f  %.2f\n", s, v[key], v["gemm_gflops/openblas/" s],
        v[key] / v["gemm_gflops/openblas/" s]
    }
  }' "$results" | sort -t x -k1,1n -k2,2n
