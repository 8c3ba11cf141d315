#!/usr/bin/env bash
# Keycloak as a benchmark peer (issue 18 Must 7): downloads keycloak-quarkus-dist from Maven Central once into
# bench/peers/keycloak/dist (git-ignored), checks the SHA-1 that Maven Central publishes beside the zip, unpacks it and
# runs `kc.sh build` once (dev-file H2 database), so that each benchmark run starts it with `kc.sh start --optimized`
# like a real install (gatehouse-bench's ServerProcess.startPeer; bench/run.sh with PEERS="... keycloak").
# Idempotent: does nothing when the built distribution is there. KEYCLOAK_VERSION overrides the version (26.7.3).
# Keycloak 26 runs on Java 17, 21 or 25; JAVA_HOME defaults to Temurin 25 as in bench/run.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="${KEYCLOAK_VERSION:-26.7.3}"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
dist="$here/dist"; home="$dist/keycloak-$version"
url="https://repo.maven.apache.org/maven2/org/keycloak/keycloak-quarkus-dist/$version/keycloak-quarkus-dist-$version.zip"
zip="$dist/keycloak-quarkus-dist-$version.zip"
mkdir -p "$dist"
if [ -f "$home/.bench-built" ]; then echo "$home"; exit 0; fi
if [ ! -f "$zip" ]; then
  curl -fsS -o "$zip.part" "$url"
  mv "$zip.part" "$zip"
fi
want="$(curl -fsS "$url.sha1" | cut -c1-40)"
got="$(sha1sum "$zip" | cut -c1-40)"
if [ "$want" != "$got" ]; then
  echo "SHA-1 mismatch for $zip: Maven Central publishes $want, the file has $got" >&2
  rm -f "$zip"; exit 1
fi
rm -rf "$home"
(cd "$dist" && unzip -q "$zip")
# The build options a start --optimized then uses: the dev-file (H2) database; health and metrics stay off (their
# defaults), so no management port is opened. Keycloak has no update check or telemetry to switch off (tracing is off by
# default). ServerProcess.startKeycloak adds the run-time options (loopback http, --cache=local: one node).
"$home/bin/kc.sh" build --db=dev-file
touch "$home/.bench-built"
echo "$home"
