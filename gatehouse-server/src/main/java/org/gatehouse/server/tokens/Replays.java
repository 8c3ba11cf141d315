package org.gatehouse.server.tokens;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLTransientConnectionException;
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
import org.gatehouse.server.store.Database;
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
 * them (503 when the database is unavailable); a full queue or a writer that does not answer in time
 * is a 503 too (bounded memory: at most {@link #QUEUE} ids wait).
 */
public final class Replays implements AutoCloseable {
    public static final String ASSERTION = "client_assertion";
    public static final String DPOP = "dpop";

    /** Ids that may wait for the writer; more means the database cannot keep up: answered 503. */
    static final int QUEUE = 4096;
    /** Ids per transaction at most. */
    static final int BATCH = 256;
    /** How long a caller waits for its commit (longer than H2's lock timeout and the pool's wait). */
    private static final long WAIT_MILLIS = 20_000;

    private static final Logger LOG = LoggerFactory.getLogger(Replays.class);

    private final Database db;
    private final ReplayStore store;
    private final BlockingQueue<Use> queue = new ArrayBlockingQueue<>(QUEUE);
    private final AtomicLong checks = new AtomicLong();
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong writerCpuNanos = new AtomicLong();
    private volatile int inFlight;
    private Thread writer;
    private volatile boolean closed;

    public Replays(Database db, ReplayStore store) {
        this.db = db;
        this.store = store;
    }

    /** One id waiting for the writer, and its answer. */
    private record Use(String id, long until, CompletableFuture<Boolean> first) {
    }

    /** Put on the queue by {@link #close()} to wake the writer (never interrupted: an interrupt closes H2's file). */
    private static final Use STOP = new Use("", 0, new CompletableFuture<>());

    /**
     * @param scope who the jti belongs to (the client id; the DPoP key's thumbprint)
     * @param until epoch ms after which the JWT is refused anyway (then the row may go)
     * @return true the first time, false for a replay (also when a concurrent request on any node, or in the
     *     same batch, recorded it first)
     */
    public boolean firstUse(String kind, String scope, String jti, long until) {
        Use use = new Use(id(kind, scope, jti), until, new CompletableFuture<>());
        startWriter();
        if (closed || !queue.offer(use)) throw busy("the replay check's queue is full");
        if (closed && queue.remove(use)) throw busy("the server is stopping"); // raced with close(): the writer may be gone
        try {
            return use.first().get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException r ? new ReplayCheckFailed(r) : new IllegalStateException(cause);
        } catch (TimeoutException e) {
            throw busy("the replay check was not committed within " + WAIT_MILLIS + " ms");
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

    /** A failure {@link Database#unavailable} recognises: the caller is told 503, try again. */
    private static RuntimeException busy(String why) {
        return new IllegalStateException(why, new SQLTransientConnectionException(why));
    }

    private synchronized void startWriter() {
        if (writer != null || closed) return;
        writer = new Thread(this::write, "gatehouse-replays");
        writer.setDaemon(true);
        writer.start();
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
            inFlight = batch.size();
            long cpu0 = cpu ? threads.getCurrentThreadCpuTime() : 0;
            boolean[] first = new boolean[batch.size()];
            try {
                db.inTransaction(h -> {
                    for (int i = 0; i < batch.size(); i++) {
                        first[i] = store.firstUse(h, batch.get(i).id(), batch.get(i).until());
                    }
                    return null;
                });
                for (int i = 0; i < batch.size(); i++) batch.get(i).first().complete(first[i]);
            } catch (RuntimeException e) {
                if (!Database.unavailable(e)) LOG.error("replay check: the batch of {} ids failed", batch.size(), e);
                for (Use u : batch) u.first().completeExceptionally(e);
            }
            commits.incrementAndGet();
            checks.addAndGet(batch.size());
            if (cpu) writerCpuNanos.addAndGet(threads.getCurrentThreadCpuTime() - cpu0);
            batch.clear();
            inFlight = 0;
        }
        Use left;
        while ((left = queue.poll()) != null) {
            if (left != STOP) left.first().completeExceptionally(busy("the server is stopping"));
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

    public long commits() {
        return commits.get();
    }

    public long writerCpuNanos() {
        return writerCpuNanos.get();
    }

    /** Stops the writer after the ids already queued (their callers get their answers); later calls are refused. */
    @Override
    public void close() {
        Thread w;
        synchronized (this) {
            closed = true;
            w = writer;
        }
        if (w == null) return;
        queue.offer(STOP); // when the queue is full the writer is busy and sees closed after this batch
        try {
            w.join(WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String id(String kind, String scope, String jti) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : new String[] {kind, scope, jti}) {
                sha.update(part.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return Base64.getUrlEncoder().withoutPadding().encodeToString(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
