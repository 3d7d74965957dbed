#!/usr/bin/env bash
# The main job on a fresh machine: set up, build, and run the seed workflow demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target tfmodel
tfm=build/src/cli/tfmodel
work=build/demo
rm -rf "$work"

echo "### tfmodel demo: build the seed model's variables, save, restore"
$tfm demo --workdir "$work"

echo
echo "### tfmodel inspect-checkpoint on the demo's checkpoint directory"
$tfm inspect-checkpoint "$work/model_ckpt" --all

corpus=../shared/corpus/real
if [ -d "$corpus" ]; then
  echo
  echo "### a real TensorFlow 1.15 checkpoint (cppflow mnist MLP), listed and verified"
  $tfm inspect-checkpoint "$corpus/cppflow/cppflow1/examples/mnist/checkpoint"
  $tfm verify-checkpoint "$corpus/cppflow/cppflow1/examples/mnist/checkpoint"
  echo
  echo "### a TensorFlow Serving SavedModel's variables, as JSON"
  $tfm inspect-checkpoint "$corpus/tensorflow-serving/servables/tensorflow/testdata/saved_model_half_plus_two_cpu/00000123" --all --json
fi
