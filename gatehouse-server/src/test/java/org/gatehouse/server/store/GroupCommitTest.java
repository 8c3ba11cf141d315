package org.gatehouse.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.gatehouse.server.Gatehouse;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Slow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/**
 * The writer of {@link GroupCommit} apart from any service: a batch whose failure may have undone more than one unit
 * is never committed as it stands (each unit runs again alone), a writer ended by an Error is replaced by the next
 * call, and close answers what is queued.
 */
@Slow // beside RegistrationGroupCommitTest and ReplaysGroupCommitTest
@BothBackends
class GroupCommitTest {
    @Parameter
    String backend;

    private static final long UNTIL = 4_102_444_800_000L;

    @Test
    void aFailureThatMayHaveRolledBackTheWholeTransactionSendsEachUnitOfTheBatchToATransactionOfItsOwn() throws Exception {
        try (Backend b = Backend.createMigrated(backend); Gatehouse g = Gatehouse.open(Config.load(b.env()));
             GroupCommit writes = new GroupCommit(g.db, "test", Duration.ofSeconds(5))) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                CountDownLatch release = new CountDownLatch(1);
                Future<String> blocker = pool.submit(() -> writes.inTransaction(h -> {
                    await(release);
                    return "blocker";
                }));
                awaitInFlight(writes, 1);
                Future<String> a = pool.submit(() -> writes.inTransaction(h -> insert(h, "a")));
                awaitQueued(writes, 1);
                // H2 answers a deadlock (SQLSTATE 40001) by rolling back the whole transaction, "a" included: the
                // writer must not commit the rest and answer "a" as if it were stored.
                Future<String> deadlocked = pool.submit(() -> writes.inTransaction(h -> {
                    insert(h, "b");
                    throw new IllegalStateException("deadlock", new SQLException("Deadlock detected", "40001", 40001));
                }));
                awaitQueued(writes, 2);
                Future<String> c = pool.submit(() -> writes.inTransaction(h -> insert(h, "c")));
                awaitQueued(writes, 3);
                release.countDown();
                assertThat(blocker.get(30, TimeUnit.SECONDS)).isEqualTo("blocker");
                assertThat(a.get(30, TimeUnit.SECONDS)).isEqualTo("a");
                assertThat(c.get(30, TimeUnit.SECONDS)).isEqualTo("c");
                assertThatThrownBy(() -> deadlocked.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                        .cause().hasMessage("deadlock");
                assertThat(writes.batchesRedoneAlone()).isEqualTo(1);
                assertThat(writes.rolledBackToSavepoint()).isZero();
                assertThat(rows(g)).containsExactlyInAnyOrder("a", "c");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /**
     * A unit ended by a statement timeout (SQLSTATE 57014, query_canceled) or a lock timeout (PostgreSQL 55P03, H2
     * HYT00): its caller gets a failure the server answers 503 with Retry-After (Database.unavailable), not the raw
     * SQL error (a 500); it is rolled back to its savepoint and the others of the batch commit.
     */
    @Test
    void aUnitEndedByAStatementOrLockTimeoutIsUnavailableAloneAndTheRestOfTheBatchCommits() throws Exception {
        try (Backend b = Backend.createMigrated(backend); Gatehouse g = Gatehouse.open(Config.load(b.env()));
             GroupCommit writes = new GroupCommit(g.db, "test", Duration.ofSeconds(5))) {
            ExecutorService pool = Executors.newFixedThreadPool(6);
            try {
                CountDownLatch release = new CountDownLatch(1);
                Future<String> blocker = pool.submit(() -> writes.inTransaction(h -> await(release)));
                awaitInFlight(writes, 1);
                Future<String> a = pool.submit(() -> writes.inTransaction(h -> insert(h, "a")));
                awaitQueued(writes, 1);
                Future<String> canceled = pool.submit(() -> writes.inTransaction(h -> {
                    insert(h, "b");
                    throw new IllegalStateException("canceled", new SQLException("canceling statement due to statement timeout", "57014"));
                }));
                awaitQueued(writes, 2);
                Future<String> lockWait = pool.submit(() -> writes.inTransaction(h -> {
                    insert(h, "c");
                    throw new IllegalStateException("lock", new SQLException("canceling statement due to lock timeout", "55P03"));
                }));
                awaitQueued(writes, 3);
                Future<String> d = pool.submit(() -> writes.inTransaction(h -> insert(h, "d")));
                awaitQueued(writes, 4);
                release.countDown();
                assertThat(blocker.get(30, TimeUnit.SECONDS)).isEqualTo("released");
                assertThat(a.get(30, TimeUnit.SECONDS)).isEqualTo("a");
                assertThat(d.get(30, TimeUnit.SECONDS)).isEqualTo("d");
                for (Future<String> f : List.of(canceled, lockWait)) {
                    assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                            .satisfies(e -> assertThat(Database.unavailable(e)).as("a 503, try again").isTrue());
                }
                assertThat(writes.rolledBackToSavepoint()).isEqualTo(2);
                assertThat(writes.batchesRedoneAlone()).isZero();
                assertThat(rows(g)).containsExactlyInAnyOrder("a", "d");
                // Alone in its transaction, the same.
                assertThatThrownBy(() -> writes.inTransaction(h -> {
                    throw new IllegalStateException("canceled", new SQLException("canceling statement", "57014"));
                })).satisfies(e -> assertThat(Database.unavailable(e)).as("a 503, try again").isTrue());
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /**
     * H2: the writer sets the session's LOCK_TIMEOUT for its transaction and puts the session's own back after it. A
     * connection on which that failed is evicted from the pool: no later user of the pool gets it with the writer's
     * short lock timeout (with a pool of 3, holding 3 connections at once holds every connection the pool has).
     */
    @Test
    void aConnectionWhoseLockTimeoutCouldNotBeRestoredIsNotGivenToAnyoneElse() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Backend.H2.equals(backend), "PostgreSQL's SET LOCAL ends with the transaction");
        try (Backend b = Backend.createMigrated(backend)) {
            java.util.Map<String, String> env = new java.util.HashMap<>(b.env());
            env.put("GATEHOUSE_DB_POOL_SIZE", "3");
            try (Gatehouse g = Gatehouse.open(Config.load(env)); GroupCommit writes = new GroupCommit(g.db, "test", Duration.ofSeconds(5))) {
                writes.lockTimeout(Duration.ofMillis(1234));
                java.util.concurrent.atomic.AtomicBoolean fail = new java.util.concurrent.atomic.AtomicBoolean(true);
                writes.onRestore = () -> {
                    if (fail.getAndSet(false)) throw new IllegalStateException("the restore failed");
                };
                java.sql.Connection[] used = new java.sql.Connection[1];
                String a = writes.inTransaction(h -> {
                    try {
                        used[0] = h.getConnection().unwrap(java.sql.Connection.class); // the driver's, under the pool's proxy
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                    assertThat(h.createQuery("SELECT LOCK_TIMEOUT()").mapTo(Integer.class).one()).isEqualTo(1234);
                    return insert(h, "a");
                });
                assertThat(a).as("committed before the restore: answered").isEqualTo("a");
                List<org.jdbi.v3.core.Handle> all = new java.util.ArrayList<>();
                try {
                    for (int i = 0; i < 3; i++) all.add(g.db.jdbi().open());
                    for (org.jdbi.v3.core.Handle h : all) {
                        assertThat(h.getConnection().unwrap(java.sql.Connection.class)).isNotSameAs(used[0]);
                        assertThat(h.createQuery("SELECT LOCK_TIMEOUT()").mapTo(Integer.class).one()).isNotEqualTo(1234);
                    }
                } finally {
                    all.forEach(org.jdbi.v3.core.Handle::close);
                }
                String b2 = writes.inTransaction(h -> insert(h, "b"));
                assertThat(b2).as("the writer goes on with a fresh connection").isEqualTo("b");
                assertThat(rows(g)).containsExactlyInAnyOrder("a", "b");
            }
        }
    }

    @Test
    void aWriterEndedByAnErrorIsReplacedByTheNextCall() throws Exception {
        try (Backend b = Backend.createMigrated(backend); Gatehouse g = Gatehouse.open(Config.load(b.env()));
             GroupCommit writes = new GroupCommit(g.db, "test", Duration.ofSeconds(5))) {
            assertThatThrownBy(() -> writes.inTransaction(h -> {
                insert(h, "x");
                throw new AssertionError("broken");
            })).hasRootCauseInstanceOf(AssertionError.class);
            String y = writes.inTransaction(h -> insert(h, "y"));
            assertThat(y).isEqualTo("y");
            assertThat(rows(g)).containsExactly("y");
        }
    }

    @Test
    void closeAnswersWhatIsQueuedAndRefusesWhatComesLater() throws Exception {
        try (Backend b = Backend.createMigrated(backend); Gatehouse g = Gatehouse.open(Config.load(b.env()))) {
            GroupCommit writes = new GroupCommit(g.db, "test", Duration.ofSeconds(5));
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                CountDownLatch release = new CountDownLatch(1);
                pool.submit(() -> writes.inTransaction(h -> await(release)));
                awaitInFlight(writes, 1);
                Future<String> p = pool.submit(() -> writes.inTransaction(h -> insert(h, "p")));
                Future<String> q = pool.submit(() -> writes.inTransaction(h -> insert(h, "q")));
                awaitQueued(writes, 2);
                Future<?> closing = pool.submit(writes::close);
                release.countDown();
                closing.get(30, TimeUnit.SECONDS);
                assertThat(p.get(30, TimeUnit.SECONDS)).isEqualTo("p");
                assertThat(q.get(30, TimeUnit.SECONDS)).isEqualTo("q");
                assertThatThrownBy(() -> writes.inTransaction(h -> insert(h, "r")))
                        .satisfies(e -> assertThat(Database.unavailable(e)).as("a 503, try again").isTrue());
                assertThat(rows(g)).containsExactlyInAnyOrder("p", "q");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private static String insert(org.jdbi.v3.core.Handle h, String id) {
        h.execute("INSERT INTO used_jtis (id, expires_at) VALUES (?, ?)", id, UNTIL);
        return id;
    }

    private static String await(CountDownLatch latch) {
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) throw new AssertionError("never released");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        return "released";
    }

    private static List<String> rows(Gatehouse g) {
        return g.db.withHandle(h -> h.createQuery("SELECT id FROM used_jtis").mapTo(String.class).list());
    }

    private static void awaitInFlight(GroupCommit writes, int n) throws InterruptedException {
        waiter(writes).await("the writer never took " + n, () -> writes.inFlight() == n && writes.queued() == 0);
    }

    private static void awaitQueued(GroupCommit writes, int n) throws InterruptedException {
        waiter(writes).await("fewer than " + n + " queued", () -> writes.queued() >= n);
    }

    /** Woken by the writer's own signal (GroupCommit.onChange), not by polling. */
    private static org.gatehouse.server.testing.StateWaiter waiter(GroupCommit w) {
        return new org.gatehouse.server.testing.StateWaiter(w::onChange, () -> "queued " + w.queued() + ", in flight " + w.inFlight());
    }
}
