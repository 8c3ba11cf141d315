package org.gatehouse.server.accounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Cli;
import org.gatehouse.server.testing.DirectDb;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.ServerProcess;
import org.gatehouse.server.testing.Slow;
import org.gatehouse.server.testing.Threads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/**
 * Issue 16 item 3: the first admin's setup link is made once, printed once by the node that made it, survives
 * restarts and other nodes' starts, and is replaced only on purpose (`gatehouse admin setup-link`).
 */
@BothBackends
@Slow
class FirstAdminLinkTest {
    private static final Pattern LINK = Pattern.compile("http://127\\.0\\.0\\.1:\\d+/setup/ghl_[A-Za-z0-9_-]+");

    @Parameter
    String backend;

    @Test
    void twoNodesAndARestartPrintOneLinkThatStaysValidUntilTheCommandReplacesIt() throws Exception {
        try (Backend b = Backend.create(backend)) {
            Map<String, String> envA = ServerProcess.env(b, ServerProcess.freePort());
            Map<String, String> envB = ServerProcess.env(b, ServerProcess.freePort());
            ServerProcess a;
            ServerProcess other;
            if (Backend.POSTGRES.equals(backend)) {
                // Two nodes in the first-admin-link transaction at the same time (H2 is one node's file: they start one
                // after the other). The test holds the row lock that transaction takes first (AccountService
                // .firstAdminLinkOnStart → SettingsStore.lock), starts both nodes, waits until PostgreSQL shows both
                // waiting for that lock, and only then lets go: the two transactions really overlap.
                assertThat(Cli.run(envA, "db", "migrate").exit()).isZero();
                DirectDb.execute(envA, "INSERT INTO settings (name, setting_value) VALUES ('" + FIRST_ADMIN_LOCK + "', 'lock')");
                java.util.concurrent.atomic.AtomicBoolean overlap = new java.util.concurrent.atomic.AtomicBoolean();
                List<CompletableFuture<ServerProcess>> nodes = DirectDb.with(envA, lock -> {
                    lock.begin();
                    lock.execute("UPDATE settings SET setting_value = setting_value WHERE name = '" + FIRST_ADMIN_LOCK + "'");
                    List<CompletableFuture<ServerProcess>> started = List.of(
                            CompletableFuture.supplyAsync(() -> ServerProcess.start(envA), Threads.EACH_ITS_OWN),
                            CompletableFuture.supplyAsync(() -> ServerProcess.start(envB), Threads.EACH_ITS_OWN));
                    // Polled between waits on the nodes (not a spin: the nodes need the two cores to start); a node that
                    // ended, having failed to start, ends the wait and its future's get() below says why.
                    CompletableFuture<Object> oneEnded = CompletableFuture.anyOf(started.toArray(CompletableFuture[]::new));
                    boolean overlapped = DirectDb.with(envA, probe -> {
                        while (waitingForTheLock(probe) < 2) {
                            try {
                                oneEnded.get(200, TimeUnit.MILLISECONDS);
                                break;
                            } catch (TimeoutException stillStarting) {
                                // poll again
                            } catch (ExecutionException ended) {
                                break;
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                break;
                            }
                        }
                        return waitingForTheLock(probe) >= 2;
                    });
                    lock.rollback();
                    overlap.set(overlapped);
                    return started;
                });
                a = nodes.get(0).get();
                other = nodes.get(1).get();
                // Both nodes started (a failed start threw above): they must also have waited for the lock together,
                // else this run did not test the overlap it exists for.
                assertThat(overlap.get()).as("both nodes were in the first-admin transaction at once").isTrue();
            } else {
                // The embedded database has one server: a second one on its data directory is refused at start, with one
                // line and exit 2 (the replay journal's lock, issue 17 Must 8), and the first one goes on.
                a = ServerProcess.start(envA);
                assertThatThrownBy(() -> ServerProcess.start(envB)).hasMessageContaining("exited with 2");
                other = null;
            }
            try (ServerProcess nodeB = other) {
                String logs = a.log() + (nodeB == null ? "" : nodeB.log());
                // "Gatehouse is running" comes after the setup-link notice: every node has printed its own.
                List<String> printed = links(logs);
                assertThat(printed).as("one link, printed once, by one node:\n" + logs).hasSize(1);
                String link = printed.get(0);
                if (nodeB != null) assertThat(logs).contains("it is not printed again");

                a.stop();
                try (ServerProcess restarted = ServerProcess.start(envA)) {
                    assertThat(links(restarted.log())).as(restarted.log()).isEmpty();
                    assertThat(restarted.log()).contains("A one-time setup link for the first admin, printed by node:")
                            .contains("`gatehouse admin setup-link`");
                    assertThat(get(nodeB != null ? nodeB : restarted, link)).as("still valid after a restart").isEqualTo(200);

                    Cli.Result replaced = Cli.run(envA, "admin", "setup-link");
                    assertThat(replaced.exit()).as(replaced.err()).isZero();
                    String fresh = replaced.out().strip();
                    assertThat(fresh).matches(LINK.pattern()).isNotEqualTo(link);
                    assertThat(replaced.err()).contains("valid until").contains("earlier one no longer works");
                    assertThat(get(restarted, link)).as("the replaced link").isEqualTo(404);
                    assertThat(get(restarted, fresh)).isEqualTo(200);
                }
            } finally {
                a.close();
            }
            // Audited: each link's lifetime and where it was printed; the replacement.
            List<Map<String, Object>> events = DirectDb.with(envA, h -> h.createQuery(
                    "SELECT actor, action, details FROM audit_events WHERE action LIKE 'account.%' ORDER BY id").mapToMap().list());
            assertThat(events).hasSize(3);
            assertThat(events.get(0)).containsEntry("action", "account.link_create");
            assertThat((String) events.get(0).get("actor")).startsWith("node:");
            assertThat((String) events.get(0).get("details")).contains("\"printed_to\":\"standard output of serve\"")
                    .contains("\"valid_for\":\"1d\"").contains("\"expires_at\":");
            assertThat(events.get(1)).containsEntry("action", "account.first_admin_link_replace");
            assertThat((String) events.get(1).get("details")).contains("\"ended_links\":1");
            assertThat((String) events.get(2).get("actor")).startsWith("cli:").contains("@");
            assertThat((String) events.get(2).get("details")).contains("\"printed_to\":\"standard output of gatehouse admin setup-link\"");
        }
    }

    @Test
    void theCommandRefusesOnceAnAccountExists() {
        try (Backend b = Backend.create(backend)) {
            Map<String, String> env = ServerProcess.env(b, ServerProcess.freePort());
            try (ServerProcess s = ServerProcess.start(env)) {
                assertThat(links(s.log())).hasSize(1);
            }
            DirectDb.execute(env, "INSERT INTO accounts (id, email, role, status, password_hash, created_at, created_by)"
                    + " VALUES ('acc_test', 'root@example.org', 'admin', 'active', 'x', 0, 'test')");
            Cli.Result r = Cli.run(env, "admin", "setup-link");
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("a portal account exists already").doesNotContain("Exception");
            assertThat(r.out()).isEmpty();
            try (ServerProcess s = ServerProcess.start(env)) {
                assertThat(s.log()).doesNotContain("No portal account exists yet");
            }
        }
    }

    private static final String FIRST_ADMIN_LOCK = "first_admin_link.lock";

    /** How many connections PostgreSQL shows waiting for a lock in SettingsStore.lock's UPDATE. */
    private static long waitingForTheLock(org.jdbi.v3.core.Handle probe) {
        return probe.createQuery("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
                + " AND wait_event_type = 'Lock' AND query LIKE 'UPDATE settings SET setting_value = setting_value%'").mapTo(Long.class).one();
    }

    private static List<String> links(String output) {
        Matcher m = LINK.matcher(output);
        return m.results().map(java.util.regex.MatchResult::group).toList();
    }

    private static int get(ServerProcess s, String url) {
        return s.http.get(url.substring(url.indexOf("/setup/"))).status();
    }
}
