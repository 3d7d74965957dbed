#!/usr/bin/env bash
# Installs what tfmodel needs from Debian packages; with --test also the TensorFlow oracle venv.
# Idempotent and quiet when everything is already there.
set -euo pipefail

want_test=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    *) echo "setup.sh: unknown argument '$arg' (use --test)" >&2; exit 2 ;;
  esac
done

packages=(build-essential cmake ninja-build ccache pkg-config
          protobuf-compiler libprotobuf-dev libleveldb-dev libsnappy-dev
          libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev
          python3 python3-venv hyperfine
          # bench/inference_bench.sh: OpenBLAS is its sgemm peer (the library does not link
          # it), valgrind gives callgrind instruction counts, GNU time peak RSS.
          libopenblas-dev valgrind time)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ "$want_test" -eq 1 ] || exit 0

# The TensorFlow test oracle: a venv outside the repo, reused when it already imports.
TF_VERSION="${TFMODEL_TF_VERSION:-2.21.0}"
venv="${TFMODEL_VENV:-$HOME/.cache/tfmodel/venv-tf$TF_VERSION}"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import tensorflow as tf, numpy; assert tf.__version__ == '$TF_VERSION'" >/dev/null 2>&1; then
  exit 0
fi
echo "setup: creating TensorFlow $TF_VERSION oracle venv in $venv"
mkdir -p "$(dirname "$venv")"
py=python3
"$py" -m venv "$venv" 2>/dev/null || /usr/bin/python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "tensorflow-cpu==$TF_VERSION" numpy
if ! "$venv/bin/python" -c "import tensorflow as tf; assert tf.__version__ == '$TF_VERSION'"; then
  echo "setup: TensorFlow $TF_VERSION does not import in $venv" >&2
  exit 1
fi
