#!/usr/bin/env bash
# Reproduces every figure of docs/performance.md. Loopback only; every run is bounded in time.
#   bench/run.sh              everything (about 15 minutes once the 1M preload exists; the preload takes ~10 more)
#   bench/run.sh grants|eddsa|crypto|fleet|token_handler|keybound|keybound_pairs|keybound_pg|keybound_profile|sign|registrations|introspections|mix|scale|scale_pg|startup|jmh|profiles|chart|ratios
# Settings: WARMUP, DURATION (seconds per run), SWEEP (concurrency list), PG_URL, PEERS (default
# "oidc-provider": node oidc-provider 9.13.3, in-memory, run right after Gatehouse with the same load
# generator and settings, so each figure is a ratio within one run; PEERS= skips the peers; PEERS="oidc-provider keycloak"
# adds Keycloak 26.7.3 (issue 18 Must 7: kc.sh start --optimized, dev-file H2, downloaded once from Maven Central by
# bench/peers/keycloak/setup.sh; grants ES256 and RS256, its default, with a Gatehouse RS256 run to pair; EdDSA and
# registrations where the peers run; not the fleet). KEYCLOAK_ALGS (default "RS256"): grants run besides ES256 when keycloak is a peer.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
J="$JAVA_HOME/bin/java"
WARMUP="${WARMUP:-5}"; DURATION="${DURATION:-10}"; SWEEP="${SWEEP:-1,2,4,8,16,32}"
PG_URL="${PG_URL:-jdbc:postgresql://127.0.0.1:5432/gatehouse_bench}"
out="$root/bench/results"; data="$root/gatehouse-bench/target/bench-data"
mkdir -p "$out/profiles" "$data"
res="$out/results.jsonl"

version="$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' pom.xml)" # the one place the version lives
if [ ! -f gatehouse-bench/target/gatehouse-bench-$version.jar ] || [ -n "$(find gatehouse-*/src pom.xml -newer gatehouse-bench/target/gatehouse-bench-$version.jar -print -quit)" ]; then
  mvn -q -B -DskipTests package
  touch gatehouse-server/target/gatehouse-server-$version.jar gatehouse-bench/target/gatehouse-bench-$version.jar
fi
CP="gatehouse-bench/target/gatehouse-bench-$version.jar:gatehouse-bench/target/lib/*"
PEERS="${PEERS-oidc-provider}"
if [[ " $PEERS " == *" oidc-provider "* ]] && [ ! -d bench/peers/oidc-provider/node_modules ]; then
  (cd bench/peers/oidc-provider && npm ci --no-audit --no-fund --silent)
fi
if [[ " $PEERS " == *" keycloak "* ]]; then bash bench/peers/keycloak/setup.sh >/dev/null; fi
bench() { "$J" --enable-native-access=ALL-UNNAMED -cp "$CP" org.gatehouse.bench.Bench "$@"; }
load() { bench load --root "$root" --warmup "$WARMUP" --duration "$DURATION" --out "$res" "$@"; }
fresh() { rm -rf "$data/$1"; echo "$data/$1"; }
pgdb() { # a fresh PostgreSQL database for one run
  local db="${PG_URL##*/}"
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
}
preload() { # $1 = count, $2 = directory name
  if [ ! -f "$data/$2/preload.properties" ]; then
    rm -rf "$data/$2"; bench preload --count "$1" --batch 10000 --data-dir "$data/$2"
  fi
}
jfr() { echo "-XX:StartFlightRecording=filename=$out/profiles/$1.jfr,settings=profile"; }

peers() { # $1 = label, then load's arguments: the same run against each peer
  local label="$1"; shift
  for peer in $PEERS; do load --peer "$peer" --label "$peer $label" "$@" --data-dir "$(fresh "peer-$peer")"; done
}
run_grants() {
  load --label "grants ES256" --scenario grants --alg ES256 --concurrency "$SWEEP" --data-dir "$(fresh g-es256)"
  peers "grants ES256" --scenario grants --alg ES256 --concurrency "$SWEEP"
  if [[ " $PEERS " == *" keycloak "* ]]; then # Keycloak's default is RS256 (the issue's 2.12 ms per grant): both at RS256 too
    for alg in ${KEYCLOAK_ALGS-RS256}; do
      load --label "grants $alg" --scenario grants --alg "$alg" --concurrency "$SWEEP" --data-dir "$(fresh g-$alg)"
      load --peer keycloak --label "keycloak grants $alg" --scenario grants --alg "$alg" --concurrency "$SWEEP" --data-dir "$(fresh peer-keycloak)"
    done
  fi
}
run_eddsa() {
  load --label "grants EdDSA" --scenario grants --alg EdDSA --concurrency "$SWEEP" --data-dir "$(fresh g-eddsa)"
  peers "grants EdDSA" --scenario grants --alg EdDSA --concurrency "$SWEEP"
}
run_crypto() { # issue 18: the native provider (ACCP) against the JDK/Bouncy Castle fallback, interleaved in one run
  for alg in ES256 EdDSA; do for c in ${CRYPTO_ORDER:-native jdk native jdk}; do
    load --label "grants $alg $c" --scenario grants --alg "$alg" --env CRYPTO_PROVIDER=$c --concurrency "${CRYPTO_SWEEP:-4}" --data-dir "$(fresh c-$alg-$c)"
  done; done
}
run_token_handler() { # issue 18 Must 2: POST /token through the bare Jetty handler (on) or through Javalin (off), interleaved
  for f in ${TOKEN_HANDLER_ORDER:-on off on off}; do
    load --label "grants ES256 token handler $f" --scenario grants --alg ES256 --env TOKEN_FAST_PATH=$([ "$f" = on ] && echo true || echo false) \
      --concurrency "${TOKEN_HANDLER_SWEEP:-4}" --data-dir "$(fresh th-$f)"
  done
}
run_keybound() { # issue 17: secret, private_key_jwt and private_key_jwt + DPoP grants, interleaved in one run (ES256 tokens, H2)
  # KEYBOUND_RATE=N: open loop at N grants/s in every mode instead of 4 in flight, so that the server's fixed work per
  # second (JIT, jobs, H2 housekeeping) is spread over the same number of grants in each mode (a loaded machine).
  local how=(--concurrency "${KEYBOUND_SWEEP:-4}"); [ -n "${KEYBOUND_RATE:-}" ] && how=(--rate "$KEYBOUND_RATE" --connections 16)
  # secret+1 / secret+2: secret grants while the load generator signs (and throws away) one or two ES256 JWTs per grant, as
  # it does for key / key-dpop: the control that shares the 2 cores with the same load-generator work.
  for a in ${KEYBOUND_ORDER:-secret key key-dpop secret key key-dpop}; do
    local auth="$a" decoy=0
    case "$a" in secret+1) auth=secret decoy=1;; secret+2) auth=secret decoy=2;; esac
    load --label "grants ES256 auth $a${KEYBOUND_RATE:+ at $KEYBOUND_RATE/s}" --scenario grants --alg ES256 --auth "$auth" \
      --decoy-signatures "$decoy" "${how[@]}" --data-dir "$(fresh kb-$a)"
  done
}
run_keybound_pairs() { # issue 17 Must 8: two modes in alternating windows of one server at an equal rate, the paired differences
  # KEYBOUND_PAIR="A,B" (default secret+1,key; e.g. secret+2,key-dpop), KEYBOUND_RATE (default 1500/s), WINDOW (default 10 s);
  # WARMUP and DURATION are rounded to whole pairs of windows: DURATION=240 WINDOW=10 gives 12 pairs.
  # KEYBOUND_PERF=1: perf samples the server meanwhile (999 Hz, leaf frames) and bench/perf-windows.py splits each window's CPU
  # by where it was (native crypto, kernel, Java, JVM, libc) with the same paired differences.
  local label="grants ES256 alternating ${KEYBOUND_PAIR:-secret+1,key} at ${KEYBOUND_RATE:-1500}/s${KEYBOUND_PERF:+ perf}"
  local args=(--label "$label" --scenario grants --alg ES256 --alternate "${KEYBOUND_PAIR:-secret+1,key}" --window "${WINDOW:-10}"
    --rate "${KEYBOUND_RATE:-1500}" --connections 16 --data-dir "$(fresh kb-pairs)")
  if [ -z "${KEYBOUND_PERF:-}" ]; then load "${args[@]}"; return; fi
  local log="$data/kb-pairs.log" pd="$data/kb-pairs.perf.data"
  load "${args[@]}" --server-opts "-XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit" > "$log" 2>&1 & local lp=$!
  local pid=""; for _ in $(seq 120); do pid="$(sed -n 's/^server pid \([0-9]*\).*/\1/p' "$log")"; [ -n "$pid" ] && break; sleep 1; done
  [ -n "$pid" ] && perf record -q -k CLOCK_MONOTONIC -F 999 -p "$pid" -o "$pd" 2>/dev/null &
  wait "$lp"; wait; cat "$log"
  python3 bench/perf-windows.py "$res" "$pd" 999 "$label" | tee "$out/profiles/keybound-pairs-perf.txt"
}
run_keybound_pg() { # the same on PostgreSQL (the used_jtis INSERT is a round trip and a WAL commit there): server + backends' CPU
  for a in ${KEYBOUND_ORDER:-secret key key-dpop}; do
    pgdb; load --label "grants ES256 auth $a PostgreSQL" --scenario grants --alg ES256 --auth "$a" --concurrency "${KEYBOUND_SWEEP:-4}" \
      --db-url "$PG_URL" --data-dir "$(fresh kbpg-$a)"
  done
}
run_keybound_profile() { # issue 17: JFR of private_key_jwt grants (a fresh ES256 assertion per grant), concurrency 4
  bench load --root "$root" --warmup 5 --duration 15 --out "$out/profiles/runs.jsonl" --label "profile grants ES256 auth key" \
    --scenario grants --auth key --concurrency 4 --server-opts "$(jfr grants-es256-key)" --data-dir "$(fresh p-key)"
  python3 bench/jfr-top.py "$out/profiles/grants-es256-key.jfr" 40 > "$out/profiles/grants-es256-key.txt"
}
run_sign() { bench sign | tee "$out/sign.txt"; } # CPU time per signature and verification, native against the JDK
run_fleet() { # issue 18: 20,000 registered installations, each grant from the next one (the 2 s client cache rarely holds it)
  # FLEET_ALGS: the access tokens' algorithms, one run each (default ES256; "ES256 EdDSA" for both goals of issue 18).
  for a in ${FLEET_ALGS:-ES256}; do
    # a preload per algorithm: the first server on a database fixes its cluster's signing algorithm
    local pre=pre20k; [ "$a" = ES256 ] || pre="pre20k-$a"
    preload 20000 "$pre"
    for c in ${FLEET_CRYPTO:-native}; do
      load --label "fleet 20k $a $c" --scenario grants --alg "$a" --fleet --preloaded "$data/$pre/preload.properties" --data-dir "$data/$pre" \
        --env CRYPTO_PROVIDER=$c --concurrency "${CRYPTO_SWEEP:-4}"
      load --label "one client $a $c" --scenario grants --alg "$a" --concurrency "${CRYPTO_SWEEP:-4}" --data-dir "$(fresh fleet-one)" --env CRYPTO_PROVIDER=$c
    done
    # The peer has no preloader: it registers its fleet through RFC 7591 before the run (FLEET_PEER_CLIENTS, default 20,000),
    # into an unbounded in-memory store (PEER_STORE=map: oidc-provider's default store keeps 1,000 clients).
    # Keycloak is left out here: 20,000 clients through its admin API would take longer than the runs.
    PEERS="${PEERS//keycloak/}" PEER_STORE=map peers "fleet 20k $a" --scenario grants --alg "$a" --fleet --clients "${FLEET_PEER_CLIENTS:-20000}" --concurrency "${CRYPTO_SWEEP:-4}"
    peers "one client $a" --scenario grants --alg "$a" --concurrency "${CRYPTO_SWEEP:-4}"
  done
}
run_registrations() { # PostgreSQL: the server's CPU and its backends' CPU are both recorded (pg_cpu_us_per_op)
  load --label "registrations H2" --scenario registrations --concurrency 1,4 --data-dir "$(fresh reg-h2)"
  pgdb; load --label "registrations PostgreSQL" --scenario registrations --concurrency 1,4 --db-url "$PG_URL" --data-dir "$(fresh reg-pg)"
  peers "registrations" --scenario registrations --concurrency 1,4
}
run_introspections() { load --label "repeat introspections" --scenario introspections --concurrency 4 --data-dir "$(fresh intro)"; }
run_mix() { load --label "mix" --scenario mix --concurrency 8 --data-dir "$(fresh mix)"; }
run_scale() { # grant latency and RSS with 1k and 1M installations stored; open loop at a fixed rate so p50 is not queueing
  preload 1000 pre1k; preload 1000000 pre1m
  load --label "1k installations" --scenario grants --preloaded "$data/pre1k/preload.properties" --data-dir "$data/pre1k" --rate 300 --connections 16
  load --label "1M installations" --scenario grants --preloaded "$data/pre1m/preload.properties" --data-dir "$data/pre1m" --rate 300 --connections 16
  load --label "1M installations, saturated" --scenario mix --preloaded "$data/pre1m/preload.properties" --data-dir "$data/pre1m" --concurrency 16
}
preload_pg() { # $1 = count, $2 = directory name (master key, preload.properties), $3 = database: made once, then kept
  if [ ! -f "$data/$2/preload.properties" ] || [ -z "$(psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$3'")" ]; then
    psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $3" -c "CREATE DATABASE $3" >/dev/null
    rm -rf "$data/$2"; bench preload --count "$1" --batch 10000 --data-dir "$data/$2" --db-url "${PG_URL%/*}/$3"
  fi
}
run_scale_pg() { # run_scale on PostgreSQL (PG_URL's server; databases <PG_URL's name>_1k and _1m, kept between runs)
  local base="${PG_URL%/*}/${PG_URL##*/}"
  preload_pg 1000 pg1k "${PG_URL##*/}_1k"; preload_pg 1000000 pg1m "${PG_URL##*/}_1m"
  load --label "1k installations, PostgreSQL" --scenario grants --preloaded "$data/pg1k/preload.properties" --data-dir "$data/pg1k" \
    --db-url "${base}_1k" --rate 300 --connections 16
  load --label "1M installations, PostgreSQL" --scenario grants --preloaded "$data/pg1m/preload.properties" --data-dir "$data/pg1m" \
    --db-url "${base}_1m" --rate 300 --connections 16
  load --label "1M installations, saturated, PostgreSQL" --scenario mix --preloaded "$data/pg1m/preload.properties" --data-dir "$data/pg1m" \
    --db-url "${base}_1m" --concurrency 16
}
run_startup() { # start-up to ready on an existing database, 5 times (the first run of a new jar also writes the CDS archive)
  for i in 1 2 3 4 5; do
    bench load --root "$root" --out "$res" --label "startup" --scenario grants --concurrency 1 --warmup 0 --duration 1 --clients 1 --tokens 1 --data-dir "$data/pre1k" | grep start-up
  done
}
run_jmh() { "$J" -cp "$CP" org.openjdk.jmh.Main ${JMH_ARGS:-} -rf json -rff "$out/jmh.json" | tee "$out/jmh.txt" | grep -E "^(Benchmark|HotPath|ClientLookup)"; }
run_profiles() {
  prof() { bench load --root "$root" --warmup 5 --duration 15 --out "$out/profiles/runs.jsonl" "$@"; }
  prof --label "profile grants ES256" --scenario grants --concurrency 4 --server-opts "$(jfr grants-es256)" --data-dir "$(fresh p1)"
  prof --label "profile grants EdDSA" --scenario grants --alg EdDSA --concurrency 4 --server-opts "$(jfr grants-eddsa)" --data-dir "$(fresh p2)"
  prof --label "profile registrations" --scenario registrations --concurrency 4 --server-opts "$(jfr registrations)" --data-dir "$(fresh p3)"
  prof --label "profile introspections" --scenario introspections --concurrency 4 --server-opts "$(jfr introspections)" --data-dir "$(fresh p4)"
  if [ -f "$data/pre20k/preload.properties" ]; then # issue 18: the fleet (run 'fleet' first for its preload)
    prof --label "profile fleet 20k ES256" --scenario grants --fleet --preloaded "$data/pre20k/preload.properties" --data-dir "$data/pre20k" \
      --concurrency 4 --server-opts "$(jfr fleet-es256)"
    python3 bench/jfr-top.py "$out/profiles/fleet-es256.jfr" 40 > "$out/profiles/fleet-es256.txt"
  fi
  run_keybound_profile
  for p in grants-es256 grants-eddsa registrations introspections; do
    python3 bench/jfr-top.py "$out/profiles/$p.jfr" 40 > "$out/profiles/$p.txt"
  done
}
run_chart() {
  local series=(--series "grants ES256" --series "grants EdDSA")
  for peer in $PEERS; do series+=(--series "$peer grants ES256" --series "$peer grants EdDSA"); done
  bench chart --in "$res" --out "$root/docs/performance-concurrency.svg" "${series[@]}"
}
run_ratios() { # peer ÷ Gatehouse per figure, runs made together; the bar chart of the newest pairs in docs/
  python3 bench/ratios.py "$res" --svg "$root/docs/performance-ratios.svg" | tee "$out/ratios.txt"
}

if [ $# -eq 0 ]; then set -- grants eddsa registrations introspections mix scale scale_pg startup chart ratios profiles jmh; fi
for what in "$@"; do echo "== $what"; "run_$what"; done
