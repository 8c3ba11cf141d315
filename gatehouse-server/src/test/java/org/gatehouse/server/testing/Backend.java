package org.gatehouse.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.nio.file.StandardCopyOption;
import org.gatehouse.server.Gatehouse;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.store.Database;
import org.junit.jupiter.api.Assumptions;

/**
 * A fresh, empty database for one server: an H2 file in a temporary data directory, or a new
 * PostgreSQL database on 127.0.0.1:5432 (dropped on close). Without a reachable PostgreSQL the
 * PostgreSQL runs are skipped with a message, except under CI=true, where they fail.
 */
public final class Backend implements AutoCloseable {
    public static final String H2 = "h2";
    public static final String POSTGRES = "postgres";
    private static final String PG_ADMIN_URL = "jdbc:postgresql://127.0.0.1:5432/test";

    public final String kind;
    public final Path dataDir;
    private final String pgDatabase;

    private Backend(String kind, Path dataDir, String pgDatabase) {
        this.kind = kind;
        this.dataDir = dataDir;
        this.pgDatabase = pgDatabase;
    }

    /** Per backend kind: a database migrated once per JVM, that {@link #createMigrated} copies. */
    private static final Map<String, Backend> TEMPLATES = new ConcurrentHashMap<>();

    /**
     * A fresh database already at this build's schema, for a test server: a copy of one migrated once per JVM
     * (PostgreSQL: {@code CREATE DATABASE … TEMPLATE}; H2: its file and the master key of the data directory).
     * Migrating each server's database took 1–3 s of the quick tests' wall time per server (a thread dump of
     * the test JVM shows Flyway waiting on the database); the copy takes a fraction of that. Tests of migrations
     * and of an empty database use {@link #create}.
     */
    public static Backend createMigrated(String kind) {
        Backend template = TEMPLATES.computeIfAbsent(kind, Backend::migratedTemplate);
        Backend b = create(kind, template.pgDatabase);
        try (var files = Files.list(template.dataDir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f) && !f.getFileName().toString().endsWith(".lock.db")) {
                    Files.copy(f, b.dataDir.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        } catch (IOException e) {
            b.close();
            throw new UncheckedIOException(e);
        }
        return b;
    }

    /** An empty database, migrated as `serve` would migrate it (with its data directory's master key), then closed. */
    private static Backend migratedTemplate(String kind) {
        Backend t = create(kind, null);
        Map<String, String> env = new HashMap<>(t.env());
        env.put("GATEHOUSE_CONFIG", "/dev/null");
        try {
            // opened, migrated and the master key's check value stored: that is the template
            Gatehouse.open(Config.load(env), Database.SchemaPolicy.MIGRATE).close();
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(t::close));
        return t;
    }

    public static Backend create(String kind) {
        return create(kind, null);
    }

    private static Backend create(String kind, String pgTemplate) {
        Path dir;
        try {
            dir = Files.createTempDirectory("gatehouse-test-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (H2.equals(kind)) {
            return new Backend(kind, dir, null);
        }
        String db = "gh_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16).toLowerCase(Locale.ROOT);
        try (Connection c = DriverManager.getConnection(PG_ADMIN_URL, "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + db + (pgTemplate == null ? "" : " TEMPLATE " + pgTemplate));
        } catch (SQLException e) {
            if ("true".equals(System.getenv("CI"))) {
                throw new IllegalStateException("CI=true needs PostgreSQL on 127.0.0.1:5432: " + e.getMessage(), e);
            }
            Assumptions.abort("PostgreSQL is not reachable on 127.0.0.1:5432, skipping the PostgreSQL run: " + e.getMessage());
        }
        return new Backend(kind, dir, db);
    }

    /** The GATEHOUSE_* settings that point a server at this database. */
    public Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("GATEHOUSE_DATA_DIR", dataDir.toString());
        if (pgDatabase != null) {
            env.put("GATEHOUSE_DB_URL", "jdbc:postgresql://127.0.0.1:5432/" + pgDatabase);
            env.put("GATEHOUSE_DB_USER", "postgres");
            env.put("GATEHOUSE_DB_PASSWORD", "");
        }
        return env;
    }

    /**
     * Drops closed PostgreSQL databases in the background: a DROP DATABASE took 0.5–1 s of a test's wall time on
     * the loaded machine, and nothing waits for it. The JVM waits for the drops left at its end (a while at most).
     */
    private static final java.util.concurrent.ExecutorService DROPS = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "test-pg-drop");
        t.setDaemon(true);
        return t;
    });

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            DROPS.shutdown();
            try {
                DROPS.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
    }

    @Override
    public void close() {
        if (pgDatabase != null) {
            String db = pgDatabase;
            try {
                DROPS.execute(() -> drop(db));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                drop(db); // the JVM is ending: a template dropped by its shutdown hook
            }
        }
        deleteTree(dataDir);
    }

    private static void drop(String db) {
        try (Connection c = DriverManager.getConnection(PG_ADMIN_URL, "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
        } catch (SQLException e) {
            // left behind: harmless, named gh_test_*
        }
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }
}
