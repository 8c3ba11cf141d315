package org.gatehouse.server.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.util.HexFormat;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.config.ConfigException;
import org.gatehouse.server.crypto.MasterKey;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

/**
 * The connection pool and schema. The embedded default is an H2 file under the data directory,
 * opened with WRITE_DELAY=0 (a 201 is never forgotten after a kill -9) and AUTO_SERVER (the CLI can
 * work while a server holds the file; the side server listens on loopback only, behind a random
 * key and a password derived from the master key). RETENTION_TIME=0 lets the space of dead chunks be
 * reused at once, and {@link H2Housekeeping} does the compaction WRITE_DELAY=0 switches off.
 */
public final class Database implements AutoCloseable {
    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    private final boolean postgres;
    private final H2Housekeeping housekeeping;

    private Database(HikariDataSource ds, boolean postgres) {
        this.dataSource = ds;
        this.jdbi = Jdbi.create(ds);
        this.postgres = postgres;
        this.housekeeping = postgres ? null : new H2Housekeeping(ds);
    }

    /**
     * What opening the database may do to its schema (issue 16 item 4: schema changes only on purpose).
     * Every mode refuses a schema newer than this binary knows: an old binary must not write to it.
     */
    public enum SchemaPolicy {
        /** `serve` (unless GATEHOUSE_DB_MIGRATE=false) and `db migrate`: apply pending migrations. */
        MIGRATE,
        /**
         * Every other command, and `serve` with GATEHOUSE_DB_MIGRATE=false: the schema must be this binary's
         * already. The one exception is the embedded default's first use (no GATEHOUSE_DB_URL, nothing in it
         * yet), which is created, so that the README's first command works with no setup.
         */
        REQUIRE_CURRENT,
        /** `db status` and `config check`: look, change nothing, refuse nothing. */
        INSPECT
    }

    /** Opens the pool and applies the policy; masterKey may be null for an external database (only H2's password needs it). */
    public static Database open(Config config, MasterKey masterKey, SchemaPolicy policy) {
        return open(config, masterKey, policy, false);
    }

    /**
     * For a check ({@code config check}): like {@link #open}, but one connection attempt (bounded, as every
     * connection is, by GATEHOUSE_DB_CONNECT_TIMEOUT: the driver's connect and login timeouts) instead of the pool's retries for
     * {@link #INITIAL_ATTEMPTS_MILLIS} at start — an unreachable database is reported at once. `serve` keeps retrying.
     */
    public static Database openOnce(Config config, MasterKey masterKey, SchemaPolicy policy) {
        return open(config, masterKey, policy, true);
    }

    /** How long `serve` (and every other command) keeps trying to get its first connection before giving up. */
    static final long INITIAL_ATTEMPTS_MILLIS = 10_000;

    private static Database open(Config config, MasterKey masterKey, SchemaPolicy policy, boolean once) {
        // AUTO_SERVER binds and advertises this address: keep the embedded database on loopback.
        System.setProperty("h2.bindAddress", "127.0.0.1");
        HikariConfig hc = new HikariConfig();
        String url = config.dbUrl;
        String user = config.dbUser;
        String password = config.dbPassword;
        if (url.isEmpty()) {
            Path file = embeddedFile(config);
            // CACHE_SIZE (KiB): H2's page cache lives in the Java heap; bounded so that a million installations fit the
            // heap the launcher gives (issue 18 Must 6). H2's own default scales with the maximum heap instead.
            url = "jdbc:h2:file:" + file + ";WRITE_DELAY=0;RETENTION_TIME=0;AUTO_SERVER=TRUE;LOCK_TIMEOUT=10000"
                    + ";CACHE_SIZE=" + config.h2CacheMiB * 1024;
            user = "gatehouse";
            password = HexFormat.of().formatHex(masterKey.derive("gatehouse embedded database password v1"));
        }
        boolean postgres = url.startsWith("jdbc:postgresql:");
        if (!postgres && !url.startsWith("jdbc:h2:")) {
            throw new ConfigException("invalid configuration: GATEHOUSE_DB_URL must start with jdbc:postgresql: or jdbc:h2:");
        }
        hc.setJdbcUrl(url);
        hc.setUsername(user);
        hc.setPassword(password);
        hc.setMaximumPoolSize(config.dbPoolSize);
        hc.setMinimumIdle(Math.min(2, config.dbPoolSize));
        hc.setPoolName("gatehouse");
        // A request waits this long at most for a connection; during an outage it is answered 503 (see unavailable).
        hc.setConnectionTimeout(config.dbConnectTimeout.toMillis());
        hc.setInitializationFailTimeout(once ? 1 : INITIAL_ATTEMPTS_MILLIS); // 1: a single attempt (HikariCP retries while time is left)
        if (postgres) {
            // The pool's timeout bounds a request's wait, not the driver's own connection set-up: without these a
            // server that accepts connections and never answers holds a new connection (and serve's start) forever.
            long seconds = Math.max(1, config.dbConnectTimeout.toSeconds());
            hc.addDataSourceProperty("connectTimeout", Long.toString(seconds)); // pgjdbc: TCP connect, seconds
            hc.addDataSourceProperty("loginTimeout", Long.toString(seconds)); // pgjdbc: the whole connection set-up
        }
        HikariDataSource ds;
        try {
            ds = new HikariDataSource(hc);
        } catch (RuntimeException e) {
            String why = rootMessage(e);
            if (!postgres && why != null && why.contains("28000")) {
                why = "the master key is not the one this embedded database was created with";
            }
            throw new ConfigException("cannot open the database " + redact(url) + ": " + why);
        }
        Database db = new Database(ds, postgres);
        try {
            db.applyPolicy(policy, config.dbUrl.isEmpty());
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
        return db;
    }

    private static Path embeddedFile(Config config) {
        return config.dataDir.resolve("gatehouse");
    }

    /** Whether the embedded default database (no GATEHOUSE_DB_URL) has been created under the data directory. */
    public static boolean embeddedDefaultExists(Config config) {
        return java.nio.file.Files.exists(embeddedFile(config).resolveSibling("gatehouse.mv.db"));
    }

    /** The master key's check value stored in this database, if any (read only). */
    public java.util.Optional<String> storedMasterKeyCheck() {
        return withHandle(h -> new SettingsStore().get(h, SettingsStore.MASTER_KEY_CHECK));
    }

    private void applyPolicy(SchemaPolicy policy, boolean embeddedDefault) {
        if (policy == SchemaPolicy.INSPECT) return;
        SchemaStatus status = schemaStatus();
        if (status.newer()) {
            throw new ConfigException("the database schema (version " + status.current() + ") is newer than this Gatehouse knows (version "
                    + status.latestKnown() + "): run a Gatehouse release at least as new as the one that migrated it");
        }
        if (policy == SchemaPolicy.MIGRATE || (status.empty() && embeddedDefault)) {
            migrate();
            return;
        }
        if (status.empty()) {
            throw new ConfigException("the database has no Gatehouse schema yet: create it with `gatehouse db migrate`"
                    + " (this command changes no schema)");
        }
        if (!status.pending().isEmpty()) {
            throw new ConfigException("the database schema is at version " + status.current() + " and this Gatehouse needs version "
                    + status.latestKnown() + ": apply the " + status.pending().size() + " pending migration(s) with `gatehouse db migrate`"
                    + " (this command changes no schema)");
        }
    }

    private org.flywaydb.core.Flyway flyway() {
        return Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .loggers("slf4j")
                .load();
    }

    private void migrate() {
        try {
            flyway().migrate();
        } catch (FlywayException e) {
            String first = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            throw new ConfigException("database migration failed: " + first);
        }
    }

    /** The applied and pending migrations, read without changing anything (Flyway's info). */
    public SchemaStatus schemaStatus() {
        try {
            return SchemaStatus.of(flyway().info());
        } catch (FlywayException e) {
            String first = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            throw new ConfigException("cannot read the database schema's history: " + first);
        }
    }

    public boolean isPostgres() {
        return postgres;
    }

    public <R, X extends Exception> R inTransaction(HandleCallback<R, X> work) throws X {
        return jdbi.inTransaction(TransactionIsolationLevel.READ_COMMITTED, work);
    }

    public <R, X extends Exception> R withHandle(HandleCallback<R, X> work) throws X {
        return jdbi.withHandle(work);
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    /** The pool's live counts, for /metrics (null before the pool has started). */
    public com.zaxxer.hikari.HikariPoolMXBean pool() {
        return dataSource.getHikariPoolMXBean();
    }

    /**
     * Whether the database answers a trivial query within the timeout (for /health/ready). Waiting for a
     * free pool connection counts against the same timeout, so a saturated pool reads as not ready.
     */
    public boolean ping(java.time.Duration timeout) {
        java.util.concurrent.CompletableFuture<Boolean> check = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try (java.sql.Connection c = dataSource.getConnection()) {
                return c.isValid((int) Math.max(1, timeout.toSeconds()));
            } catch (java.sql.SQLException | RuntimeException e) {
                return false;
            }
        }, PING);
        try {
            return check.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Readiness checks run here so that a hung database never holds an HTTP thread past the timeout. */
    private static final java.util.concurrent.ExecutorService PING = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "gatehouse-db-ping");
        t.setDaemon(true);
        return t;
    });

    /**
     * Marks a connection this pool handed out (Jdbi's {@code Handle.getConnection()}) as not to be used again: the
     * pool closes it when it is given back and opens a fresh one (HikariCP's evictConnection). For a connection whose
     * session settings could not be put back.
     */
    void evict(java.sql.Connection c) {
        dataSource.evictConnection(c);
    }

    /** H2's compaction, for tests and operators' checks (null on PostgreSQL). */
    H2Housekeeping h2Housekeeping() {
        return housekeeping;
    }

    @Override
    public void close() {
        if (housekeeping != null) housekeeping.close();
        dataSource.close();
    }

    /**
     * Whether a failure means the database cannot be reached right now (no connection within the pool's timeout,
     * a connection lost or refused, the server shutting down) rather than a fault in the request or in Gatehouse:
     * such requests are answered 503 with Retry-After. SQLSTATE classes 08 (connection exception) and 57P
     * (PostgreSQL: operator intervention, e.g. terminated backends, "cannot connect now").
     */
    public static boolean unavailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLTransientConnectionException || t instanceof java.sql.SQLNonTransientConnectionException) {
                return true;
            }
            if (t instanceof java.sql.SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
                return true;
            }
            if (t.getCause() == t) break;
        }
        return false;
    }

    /**
     * A failure of the moment that {@link #unavailable} recognises: the caller is told 503 temporarily_unavailable with
     * Retry-After (RFC 9110 §15.6.4), try again. {@code cause} (may be null) stays the cause, for the log.
     */
    public static RuntimeException unavailableNow(String why, Throwable cause) {
        return new IllegalStateException(why, new java.sql.SQLTransientConnectionException(why, cause));
    }

    /**
     * A statement or lock timeout ({@link #timedOut}: the work waited for a lock another transaction held, or ran too
     * long) as the failure of the moment it is — {@link #unavailableNow}, not a 500; null for any other failure. The
     * group-commit writers answer their callers' timeouts with it.
     */
    public static RuntimeException timeoutAsUnavailable(Throwable cause, String who) {
        return timedOut(cause) && !unavailable(cause) ? unavailableNow(who + ": timed out waiting for the database", cause) : null;
    }

    /**
     * Whether a statement was ended by a timeout rather than refused: its statement timeout (SQLSTATE 57014,
     * query_canceled, on PostgreSQL and H2) or its lock timeout (PostgreSQL 55P03 lock_not_available; H2 HYT00,
     * error 50200). Like {@link #unavailable}, a failure of the moment and not of the request: 503, try again.
     */
    public static boolean timedOut(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLTimeoutException) return true;
            if (t instanceof java.sql.SQLException sql) {
                String state = sql.getSQLState();
                if ("57014".equals(state) || "55P03".equals(state) || "HYT00".equals(state) || sql.getErrorCode() == 50200) return true;
            }
            if (t.getCause() == t) break;
        }
        return false;
    }

    private static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^;&]*", "$1***");
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) t = t.getCause();
        return t.getMessage();
    }

}
