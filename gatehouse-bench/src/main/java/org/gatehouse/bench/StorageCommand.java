package org.gatehouse.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.gatehouse.server.Gatehouse;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.store.Database;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Where a stopped server's bytes go: rows per table, the size of each table and index (PostgreSQL:
 * {@code pg_relation_size}; H2: {@code DISK_SPACE_USED} per table), the indexes H2 keeps (those it
 * made itself for foreign keys included), and for H2 the file before and after a full compaction
 * ({@code SHUTDOWN COMPACT}). Bytes per registration = the compacted file (or the database) divided
 * by the registered clients; subtract an empty database's size for the marginal figure.
 */
@Command(name = "storage", mixinStandardHelpOptions = true, description = "Rows, tables, indexes and file size of a stopped server's database.")
public final class StorageCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    DbOptions db;
    @Option(names = "--compact", description = "H2: compact the file fully (SHUTDOWN COMPACT) and report its size after.")
    boolean compact;

    private static final String[] TABLES = {"clients", "installations", "audit_events", "initial_access_tokens", "revoked_tokens"};

    @Override
    public Integer call() throws Exception {
        Config config = db.config();
        boolean pg = config.dbUrl.startsWith("jdbc:postgresql:");
        Path file = config.dataDir.resolve("gatehouse.mv.db");
        long clients;
        Gatehouse g = Gatehouse.open(config, Database.SchemaPolicy.INSPECT);
        try {
            clients = g.db.withHandle(h -> {
                Connection c = h.getConnection();
                try (Statement st = c.createStatement()) {
                    long n = 0;
                    for (String t : TABLES) {
                        long rows = count(st, t);
                        if (t.equals("clients")) n = rows;
                        String size = pg ? pgSizes(st, t) : h2Size(st, t);
                        System.out.printf(Locale.ROOT, "%-22s %9d rows  %s%n", t, rows, size);
                    }
                    System.out.println(pg ? "" : "H2 indexes:\n" + h2Indexes(st));
                    if (pg) {
                        try (ResultSet rs = st.executeQuery("SELECT pg_database_size(current_database())")) {
                            rs.next();
                            perRegistration("database", rs.getLong(1), n);
                        }
                    }
                    return n;
                }
            });
            if (!pg) perRegistration("file", Files.size(file), clients);
            if (!pg && compact) {
                try {
                    g.db.withHandle(h -> h.execute("SHUTDOWN COMPACT"));
                } catch (RuntimeException closed) {
                    // SHUTDOWN closes the database under the pool's connection: expected
                }
            }
        } finally {
            try {
                g.close();
            } catch (RuntimeException alreadyClosed) {
                // after SHUTDOWN COMPACT
            }
        }
        if (!pg && compact) perRegistration("file after SHUTDOWN COMPACT", Files.size(file), clients);
        return 0;
    }

    private static void perRegistration(String what, long bytes, long clients) {
        System.out.printf(Locale.ROOT, "%s: %.2f MiB; %.0f bytes per client (%d clients)%n", what, bytes / 1048576.0,
                clients == 0 ? 0.0 : bytes / (double) clients, clients);
    }

    private static long count(Statement st, String table) throws java.sql.SQLException {
        try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String h2Size(Statement st, String table) throws java.sql.SQLException {
        try (ResultSet rs = st.executeQuery("SELECT DISK_SPACE_USED('" + table.toUpperCase(Locale.ROOT) + "')")) {
            rs.next();
            return String.format(Locale.ROOT, "table and indexes %8.2f MiB", rs.getLong(1) / 1048576.0);
        }
    }

    private static String pgSizes(Statement st, String table) throws java.sql.SQLException {
        StringBuilder b = new StringBuilder();
        try (ResultSet rs = st.executeQuery("SELECT pg_relation_size('" + table + "'), pg_total_relation_size('" + table + "')")) {
            rs.next();
            b.append(String.format(Locale.ROOT, "heap %8.2f MiB, total %8.2f MiB;", rs.getLong(1) / 1048576.0, rs.getLong(2) / 1048576.0));
        }
        try (ResultSet rs = st.executeQuery("SELECT indexrelname, pg_relation_size(indexrelid) FROM pg_stat_user_indexes WHERE relname = '"
                + table + "' ORDER BY 1")) {
            while (rs.next()) b.append(String.format(Locale.ROOT, " %s %.2f MiB", rs.getString(1), rs.getLong(2) / 1048576.0));
        }
        return b.toString();
    }

    private static String h2Indexes(Statement st) throws java.sql.SQLException {
        StringBuilder b = new StringBuilder();
        try (ResultSet rs = st.executeQuery("SELECT i.TABLE_NAME, i.INDEX_NAME, i.INDEX_TYPE_NAME,"
                + " LISTAGG(c.COLUMN_NAME, ',') WITHIN GROUP (ORDER BY c.ORDINAL_POSITION)"
                + " FROM INFORMATION_SCHEMA.INDEXES i JOIN INFORMATION_SCHEMA.INDEX_COLUMNS c"
                + " ON c.INDEX_SCHEMA = i.INDEX_SCHEMA AND c.INDEX_NAME = i.INDEX_NAME AND c.TABLE_NAME = i.TABLE_NAME"
                + " WHERE i.TABLE_SCHEMA = 'PUBLIC' AND i.TABLE_NAME IN ('CLIENTS', 'INSTALLATIONS', 'AUDIT_EVENTS')"
                + " GROUP BY i.TABLE_NAME, i.INDEX_NAME, i.INDEX_TYPE_NAME ORDER BY 1, 4")) {
            while (rs.next()) {
                b.append(String.format(Locale.ROOT, "  %-14s %-44s %-12s (%s)%n", rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
            }
        }
        return b.toString();
    }
}
