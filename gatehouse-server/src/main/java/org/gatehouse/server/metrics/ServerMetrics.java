package org.gatehouse.server.metrics;

import com.zaxxer.hikari.HikariPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.util.function.Supplier;

/** The metrics Gatehouse exposes: per-operation requests, latency and errors, jobs, JVM and pool basics. */
public final class ServerMetrics {
    public static final String REQUESTS = "gatehouse_requests_total";
    public static final String DURATION = "gatehouse_request_duration_seconds";
    public static final String ERRORS = "gatehouse_errors_total";
    public static final String JOBS = "gatehouse_jobs_total";
    public static final String KEY_AGE = "gatehouse_signing_key_age_seconds";
    public static final String TLS_EXPIRY = "gatehouse_tls_certificate_expiry_timestamp_seconds";
    public static final String SETUP_LINKS = "gatehouse_setup_links_pending";

    private final Metrics metrics;

    public ServerMetrics(Metrics metrics) {
        this.metrics = metrics;
    }

    public Metrics registry() {
        return metrics;
    }

    /** One finished HTTP request. {@code error} is the OAuth error code answered, or null. */
    public void request(String method, String path, int status, String error, double seconds) {
        String op = operation(method, path);
        String st = Integer.toString(status);
        metrics.increment(REQUESTS, "HTTP requests by operation and status.", "operation", op, "status", st);
        metrics.observe(DURATION, "Time to answer, by operation.", seconds, "operation", op);
        if (status >= 400) {
            String code = error != null ? error : status >= 500 ? "server_error" : "http_" + st;
            metrics.increment(ERRORS, "Failed requests by operation and error code (RFC 6749 §5.2, RFC 7591 §3.2.2, RFC 6750 §3.1).",
                    "operation", op, "error", code);
        }
    }

    /** A background job's turn: outcome is ran, not_due or failed. */
    public void job(String job, String outcome) {
        metrics.increment(JOBS, "Background job checks by job and outcome (ran: this node did the work).", "job", job, "outcome", outcome);
    }

    /** The operation a request belongs to: a fixed set, so label cardinality stays bounded. */
    static String operation(String method, String path) {
        if (path == null) return "other";
        switch (path) {
            case "/token":
                return "grant";
            case "/register":
                return "POST".equals(method) ? "registration" : "other";
            case "/introspect":
                return "introspection";
            case "/revoke":
                return "revocation";
            case "/jwks":
                return "jwks";
            case "/.well-known/oauth-authorization-server":
                return "metadata";
            case "/metrics":
                return "metrics";
            case "/health/live":
            case "/health/ready":
                return "health";
            default:
                return path.startsWith("/register/") ? "registration_management" : "other";
        }
    }

    /**
     * What an operator alerts on beyond traffic (ops/prometheus/gatehouse-alerts.yml): how long the active signing key
     * has signed, when the served TLS certificate expires (null: no TLS here), and pending one-time portal links by
     * purpose (read from the database at scrape time; left out when it cannot be read).
     */
    public void registerOperations(java.util.function.LongSupplier keyActiveSince, java.util.function.LongSupplier tlsNotAfter,
                                   Supplier<java.util.Map<String, Long>> pendingLinks, java.time.Clock clock) {
        metrics.gauges(s -> {
            s.gauge(KEY_AGE, "Time since the active signing key started signing.", "",
                    Math.max(0, clock.millis() - keyActiveSince.getAsLong()) / 1000.0);
            if (tlsNotAfter != null) {
                s.gauge(TLS_EXPIRY, "When the TLS certificate this node serves expires (Unix time).", "", tlsNotAfter.getAsLong() / 1000.0);
            }
            java.util.Map<String, Long> links;
            try {
                links = pendingLinks.get();
            } catch (RuntimeException e) {
                return;
            }
            for (String purpose : new java.util.TreeSet<>(links.keySet())) {
                s.gauge(SETUP_LINKS, "Unused, unexpired one-time portal links (first-admin setup, invitations) by purpose.",
                        Metrics.labels("purpose", purpose), links.get(purpose));
            }
        });
    }

    /** Which provider computes the signatures of access tokens: accp (native, AWS-LC) or jdk (always 1). */
    public void registerCryptoProvider(String provider) {
        String labels = Metrics.labels("provider", provider);
        metrics.gauges(s -> s.gauge("gatehouse_crypto_provider", "Who signs and verifies access tokens: accp (native) or jdk (always 1).", labels, 1));
    }

    /**
     * The one-time JWT id check of key-bound clients (issue 17): ids checked, the group commits that recorded them
     * (ids ÷ commits = the batch size) and the CPU time of the thread doing it (÷ ids = what one check costs there).
     */
    public void registerReplays(java.util.function.LongSupplier checks, java.util.function.LongSupplier commits,
                                java.util.function.LongSupplier writerCpuNanos, java.util.function.LongSupplier journalIds,
                                java.util.function.LongSupplier journalOverflow) {
        metrics.gauges(s -> {
            s.gauge("gatehouse_replay_journal_ids", "JWT ids the embedded database's replay journal holds in memory (0 on PostgreSQL).", "",
                    journalIds.getAsLong());
            s.counter("gatehouse_replay_journal_overflow_total", "JWT ids recorded in used_jtis because the journal's memory was full.", "",
                    journalOverflow.getAsLong());
            s.counter("gatehouse_replay_checks_total", "JWT ids (client assertions, DPoP proofs) checked for a replay and recorded.", "",
                    checks.getAsLong());
            s.counter("gatehouse_replay_commits_total", "Transactions that recorded them (several concurrent checks share one commit); on the embedded database, journal appends.", "",
                    commits.getAsLong());
            s.counter("gatehouse_replay_writer_cpu_seconds_total", "CPU time of the thread that records the ids.", "",
                    writerCpuNanos.getAsLong() / 1e9);
        });
    }

    /** The client cache and its poll of every node's client changes (issue 18 Must 5). */
    public void registerClientCache(org.gatehouse.server.tokens.ClientCache cache, org.gatehouse.server.tokens.ClientChangePoller poller) {
        metrics.gauges(s -> {
            s.counter("gatehouse_client_cache_lookups_total", "Client lookups by the token, introspection and revocation endpoints:"
                    + " answered from memory (hit) or read from the database (miss).", "{result=\"hit\"}", cache.hits());
            s.counter("gatehouse_client_cache_lookups_total", "Client lookups by the token, introspection and revocation endpoints:"
                    + " answered from memory (hit) or read from the database (miss).", "{result=\"miss\"}", cache.misses());
            s.gauge("gatehouse_client_cache_entries", "Client records held in memory.", "", cache.size());
            s.gauge("gatehouse_client_cache_polls_on_time", "1 while polls of client changes are on time and records may live"
                    + " GATEHOUSE_CLIENT_CACHE_MAX_AGE; 0 while they fail or have not started (records live GATEHOUSE_CLIENT_CACHE_TTL).",
                    "", cache.pollsOnTime() ? 1 : 0);
            s.counter("gatehouse_client_cache_evictions_total", "Cached client records dropped because another node changed them.", "",
                    cache.evictions());
            s.counter("gatehouse_client_changes_polls_total", "Polls of the client changes table: ok or failed (while polls fail,"
                    + " cached clients are served for GATEHOUSE_CLIENT_CACHE_TTL only).", "{result=\"ok\"}", poller.polls());
            s.counter("gatehouse_client_changes_polls_total", "Polls of the client changes table: ok or failed (while polls fail,"
                    + " cached clients are served for GATEHOUSE_CLIENT_CACHE_TTL only).", "{result=\"failed\"}", poller.failures());
            s.counter("gatehouse_client_changes_read_total", "Client changes read by the polls.", "", poller.changes());
            s.counter("gatehouse_client_changes_poll_seconds_total", "Time spent in successful polls.", "", poller.pollSeconds());
        });
    }

    /**
     * The group commit of registrations (issue 18 Must 3): registrations committed, the transactions that committed
     * them (registrations ÷ commits = the batch size), the CPU time of the writer thread (it runs the registrations'
     * transactions: ÷ registrations is what their database work costs), and the registrations refused inside a batch
     * and rolled back to their savepoint while the rest of the batch went on.
     */
    public void registerRegistrationWrites(java.util.function.LongSupplier units, java.util.function.LongSupplier commits,
                                           java.util.function.LongSupplier writerCpuNanos, java.util.function.LongSupplier rolledBack) {
        metrics.gauges(s -> {
            s.counter("gatehouse_registration_writes_total", "Registrations committed by the registrations' group commit.", "",
                    units.getAsLong());
            s.counter("gatehouse_registration_commits_total", "Transactions that committed them (concurrent registrations share one).", "",
                    commits.getAsLong());
            s.counter("gatehouse_registration_writer_cpu_seconds_total", "CPU time of the thread that runs the registrations' transactions.", "",
                    writerCpuNanos.getAsLong() / 1e9);
            s.counter("gatehouse_registration_rollbacks_total", "Registrations refused inside a shared transaction, rolled back to their savepoint.", "",
                    rolledBack.getAsLong());
        });
    }

    /** JVM memory, threads, GC, CPU and uptime; database pool connections. */
    public void registerJvmAndPool(Supplier<HikariPoolMXBean> pool, int poolMax) {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        java.lang.management.RuntimeMXBean runtime = ManagementFactory.getRuntimeMXBean();
        String build = Metrics.labels("version", BuildInfo.version(), "commit", BuildInfo.commit());
        metrics.gauges(s -> {
            s.gauge("gatehouse_build_info", "The running build: its version and git commit (always 1).", build, 1);
            s.gauge("jvm_memory_used_bytes", "JVM memory in use.", "{area=\"heap\"}", memory.getHeapMemoryUsage().getUsed());
            s.gauge("jvm_memory_used_bytes", "JVM memory in use.", "{area=\"nonheap\"}", memory.getNonHeapMemoryUsage().getUsed());
            s.gauge("jvm_memory_max_bytes", "Largest heap the JVM may use.", "{area=\"heap\"}", memory.getHeapMemoryUsage().getMax());
            s.gauge("jvm_threads_live", "Live JVM threads.", "", threads.getThreadCount());
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                String l = Metrics.labels("gc", gc.getName());
                s.counter("jvm_gc_collections_total", "GC runs by collector.", l, Math.max(0, gc.getCollectionCount()));
            }
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                String l = Metrics.labels("gc", gc.getName());
                s.counter("jvm_gc_collection_seconds_total", "Time spent in GC by collector.", l, Math.max(0, gc.getCollectionTime()) / 1000.0);
            }
            if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
                s.counter("process_cpu_seconds_total", "CPU time used by this process.", "", sun.getProcessCpuTime() / 1e9);
            }
            s.gauge("process_uptime_seconds", "Time since the JVM started.", "", runtime.getUptime() / 1000.0);
            HikariPoolMXBean p = pool.get();
            if (p != null) {
                s.gauge("gatehouse_db_pool_connections", "Database pool connections by state.", "{state=\"active\"}", p.getActiveConnections());
                s.gauge("gatehouse_db_pool_connections", "Database pool connections by state.", "{state=\"idle\"}", p.getIdleConnections());
                s.gauge("gatehouse_db_pool_pending", "Threads waiting for a database connection.", "", p.getThreadsAwaitingConnection());
                s.gauge("gatehouse_db_pool_max", "Largest number of database connections (GATEHOUSE_DB_POOL_SIZE).", "", poolMax);
            }
        });
    }
}
