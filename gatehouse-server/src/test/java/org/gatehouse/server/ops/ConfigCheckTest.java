package org.gatehouse.server.ops;

import org.gatehouse.server.testing.Slow;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.gatehouse.server.crypto.MasterKey;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.Cli;
import org.gatehouse.server.testing.DirectDb;
import org.gatehouse.server.testing.ServerProcess;
import org.junit.jupiter.api.Test;

/**
 * Issue 16 item 5: `gatehouse config check` checks what `serve` would (settings, master key, database, schema)
 * without migrating, writing or starting anything; exit 0 when `serve` would start, 2 when not.
 */
@Slow // measured heavy for the quick set (issue 14 Must 6): runs in the slow execution, in CI every time
class ConfigCheckTest {
    @Test
    void aFreshEmbeddedSetupIsFineAndNothingIsCreated() {
        try (Backend b = Backend.create(Backend.H2)) {
            Path dataDir = b.dataDir.resolve("not-yet");
            Map<String, String> env = Map.of("GATEHOUSE_DATA_DIR", dataDir.toString(), "GATEHOUSE_ACESS_TOKEN_TTL", "5m");
            Cli.Result r = Cli.run(env, "config", "check");
            assertThat(r.exit()).as(r.out() + r.err()).isZero();
            assertThat(r.out()).contains("ok    warning: unknown variable GATEHOUSE_ACESS_TOKEN_TTL (did you mean GATEHOUSE_ACCESS_TOKEN_TTL?)")
                    .contains("does not exist yet").endsWith("configuration ok\n");
            assertThat(dataDir).doesNotExist();

            Cli.Result strict = Cli.run(ServerProcess.with(env, "GATEHOUSE_CONFIG_STRICT", "true"), "config", "check");
            assertThat(strict.exit()).isEqualTo(2);
            assertThat(strict.out()).contains("ERROR invalid configuration (GATEHOUSE_CONFIG_STRICT=true): unknown variable GATEHOUSE_ACESS_TOKEN_TTL");

            Cli.Result bad = Cli.run(Map.of("GATEHOUSE_DATA_DIR", dataDir.toString(), "GATEHOUSE_BIND", "0.0.0.0"), "config", "check");
            assertThat(bad.exit()).isEqualTo(2);
            assertThat(bad.out()).contains("ERROR transport security: refusing to serve plain HTTP");
            assertThat(dataDir).doesNotExist();
        }
    }

    /**
     * Issue 14: `config check` against a database that does not answer makes one connection attempt, bounded by
     * GATEHOUSE_DB_CONNECT_TIMEOUT, and says so — it used to retry for the pool's 10 s start-up window, as `serve` does.
     * A loopback listener that accepts and never answers counts the attempts (no clock in the assertion).
     */
    @Test
    void anUnansweringDatabaseIsReportedAfterOneAttempt() throws Exception {
        java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
        java.util.List<java.net.Socket> held = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(silent.accept()); // read nothing, answer nothing: a PostgreSQL that hangs
                        attempts.incrementAndGet();
                    }
                } catch (java.io.IOException closed) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            try (Backend b = Backend.create(Backend.H2)) {
                String url = "jdbc:postgresql://127.0.0.1:" + silent.getLocalPort() + "/silent";
                Cli.Result r = Cli.run(Map.of("GATEHOUSE_DATA_DIR", b.dataDir.toString(), "GATEHOUSE_DB_URL", url,
                        "GATEHOUSE_DB_CONNECT_TIMEOUT", "1s", "GATEHOUSE_MASTER_KEY", MasterKey.generateText()), "config", "check");
                assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(2);
                assertThat(r.out()).contains("ERROR cannot open the database " + url);
            } finally {
                silent.close();
                acceptor.join(60_000);
                synchronized (held) {
                    for (java.net.Socket socket : held) socket.close();
                }
            }
        }
        assertThat(attempts.get()).isEqualTo(1);
    }

    @Test
    void thePostgresDatabaseItsSchemaAndTheMasterKeyAreCheckedWithoutChangingThem() throws Exception {
        try (Backend b = Backend.create(Backend.POSTGRES)) {
            Map<String, String> env = b.env();
            Cli.Result empty = Cli.run(env, "config", "check");
            assertThat(empty.exit()).as(empty.out() + empty.err()).isZero();
            assertThat(empty.out()).contains("ok    database: reachable (PostgreSQL)")
                    .contains("pending migration(s)").contains("`serve` applies them at start")
                    .contains("master key: none yet");
            assertThat(Files.exists(MasterKey.file(b.dataDir))).as("no key file made").isFalse();
            Cli.Result noMigrate = Cli.run(ServerProcess.with(env, "GATEHOUSE_DB_MIGRATE", "false"), "config", "check");
            assertThat(noMigrate.exit()).isEqualTo(2);
            assertThat(noMigrate.out()).contains("ERROR schema: ").contains("GATEHOUSE_DB_MIGRATE=false: run `gatehouse db migrate` before `serve`");
            assertThat(DirectDb.postgresTables(env)).as("nothing created").isZero();

            assertThat(Cli.run(env, "db", "migrate").exit()).isZero();
            Cli.Result current = Cli.run(env, "config", "check");
            assertThat(current.exit()).as(current.out()).isZero();
            assertThat(current.out()).contains("ok    schema: up to date").contains("ok    master key: matches this database");

            Cli.Result wrongKey = Cli.run(ServerProcess.with(env, "GATEHOUSE_MASTER_KEY", MasterKey.generateText()), "config", "check");
            assertThat(wrongKey.exit()).isEqualTo(2);
            assertThat(wrongKey.out()).contains("ERROR master key: does not match this database");

            Cli.Result unreachable = Cli.run(ServerProcess.with(env, "GATEHOUSE_DB_URL", "jdbc:postgresql://127.0.0.1:1/nothing"), "config", "check");
            assertThat(unreachable.exit()).isEqualTo(2);
            assertThat(unreachable.out()).contains("ERROR cannot open the database jdbc:postgresql://127.0.0.1:1/nothing");
        }
    }
}
