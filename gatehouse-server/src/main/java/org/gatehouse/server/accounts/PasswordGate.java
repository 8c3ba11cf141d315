package org.gatehouse.server.accounts;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Bounds the memory and CPU that password hashing may take, whatever the load. Every Argon2id run
 * allocates its whole memory cost at once ({@link Passwords#MEMORY_BYTES}), so thirty sign-ins at
 * the same moment would need more heap than the server has (security review 2026-12, item 1). Runs
 * take one of a few permits, in arrival order (a fair semaphore); a small queue waits for them, and
 * a request that finds the queue full, or waits too long, is refused at once with {@link Busy}
 * (answered 429 with Retry-After, RFC 6585 §4) instead of piling up request threads.
 *
 * <p>Every password check goes through here, the one for an unknown e-mail address too (it hashes
 * against a dummy), so that known and unknown addresses take the same time under any load.
 */
public final class PasswordGate {
    /** The seconds a refused request is told to wait (Retry-After). */
    public static final long RETRY_AFTER_SECONDS = 2;

    /** Refused: the gate's queue is full, or a permit did not come within the wait bound. */
    public static final class Busy extends RuntimeException {
        Busy() {
            super("password hashing is at capacity", null, false, false);
        }

        public long retryAfter() {
            return RETRY_AFTER_SECONDS;
        }
    }

    private final int permits;
    private final int queue;
    private final long maxWaitMillis;
    private final Semaphore semaphore;
    /** Runs in progress plus requests waiting for a permit. */
    private final AtomicInteger admitted = new AtomicInteger();

    public PasswordGate(int permits, int queue, long maxWaitMillis) {
        if (permits < 1 || queue < 0) throw new IllegalArgumentException("permits >= 1, queue >= 0");
        this.permits = permits;
        this.queue = queue;
        this.maxWaitMillis = maxWaitMillis;
        this.semaphore = new Semaphore(permits, true);
    }

    /**
     * Sized for this JVM: at most a quarter of the maximum heap in hashing memory, and at most half the
     * cores (the OAuth endpoints keep the rest), but always one; a queue of four per permit.
     */
    public static PasswordGate forThisJvm() {
        int permits = permitsFor(Runtime.getRuntime().maxMemory(), Runtime.getRuntime().availableProcessors());
        return new PasswordGate(permits, 4 * permits, 5_000);
    }

    static int permitsFor(long maxHeapBytes, int cores) {
        long byHeap = maxHeapBytes / 4 / Passwords.MEMORY_BYTES;
        long byCpu = cores / 2;
        return (int) Math.max(1, Math.min(byHeap, byCpu));
    }

    /** Requests that wait for a permit now (for tests and metrics). */
    public int waiting() {
        return semaphore.getQueueLength();
    }

    /** Runs one hashing task under a permit; throws {@link Busy} when the queue is full or the wait too long. */
    public <T> T run(Supplier<T> work) {
        if (admitted.incrementAndGet() > permits + queue) {
            admitted.decrementAndGet();
            throw new Busy();
        }
        try {
            if (!semaphore.tryAcquire(maxWaitMillis, TimeUnit.MILLISECONDS)) throw new Busy();
            try {
                return work.get();
            } finally {
                semaphore.release();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Busy();
        } finally {
            admitted.decrementAndGet();
        }
    }
}
