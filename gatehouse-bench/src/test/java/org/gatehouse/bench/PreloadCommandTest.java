package org.gatehouse.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.gatehouse.server.Gatehouse;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.store.Database;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The preloader drops indexes and constraints to load fast (issue 18 Must 6): afterwards the schema must be the
 * migrated one again, and the rows those a registration leaves (installation, client pointing at it, audit event).
 */
class PreloadCommandTest {
    @Test
    void leavesTheMigratedSchemaAndOneInstallationClientAndEventPerRow(@TempDir Path fresh, @TempDir Path loaded) {
        List<String> migrated = indexesAndConstraints(fresh);

        int exit = new CommandLine(new PreloadCommand()).execute("--count", "50", "--batch", "20", "--data-dir", loaded.toString());
        assertThat(exit).isZero();

        assertThat(indexesAndConstraints(loaded)).isEqualTo(migrated);
        try (Gatehouse g = open(loaded)) {
            Map<String, Object> counts = g.db.withHandle(h -> h.createQuery("SELECT (SELECT COUNT(*) FROM installations) AS i,"
                    + " (SELECT COUNT(*) FROM clients c JOIN installations n ON n.id = c.installation_ref) AS c,"
                    + " (SELECT COUNT(*) FROM audit_events a JOIN clients c ON c.client_id = a.subject"
                    + "  WHERE a.action = 'client.register') AS a").mapToMap().one());
            assertThat(counts).containsEntry("i", 50L).containsEntry("c", 50L).containsEntry("a", 50L);
        }
    }

    private static Gatehouse open(Path dir) {
        return Gatehouse.open(Config.load(Map.of("GATEHOUSE_CONFIG", "/dev/null", "GATEHOUSE_DATA_DIR", dir.toString())),
                Database.SchemaPolicy.MIGRATE);
    }

    /** The schema's indexes, unique constraints and foreign keys as H2 scripts them, sorted. */
    private static List<String> indexesAndConstraints(Path dir) {
        try (Gatehouse g = open(dir)) {
            return g.db.withHandle(h -> h.createQuery("SCRIPT NODATA").mapTo(String.class).list()).stream()
                    .filter(l -> l.startsWith("CREATE INDEX") || l.startsWith("CREATE UNIQUE INDEX")
                            || l.startsWith("ALTER TABLE") && (l.contains(" UNIQUE") || l.contains("FOREIGN KEY")))
                    .sorted().toList();
        }
    }
}
