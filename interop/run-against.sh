#!/usr/bin/env bash
# Checks a running Gatehouse server with third-party OAuth libraries (gatehouse-interop's InteropCheck).
#   interop/run-against.sh <issuer> <token-file.json> [resource-server-client-id resource-server-secret]
# Builds the module when its sources changed, runs on the newest JDK >= 17 it finds (as ./gatehouse does),
# prints one PASS/FAIL line per check and "N passed, N failed"; exits 0 only if every check passed.
# INTEROP_JAVA_OPTS is passed to java, e.g. -Dinterop.audience=https://api.example.org when
# GATEHOUSE_AUDIENCE is not the issuer.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [ $# -ne 2 ] && [ $# -ne 4 ]; then
  echo "usage: interop/run-against.sh <issuer> <token-file.json> [resource-server-client-id resource-server-secret]" >&2
  exit 2
fi

java_major() { # $1 = JDK home; prints its major version or nothing
  local rel="$1/release" v=""
  if [ -f "$rel" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9][0-9]*\).*/\1/p' "$rel")
  elif [ -x "$1/bin/java" ]; then
    v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/.*java.specification.version = \([0-9][0-9]*\).*/\1/p')
  fi
  echo "$v"
}

pick_jdk() {
  local best="" best_v=0 c v
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for c in /usr/lib/jvm/* /opt/java/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$c" ] && candidates+=("$c")
  done
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for c in "${candidates[@]}"; do
    [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    v=$(java_major "$c")
    if [ -n "$v" ] && [ "$v" -ge 17 ] && [ "$v" -gt "$best_v" ]; then best="$c"; best_v="$v"; fi
  done
  if [ -z "$best" ]; then
    echo "run-against: no JDK 17 or newer found (set JAVA_HOME)" >&2
    exit 1
  fi
  echo "$best"
}

jdk="$(pick_jdk)"
export JAVA_HOME="$jdk"
if [ "$(java_major "$jdk")" -ge 24 ]; then # quiets Maven's own Guava warning on new JDKs
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
fi

module="$root/gatehouse-interop"
version="$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' "$root/pom.xml")" # the one place the version lives
jar="$module/target/gatehouse-interop-$version.jar"
stale() {
  [ -f "$jar" ] && [ -d "$module/target/lib" ] || return 0
  [ -n "$(find "$root/pom.xml" "$module/pom.xml" "$module/src/main" -newer "$jar" -print -quit 2>/dev/null)" ]
}
if stale; then
  echo "run-against: building gatehouse-interop (first run or sources changed)..." >&2
  (cd "$root" && mvn -q -B -DskipTests -pl gatehouse-interop -am package >&2)
  touch "$jar" # Maven keeps an unchanged jar's old time: without this, a touched pom.xml rebuilds on every run
fi

# shellcheck disable=SC2086 # INTEROP_JAVA_OPTS is a list of options
exec "$jdk/bin/java" ${INTEROP_JAVA_OPTS:-} -cp "$jar:$module/target/lib/*" org.gatehouse.interop.InteropCheck "$@"
