#!/bin/sh
# run_oracle.sh PYTHON SCRIPT ARGS...: runs a TensorFlow oracle script, failing loudly (never
# skipping) when the oracle venv is missing.
python="$1"
shift
if [ ! -x "$python" ]; then
  echo "TensorFlow oracle missing: $python does not exist." >&2
  echo "Create it with: scripts/setup.sh --test (or configure with -DTFMODEL_PYTHON=<python with tensorflow-cpu 2.21>)." >&2
  exit 1
fi
exec "$python" "$@"
