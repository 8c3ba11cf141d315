package org.gatehouse.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The load generator. Runs in its own JVM; starts the server as a separate process through the
 * launcher (or attaches to one by pid), prepares credentials, then drives one scenario at each
 * concurrency level (closed loop) or each target rate (open loop, latency measured from the
 * intended send time so a stalled server cannot hide its queue), and reports throughput, latency
 * percentiles, errors by kind, and the server's CPU seconds per operation and peak RSS from /proc.
 */
@Command(name = "load", mixinStandardHelpOptions = true, description = "Drive a scenario against a Gatehouse server process.")
public final class LoadCommand implements Callable<Integer> {
    enum Scenario { grants, registrations, introspections, mix }

    /** How the grants' clients authenticate (issue 17). */
    enum Auth {
        /** client_secret_basic. */
        secret,
        /** private_key_jwt (RFC 7523): a fresh ES256 client assertion per grant. */
        key,
        /** private_key_jwt and a fresh ES256 DPoP proof per grant (RFC 9449), clients registered dpop_bound_access_tokens. */
        key_dpop;

        static Auth of(String s) {
            for (Auth a : values()) if (a.label().equals(s)) return a;
            throw new IllegalArgumentException("--auth: secret, key or key-dpop, not " + s);
        }

        String label() {
            return name().replace('_', '-');
        }
    }

    /**
     * One way of making grants: how the client authenticates, and how many ES256 JWTs the load generator signs and
     * throws away per grant (secret+1, secret+2: a secret grant with the load-generator work of a key or key-dpop grant).
     */
    record Mode(Auth auth, int decoys) {
        static Mode of(String s) {
            switch (s) {
                case "secret+1": return new Mode(Auth.secret, 1);
                case "secret+2": return new Mode(Auth.secret, 2);
                default: return new Mode(Auth.of(s), 0);
            }
        }

        String label() {
            return auth.label() + (decoys > 0 ? "+" + decoys : "");
        }
    }

    @Option(names = "--scenario", defaultValue = "grants", description = "grants, registrations, introspections or mix (85% grants, 10% introspections, 5% registrations).")
    Scenario scenario;
    @Option(names = "--concurrency", split = ",", defaultValue = "8", description = "Closed loop: requests in flight (comma list: one run per value).")
    List<Integer> concurrency;
    @Option(names = "--rate", split = ",", description = "Open loop instead: target operations per second (comma list).")
    List<Integer> rates;
    @Option(names = "--connections", defaultValue = "64", description = "Open loop: connections (and sender threads).")
    int connections;
    @Option(names = "--warmup", defaultValue = "10", description = "Seconds of warm-up before each measurement (not recorded).")
    int warmup;
    @Option(names = "--duration", defaultValue = "20", description = "Seconds measured per run.")
    int duration;
    @Option(names = "--root", defaultValue = ".", description = "Gatehouse checkout (its ./gatehouse launcher starts the server and runs the CLI).")
    Path root;
    @Option(names = "--data-dir", description = "Server data directory (default: a fresh one under target/bench-data).")
    Path dataDir;
    @Option(names = "--db-url", description = "GATEHOUSE_DB_URL (PostgreSQL); default the embedded H2.")
    String dbUrl;
    @Option(names = "--db-user", defaultValue = "postgres")
    String dbUser;
    @Option(names = "--alg", defaultValue = "ES256", description = "GATEHOUSE_SIGNING_ALG: ES256, EdDSA or RS256.")
    String alg;
    @Option(names = "--server-opts", description = "GATEHOUSE_JAVA_OPTS for the server (default: the launcher's defaults).")
    String serverOpts;
    @Option(names = "--env", description = "Extra server setting NAME=VALUE (repeatable).")
    Map<String, String> extraEnv = new LinkedHashMap<>();
    @Option(names = "--attach-pid", description = "Attach to a running server process instead of starting one (give --port and its --data-dir/--db-url).")
    Long attachPid;
    @Option(names = "--port", description = "Port of an attached server; default a free port for a started one.")
    Integer port;
    @Option(names = "--clients", defaultValue = "100", description = "Clients registered before the run (grants draw from them).")
    int clients;
    @Option(names = "--preloaded", description = "Use the clients of a preload (the preload.properties it wrote) for grants instead.")
    Path preloaded;
    @Option(names = "--fleet", description = "Each grant from the next client in turn (the preloaded ones with --preloaded, else the"
            + " --clients registered before the run, which is how a peer gets a fleet): a fleet of installations, each asking now"
            + " and then, not a random one: the client cache rarely holds the next one.")
    boolean fleet;
    @Option(names = "--tokens", defaultValue = "100", description = "Tokens issued before the run that introspections repeat.")
    int tokens;
    @Option(names = "--out", description = "Append one JSON line per run to this file.")
    Path out;
    @Option(names = "--label", defaultValue = "", description = "Free text stored with the results.")
    String label;
    @Option(names = "--auth", defaultValue = "secret", description = "Grants only: how the clients authenticate: secret"
            + " (client_secret_basic), key (private_key_jwt, EC P-256, a fresh ES256 assertion per grant) or key-dpop (the same"
            + " plus a fresh ES256 DPoP proof per grant). The load generator signs: its CPU, not the server's.")
    String authOption;
    @Option(names = "--peer", description = "Drive a peer instead of Gatehouse: oidc-provider (node, bench/peers/oidc-provider, in-memory)"
            + " or keycloak (kc.sh start --optimized on dev-file H2, from bench/peers/keycloak/setup.sh; realm bench provisioned through"
            + " its admin REST API, tokens signed --alg: ES256 from an ecdsa-generated key, RS256 its default, EdDSA); grants and"
            + " registrations only.")
    String peer;
    @Option(names = "--decoy-signatures", defaultValue = "0", description = "Secret grants only: ES256 JWTs the load generator"
            + " signs and throws away per grant (1 as for an assertion, 2 as for an assertion and a DPoP proof), so that a secret"
            + " run shares the 2 cores with the same load-generator work as a key-bound run (issue 17 Must 8: a control).")
    int decoySignatures;
    @Option(names = "--alternate", split = ",", description = "Grants, open loop (--rate), Gatehouse only: two modes (secret,"
            + " secret+1, secret+2, key, key-dpop) served by one server in alternating windows A B B A A B ..., the warm-up"
            + " included; each measured window's server CPU per grant from /proc, and the paired differences B - A with their"
            + " mean, median and 95 % interval. Adjacent windows share the machine's noise and the JIT's state, which separate"
            + " runs do not (issue 17 Must 8). --duration is rounded down and --warmup up to whole pairs of windows.")
    List<String> alternate;
    @Option(names = "--window", defaultValue = "10", description = "--alternate: seconds per window.")
    int windowSeconds;

    /** The peer's initial access token (it runs on loopback only, for the length of one run). */
    private static final String PEER_IAT = "bench-peer-initial-access-token";
    /** The Keycloak distribution bench/peers/keycloak/setup.sh installs (KEYCLOAK_VERSION there). */
    static final String KEYCLOAK_VERSION = System.getProperty("bench.keycloakVersion", "26.7.3");
    /** Keycloak's temporary admin's password: a fresh one per run (loopback only, the database is new each run). */
    private static final String KEYCLOAK_ADMIN = "bench-" + Long.toHexString(new java.security.SecureRandom().nextLong());

    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private Fixture fx;
    /** --alternate: the two modes (A, B), the windows' length, the run's start, the grants sent in each window; else null. */
    private Mode[] modes;
    private long windowNanos;
    private volatile long runStart;
    private java.util.concurrent.atomic.AtomicLongArray windowOps;
    /** --alternate: per window, the grants that were sent only after their window had ended (the other mode's). */
    private java.util.concurrent.atomic.AtomicLongArray windowLate;

    @Override
    public Integer call() throws Exception {
        root = root.toAbsolutePath().normalize();
        Path launcher = root.resolve("gatehouse");
        if (dataDir == null) {
            dataDir = root.resolve("gatehouse-bench/target/bench-data/" + System.currentTimeMillis());
        }
        Files.createDirectories(dataDir);
        int p = port != null ? port : freePort();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("GATEHOUSE_CONFIG", "/dev/null");
        env.put("GATEHOUSE_PORT", Integer.toString(p));
        env.put("GATEHOUSE_ISSUER", "http://127.0.0.1:" + p);
        env.put("GATEHOUSE_DATA_DIR", dataDir.toString());
        env.put("GATEHOUSE_SIGNING_ALG", alg);
        if (dbUrl != null) {
            env.put("GATEHOUSE_DB_URL", dbUrl);
            env.put("GATEHOUSE_DB_USER", dbUser);
        }
        // Rate limits off: the benchmark measures the work, not the throttle (docs/configuration.md names them).
        for (String k : new String[] {"RATE_REGISTER_PER_TOKEN", "RATE_REGISTER_PER_ADDRESS", "RATE_TOKEN_PER_CLIENT",
                "RATE_AUTH_FAILURES_PER_ADDRESS"}) env.put("GATEHOUSE_" + k, "0");
        extraEnv.forEach((k, v) -> env.put(k.startsWith("GATEHOUSE_") ? k : "GATEHOUSE_" + k, v));
        if (serverOpts != null) env.put("GATEHOUSE_JAVA_OPTS", serverOpts);

        Auth auth = Auth.of(authOption);
        boolean secretClients = auth == Auth.secret;
        if (alternate != null) {
            if (alternate.size() != 2 || rates == null || scenario != Scenario.grants || preloaded != null || peer != null
                    || decoySignatures != 0 || windowSeconds < 1) {
                throw new IllegalArgumentException("--alternate: two modes, grants at --rate, Gatehouse without a preload, no --decoy-signatures");
            }
            modes = new Mode[] {Mode.of(alternate.get(0)), Mode.of(alternate.get(1))};
            if (modes[0].equals(modes[1]) || modes[0].auth() != Auth.secret && modes[1].auth() != Auth.secret && modes[0].auth() != modes[1].auth()) {
                throw new IllegalArgumentException("--alternate: two different modes, at most one kind of key-bound client");
            }
            auth = modes[0].auth() != Auth.secret ? modes[0].auth() : modes[1].auth();
            secretClients = modes[0].auth() == Auth.secret || modes[1].auth() == Auth.secret;
            windowNanos = TimeUnit.SECONDS.toNanos(windowSeconds);
        }
        if (auth != Auth.secret && (scenario != Scenario.grants || preloaded != null || peer != null)) {
            throw new IllegalArgumentException("--auth " + auth.label() + ": the grants scenario of Gatehouse only, without a preload");
        }
        ServerProcess server;
        if (peer != null) {
            if (!peer.equals("oidc-provider") && !peer.equals("keycloak")) {
                throw new IllegalArgumentException("unknown peer " + peer + " (oidc-provider, keycloak)");
            }
            if (scenario != Scenario.grants && scenario != Scenario.registrations || preloaded != null) {
                throw new IllegalArgumentException("the peer runs the grants and registrations scenarios only, without a preload");
            }
            server = peer.equals("keycloak")
                    ? ServerProcess.startKeycloak(root.resolve("bench/peers/keycloak/dist/keycloak-" + KEYCLOAK_VERSION), p, KEYCLOAK_ADMIN,
                            dataDir.resolve("server.log"))
                    : ServerProcess.startPeer(root.resolve("bench/peers/oidc-provider"), p, alg, PEER_IAT, dataDir.resolve("server.log"));
        } else {
            server = attachPid != null
                    ? ServerProcess.attach(attachPid, "127.0.0.1", p, env, launcher)
                    : ServerProcess.start(launcher, env, dataDir.resolve("server.log"));
        }
        try {
            System.out.printf(Locale.ROOT, "%s pid %d on port %d; start-up to ready %.0f ms; RSS %.0f MiB%n",
                    peer == null ? "server" : peer, server.pid, p, server.startupMillis, ProcStats.statusMiB(server.pid, "VmRSS"));
            fx = "keycloak".equals(peer) ? Fixture.prepareKeycloak(server, scenario, clients, alg, KEYCLOAK_ADMIN)
                    : Fixture.prepare(server, scenario, clients, preloaded, tokens, peer != null ? PEER_IAT : null, auth, secretClients,
                    env.get("GATEHOUSE_ISSUER"));
            fx.fleet = fleet;
            fx.mode = new Mode(auth, decoySignatures);
            if (decoySignatures > 0 && (auth != Auth.secret || scenario != Scenario.grants)) {
                throw new IllegalArgumentException("--decoy-signatures: secret grants only");
            }
            if (decoySignatures > 0 || modes != null && (modes[0].decoys() > 0 || modes[1].decoys() > 0)) {
                fx.decoy = KeyBoundClient.generate();
                fx.decoy.registered("decoy");
            }
            List<Integer> levels = rates != null ? rates : concurrency;
            for (int level : levels) {
                errors.clear();
                String json = run(server, level, rates != null);
                if (out != null) {
                    Files.createDirectories(out.toAbsolutePath().getParent());
                    Files.writeString(out, json + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                }
            }
        } finally {
            server.close();
        }
        return 0;
    }

    /**
     * Gatehouse's group-commit counters from /metrics (loopback: open): the replay check's checks, commits, writer CPU
     * seconds, then the registrations' writes, commits, writer CPU seconds; null if unread.
     */
    private static double[] replayMetrics(ServerProcess server) {
        String[] names = {"gatehouse_replay_checks_total", "gatehouse_replay_commits_total", "gatehouse_replay_writer_cpu_seconds_total",
                "gatehouse_registration_writes_total", "gatehouse_registration_commits_total", "gatehouse_registration_writer_cpu_seconds_total"};
        double[] v = new double[names.length];
        try (HttpConn c = new HttpConn(server.host, server.port)) {
            HttpConn.Response r = c.send(HttpConn.request("GET", "/metrics", server.host + ":" + server.port, new String[0], null));
            if (r.status != 200) return null;
            for (String line : r.text().split("\n")) {
                for (int i = 0; i < names.length; i++) {
                    if (line.startsWith(names[i] + " ")) v[i] = Double.parseDouble(line.substring(names[i].length() + 1).trim());
                }
            }
            return v;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private String run(ServerProcess server, int level, boolean open) throws Exception {
        int threads = open ? connections : level;
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        int warmupWindows = 0, windows = 0;
        if (modes != null) { // whole groups of A B B A, the warm-up's too: a steady drift cancels within each group
            warmupWindows = (int) (4 * ((TimeUnit.SECONDS.toNanos(warmup) + 4 * windowNanos - 1) / (4 * windowNanos)));
            windows = 4 * Math.max(1, duration / (4 * windowSeconds));
            windowOps = new java.util.concurrent.atomic.AtomicLongArray(warmupWindows + windows);
            windowLate = new java.util.concurrent.atomic.AtomicLongArray(warmupWindows + windows);
            runStart = start;
        }
        long measureFrom = start + (modes != null ? warmupWindows * windowNanos : TimeUnit.SECONDS.toNanos(warmup));
        long end = measureFrom + (modes != null ? windows * windowNanos : TimeUnit.SECONDS.toNanos(duration));
        long period = open ? Math.max(1, 1_000_000_000L / level) : 0;
        AtomicLong seq = new AtomicLong();
        LongAdder measuredOps = new LongAdder();
        Histogram[] hist = new Histogram[threads];
        Thread[] workers = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            Histogram h = new Histogram(120_000_000L, 3); // microseconds, up to 2 minutes
            hist[i] = h;
            long seed = 0x9e3779b97f4a7c15L * (i + 1) + level;
            workers[i] = new Thread(() -> work(server, h, seed, start, measureFrom, end, period, seq, measuredOps), "load-" + i);
            workers[i].setDaemon(true);
        }
        for (Thread t : workers) t.start();
        LockSupport.parkNanos(measureFrom - System.nanoTime());
        double cpu0 = server.cpuSeconds();
        double[] replay0 = peer == null ? replayMetrics(server) : null;
        Map<Long, Double> pg0 = pgBackendCpu();
        long wchar0 = ProcStats.io(server.pid, "wchar");
        long lg0 = loadgenCpuNanos();
        long t0 = System.nanoTime();
        double[] windowCpu = new double[windows + 1];
        double[] windowLoad = new double[windows];
        windowCpu[0] = cpu0;
        for (int w = 1; w <= windows; w++) { // each window's server CPU, read at its end
            long at = measureFrom + w * windowNanos;
            for (long d; (d = at - System.nanoTime()) > 0; ) LockSupport.parkNanos(d);
            windowCpu[w] = server.cpuSeconds();
            windowLoad[w - 1] = loadAverage();
        }
        for (Thread t : workers) t.join();
        long t1 = System.nanoTime();
        double cpu1 = server.cpuSeconds();
        double[] replay1 = peer == null ? replayMetrics(server) : null;
        Map<Long, Double> pg1 = pgBackendCpu();
        long wchar1 = ProcStats.io(server.pid, "wchar");
        long lg1 = loadgenCpuNanos();

        Histogram all = new Histogram(120_000_000L, 3);
        for (Histogram h : hist) all.add(h);
        long ops = measuredOps.sum();
        long errs = errors.values().stream().mapToLong(LongAdder::sum).sum();
        double secs = (t1 - t0) / 1e9;
        double cpu = cpu1 - cpu0;
        double hwm = ProcStats.statusMiB(server.pid, "VmHWM");
        double rss = ProcStats.statusMiB(server.pid, "VmRSS");
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("label", label);
        r.put("at", java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
        r.put("server", peer == null ? "gatehouse" : peer);
        r.put("scenario", scenario.name());
        r.put("mode", open ? "open" : "closed");
        r.put("concurrency", open ? connections : level);
        r.put("target_rate", open ? level : 0);
        r.put("alg", alg);
        r.put("db", "keycloak".equals(peer) ? "h2" : peer != null ? "memory" : dbUrl == null ? "h2" : "postgresql");
        r.put("preloaded", fx.preloadedCount);
        r.put("fleet", fleet);
        r.put("auth", modes != null ? modes[0].label() + "/" + modes[1].label() : fx.mode.label());
        r.put("crypto", extraEnv.getOrDefault("GATEHOUSE_CRYPTO_PROVIDER", extraEnv.getOrDefault("CRYPTO_PROVIDER", "auto")));
        r.put("loadavg_1m", loadAverage()); // the machine is shared: the load during the run, to judge the figures
        r.put("ops", ops);
        r.put("errors", errs);
        r.put("seconds", round(secs, 2));
        r.put("throughput", round((ops - errs) / secs, 1));
        r.put("p50_ms", ms(all.getValueAtPercentile(50)));
        r.put("p90_ms", ms(all.getValueAtPercentile(90)));
        r.put("p99_ms", ms(all.getValueAtPercentile(99)));
        r.put("p999_ms", ms(all.getValueAtPercentile(99.9)));
        r.put("max_ms", ms(all.getMaxValue()));
        r.put("server_cpu_s", round(cpu, 2));
        r.put("cpu_us_per_op", ops == 0 ? 0 : round(cpu * 1e6 / ops, 1));
        if (pg1 != null) {
            double pgCpu = 0; // backends that ended inside the window are missed; Hikari keeps its connections
            for (var e : pg1.entrySet()) pgCpu += e.getValue() - pg0.getOrDefault(e.getKey(), 0.0);
            r.put("pg_backends_cpu_s", round(pgCpu, 2));
            r.put("pg_cpu_us_per_op", ops == 0 ? 0 : round(pgCpu * 1e6 / ops, 1));
        }
        // Bytes the server wrote (files and sockets alike) per operation: on H2 mostly its commits' chunks; unlike CPU,
        // it does not depend on how loaded the machine is.
        if (wchar0 >= 0 && wchar1 >= 0 && ops > 0) r.put("written_bytes_per_op", Math.round((wchar1 - wchar0) / (double) ops));
        if (replay0 != null && replay1 != null && replay1[0] > replay0[0] && ops > 0) {
            // issue 17: the replay check's writer thread (group commit of the JWT ids): its share of a grant's CPU
            double checks = replay1[0] - replay0[0];
            r.put("replay_checks_per_op", round(checks / ops, 2));
            r.put("replay_checks_per_commit", round(checks / Math.max(1, replay1[1] - replay0[1]), 2));
            r.put("replay_writer_cpu_us_per_op", round((replay1[2] - replay0[2]) * 1e6 / ops, 1));
        }
        if (replay0 != null && replay1 != null && replay1[3] > replay0[3] && ops > 0) {
            // issue 18: the registrations' group commit: registrations per shared commit, and the writer thread's CPU
            // (it runs the registrations' transactions) per operation
            double writes = replay1[3] - replay0[3];
            r.put("registrations_per_commit", round(writes / Math.max(1, replay1[4] - replay0[4]), 2));
            r.put("registration_writer_cpu_us_per_op", round((replay1[5] - replay0[5]) * 1e6 / ops, 1));
        }
        r.put("loadgen_cpu_us_per_op", ops == 0 ? 0 : round((lg1 - lg0) / 1e3 / ops, 1));
        r.put("vmhwm_mib", round(hwm, 1));
        r.put("vmrss_mib", round(rss, 1));
        r.put("startup_ms", Double.isNaN(server.startupMillis) ? -1 : round(server.startupMillis, 0));
        Map<String, Long> kinds = new TreeMap<>();
        errors.forEach((k, v) -> kinds.put(k, v.sum()));
        r.put("error_kinds", kinds);
        if (modes != null) alternating(r, windowCpu, windowLoad, warmupWindows);
        System.out.printf(Locale.ROOT, "%-14s %-8s %s=%-5d ops=%-7d %8.1f/s  p50 %6.2f  p90 %6.2f  p99 %7.2f  p99.9 %7.2f ms  "
                        + "server CPU %6.1f us/op%s  written %s B/op  loadgen %5.1f us/op  VmHWM %5.0f MiB  errors %d %s%n",
                scenario, r.get("auth"), open ? "rate" : "conc", level, ops, (ops - errs) / secs, r.get("p50_ms"), r.get("p90_ms"), r.get("p99_ms"),
                r.get("p999_ms"), r.get("cpu_us_per_op"),
                r.containsKey("pg_cpu_us_per_op") ? " + PostgreSQL " + r.get("pg_cpu_us_per_op") + " us/op" : "",
                r.getOrDefault("written_bytes_per_op", "-"), r.get("loadgen_cpu_us_per_op"), hwm, errs, kinds.isEmpty() ? "" : kinds);
        return Json.write(r);
    }

    private void work(ServerProcess server, Histogram h, long seed, long start, long measureFrom, long end, long period,
                      AtomicLong seq, LongAdder measuredOps) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long giveUp = end + TimeUnit.SECONDS.toNanos(10);
        try (HttpConn conn = new HttpConn(server.host, server.port)) {
            LockSupport.parkNanos(start - System.nanoTime());
            while (true) {
                long intended;
                Fixture.Op op;
                if (period > 0) {
                    intended = start + seq.getAndIncrement() * period;
                    if (intended >= end) break;
                    long wait = intended - System.nanoTime();
                    if (wait > 0) LockSupport.parkNanos(wait);
                    else if (System.nanoTime() > giveUp) {
                        if (intended >= measureFrom) error("dropped: behind schedule");
                        continue;
                    }
                    op = fx.next(scenario, rnd, modeAt(intended));
                } else {
                    op = fx.next(scenario, rnd, modeAt(System.nanoTime()));
                    intended = System.nanoTime(); // closed loop: the load generator's own signing is not the server's latency
                    if (intended >= end) break;
                }
                boolean measured = intended >= measureFrom;
                if (windowOps != null) {
                    int w = windowOf(intended);
                    windowOps.incrementAndGet(w);
                    if (windowOf(System.nanoTime()) != w) windowLate.incrementAndGet(w); // its CPU lands in the next window
                }
                try {
                    HttpConn.Response resp = conn.send(op.request());
                    long done = System.nanoTime();
                    if (measured) {
                        measuredOps.increment();
                        h.recordValue(Math.max(1, Math.min(120_000_000L, (done - intended) / 1000)));
                        String bad = op.check(resp);
                        if (bad != null) error(bad);
                    }
                } catch (IOException e) {
                    if (measured) {
                        measuredOps.increment();
                        error("io " + e.getClass().getSimpleName());
                    }
                }
            }
        }
    }

    /** --alternate: the window a send time falls in, from the run's start (warm-up windows included). */
    private int windowOf(long t) {
        return (int) Math.min(windowOps.length() - 1, Math.max(0, (t - runStart) / windowNanos));
    }

    /** The mode of a grant sent at t: with --alternate A B, B A, A B, ... by window (a steady drift cancels within two pairs). */
    private Mode modeAt(long t) {
        if (modes == null) return fx.mode;
        int w = windowOf(t);
        return modes[(w % 2 == 1) != (w / 2 % 2 == 1) ? 1 : 0];
    }

    /**
     * --alternate: each measured window's server CPU per grant, and per pair of adjacent windows the difference B - A;
     * their mean, median, standard deviation and 95 % interval (Student's t) go into the result line. The means of A and
     * B are over the pairs with a figure, the same as the differences.
     */
    private void alternating(Map<String, Object> r, double[] cpu, double[] load, int first) {
        int windows = cpu.length - 1;
        double[][] perMode = new double[2][windows / 2];
        List<Map<String, Object>> list = new ArrayList<>();
        for (int w = 0; w < windows; w++) {
            long ops = windowOps.get(first + w);
            long late = windowLate.get(first + w);
            // More than 1 % of a window's grants sent after it ended: part of its CPU is in the next window, of the
            // other mode, and the pair has no figure.
            double perOp = ops == 0 || late * 100 > ops ? Double.NaN : (cpu[w + 1] - cpu[w]) * 1e6 / ops;
            int m = modeAt(runStart + (first + w) * windowNanos) == modes[1] ? 1 : 0;
            perMode[m][w / 2] = perOp;
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("mode", modes[m].label());
            row.put("ops", ops);
            row.put("sent_late", late);
            row.put("cpu_us_per_op", round(perOp, 1));
            row.put("loadavg_1m", load[w]);
            list.add(row);
            System.out.printf(Locale.ROOT, "  window %2d %-9s ops %7d  sent late %6d  server CPU %7.1f us/op  load %5.2f%n", w, modes[m].label(), ops,
                    late, perOp, load[w]);
        }
        // A pair with a window without a figure (nothing sent, or sent late: the load generator fell behind) has none.
        int[] complete = java.util.stream.IntStream.range(0, windows / 2)
                .filter(p -> !Double.isNaN(perMode[0][p]) && !Double.isNaN(perMode[1][p])).toArray();
        double[] diff = java.util.Arrays.stream(complete).mapToDouble(p -> perMode[1][p] - perMode[0][p]).toArray();
        int n = diff.length;
        if (n < windows / 2 || !errors.isEmpty()) {
            System.out.printf(Locale.ROOT, "  WARNING: %d of %d pairs without a figure, errors %s: the rate is too high for this machine now%n",
                    windows / 2 - n, windows / 2, errors.keySet());
        }
        double mean = java.util.Arrays.stream(diff).average().orElse(Double.NaN);
        double sd = n < 2 ? Double.NaN : Math.sqrt(java.util.Arrays.stream(diff).map(d -> (d - mean) * (d - mean)).sum() / (n - 1));
        double half = n < 2 ? Double.NaN : tQuantile975(n - 1) * sd / Math.sqrt(n);
        double[] sorted = diff.clone();
        java.util.Arrays.sort(sorted);
        double median = n == 0 ? Double.NaN : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        r.put("alternate_window_s", windowSeconds);
        // CLOCK_MONOTONIC (System.nanoTime on Linux): where the first measured window starts, to place samples of
        // `perf record -k CLOCK_MONOTONIC` in their windows (bench/perf-windows.py)
        r.put("measured_from_monotonic_ns", runStart + first * windowNanos);
        r.put("pairs", n);
        r.put("a_cpu_us_per_op", round(java.util.Arrays.stream(complete).mapToDouble(p -> perMode[0][p]).average().orElse(Double.NaN), 1));
        r.put("b_cpu_us_per_op", round(java.util.Arrays.stream(complete).mapToDouble(p -> perMode[1][p]).average().orElse(Double.NaN), 1));
        r.put("b_minus_a_us_mean", round(mean, 1));
        r.put("b_minus_a_us_median", round(median, 1));
        r.put("b_minus_a_us_sd", round(sd, 1));
        r.put("b_minus_a_us_ci95", round(half, 1));
        r.put("windows", list);
        System.out.printf(Locale.ROOT, "  %s %.1f us/op, %s %.1f us/op; %s - %s over %d pairs: mean %.1f us (95 %% interval %.1f to %.1f), median %.1f, sd %.1f%n",
                modes[0].label(), r.get("a_cpu_us_per_op"), modes[1].label(), r.get("b_cpu_us_per_op"), modes[1].label(), modes[0].label(),
                n, mean, mean - half, mean + half, median, sd);
    }

    /** The 97.5 % quantile of Student's t with df degrees of freedom (a two-sided 95 % interval). */
    static double tQuantile975(int df) {
        double[] t = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
            2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
        return df <= t.length ? t[df - 1] : df <= 40 ? 2.021 : df <= 60 ? 2.000 : df <= 120 ? 1.980 : 1.960; // rounded up between rows
    }

    private void error(String kind) {
        errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    private static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * utime + stime of the PostgreSQL backends serving the benchmark's database (by pid, from
     * pg_stat_activity and /proc); null on H2. PostgreSQL's shared background processes (WAL writer,
     * checkpointer) serve every database on the machine and are not counted.
     */
    private Map<Long, Double> pgBackendCpu() {
        if (dbUrl == null || peer != null) return null;
        Map<Long, Double> cpu = new java.util.HashMap<>();
        try (var c = java.sql.DriverManager.getConnection(dbUrl, dbUser, "");
             var st = c.prepareStatement("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
             var rs = st.executeQuery()) {
            while (rs.next()) {
                long pid = rs.getLong(1);
                try {
                    cpu.put(pid, ProcStats.cpuSeconds(pid));
                } catch (IllegalStateException gone) {
                    // ended between the query and the read
                }
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot list PostgreSQL backends: " + e.getMessage(), e);
        }
        return cpu;
    }

    private static long loadgenCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static double ms(long micros) {
        return round(micros / 1000.0, 3);
    }

    static double round(double v, int digits) {
        if (!Double.isFinite(v)) return v; // Math.round(NaN) is 0: "no figure" must not read as zero
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Credentials and request templates for the scenarios. */
    static final class Fixture {
        interface Op {
            byte[] request();

            /** null when the response is what the scenario expects, else the error kind. */
            String check(HttpConn.Response r);
        }

        private static final Pattern FIELD = Pattern.compile("\"(client_id|client_secret|access_token|initial_access_token|token|error)\"\\s*:\\s*\"([^\"]*)\"");

        final String host;
        /** The key-bound clients' kind (their registration), secret if none. */
        Auth auth = Auth.secret;
        /** The grants' mode without --alternate. */
        Mode mode = new Mode(Auth.secret, 0);
        /** The issuer identifier: the assertions' aud; issuer + "/token" is the DPoP proofs' htu. */
        String issuer;
        final List<KeyBoundClient> keyClients = new ArrayList<>();
        String iat;
        String registerPath = "/register";
        String tokenPath = "/token";
        /**
         * Whether registrations send the installation_id extension metadata: Keycloak rejects a field it does not know
         * ("Unrecognized field", 400) where RFC 7591 §2 says to ignore it, so its registrations go without.
         */
        boolean installationId = true;
        String rsBasic;
        final List<String> basics = new ArrayList<>();
        final List<byte[]> grantRequests = new ArrayList<>();
        final List<byte[]> introspectRequests = new ArrayList<>();
        long preloadedCount;
        String preloadedSecret;
        boolean fleet;
        /** A key the load generator signs with and throws the JWTs away (--decoy-signatures), or null. */
        KeyBoundClient decoy;
        /** Keeps the decoy JWTs' length observable, so that the JIT cannot drop their signing. */
        final java.util.concurrent.atomic.LongAdder decoyChars = new java.util.concurrent.atomic.LongAdder();
        private final AtomicLong nextClient = new AtomicLong();

        private Fixture(String host) {
            this.host = host;
        }

        static Fixture prepare(ServerProcess s, Scenario scenario, int clients, Path preloaded, int tokens, String peerIat,
                               Auth auth, boolean secretClients, String issuer) throws Exception {
            Fixture f = new Fixture(s.host + ":" + s.port);
            f.auth = auth;
            f.issuer = issuer;
            if (peerIat != null) { // a peer: its registration endpoint is /reg, no CLI, no introspection
                f.iat = peerIat;
                f.registerPath = "/reg";
                if (scenario == Scenario.grants) {
                    try (HttpConn c = new HttpConn(s.host, s.port)) {
                        for (int i = 0; i < clients; i++) {
                            HttpConn.Response r = c.send(f.registerRequest(new SplittableRandom(i * 31L + System.nanoTime())));
                            if (r.status != 201) throw new IOException("registration failed: " + r.status + " " + r.text());
                            f.grantRequests.add(f.grantRequest(basic(field(r.text(), "client_id"), field(r.text(), "client_secret"))));
                        }
                        HttpConn.Response r = c.send(f.grantRequests.get(0));
                        if (r.status != 200) throw new IOException("grant failed: " + r.status + " " + r.text());
                    }
                }
                return f;
            }
            Path iatFile = Files.createTempFile("bench-iat", ".json");
            try {
                Files.deleteIfExists(iatFile);
                s.cli("iat", "create", "--label", "bench", "--max-registrations", "1000000", "--expires-in", "30d",
                        "--output", iatFile.toString());
                f.iat = field(Files.readString(iatFile), "initial_access_token");
            } finally {
                Files.deleteIfExists(iatFile);
            }
            if (scenario != Scenario.registrations) {
                if (preloaded != null) {
                    Properties p = new Properties();
                    try (var r = Files.newBufferedReader(preloaded)) {
                        p.load(r);
                    }
                    f.preloadedCount = Long.parseLong(p.getProperty("count"));
                    f.preloadedSecret = p.getProperty("secret");
                }
                // The CLI first: on a loaded machine it takes long enough for the server to close an idle connection.
                String rs = s.cli("resource-server", "create", "--name", "bench");
                Matcher id = Pattern.compile("client_id=(\\S+)").matcher(rs);
                Matcher secret = Pattern.compile("client_secret=(\\S+)").matcher(rs);
                if (!id.find() || !secret.find()) throw new IOException("unexpected output: " + rs);
                f.rsBasic = basic(id.group(1), secret.group(1));
                try (HttpConn c = new HttpConn(s.host, s.port)) {
                    int n = preloaded != null ? Math.min(clients, 10) : clients;
                    for (int i = 0; i < n; i++) {
                        SplittableRandom rnd = new SplittableRandom(i * 31L + System.nanoTime());
                        if (auth != Auth.secret) { // issue 17: a key pair per client, the public key registered inline
                            KeyBoundClient k = KeyBoundClient.generate();
                            HttpConn.Response r = c.send(f.registerRequest(rnd, k));
                            if (r.status != 201) throw new IOException("registration failed: " + r.status + " " + r.text());
                            k.registered(field(r.text(), "client_id"));
                            f.keyClients.add(k);
                            if (!secretClients) continue; // --alternate with a secret mode: a secret client too
                        }
                        HttpConn.Response r = c.send(f.registerRequest(rnd));
                        if (r.status != 201) throw new IOException("registration failed: " + r.status + " " + r.text());
                        String basic = basic(field(r.text(), "client_id"), field(r.text(), "client_secret"));
                        f.basics.add(basic);
                        f.grantRequests.add(f.grantRequest(basic));
                    }
                    for (int i = 0; i < tokens; i++) {
                        HttpConn.Response r = c.send(auth != Auth.secret ? f.keyGrantRequest(f.keyClients.get(i % f.keyClients.size()), auth == Auth.key_dpop)
                                : f.grantRequests.get(i % f.grantRequests.size()));
                        if (r.status != 200) throw new IOException("grant failed: " + r.status + " " + r.text());
                        byte[] body = ("token=" + field(r.text(), "access_token")).getBytes(StandardCharsets.US_ASCII);
                        f.introspectRequests.add(HttpConn.request("POST", "/introspect", f.host, new String[] {
                                "Authorization: " + f.rsBasic, "Content-Type: application/x-www-form-urlencoded"}, body));
                    }
                    if (preloaded != null) {
                        // One grant with a preloaded client proves the preload's secret works.
                        HttpConn.Response r = c.send(f.grantRequest(basic(PreloadIds.clientId(0), f.preloadedSecret)));
                        if (r.status != 200) throw new IOException("grant with preloaded client 0 failed: " + r.status + " " + r.text());
                    }
                }
            }
            return f;
        }

        /**
         * Keycloak (issue 18 Must 7), through its admin REST API as the temporary admin: a realm "bench" whose access tokens
         * are signed with {@code alg} (its default signature algorithm; ES256 from an ecdsa-generated P-256 key provider,
         * EdDSA from an eddsa-generated Ed25519 one, RS256 from the rsa-generated key every realm has), then for grants
         * {@code clients} confidential clients with service accounts (client_credentials, client_secret_basic), for
         * registrations an initial access token for its RFC 7591 endpoint.
         */
        static Fixture prepareKeycloak(ServerProcess s, Scenario scenario, int clients, String alg, String adminPassword) throws Exception {
            Fixture f = new Fixture(s.host + ":" + s.port);
            f.tokenPath = "/realms/bench/protocol/openid-connect/token";
            f.registerPath = "/realms/bench/clients-registrations/openid-connect";
            f.installationId = false;
            try (HttpConn c = new HttpConn(s.host, s.port)) {
                String admin = keycloakAdminToken(c, f.host, adminPassword);
                keycloakAdmin(c, f.host, admin, "/admin/realms", "{\"id\":\"bench\",\"realm\":\"bench\",\"enabled\":true,"
                        + "\"defaultSignatureAlgorithm\":\"" + alg + "\"}");
                String provider = switch (alg) {
                    case "ES256" -> "\"ecdsa-generated\",\"config\":{\"priority\":[\"200\"],\"ecdsaEllipticCurveKey\":[\"P-256\"]}";
                    case "EdDSA" -> "\"eddsa-generated\",\"config\":{\"priority\":[\"200\"],\"eddsaEllipticCurveKey\":[\"Ed25519\"]}";
                    case "RS256" -> null;
                    default -> throw new IllegalArgumentException("--alg for keycloak: ES256, EdDSA or RS256, not " + alg);
                };
                if (provider != null) {
                    keycloakAdmin(c, f.host, admin, "/admin/realms/bench/components", "{\"name\":\"bench-" + alg + "\",\"parentId\":\"bench\","
                            + "\"providerType\":\"org.keycloak.keys.KeyProvider\",\"providerId\":" + provider + "}");
                }
                if (scenario == Scenario.registrations) {
                    HttpConn.Response r = keycloakAdmin(c, f.host, admin, "/admin/realms/bench/clients-initial-access",
                            "{\"expiration\":0,\"count\":1000000}");
                    f.iat = field(r.text(), "token");
                    return f;
                }
                long adminAt = System.nanoTime();
                for (int i = 0; i < clients; i++) {
                    if (System.nanoTime() - adminAt > TimeUnit.SECONDS.toNanos(20)) { // the admin token lives 60 s
                        admin = keycloakAdminToken(c, f.host, adminPassword);
                        adminAt = System.nanoTime();
                    }
                    byte[] b = new byte[32];
                    new java.security.SecureRandom().nextBytes(b);
                    String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
                    keycloakAdmin(c, f.host, admin, "/admin/realms/bench/clients", "{\"clientId\":\"bench-" + i + "\",\"secret\":\"" + secret
                            + "\",\"enabled\":true,\"protocol\":\"openid-connect\",\"publicClient\":false,\"clientAuthenticatorType\":\"client-secret\","
                            + "\"serviceAccountsEnabled\":true,\"standardFlowEnabled\":false,\"implicitFlowEnabled\":false,"
                            + "\"directAccessGrantsEnabled\":false}");
                    f.grantRequests.add(f.grantRequest(basic("bench-" + i, secret)));
                }
                HttpConn.Response r = c.send(f.grantRequests.get(0));
                if (r.status != 200) throw new IOException("grant failed: " + r.status + " " + r.text());
                String[] jwt = field(r.text(), "access_token").split("\\.");
                String header = new String(Base64.getUrlDecoder().decode(jwt[0]), StandardCharsets.UTF_8);
                if (!header.contains("\"" + alg + "\"")) throw new IOException("keycloak signed with " + header + ", not " + alg);
                System.out.println("keycloak access token header " + header);
            }
            return f;
        }

        private static String keycloakAdminToken(HttpConn c, String host, String password) throws IOException {
            HttpConn.Response r = c.send(HttpConn.request("POST", "/realms/master/protocol/openid-connect/token", host,
                    new String[] {"Content-Type: application/x-www-form-urlencoded"},
                    ("grant_type=password&client_id=admin-cli&username=admin&password=" + password).getBytes(StandardCharsets.US_ASCII)));
            if (r.status != 200) throw new IOException("keycloak admin login failed: " + r.status + " " + r.text());
            return field(r.text(), "access_token");
        }

        private static HttpConn.Response keycloakAdmin(HttpConn c, String host, String token, String path, String json) throws IOException {
            HttpConn.Response r = c.send(HttpConn.request("POST", path, host, new String[] {"Authorization: Bearer " + token,
                    "Content-Type: application/json"}, json.getBytes(StandardCharsets.UTF_8)));
            if (r.status != 201 && r.status != 200) throw new IOException("keycloak POST " + path + " failed: " + r.status + " " + r.text());
            return r;
        }

        Op next(Scenario scenario, SplittableRandom rnd, Mode m) {
            switch (scenario) {
                case grants: return grant(rnd, m);
                case registrations: return registration(rnd);
                case introspections: return introspection(rnd);
                default: {
                    int x = rnd.nextInt(100);
                    if (x < 85) return grant(rnd, m);
                    if (x < 95) return introspection(rnd);
                    return registration(rnd);
                }
            }
        }

        private Op grant(SplittableRandom rnd, Mode m) {
            if (m.auth() != Auth.secret) {
                byte[] req = keyGrantRequest(keyClients.get(rnd.nextInt(keyClients.size())), m.auth() == Auth.key_dpop);
                return op(req, 200, m.auth() == Auth.key_dpop ? "\"token_type\":\"DPoP\"" : "\"access_token\"");
            }
            if (m.decoys() > 0) {
                long now = System.currentTimeMillis() / 1000;
                int chars = decoy.assertion(issuer, now).length();
                if (m.decoys() > 1) chars += decoy.dpopProof("POST", issuer + "/token", now).length();
                decoyChars.add(chars);
            }
            byte[] req = preloadedCount > 0
                    ? grantRequest(basic(PreloadIds.clientId(fleet ? nextClient.getAndIncrement() % preloadedCount
                            : rnd.nextLong(preloadedCount)), preloadedSecret))
                    : grantRequests.get(fleet ? (int) (nextClient.getAndIncrement() % grantRequests.size()) : rnd.nextInt(grantRequests.size()));
            return op(req, 200, "\"access_token\"");
        }

        private Op introspection(SplittableRandom rnd) {
            return op(introspectRequests.get(rnd.nextInt(introspectRequests.size())), 200, "\"active\":true");
        }

        private Op registration(SplittableRandom rnd) {
            return op(registerRequest(rnd), 201, "\"client_secret\"");
        }

        private static Op op(byte[] req, int status, String mustContain) {
            return new Op() {
                @Override
                public byte[] request() {
                    return req;
                }

                @Override
                public String check(HttpConn.Response r) {
                    String text = r.text();
                    if (r.status != status) {
                        Matcher m = FIELD.matcher(text);
                        String code = null;
                        while (m.find()) if (m.group(1).equals("error")) code = m.group(2);
                        return "http " + r.status + (code == null ? "" : " " + code);
                    }
                    return text.contains(mustContain) ? null : "unexpected body: no " + mustContain;
                }
            };
        }

        byte[] grantRequest(String basic) {
            return HttpConn.request("POST", tokenPath, host, new String[] {
                    "Authorization: " + basic, "Content-Type: application/x-www-form-urlencoded"},
                    "grant_type=client_credentials".getBytes(StandardCharsets.US_ASCII));
        }

        /**
         * A grant with a fresh client assertion (RFC 7523 §2.2) and, for key-dpop, a fresh DPoP proof (RFC 9449 §4):
         * signed now, on the calling thread, each used once.
         */
        byte[] keyGrantRequest(KeyBoundClient k, boolean dpop) {
            long now = System.currentTimeMillis() / 1000;
            // base64url and '.' need no form encoding.
            byte[] body = ("grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
                    + "&client_assertion=" + k.assertion(issuer, now)).getBytes(StandardCharsets.US_ASCII);
            String[] headers = dpop
                    ? new String[] {"Content-Type: application/x-www-form-urlencoded", "DPoP: " + k.dpopProof("POST", issuer + "/token", now)}
                    : new String[] {"Content-Type: application/x-www-form-urlencoded"};
            return HttpConn.request("POST", "/token", host, headers, body);
        }

        byte[] registerRequest(SplittableRandom rnd) {
            return registerRequest(rnd, null);
        }

        /** With a key: private_key_jwt and the key inline (RFC 7591 §2 jwks); for key-dpop also dpop_bound_access_tokens (RFC 9449 §5.2). */
        byte[] registerRequest(SplittableRandom rnd, KeyBoundClient key) {
            byte[] id = new byte[32];
            for (int i = 0; i < 32; i += 8) {
                long v = rnd.nextLong();
                for (int j = 0; j < 8; j++) id[i + j] = (byte) (v >>> (8 * j));
            }
            String method = key == null ? "\"client_secret_basic\"" : "\"private_key_jwt\",\"jwks\":" + key.jwks()
                    + (auth == Auth.key_dpop ? ",\"dpop_bound_access_tokens\":true" : "");
            String body = "{\"client_name\":\"Bench PC\",\"grant_types\":[\"client_credentials\"],\"token_endpoint_auth_method\":"
                    + method + ",\"software_id\":\"gatehouse-bench\",\"software_version\":\"1.0\""
                    + (installationId ? ",\"installation_id\":\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(id) + "\"" : "") + "}";
            return HttpConn.request("POST", registerPath, host, new String[] {
                    "Authorization: Bearer " + iat, "Content-Type: application/json"}, body.getBytes(StandardCharsets.UTF_8));
        }

        static String basic(String id, String secret) {
            return "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));
        }

        static String field(String json, String name) throws IOException {
            Matcher m = FIELD.matcher(json);
            while (m.find()) if (m.group(1).equals(name)) return m.group(2);
            throw new IOException("no " + name + " in " + json);
        }
    }
}
