package org.gatehouse.server.registration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.gatehouse.server.Gatehouse;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.errors.OAuthError;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.store.GroupCommit;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.Slow;
import org.gatehouse.server.testing.TestServer;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/**
 * The group commit of registrations (issue 18 Must 3): registrations that arrive while a commit runs share the next
 * transaction, each in a savepoint of its own — one that is refused (the token used up, a re-registration the token
 * rejects, a unique violation from another node) is rolled back alone and gets its own error, the others commit —
 * and no caller is answered before the shared commit.
 */
@Slow // server-less but several databases per backend; beside ReplaysGroupCommitTest
@BothBackends
class RegistrationGroupCommitTest {
    @Parameter
    String backend;

    private static final Actor FROM = new Actor("test", "127.0.0.1");

    /** A registration's answer: the client id, and whether another connection saw the client's row when it came. */
    record Answer(String clientId, boolean committedBeforeAnswered) {
    }

    @Test
    void registrationsWaitingWhileACommitRunsShareTheNextOneAndARefusedOneDoesNotAffectTheOthers() throws Exception {
        try (Backend b = Backend.createMigrated(backend); Gatehouse g = Gatehouse.open(Config.load(b.env()))) {
            GroupCommit writes = g.registrationWrites;
            writes.lockTimeout(Duration.ofSeconds(60)); // the blocked registration waits for the test's lock, bounded by the statement timeout
            var a = g.iats.create(IatService.Spec.of("a", 100, Duration.ofDays(1), null), Actor.cli());
            var two = g.iats.create(IatService.Spec.of("two left", 2, Duration.ofDays(1), null), Actor.cli());
            var reject = g.iats.create(new IatService.Spec("reject", 10, Duration.ofDays(1), null, null, null, "reject", null), Actor.cli());
            register(g, reject.token(), "registered-once");
            ExecutorService pool = Executors.newFixedThreadPool(12);
            try (Handle other = g.db.jdbi().open()) {
                // Another transaction (an administrator's, another node's) holds token a's row: the writer's count of
                // the first registration waits for it, and everything arriving meanwhile queues for the next commit.
                other.begin();
                other.execute("UPDATE initial_access_tokens SET registrations = registrations WHERE id = ?", a.record().id());
                Future<Answer> blocked = pool.submit(() -> register(g, a.token(), "blocked"));
                awaitWriterBlocked(writes);
                long commitsBefore = writes.commits();
                long rolledBackBefore = writes.rolledBackToSavepoint();
                long unitsBefore = writes.units();
                List<Future<Answer>> ok = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    String id = "a-" + i;
                    ok.add(pool.submit(() -> register(g, a.token(), id)));
                }
                List<Future<Answer>> ofTwo = new ArrayList<>();
                for (int i = 0; i < 3; i++) { // three for a token with two left: one is refused inside the batch
                    String id = "two-" + i;
                    ofTwo.add(pool.submit(() -> register(g, two.token(), id)));
                }
                // Counted (token "reject": 1 → 2), then refused by the token's re-registration rule: its savepoint undoes the count.
                Future<Answer> rejected = pool.submit(() -> register(g, reject.token(), "registered-once"));
                awaitQueued(writes, 9);
                for (Future<Answer> f : ok) assertThat(f.isDone()).as("answered before the commit").isFalse();
                assertThat(rejected.isDone()).isFalse();
                other.commit();

                assertThat(blocked.get(60, TimeUnit.SECONDS).committedBeforeAnswered()).isTrue();
                for (Future<Answer> f : ok) assertThat(f.get(60, TimeUnit.SECONDS).committedBeforeAnswered()).as("committed before answered").isTrue();
                int admitted = 0;
                List<Throwable> refused = new ArrayList<>();
                for (Future<Answer> f : ofTwo) {
                    try {
                        assertThat(f.get(60, TimeUnit.SECONDS).committedBeforeAnswered()).isTrue();
                        admitted++;
                    } catch (ExecutionException e) {
                        refused.add(e.getCause());
                    }
                }
                assertThat(admitted).as("a token for two admits two").isEqualTo(2);
                assertThat(refused).singleElement().isInstanceOfSatisfying(OAuthError.class,
                        e -> assertThat(e.getMessage()).contains("no registrations left"));
                assertThatThrownBy(() -> rejected.get(60, TimeUnit.SECONDS)).hasCauseInstanceOf(OAuthError.class)
                        .hasMessageContaining("already registered");

                assertThat(writes.commits() - commitsBefore).as("the 9 queued registrations shared the commits after the blocked one")
                        .isLessThanOrEqualTo(2);
                assertThat(writes.rolledBackToSavepoint() - rolledBackBefore).as("the two refused, each rolled back to its savepoint")
                        .isEqualTo(2);
                assertThat(writes.batchesRedoneAlone()).isZero();
                assertThat(writes.units() - unitsBefore).as("registrations committed: the metric counts no refused one").isEqualTo(1 + 5 + 2);
                g.db.withHandle(h -> {
                    assertThat(count(h, "SELECT registrations FROM initial_access_tokens WHERE id = ?", a.record().id())).isEqualTo(6);
                    assertThat(count(h, "SELECT COUNT(*) FROM clients WHERE iat_id = ?", a.record().id())).isEqualTo(6);
                    assertThat(count(h, "SELECT registrations FROM initial_access_tokens WHERE id = ?", two.record().id())).isEqualTo(2);
                    assertThat(count(h, "SELECT COUNT(*) FROM clients WHERE iat_id = ?", two.record().id())).isEqualTo(2);
                    assertThat(count(h, "SELECT registrations FROM initial_access_tokens WHERE id = ?", reject.record().id()))
                            .as("the rejected registration's count was rolled back with it").isEqualTo(1);
                    assertThat(count(h, "SELECT COUNT(*) FROM clients WHERE iat_id = ?", reject.record().id())).isEqualTo(1);
                    assertThat(count(h, "SELECT COUNT(*) FROM audit_events WHERE action = 'client.register'"))
                            .as("one event per registration that was answered 201, none for the refused").isEqualTo(1 + 6 + 2);
                    return null;
                });
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /**
     * A database error inside a shared transaction: another node inserts the same new installation first, so one
     * registration's INSERT of it is a unique violation. On PostgreSQL that error aborts the whole transaction unless
     * it is rolled back to a savepoint; here it is, the registrations after it in the batch commit, and the failed one
     * is retried by the service (as before group commit) and finds the installation the other node created.
     */
    @Test
    void aUniqueViolationInsideABatchRollsBackToItsSavepointAndTheRestOfTheBatchCommits() throws Exception {
        try (Backend b = Backend.createMigrated(backend); Gatehouse g = Gatehouse.open(Config.load(b.env()))) {
            GroupCommit writes = g.registrationWrites;
            writes.lockTimeout(Duration.ofSeconds(60)); // the blocked registration waits for the test's lock, bounded by the statement timeout
            var a = g.iats.create(IatService.Spec.of("a", 100, Duration.ofDays(1), null), Actor.cli());
            var t = g.iats.create(IatService.Spec.of("t", 100, Duration.ofDays(1), null), Actor.cli());
            ExecutorService pool = Executors.newFixedThreadPool(6);
            try (Handle lock = g.db.jdbi().open(); Handle otherNode = g.db.jdbi().open()) {
                lock.begin();
                lock.execute("UPDATE initial_access_tokens SET registrations = registrations WHERE id = ?", a.record().id());
                Future<Answer> blocked = pool.submit(() -> register(g, a.token(), "blocked"));
                awaitWriterBlocked(writes);
                // The other node's first registration of "shared" is written, not yet committed.
                otherNode.begin();
                otherNode.execute("INSERT INTO installations (id, owner_account, installation_id, first_iat_id, last_iat_id, registrations,"
                        + " created_at, last_registered_at) VALUES ('inst_othernode', ?, ?, ?, ?, 1, 0, 0)",
                        t.record().ownerAccount(), inst("shared"), t.record().id(), t.record().id());
                long rolledBackBefore = writes.rolledBackToSavepoint();
                long commitsBefore = writes.commits();
                Future<Answer> first = pool.submit(() -> register(g, t.token(), "before"));
                awaitQueued(writes, 1);
                Future<Answer> shared = pool.submit(() -> register(g, t.token(), "shared"));
                awaitQueued(writes, 2);
                Future<Answer> after = pool.submit(() -> register(g, t.token(), "after"));
                awaitQueued(writes, 3);
                lock.commit();
                assertThat(blocked.get(60, TimeUnit.SECONDS).committedBeforeAnswered()).isTrue();
                awaitInsertWaiting(g); // the batch [before, shared, after]: "shared"'s INSERT waits for the other node's row
                assertThat(writes.inFlight()).isEqualTo(3);
                otherNode.commit(); // now it is a unique violation, and PostgreSQL has aborted the shared transaction
                assertThat(first.get(60, TimeUnit.SECONDS).committedBeforeAnswered()).isTrue();
                assertThat(after.get(60, TimeUnit.SECONDS).committedBeforeAnswered()).as("after the violation, in the same transaction").isTrue();
                Answer retried = shared.get(60, TimeUnit.SECONDS); // the service retries a unique violation, as before
                assertThat(retried.committedBeforeAnswered()).isTrue();
                assertThat(writes.rolledBackToSavepoint() - rolledBackBefore).as("the failed INSERT rolled back to its savepoint").isEqualTo(1);
                assertThat(writes.batchesRedoneAlone()).as("the batch was not abandoned").isZero();
                assertThat(writes.commits() - commitsBefore).as("the blocked one, the batch, the retried registration")
                        .isEqualTo(3);
                g.db.withHandle(h -> {
                    String ref = h.createQuery("SELECT installation_ref FROM clients WHERE client_id = ?").bind(0, retried.clientId())
                            .mapTo(String.class).one();
                    assertThat(ref).as("linked to the installation the other node created").isEqualTo("inst_othernode");
                    int admitted = 3;
                    assertThat(count(h, "SELECT registrations FROM initial_access_tokens WHERE id = ?", t.record().id())).isEqualTo(admitted);
                    assertThat(count(h, "SELECT COUNT(*) FROM clients WHERE iat_id = ?", t.record().id())).isEqualTo(admitted);
                    return null;
                });
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /**
     * One registration of a batch waits for a row lock another transaction holds (an administrator revoking the token
     * in a long transaction): the shared transaction's lock timeout ends the wait, that registration alone is rolled
     * back to its savepoint and answered 503 temporarily_unavailable with Retry-After (not a 500), and the others of
     * the batch commit and are answered 201.
     */
    @Test
    void aRegistrationWaitingForALockIsAnswered503AloneAndTheRestOfItsBatchCommits() throws Exception {
        try (TestServer s = TestServer.start(backend, Map.of())) {
            Gatehouse g = s.gatehouse();
            GroupCommit writes = g.registrationWrites;
            writes.lockTimeout(Duration.ofSeconds(1));
            var a = s.iat(100, null);
            var locked = s.iat(100, null);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try (Handle admin = g.db.jdbi().open()) {
                admin.begin();
                admin.execute("UPDATE initial_access_tokens SET registrations = registrations WHERE id = ?", locked.record().id());
                java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
                Future<Object> blocker = pool.submit(() -> writes.inTransaction(h -> {
                    try {
                        return release.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                }));
                awaitWriterBlocked(writes);
                long rolledBackBefore = writes.rolledBackToSavepoint();
                Future<Http.Response> first = pool.submit(() -> registerOverHttp(s, a.token(), "first"));
                awaitQueued(writes, 1);
                Future<Http.Response> waiting = pool.submit(() -> registerOverHttp(s, locked.token(), "waiting"));
                awaitQueued(writes, 2);
                Future<Http.Response> last = pool.submit(() -> registerOverHttp(s, a.token(), "last"));
                awaitQueued(writes, 3);
                release.countDown();
                assertThat(blocker.get(60, TimeUnit.SECONDS)).isEqualTo(true);

                Http.Response w = waiting.get(60, TimeUnit.SECONDS);
                assertThat(w.status()).as(w.body()).isEqualTo(503);
                assertThat(w.str("error")).isEqualTo("temporarily_unavailable");
                assertThat(w.header("Retry-After")).isNotNull();
                assertThat(w.body()).doesNotContain("Exception").doesNotContain("lock");
                for (Future<Http.Response> f : List.of(first, last)) {
                    Http.Response r = f.get(60, TimeUnit.SECONDS);
                    assertThat(r.status()).as(r.body()).isEqualTo(201);
                }
                assertThat(writes.rolledBackToSavepoint() - rolledBackBefore).as("the waiting one, rolled back to its savepoint").isEqualTo(1);
                assertThat(writes.batchesRedoneAlone()).as("the batch was not abandoned").isZero();
                admin.rollback();
                g.db.withHandle(h -> {
                    assertThat(count(h, "SELECT COUNT(*) FROM clients WHERE iat_id = ?", a.record().id())).isEqualTo(2);
                    assertThat(count(h, "SELECT registrations FROM initial_access_tokens WHERE id = ?", locked.record().id())).isZero();
                    assertThat(count(h, "SELECT COUNT(*) FROM clients WHERE iat_id = ?", locked.record().id())).isZero();
                    return null;
                });
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private static Http.Response registerOverHttp(TestServer s, String token, String installationId) {
        return s.http.postJson("/register", token, "{\"installation_id\":\"" + inst(installationId) + "\"}");
    }

    @Test
    void afterCloseRegistrationsAreRefusedAsUnavailableNotLeftWaiting() throws Exception {
        try (Backend b = Backend.createMigrated(backend); Gatehouse g = Gatehouse.open(Config.load(b.env()))) {
            var a = g.iats.create(IatService.Spec.of("a", 100, Duration.ofDays(1), null), Actor.cli());
            assertThat(register(g, a.token(), "one").committedBeforeAnswered()).isTrue();
            g.registrationWrites.close();
            assertThatThrownBy(() -> register(g, a.token(), "two"))
                    .satisfies(e -> assertThat(Database.unavailable(e)).as("a 503, try again").isTrue());
        }
    }

    private static Answer register(Gatehouse g, String token, String installationId) {
        RegistrationService.Issued issued = g.registrations.register(token, Map.of("installation_id", inst(installationId)), FROM);
        String id = issued.client().clientId();
        // Read at once on another connection: the row is there only if the commit came before the answer.
        boolean seen = g.db.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM clients WHERE client_id = ?").bind(0, id)
                .mapTo(Integer.class).one()) == 1;
        return new Answer(id, seen);
    }

    /** A valid installation id (16 to 128 base64url characters) that reads as its name. */
    private static String inst(String name) {
        return String.format("%-20s", name).replace(' ', '_');
    }

    private static Integer count(Handle h, String sql, Object... args) {
        var q = h.createQuery(sql);
        for (int i = 0; i < args.length; i++) q.bind(i, args[i]);
        return q.mapTo(Integer.class).findOne().orElse(null);
    }

    /** Waits until the writer has taken the blocked registration (the queue is empty and no commit finished). */
    private static void awaitWriterBlocked(GroupCommit writes) throws InterruptedException {
        waiter(writes).await("the writer never took the blocked registration", () -> writes.queued() == 0 && writes.inFlight() == 1);
    }

    private static void awaitQueued(GroupCommit writes, int n) throws InterruptedException {
        waiter(writes).await("fewer than " + n + " registrations queued", () -> writes.queued() >= n);
    }

    /** Woken by the writer's own signal (GroupCommit.onChange), not by polling. */
    private static org.gatehouse.server.testing.StateWaiter waiter(GroupCommit w) {
        return new org.gatehouse.server.testing.StateWaiter(w::onChange, () -> "queued " + w.queued() + ", in flight " + w.inFlight());
    }

    /** Waits until the writer's INSERT of an installation waits for another transaction's row (nothing else can tell). */
    private static void awaitInsertWaiting(Gatehouse g) throws InterruptedException {
        String sql = g.db.isPostgres()
                ? "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                        + " AND query LIKE 'INSERT INTO installations%'"
                : "SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS WHERE EXECUTING_STATEMENT LIKE 'INSERT INTO installations%'";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (g.db.withHandle(h -> h.createQuery(sql).mapTo(Integer.class).one()) == 0) {
            if (System.nanoTime() > deadline) throw new AssertionError("the writer's INSERT never waited for the other node's row");
            Thread.sleep(1);
        }
    }
}
