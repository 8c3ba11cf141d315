#!/usr/bin/env python3
"""The request threads' CPU per grant by leaf symbol in each mode of an alternating run, B - A first (bench/run.sh
keybound_pairs with KEYBOUND_PERF=1; native crypto as one line). What perf-windows.py's categories are made of.

usage: perf-symbols.py RESULTS.jsonl PERF.data LABEL
"""
import importlib.util
import json
import math
import os
import re
import subprocess
import sys

spec = importlib.util.spec_from_file_location("pw", os.path.join(os.path.dirname(os.path.abspath(__file__)), "perf-windows.py"))
pw = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pw)
res, data, label = sys.argv[1], sys.argv[2], sys.argv[3]
row = None
for line in open(res):
    r = json.loads(line)
    if r.get("label") == label and "measured_from_monotonic_ns" in r: row = r
if row is None:
    sys.exit("no alternating run labelled " + label + " in " + res)
start = row["measured_from_monotonic_ns"]/1e9; win = row["alternate_window_s"]; windows = row["windows"]
a, b = row["auth"].split("/")
ops = {a: 0, b: 0}
for x in windows: ops[x["mode"]] += x["ops"]
out = subprocess.run(["perf","script","-i",data,"-F","comm,tid,time,ip,sym,dso"],capture_output=True,text=True).stdout
cnt = {a: {}, b: {}}
for line in out.splitlines():
    m = pw.HEADER.match(line)
    if not m: continue
    t = float(m.group(3)); i = math.floor((t-start)/win)
    if not (0 <= i < len(windows)): continue
    comm = m.group(1)
    if not comm.startswith("JettyServerThre"): continue
    rest = line[m.end():]
    f = pw.FRAME.match(rest)
    sym, dso = (f.group(1), f.group(2)) if f else (rest.strip(), "")
    if "Corretto" in dso: sym = "[ACCP native]"
    elif "kernel" in dso: pass
    else: sym = re.sub(r"\(.*", "", sym).split(" ")[-1] if "(" in sym else sym
    mode = windows[i]["mode"]
    cnt[mode][sym] = cnt[mode].get(sym, 0) + 1
us = 1e6 / 999  # bench/run.sh samples at 999 Hz
keys = set(cnt[a]) | set(cnt[b])
rows = sorted(((cnt[b].get(k,0)*us/ops[b] - cnt[a].get(k,0)*us/ops[a], cnt[a].get(k,0)*us/ops[a], cnt[b].get(k,0)*us/ops[b], k) for k in keys), reverse=True)
print(f"{'diff':>7} {a:>9} {b:>9}  symbol")
for d, va, vb, k in rows[:45]: print(f"{d:7.2f} {va:9.2f} {vb:9.2f}  {k[:120]}")
print("...")
for d, va, vb, k in rows[-12:]: print(f"{d:7.2f} {va:9.2f} {vb:9.2f}  {k[:120]}")
