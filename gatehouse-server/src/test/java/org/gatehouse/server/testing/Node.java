package org.gatehouse.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real `gatehouse serve` in its own JVM on a loopback port, as an operator runs it: for tests of
 * several nodes, signals and shutdown. Output goes to a log file; {@link #stop()} sends SIGTERM.
 */
public final class Node implements AutoCloseable {
    public final int port;
    public final String base;
    public final Http http;
    public final Path log;
    private final Process process;

    private Node(int port, String scheme, Process process, Path log) {
        this.port = port;
        this.base = scheme + "://127.0.0.1:" + port;
        this.http = new Http(base);
        this.process = process;
        this.log = log;
    }

    /** Starts a node with these GATEHOUSE_* settings (GATEHOUSE_PORT is chosen here); does not wait for it. */
    public static Node start(Map<String, String> env) {
        return start(env, freePort());
    }

    /** Starts a node on this port (a restarted node keeps its place in a load balancer's list); does not wait for it. */
    public static Node start(Map<String, String> env, int port) {
        Map<String, String> all = new HashMap<>(env);
        all.put("GATEHOUSE_PORT", Integer.toString(port));
        all.putIfAbsent("GATEHOUSE_CONFIG", "/dev/null");
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-Xmx256m");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("--enable-native-access=ALL-UNNAMED"); // as serve.jvm-options: the native crypto provider loads a JNI library
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("org.gatehouse.server.Main");
        cmd.add("serve");
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("GATEHOUSE_"));
        pb.environment().putAll(all);
        try {
            Path log = Files.createTempFile("gatehouse-node-" + port + "-", ".log");
            pb.redirectErrorStream(true).redirectOutput(log.toFile());
            String scheme = all.containsKey("GATEHOUSE_TLS_CERT") ? "https" : "http";
            return new Node(port, scheme, pb.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Polls /health/live until it answers 200, the process dies, or the deadline passes. */
    public Node awaitUp(long timeoutMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new AssertionError("node on port " + port + " exited: " + logText());
            try {
                if (http.get("/health/live").status() == 200) return this;
            } catch (UncheckedIOException e) {
                // not listening yet
            }
            pause();
        }
        throw new AssertionError("node on port " + port + " did not come up: " + logText());
    }

    /** SIGTERM, then waits for the process to end; returns its exit code. */
    public int stop() {
        process.destroy();
        return waitFor();
    }

    public int waitFor() {
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("node on port " + port + " did not stop within 60 s: " + logText());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return process.exitValue();
    }

    public boolean alive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public String logText() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** This node's /metrics (fetched from loopback, so no token is needed unless one is configured). */
    public Map<String, Double> metrics() {
        Http.Response r = http.get("/metrics");
        if (r.status() != 200) throw new AssertionError("/metrics answered " + r.status() + ": " + r.body());
        return parseMetrics(r.body());
    }

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{[^}]*\\})?) (\\S+)$");

    /** Series (name with labels, as printed) to value. */
    public static Map<String, Double> parseMetrics(String text) {
        Map<String, Double> out = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || line.isBlank()) continue;
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) throw new AssertionError("not a Prometheus sample line: " + line);
            out.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return out;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly();
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        try {
            Files.deleteIfExists(log);
        } catch (IOException e) {
            // best effort
        }
    }

    /** A short back-off between polls of a condition (not a synchronisation: callers poll until a deadline). */
    public static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
