#!/usr/bin/env bash
# Issue 4 "done when": listing and clean-up stay usable with 1,000,000 stored installations.
# Usage: scripts/installations-at-scale.sh [h2|postgres] [count]   (default: postgres 1000000)
# Uses a fresh database (a new PostgreSQL database on 127.0.0.1:5432, or a temporary H2 data dir)
# and removes it afterwards. Prints each command's wall time. The installations are inserted by the
# benchmark's preloader (gatehouse-bench `preload --aged`: an aged fleet, some never seen, some flagged).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
backend="${1:-postgres}"
count="${2:-1000000}"
work="$(mktemp -d)"
export GATEHOUSE_DATA_DIR="$work/data" GATEHOUSE_CONFIG=/dev/null
db=""
if [ "$backend" = postgres ]; then
  db="gh_scale_$$"
  psql -q -h 127.0.0.1 -U postgres -d test -c "CREATE DATABASE $db"
  export GATEHOUSE_DB_URL="jdbc:postgresql://127.0.0.1:5432/$db" GATEHOUSE_DB_USER=postgres GATEHOUSE_DB_PASSWORD=
fi
cleanup() {
  [ -n "$db" ] && psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
  rm -rf "$work"
}
trap cleanup EXIT

timed() { # label, command...
  local label="$1"; shift
  local t0 t1
  t0=$(date +%s.%N)
  "$@" > "$work/out.txt" 2> "$work/err.txt" || { cat "$work/err.txt" >&2; exit 1; }
  t1=$(date +%s.%N)
  printf '%-44s %6.2f s   %s\n' "$label" "$(echo "$t1 - $t0" | bc)" "$(tail -1 "$work/out.txt" | cut -c1-80)"
}

gh="$root/gatehouse"
version="$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' "$root/pom.xml")"
bench_jar="$root/gatehouse-bench/target/gatehouse-bench-$version.jar"
if [ ! -f "$bench_jar" ] || [ -n "$(find "$root"/gatehouse-server/src "$root"/gatehouse-bench/src -newer "$bench_jar" -print -quit)" ]; then
  (cd "$root" && mvn -q -B -DskipTests -pl gatehouse-bench -am package)
fi
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
echo "backend $backend, $count installations"
timed "baseline: start the CLI and open the db" "$gh" db migrate
timed "preload $count installations" "$java" --enable-native-access=ALL-UNNAMED -cp "$bench_jar:$root/gatehouse-bench/target/lib/*" \
  org.gatehouse.bench.Bench preload --aged --count "$count" --batch 10000 --info "$work/preload.properties"
iat=$(sed -n 's/^iat_id=//p' "$work/preload.properties")
echo "token $iat"
timed "installations list (first page of 100)" "$gh" installations list --limit 100
last=$("$gh" installations list --limit 100 --json | tail -1 | sed 's/.*"id":"\([^"]*\)".*/\1/')
timed "installations list (next page, cursor)" "$gh" installations list --limit 100 --after "$last"
timed "installations list --token (page)" "$gh" installations list --token "$iat" --limit 100
timed "installations list --flagged (page)" "$gh" installations list --flagged --limit 100
timed "installations show (by installation id)" "$gh" installations show "$last"
timed "installations cleanup --dry-run" "$gh" installations cleanup --dry-run
timed "installations cleanup" "$gh" installations cleanup
timed "installations list --stale (page)" "$gh" installations list --stale --limit 100
timed "installations cleanup (again: nothing to do)" "$gh" installations cleanup
