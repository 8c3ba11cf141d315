#!/usr/bin/env python3
"""Top frames of a JFR recording's execution samples: self (leaf) and inclusive, from `jfr print`.
usage: jfr-top.py recording.jfr [N] [filter-substring]"""
import subprocess, sys, re, collections, os
jfr = os.path.join(os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64"), "bin", "jfr")
rec = sys.argv[1]; n = int(sys.argv[2]) if len(sys.argv) > 2 else 25
flt = sys.argv[3] if len(sys.argv) > 3 else None
out = subprocess.run([jfr, "print", "--events", "jdk.ExecutionSample", "--stack-depth", "64", rec],
                     capture_output=True, text=True).stdout
self_c, incl_c, total = collections.Counter(), collections.Counter(), 0
for ev in out.split("jdk.ExecutionSample")[1:]:
    frames = re.findall(r"^\s+([\w$.<>/]+)\(", ev, re.M)
    if not frames: continue
    if flt and not any(flt in f for f in frames): continue
    total += 1
    self_c[frames[0]] += 1
    for f in set(frames): incl_c[f] += 1
print(f"{total} samples" + (f" containing {flt}" if flt else ""))
print("-- self (leaf) --")
for f, c in self_c.most_common(n): print(f"{100*c/total:5.1f}%  {f}")
print("-- inclusive --")
for f, c in incl_c.most_common(n): print(f"{100*c/total:5.1f}%  {f}")
