"""Model-run cases for the TF1 interop suite: what TensorFlow 2.21 computed, written for C++.

Shared by tf_run_corpus.py (the real corpus) and tf1_models.py (models TF writes here). A case
is a directory OUT/<case>/ with case.json:

    {"model": PATH,                      # absolute, or relative to the case dir
     "load": {"tags": [...], "import_prefix": "import", "checkpoint": PATH},   # all optional
     "needs_ops": ["RandomUniform"],     # ops tfmodel must have, else the C++ test skips
     "needs_reason": "random-ops branch",  # ... naming them and where they come from
     "rtol": 1e-5, "atol": 1e-6,         # float comparison (ints, bools, strings: exact)
     "steps": [                          # run in order on ONE loaded model (state carries over)
        {"run": {"feeds": [T...], "fetches": [T...], "targets": ["node", ...]}},
        {"signature": KEY, "inputs": [T...], "outputs": [T...]}]}

T = {"name": tensor name or signature key, "dtype": tf.DType.name, "shape": [...],
     "raw": "t/<k>.bin"  (POD, little-endian, C order) | "strings_b64": [...] |
     "case_path": "rel/path"  (a scalar string: the case dir joined with this path)}

Fetched values are TensorFlow's outputs; fed values are what TensorFlow was fed.
"""

import base64
import json
import os
import shutil
import sys

import numpy as np


class Case:
    def __init__(self, outdir, name):
        self.name = name
        self.dir = os.path.join(outdir, name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(os.path.join(self.dir, "t"))
        self.doc = {"name": name, "steps": []}
        self._k = 0

    def path(self, *parts):
        """A path inside the case directory (created parent dirs)."""
        p = os.path.join(self.dir, *parts)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        return p

    def tensor(self, name, value, dtype=None):
        """The JSON description of `value` (numpy / bytes list) under `name`."""
        value = np.asarray(value)
        if dtype is None:
            dtype = dtype_name(value)
        t = {"name": name, "dtype": dtype, "shape": [int(d) for d in value.shape]}
        if dtype == "string":
            t["strings_b64"] = [base64.b64encode(bytes(s)).decode("ascii")
                                for s in value.reshape(-1)]
        else:
            rel = f"t/{self._k}.bin"
            self._k += 1
            data = np.ascontiguousarray(value)
            data = data.astype(data.dtype.newbyteorder("<"), copy=False)
            with open(os.path.join(self.dir, rel), "wb") as f:
                f.write(data.tobytes(order="C"))
            t["raw"] = rel
        return t

    def case_path(self, name, rel):
        return {"name": name, "dtype": "string", "shape": [], "case_path": rel}

    def run_step(self, feeds, fetches, targets=()):
        """feeds: [(name, value) or a prepared T]; fetches: [(name, value)] with TF's values."""
        self.doc["steps"].append({"run": {
            "feeds": [f if isinstance(f, dict) else self.tensor(*f) for f in feeds],
            "fetches": [self.tensor(n, v) for n, v in fetches],
            "targets": list(targets)}})

    def signature_step(self, key, inputs, outputs):
        self.doc["steps"].append({
            "signature": key,
            "inputs": [self.tensor(n, v) for n, v in inputs],
            "outputs": [self.tensor(n, v) for n, v in outputs]})

    def finish(self, model, **fields):
        self.doc["model"] = model
        self.doc.update(fields)
        assert self.doc["steps"], f"{self.name}: no steps"
        with open(os.path.join(self.dir, "case.json"), "w") as f:
            json.dump(self.doc, f, indent=1)
            f.write("\n")
        return len(self.doc["steps"])


def dtype_name(value):
    """tf.DType.name of a numpy array."""
    if value.dtype.kind in ("S", "O", "U"):
        return "string"
    return {"float32": "float32", "float64": "float64", "float16": "float16", "int8": "int8",
            "int16": "int16", "int32": "int32", "int64": "int64", "uint8": "uint8",
            "uint16": "uint16", "uint32": "uint32", "uint64": "uint64", "bool": "bool",
            "complex64": "complex64", "complex128": "complex128"}[value.dtype.name]


def remove_stale(outdir, current):
    """Removes case dirs of older versions of a generator."""
    if not os.path.isdir(outdir):
        return
    for old in sorted(os.listdir(outdir)):
        if old not in current and os.path.exists(os.path.join(outdir, old, "case.json")):
            shutil.rmtree(os.path.join(outdir, old))


def prepare_out(argv, usage, current):
    """The generator's output dir (argv[1]) made and cleared of stale cases; None after printing
    `usage` when the arguments are wrong."""
    if len(argv) != 2:
        print(usage, file=sys.stderr)
        return None
    out = os.path.abspath(argv[1])
    os.makedirs(out, exist_ok=True)
    remove_stale(out, current)
    return out
