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

    private static ServerProcess started(ProcessBuilder pb, int port, Map<String, String> env, Path launcher, Path log)
            throws IOException, InterruptedException {
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        long t0 = System.nanoTime();
        Process p = pb.start();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(READY_TIMEOUT_S);
        byte[] ready = HttpConn.request("GET", "/health/ready", "127.0.0.1:" + port, new String[0], null);
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
        return new ServerProcess(p.pid(), "127.0.0.1", port, env, launcher, ms, p);
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
        }
    }
}
