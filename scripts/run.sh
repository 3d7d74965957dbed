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

echo "### tfmodel demo: the seed workflow in C++ (build, train, save three ways, load each, fine-tune)"
$tfm demo --workdir "$work"

echo
echo "### what the demo wrote, seen by the CLI: the checkpoint, the frozen graph, the SavedModel"
$tfm inspect-checkpoint "$work/model_ckpt" --all
$tfm show "$work/model_pb/test-model.pb"
$tfm show "$work/saved_model/test-model-dir" --all
$tfm run "$work/saved_model/test-model-dir" --input_exprs 'input=[[1,1,1,1,1,1,1,1,1,1]]'

corpus=../shared/corpus/real
if [ -d "$corpus" ]; then
  echo
  echo "### a real TensorFlow 1.15 checkpoint (cppflow mnist MLP), listed and verified"
  $tfm inspect-checkpoint "$corpus/cppflow/cppflow1/examples/mnist/checkpoint"
  $tfm verify-checkpoint "$corpus/cppflow/cppflow1/examples/mnist/checkpoint"
  echo
  echo "### a TensorFlow Serving SavedModel's variables, as JSON"
  $tfm inspect-checkpoint "$corpus/tensorflow-serving/servables/tensorflow/testdata/saved_model_half_plus_two_cpu/00000123" --all --json
  echo
  echo "### TensorFlow Serving's half_plus_two SavedModel: signatures, then predict y = 0.5x + 2"
  serving="$corpus/tensorflow-serving/servables/tensorflow/testdata"
  $tfm show "$serving/saved_model_half_plus_two_2_versions" --all
  $tfm run "$serving/saved_model_half_plus_two_2_versions" --input_exprs 'x=[2.0, 3.0, 4.0]'
  echo
  echo "### the same regression model as a frozen .pb, a .meta + checkpoint, and a SavedModel"
  onnx="$corpus/tensorflow-onnx/tests/models/regression"
  $tfm show "$onnx/graphdef/frozen.pb"
  for model in "$onnx/graphdef/frozen.pb" "$onnx/checkpoint/model.meta"; do
    $tfm run "$model" --input_exprs 'X:0=[[2.0], [-1.0]]' --fetch pred:0 --json
  done
  $tfm run "$onnx/saved_model" --input_exprs 'X=[[2.0], [-1.0]]' --json
fi
