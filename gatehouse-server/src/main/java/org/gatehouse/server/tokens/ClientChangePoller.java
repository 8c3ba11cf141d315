package org.gatehouse.server.tokens;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.gatehouse.server.store.ClientChangeStore;
import org.gatehouse.server.store.ClientChangeStore.Change;
import org.gatehouse.server.store.Database;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@link ClientCache} told of every node's client changes (issue 18 Must 5): every {@code interval}
 * one indexed read of {@code client_changes} after the last seq seen (and the late seqs awaited, see
 * {@link ChangeCursor}), then the changed ids are dropped from the cache. A change made on another node is
 * therefore refused here within the interval plus the poll's query time. On its own thread, so that a long
 * maintenance run never delays it. When a poll fails (database down) the cache serves nothing older than its
 * ttl until a poll succeeds again (fail closed, {@link ClientCache#pollSucceeded}). When the table's highest seq
 * is found below the cursor (a failover to a replica whose sequence is behind, a restored backup: seqs the cursor
 * has passed would be given again and never read) the cache is dropped as for too many gaps and the cursor starts
 * again from the table's position; the maintenance job keeps the newest row for this (an emptied table is a restore,
 * not a purge).
 */
public final class ClientChangePoller implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClientChangePoller.class);
    /** Rows per read; a poll reads again while a read comes back full. */
    static final int BATCH = 5_000;
    /** Late seqs awaited at once; more (a sequence that jumped) and the cache is dropped instead. */
    static final int MAX_GAPS = 1_000;

    private final Database db;
    private final ClientCache cache;
    private final long intervalNanos;
    private final long commitWaitNanos;
    private final Duration interval;
    private ChangeCursor cursor; // the poller thread's (or a test's) only
    private ScheduledExecutorService timer;
    private final LongAdder polls = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder changes = new LongAdder();
    private final LongAdder pollNanos = new LongAdder();
    private final LongAdder regressions = new LongAdder();
    private volatile boolean failing;

    public ClientChangePoller(Database db, ClientCache cache, Duration interval, Duration commitWait) {
        this.db = db;
        this.cache = cache;
        this.interval = interval;
        this.intervalNanos = interval.toNanos();
        this.commitWaitNanos = commitWait.toNanos();
    }

    /** Starts polling on a thread of its own (a server; commands do not poll, their cache keeps ttl). */
    public synchronized void start() {
        if (timer != null || !cache.longLived()) return;
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gatehouse-client-changes");
            t.setDaemon(true);
            return t;
        });
        // poll() catches every RuntimeException: the schedule goes on (an Error ends it, and the cache then
        // serves nothing past its ttl: closed, not open).
        timer.scheduleWithFixedDelay(this::poll, 0, intervalNanos, TimeUnit.NANOSECONDS);
    }

    /** One poll (the timer's; tests call it directly). True when it succeeded. */
    public boolean poll() {
        try {
            return pollOnce();
        } finally {
            Runnable hook = onPoll;
            if (hook != null) hook.run();
        }
    }

    private volatile Runnable onPoll;

    /**
     * For tests: {@code hook} runs after every poll (ok or failed, once {@link #polls()} or {@link #failures()} has
     * counted it), on the poller's thread, so that a test waits for "B's poller has applied the change" on a signal
     * this code gives (testing/StateWaiter) instead of on time.
     */
    public void onPoll(Runnable hook) {
        onPoll = hook;
    }

    private boolean pollOnce() {
        long started = cache.nanoTime();
        try {
            if (cursor == null) {
                long last = db.withHandle(ClientChangeStore::last);
                cursor = new ChangeCursor(last, commitWaitNanos, MAX_GAPS);
                // Changes in flight now may commit with a seq at or below `last`: records read before they had
                // time to commit live for ttl only.
                cache.pollerStarted(started + commitWaitNanos);
            } else if (wentBack(started)) {
                // handled: the next poll reads on from the table's position
            } else {
                List<Change> rows;
                do {
                    rows = db.withHandle(h -> ClientChangeStore.since(h, cursor.after(), cursor.gaps(), BATCH));
                    ChangeCursor.Step step = cursor.accept(rows, started);
                    if (step.dropAll()) {
                        // Seqs it gave up awaiting may still commit (a bulk revocation of thousands of clients): forget
                        // everything, and keep records for ttl only until such a late commit has had commitWait to land.
                        cache.invalidateAll();
                        cache.untrackedUntil(started + commitWaitNanos);
                    }
                    for (Change c : step.changes()) {
                        if (c.clientId() != null) cache.changed(c.clientId());
                        if (c.iatId() != null) cache.tokenChanged(c.iatId());
                    }
                    changes.add(step.changes().size());
                } while (rows.size() == BATCH);
            }
            cache.pollSucceeded(started, intervalNanos);
            polls.increment();
            pollNanos.add(cache.nanoTime() - started);
            if (failing) LOG.info("client changes are read again: cached clients are served for up to their max age again");
            failing = false;
            return true;
        } catch (RuntimeException e) {
            failures.increment();
            if (!failing) {
                LOG.warn("could not read client changes ({}): cached clients are served for their short ttl only until it works again",
                        e.getClass().getSimpleName());
                LOG.debug("client change poll failed", e);
            }
            failing = true;
            return false;
        }
    }

    public long polls() {
        return polls.sum();
    }

    public long failures() {
        return failures.sum();
    }

    public long changes() {
        return changes.sum();
    }

    /**
     * Whether the table's highest seq is below what this node has already read: the database went back (a failover
     * to a replica whose sequence is behind, a restored backup), and new changes may take seqs the cursor would never
     * read again. Then, as for too many gaps, every cached client is forgotten, records live for ttl only while a
     * change in flight may still commit, and the cursor starts again from the table's position (warned once each time).
     */
    private boolean wentBack(long started) {
        long last = db.withHandle(ClientChangeStore::last);
        if (last >= cursor.after()) return false;
        LOG.warn("client_changes went back from seq {} to {} (a failover or a restore?): every cached client is dropped"
                + " and changes are read again from there", cursor.after(), last);
        cache.invalidateAll();
        cache.untrackedUntil(started + commitWaitNanos);
        cursor = new ChangeCursor(last, commitWaitNanos, MAX_GAPS);
        regressions.increment();
        return true;
    }

    /** Polls that found the table's highest seq below the cursor (the database went back) and dropped the cache. */
    public long regressions() {
        return regressions.sum();
    }

    public double pollSeconds() {
        return pollNanos.sum() / 1e9;
    }

    public Duration interval() {
        return interval;
    }

    @Override
    public synchronized void close() {
        if (timer == null) return;
        timer.shutdown();
        try {
            if (!timer.awaitTermination(10, TimeUnit.SECONDS)) timer.shutdownNow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            timer.shutdownNow();
        }
    }
}
