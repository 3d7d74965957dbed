#!/usr/bin/env bash
# Training step time: tfmodel vs TensorFlow 2.21 (tf.compat.v1 Session and tf.function), the seed
# model and an MLP at batch 32 and 256, all measured in this run. Prints ratios (> 1: tfmodel is
# faster).   bench/train_bench.sh [STEPS=200] [THREADS=1]
set -euo pipefail
cd "$(dirname "$0")/.."
steps="${1:-200}"; threads="${2:-1}"
python="${TFMODEL_PYTHON:-$HOME/.cache/tfmodel/venv-tf2.21.0/bin/python}"
cmake --build build --target train_bench >/dev/null
results="$(mktemp)"
trap 'rm -f "$results"' EXIT
build/bench/train_bench --steps "$steps" --threads "$threads" >> "$results"
TF_ENABLE_ONEDNN_OPTS=0 "$python" bench/tf_train_bench.py "$steps" "$threads" >> "$results"
awk '
  { t[$1] = $2 }
  END {
    printf "%-12s %6s %14s %14s %14s %10s %10s\n", "model", "batch", "tfmodel ms", "TF session ms",
           "TF function ms", "vs session", "vs function"
    split("seed mlp", models, " ")
    split("32 256", batches, " ")
    for (m = 1; m <= 2; m++) for (b = 1; b <= 2; b++) {
      k = models[m] "_b" batches[b]
      printf "%-12s %6s %14.4f %14.4f %14.4f %9.2fx %9.2fx\n", models[m], batches[b],
             t["tfmodel_" k] * 1e3, t["tf_session_" k] * 1e3, t["tf_function_" k] * 1e3,
             t["tf_session_" k] / t["tfmodel_" k], t["tf_function_" k] / t["tfmodel_" k]
    }
  }' "$results"
