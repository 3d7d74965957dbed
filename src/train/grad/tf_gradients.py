#!/usr/bin/env python3
"""Asks TensorFlow which of our runtime ops it differentiates; writes tf_gradients.txt.

  build/src/train/list_runtime_ops | \
      ~/.cache/tfmodel/venv-tf2.21.0/bin/python src/train/grad/tf_gradients.py \
      > src/train/grad/tf_gradients.txt

For every op name read from stdin (one per line), the status of TensorFlow's gradient registry
(tensorflow.python.framework.ops.gradient_registry, filled by importing tensorflow):
  gradient            a registered gradient function that returns a gradient for some input
  none                a registered function whose every `return` returns only None (Floor,
                      ArgMax, FloorDiv): no gradient flows, as with NotDifferentiable
  raises              a registered function that only raises (PreventGradient)
  not_differentiable  ops.NotDifferentiable / tf.no_gradient (registered as None)
  unregistered        no entry: tf.gradients fails with LookupError on a path through it
The classification of registered functions reads their source with `ast` (no op is built).
gradient_check_test.cc reads the file: every "gradient" op needs a rule in our table, and every
runtime op must be listed (rerun this when kernels are added).
"""
import ast
import inspect
import os
import sys
import textwrap

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
import tensorflow as tf  # noqa: E402  (importing registers every gradient function)
from tensorflow.python.framework import ops  # noqa: E402


def is_none(node):
    if node is None:
        return True
    if isinstance(node, ast.Constant) and node.value is None:
        return True
    if isinstance(node, (ast.Tuple, ast.List)):
        return all(is_none(e) for e in node.elts)
    return False


def classify(fn):
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    func = tree.body[0]
    returns = [n for n in ast.walk(func) if isinstance(n, ast.Return)]
    if not returns:
        return "raises" if any(isinstance(n, ast.Raise) for n in ast.walk(func)) else "none"
    return "none" if all(is_none(r.value) for r in returns) else "gradient"


def main():
    names = sorted({line.strip() for line in sys.stdin if line.strip()})
    print(f"# Produced by src/train/grad/tf_gradients.py with TensorFlow {tf.__version__}")
    print("# (see that script for how). Columns: op, status, TensorFlow's gradient function.")
    for op in names:
        try:
            fn = ops.gradient_registry.lookup(op)
        except LookupError:
            print(f"{op}\tunregistered\t-")
            continue
        if fn is None:
            print(f"{op}\tnot_differentiable\t-")
            continue
        where = inspect.getsourcefile(fn).split("site-packages/")[-1]
        line = inspect.getsourcelines(fn)[1]
        print(f"{op}\t{classify(fn)}\t{fn.__name__} ({where}:{line})")


if __name__ == "__main__":
    main()
