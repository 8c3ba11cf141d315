package org.gatehouse.server.ratelimit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Token buckets per key (an initial access token, a client address, a client), in memory on each
 * node: with N nodes behind a balancer the effective limit is up to N times the configured one.
 */
public final class RateLimiter {
    private static final int MAX_KEYS = 200_000;
    private final String name;
    private final double perSecond;
    private final double burst;
    private final LongSupplier nanoClock;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    /** @param perMinute sustained rate; 0 disables the limit. Burst is one minute's worth. */
    public RateLimiter(String name, int perMinute, LongSupplier nanoClock) {
        this.name = name;
        this.perSecond = perMinute / 60.0;
        this.burst = Math.max(1, perMinute);
        this.nanoClock = nanoClock;
    }

    public String name() {
        return name;
    }

    /** Takes one permit; returns 0 when allowed, or the seconds to wait before retrying. */
    public long acquire(String key) {
        if (perSecond <= 0) return 0;
        if (buckets.size() > MAX_KEYS) evictFull();
        Bucket b = buckets.computeIfAbsent(key, k -> new Bucket(burst, nanoClock.getAsLong()));
        synchronized (b) {
            long now = nanoClock.getAsLong();
            b.tokens = Math.min(burst, b.tokens + (now - b.updated) / 1e9 * perSecond);
            b.updated = now;
            if (b.tokens >= 1) {
                b.tokens -= 1;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - b.tokens) / perSecond));
        }
    }

    /** Seconds to wait before a permit would be granted, without taking one; 0 when one is available. */
    public long peek(String key) {
        if (perSecond <= 0) return 0;
        Bucket b = buckets.get(key);
        if (b == null) return 0;
        synchronized (b) {
            double tokens = Math.min(burst, b.tokens + (nanoClock.getAsLong() - b.updated) / 1e9 * perSecond);
            return tokens >= 1 ? 0 : Math.max(1, (long) Math.ceil((1 - tokens) / perSecond));
        }
    }

    /** Forgets buckets that have refilled completely: they behave exactly like absent ones. */
    private void evictFull() {
        long now = nanoClock.getAsLong();
        buckets.entrySet().removeIf(e -> {
            Bucket b = e.getValue();
            synchronized (b) {
                return b.tokens + (now - b.updated) / 1e9 * perSecond >= burst;
            }
        });
    }

    private static final class Bucket {
        double tokens;
        long updated;

        Bucket(double tokens, long updated) {
            this.tokens = tokens;
            this.updated = updated;
        }
    }
}
