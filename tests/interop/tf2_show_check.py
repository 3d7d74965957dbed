#!/usr/bin/env python3
"""`tfmodel show DIR --all` against `saved_model_cli show --dir DIR --all` on TF2 SavedModels.

    tf2_show_check.py TFMODEL_BINARY CORPUS_DIR ZOO_MODELS_DIR

The TF2 SavedModels of the real corpus and the zoo that tf2_models.py wrote. saved_model_cli
revives the model in Python for its "Concrete Functions" section; where TF 2.21 cannot revive a
model (the corpus's Keras 2 models need their optimizer classes) that model is reported and
compared without that section. Compared exactly, line by line, except:
  - the op set, which Python prints in arbitrary order (compared as a set);
  - the order of a function's options: Python sorts them by the names reviving gives them,
    whose numeric suffixes compare as strings; tfmodel lists them in revive order (compared as
    a multiset of options, each option's text exact);
  - tfmodel's fingerprint.pb section, which saved_model_cli does not print (dropped).
Exit 1 on any difference, or when fewer models than expected were revived.
"""

import contextlib
import io
import os
import re
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"

from tensorflow.python.tools import saved_model_cli  # noqa: E402

CORPUS_MODELS = [
    "tensorflow-serving/servables/tensorflow/testdata/saved_model_half_plus_two_tf2_cpu/00000123",
    "tensorflow-net/Leak/TestModel/saved_model",
    "tensorflow-net/Assets/simple_model_from_auto_compile",
    "tensorflow-net/Assets/python_func_model",
    "tensorflow-net/Assets/lstm_from_sequential",
    "tensorflow-java/saved_model_using_python/model",
    "tensorflow-rust/examples/keras_multiple_inputs_saved_model",
    "tensorflow-rust/examples/regression_savedmodel",
    "tensorflow-rust/examples/keras_single_input_saved_model",
    "cppflow/examples/multi_input_output/model",
    "cppflow/examples/load_model/model",
    "cppflow/examples/lexci_model/model",
]
MIN_WITH_FUNCTIONS = 10  # models whose Concrete Functions section must be compared

OPS = re.compile(r"^(The MetaGraph with tag set .* contains the following ops: )(.*)$")


def normalise(text):
    """(lines before "Concrete Functions:" with the op set sorted, {function: sorted options})."""
    text = text.split("\nThe SavedModel fingerprint (fingerprint.pb):\n")[0]
    head, sep, funcs = text.partition("\nConcrete Functions:")
    if funcs.startswith(" N/A"):
        funcs = ""
    lines = []
    for line in head.split("\n"):
        m = OPS.match(line)
        if m:
            ops = sorted(re.findall(r"'([^']*)'", m.group(2)))
            line = m.group(1) + repr(ops)
        lines.append(line)
    functions = {}
    for block in funcs.split("\n  Function Name: ")[1:]:
        name, _, body = block.partition("\n")
        options = re.split(r"    Option #\d+\n", body)
        functions[name] = sorted(o.rstrip("\n") for o in options if o.strip())
    return lines, bool(sep), functions


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    tfmodel, corpus, zoo = argv[1:]
    models = [os.path.join(corpus, m) for m in CORPUS_MODELS]
    models += sorted(os.path.join(zoo, d) for d in os.listdir(zoo))
    failures, with_functions = [], 0
    for path in models:
        name = os.path.relpath(path, corpus) if path.startswith(corpus) else "zoo/" + os.path.basename(path)
        ours = subprocess.run([tfmodel, "show", path, "--all"], capture_output=True, text=True)
        if ours.returncode != 0:
            failures.append(f"{name}: tfmodel show failed: {ours.stderr.strip()}")
            continue
        buf, revived = io.StringIO(), True
        with contextlib.redirect_stdout(buf):
            try:
                saved_model_cli._show_all(path)
            except Exception as e:  # noqa: BLE001 -- TF cannot revive some Keras 2 models
                revived = False
                error = f"{type(e).__name__}: {str(e)[:200]}"
        if "\nConcrete Functions: N/A" in buf.getvalue():  # it caught the failure itself
            revived, error = False, "N/A"
        if not revived:
            print(f"  {name}: saved_model_cli cannot revive it ({error}); "
                  "compared without Concrete Functions")
        got_lines, _, got_funcs = normalise(ours.stdout)
        want_lines, want_has, want_funcs = normalise(buf.getvalue())
        if not revived:
            got_funcs = want_funcs = {}
        if got_lines != want_lines:
            for i, (g, w) in enumerate(zip(got_lines + ["<end>"], want_lines + ["<end>"])):
                if g != w:
                    failures.append(f"{name}: line {i + 1}\n  tfmodel:         {g!r}\n"
                                    f"  saved_model_cli: {w!r}")
                    break
            continue
        if got_funcs != want_funcs:
            for fn in sorted(set(got_funcs) | set(want_funcs)):
                if got_funcs.get(fn) != want_funcs.get(fn):
                    failures.append(f"{name}: function {fn}\n  tfmodel:\n{got_funcs.get(fn)}\n"
                                    f"  saved_model_cli:\n{want_funcs.get(fn)}")
                    break
            continue
        if revived and want_has:
            with_functions += 1
        print(f"  {name}: same" + (f" ({len(want_funcs)} functions)" if revived else ""))
    if with_functions < MIN_WITH_FUNCTIONS:
        failures.append(f"only {with_functions} models had their Concrete Functions compared "
                        f"(expected at least {MIN_WITH_FUNCTIONS})")
    for f in failures:
        print("FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
