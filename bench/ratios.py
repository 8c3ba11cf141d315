#!/usr/bin/env python3
"""Gatehouse against each peer, from the newest run of each (label, concurrency) in results.jsonl.

CPU per operation of the server process (on PostgreSQL plus its backends, pg_cpu_us_per_op), and the
ratio peer / Gatehouse: above 1 means Gatehouse spends less CPU per operation than the peer.
Usage: bench/ratios.py bench/results/results.jsonl
"""
import json
import sys

PAIRS = [  # (Gatehouse label, peer label suffix)
    ("grants ES256", "grants ES256"),
    ("grants EdDSA", "grants EdDSA"),
    ("registrations H2", "registrations"),
    ("registrations PostgreSQL", "registrations"),
]

runs = {}
with open(sys.argv[1]) as f:
    for line in f:
        r = json.loads(line)
        runs[(r.get("label"), r.get("concurrency"))] = r  # newest wins

peers = sorted({r.get("server") for r in runs.values() if r.get("server") not in (None, "gatehouse")})
print(f"{'figure':28} {'conc':>4} {'Gatehouse µs/op':>16} {'peer':>14} {'peer µs/op':>11} {'peer/Gatehouse':>15}")
for ours, theirs in PAIRS:
    for peer in peers:
        for (label, conc), g in sorted(((k, v) for k, v in runs.items() if k[0] == ours), key=lambda kv: kv[0][1]):
            p = runs.get((f"{peer} {theirs}", conc))
            if not p or not g["ops"] or not p["ops"]:
                continue
            cpu = g["cpu_us_per_op"] + g.get("pg_cpu_us_per_op", 0)
            print(f"{ours:28} {conc:>4} {cpu:>16.1f} {peer:>14} {p['cpu_us_per_op']:>11.1f} {p['cpu_us_per_op'] / cpu:>15.2f}")
