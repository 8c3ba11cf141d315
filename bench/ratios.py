#!/usr/bin/env python3
"""Gatehouse against each peer, pairing runs made together (results.jsonl, one JSON line per run).

A peer run is set against the Gatehouse run of the matching figure and concurrency made just before
it: both stamped ("at") within 3 hours of each other, or, for rows from before the stamp existed,
at most 6 lines earlier in the file (bench/run.sh writes a Gatehouse sweep, then the peer's). Rows
from different sessions are never compared: CPU per operation on this shared machine varies by
several times with its load. CPU per operation is the server process's (on PostgreSQL plus its
backends, pg_cpu_us_per_op); the ratio is peer / Gatehouse: above 1, Gatehouse spends less.
Usage: bench/ratios.py bench/results/results.jsonl
"""
import json
import sys
from datetime import datetime, timedelta

PAIRS = [  # (Gatehouse label, peer label suffix)
    ("grants ES256", "grants ES256"),
    ("grants EdDSA", "grants EdDSA"),
    ("registrations H2", "registrations"),
    ("registrations PostgreSQL", "registrations"),
    ("fleet 20k ES256 native", "fleet 20k ES256"),  # issue 18 Must 5 (bench/run.sh fleet)
    ("one client ES256 native", "one client ES256"),
]

with open(sys.argv[1]) as f:
    rows = [json.loads(line) for line in f if line.strip()]


def together(g, gi, p, pi):
    if "at" in g and "at" in p:
        a, b = (datetime.fromisoformat(x["at"].replace("Z", "+00:00")) for x in (g, p))
        return abs(b - a) <= timedelta(hours=3)
    return 0 < pi - gi <= 6


print(f"{'figure':26} {'conc':>4} {'Gatehouse µs/op':>16} {'peer':>14} {'peer µs/op':>11} {'peer/Gatehouse':>15}")
for pi, p in enumerate(rows):
    peer = p.get("server")
    if peer in (None, "gatehouse") or not p.get("ops"):
        continue
    for ours, theirs in PAIRS:
        if p.get("label") != f"{peer} {theirs}":
            continue
        match = [(gi, g) for gi, g in enumerate(rows) if g.get("label") == ours and g.get("concurrency") == p.get("concurrency")
                 and g.get("ops") and together(g, gi, p, pi)]
        if not match:
            continue
        gi, g = match[-1]
        cpu = g["cpu_us_per_op"] + g.get("pg_cpu_us_per_op", 0)
        print(f"{ours:26} {p['concurrency']:>4} {cpu:>16.1f} {peer:>14} {p['cpu_us_per_op']:>11.1f} {p['cpu_us_per_op'] / cpu:>15.2f}")
