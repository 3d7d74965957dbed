#!/usr/bin/env bash
# TF2 zoo: tfmodel vs TensorFlow 2.21 (loaded signature) vs ONNX Runtime (the same SavedModel
# converted by tf2onnx), batch 1 and 32, 1 and 2 threads, all measured in this run:
#   - latency per signature call (median of samples) and throughput (batch / latency);
#   - load time (load, and the first call) and peak RSS of a process that loads one model and
#     runs both batches.
# The zoo is tests/interop/tf2_models.py's (TF 2.21 + Keras 3 SavedModels), written once into
# build/bench/tf2. Drivers: build/bench/tf2_bench (Model::Load + RunSignature), bench/tf2_peers.py
# tf (oracle venv) and ort (~/.cache/tfmodel/venv-bench: onnxruntime, tf2onnx, tensorflow-cpu
# 2.21; created here when missing, never the oracle venv). One process per (peer, model, threads),
# interleaved tfmodel, tf, ort, tfmodel, tf, ort ... for ROUNDS rounds; medians over the rounds.
# Prints ratios (> 1 = tfmodel faster / smaller); raw lines in build/bench/tf2_results.txt.
#   bench/tf2_bench.sh [SECONDS_PER_MEASUREMENT=1] [ROUNDS=3] [MODELS="mlp cnn ..."] [THREADS="1 2"]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-1}"; rounds="${2:-3}"
models="${3:-mlp cnn mobilenet_v2 resnet50 text_lstm gru transformer tf_module}"
thread_counts="${4:-1 2}"
python="${TFMODEL_PYTHON:-$HOME/.cache/tfmodel/venv-tf2.21.0/bin/python}"
venv="$HOME/.cache/tfmodel/venv-bench"
corpus="$(cd .. && pwd)/shared/corpus/real"
[ -d "$corpus" ] || corpus=/work/shared/corpus/real
cmake --build build --target tf2_bench >/dev/null
work=build/bench/tf2
echo "tf2_bench: zoo into $work (reused when already written)" >&2
tests/interop/run_oracle.sh "$python" tests/interop/tf2_models.py "$corpus" "$work" >/dev/null 2>&1
if [ ! -x "$venv/bin/python" ]; then
  echo "tf2_bench: creating $venv (onnxruntime, tf2onnx, tensorflow-cpu 2.21)" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q onnxruntime tf2onnx tensorflow-cpu==2.21.0 >&2
fi
results="$work/results.txt"
: > "$results"
mkdir -p "$work/onnx"
for m in $models; do
  onnx="$work/onnx/$m.onnx"
  if [ ! -s "$onnx" ] && [ ! -e "$onnx.rejected" ]; then
    echo "tf2_bench: tf2onnx $m" >&2
    if TF_CPP_MIN_LOG_LEVEL=3 "$venv/bin/python" -m tf2onnx.convert --saved-model "$work/zoo/models/$m" \
        --signature_def serving_default --opset 17 --output "$onnx" > "$work/onnx/$m.log" 2>&1; then
      # tf2onnx may write a file that ONNX Runtime does not load (e.g. TF ops left in the graph).
      "$venv/bin/python" -c "import sys, onnxruntime as o; o.InferenceSession(sys.argv[1])" \
        "$onnx" > "$work/onnx/$m.ort.log" 2>&1 || mv "$onnx" "$onnx.rejected"
    else
      rm -f "$onnx"
    fi
  fi
  if [ -e "$onnx.rejected" ]; then
    reason="$(grep -oE '(Error|error|INVALID).*' "$work/onnx/$m.ort.log" | tail -1 | cut -c1-240)"
    echo "onnx_fail/$m converts, but ONNX Runtime rejects it: $reason" >> "$results"
  elif [ ! -s "$onnx" ]; then
    reason="$(grep -E 'Error|ERROR' "$work/onnx/$m.log" | tail -1 | cut -c1-200)"
    echo "onnx_fail/$m tf2onnx: ${reason:-failed, see $work/onnx/$m.log}" >> "$results"
  fi
done

run() {  # run PEER MODEL THREADS: one process, its lines appended to the results
  local peer=$1 m=$2 t=$3
  case $peer in
    tfmodel) build/bench/tf2_bench "$work/zoo/models/$m" --name "$m" --threads "$t" --seconds "$secs" ;;
    tf) "$python" bench/tf2_peers.py tf "$work/zoo/models/$m" "$m" "$t" 1,32 "$secs" 2>/dev/null ;;
    ort) [ -s "$work/onnx/$m.onnx" ] || return 0
         "$venv/bin/python" bench/tf2_peers.py ort "$work/onnx/$m.onnx" "$m" "$t" 1,32 "$secs" 2>/dev/null ;;
  esac >> "$results" || echo "tf2_bench: $peer $m $t threads failed" >&2
}
for t in $thread_counts; do
  for r in $(seq "$rounds"); do
    for m in $models; do
      echo "tf2_bench: threads $t round $r/$rounds $m" >&2
      for peer in tfmodel tf ort; do run $peer "$m" "$t"; done
    done
  done
done
cp "$results" build/bench/tf2_results.txt
python3 bench/tf2_report.py "$results"
