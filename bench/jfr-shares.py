#!/usr/bin/env python3
"""Shares of a grants profile: samples inside TokenEndpoint.grant, in request handling outside the endpoints (the HTTP
layer), in the registration endpoint (set-up), and outside request handlers.  usage: jfr-shares.py recording.jfr..."""
import subprocess, sys, re, collections
jfr = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/jfr"
for rec in sys.argv[1:]:
    out = subprocess.run([jfr, "print", "--events", "jdk.ExecutionSample", "--stack-depth", "96", rec], capture_output=True, text=True).stdout
    c = collections.Counter(); total = 0
    for ev in out.split("jdk.ExecutionSample")[1:]:
        frames = re.findall(r"^\s+([\w$.<>/]+)\(", ev, re.M)
        if not frames: continue
        total += 1
        fs = set(frames)
        if "org.eclipse.jetty.server.internal.HttpChannelState$HandlerInvoker.run" not in fs:
            c["not in a request handler (selector, GC-less JVM work, jobs, start-up)"] += 1
        elif any("RegistrationEndpoint" in f or "RegistrationManagementEndpoint" in f for f in fs):
            c["registration endpoint (set-up)"] += 1
        elif "org.gatehouse.server.oauth.TokenEndpoint.grant" in fs:
            c["inside TokenEndpoint.grant"] += 1
        else:
            c["request handling outside the endpoints (HTTP layer)"] += 1
    print(rec.split("/")[-1], total, "samples")
    for k, v in c.most_common(): print(f"  {100*v/total:5.1f}%  {v:5d}  {k}")
    g = c["inside TokenEndpoint.grant"]; h = c["request handling outside the endpoints (HTTP layer)"]
    print(f"  HTTP layer ÷ grant = {h/g:.2f}")
