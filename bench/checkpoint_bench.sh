#!/usr/bin/env bash
# Checkpoint save/restore of MB (default 1024) MB of float32: tfmodel vs TensorFlow 2.21 vs raw
# disk (dd with fdatasync) and memcpy, all measured in this run. Prints ratios.
#   bench/checkpoint_bench.sh [MB] [TENSORS] [REPS]
set -euo pipefail
cd "$(dirname "$0")/.."
mb="${1:-1024}"; tensors="${2:-16}"; reps="${3:-3}"
python="${TFMODEL_PYTHON:-$HOME/.cache/tfmodel/venv-tf2.21.0/bin/python}"
cmake --build build --target checkpoint_bench >/dev/null
work="$(mktemp -d "${TMPDIR:-/tmp}/tfm_bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

results="$work/results.txt"
# Raw disk: the same byte count written with dd and made durable with fdatasync.
for _ in $(seq "$reps"); do
  dd if=/dev/zero of="$work/dd.bin" bs=16M count=$((mb / 16)) conv=fdatasync 2>&1 | tail -1 |
    awk '{for (i = 1; i <= NF; i++) if ($i == "s,") print $(i - 1)}'
  rm -f "$work/dd.bin"
done | sort -g | awk -v bytes=$((mb * 1024 * 1024)) '{t[NR] = $1} END {print "dd_fdatasync", t[int((NR + 1) / 2)], bytes}' >> "$results"
build/bench/checkpoint_bench "$work" --mb "$mb" --tensors "$tensors" --reps "$reps" >> "$results"
"$python" bench/tf_checkpoint_bench.py "$work" "$mb" "$tensors" "$reps" >> "$results"

awk '
  { t[$1] = $2; b[$1] = $3 }
  function gbs(k) { return b[k] / t[k] / 1e9 }
  END {
    printf "%-22s %10s %10s\n", "measurement", "seconds", "GB/s"
    for (k in t) printf "%-22s %10.4f %10.2f\n", k, t[k], gbs(k)
    print ""
    printf "save (fsync) vs raw disk dd+fdatasync:      %.2fx\n", gbs("save_fsync") / gbs("dd_fdatasync")
    printf "save (no fsync) vs TF SaveV2 (no fsync):    %.2fx\n", gbs("save_nosync") / gbs("tf_savev2")
    printf "save (fsync) vs TF SaveV2 (no fsync):       %.2fx\n", gbs("save_fsync") / gbs("tf_savev2")
    printf "save (no fsync) vs tf.train.Checkpoint:     %.2fx\n", gbs("save_nosync") / gbs("tf_checkpoint_write")
    printf "restore vs TF RestoreV2:                    %.2fx\n", gbs("restore") / gbs("tf_restorev2")
    printf "restore vs tf.train.Checkpoint.read:        %.2fx\n", gbs("restore") / gbs("tf_checkpoint_read")
    printf "restore vs memcpy:                          %.2fx\n", gbs("restore") / gbs("memcpy")
    printf "open (index + mmap) of %.0f MB:              %.3f ms\n", b["open"] / 1048576, t["open"] * 1000
  }' "$results"
