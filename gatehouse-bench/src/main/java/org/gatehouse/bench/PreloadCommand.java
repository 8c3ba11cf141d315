package org.gatehouse.bench;

import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.gatehouse.server.Gatehouse;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.iat.IatService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Fills a stopped server's database with N installations quickly: JDBC batches straight into the
 * tables, after the server's own migrations ran (it opens the database with the server's classes,
 * so the schema, the embedded database's password and the secret pepper are the server's).
 *
 * <p>It inserts into whichever of the tables {@code installations}, {@code clients} and {@code audit_events} exist
 * (one {@code client.register} event per client, as a registration leaves), reading their columns from the JDBC metadata: columns it knows get
 * realistic values (ids like the server's, one shared client secret, metadata JSON, timestamps);
 * any other NOT NULL column without a default gets a value of its type; nullable unknown columns
 * stay NULL. Every preloaded client has the same secret, written with the count to
 * {@code preload.properties} so that the load generator can authenticate as any of them
 * ({@link PreloadIds} gives client i's id on both sides). Use a fresh database: ids start at 0.
 *
 * <p>Speed (issue 18 Must 6): random keys inserted one by one into B-trees larger than the page cache cost a page
 * write per row and index (267 rows/s at 100k on H2). So the secondary indexes, unique constraints and foreign keys of
 * those tables are dropped first, the rows go in in primary-key order (appends), and the indexes are rebuilt at the
 * end from the DDL the database itself reports ({@code SCRIPT NODATA} on H2, the catalogue on PostgreSQL); foreign
 * keys come back unchecked on H2 (NOCHECK, as H2 scripts them), checked on PostgreSQL.
 *
 * <p>With {@code --aged} the installations look like a fleet that has run for a while (for listing and
 * clean-up at scale, {@code scripts/installations-at-scale.sh}; this was the server's hidden
 * {@code seed-installations} command): installation i was created i seconds ago, a third were never seen
 * and the rest were last seen 0–199 days ago, with i mod 50 tokens, and one in a thousand is flagged. Without
 * it every row is created and seen now, as the load generator's runs expect.
 */
@Command(name = "preload", mixinStandardHelpOptions = true,
        description = "Insert N installations into a stopped server's database (GATEHOUSE_* settings as for the server).")
public final class PreloadCommand implements Callable<Integer> {
    @Option(names = "--count", required = true, description = "Installations to insert.")
    long count;
    @Option(names = "--batch", defaultValue = "5000", description = "Rows per batch and commit.")
    int batch;
    @picocli.CommandLine.Mixin
    DbOptions db;
    @Option(names = "--info", description = "Where to write count and secret (default <data-dir>/preload.properties).")
    Path info;
    @Option(names = "--aged", description = "Installations created one second apart into the past, seen 0–199 days ago or never,"
            + " one in a thousand flagged (listing and clean-up at scale).")
    boolean aged;

    @Override
    public Integer call() throws Exception {
        Config config = db.config();
        long t0 = System.nanoTime();
        // A bench tool that fills a fresh database before the server starts: it migrates, as `db migrate` would.
        try (Gatehouse g = Gatehouse.open(config, org.gatehouse.server.store.Database.SchemaPolicy.MIGRATE)) {
            String secret = Secrets.newSecret(Secrets.CLIENT_SECRET);
            String secretHash = g.secrets.hash(secret);
            IatService.Created iat = g.iats.create(IatService.Spec.of("preloaded installations", IatService.MAX_REGISTRATIONS,
                    Duration.ofDays(3650), null), Actor.cli());
            long now = System.currentTimeMillis();
            Values values = new Values(secretHash, iat.record().id(), String.join(" ", config.scopes), now, aged);
            List<String> done = g.db.withHandle(h -> {
                Connection c = h.getConnection();
                List<String> tables = new ArrayList<>();
                for (String table : new String[] {"installations", "clients", "audit_events"}) {
                    if (!columns(c, table).isEmpty()) tables.add(table);
                }
                // Random keys into B-trees that outgrow the cache cost a page write per row and index; instead the
                // secondary indexes and foreign keys are dropped, the rows inserted in primary-key order, and the
                // indexes rebuilt from sorted runs (the same DDL, read back from the database).
                List<String> rebuild = dropIndexes(c, tables);
                for (String table : tables) insert(c, table, columns(c, table), values);
                long r0 = System.nanoTime();
                try (Statement st = c.createStatement()) {
                    for (String ddl : rebuild) {
                        long d0 = System.nanoTime();
                        st.execute(ddl);
                        System.out.printf(Locale.ROOT, "    %.1f s  %s%n", (System.nanoTime() - d0) / 1e9, ddl);
                    }
                }
                if (!c.getAutoCommit()) c.commit();
                System.out.printf(Locale.ROOT, "  %d indexes and constraints rebuilt in %.1f s%n", rebuild.size(), (System.nanoTime() - r0) / 1e9);
                return tables;
            });
            // Leave the database as a running server would after its housekeeping: PostgreSQL vacuumed and analysed,
            // H2 compacted (the rebuilt indexes leave most chunks of the file sparse, which the server's H2Housekeeping
            // would otherwise rewrite during the first measurements). SHUTDOWN COMPACT closes the embedded database.
            long c0 = System.nanoTime();
            boolean postgres = g.db.isPostgres();
            try {
                g.db.withHandle(h -> {
                    try (Statement st = h.getConnection().createStatement()) {
                        return st.execute(postgres ? "VACUUM ANALYZE" : "SHUTDOWN COMPACT");
                    }
                });
            } catch (RuntimeException closed) {
                if (postgres) throw closed; // H2: the pool cannot reset the connection the shutdown closed
            }
            System.out.printf(Locale.ROOT, "  %s in %.1f s%n", postgres ? "vacuumed" : "compacted", (System.nanoTime() - c0) / 1e9);
            Path infoFile = info != null ? info : config.dataDir.resolve("preload.properties");
            Files.createDirectories(infoFile.toAbsolutePath().getParent());
            Properties p = new Properties();
            p.setProperty("count", Long.toString(count));
            p.setProperty("secret", secret);
            p.setProperty("iat_id", iat.record().id());
            p.setProperty("tables", String.join(",", done));
            try (Writer w = Files.newBufferedWriter(infoFile)) {
                p.store(w, "gatehouse-bench preload: client i has id PreloadIds.clientId(i) and this secret");
            }
            System.out.printf(Locale.ROOT, "preloaded %d rows into %s in %.1f s; %s%n", count, done,
                    (System.nanoTime() - t0) / 1e9, infoFile);
        }
        return 0;
    }

    record Column(String name, int type, int size, boolean nullable, boolean hasDefault) {
    }

    record Values(String secretHash, String iatId, String scope, long now, boolean aged) {
        private static final long DAY = 86_400_000L;

        /** Row i's creation time: now, or i seconds ago in an aged fleet. */
        long createdAt(long i) {
            return aged ? now - i * 1000 : now;
        }

        /** Installation i's last-seen time: now, or (aged) never for a third, else 0–199 days ago. */
        Long lastSeenAt(long i) {
            if (!aged) return now;
            return i % 3 == 0 ? null : now - (i % 200) * DAY;
        }

        boolean flagged(long i) {
            return aged && i % 1000 == 0;
        }
    }

    static List<Column> columns(Connection c, String table) throws java.sql.SQLException {
        DatabaseMetaData md = c.getMetaData();
        List<Column> out = new ArrayList<>();
        for (String name : new String[] {table.toUpperCase(Locale.ROOT), table}) {
            try (ResultSet rs = md.getColumns(null, null, name, null)) {
                while (rs.next()) {
                    String schema = rs.getString("TABLE_SCHEM");
                    if (schema != null && !schema.equalsIgnoreCase("public")) continue;
                    String def = rs.getString("COLUMN_DEF");
                    String auto = rs.getString("IS_AUTOINCREMENT");
                    String gen = rs.getString("IS_GENERATEDCOLUMN");
                    out.add(new Column(rs.getString("COLUMN_NAME").toLowerCase(Locale.ROOT), rs.getInt("DATA_TYPE"),
                            rs.getInt("COLUMN_SIZE"), rs.getInt("NULLABLE") != DatabaseMetaData.columnNoNulls,
                            def != null || "YES".equals(auto) || "YES".equals(gen)));
                }
            }
            if (!out.isEmpty()) break;
        }
        return out;
    }

    /**
     * Drops the secondary indexes, unique constraints and foreign keys of the given tables (not their primary keys, nor
     * checks) and returns the statements that recreate them, in an order that works (indexes and unique constraints
     * before the foreign keys that may need them). H2: from {@code SCRIPT NODATA}; PostgreSQL: from its catalogue.
     */
    static List<String> dropIndexes(Connection c, List<String> tables) throws java.sql.SQLException {
        List<String> create = new ArrayList<>();
        List<String> foreign = new ArrayList<>();
        List<String> drop = new ArrayList<>();
        List<String> dropForeign = new ArrayList<>();
        boolean postgres = c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT).contains("postgres");
        try (Statement st = c.createStatement()) {
            if (postgres) {
                for (String t : tables) {
                    try (ResultSet rs = st.executeQuery("SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint"
                            + " WHERE conrelid = '" + t + "'::regclass AND contype IN ('u', 'f')")) {
                        while (rs.next()) {
                            String add = "ALTER TABLE " + t + " ADD CONSTRAINT " + rs.getString(1) + " " + rs.getString(2);
                            String del = "ALTER TABLE " + t + " DROP CONSTRAINT " + rs.getString(1);
                            if (rs.getString(3).equals("f")) {
                                foreign.add(add);
                                dropForeign.add(del);
                            } else {
                                create.add(add);
                                drop.add(del);
                            }
                        }
                    }
                    try (ResultSet rs = st.executeQuery("SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema()"
                            + " AND i.tablename = '" + t + "' AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname"
                            + " AND k.conrelid = '" + t + "'::regclass)")) {
                        while (rs.next()) {
                            create.add(rs.getString(2));
                            drop.add("DROP INDEX " + rs.getString(1));
                        }
                    }
                }
            } else {
                List<String> names = new ArrayList<>();
                for (String t : tables) names.add("\"PUBLIC\".\"" + t.toUpperCase(Locale.ROOT) + "\"");
                try (ResultSet rs = st.executeQuery("SCRIPT NODATA")) {
                    while (rs.next()) {
                        String ddl = rs.getString(1).strip();
                        if (ddl.endsWith(";")) ddl = ddl.substring(0, ddl.length() - 1);
                        java.util.regex.Matcher index = java.util.regex.Pattern.compile(
                                "CREATE (?:UNIQUE )?INDEX (\\S+) ON (\\S+?)\\(.*", java.util.regex.Pattern.DOTALL).matcher(ddl);
                        java.util.regex.Matcher constraint = java.util.regex.Pattern.compile(
                                "ALTER TABLE (\\S+) ADD CONSTRAINT (\\S+) (UNIQUE|FOREIGN KEY).*", java.util.regex.Pattern.DOTALL).matcher(ddl);
                        if (index.matches() && names.contains(index.group(2))) {
                            create.add(ddl);
                            drop.add("DROP INDEX " + index.group(1));
                        } else if (constraint.matches() && names.contains(constraint.group(1))) {
                            String del = "ALTER TABLE " + constraint.group(1) + " DROP CONSTRAINT " + constraint.group(2);
                            if (constraint.group(3).equals("UNIQUE")) {
                                create.add(ddl);
                                drop.add(del);
                            } else {
                                foreign.add(ddl);
                                dropForeign.add(del);
                            }
                        }
                    }
                }
            }
            for (String d : dropForeign) st.execute(d);
            for (String d : drop) st.execute(d);
        }
        if (!c.getAutoCommit()) c.commit();
        create.addAll(foreign);
        return create;
    }

    private void insert(Connection c, String table, List<Column> all, Values v) throws java.sql.SQLException {
        List<Column> cols = new ArrayList<>();
        for (Column col : all) {
            if (known(table, col.name()) || (!col.nullable() && !col.hasDefault())) cols.add(col);
        }
        // Rows in the order of their primary key, so that its B-tree grows at its right edge.
        Column key = cols.stream().filter(col -> col.name().equals("client_id") && table.equals("clients")
                || col.name().equals("id") && table.equals("installations")).findFirst().orElse(null);
        long[] order = new long[Math.toIntExact(count)];
        for (int i = 0; i < order.length; i++) order[i] = i;
        if (key != null) {
            String[] keys = new String[order.length];
            for (int i = 0; i < order.length; i++) keys[i] = (String) value(table, key, i, v);
            order = java.util.stream.LongStream.of(order).boxed().sorted((a, b) -> keys[(int) (long) a].compareTo(keys[(int) (long) b]))
                    .mapToLong(Long::longValue).toArray();
        }
        StringBuilder sql = new StringBuilder("INSERT INTO " + table + " (");
        for (int i = 0; i < cols.size(); i++) sql.append(i == 0 ? "" : ", ").append(cols.get(i).name());
        sql.append(") VALUES (").append("?, ".repeat(cols.size() - 1)).append("?)");
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        long t0 = System.nanoTime();
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (long n = 0; n < count; n++) {
                long i = order[(int) n];
                for (int k = 0; k < cols.size(); k++) ps.setObject(k + 1, value(table, cols.get(k), i, v), sqlType(cols.get(k)));
                ps.addBatch();
                if ((n + 1) % batch == 0 || n + 1 == count) {
                    ps.executeBatch();
                    c.commit();
                }
                if ((n + 1) % 100_000 == 0 || n + 1 == count) {
                    System.out.printf(Locale.ROOT, "  %s: %d rows, %.0f rows/s%n", table, n + 1, (n + 1) / ((System.nanoTime() - t0) / 1e9));
                }
            }
        } finally {
            c.setAutoCommit(auto);
        }
    }

    private static int sqlType(Column c) {
        return c.type() == Types.CHAR || c.type() == Types.NCHAR ? Types.VARCHAR : c.type();
    }

    private static boolean known(String table, String col) {
        // Rows 0 and 1 of an aged fleet: between them every known column has a value (row 0 is flagged, row 1 was seen).
        Values aged = new Values("", "", "", 0, true);
        Column c = new Column(col, Types.VARCHAR, 0, true, false);
        return value(table, c, 0, aged) != null || value(table, c, 1, aged) != null;
    }

    /** A realistic value for a known column, else a value of the column's type when it is NOT NULL, else null. */
    static Object value(String table, Column col, long i, Values v) {
        String n = col.name();
        boolean clients = table.equals("clients");
        if (table.equals("audit_events")) { // the one event a registration leaves (RegistrationService.register)
            switch (n) {
                case "occurred_at": return v.createdAt(i);
                case "actor": return "iat:" + v.iatId();
                case "action": return "client.register";
                case "subject": return PreloadIds.clientId(i);
                case "remote_addr": return "127.0.0.1";
                case "details": return "{\"scope\":\"" + v.scope() + "\",\"client_name\":\"Preloaded PC " + i
                        + "\",\"software_id\":\"gatehouse-bench\",\"software_version\":\"1.0\",\"installation_id\":\""
                        + PreloadIds.installationId(i) + "\",\"installation\":\"" + PreloadIds.installationRef(i)
                        + "\",\"installation_created\":true}";
                default: return null;
            }
        }
        switch (n) {
            case "client_id": return PreloadIds.clientId(i);
            case "installation_id": return PreloadIds.installationId(i);
            case "id": return clients ? PreloadIds.clientId(i) : PreloadIds.installationRef(i);
            case "installation_ref": return clients ? PreloadIds.installationRef(i) : null;
            case "owner_account": return clients ? null : "operator"; // the owner of tokens made with the CLI
            case "first_iat_id": case "last_iat_id": return v.iatId();
            case "registrations": return clients ? null : 1;
            case "token_count": return clients ? null : v.aged() ? i % 50 : 0L;
            case "flagged_at": return clients || !v.flagged(i) ? null : v.now();
            case "flag_reason": return clients || !v.flagged(i) ? null : "possible cloned image";
            case "last_seen_at": return clients ? Long.valueOf(v.now()) : v.lastSeenAt(i);
            case "kind": return clients ? "installation" : null;
            case "iat_id": return v.iatId();
            case "secret_hash": return v.secretHash();
            case "rat_hash": return PreloadIds.ratHash(i);
            case "secret_expires_at": return 0L;
            case "token_endpoint_auth_method": return "client_secret_basic";
            case "scope": return v.scope();
            case "client_name": return "Preloaded PC " + i;
            case "software_id": return "gatehouse-bench";
            case "software_version": return "1.0";
            case "metadata": return "{\"client_name\":\"Preloaded PC " + i + "\",\"grant_types\":[\"client_credentials\"],"
                    + "\"token_endpoint_auth_method\":\"client_secret_basic\",\"scope\":\"" + v.scope() + "\",\"software_id\":"
                    + "\"gatehouse-bench\",\"software_version\":\"1.0\",\"installation_id\":\"" + PreloadIds.installationId(i) + "\"}";
            default:
                break;
        }
        if (n.endsWith("_at") && (n.startsWith("created") || n.startsWith("updated") || n.startsWith("issued")
                || n.startsWith("first_seen") || n.startsWith("last_registered") || n.startsWith("registered") || n.startsWith("secret_issued"))) {
            return v.createdAt(i);
        }
        if (col.nullable() || col.hasDefault()) return null;
        switch (col.type()) {
            case Types.BIGINT: case Types.INTEGER: case Types.SMALLINT: case Types.TINYINT: case Types.NUMERIC: case Types.DECIMAL:
                return n.endsWith("_at") ? v.now() : 0L;
            case Types.BOOLEAN: case Types.BIT:
                return Boolean.FALSE;
            default: {
                String s = n + "-" + i;
                return col.size() > 0 && s.length() > col.size() ? s.substring(s.length() - col.size()) : s;
            }
        }
    }
}
