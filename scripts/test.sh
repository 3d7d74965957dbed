#!/usr/bin/env bash
# Every test on a fresh machine: set up (with the TensorFlow oracle), build, run ctest (unit,
# corpus, CLI and the TensorFlow interop suite), then the unit tests again under ASan+UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="$(nproc)"
# ccache hits across checkouts in different directories (CI clones anew).
export CCACHE_BASEDIR="$PWD"
# -g puts the build directory into the hash unless told not to; CI builds in a fresh clone.
export CCACHE_NOHASHDIR=1

bash scripts/setup.sh --test
python="${TFMODEL_PYTHON:-${TFMODEL_VENV:-$HOME/.cache/tfmodel/venv-tf2.21.0}/bin/python}"
if ! "$python" -c "import tensorflow" >/dev/null 2>&1; then
  echo "test.sh: the TensorFlow oracle ($python) does not import; run scripts/setup.sh --test" >&2
  exit 1
fi

echo "### build (RelWithDebInfo)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTFMODEL_PYTHON="$python" >/dev/null
cmake --build build -j"$jobs"

echo "### build (ASan+UBSan)"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTFMODEL_SANITIZE=ON \
  -DTFMODEL_PYTHON="$python" >/dev/null
cmake --build build-asan -j"$jobs"

echo "### tests under ASan+UBSan (everything but the TensorFlow interop suite)"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -LE interop -j"$jobs")

echo "### all tests, with the TensorFlow interop suite"
(cd build && ctest --output-on-failure)
