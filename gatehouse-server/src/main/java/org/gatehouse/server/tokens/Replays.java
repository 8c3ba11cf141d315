package org.gatehouse.server.tokens;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.gatehouse.server.errors.OAuthError;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.store.ReplayJournal;
import org.gatehouse.server.store.ReplayStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One use of a JWT id across every node sharing the database: client assertions (RFC 7523 §3 item 7,
 * jti unique per issuer) and DPoP proofs (RFC 9449 §11.1, jti unique per key).
 *
 * <p>Each id is one INSERT into {@code used_jtis}, whose primary key decides (on every node, for every
 * database). The inserts of concurrent requests are <em>group-committed</em>: one writer thread takes
 * every id waiting, inserts them in one transaction, commits once and only then answers each caller.
 * A request is never answered before its id is committed (a kill -9 loses no id of an answered
 * request), and the commit's fixed cost — on the embedded database, writing a chunk of the file —
 * is shared by everything that arrived while the previous commit ran. With one request at a time it
 * is one INSERT and one commit, as before. Failures are the database's: the callers of the batch get
 * them (503 when the database is unavailable, or when the INSERT hit a statement or lock timeout); a full queue or a
 * writer that does not answer in time is a 503 too (bounded memory: at most {@link #QUEUE} ids wait).
 *
 * <p>On the embedded database, which has one server, {@link #keepInJournal} replaces all of that with
 * {@link ReplayJournal}: ids in memory, each first use appended to a file before it is answered, no commit.
 */
public final class Replays implements AutoCloseable {
    public static final String ASSERTION = "client_assertion";
    public static final String DPOP = "dpop";

    /** Ids that may wait for the writer; more means the database cannot keep up: answered 503. */
    static final int QUEUE = 4096;
    /** Ids per transaction at most. */
    static final int BATCH = 256;
    /** Seconds a statement of the writer may run (a hung connection must not stop every check for long). */
    static final int QUERY_TIMEOUT_SECONDS = 10;

    private static final Logger LOG = LoggerFactory.getLogger(Replays.class);

    private final Database db;
    private final ReplayStore store;
    private final BlockingQueue<Use> queue = new ArrayBlockingQueue<>(QUEUE);
    private final AtomicLong checks = new AtomicLong();
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong writerCpuNanos = new AtomicLong();
    private final AtomicLong oneByOne = new AtomicLong();
    private volatile int inFlight;
    /** For tests: run after each change of {@link #queued()} or {@link #inFlight()}; null (nothing to run) in production. */
    private volatile Runnable onChange;
    private volatile Thread writer;
    private volatile boolean closed;
    /** What {@link #keepInJournal} loaded, for the start's log (after its first line, which names the build). */
    private volatile String described;
    /** Set on the embedded database's node ({@link #keepInJournal}); null: every check is a row in {@code used_jtis}. */
    private volatile ReplayJournal journal;
    /** How long a caller waits for its commit: longer than the pool's wait plus the statement timeout. */
    private final long waitMillis;

    /**
     * The embedded database's one server (it holds {@code lock}, taken before the database was opened): ids are kept in
     * memory and appended to a journal instead of committed to {@code used_jtis} ({@link ReplayJournal}: a database
     * commit per check was half of a key-bound grant's CPU on H2), and go to {@code used_jtis} only while that memory is
     * full. The live ids already in {@code used_jtis} (recorded by a release that kept them there, or while the memory
     * was full) are loaded too, so a restart or an upgrade forgets none. Call before the first check; the journal
     * owns the lock from here on (also when this throws).
     *
     * @throws org.gatehouse.server.config.ConfigException when the journal cannot be read
     */
    public void keepInJournal(ReplayJournal.Lock lock, LongSupplier clock) {
        ReplayJournal j = ReplayJournal.open(lock, clock);
        try {
            long[] loaded = new long[1];
            db.withHandle(h -> store.live(h, clock.getAsLong(), u -> {
                byte[] digest;
                try {
                    digest = B64URL_DECODER.decode(u.id());
                } catch (IllegalArgumentException notOurs) {
                    return; // not an id this server wrote: nothing it could match
                }
                if (digest.length < 8) return;
                j.alsoUsed(digest, u.expiresAt());
                loaded[0]++;
            }));
            described = "replay checks of key-bound clients kept in memory and in " + lock.dir() + " (" + j.ids()
                    + " ids may still be replayed, " + loaded[0] + " of them from used_jtis)";
        } catch (RuntimeException e) {
            j.close();
            throw e;
        }
        journal = j;
    }

    /** @param poolWait how long the database pool waits for a connection (GATEHOUSE_DB_CONNECT_TIMEOUT) */
    public Replays(Database db, ReplayStore store, java.time.Duration poolWait) {
        this.db = db;
        this.store = store;
        this.waitMillis = poolWait.toMillis() + QUERY_TIMEOUT_SECONDS * 1000L + 5_000;
    }

    /** One id waiting for the writer, and its answer. */
    private record Use(String id, long until, CompletableFuture<Boolean> first) {
        /** The row's key (V13: expires_at, id). */
        boolean sameKey(Use o) {
            return until == o.until && id.equals(o.id);
        }
    }

    /** The primary key's order (expires_at, id): every node inserts a batch in the same order, so two cannot deadlock. */
    private static final java.util.Comparator<Use> KEY_ORDER = java.util.Comparator.comparingLong(Use::until).thenComparing(Use::id);

    /** Put on the queue by {@link #close()} to wake the writer (never interrupted: an interrupt closes H2's file). */
    private static final Use STOP = new Use("", 0, new CompletableFuture<>());

    /**
     * @param scope who the jti belongs to (the client id; the DPoP key's thumbprint)
     * @param until epoch ms after which the JWT is refused anyway (then the row may go)
     * @return true the first time, false for a replay (also when a concurrent request on any node, or in the
     *     same batch, recorded it first)
     */
    public boolean firstUse(String kind, String scope, String jti, long until) {
        ReplayJournal j = journal;
        if (j != null) {
            ReplayJournal.Use found;
            try {
                found = j.firstUse(digest(kind, scope, jti), until);
            } catch (ReplayJournal.Busy e) {
                // Fail closed: an id that could not be recorded is not accepted. The journal's file failing (a full
                // disk, EIO) is no database outage and was logged by the journal once for the whole burst: 503
                // temporarily_unavailable without a "database unavailable" line per request.
                if (e.fileFailed()) throw OAuthError.temporarilyUnavailable("the service is temporarily unavailable: try again shortly", 5);
                throw busy(e.getMessage());
            }
            if (found != ReplayJournal.Use.ELSEWHERE) {
                checks.incrementAndGet();
                return found == ReplayJournal.Use.FIRST;
            }
            // The journal's memory is full: this id is recorded in used_jtis, whose primary key decides.
        }
        Use use = new Use(id(kind, scope, jti), until, new CompletableFuture<>());
        startWriter();
        if (closed || !queue.offer(use)) throw busy("the replay check's queue is full");
        changed();
        if (closed && queue.remove(use)) throw busy("the server is stopping"); // raced with close(): the writer may be gone
        try {
            return use.first().get(waitMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            // A statement or lock timeout (another node's transaction held the same id): 503, not a 500, as GroupCommit
            // answers it. Nothing was recorded: the client's retry with a new JWT goes through.
            RuntimeException timedOut = Database.timeoutAsUnavailable(cause, "replay check");
            if (timedOut != null) throw new ReplayCheckFailed(timedOut);
            throw cause instanceof RuntimeException r ? new ReplayCheckFailed(r) : new IllegalStateException(cause);
        } catch (TimeoutException e) {
            // Given up: the writer skips it if it has not started it (a retry with the same JWT is then not a replay);
            // if it was recorded meanwhile, that retry is refused, as a replay must be.
            if (!use.first().completeExceptionally(busy("timed out"))) return use.first().join();
            throw busy("the replay check was not committed within " + waitMillis + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw busy("interrupted while waiting for the replay check");
        }
    }

    /** The writer's failure, rethrown on the caller's thread (its cause keeps the database's exception: 503 or 500). */
    static final class ReplayCheckFailed extends RuntimeException {
        ReplayCheckFailed(RuntimeException cause) {
            super("replay check failed: " + cause.getMessage(), cause);
        }
    }

    private static RuntimeException busy(String why) {
        return Database.unavailableNow(why, null);
    }

    private void startWriter() {
        Thread w = writer;
        if (w != null && w.isAlive()) return;
        synchronized (this) {
            if (closed || (writer != null && writer.isAlive())) return;
            writer = new Thread(this::write, "gatehouse-replays"); // also after an Error ended the previous one
            writer.setDaemon(true);
            writer.start();
        }
    }

    /** The writer: takes every waiting id (up to {@link #BATCH}), inserts them in one transaction, commits, answers. */
    private void write() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        boolean cpu = threads.isCurrentThreadCpuTimeSupported();
        List<Use> batch = new ArrayList<>(BATCH);
        while (!closed || !queue.isEmpty()) {
            try {
                Use head = queue.poll(1, TimeUnit.SECONDS);
                if (head == null || head == STOP) continue;
                batch.add(head);
                queue.drainTo(batch, BATCH - 1);
                batch.remove(STOP);
            } catch (InterruptedException e) {
                continue; // nobody interrupts it; close() sets closed and wakes it with STOP
            }
            batch.removeIf(u -> u.first().isDone()); // callers that gave up waiting
            if (batch.isEmpty()) {
                changed(); // taken off the queue, nothing to run
                continue;
            }
            inFlight = batch.size();
            changed();
            long cpu0 = cpu ? threads.getCurrentThreadCpuTime() : 0;
            try {
                record(batch);
            } catch (Throwable e) { // never leave a caller waiting, whatever happened (an Error ends the thread after this)
                for (Use u : batch) u.first().completeExceptionally(e);
                if (Database.unavailable(e)) failQueued(e); // the database is gone: tell everyone waiting now, not batch by batch
                else if (Database.timedOut(e)) LOG.warn("replay check: a batch of {} ids timed out ({})", batch.size(), sqlCause(e));
                else LOG.error("replay check: a batch of {} ids failed", batch.size(), e);
                if (e instanceof Error err) {
                    batch.clear();
                    inFlight = 0;
                    throw err;
                }
            }
            if (cpu) writerCpuNanos.addAndGet(threads.getCurrentThreadCpuTime() - cpu0);
            batch.clear();
            inFlight = 0;
            changed();
        }
        Use left;
        while ((left = queue.poll()) != null) {
            if (left != STOP) left.first().completeExceptionally(busy("the server is stopping"));
        }
    }

    /**
     * One transaction for the batch, its ids in the key's order (expires_at, id: every node locks them in the same order: two nodes
     * with the same ids in opposite orders cannot deadlock), each id inserted once (its later copies in the batch
     * are replays). If the transaction fails for another reason than an unavailable database (a deadlock, a
     * serialization failure: PostgreSQL aborts the whole transaction on any error), each id gets its own.
     */
    private void record(List<Use> batch) {
        List<Use> sorted = new ArrayList<>(batch);
        sorted.sort(KEY_ORDER);
        boolean[] first = new boolean[sorted.size()];
        try {
            db.inTransaction(h -> {
                h.getConfig(org.jdbi.v3.core.statement.SqlStatements.class).setQueryTimeout(QUERY_TIMEOUT_SECONDS);
                for (int i = 0; i < sorted.size(); i++) {
                    Use u = sorted.get(i);
                    first[i] = (i == 0 || !u.sameKey(sorted.get(i - 1))) && store.firstUse(h, u.id(), u.until());
                }
                return null;
            });
        } catch (RuntimeException e) {
            if (Database.unavailable(e) || sorted.size() == 1) throw e;
            LOG.warn("replay check: a batch of {} ids failed ({}); checking them one by one", sorted.size(), e.toString());
            oneByOne.incrementAndGet();
            for (int i = 0; i < sorted.size(); i++) {
                Use u = sorted.get(i);
                boolean again = i > 0 && u.sameKey(sorted.get(i - 1));
                try {
                    first[i] = !again && db.withHandle(h -> {
                        h.getConfig(org.jdbi.v3.core.statement.SqlStatements.class).setQueryTimeout(QUERY_TIMEOUT_SECONDS);
                        return store.firstUse(h, u.id(), u.until());
                    });
                } catch (RuntimeException one) {
                    u.first().completeExceptionally(one);
                    if (Database.unavailable(one)) { // gone meanwhile: the rest would each wait for the pool in turn
                        for (int j = i + 1; j < sorted.size(); j++) sorted.get(j).first().completeExceptionally(one);
                        break;
                    }
                }
            }
        }
        commits.incrementAndGet();
        checks.addAndGet(sorted.size());
        for (int i = 0; i < sorted.size(); i++) sorted.get(i).first().complete(first[i]); // no-op for those failed above
    }

    /** The database's own words for a failure (its SQLSTATE and message), without the statement's arguments (the ids). */
    private static String sqlCause(Throwable e) {
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof java.sql.SQLException sql) return "SQLSTATE " + sql.getSQLState() + ": " + sql.getMessage();
        }
        return e.toString();
    }

    private void failQueued(Throwable e) {
        Use u;
        while ((u = queue.poll()) != null) {
            if (u != STOP) u.first().completeExceptionally(e);
        }
    }

    /** Ids checked, transactions committed, and the writer thread's CPU time in ns (the metrics: what a check costs). */
    public long checks() {
        return checks.get();
    }

    /** For tests: ids waiting for the writer, and ids in the transaction it is running. */
    int queued() {
        return queue.size();
    }

    int inFlight() {
        return inFlight;
    }

    /**
     * For tests: {@code hook} runs after every change of {@link #queued()} (an id queued; the writer's take is seen
     * with the batch it starts) and of {@link #inFlight()} (a batch taken, a batch answered), on the thread that made
     * it (after the change), so a test waits for a state on a condition signalled by this code instead of polling it with sleeps.
     */
    void onChange(Runnable hook) {
        onChange = hook;
    }

    private void changed() {
        Runnable hook = onChange;
        if (hook != null) hook.run();
    }

    /** For tests: batches whose transaction failed and whose ids were then checked one by one. */
    long batchesCheckedOneByOne() {
        return oneByOne.get();
    }

    /** Transactions that recorded ids, and, with the journal, its appends (one per first use). */
    public long commits() {
        ReplayJournal j = journal;
        return commits.get() + (j != null ? j.appends() : 0);
    }

    /** Where the ids are kept and how many were loaded (the journal), or null (every check is a row in used_jtis). */
    public String describeJournal() {
        return described;
    }

    /** Ids the journal holds in memory (0 without one), and ids it sent to used_jtis because its memory was full. */
    public long journalIds() {
        ReplayJournal j = journal;
        return j != null ? j.ids() : 0;
    }

    public long journalOverflow() {
        ReplayJournal j = journal;
        return j != null ? j.elsewhere() : 0;
    }

    /** For tests: the journal (null without one). */
    ReplayJournal journal() {
        return journal;
    }

    /** Forces the journal's file to the disk (the jobs thread, once a second); nothing without a journal. */
    public void syncJournal() {
        ReplayJournal j = journal;
        if (j != null) j.sync();
    }

    public long writerCpuNanos() {
        return writerCpuNanos.get();
    }

    /** Stops the writer after the ids already queued (their callers get their answers); later calls are refused. */
    @Override
    public void close() {
        ReplayJournal j = journal;
        if (j != null) j.close();
        Thread w;
        synchronized (this) {
            closed = true;
            w = writer;
        }
        if (w == null) return;
        queue.offer(STOP); // when the queue is full the writer is busy and sees closed after this batch
        try {
            w.join(waitMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String id(String kind, String scope, String jti) {
        return B64URL.encodeToString(digest(kind, scope, jti));
    }

    /** SHA-256 of kind, scope and jti, each followed by a zero byte: the id's bytes (its base64url is the row's key). */
    static byte[] digest(String kind, String scope, String jti) {
        MessageDigest sha = SHA256.get();
        sha.reset(); // nothing left from a call that failed half-way
        for (String part : new String[] {kind, scope, jti}) {
            sha.update(part.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
        }
        return sha.digest();
    }

    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64URL_DECODER = Base64.getUrlDecoder();
    /** One digest per thread: the provider look-up of getInstance cost more than hashing the ≈ 100 bytes of an id. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });
}
