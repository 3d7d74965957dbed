"""Tables of bench/tf2_bench.sh's results: medians over the rounds, ratios against tfmodel.

  tf2_report.py RESULTS [--markdown]

RESULTS holds "key value" lines (several per key, one per round) from tf2_bench.cc and
tf2_peers.py. Ratios are peer / tfmodel for times and sizes (> 1 = tfmodel faster / smaller).
Targets (the issue's): faster than TensorFlow at batch 1 on every model; at batch 32, within 1.5x
of the faster peer (faster peer / tfmodel >= 0.67).
"""
import statistics
import sys

PEERS = ("tfmodel", "tf", "ort")


def load(path):
    values, notes = {}, {}
    for line in open(path):
        key, _, value = line.strip().partition(" ")
        if key.startswith("onnx_fail/"):
            notes[key.split("/", 1)[1]] = value
            continue
        try:
            values.setdefault(key, []).append(float(value))
        except ValueError:
            pass
    return {k: statistics.median(v) for k, v in values.items()}, notes


def main(argv):
    v, notes = load(argv[1])
    md = "--markdown" in argv
    models = list(dict.fromkeys(k.split("/")[2] for k in v if k.startswith("us/tfmodel/")))
    threads = sorted({k.split("/")[-1] for k in v if k.startswith("us/tfmodel/")})

    def get(*parts):
        return v.get("/".join(parts))

    def ratio(peer, ours):
        return f"{peer / ours:.2f}x" if peer and ours else "n/a"

    def fmt(x, unit=""):
        if x is None:
            return "-"
        return f"{x:.0f}{unit}" if x >= 100 else f"{x:.1f}{unit}" if x >= 10 else f"{x:.2f}{unit}"

    def heading(text):
        print(f"\n**{text}**\n" if md else f"\n== {text}\n")

    def row(cells):
        print(("| " + " | ".join(cells) + " |") if md else "  ".join(f"{c:>13}" for c in cells))

    misses = []
    for t in threads:
        n = t[1:]
        heading(f"latency per call, median us (ratio = peer / tfmodel, > 1: tfmodel faster); "
                f"{n} thread{'s' if n != '1' else ''}")
        row(["model", "batch", "tfmodel us", "TF us", "ORT us", "TF/tfmodel", "ORT/tfmodel",
             "tfmodel in/s", "target"])
        if md:
            row(["---"] * 9)
        for m in models:
            for b in ("b1", "b32"):
                ours, tf, ort = (get("us", p, m, b, t) for p in PEERS)
                if b == "b1":
                    ok = tf is not None and ours is not None and tf > ours
                    target = "met" if ok else "NOT met"
                else:
                    fastest = min(x for x in (tf, ort) if x is not None) if (tf or ort) else None
                    ok = fastest is not None and ours is not None and ours <= 1.5 * fastest
                    target = f"{'met' if ok else 'NOT met'} ({fastest / ours:.2f}x)" if fastest else "n/a"
                if not ok:
                    misses.append(f"{m} {b} {n} thread(s)")
                batch = int(b[1:])
                row([m, b[1:], fmt(ours), fmt(tf), fmt(ort) if ort else "no ONNX",
                     ratio(tf, ours), ratio(ort, ours),
                     fmt(batch / ours * 1e6) if ours else "-", target])
                checks = [get("check", p, m, b, t) for p in PEERS]
                ref = checks[1]
                for p, c in zip(PEERS, checks):
                    if c is not None and ref is not None and abs(c - ref) > 1e-3 * (abs(ref) + 1):
                        print(f"  WARNING: {p} {m} {b} {t}: outputs differ from TF's "
                              f"(checksum {c:g} vs {ref:g})")

    for t in threads:
        n = t[1:]
        heading(f"load (ms: load, + first call) and peak RSS (MB; TF/ORT after import in "
                f"brackets); {n} thread{'s' if n != '1' else ''}")
        row(["model", "tfmodel load", "TF load", "ORT load", "TF/tfmodel", "ORT/tfmodel",
             "tfmodel MB", "TF MB", "ORT MB", "TF/tfmodel", "ORT/tfmodel"])
        if md:
            row(["---"] * 11)
        for m in models:
            loads = [get("load_ms", p, m, t) for p in PEERS]
            firsts = [get("first_ms", p, m, t) for p in PEERS]
            total = [a + b if a is not None and b is not None else None for a, b in zip(loads, firsts)]
            rss = [get("rss_kb", p, m, t) for p in PEERS]
            base = [get("base_rss_kb", p, m, t) for p in PEERS]

            def mb(i):
                if rss[i] is None:
                    return "-"
                s = f"{rss[i] / 1024:.0f}"
                return s + (f" ({base[i] / 1024:.0f})" if base[i] else "")
            row([m] + [f"{fmt(loads[i])}+{fmt(firsts[i])}" if loads[i] is not None else "-"
                       for i in range(3)]
                + [ratio(total[1], total[0]), ratio(total[2], total[0])]
                + [mb(i) for i in range(3)] + [ratio(rss[1], rss[0]), ratio(rss[2], rss[0])])
    for m, why in notes.items():
        print(f"\n{m}: does not convert to ONNX: {why}")
    print("\ntargets not met: " + (", ".join(misses) if misses else "none"))


if __name__ == "__main__":
    main(sys.argv)
