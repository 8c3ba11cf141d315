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

    public static Backend create(String kind) {
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
            s.execute("CREATE DATABASE " + db);
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

    @Override
    public void close() {
        if (pgDatabase != null) {
            try (Connection c = DriverManager.getConnection(PG_ADMIN_URL, "postgres", "");
                 Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + pgDatabase + " WITH (FORCE)");
            } catch (SQLException e) {
                // left behind: harmless, named gh_test_*
            }
        }
        deleteTree(dataDir);
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }
}
