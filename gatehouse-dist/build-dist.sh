#!/usr/bin/env bash
# Assembles the release files from what Maven built, into OUT (default: dist/ of the checkout):
#   gatehouse-<v>.tar.gz                 bin/gatehouse (needs a Java >= 17), lib/, conf/, systemd/, licences
#   gatehouse-<v>-linux-x64.tar.gz       the same plus runtime/ (jlink), which bin/gatehouse prefers
#   gatehouse_<v>_amd64.deb              /usr/bin/gatehouse, /etc/gatehouse, /var/lib/gatehouse, gatehouse.service
#   gatehouse-<v>-image.tar              OCI image layout (and Docker's manifest.json), no base image
#   gatehouse-enrol-<v>.jar              java -jar, no dependencies
#   gatehouse-enrol-<v>-linux-x64.tar.gz jpackage app image gatehouse-enrol/bin/gatehouse-enrol
#   gatehouse-<v>.cdx.json               CycloneDX SBOM (cyclonedx-maven-plugin, gatehouse-dist/pom.xml)
#   SHA256SUMS
# `./gatehouse dist` runs Maven and then this; ReleaseTest runs this after the reactor built the modules.
# Needs JAVA_HOME = a JDK >= 17 with jlink and jpackage (jmods, or a linkable runtime: JEP 493), and
# dpkg-deb, tar, gzip, unzip, jq, sha256sum, ldd. Linux x64 only.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "${1:-$root/dist}"
out="$(cd "${1:-$root/dist}" && pwd)"
version="$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' "$root/pom.xml")" # the one place the version lives
jdk="${JAVA_HOME:?set JAVA_HOME to a JDK 17 or newer with jlink and jpackage}"
src="$root/gatehouse-dist/src/dist"

die() { echo "build-dist: $*" >&2; exit 1; }
step() { echo "build-dist: ${SECONDS}s: $*" >&2; }
for tool in dpkg-deb tar gzip unzip jq sha256sum ldd; do command -v "$tool" >/dev/null || die "$tool is missing"; done
for tool in java jlink jpackage; do [ -x "$jdk/bin/$tool" ] || die "$jdk has no bin/$tool"; done
major="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$jdk/release")"

server_jar="$root/gatehouse-server/target/gatehouse-server-$version.jar"
enrol_jar="$root/gatehouse-client/target/gatehouse-client-$version-enrol.jar"
sbom="$root/gatehouse-dist/target/gatehouse.cdx.json"
for f in "$server_jar" "$root/gatehouse-server/target/lib" "$enrol_jar" "$sbom"; do
  [ -e "$f" ] || die "$f is missing: build with ./gatehouse dist (Maven: -pl gatehouse-dist -am package)"
done

work="$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-dist.XXXXXX")"
trap 'rm -rf "$work"' EXIT
rm -f "$out"/gatehouse[-_]* "$out/SHA256SUMS"

# Reproducible archives: sorted entries, numeric owners, every time set to the commit's.
epoch="${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 0)}"
tar_opts=(--sort=name --mtime="@$epoch" --numeric-owner --format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime)
tgz() { # ARCHIVE DIR ENTRY...: a .tar.gz of ENTRY... under DIR, owned by root
  tar "${tar_opts[@]}" --owner=0 --group=0 -C "$2" -cf - "${@:3}" | gzip -6n > "$1"
}

step "server files"
# --- the server's files, common to every server artifact ------------------------------------------------
app="$work/gatehouse-$version"
mkdir -p "$app/bin" "$app/lib" "$app/conf" "$app/systemd" "$app/licenses"
install -m 0755 "$src/bin/gatehouse" "$app/bin/gatehouse"
cp "$server_jar" "$root/gatehouse-server/target/lib/"*.jar "$app/lib/"
cp "$root/gatehouse-server/serve.jvm-options" "$app/lib/serve.jvm-options"
cp "$src/conf/gatehouse.conf.example" "$app/conf/"
cp "$src/systemd/gatehouse.service" "$app/systemd/"
cp "$root/LICENSE" "$app/LICENSE"
# Third-party notices: every bundled component with its licence (from the SBOM), and the licence and
# notice files each jar carries.
jq -r '.components[] | select(.group != "org.gatehouse")
       | "\(.group):\(.name) \(.version): \([.licenses[]?.license | (.id // .name // .url)] | join(", "))"' "$sbom" \
  | sort | { echo "Gatehouse $version bundles these components (group:artifact version: licence); their licence"
             echo "and notice files are in licenses/. The -linux-x64 tarball, the .deb and the image also bring a"
             echo "Java runtime made by jlink from $("$jdk/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.vendor = //p') $("$jdk/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.runtime.version = //p')"
             echo "(GPL-2.0-only WITH Classpath-exception-2.0; its legal/ folder holds the notices); the image also"
             echo "the GNU C library files it links (LGPL-2.1-or-later), copied from the build machine's Debian packages."; echo; cat; } \
  > "$app/THIRD-PARTY-NOTICES.txt"
for jar in "$app/lib/"*.jar; do
  name="$(basename "$jar" .jar)"
  files="$(unzip -Z1 "$jar" | grep -E '^META-INF/([^/]*/)?(LICEN[CS]E|NOTICE|COPYING)[^/]*$' || true)"
  [ -n "$files" ] || continue
  mkdir -p "$app/licenses/$name"
  # shellcheck disable=SC2086 # one name per line, no spaces in them
  unzip -q -o -j "$jar" $files -d "$app/licenses/$name"
done
tgz "$out/gatehouse-$version.tar.gz" "$work" "gatehouse-$version"

step "jlink server runtime"
# --- the runtimes (jlink) ---------------------------------------------------------------------------------
compress=zip-6; [ "$major" -ge 21 ] || compress=2
present() { "$jdk/bin/java" --list-modules | sed 's/@.*//' | grep -qx "$1"; }
modules() { # the modules named, plus jdk.crypto.ec where it still exists (EC TLS and signatures on Java 17)
  local m="$1"; if present jdk.crypto.ec; then m="$m,jdk.crypto.ec"; fi; echo "$m"
}
# Found by jdeps --print-module-deps over the server's jars; jdk.zipfs for jar file systems.
server_modules="$(modules java.base,java.compiler,java.desktop,java.instrument,java.naming,java.net.http,java.rmi,java.scripting,java.security.jgss,java.sql,jdk.jfr,jdk.management,jdk.net,jdk.unsupported,jdk.zipfs)"
enrol_modules="$(modules java.base,java.net.http)"
link() { # OUTPUT MODULES [jlink options]: a trimmed runtime; its output goes to a log shown only on failure
  "$jdk/bin/jlink" --add-modules "$2" --output "$1" --strip-debug --no-man-pages --no-header-files \
    --compress="$compress" "${@:3}" > "$work/jlink.log" 2>&1 || { cat "$work/jlink.log" >&2; die "jlink failed"; }
  [ -x "$1/bin/java" ] || die "jlink did not make $1"
}
# The server's runtime gets the JDK's default CDS archive (start-up), for compressed oops only (heaps < 32 GB):
# the other one would add 14 MB for heaps Gatehouse never uses.
link "$app/runtime" "$server_modules" --generate-cds-archive
rm -f "$app/runtime/lib/server/classes_nocoops.jsa"
step "self-contained tarball"
tgz "$out/gatehouse-$version-linux-x64.tar.gz" "$work" "gatehouse-$version"

step "deb"
# --- Debian package: the self-contained server under /usr/lib/gatehouse --------------------------------------
deb="$work/deb"
mkdir -p "$deb/usr/lib/gatehouse" "$deb/usr/bin" "$deb/etc/gatehouse" "$deb/lib/systemd/system" "$deb/usr/share/doc/gatehouse" "$deb/DEBIAN"
cp -a "$app/bin" "$app/lib" "$app/runtime" "$deb/usr/lib/gatehouse/"
ln -s ../lib/gatehouse/bin/gatehouse "$deb/usr/bin/gatehouse"
ln -s /etc/gatehouse "$deb/usr/lib/gatehouse/conf"       # the launcher reads conf/gatehouse.conf
ln -s /var/cache/gatehouse "$deb/usr/lib/gatehouse/cds"  # AppCDS archives of CLI runs
sed 's|^#data_dir=.*|data_dir=/var/lib/gatehouse|' "$src/conf/gatehouse.conf.example" > "$deb/etc/gatehouse/gatehouse.conf"
sed 's|^ExecStart=/opt/gatehouse/bin/gatehouse|ExecStart=/usr/bin/gatehouse|' "$src/systemd/gatehouse.service" > "$deb/lib/systemd/system/gatehouse.service"
cp "$root/LICENSE" "$deb/usr/share/doc/gatehouse/copyright"
cp -a "$app/THIRD-PARTY-NOTICES.txt" "$app/licenses" "$deb/usr/share/doc/gatehouse/"
install -m 0755 "$src/debian/postinst" "$src/debian/prerm" "$src/debian/postrm" "$deb/DEBIAN/"
install -m 0644 "$src/debian/conffiles" "$deb/DEBIAN/"
sed -e "s/@VERSION@/$version/" -e "s/@SIZE@/$(du -sk --exclude=DEBIAN "$deb" | cut -f1)/" "$src/debian/control" > "$deb/DEBIAN/control"
find "$deb" -exec touch -h -d "@$epoch" {} +
SOURCE_DATE_EPOCH="$epoch" dpkg-deb --root-owner-group -Zgzip -z6 --build "$deb" "$out/gatehouse_${version}_amd64.deb" >/dev/null

step "image"
# --- OCI image: no base image. Layer 1: the C libraries the runtime links, /etc/passwd, the data and cache
# directories; layer 2: the runtime; layer 3: the application. Entry point: the runtime's java (no shell), with the
# launchers' options file lib/serve.jvm-options as an argument file (read by java itself). With no shell nothing reads
# GATEHOUSE_JAVA_OPTS here (serve warns when it is set and not applied): _JAVA_OPTIONS, which the JVM applies after its
# command line, takes its place (docs/operations.md, "OCI image").
uid=10001
img="$work/image"; layers="$work/layers"
mkdir -p "$img/blobs/sha256" "$layers/system/etc" "$layers/system/tmp" "$layers/runtime/opt/gatehouse" "$layers/app/opt/gatehouse"
printf 'root:x:0:0:root:/root:/sbin/nologin\ngatehouse:x:%s:%s:Gatehouse:/var/lib/gatehouse:/sbin/nologin\n' $uid $uid > "$layers/system/etc/passwd"
printf 'root:x:0:\ngatehouse:x:%s:\n' $uid > "$layers/system/etc/group"
chmod 1777 "$layers/system/tmp"
# The system libraries the runtime links, leaving out what only AWT, fonts, images and sound load (X11, ALSA):
# a headless server never loads those.
find "$app/runtime" -type f \( -name java -o -name '*.so' \) -print0 \
  | grep -zvE '/lib(awt|awt_xawt|awt_headless|jawt|splashscreen|jsound|fontmanager|freetype|lcms|javajpeg|mlib_image)\.so$' \
  | xargs -0 ldd 2>/dev/null \
  | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// && $2 ~ /^\(/ { print $1 }' | grep -v "^$app/" | sort -u \
  | while read -r lib; do cp --parents -L "$lib" "$layers/system/"; done
[ -e "$layers/system/lib64/ld-linux-x86-64.so.2" ] || die "the dynamic loader was not found by ldd"
cp -a "$app/runtime" "$layers/runtime/opt/gatehouse/"
cp -a "$app/lib" "$app/conf" "$app/LICENSE" "$app/THIRD-PARTY-NOTICES.txt" "$app/licenses" "$layers/app/opt/gatehouse/" # no bin/: no shell here
mkdir -p "$work/owned/var/lib/gatehouse" "$work/owned/var/cache/gatehouse"
chmod 0700 "$work/owned/var/lib/gatehouse" "$work/owned/var/cache/gatehouse"

blob() { # FILE: moves FILE into the layout as a blob; prints "digest size"
  local d; d="$(sha256sum "$1" | cut -d' ' -f1)"
  local s; s="$(stat -c %s "$1")"
  mv "$1" "$img/blobs/sha256/$d"; echo "sha256:$d $s"
}
layer_json=(); diff_ids=()
for l in system runtime app; do
  tar "${tar_opts[@]}" --owner=0 --group=0 -C "$layers/$l" -cf "$work/$l.tar" .
  if [ "$l" = system ]; then # the data volume and the JVM's cache: the image's user owns them
    tar "${tar_opts[@]}" --owner=$uid --group=$uid -C "$work/owned" -rf "$work/$l.tar" ./var/lib/gatehouse ./var/cache/gatehouse
  fi
  diff_ids+=("sha256:$(sha256sum "$work/$l.tar" | cut -d' ' -f1)")
  gzip -6n "$work/$l.tar"
  read -r digest size < <(blob "$work/$l.tar.gz")
  layer_json+=("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"$digest\",\"size\":$size}")
done
java=/opt/gatehouse/runtime/bin/java
created="$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)"
# The AppCDS archive as bin/gatehouse makes it: Java 19+ only (-XX:+AutoCreateSharedArchive stops an older JVM at start).
cds='[]'
if [ "$major" -ge 19 ]; then
  cds='["-XX:+AutoCreateSharedArchive", "-XX:SharedArchiveFile=/var/cache/gatehouse/serve.jsa", "-Xlog:cds=off", "-Xlog:cds+dynamic=off"]'
fi
jq -n --arg created "$created" --arg version "$version" --arg java "$java" --arg uid "$uid" --argjson cds "$cds" \
  --argjson diffs "$(printf '%s\n' "${diff_ids[@]}" | jq -R . | jq -s .)" '{
  created: $created, architecture: "amd64", os: "linux",
  config: {
    User: "\($uid):\($uid)",
    Env: ["PATH=/opt/gatehouse/runtime/bin", "GATEHOUSE_BIND=0.0.0.0", "GATEHOUSE_PORT=8080",
          "GATEHOUSE_DATA_DIR=/var/lib/gatehouse", "MALLOC_ARENA_MAX=2"],
    Entrypoint: ([$java, "@/opt/gatehouse/lib/serve.jvm-options"] + $cds + ["-cp", "/opt/gatehouse/lib/*", "org.gatehouse.server.Main"]),
    Cmd: ["serve"],
    WorkingDir: "/var/lib/gatehouse",
    ExposedPorts: {"8080/tcp": {}},
    Volumes: {"/var/lib/gatehouse": {}},
    StopSignal: "SIGTERM",
    Healthcheck: {Test: ["CMD", $java, "-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", "/opt/gatehouse/lib/*",
                         "org.gatehouse.server.Main", "health"],
                  Interval: 30000000000, Timeout: 10000000000, StartPeriod: 60000000000, Retries: 3},
    Labels: {"org.opencontainers.image.title": "Gatehouse", "org.opencontainers.image.version": $version}
  },
  rootfs: {type: "layers", diff_ids: $diffs},
  history: [{created: $created, created_by: "gatehouse-dist/build-dist.sh: C libraries, /etc/passwd, data volume"},
            {created: $created, created_by: "gatehouse-dist/build-dist.sh: jlink runtime"},
            {created: $created, created_by: "gatehouse-dist/build-dist.sh: Gatehouse \($version)"}]
}' > "$work/config.json"
read -r config_digest config_size < <(blob "$work/config.json")
jq -n --arg cd "$config_digest" --argjson cs "$config_size" --argjson layers "[$(IFS=,; echo "${layer_json[*]}")]" '{
  schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
  config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $cd, size: $cs},
  layers: $layers
}' > "$work/manifest.json"
read -r manifest_digest manifest_size < <(blob "$work/manifest.json")
jq -n --arg md "$manifest_digest" --argjson ms "$manifest_size" --arg v "$version" '{
  schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
  manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $md, size: $ms,
               annotations: {"org.opencontainers.image.ref.name": $v, "io.containerd.image.name": "docker.io/library/gatehouse:\($v)"}}]
}' > "$img/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' > "$img/oci-layout"
# docker load reads Docker's manifest.json; podman, skopeo and containerd read the OCI layout.
jq -n --arg c "blobs/sha256/${config_digest#sha256:}" --arg v "$version" \
  --argjson l "$(jq '[.layers[].digest | "blobs/sha256/" + ltrimstr("sha256:")]' "$img/blobs/sha256/${manifest_digest#sha256:}")" \
  '[{Config: $c, RepoTags: ["gatehouse:\($v)"], Layers: $l}]' > "$img/manifest.json"
tar "${tar_opts[@]}" --owner=0 --group=0 -C "$img" -cf "$out/gatehouse-$version-image.tar" oci-layout index.json manifest.json blobs

step "enrol"
# --- enrol: the runnable jar and the app image with its own runtime -------------------------------------------
cp "$enrol_jar" "$out/gatehouse-enrol-$version.jar"
mkdir -p "$work/enrol-in"
cp "$enrol_jar" "$work/enrol-in/gatehouse-enrol-$version.jar"
link "$work/enrol-runtime" "$enrol_modules"
"$jdk/bin/jpackage" --type app-image --name gatehouse-enrol --app-version "${version%%-*}" --dest "$work/enrol-image" \
  --input "$work/enrol-in" --main-jar "gatehouse-enrol-$version.jar" --main-class org.gatehouse.client.cli.Main \
  --runtime-image "$work/enrol-runtime" --description "Gatehouse enrolment tool"
tgz "$out/gatehouse-enrol-$version-linux-x64.tar.gz" "$work/enrol-image" gatehouse-enrol

step "checksums"
# --- SBOM and checksums -------------------------------------------------------------------------------------
cp "$sbom" "$out/gatehouse-$version.cdx.json"
(cd "$out" && sha256sum gatehouse[-_]* > SHA256SUMS)
(cd "$out" && ls -l gatehouse[-_]* SHA256SUMS)
