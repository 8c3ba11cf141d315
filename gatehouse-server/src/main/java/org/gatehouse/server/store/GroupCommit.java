package org.gatehouse.server.store;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.statement.SqlStatements;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit of short write transactions (issue 18 Must 3: registrations), the way {@code tokens/Replays} does it
 * for JWT ids, but for any unit of work: the work of callers that arrive while a commit runs is executed by one
 * writer thread inside <em>one</em> transaction, each unit inside its own SAVEPOINT, then the transaction commits
 * once, and only after that commit is any caller answered. A kill -9 therefore loses no answered unit (the embedded
 * database stores every commit before it returns, {@code WRITE_DELAY=0}), and the commit's fixed cost — on H2 a
 * chunk written to the file, on PostgreSQL a WAL flush and a round trip — is shared by everything that waited.
 *
 * <p>A unit that fails (a rule of its service refuses, a unique violation, a statement or lock timeout) is rolled
 * back to its savepoint and its caller gets its own exception (a timeout as a failure {@link Database#unavailable}
 * recognises: 503, try again); the others of the batch go on. On PostgreSQL an error inside
 * a transaction aborts it until it is rolled back to a savepoint, which is exactly what happens here. Where the
 * database rolls back more than the statement (H2 rolls the whole transaction back on a deadlock; SQLSTATE class 40
 * on any database) or a savepoint cannot be restored, the batch is not committed: every unit is run again, each in
 * a transaction of its own, so a unit is never answered for work that a rollback undid. The units are the
 * services' own code (the rules stay in the service; this class only provides the handle and the savepoint); they
 * must do nothing outside the handle that a rerun could not repeat.
 *
 * <p>Bounded: at most {@link #QUEUE} units wait (then 503, try again), at most {@link #BATCH} share a transaction
 * (PostgreSQL keeps 64 subtransactions per backend in shared memory: a batch stays below), every statement of the
 * writer has a timeout and waits at most {@link #LOCK_TIMEOUT_MILLIS} for a row lock (a tenth of it once a unit of
 * the batch has timed out), and a caller waits at most the pool's wait plus the statement timeout plus a margin (then
 * 503: a unit the writer had already started may still be committed, as a request whose answer was lost). The
 * writer is never interrupted (an interrupt closes H2's file); a writer that died of an Error is started again by
 * the next call; {@link #close()} answers what is queued and stops it.
 */
public final class GroupCommit implements AutoCloseable {
    /** Units that may wait for the writer; more means the database cannot keep up: answered 503. */
    static final int QUEUE = 1024;
    /** Units per transaction at most (one savepoint each). */
    static final int BATCH = 32;
    /** Seconds a statement of the writer may run (a hung connection or a held lock must not stop every caller for long). */
    static final int QUERY_TIMEOUT_SECONDS = 10;
    /** Milliseconds a statement of the writer may wait for a row lock. */
    static final long LOCK_TIMEOUT_MILLIS = 2_000;

    private static final Logger LOG = LoggerFactory.getLogger(GroupCommit.class);

    private static final int QUEUED = 0;
    private static final int TAKEN = 1;
    private static final int ABANDONED = 2;

    private final Database db;
    private final String name;
    private final BlockingQueue<Unit<?>> queue = new ArrayBlockingQueue<>(QUEUE);
    private final AtomicLong units = new AtomicLong();
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong rolledBack = new AtomicLong();
    private final AtomicLong redoneAlone = new AtomicLong();
    private final AtomicLong writerCpuNanos = new AtomicLong();
    private volatile int inFlight;
    private volatile Thread writer;
    private volatile boolean closed;
    /** How long a caller waits for its commit: longer than the pool's wait plus the statement timeout. */
    private final long waitMillis;

    /**
     * @param name what the units are, for the writer thread's name and the log ("registrations")
     * @param poolWait how long the database pool waits for a connection (GATEHOUSE_DB_CONNECT_TIMEOUT)
     */
    public GroupCommit(Database db, String name, java.time.Duration poolWait) {
        this.db = db;
        this.name = name;
        this.waitMillis = poolWait.toMillis() + QUERY_TIMEOUT_SECONDS * 1000L + 5_000;
    }

    /** One caller's work and its answer. */
    private static final class Unit<R> {
        final HandleCallback<R, RuntimeException> work;
        final CompletableFuture<R> answer = new CompletableFuture<>();
        final AtomicInteger state = new AtomicInteger(QUEUED);
        /** The outcome in the transaction being run; given to the caller only after it committed. */
        R result;
        RuntimeException failure;

        Unit(HandleCallback<R, RuntimeException> work) {
            this.work = work;
        }

        void run(Handle h) {
            result = work.withHandle(h);
            failure = null;
        }

        void answer() {
            if (failure != null) answer.completeExceptionally(failure);
            else answer.complete(result);
        }
    }

    /** Put on the queue by {@link #close()} to wake the writer (never interrupted: an interrupt closes H2's file). */
    private static final Unit<Void> STOP = new Unit<>(h -> null);

    /**
     * Runs the work in the writer's current transaction, inside a savepoint of its own, and returns its result once
     * that transaction has committed. The work's own exception (a rule's refusal, a database error) is thrown here,
     * as it would be by {@link Database#inTransaction}; nothing it wrote is kept then.
     */
    public <R> R inTransaction(HandleCallback<R, RuntimeException> work) {
        if (Thread.currentThread() == writer) throw new IllegalStateException("a unit of " + name + " cannot wait for its own writer");
        Unit<R> unit = new Unit<>(work);
        if (closed || !queue.offer(unit)) throw busy("the " + name + " queue is full");
        changed();
        startWriter(); // after the offer: a writer retiring after an Error sees the unit, or this call sees it gone
        if (closed && queue.remove(unit)) throw busy("the server is stopping"); // raced with close(): the writer may be gone
        try {
            return unit.answer.get(waitMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw answered(cause);
        } catch (TimeoutException e) {
            // Not started yet: the writer skips it. Started: its batch decides, and the caller gets that outcome — a 503
            // for a registration that then commits would leave a client nobody received the credentials of, and use a
            // slot of the token. The batch is bounded (BATCH units, each with a statement timeout).
            if (unit.state.compareAndSet(QUEUED, ABANDONED)) throw busy(name + ": not committed within " + waitMillis + " ms");
            try {
                return unit.answer.get((long) BATCH * QUERY_TIMEOUT_SECONDS * 1000L + waitMillis, TimeUnit.MILLISECONDS);
            } catch (ExecutionException taken) {
                throw answered(taken.getCause());
            } catch (TimeoutException | InterruptedException stuck) {
                if (stuck instanceof InterruptedException) Thread.currentThread().interrupt();
                throw busy(name + ": the batch holding it did not finish"); // the writer is stuck: nothing better to say
            }
        } catch (InterruptedException e) {
            unit.state.compareAndSet(QUEUED, ABANDONED);
            Thread.currentThread().interrupt();
            throw busy("interrupted while waiting for the " + name + " commit");
        }
    }

    private static RuntimeException busy(String why) {
        return Database.unavailableNow(why, null);
    }

    /**
     * What the caller of a unit that failed gets: the work's own exception, as {@link Database#inTransaction} would
     * throw it — except a statement or lock timeout (the unit waited for a lock another transaction held, or ran too
     * long), which is a failure of the moment like an unavailable database: 503 with Retry-After (RFC 9110 §15.6.4),
     * not a 500. The timeout stays the cause, for the log.
     */
    private RuntimeException answered(Throwable cause) {
        RuntimeException timedOut = Database.timeoutAsUnavailable(cause, name);
        if (timedOut != null) return timedOut;
        if (cause instanceof RuntimeException r) return r;
        return new IllegalStateException(name + ": " + cause, cause);
    }

    private void startWriter() {
        Thread w = writer;
        if (w != null && w.isAlive()) return;
        synchronized (this) {
            if (closed || (writer != null && writer.isAlive())) return;
            writer = new Thread(this::write, "gatehouse-" + name); // also after an Error ended the previous one
            writer.setDaemon(true);
            writer.start();
        }
    }

    /** The writer: takes every waiting unit (up to {@link #BATCH}), runs them in one transaction, commits, answers. */
    private void write() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        boolean cpu = threads.isCurrentThreadCpuTimeSupported();
        List<Unit<?>> taken = new ArrayList<>(BATCH);
        List<Unit<?>> batch = new ArrayList<>(BATCH);
        while (!closed || !queue.isEmpty()) {
            try {
                Unit<?> head = queue.poll(1, TimeUnit.SECONDS);
                if (head == null || head == STOP) continue;
                taken.add(head);
                queue.drainTo(taken, BATCH - 1);
            } catch (InterruptedException e) {
                continue; // nobody interrupts it; close() sets closed and wakes it with STOP
            }
            for (Unit<?> u : taken) {
                if (u != STOP && u.state.compareAndSet(QUEUED, TAKEN)) batch.add(u); // not those whose callers gave up
            }
            taken.clear();
            if (batch.isEmpty()) {
                changed(); // taken off the queue, nothing to run
                continue;
            }
            inFlight = batch.size();
            changed();
            long cpu0 = cpu ? threads.getCurrentThreadCpuTime() : 0;
            try {
                execute(batch);
            } catch (Throwable e) { // never leave a caller waiting, whatever happened (an Error ends the thread after this)
                if (e instanceof Error) retire();
                for (Unit<?> u : batch) u.answer.completeExceptionally(e);
                if (Database.unavailable(e)) failQueued(e);
                else LOG.error("{}: a batch of {} failed", name, batch.size(), e);
                if (e instanceof Error err) {
                    batch.clear();
                    inFlight = 0;
                    changed();
                    throw err;
                }
            }
            if (cpu) writerCpuNanos.addAndGet(threads.getCurrentThreadCpuTime() - cpu0);
            batch.clear();
            inFlight = 0;
            changed();
        }
        Unit<?> left;
        while ((left = queue.poll()) != null) {
            if (left != STOP) left.answer.completeExceptionally(busy("the server is stopping"));
        }
    }

    /**
     * An Error ends this writer: it stops being the writer before its callers are answered, and starts its successor
     * if units are waiting (a caller that saw it still alive has queued already), so that no unit waits for a thread
     * that is gone.
     */
    private void retire() {
        synchronized (this) {
            if (writer == Thread.currentThread()) writer = null;
        }
        if (!closed && !queue.isEmpty()) startWriter();
    }

    /** A batch that must not be committed: a unit's failure undid more than the unit, or could not be undone. */
    private static final class BatchAborted extends RuntimeException {
        BatchAborted(Throwable cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }

    /** The transaction's commit itself failed: whether it was stored is unknown, so nothing is run again. */
    private static final class CommitFailed extends RuntimeException {
        CommitFailed(Throwable cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }

    private void execute(List<Unit<?>> batch) {
        try {
            runTogether(batch);
            commits.incrementAndGet();
            for (Unit<?> u : batch) {
                if (u.failure == null) units.incrementAndGet(); // committed; the others were rolled back to their savepoints
                u.answer();
            }
            return;
        } catch (CommitFailed e) {
            RuntimeException cause = (RuntimeException) e.getCause();
            for (Unit<?> u : batch) u.answer.completeExceptionally(cause);
            if (Database.unavailable(cause)) failQueued(cause);
            else LOG.error("{}: the commit of a batch of {} failed", name, batch.size(), cause);
            return;
        } catch (BatchAborted e) {
            RuntimeException cause = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            if (batch.size() == 1 || Database.unavailable(cause)) {
                for (Unit<?> u : batch) u.answer.completeExceptionally(cause);
                if (Database.unavailable(cause)) failQueued(cause);
                return;
            }
            LOG.warn("{}: a batch of {} was rolled back ({}); running each in a transaction of its own", name, batch.size(), cause.toString());
            redoneAlone.incrementAndGet();
        }
        for (int i = 0; i < batch.size(); i++) {
            Unit<?> u = batch.get(i);
            try {
                runTogether(List.of(u));
                commits.incrementAndGet();
                units.incrementAndGet();
                u.answer();
            } catch (CommitFailed | BatchAborted one) {
                RuntimeException cause = one.getCause() instanceof RuntimeException r ? r : new IllegalStateException(one.getCause());
                u.answer.completeExceptionally(cause);
                if (Database.unavailable(cause)) { // gone meanwhile: the rest would each wait for the pool in turn
                    for (int j = i + 1; j < batch.size(); j++) batch.get(j).answer.completeExceptionally(cause);
                    failQueued(cause);
                    return;
                }
            }
        }
    }

    /**
     * One transaction for the units, each in a savepoint (a single unit needs none: its failure rolls the transaction
     * back). Throws {@link BatchAborted} when nothing may be committed, {@link CommitFailed} when the commit failed;
     * returns normally once committed, each unit holding its result or its own failure.
     */
    private void runTogether(List<Unit<?>> batch) {
        boolean[] ran = {false};
        long lockWait = lockTimeoutMillis;
        try {
            inTransactionWithLockTimeout(lockWait, h -> {
                h.getConfig(SqlStatements.class).setQueryTimeout(QUERY_TIMEOUT_SECONDS);
                Connection c = h.getConnection();
                boolean alone = batch.size() == 1;
                boolean shortened = false;
                for (Unit<?> u : batch) {
                    Savepoint sp = alone ? null : savepoint(c);
                    try {
                        u.run(h);
                    } catch (RuntimeException e) {
                        u.failure = e;
                        if (alone) break; // rolled back with the transaction below
                        if (undoesMoreThanTheStatement(e)) throw new BatchAborted(e);
                        try {
                            c.rollback(sp);
                        } catch (SQLException | RuntimeException undo) {
                            e.addSuppressed(undo);
                            throw new BatchAborted(e);
                        }
                        rolledBack.incrementAndGet();
                        if (!shortened && Database.timedOut(e)) {
                            // The batch already waited one lock timeout: the others of it (often registrations with
                            // the same held token) may wait a tenth each, so the batch — and every caller in it —
                            // is held at most about twice the lock timeout, not once per unit.
                            shortened = true;
                            setLockTimeout(h, Math.max(1, lockWait / 10));
                        }
                    }
                }
                if (alone && batch.get(0).failure != null) throw new BatchAborted(batch.get(0).failure);
                ran[0] = true;
                return null;
            });
        } catch (BatchAborted e) {
            throw e; // a unit alone that failed: its own failure (the transaction rolled back), or a batch not to commit
        } catch (RuntimeException e) {
            if (ran[0]) throw new CommitFailed(e);
            throw new BatchAborted(e);
        }
    }

    /**
     * A transaction whose statements wait at most {@code millis} for a row lock (issue 18 Must 3: one registration
     * waiting for a lock that another transaction holds — an administrator revoking its token in a long transaction —
     * must not hold the whole batch up to the statement timeout). PostgreSQL: {@code SET LOCAL lock_timeout}, undone
     * by the transaction's end. H2: the session's {@code LOCK_TIMEOUT}, restored before the connection goes back to
     * the pool; a connection it could not be restored on is evicted from the pool (closed, never reused).
     */
    private <R> R inTransactionWithLockTimeout(long millis, HandleCallback<R, RuntimeException> work) {
        if (db.isPostgres()) {
            return db.inTransaction(h -> {
                setLockTimeout(h, millis);
                return work.withHandle(h);
            });
        }
        return db.withHandle(h -> {
            int before = h.createQuery("SELECT LOCK_TIMEOUT()").mapTo(Integer.class).one();
            setLockTimeout(h, millis);
            try {
                return h.inTransaction(org.jdbi.v3.core.transaction.TransactionIsolationLevel.READ_COMMITTED, work);
            } finally {
                try {
                    Runnable hook = onRestore;
                    if (hook != null) hook.run();
                    setLockTimeout(h, before);
                } catch (RuntimeException e) {
                    // Given back as it is, the connection would keep the writer's short lock timeout for whoever takes
                    // it next (a request that should wait up to the configured timeout would give up after 2 s): the
                    // pool closes it instead and opens a fresh one.
                    LOG.warn("{}: could not restore the lock timeout ({}); the connection is closed, not reused", name, e.toString());
                    db.evict(h.getConnection());
                }
            }
        });
    }

    private void setLockTimeout(Handle h, long millis) {
        h.execute(db.isPostgres() ? "SET LOCAL lock_timeout = " + millis : "SET LOCK_TIMEOUT " + millis);
    }

    private static Savepoint savepoint(Connection c) {
        try {
            return c.setSavepoint();
        } catch (SQLException e) {
            throw new BatchAborted(e);
        }
    }

    /**
     * Whether the failure may have rolled back more than its statement: a deadlock or serialization failure
     * (SQLSTATE class 40; H2 then rolls back the whole transaction), or a lost connection.
     */
    static boolean undoesMoreThanTheStatement(Throwable e) {
        if (Database.unavailable(e)) return true;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && (sql.getErrorCode() == 40001 || (sql.getSQLState() != null && sql.getSQLState().startsWith("40")))) {
                return true;
            }
            if (t.getCause() == t) break;
        }
        return false;
    }

    private void failQueued(Throwable e) {
        Unit<?> u;
        while ((u = queue.poll()) != null) {
            if (u != STOP) u.answer.completeExceptionally(e);
        }
    }

    /** Units committed, transactions that committed them (units ÷ commits = the batch size), and the writer's CPU time in ns. */
    public long units() {
        return units.get();
    }

    public long commits() {
        return commits.get();
    }

    public long writerCpuNanos() {
        return writerCpuNanos.get();
    }

    /** Units whose failure was rolled back to their savepoint while the rest of their batch went on. */
    public long rolledBackToSavepoint() {
        return rolledBack.get();
    }

    /** Batches that could not be committed together and whose units were run again one by one. */
    public long batchesRedoneAlone() {
        return redoneAlone.get();
    }

    /** For tests: units waiting for the writer, and units in the transaction it is running. */
    public int queued() {
        return queue.size();
    }

    public int inFlight() {
        return inFlight;
    }

    /** How long a statement of the writer waits for a row lock another transaction holds; see {@link #lockTimeout}. */
    private volatile long lockTimeoutMillis = LOCK_TIMEOUT_MILLIS;

    /** For tests: the writer's lock timeout (default {@link #LOCK_TIMEOUT_MILLIS}). */
    public void lockTimeout(java.time.Duration timeout) {
        lockTimeoutMillis = Math.max(1, timeout.toMillis());
    }

    private volatile Runnable onChange;

    /** For tests: runs on H2 just before the session's lock timeout is restored; an exception from it fails the restore. */
    volatile Runnable onRestore;

    /**
     * For tests: {@code hook} runs after every change of {@link #queued()} and {@link #inFlight()}, on the thread that
     * made it, so that a test waits for a state on a condition this code signals instead of polling with sleeps
     * (the same hook as {@code tokens/Replays}').
     */
    public void onChange(Runnable hook) {
        onChange = hook;
    }

    private void changed() {
        Runnable hook = onChange;
        if (hook != null) hook.run();
    }

    /** Stops the writer after the units already queued (their callers get their answers); later calls are refused. */
    @Override
    public void close() {
        Thread w;
        synchronized (this) {
            closed = true;
            w = writer;
        }
        if (w == null) { // never started, or retired after an Error: nobody else will answer what is queued
            failQueued(busy("the server is stopping"));
            return;
        }
        queue.offer(STOP); // when the queue is full the writer is busy and sees closed after this batch
        try {
            w.join(waitMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
