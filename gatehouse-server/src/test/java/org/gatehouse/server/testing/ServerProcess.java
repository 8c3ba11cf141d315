package org.gatehouse.server.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * `gatehouse serve` in a JVM of its own, as an operator runs it, so that a test can kill it with
 * SIGKILL ({@link Process#destroyForcibly()} on Linux) and start it again on the same data.
 * Readiness is the line the server prints once it listens, read from its standard output: no polling.
 */
public final class ServerProcess implements AutoCloseable {
    private static final String READY = "Gatehouse is running";
    /** What `./gatehouse serve` runs with; the tests run from the module directory. */
    private static final List<String> SERVE_JVM_OPTIONS = serveJvmOptions();

    public final int port;
    public final String issuer;
    public final Http http;
    private final Process process;
    private final StringBuffer log = new StringBuffer();
    private final List<Thread> pumps = new java.util.concurrent.CopyOnWriteArrayList<>();

    private ServerProcess(Process process, int port) {
        this.process = process;
        this.port = port;
        this.issuer = "http://127.0.0.1:" + port;
        this.http = new Http(issuer);
    }

    /** The settings every run of one test's server shares: the backend's database, a fixed loopback port. */
    public static Map<String, String> env(Backend backend, int port) {
        Map<String, String> env = new HashMap<>(backend.env());
        env.put("GATEHOUSE_PORT", Integer.toString(port));
        env.put("GATEHOUSE_ISSUER", "http://127.0.0.1:" + port);
        env.put("GATEHOUSE_CONFIG", "/dev/null");
        env.put("GATEHOUSE_KEY_REFRESH", "1s");
        // No balancer to wait for, and tests rotate keys at once: tests of these settings set them.
        env.put("GATEHOUSE_SHUTDOWN_DELAY", "0");
        env.put("GATEHOUSE_KEY_PUBLISH_DELAY", "0");
        // Load from one address: rate limits are tested on servers of their own (see TestServer).
        for (String limit : new String[] {"REGISTER_PER_TOKEN", "REGISTER_PER_ADDRESS", "TOKEN_PER_CLIENT", "AUTH_FAILURES_PER_ADDRESS"}) {
            env.put("GATEHOUSE_RATE_" + limit, "0");
        }
        return env;
    }

    /**
     * Starts the server and returns once it listens (or fails, with its output, if it exits or takes over 600 s: at load
     * average 35 on this 2-core machine a start took 140–180 s, and a 90 s bound failed CrashTest before any crash).
     */
    public static ServerProcess start(Map<String, String> env) {
        int port = Integer.parseInt(env.get("GATEHOUSE_PORT"));
        Process p = spawn(env, "serve");
        ServerProcess s = new ServerProcess(p, port);
        CompletableFuture<Void> ready = new CompletableFuture<>();
        s.pump(p.getInputStream(), ready);
        s.pump(p.getErrorStream(), ready); // with GATEHOUSE_LOG_FORMAT=json the line is a log event on stderr
        p.onExit().thenRun(() -> ready.completeExceptionally(new IllegalStateException("the server exited with " + p.exitValue())));
        try {
            ready.get(600, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            p.destroyForcibly();
            throw new AssertionError("the server did not start: " + e.getMessage() + "\n" + s.log, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IllegalStateException(e);
        }
        return s;
    }

    private static List<String> serveJvmOptions() {
        try {
            return List.of(Files.readString(Path.of("serve.jvm-options")).trim().split("\\s+"));
        } catch (IOException e) {
            throw new UncheckedIOException("serve.jvm-options (the launcher's JVM options for serve)", e);
        }
    }

    /** A `gatehouse ...` command in a JVM of its own, not waited for (the caller may kill it). */
    public static Process spawn(Map<String, String> env, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        // The JVM options `./gatehouse serve` uses, so memory is measured as operators will run it.
        cmd.addAll(SERVE_JVM_OPTIONS);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("org.gatehouse.server.Main");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("GATEHOUSE_"));
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGKILL: no shutdown hook, no flush, no close. Returns once the process is gone. */
    public void kill() {
        process.destroyForcibly();
        waitGone();
    }

    /** SIGTERM: the orderly shutdown an operator's service manager does. */
    public void stop() {
        process.destroy();
        waitGone();
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** What the server printed (standard output and error), for failure messages and checks. */
    public String log() {
        return log.toString();
    }

    /**
     * Waits until the server has printed a line containing {@code text} (notified by the output pumps, no
     * polling): for what the server writes after its answer has reached the client, such as the access log line
     * written once the response is complete. Fails after {@code seconds}.
     */
    public void awaitLog(String text, long seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        synchronized (log) {
            while (log.indexOf(text) < 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) throw new AssertionError("the server did not print \"" + text + "\" within " + seconds + " s:\n" + log);
                try {
                    TimeUnit.NANOSECONDS.timedWait(log, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    private void waitGone() {
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) throw new AssertionError("the server process " + process.pid() + " did not end");
            // The process is gone, but its last lines may still sit in the pipes: log() is complete only once
            // both pumps have read to the end (LogsTest missed the error event of a request made just before stop).
            for (Thread pump : pumps) {
                pump.join(60_000);
                if (pump.isAlive()) throw new AssertionError("the output of server process " + process.pid() + " did not end");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void pump(InputStream in, CompletableFuture<Void> ready) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (log) {
                        log.append(line + '\n'); // one append: the two streams' pumps never split each other's lines
                        log.notifyAll();
                    }
                    if (line.startsWith(READY) || line.contains("\"formattedMessage\":\"" + READY)) ready.complete(null);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "server-process-output");
        t.setDaemon(true);
        pumps.add(t);
        t.start();
    }

    @Override
    public void close() {
        if (process.isAlive()) kill();
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Settings plus overrides, for a one-off variation. */
    public static Map<String, String> with(Map<String, String> env, String... kv) {
        Map<String, String> m = new HashMap<>(env);
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }
}
