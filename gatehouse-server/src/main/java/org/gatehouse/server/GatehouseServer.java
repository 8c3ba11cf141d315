package org.gatehouse.server;

import io.javalin.Javalin;
import io.javalin.util.JavalinBindException;
import org.gatehouse.server.config.ConfigException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.gatehouse.server.api.Api;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.http.GracefulStop;
import org.gatehouse.server.http.HttpServer;
import org.gatehouse.server.http.Operations;
import org.gatehouse.server.http.ServerTls;
import org.gatehouse.server.metrics.BuildInfo;
import org.gatehouse.server.portal.Portal;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.store.ReplayJournal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running Gatehouse: the services, the HTTP server and the background jobs. */
public final class GatehouseServer implements org.gatehouse.server.cli.Services.Server {
    private static final Logger LOG = LoggerFactory.getLogger(GatehouseServer.class);

    private final Gatehouse gatehouse;
    private final Javalin http;
    private final ScheduledExecutorService jobs;
    private final Operations ops;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private GatehouseServer(Gatehouse gatehouse, Javalin http, ScheduledExecutorService jobs, Operations ops) {
        this.gatehouse = gatehouse;
        this.http = http;
        this.jobs = jobs;
        this.ops = ops;
    }

    public static GatehouseServer start(Config config) {
        config.requireTransportSecurity();
        ServerTls tls = ServerTls.fromConfig(config);
        // The embedded database has one server: its replay journal's lock is taken before the database is opened, so a
        // second serve on the data directory stops here, before it migrates or writes anything (issue 17 Must 8).
        ReplayJournal.Lock journalLock = config.dbUrl.isEmpty() ? ReplayJournal.lock(config.dataDir.resolve("replays")) : null;
        Gatehouse g;
        try {
            g = Gatehouse.open(config, config.dbMigrate ? Database.SchemaPolicy.MIGRATE : Database.SchemaPolicy.REQUIRE_CURRENT);
        } catch (RuntimeException e) {
            if (journalLock != null) journalLock.close();
            throw e;
        }
        try {
            if (journalLock != null) g.replays.keepInJournal(journalLock, g.clock::millis); // owns the lock from here on
            g.metrics.registerJvmAndPool(g.db::pool, config.dbPoolSize);
            String alg = g.keys.ensure(Actor.system());
            // The first log line of a start that got past the configuration, TLS, database and signing-algorithm
            // checks (a refusal stays one line): which build runs, so mixed versions in a rolling upgrade show.
            LOG.info("{} starting", BuildInfo.describe());
            if (g.keys.followsCluster(alg)) {
                LOG.info("signing with {}, the cluster's algorithm stored in the database (GATEHOUSE_SIGNING_ALG is not set)", alg);
            }
            LOG.info("signatures by {}", g.keys.crypto().describe());
            if (g.replays.describeJournal() != null) LOG.info("{}", g.replays.describeJournal());
            g.metrics.registerCryptoProvider(g.keys.crypto().name());
            g.metrics.registerReplays(g.replays::checks, g.replays::commits, g.replays::writerCpuNanos, g.replays::journalIds,
                    g.replays::journalOverflow);
            g.metrics.registerClientCache(g.clientCache, g.clientChanges);
            g.clientChanges.start();
            g.metrics.registerRegistrationWrites(g.registrationWrites::units, g.registrationWrites::commits,
                    g.registrationWrites::writerCpuNanos, g.registrationWrites::rolledBackToSavepoint);
            g.metrics.registerOperations(() -> g.keys.ring().activeSince(), tls == null ? null : tls::notAfterMillis,
                    g.accounts::pendingLinks, g.clock);
            ScheduledExecutorService jobs = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "gatehouse-jobs");
                t.setDaemon(true);
                return t;
            });
            every(jobs, config.keyRefresh.toMillis(), "reload signing keys", () -> {
                g.keys.switchIfDue(Actor.system());
                g.keys.refresh();
            });
            every(jobs, config.lastSeenFlush.toMillis(), "write last-seen times", g.lastSeen::flush);
            every(jobs, 1_000, "force the replay journal to the disk", g.replays::syncJournal);
            long maintenanceCheck = Math.min(60_000, config.maintenanceInterval.toMillis());
            // The first check comes soon after start, so a due run is not put off by a restart.
            every(jobs, Math.min(5_000, maintenanceCheck), maintenanceCheck, "run maintenance", () -> maintenance(g));
            if (tls != null) every(jobs, config.tlsReload.toMillis(), "reload the TLS certificate", tls::reloadIfChanged);
            Operations ops = new Operations(config, g.db, g.keys, g.secrets, g.metrics);
            Portal portal = new Portal(g.sessions, g.accounts, g.securityKeys, g.apiTokens, g.iats, g.installations, g.resourceServers,
                    g.keys, g.auditExport, g.figures, g.clock, config.issuer, config.scopes);
            Api api = new Api(g.apiTokens, g.iats, g.installations, g.accounts, g.auditExport, g.keys, g.publishers, g.resourceServers,
                    g.clock, config.issuer);
            Javalin http;
            try {
                http = HttpServer.create(config, new HttpServer.OAuthServices(g.keys, g.registrations, g.clientAuthenticator, g.tokens),
                        g.failureGuard, ops, tls, routes -> {
                            portal.routes(routes);
                            api.routes(routes);
                        }).start();
            } catch (JavalinBindException e) {
                jobs.shutdownNow();
                throw new ConfigException("cannot listen on " + config.bind + ":" + config.port + ": the port is in use or not permitted");
            }
            LOG.info("Gatehouse listening on {}:{} as issuer {}", config.bind, http.port(), config.issuer);
            return new GatehouseServer(g, http, jobs, ops);
        } catch (RuntimeException e) {
            g.close();
            throw e;
        }
    }

    private static void maintenance(Gatehouse g) {
        try {
            g.metrics.job("maintenance", g.maintenance.runIfDue().isPresent() ? "ran" : "not_due");
        } catch (RuntimeException e) {
            g.metrics.job("maintenance", "failed");
            throw e;
        }
    }

    private static void every(ScheduledExecutorService jobs, long millis, String what, Runnable job) {
        every(jobs, millis, millis, what, job);
    }

    /**
     * Runs {@code job} every {@code millis} after {@code firstMillis}. A periodic task that throws is never run again
     * (ScheduledExecutorService), so nothing may leave it: not an exception, and not an Error either — an
     * OutOfMemoryError in one round of the last-seen flush or the purge must not end them for good; the next round
     * tries again.
     */
    static void every(ScheduledExecutorService jobs, long firstMillis, long millis, String what, Runnable job) {
        jobs.scheduleWithFixedDelay(() -> {
            try {
                job.run();
            } catch (RuntimeException e) {
                LOG.warn("could not {}", what, e);
            } catch (Error e) {
                LOG.error("could not {} ({}); trying again in the next round", what, e, e);
            }
        }, firstMillis, millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public int port() {
        return http.port();
    }

    public Gatehouse gatehouse() {
        return gatehouse;
    }

    @Override
    public org.gatehouse.server.accounts.AccountService accounts() {
        return gatehouse.accounts;
    }

    /**
     * Answers /health/ready with 503 and keeps serving for GATEHOUSE_SHUTDOWN_DELAY (so load balancers
     * move away), stops taking connections, lets requests in flight finish (up to GATEHOUSE_SHUTDOWN_TIMEOUT),
     * writes pending last-seen times, closes the database.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        ops.drain();
        GracefulStop.await(gatehouse.config.shutdownDelay);
        GracefulStop.drain(http.jettyServer().server(), gatehouse.config.shutdownTimeout);
        http.stop();
        stopJobs();
        try {
            gatehouse.lastSeen.flush();
        } catch (RuntimeException e) {
            LOG.warn("could not write last-seen times on shutdown", e);
        }
        gatehouse.close();
    }

    /**
     * Cancels the periodic jobs and waits for one that is running to finish before the database closes
     * under it. Not interrupted at first: an interrupted thread in the middle of H2 file I/O closes the
     * file channel.
     */
    private void stopJobs() {
        jobs.shutdown();
        try {
            if (jobs.awaitTermination(10, TimeUnit.SECONDS)) return;
            LOG.warn("a background job did not finish within 10 s of shutdown; interrupting it");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        jobs.shutdownNow();
    }
}
