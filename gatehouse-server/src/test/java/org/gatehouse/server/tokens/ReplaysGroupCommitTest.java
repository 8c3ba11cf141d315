package org.gatehouse.server.tokens;

import org.gatehouse.server.testing.Slow;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.gatehouse.server.Gatehouse;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.BothBackends;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/**
 * The replay check's group commit (issue 17 Must 8): concurrent checks share one transaction, every id is decided by
 * the table's primary key (within a batch, across batches, against another connection — another node — holding the
 * same id uncommitted), and a caller is answered only after its id is committed.
 */
@Slow // measured heavy for the quick set (issue 14 Must 6): runs in the slow execution, in CI every time
@BothBackends
class ReplaysGroupCommitTest {
    @Parameter
    String backend;

    private static final long UNTIL = 4_102_444_800_000L; // 2100: never purged during the test

    @Test
    void checksWaitingWhileACommitRunsShareTheNextOneAndEachIdIsFirstOnce() throws Exception {
        try (Backend b = Backend.create(backend); Gatehouse g = Gatehouse.open(Config.load(b.env()), Database.SchemaPolicy.MIGRATE)) {
            Replays replays = g.replays;
            WriterState writer = new WriterState(replays);
            String held = "held-by-another-node";
            ExecutorService pool = Executors.newFixedThreadPool(40);
            try {
                // Another node's transaction records an id and does not commit yet: the writer's insert of the same
                // id waits for it (H2's row lock, PostgreSQL's ON CONFLICT), so everything arriving meanwhile queues.
                Handle other = g.db.jdbi().open();
                other.begin();
                other.execute("INSERT INTO used_jtis (id, expires_at) VALUES (?, ?)", Replays.id(Replays.DPOP, "k", held), UNTIL);
                Future<Boolean> blocked = pool.submit(() -> replays.firstUse(Replays.DPOP, "k", held, UNTIL));
                writer.writerBlocked();
                long commitsBefore = replays.commits();
                // 30 callers: 10 distinct ids, each sent three times (as by three replaying attackers at once).
                List<Future<Boolean>> answers = new ArrayList<>();
                for (int i = 0; i < 30; i++) {
                    String jti = "jti-" + (i % 10);
                    answers.add(pool.submit(() -> replays.firstUse(Replays.ASSERTION, "client-a", jti, UNTIL)));
                }
                writer.queued(30);
                for (Future<Boolean> a : answers) assertThat(a.isDone()).as("answered before the commit").isFalse();
                other.commit();
                other.close();
                assertThat(blocked.get(30, TimeUnit.SECONDS)).as("the id the other node committed first").isFalse();
                int first = 0;
                for (Future<Boolean> a : answers) first += a.get(30, TimeUnit.SECONDS) ? 1 : 0;
                assertThat(first).as("each of the 10 ids is a first use exactly once").isEqualTo(10);
                assertThat(replays.commits() - commitsBefore).as("the 30 queued checks shared the commits after the blocked one")
                        .isLessThanOrEqualTo(2);
                // Committed before answered: another connection sees all 10 rows.
                long rows = g.db.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM used_jtis").mapTo(Long.class).one());
                assertThat(rows).isEqualTo(11);
                // Later single checks: a replay of each is refused, a new id is first.
                assertThat(replays.firstUse(Replays.ASSERTION, "client-a", "jti-3", UNTIL)).isFalse();
                assertThat(replays.firstUse(Replays.ASSERTION, "client-b", "jti-3", UNTIL)).isTrue();
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /**
     * A batch locks its ids in sorted order, so another node inserting the same ids (in any order, sorted on its side
     * too) cannot deadlock with it: here the other connection holds the smaller id and then inserts the larger one
     * while the writer, given [larger, smaller] in that arrival order, waits for the smaller. Inserting in arrival
     * order, the writer would hold the larger one and the database would abort one side for a deadlock.
     */
    @Test
    void aBatchLocksItsIdsInSortedOrderSoTwoNodesCannotDeadlock() throws Exception {
        try (Backend b = Backend.create(backend); Gatehouse g = Gatehouse.open(Config.load(b.env()), Database.SchemaPolicy.MIGRATE)) {
            Replays replays = g.replays;
            WriterState writer = new WriterState(replays);
            String a = "jti-a", z = "jti-z";
            String small = Replays.id(Replays.ASSERTION, "c", a).compareTo(Replays.id(Replays.ASSERTION, "c", z)) < 0 ? a : z;
            String large = small.equals(a) ? z : a;
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try (Handle blocker = g.db.jdbi().open(); Handle other = g.db.jdbi().open()) {
                blocker.begin();
                blocker.execute("INSERT INTO used_jtis (id, expires_at) VALUES (?, ?)", Replays.id(Replays.DPOP, "k", "blocker"), UNTIL);
                Future<Boolean> blocked = pool.submit(() -> replays.firstUse(Replays.DPOP, "k", "blocker", UNTIL));
                writer.writerBlocked();
                Future<Boolean> first = pool.submit(() -> replays.firstUse(Replays.ASSERTION, "c", large, UNTIL));
                writer.queued(1);
                Future<Boolean> second = pool.submit(() -> replays.firstUse(Replays.ASSERTION, "c", small, UNTIL));
                writer.queued(2);
                other.begin();
                other.execute("INSERT INTO used_jtis (id, expires_at) VALUES (?, ?)", Replays.id(Replays.ASSERTION, "c", small), UNTIL);
                blocker.commit();
                assertThat(blocked.get(30, TimeUnit.SECONDS)).isFalse();
                writer.inFlight(2); // the writer took [large, small] and waits for the other node's smaller id
                other.execute("INSERT INTO used_jtis (id, expires_at) VALUES (?, ?)", Replays.id(Replays.ASSERTION, "c", large), UNTIL);
                other.commit();
                assertThat(first.get(30, TimeUnit.SECONDS)).as("the other node recorded it first").isFalse();
                assertThat(second.get(30, TimeUnit.SECONDS)).as("the other node recorded it first").isFalse();
                assertThat(replays.batchesCheckedOneByOne()).as("no batch aborted (a deadlock would have been)").isZero();
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /**
     * The writer's INSERT ended by a lock timeout (PostgreSQL 55P03, H2 HYT00) or a statement timeout (57014) while
     * another node's transaction holds the same id: its callers get a failure the server answers 503
     * temporarily_unavailable (Database.unavailable), as GroupCommit answers a registration, not the raw SQL error (a
     * 500). Nothing was recorded: once the other transaction is gone the id is a first use.
     */
    @Test
    void aCheckEndedByALockOrStatementTimeoutIsUnavailableNotAServerError() throws Exception {
        if (Backend.POSTGRES.equals(backend)) {
            timedOutCheckIsUnavailable("lock_timeout");
            timedOutCheckIsUnavailable("statement_timeout");
        } else {
            timedOutCheckIsUnavailable("LOCK_TIMEOUT");
        }
    }

    /**
     * One server whose sessions have {@code setting} at 3 s (pgjdbc's options; H2's URL setting), on a schema migrated
     * before without it: only the blocked INSERT has to wait for the timeout, and nothing else (a migration, the other
     * connection's INSERT, the last check) may be cut short by it on a loaded machine.
     */
    private void timedOutCheckIsUnavailable(String setting) throws Exception {
        try (Backend b = Backend.create(backend)) {
            java.util.Map<String, String> env = new java.util.HashMap<>(b.env());
            String url = Backend.POSTGRES.equals(backend) ? env.get("GATEHOUSE_DB_URL") : "jdbc:h2:file:" + b.dataDir.resolve("timeouts");
            if (!Backend.POSTGRES.equals(backend)) env.put("GATEHOUSE_DB_USER", "sa");
            env.put("GATEHOUSE_DB_URL", url);
            try (Gatehouse migrated = Gatehouse.open(Config.load(env), Database.SchemaPolicy.MIGRATE)) {
                assertThat(migrated.replays).isNotNull();
            }
            env.put("GATEHOUSE_DB_URL", Backend.POSTGRES.equals(backend) ? url + "?options=-c%20" + setting + "%3D3000" : url + ";" + setting + "=3000");
            try (Gatehouse g = Gatehouse.open(Config.load(env), Database.SchemaPolicy.MIGRATE)) {
                Replays replays = g.replays;
                String held = "held-by-another-node";
                ExecutorService pool = Executors.newFixedThreadPool(2);
                try (Handle other = g.db.jdbi().open()) {
                    other.begin();
                    other.execute("INSERT INTO used_jtis (id, expires_at) VALUES (?, ?)", Replays.id(Replays.DPOP, "k", held), UNTIL);
                    Future<Boolean> blocked = pool.submit(() -> replays.firstUse(Replays.DPOP, "k", held, UNTIL));
                    assertThatThrownBy(() -> blocked.get(30, TimeUnit.SECONDS)).as(setting)
                            .satisfies(e -> assertThat(Database.unavailable(e)).as("a 503, try again").isTrue())
                            .satisfies(e -> assertThat(Database.timedOut(e)).as("the timeout stays the cause, for the log").isTrue());
                    other.rollback();
                    assertThat(replays.firstUse(Replays.DPOP, "k", held, UNTIL)).as("nothing was recorded").isTrue();
                } finally {
                    pool.shutdownNow();
                }
            }
        }
    }

    @Test
    void afterCloseChecksAreRefusedAsUnavailableNotLeftWaiting() throws Exception {
        try (Backend b = Backend.create(backend); Gatehouse g = Gatehouse.open(Config.load(b.env()), Database.SchemaPolicy.MIGRATE)) {
            assertThat(g.replays.firstUse(Replays.ASSERTION, "c", "j", UNTIL)).isTrue();
            g.replays.close();
            assertThatThrownBy(() -> g.replays.firstUse(Replays.ASSERTION, "c", "j2", UNTIL))
                    .satisfies(e -> assertThat(Database.unavailable(e)).as("a 503, try again").isTrue());
        }
    }

    /** Waits for a state of the writer, woken by the hook Replays runs after each change of its queue and batch. */
    private static final class WriterState {
        private final Replays replays;
        private final org.gatehouse.server.testing.StateWaiter waiter;

        WriterState(Replays replays) {
            this.replays = replays;
            this.waiter = new org.gatehouse.server.testing.StateWaiter(replays::onChange,
                    () -> "queued " + replays.queued() + ", in flight " + replays.inFlight());
        }

        private void await(String never, java.util.function.BooleanSupplier state) throws InterruptedException {
            waiter.await(never, state);
        }

        /** The writer has taken the blocked id: the queue is empty and a batch of one is in its transaction. */
        void writerBlocked() throws InterruptedException {
            await("the writer never took the blocked id", () -> replays.queued() == 0 && replays.inFlight() == 1);
        }

        void inFlight(int n) throws InterruptedException {
            await("the writer never took the batch of " + n, () -> replays.inFlight() == n && replays.queued() == 0);
        }

        void queued(int n) throws InterruptedException {
            await("fewer than " + n + " checks queued", () -> replays.queued() >= n);
        }
    }
}
