#!/usr/bin/env python3
"""Where the server's CPU goes in each window of an alternating run (bench/run.sh keybound_pairs, KEYBOUND_PERF=1).

perf samples the server process (`perf record -k CLOCK_MONOTONIC -F <hz> -p <pid>`, no call graphs); the load
generator's result line says where the first measured window starts on the same clock (System.nanoTime is
CLOCK_MONOTONIC on Linux), how long a window is, and each window's mode and grants. Each sample's leaf frame goes to
one category (on the request threads: the native crypto library, the kernel, JIT-compiled or interpreted Java, the JVM
itself, libc, other; then the JIT compiler threads, and the other threads: collector, jobs, H2),
each window's samples per category become µs per grant (one sample = 1/hz s of CPU), and the paired differences
B - A of each category get a mean and a 95 % interval, as the load generator does for the total.

usage: perf-windows.py RESULTS.jsonl PERF.data HZ [LABEL]   (the last row with windows, or the last with LABEL)
"""
import json
import math
import re
import subprocess
import sys

T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
HEADER = re.compile(r"^\s*(.+?)\s+(\d+)\s+(\d+\.\d+):")
FRAME = re.compile(r"^\s*[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$")
CATEGORIES = ["crypto (native)", "kernel", "Java (JIT, interpreter)", "JVM", "libc", "other", "compiler threads", "other threads"]


def category(comm, sym, dso):
    """The request threads' samples by where they were; the JIT compilers' and the other threads' (collector, jobs) apart."""
    if comm.startswith("C1 Compiler") or comm.startswith("C2 Compiler"):
        return "compiler threads"
    if not comm.startswith("JettyServerThre"):
        return "other threads"
    if "CorrettoCrypto" in dso or "libcrypto" in dso:
        return "crypto (native)"
    if "kernel" in dso:
        return "kernel"
    if dso.startswith("/tmp/perf-") or "[JIT]" in dso or sym.startswith("Interpreter") or "StubRoutines" in sym:
        return "Java (JIT, interpreter)"
    if "libjvm" in dso:
        return "JVM"
    if "libc.so" in dso:
        return "libc"
    return "other"


def t975(df):
    """Student's t, 97.5 % quantile (as LoadCommand.tQuantile975: rounded up between table rows)."""
    if df <= len(T975):
        return T975[df - 1]
    return 2.021 if df <= 40 else 2.000 if df <= 60 else 1.980 if df <= 120 else 1.960


def stats(xs):
    n = len(xs)
    if n == 0:
        return float("nan"), float("nan")
    mean = sum(xs) / n
    if n < 2:
        return mean, float("nan")
    sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1))
    t = t975(n - 1)
    return mean, t * sd / math.sqrt(n)


def main():
    results, data, hz = sys.argv[1], sys.argv[2], float(sys.argv[3])
    label = sys.argv[4] if len(sys.argv) > 4 else None
    row = None
    with open(results) as f:
        for line in f:
            r = json.loads(line)
            if "measured_from_monotonic_ns" in r and (label is None or r.get("label") == label):
                row = r
    if row is None:
        sys.exit("no alternating run in " + results)
    start = row["measured_from_monotonic_ns"] / 1e9
    window = row["alternate_window_s"]
    windows = row["windows"]
    counts = [dict.fromkeys(CATEGORIES, 0) for _ in windows]
    threads = [dict() for _ in windows]
    out = subprocess.run(["perf", "script", "-i", data, "-F", "comm,tid,time,ip,sym,dso"], capture_output=True, text=True, check=True).stdout
    w = None
    comm = None
    for line in out.splitlines():
        m = HEADER.match(line)
        if m:
            comm = m.group(1)
            t = float(m.group(3))
            i = math.floor((t - start) / window)
            w = i if 0 <= i < len(windows) else None
            line = line[m.end():]  # without call graphs the leaf frame follows on the same line
        if w is None or not line.strip():
            continue
        f = FRAME.match(line)
        sym, dso = (f.group(1), f.group(2)) if f else (line.strip(), "")
        counts[w][category(comm, sym, dso)] += 1
        threads[w][comm] = threads[w].get(comm, 0) + 1
        w = None  # the leaf frame only
    us = 1e6 / hz
    a, b = row["auth"].split("/")  # --alternate A,B
    print(f"{row['label']} ({row['at']}): {len(windows)} windows of {window} s, perf at {hz:g} Hz; server CPU per grant by where the sample was, µs")
    print(f"{'window':>6} {'mode':<9} " + " ".join(f"{c[:10]:>10}" for c in CATEGORIES) + f" {'sampled':>8} {'/proc':>8}")
    per = []
    for i, x in enumerate(windows):
        if not x["ops"] or x.get("cpu_us_per_op") is None:  # the load generator fell behind: no figure
            per.append(None)
            print(f"{i:>6} {x['mode']:<9} (no figure: nothing sent, or sent late)")
            continue
        v = {c: counts[i][c] * us / x["ops"] for c in CATEGORIES}
        v["all"] = sum(v.values())
        per.append(v)
        print(f"{i:>6} {x['mode']:<9} " + " ".join(f"{v[c]:10.1f}" for c in CATEGORIES) + f" {v['all']:8.1f} {x['cpu_us_per_op']:8.1f}")
    print(f"\n{b} - {a}, per pair of adjacent windows (mean and 95 % interval):")
    for c in CATEGORIES + ["all"]:
        diffs = []
        for p in range(len(windows) // 2):
            pair = per[2 * p:2 * p + 2]
            if None in pair:
                continue
            ms = windows[2 * p]["mode"], windows[2 * p + 1]["mode"]
            va = pair[ms.index(a)][c]
            vb = pair[ms.index(b)][c]
            diffs.append(vb - va)
        mean, half = stats(diffs)
        va = [per[i][c] for i in range(len(windows)) if windows[i]["mode"] == a and per[i] is not None]
        vb = [per[i][c] for i in range(len(windows)) if windows[i]["mode"] == b and per[i] is not None]
        print(f"  {c:<24} {a} {sum(va) / len(va):7.1f}  {b} {sum(vb) / len(vb):7.1f}  difference {mean:7.1f} ± {half:5.1f} ({len(diffs)} pairs)")
    by_thread = {}
    for t in threads:
        for k, n in t.items():
            by_thread[k] = by_thread.get(k, 0) + n
    total = sum(by_thread.values())
    print("\nthreads (all windows): " + ", ".join(f"{k} {100 * n / total:.1f} %" for k, n in sorted(by_thread.items(), key=lambda e: -e[1])[:8]))


if __name__ == "__main__":
    main()
