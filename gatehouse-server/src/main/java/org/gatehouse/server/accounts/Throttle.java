package org.gatehouse.server.accounts;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Failed sign-in attempts per key (an account's e-mail address, known or not, and a client address)
 * within a sliding window, in each node's memory. A key over its limit is refused until the window
 * has passed since its oldest counted failure; a success clears the account key.
 */
public final class Throttle {
    private static final int MAX_KEYS = 100_000;
    private final int limit;
    private final long windowMillis;
    private final LongSupplier clock;
    private final Map<String, long[]> failures = new ConcurrentHashMap<>();

    public Throttle(int limit, long windowMillis, LongSupplier clock) {
        this.limit = limit;
        this.windowMillis = windowMillis;
        this.clock = clock;
    }

    /** 0 when attempts are allowed, else the seconds to wait. */
    public long retryAfter(String key) {
        long[] f = failures.get(key);
        if (f == null) return 0;
        synchronized (f) {
            long now = clock.getAsLong();
            if (now - f[1] >= windowMillis) return 0;
            return f[0] >= limit ? Math.max(1, (f[1] + windowMillis - now + 999) / 1000) : 0;
        }
    }

    /**
     * Counts an attempt before it is made (so that concurrent attempts cannot all pass the check before
     * any is counted): 0 when it was allowed and counted, else the seconds to wait (nothing counted).
     */
    public long attempt(String key) {
        long[] f = entry(key);
        synchronized (f) {
            long now = roll(f);
            if (f[0] >= limit) return Math.max(1, (f[1] + windowMillis - now + 999) / 1000);
            f[0]++;
            return 0;
        }
    }

    /** Takes back an attempt counted by {@link #attempt} that turned out not to be a failure. */
    public void refund(String key) {
        long[] f = failures.get(key);
        if (f == null) return;
        synchronized (f) {
            if (f[0] > 0) f[0]--;
        }
    }

    public void failure(String key) {
        long[] f = entry(key);
        synchronized (f) {
            roll(f);
            f[0]++;
        }
    }

    /** Starts a new window when the entry's has passed; returns now. Call holding the entry's lock. */
    private long roll(long[] f) {
        long now = clock.getAsLong();
        if (now - f[1] >= windowMillis) {
            f[0] = 0;
            f[1] = now;
        }
        return now;
    }

    private long[] entry(String key) {
        if (failures.size() > MAX_KEYS) {
            long now = clock.getAsLong();
            failures.values().removeIf(f -> now - f[1] >= windowMillis);
        }
        return failures.computeIfAbsent(key, k -> new long[] {0, clock.getAsLong()});
    }

    public void clear(String key) {
        failures.remove(key);
    }
}
