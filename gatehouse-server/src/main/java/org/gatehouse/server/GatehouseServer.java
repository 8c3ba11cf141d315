package org.gatehouse.server;

import io.javalin.Javalin;
import io.javalin.util.JavalinBindException;
import org.gatehouse.server.config.ConfigException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.http.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running Gatehouse: the services, the HTTP server and the background jobs. */
public final class GatehouseServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GatehouseServer.class);

    private final Gatehouse gatehouse;
    private final Javalin http;
    private final ScheduledExecutorService jobs;

    private GatehouseServer(Gatehouse gatehouse, Javalin http, ScheduledExecutorService jobs) {
        this.gatehouse = gatehouse;
        this.http = http;
        this.jobs = jobs;
    }

    public static GatehouseServer start(Config config) {
        Gatehouse g = Gatehouse.open(config);
        try {
            g.keys.ensure(Actor.system());
            ScheduledExecutorService jobs = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "gatehouse-jobs");
                t.setDaemon(true);
                return t;
            });
            every(jobs, config.keyRefresh.toMillis(), "reload signing keys", g.keys::refresh);
            every(jobs, config.lastSeenFlush.toMillis(), "write last-seen times", g.lastSeen::flush);
            every(jobs, Math.min(60_000, config.maintenanceInterval.toMillis()), "run maintenance", g.maintenance::runIfDue);
            Javalin http;
            try {
                http = HttpServer.create(g).start();
            } catch (JavalinBindException e) {
                jobs.shutdownNow();
                throw new ConfigException("cannot listen on " + config.bind + ":" + config.port + ": the port is in use or not permitted");
            }
            LOG.info("Gatehouse listening on {}:{} as issuer {}", config.bind, http.port(), config.issuer);
            return new GatehouseServer(g, http, jobs);
        } catch (RuntimeException e) {
            g.close();
            throw e;
        }
    }

    private static void every(ScheduledExecutorService jobs, long millis, String what, Runnable job) {
        jobs.scheduleWithFixedDelay(() -> {
            try {
                job.run();
            } catch (RuntimeException e) {
                LOG.warn("could not {}: {}", what, e.toString());
            }
        }, millis, millis, TimeUnit.MILLISECONDS);
    }

    public int port() {
        return http.port();
    }

    public Gatehouse gatehouse() {
        return gatehouse;
    }

    /** Stops taking requests, lets those in flight finish, writes pending last-seen times, closes the database. */
    @Override
    public void close() {
        http.stop();
        jobs.shutdownNow();
        try {
            gatehouse.lastSeen.flush();
        } catch (RuntimeException e) {
            LOG.warn("could not write last-seen times on shutdown: {}", e.toString());
        }
        gatehouse.close();
    }
}
