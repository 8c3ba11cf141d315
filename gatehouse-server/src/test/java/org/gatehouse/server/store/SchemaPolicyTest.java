package org.gatehouse.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Cli;
import org.gatehouse.server.testing.DirectDb;
import org.gatehouse.server.testing.ServerProcess;
import org.gatehouse.server.testing.Slow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/**
 * Issue 16 item 4: schema changes only on purpose. Commands other than `db migrate` (and `serve`, unless
 * GATEHOUSE_DB_MIGRATE=false) never migrate an existing database; every command refuses a schema newer than it
 * knows with one clear line and exit 2; `db status` shows applied and pending migrations.
 */
@BothBackends
@Slow
class SchemaPolicyTest {
    private static final String HISTORY = "\"flyway_schema_history\"";

    @Parameter
    String backend;

    @Test
    void commandsLeaveAnEmptyDatabaseAloneExceptTheEmbeddedDefaultsFirstUse() {
        try (Backend b = Backend.create(backend)) {
            Map<String, String> env = b.env();
            if (Backend.H2.equals(backend)) {
                // The README's first command needs no setup: the embedded default is created on first use.
                Cli.Result first = Cli.run(env, "iat", "list");
                assertThat(first.exit()).as(first.err()).isZero();
                assertThat(Cli.run(env, "db", "status").out()).contains("up to date");
                return;
            }
            for (String[] command : new String[][] {{"iat", "list"}, {"keys", "list"}, {"admin", "list"}}) {
                Cli.Result r = Cli.run(env, command);
                assertThat(r.exit()).as(String.join(" ", command) + ": " + r.err()).isEqualTo(2);
                assertThat(r.err()).contains("gatehouse: the database has no Gatehouse schema yet: create it with `gatehouse db migrate`")
                        .doesNotContain("Exception");
            }
            Cli.Result serve = Cli.run(ServerProcess.with(ServerProcess.env(b, ServerProcess.freePort()), "GATEHOUSE_DB_MIGRATE", "false"), "serve");
            assertThat(serve.exit()).as(serve.err()).isEqualTo(2);
            assertThat(DirectDb.postgresTables(env)).as("nothing was created").isZero();

            Cli.Result status = Cli.run(env, "db", "status");
            assertThat(status.exit()).as(status.err()).isZero();
            assertThat(status.out()).contains("Pending").containsPattern("\\d+ pending migration\\(s\\): apply them with `gatehouse db migrate`");
            assertThat(DirectDb.postgresTables(env)).as("db status creates nothing").isZero();

            Cli.Result migrate = Cli.run(env, "db", "migrate");
            assertThat(migrate.exit()).as(migrate.err()).isZero();
            assertThat(Cli.run(env, "iat", "list").exit()).isZero();
            assertThat(Cli.run(env, "db", "status").out()).contains("Success").contains("up to date");
        }
    }

    @Test
    void aSchemaNewerThanTheBinaryIsRefusedWithExit2AndLeftUnchanged() {
        try (Backend b = Backend.create(backend)) {
            Map<String, String> env = b.env();
            Cli.Result migrate = Cli.run(env, "db", "migrate");
            assertThat(migrate.exit()).as(migrate.err()).isZero();
            // What a newer release's `db migrate` leaves behind: a migration this binary does not carry.
            DirectDb.execute(env, "INSERT INTO " + HISTORY + " (\"installed_rank\", \"version\", \"description\", \"type\", \"script\","
                    + " \"checksum\", \"installed_by\", \"installed_on\", \"execution_time\", \"success\") VALUES (999, '999',"
                    + " 'from a newer release', 'SQL', 'V999__from_a_newer_release.sql', 0, 'test', CURRENT_TIMESTAMP, 1, TRUE)");
            List<Map<String, Object>> before = snapshot(env);

            for (String[] command : new String[][] {{"iat", "list"}, {"serve"}, {"db", "migrate"}, {"admin", "setup-link"}}) {
                Cli.Result r = Cli.run(command[0].equals("serve") ? ServerProcess.env(b, ServerProcess.freePort()) : env, command);
                assertThat(r.exit()).as(String.join(" ", command) + ": " + r.out() + r.err()).isEqualTo(2);
                assertThat(r.err()).contains("gatehouse: the database schema (version 999) is newer than this Gatehouse knows")
                        .doesNotContain("Exception").doesNotContain("\tat ");
            }
            Cli.Result status = Cli.run(env, "db", "status");
            assertThat(status.exit()).isEqualTo(2);
            assertThat(status.out()).contains("999").contains("from a newer release").contains("is newer than this Gatehouse knows");
            assertThat(snapshot(env)).as("nothing changed").isEqualTo(before);

            // An older schema (a migration of this release not applied yet): commands refuse, `db status` lists it.
            DirectDb.execute(env, "DELETE FROM " + HISTORY + " WHERE \"installed_rank\" >= (SELECT MAX(\"installed_rank\") FROM " + HISTORY
                    + " WHERE \"installed_rank\" < 999)");
            Cli.Result older = Cli.run(env, "iat", "list");
            assertThat(older.exit()).isEqualTo(2);
            assertThat(older.err()).contains("1 pending migration(s) with `gatehouse db migrate`");
            assertThat(Cli.run(env, "db", "status").out()).contains("Pending").contains("1 pending migration(s)");
        }
    }

    /** The schema history and the settings: what a command that migrated or wrote would change. */
    private static List<Map<String, Object>> snapshot(Map<String, String> env) {
        return DirectDb.with(env, h -> {
            List<Map<String, Object>> rows = new java.util.ArrayList<>(h.createQuery("SELECT \"version\", \"success\" FROM " + HISTORY
                    + " ORDER BY \"installed_rank\"").mapToMap().list());
            rows.addAll(h.createQuery("SELECT * FROM settings ORDER BY name").mapToMap().list());
            rows.add(Map.of("signing_keys", h.createQuery("SELECT COUNT(*) FROM signing_keys").mapTo(Long.class).one(),
                    "audit_events", h.createQuery("SELECT COUNT(*) FROM audit_events").mapTo(Long.class).one()));
            return rows;
        });
    }
}
