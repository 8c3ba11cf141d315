#!/usr/bin/env bash
# Fuzzes every Jazzer target in fuzzing mode (JAZZER_FUZZ=1), one JVM per target (Jazzer fuzzes one
# target per JVM). Each run lasts the target's @FuzzTest maxDuration (20 s); ROUNDS=n repeats the
# whole set n times, and each round starts from the corpus the previous ones grew
# (gatehouse-*/.cifuzz-corpus, not committed). A finding fails the run and is written to
# src/test/resources/.../<Class>Inputs/<target>/crash-*: commit it as a regression input.
#   ./fuzz.sh                 every target once (about 5 minutes)
#   ROUNDS=6 ./fuzz.sh        about 30 minutes
#   ./fuzz.sh ServerFuzzTest#registration   one target
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(ServerFuzzTest#json ServerFuzzTest#registration ServerFuzzTest#update ServerFuzzTest#token
           ServerFuzzTest#introspection ServerFuzzTest#revocation
           ClientFuzzTest#tokenFile ClientFuzzTest#credentialStore ClientFuzzTest#jwt)
fi
mvn -B -q -o install -DskipTests >/dev/null
total=0
for round in $(seq 1 "${ROUNDS:-1}"); do
  for t in "${targets[@]}"; do
    case "$t" in Server*) module=gatehouse-server ;; *) module=gatehouse-client ;; esac
    JAZZER_FUZZ=1 mvn -B -q -o -pl "$module" test -Dtest="$t" >/dev/null 2>&1 || {
      echo "FINDING in $t: see $module/target/surefire-reports" >&2; exit 1; }
    n=$(grep -ho 'fuzz executions: [0-9]*' "$module"/target/surefire-reports/*FuzzTest-output.txt | awk '{print $3}')
    total=$((total + n))
    echo "round $round $t: $n executions, 0 findings"
  done
done
echo "fuzz: $total executions, 0 findings"
