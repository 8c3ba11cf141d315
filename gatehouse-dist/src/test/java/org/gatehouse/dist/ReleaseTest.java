package org.gatehouse.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.gatehouse.server.testing.Http;
import java.util.Comparator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Builds the release (gatehouse-dist/build-dist.sh, what {@code ./gatehouse dist} runs after Maven) and uses it
 * as an operator and an installer author would, from a temporary directory whose {@code PATH} holds only basic
 * shell tools: no JDK, no Maven.
 *
 * <p>What this machine cannot do, and so is not tested here: start the unit under systemd (no systemd as PID 1:
 * the unit file's contents are checked instead), run a container runtime (no Docker or Podman daemon, no
 * registry: the image's layers are unpacked and its entry point is started from them with chroot, as root, and
 * its health check command is run the same way; the config's fields are checked as Docker and OCI define them),
 * and build the Windows and macOS enrol images (jpackage makes them only on those systems: docs/installers.md
 * has the commands). The .deb is installed into a throw-away root with {@code dpkg --root} running its
 * maintainer scripts without chroot ({@code DPKG_ROOT} set), which needs root; CI runs as root.
 */
class ReleaseTest {
    private static final String VERSION = System.getProperty("gatehouse.pom.version");
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final boolean ROOT_USER = "root".equals(System.getProperty("user.name"));
    private static final String READY = "Gatehouse is running";
    private static final List<Path> TEMP_DIRS = new ArrayList<>();
    private static Path dist;
    private static Path basicBin;

    @BeforeAll
    static void buildTheRelease() throws IOException {
        Path tmp = tempDir("gatehouse-release-test");
        dist = tmp.resolve("dist");
        Map<String, String> env = new LinkedHashMap<>(System.getenv());
        env.put("JAVA_HOME", System.getProperty("java.home")); // the JDK running the tests: it has jlink and jpackage
        Result r = run(ROOT, env, 1800, ROOT.resolve("gatehouse-dist/build-dist.sh").toString(), dist.toString());
        assertThat(r.exit).as(r.out).isZero();
        basicBin = Files.createDirectory(tmp.resolve("basic-bin"));
        for (String tool : List.of("sh", "sed", "cat", "dirname", "readlink", "mkdir", "ls")) {
            Path real = Stream.of("/usr/bin/", "/bin/").map(d -> Path.of(d + tool)).filter(Files::isExecutable).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + tool));
            Files.createSymbolicLink(basicBin.resolve(tool), real);
        }
    }

    /** The release and everything unpacked from it weigh about 700 MB: nothing stays behind in /tmp. */
    @AfterAll
    static void removeTemporaryDirectories() throws IOException {
        for (Path dir : TEMP_DIRS) {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    private static Path tempDir(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(prefix);
        TEMP_DIRS.add(dir);
        return dir;
    }

    @Test
    void everyArtifactIsThereWithChecksumsAndAnSbom() throws Exception {
        try (Stream<Path> files = Files.list(dist)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                    "gatehouse-" + VERSION + ".tar.gz", "gatehouse-" + VERSION + "-linux-x64.tar.gz",
                    "gatehouse_" + VERSION + "_amd64.deb", "gatehouse-" + VERSION + "-image.tar",
                    "gatehouse-enrol-" + VERSION + ".jar", "gatehouse-enrol-" + VERSION + "-linux-x64.tar.gz",
                    "gatehouse-" + VERSION + ".cdx.json", "SHA256SUMS");
        }
        Result sums = run(dist, Map.of("PATH", "/usr/bin:/bin"), 300, "sha256sum", "-c", "SHA256SUMS");
        assertThat(sums.exit).as(sums.out).isZero();
        assertThat(sums.out.lines().filter(l -> l.endsWith(": OK"))).hasSize(7);

        // The SBOM lists every jar the server tarball bundles, each with a licence.
        Map<String, Object> sbom = JSONObjectUtils.parse(Files.readString(dist.resolve("gatehouse-" + VERSION + ".cdx.json")));
        List<String> listed = new ArrayList<>();
        for (Object o : (List<?>) sbom.get("components")) {
            Map<?, ?> c = (Map<?, ?>) o;
            assertThat((List<?>) c.get("licenses")).as("licences of %s", c.get("name")).isNotEmpty();
            // A jar with a classifier (ACCP's native linux-x86_64 jar) is named with it: the purl in bom-ref carries it.
            java.util.regex.Matcher classifier = java.util.regex.Pattern.compile("[?&]classifier=([^&]+)")
                    .matcher(String.valueOf(c.get("bom-ref")));
            listed.add(c.get("name") + "-" + c.get("version") + (classifier.find() ? "-" + classifier.group(1) : "") + ".jar");
        }
        Path home = unpack("gatehouse-" + VERSION + ".tar.gz", "plain-list");
        try (Stream<Path> jars = Files.list(home.resolve("lib"))) {
            assertThat(listed).containsAll(jars.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")).toList());
        }
        assertThat(listed).contains("picocli-4.7.7.jar", "gatehouse-client-" + VERSION + ".jar");
        for (String f : List.of("bin/gatehouse", "conf/gatehouse.conf.example", "systemd/gatehouse.service", "LICENSE",
                "THIRD-PARTY-NOTICES.txt", "lib/serve.jvm-options", "lib/gatehouse-server-" + VERSION + ".jar")) {
            assertThat(home.resolve(f)).as(f).exists();
        }
        assertThat(home.resolve("runtime")).doesNotExist();
    }

    /** Item 5: the self-contained server and the enrol app image, with no JDK and no Maven anywhere on PATH. */
    @Test
    void selfContainedServerAndEnrolImageGiveAnAccessToken() throws Exception {
        Path home = unpack("gatehouse-" + VERSION + "-linux-x64.tar.gz", "self-contained");
        assertThat(Files.readString(home.resolve("runtime/release"))).contains("MODULES=\"java.base");
        Path enrol = unpack("gatehouse-enrol-" + VERSION + "-linux-x64.tar.gz", "enrol").resolve("bin/gatehouse-enrol");
        Path cwd = home.getParent();
        int port = freePort();
        Map<String, String> env = basicEnv(Map.of("GATEHOUSE_PORT", Integer.toString(port)));

        Result version = run(cwd, env, 120, home.resolve("bin/gatehouse").toString(), "--version");
        assertThat(version.out.trim()).matches("Gatehouse " + VERSION.replace(".", "\\.") + " \\(commit [0-9a-f]{12}(-dirty)?\\)");
        try (Server server = Server.start(cwd, env, home.resolve("bin/gatehouse").toString(), "serve")) {
            assertThat(server.log().lines().findFirst().orElse("")).contains(version.out.trim() + " starting");
            // Issue 18: the native crypto provider loads from its jar in the jlinked runtime, without a native-access warning.
            assertThat(server.log()).contains("signatures by native crypto").doesNotContain("restricted method");
            Result iat = run(cwd, env, 120, home.resolve("bin/gatehouse").toString(), "iat", "create", "--label", "release test",
                    "--max-registrations", "2", "--output", "token.json");
            assertThat(iat.exit).as(iat.out).isZero();

            Result enrolled = run(cwd, env, 120, enrol.toString(), "enrol", "--token-file", "token.json", "--store", "store");
            assertThat(enrolled.exit).as(enrolled.out).isZero();
            Result token = run(cwd, env, 120, enrol.toString(), "token", "--store", "store");
            assertThat(token.exit).as(token.out).isZero();
            String jwt = token.out.trim();
            assertThat(jwt.split("\\.")).hasSize(3);
            Map<String, Object> claims = JSONObjectUtils.parse(new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]), StandardCharsets.UTF_8));
            assertThat(claims).containsEntry("iss", "http://127.0.0.1:" + port);
            Result enrolVersion = run(cwd, env, 120, enrol.toString(), "--version");
            assertThat(enrolVersion.out).contains(VERSION);
        }
    }

    /** Java 17 is the least we claim: the plain tarball on it, and the enrol jar with java -jar. */
    @Test
    void plainTarballAndEnrolJarRunOnJava17() throws Exception {
        Path java17 = java17();
        Path home = unpack("gatehouse-" + VERSION + ".tar.gz", "plain");
        int port = freePort();
        Map<String, String> env = basicEnv(Map.of("GATEHOUSE_PORT", Integer.toString(port), "JAVA_HOME", java17.toString()));
        try (Server server = Server.start(home.getParent(), env, home.resolve("bin/gatehouse").toString(), "serve")) {
            assertThat(server.log()).contains("Gatehouse " + VERSION + " (commit ");
            assertThat(server.log()).contains("signatures by native crypto"); // issue 18: ACCP 2.x on Java 17 too
            assertThat(new Http("http://127.0.0.1:" + port).get("/health/ready").status()).isEqualTo(200);
        }
        Result jar = run(dist, env, 120, java17.resolve("bin/java").toString(), "-jar", "gatehouse-enrol-" + VERSION + ".jar", "--version");
        assertThat(jar.exit).as(jar.out).isZero();
        assertThat(jar.out).contains(VERSION);
    }

    @Test
    void debianPackageInstallsRemovesAndPurgesInAThrowAwayRoot() throws Exception {
        assumeRoot("dpkg --root with maintainer scripts (useradd, chown)");
        Path root = tempDir("gatehouse-deb-root");
        for (String d : List.of("etc", "var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers", "usr/sbin")) {
            Files.createDirectories(root.resolve(d));
        }
        Files.writeString(root.resolve("var/lib/dpkg/status"), "");
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\n");
        Files.writeString(root.resolve("etc/shadow"), "root:*:20000:0:99999:7:::\n");
        Files.writeString(root.resolve("etc/gshadow"), "root:*::\n");
        String deb = dist.resolve("gatehouse_" + VERSION + "_amd64.deb").toString();
        Map<String, String> sys = Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        // dpkg would refuse the package's Depends (libc6, passwd), which this empty root lacks
        Result install = run(root, sys, 600, "dpkg", "--root=" + root, "--force-script-chrootless", "--force-depends",
                "--log=/dev/null", "-i", deb);
        assertThat(install.exit).as(install.out).isZero();

        String passwd = Files.readString(root.resolve("etc/passwd"));
        String user = passwd.lines().filter(l -> l.startsWith("gatehouse:")).findFirst().orElseThrow(() -> new AssertionError(passwd));
        String[] u = user.split(":");
        assertThat(Integer.parseInt(u[2])).as("a system user: " + user).isBetween(100, 999);
        assertThat(u[5]).isEqualTo("/var/lib/gatehouse");
        assertThat(u[6]).isEqualTo("/usr/sbin/nologin");
        Path data = root.resolve("var/lib/gatehouse");
        assertThat(Files.getAttribute(data, "unix:uid")).isEqualTo(Integer.parseInt(u[2]));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data))).isEqualTo("rwx------");
        Path conf = root.resolve("etc/gatehouse/gatehouse.conf");
        assertThat(Files.readString(conf)).contains("\ndata_dir=/var/lib/gatehouse\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(conf))).isEqualTo("rw-r-----");
        assertThat(Files.getAttribute(conf, "unix:gid")).isEqualTo(Integer.parseInt(u[3]));
        Result status = run(root, sys, 60, "dpkg", "--root=" + root, "-s", "gatehouse");
        assertThat(status.out).contains("Status: install ok installed", "Conffiles:", " /etc/gatehouse/gatehouse.conf ");
        assertThat(Files.readSymbolicLink(root.resolve("usr/bin/gatehouse"))).isEqualTo(Path.of("../lib/gatehouse/bin/gatehouse"));
        assertThat(root.resolve("usr/lib/gatehouse/runtime/bin/java")).isExecutable();
        String unit = Files.readString(root.resolve("lib/systemd/system/gatehouse.service"));
        assertThat(unit.lines()).contains("ExecStart=/usr/bin/gatehouse serve", "User=gatehouse", "NoNewPrivileges=yes",
                "ProtectSystem=strict", "ReadWritePaths=/var/lib/gatehouse", "ProtectHome=yes", "PrivateTmp=yes",
                "CapabilityBoundingSet=", "WantedBy=multi-user.target");
        // the packaged launcher through the /usr/bin link, on the packaged runtime
        Result version = run(root, basicEnv(Map.of()), 120, root.resolve("usr/bin/gatehouse").toString(), "--version");
        assertThat(version.out).as(version.out).startsWith("Gatehouse " + VERSION + " (commit ");

        Files.writeString(data.resolve("keep.txt"), "data");
        Result remove = run(root, sys, 300, "dpkg", "--root=" + root, "--force-script-chrootless", "--log=/dev/null", "-r", "gatehouse");
        assertThat(remove.exit).as(remove.out).isZero();
        assertThat(data.resolve("keep.txt")).as("remove keeps the data").exists();
        assertThat(conf).as("remove keeps the config").exists();
        assertThat(root.resolve("usr/lib/gatehouse")).doesNotExist();
        Result purge = run(root, sys, 300, "dpkg", "--root=" + root, "--force-script-chrootless", "--log=/dev/null", "-P", "gatehouse");
        assertThat(purge.exit).as(purge.out).isZero();
        assertThat(data).as("purge removes the data").doesNotExist();
        assertThat(root.resolve("etc/gatehouse")).doesNotExist();
    }

    @Test
    void ociImageHasItsConfigAndItsEntryPointServesFromItsLayers() throws Exception {
        Path layout = tempDir("gatehouse-image");
        Result untar = run(layout, Map.of("PATH", "/usr/bin:/bin"), 300, "tar", "-xf", dist.resolve("gatehouse-" + VERSION + "-image.tar").toString());
        assertThat(untar.exit).as(untar.out).isZero();
        assertThat(Files.readString(layout.resolve("oci-layout"))).contains("\"imageLayoutVersion\":\"1.0.0\"");
        Map<String, Object> index = JSONObjectUtils.parse(Files.readString(layout.resolve("index.json")));
        Map<String, Object> manifest = blobJson(layout, (String) ((Map<?, ?>) ((List<?>) index.get("manifests")).get(0)).get("digest"));
        Map<String, Object> image = blobJson(layout, (String) ((Map<?, ?>) manifest.get("config")).get("digest"));
        Map<?, ?> config = (Map<?, ?>) image.get("config");
        assertThat(config.get("User")).isEqualTo("10001:10001");
        // The launchers' options file, read by java itself (no shell in the image): the same options as bin/gatehouse serve.
        assertThat(strings(config.get("Entrypoint"))).startsWith("/opt/gatehouse/runtime/bin/java", "@/opt/gatehouse/lib/serve.jvm-options")
                .endsWith("org.gatehouse.server.Main");
        assertThat(strings(config.get("Cmd"))).containsExactly("serve");
        assertThat(keys(config.get("Volumes"))).containsExactly("/var/lib/gatehouse");
        assertThat(keys(config.get("ExposedPorts"))).containsExactly("8080/tcp");
        assertThat(strings(config.get("Env"))).contains("GATEHOUSE_BIND=0.0.0.0", "GATEHOUSE_PORT=8080", "GATEHOUSE_DATA_DIR=/var/lib/gatehouse");
        List<String> health = strings(((Map<?, ?>) config.get("Healthcheck")).get("Test"));
        assertThat(health).startsWith("CMD").endsWith("health");
        assertThat(image).containsEntry("os", "linux").containsEntry("architecture", "amd64");

        // Each layer's digest and diff id hold; unpacked in order they make the root file system.
        Path rootfs = Files.createDirectory(layout.resolve("rootfs"));
        List<?> diffIds = (List<?>) ((Map<?, ?>) image.get("rootfs")).get("diff_ids");
        List<?> layers = (List<?>) manifest.get("layers");
        assertThat(layers).hasSameSizeAs(diffIds);
        for (int i = 0; i < layers.size(); i++) {
            String digest = (String) ((Map<?, ?>) layers.get(i)).get("digest");
            Path blob = layout.resolve("blobs/sha256/" + digest.substring("sha256:".length()));
            assertThat("sha256:" + sha256(Files.readAllBytes(blob))).isEqualTo(digest);
            Result gunzip = run(layout, Map.of("PATH", "/usr/bin:/bin"), 300, "sh", "-c", "gzip -dc \"$0\" | sha256sum", blob.toString());
            assertThat("sha256:" + gunzip.out.split(" ")[0]).isEqualTo(diffIds.get(i));
            Result x = run(rootfs, Map.of("PATH", "/usr/bin:/bin"), 300, "tar", "--numeric-owner", "-xzf", blob.toString());
            assertThat(x.exit).as(x.out).isZero();
        }
        assertThat(Files.readString(rootfs.resolve("etc/passwd"))).contains("gatehouse:x:10001:10001:");
        assertThat(rootfs.resolve("lib64/ld-linux-x86-64.so.2")).exists();
        assertThat(rootfs.resolve("bin/sh")).doesNotExist();
        assertThat(Files.readString(rootfs.resolve("opt/gatehouse/lib/serve.jvm-options")))
                .isEqualTo(Files.readString(ROOT.resolve("gatehouse-server/serve.jvm-options")))
                .contains("--enable-native-access=ALL-UNNAMED");

        assumeRoot("chroot into the image's layers");
        assertThat(Files.getAttribute(rootfs.resolve("var/lib/gatehouse"), "unix:uid")).isEqualTo(10001);
        List<String> entrypoint = strings(config.get("Entrypoint"));
        Map<String, String> imageEnv = new LinkedHashMap<>();
        for (String e : strings(config.get("Env"))) {
            String[] kv = e.split("=", 2);
            imageEnv.put(kv[0], kv[1]);
        }
        // As the image is configured (0.0.0.0, no TLS, no TLS proxy declared) it refuses plain HTTP: RFC 6749 §3.1.
        Result refused = inImage(rootfs, imageEnv, 120, entrypoint, "serve");
        assertThat(refused.exit).as(refused.out).isEqualTo(2);
        assertThat(refused.out).contains("refusing to serve plain HTTP on 0.0.0.0");
        // With a TLS-terminating proxy declared (and, in this test, on loopback only) the entry point serves.
        int port = freePort();
        Map<String, String> env = new LinkedHashMap<>(imageEnv);
        env.putAll(Map.of("GATEHOUSE_BIND", "127.0.0.1", "GATEHOUSE_PORT", Integer.toString(port),
                "GATEHOUSE_ISSUER", "https://gatehouse.example.org", "GATEHOUSE_BEHIND_TLS_PROXY", "true"));
        // What the docs tell an image's operator: _JAVA_OPTIONS comes after the entry point's options and overrides them
        // (serve.jvm-options has -Xmx112m); GATEHOUSE_JAVA_OPTS, which only the launchers read, is named in a warning.
        env.put("_JAVA_OPTIONS", "-Xmx160m");
        env.put("GATEHOUSE_JAVA_OPTS", "-Xmx200m");
        List<String> serve = new ArrayList<>(chroot(rootfs, env));
        serve.addAll(entrypoint);
        serve.add("serve");
        try (Server server = Server.start(layout, Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), serve.toArray(String[]::new))) {
            assertThat(new Http("http://127.0.0.1:" + port).get("/health/ready").status()).isEqualTo(200);
            assertThat(server.log()).contains("signatures by native crypto"); // issue 18: the native library loads in the image (/tmp)
            assertThat(server.log()).contains("Picked up _JAVA_OPTIONS: -Xmx160m")
                    .contains("GATEHOUSE_JAVA_OPTS is set but this JVM was not started with -Xmx200m");
            String heapMax = new Http("http://127.0.0.1:" + port).get("/metrics").body().lines()
                    .filter(l -> l.startsWith("jvm_memory_max_bytes{area=\"heap\"}")).findFirst().orElseThrow();
            double heapMiB = Double.parseDouble(heapMax.substring(heapMax.lastIndexOf(' ') + 1)) / (1 << 20);
            assertThat(heapMiB).as(heapMax).isGreaterThan(130).isLessThanOrEqualTo(160); // -Xmx160m, not the file's 112m
            Result check = inImage(rootfs, env, 120, health.subList(1, health.size()));
            assertThat(check.exit).as(check.out).isZero();
            assertThat(rootfs.resolve("var/lib/gatehouse/master.key")).exists();
        }
    }

    // ---------------------------------------------------------------------------------------------------

    private static Result inImage(Path rootfs, Map<String, String> env, int seconds, List<String> command, String... args) {
        List<String> cmd = new ArrayList<>(chroot(rootfs, env));
        cmd.addAll(command);
        cmd.addAll(List.of(args));
        return run(rootfs, Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), seconds, cmd.toArray(String[]::new));
    }

    /** A command run as the image's user on its layers, with /proc and /dev as a container runtime gives them. */
    private static List<String> chroot(Path rootfs, Map<String, String> env) {
        List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                "mkdir -p \"$0/proc\" \"$0/dev\" && mount --rbind /proc \"$0/proc\" && mount --rbind /dev \"$0/dev\" && exec \"$@\"",
                rootfs.toString(), "env", "-i"));
        env.forEach((k, v) -> cmd.add(k + "=" + v));
        String chroot = Stream.of("/usr/sbin/chroot", "/usr/bin/chroot", "/sbin/chroot").filter(c -> Files.isExecutable(Path.of(c)))
                .findFirst().orElseThrow(() -> new AssertionError("no chroot"));
        cmd.addAll(List.of(chroot, "--userspec=10001:10001", rootfs.toString())); // env -i: no PATH to find it by
        return cmd;
    }

    private static List<String> strings(Object jsonArray) {
        return ((List<?>) jsonArray).stream().map(String::valueOf).toList();
    }

    private static List<String> keys(Object jsonObject) {
        return ((Map<?, ?>) jsonObject).keySet().stream().map(String::valueOf).toList();
    }

    private static Map<String, Object> blobJson(Path layout, String digest) throws IOException, ParseException {
        return JSONObjectUtils.parse(Files.readString(layout.resolve("blobs/sha256/" + digest.substring("sha256:".length()))));
    }

    private static Path unpack(String archive, String into) throws IOException {
        Path dir = tempDir("gatehouse-" + into);
        Result r = run(dir, Map.of("PATH", "/usr/bin:/bin"), 300, "tar", "-xzf", dist.resolve(archive).toString());
        assertThat(r.exit).as(r.out).isZero();
        try (Stream<Path> top = Files.list(dir)) {
            return top.filter(Files::isDirectory).findFirst().orElseThrow();
        }
    }

    /** Only basic shell tools on PATH; nothing of the machine's JDKs or Maven, no GATEHOUSE_* settings. */
    private static Map<String, String> basicEnv(Map<String, String> extra) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", basicBin.toString());
        env.put("HOME", basicBin.getParent().toString());
        env.put("LANG", "C.UTF-8");
        env.putAll(extra);
        return env;
    }

    private static Path java17() throws IOException {
        try (Stream<Path> jvms = Files.list(Path.of("/usr/lib/jvm"))) {
            Path found = jvms.filter(j -> Files.isExecutable(j.resolve("bin/java")))
                    .filter(j -> read(j.resolve("release")).contains("JAVA_VERSION=\"17")).findFirst().orElse(null);
            if (found == null && "true".equals(System.getenv("CI"))) throw new AssertionError("CI must have a Java 17 in /usr/lib/jvm");
            Assumptions.assumeTrue(found != null, "no Java 17 in /usr/lib/jvm");
            return found;
        }
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void assumeRoot(String what) {
        if (!ROOT_USER && "true".equals(System.getenv("CI"))) throw new AssertionError(what + " needs root, and CI runs as root");
        Assumptions.assumeTrue(ROOT_USER, what + " needs root");
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    record Result(int exit, String out) {
    }

    /** Runs a command to its end (the bound only fails a hung command), standard error merged into the output. */
    private static Result run(Path dir, Map<String, String> env, int seconds, String... cmd) {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
                try (InputStream in = p.getInputStream()) {
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", cmd) + " did not finish within " + seconds + " s");
            }
            return new Result(p.exitValue(), out.get(60, TimeUnit.SECONDS));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A server process, ready once it printed "Gatehouse is running"; closing it sends SIGTERM and waits. */
    private static final class Server implements AutoCloseable {
        private final Process process;
        private final StringBuffer log = new StringBuffer();

        private Server(Process process) {
            this.process = process;
        }

        static Server start(Path dir, Map<String, String> env, String... cmd) throws IOException {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
            pb.environment().clear();
            pb.environment().putAll(env);
            Server s = new Server(pb.start());
            s.process.getOutputStream().close();
            CompletableFuture<Void> ready = new CompletableFuture<>();
            Thread pump = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(s.process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        s.log.append(line).append('\n');
                        if (line.startsWith(READY)) ready.complete(null);
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
                ready.completeExceptionally(new AssertionError("the server ended before it was ready"));
            }, "release-server-output");
            pump.setDaemon(true);
            pump.start();
            try {
                ready.get(180, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException | InterruptedException e) {
                s.process.destroyForcibly();
                throw new AssertionError("the server did not start: " + e + "\n" + s.log, e);
            }
            return s;
        }

        String log() {
            return log.toString();
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(120, TimeUnit.SECONDS)) process.destroyForcibly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
