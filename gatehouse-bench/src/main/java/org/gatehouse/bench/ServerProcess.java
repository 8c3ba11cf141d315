package org.gatehouse.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The server under test: a separate process started through the {@code ./gatehouse} launcher (so
 * it runs with the launcher's JVM flags) or attached to by pid and URL. Also runs CLI commands
 * against the same database (H2 AUTO_SERVER lets them share the file with the running server).
 */
public final class ServerProcess implements AutoCloseable {
    public final long pid;
    public final String host;
    public final int port;
    public final Map<String, String> env;
    public final Path launcher;
    public final double startupMillis;
    private final Process process;
    /** How long a started server may take to answer /health/ready (start-up took over 100 s at load 35 on 2 cores). */
    static final long READY_TIMEOUT_S = Long.getLong("bench.readyTimeout", 600);

    private ServerProcess(long pid, String host, int port, Map<String, String> env, Path launcher, double startupMillis, Process p) {
        this.pid = pid;
        this.host = host;
        this.port = port;
        this.env = env;
        this.launcher = launcher;
        this.startupMillis = startupMillis;
        this.process = p;
    }

    /** Starts {@code launcher serve} and waits until /health/ready answers 200; times start to ready. */
    public static ServerProcess start(Path launcher, Map<String, String> env, Path log) throws IOException, InterruptedException {
        int port = Integer.parseInt(env.get("GATEHOUSE_PORT"));
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "serve");
        pb.environment().putAll(env);
        return started(pb, port, env, launcher, log);
    }

    /**
     * Starts a peer server, {@code node server.js} in {@code dir} (bench/peers/oidc-provider, installed with
     * {@code npm ci}), on loopback {@code port}, signing with {@code alg}, registration behind {@code iat}.
     */
    public static ServerProcess startPeer(Path dir, int port, String alg, String iat, Path log) throws IOException, InterruptedException {
        if (!Files.isDirectory(dir.resolve("node_modules"))) throw new IOException("run npm ci in " + dir + " first");
        ProcessBuilder pb = new ProcessBuilder("node", "server.js").directory(dir.toFile());
        Map<String, String> env = Map.of("PEER_PORT", Integer.toString(port), "PEER_ALG", alg, "PEER_IAT", iat);
        pb.environment().putAll(env);
        return started(pb, port, env, null, log);
    }

    /**
     * Starts Keycloak as a peer (issue 18 Must 7) from the distribution that bench/peers/keycloak/setup.sh downloaded and
     * built ({@code home}): {@code kc.sh start --optimized} on loopback {@code port} over http, hostname strict off, on a
     * fresh dev-file (H2) database, a local cache (its {@code data} directory is emptied first), with a temporary admin
     * ({@code adminPassword}) through which the load generator provisions the realm. The JVM is a child of kc.sh (which
     * traps signals and forwards them): its pid, not the shell's, is the one whose CPU is read. Ready once the master
     * realm answers (health is off, its default: no management port).
     */
    public static ServerProcess startKeycloak(Path home, int port, String adminPassword, Path log) throws IOException, InterruptedException {
        if (!Files.exists(home.resolve(".bench-built"))) throw new IOException("run bench/peers/keycloak/setup.sh first (no " + home + ")");
        deleteTree(home.resolve("data"));
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/kc.sh").toString(), "start", "--optimized", "--http-enabled=true",
                "--http-host=127.0.0.1", "--http-port=" + port, "--hostname-strict=false",
                // one node: the default "ispn" cache forms a JGroups cluster (listening on 7800 and 57800 beyond loopback, looking
                // for members); a single install needs none of it, and the benchmark stays on loopback
                "--cache=local").directory(home.toFile());
        Map<String, String> env = Map.of("KC_BOOTSTRAP_ADMIN_USERNAME", "admin", "KC_BOOTSTRAP_ADMIN_PASSWORD", adminPassword);
        pb.environment().putAll(env);
        return started(pb, port, env, null, log, "/realms/master", true);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var s = Files.walk(dir)) {
            for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(f);
        }
    }

    private static ServerProcess started(ProcessBuilder pb, int port, Map<String, String> env, Path launcher, Path log)
            throws IOException, InterruptedException {
        return started(pb, port, env, launcher, log, "/health/ready", false);
    }

    /** The pid of the java process the shell {@code p} runs (kc.sh starts it as its child), else p's own pid. */
    static long jvmPid(Process p) {
        return p.toHandle().children()
                .filter(c -> c.info().command().map(cmd -> cmd.endsWith("/java") || cmd.equals("java")).orElse(false))
                .mapToLong(ProcessHandle::pid).findFirst().orElseThrow(() -> new IllegalStateException("no java child of pid " + p.pid()));
    }

    private static ServerProcess started(ProcessBuilder pb, int port, Map<String, String> env, Path launcher, Path log,
                                         String readyPath, boolean childJvm) throws IOException, InterruptedException {
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        long t0 = System.nanoTime();
        Process p = pb.start();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(READY_TIMEOUT_S);
        byte[] ready = HttpConn.request("GET", readyPath, "127.0.0.1:" + port, new String[0], null);
        while (true) {
            if (!p.isAlive()) {
                throw new IOException("server exited with " + p.exitValue() + "; see " + log + ":\n" + Files.readString(log));
            }
            try (HttpConn c = new HttpConn("127.0.0.1", port)) {
                if (c.send(ready).status == 200) break;
            } catch (IOException notYet) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                p.destroy();
                throw new IOException("server not ready within " + READY_TIMEOUT_S + " s; see " + log);
            }
            Thread.sleep(5);
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        return new ServerProcess(childJvm ? jvmPid(p) : p.pid(), "127.0.0.1", port, env, launcher, ms, p);
    }

    public static ServerProcess attach(long pid, String host, int port, Map<String, String> env, Path launcher) {
        return new ServerProcess(pid, host, port, env, launcher, Double.NaN, null);
    }

    /** Runs a CLI command ({@code launcher args...}) against the same configuration; returns its stdout. */
    public String cli(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(launcher.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> e = new LinkedHashMap<>(env);
        e.remove("GATEHOUSE_JAVA_OPTS"); // the CLI needs no server flags (no JFR, no shared archive)
        pb.environment().putAll(e);
        pb.environment().remove("GATEHOUSE_JAVA_OPTS");
        pb.redirectErrorStream(false);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        String err = new String(p.getErrorStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("gatehouse " + String.join(" ", args) + " failed: " + err + out);
        }
        return out;
    }

    public double cpuSeconds() {
        return ProcStats.cpuSeconds(pid);
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null) {
            process.destroy(); // SIGTERM: the shutdown hook closes the server and its database
            if (!process.waitFor(120, TimeUnit.SECONDS)) { // a JFR recording is written at exit: minutes on a loaded machine
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            if (pid != process.pid()) { // a JVM under a shell (Keycloak's kc.sh forwards SIGTERM): make sure it ended too
                var jvm = ProcessHandle.of(pid);
                if (jvm.isPresent() && jvm.get().isAlive()) {
                    jvm.get().destroy();
                    try {
                        jvm.get().onExit().get(60, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                        jvm.get().destroyForcibly();
                    }
                }
            }
        }
    }
}
