#!/usr/bin/env python3
"""Gatehouse against each peer, pairing runs made together (results.jsonl, one JSON line per run).

A peer run is set against the Gatehouse run of the matching figure and concurrency made just before
it: both stamped ("at"), the Gatehouse run at most 1 hour earlier (it was 3 hours either way, which
paired a peer with a Gatehouse run of another session once both were made the same afternoon), or, for rows from before the stamp existed,
at most 6 lines earlier in the file (bench/run.sh writes a Gatehouse sweep, then the peer's). Rows
from different sessions are never compared: CPU per operation on this shared machine varies by
several times with its load. CPU per operation is the server process's (on PostgreSQL plus its
backends, pg_cpu_us_per_op); the ratio is peer / Gatehouse: above 1, Gatehouse spends less.
Usage: bench/ratios.py bench/results/results.jsonl [--svg docs/performance-ratios.svg]
With --svg, also draws the newest pair of each figure and concurrency as a bar (peer ÷ Gatehouse CPU per
operation, log scale, the issue's goal as a mark: 3 for grants, 2 for registrations), stamped with its date
and the load average of the Gatehouse run.
"""
import json
import sys
from datetime import datetime, timedelta

PAIRS = [  # (Gatehouse label, peer label suffix)
    ("grants ES256", "grants ES256"),
    ("grants EdDSA", "grants EdDSA"),
    ("grants RS256", "grants RS256"),  # Keycloak's default algorithm (bench/run.sh grants with PEERS="... keycloak")
    ("grants ES256", "grants RS256"),  # issue 18's goal: Gatehouse's default against Keycloak's default
    ("registrations H2", "registrations"),
    ("registrations PostgreSQL", "registrations"),
    ("fleet 20k ES256 native", "fleet 20k ES256"),  # issue 18 Must 5 (bench/run.sh fleet)
    ("one client ES256 native", "one client ES256"),
    ("fleet 20k EdDSA native", "fleet 20k EdDSA"),  # FLEET_ALGS="ES256 EdDSA" bench/run.sh fleet
    ("one client EdDSA native", "one client EdDSA"),
]

GOALS = {"grants ES256": 3, "grants EdDSA": 3, "registrations H2": 2, "registrations PostgreSQL": 2}
PEER_GOALS = {"keycloak": {"grants": 30}}  # issue 18 Must 7: a client_credentials grant >= 30 x less CPU than Keycloak


def goal(fig, peer):
    """The issue's goal for a figure against a peer (GOALS are oidc-provider's); None if it sets none."""
    if peer in PEER_GOALS:
        return next((g for prefix, g in PEER_GOALS[peer].items() if fig.startswith(prefix)), None)
    return GOALS.get(fig)

with open(sys.argv[1]) as f:
    rows = [json.loads(line) for line in f if line.strip()]


def together(g, gi, p, pi):
    if "at" in g and "at" in p:
        a, b = (datetime.fromisoformat(x["at"].replace("Z", "+00:00")) for x in (g, p))
        return timedelta(0) <= b - a <= timedelta(hours=1)
    return 0 < pi - gi <= 6


pairs = {}
print(f"{'figure':26} {'conc':>4} {'Gatehouse µs/op':>16} {'peer':>22} {'peer µs/op':>11} {'peer/Gatehouse':>15}")
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
        who = peer if ours.startswith(theirs) else f"{peer} {theirs.split()[-1]}"  # e.g. keycloak RS256 against Gatehouse ES256
        print(f"{ours:26} {p['concurrency']:>4} {cpu:>16.1f} {who:>22} {p['cpu_us_per_op']:>11.1f} {p['cpu_us_per_op'] / cpu:>15.2f}")
        pairs[(ours, p["concurrency"], who)] = (g, p, p["cpu_us_per_op"] / cpu)


def svg(path):
    """One bar per figure and concurrency: the newest pair (later lines of the file replace earlier ones)."""
    import math
    items = sorted(pairs.items(), key=lambda kv: (kv[0][0], kv[0][2], kv[0][1]))
    w, row, top, left = 900, 26, 60, 300
    h = top + row * len(items) + 60 + 14 * len({g.get("note") for (g, p, r) in pairs.values()})
    lo, hi = 0.05, 100.0
    x = lambda r: left + (math.log10(max(lo, min(hi, r))) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)) * (w - left - 40)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           '<text x="10" y="20" font-size="15">Gatehouse against node oidc-provider (in-memory) and Keycloak: peer CPU ÷ Gatehouse CPU per operation</text>',
           '<text x="10" y="38" fill="#555">same run, same load generator; above 1 Gatehouse spends less; | marks the goal of issue 18 (log scale)</text>']
    for t in (0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30):
        out.append(f'<line x1="{x(t):.1f}" y1="{top - 6}" x2="{x(t):.1f}" y2="{top + row * len(items)}" stroke="{"#000" if t == 1 else "#ddd"}"/>')
        out.append(f'<text x="{x(t):.1f}" y="{top + row * len(items) + 16}" text-anchor="middle">{t}</text>')
    for i, ((fig, conc, peer), (g, p, r)) in enumerate(items):
        y = top + i * row
        when = (g.get("at") or "")[:16].replace("T", " ")
        load = g.get("loadavg_1m")
        label = f"{fig}, {conc} in flight" + (f", {peer}" if peer != "oidc-provider" else "") + (" *" if g.get("note") else "")
        out.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">{label}</text>')
        colour = "#2a7" if r >= (goal(fig, peer.split()[0]) or 1) else ("#e93" if r >= 1 else "#c33")
        out.append(f'<rect x="{x(lo):.1f}" y="{y + 3}" width="{x(r) - x(lo):.1f}" height="{row - 8}" fill="{colour}"/>')
        out.append(f'<text x="{x(r) + 4:.1f}" y="{y + 15}">{r:.2f} ({when}{f", load {load}" if load is not None else ""})</text>')
        if goal(fig, peer.split()[0]):
            gx = x(goal(fig, peer.split()[0]))
            out.append(f'<line x1="{gx:.1f}" y1="{y + 1}" x2="{gx:.1f}" y2="{y + row - 3}" stroke="#000" stroke-width="3"/>')
    notes = sorted({g["note"] for (g, p, r) in pairs.values() if g.get("note")})
    for j, note in enumerate(notes):
        out.append(f'<text x="10" y="{top + row * len(pairs) + 36 + 14 * j}" fill="#555">* {note}</text>')
    out.append('</svg>')
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    print(f"wrote {path} ({len(items)} bars)")


if "--svg" in sys.argv:
    svg(sys.argv[sys.argv.index("--svg") + 1])
