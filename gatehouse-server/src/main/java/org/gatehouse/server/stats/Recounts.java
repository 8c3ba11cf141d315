package org.gatehouse.server.stats;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Figures that are expensive to count, kept a while per key, recounted by one caller at a time (single flight):
 * when the kept figures are too old, the first caller recounts; callers arriving meanwhile get the last figures
 * (or, when there are none yet, wait for that one count instead of starting their own). Several admins reloading
 * the dashboard at once thus cost one count, not one each. Bounded: at most {@code maxKeys} keys are kept.
 */
final class Recounts<V> {
    private record Kept<V>(V value, long countedAt) {
    }

    private final ConcurrentHashMap<String, Kept<V>> kept = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, CompletableFuture<V>> counting = new ConcurrentHashMap<>();
    private final long maxAgeMillis;
    private final int maxKeys;

    Recounts(long maxAgeMillis, int maxKeys) {
        this.maxAgeMillis = maxAgeMillis;
        this.maxKeys = maxKeys;
    }

    /**
     * The figures of {@code key}: the kept ones if counted within the maximum age at {@code now}; else counted by
     * {@code count} in this thread if no other thread is counting them, else the last ones kept (or, with none kept,
     * the other thread's count when it ends). A failed count is thrown to its caller and to those waiting for it.
     */
    V get(String key, long now, Supplier<V> count) {
        Kept<V> before = fresh(key, now);
        if (before != null) return before.value();
        CompletableFuture<V> mine = new CompletableFuture<>();
        CompletableFuture<V> other = counting.putIfAbsent(key, mine);
        if (other != null) {
            Kept<V> last = kept.get(key);
            if (last != null) return last.value(); // someone is counting: serve the last figures
            try {
                return other.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                if (e.getCause() instanceof Error r) throw r;
                throw e;
            }
        }
        try {
            Kept<V> meanwhile = fresh(key, now); // counted by another thread between our first look and now
            if (meanwhile != null) {
                mine.complete(meanwhile.value());
                return meanwhile.value();
            }
            V v = count.get();
            if (kept.size() >= maxKeys && !kept.containsKey(key)) kept.clear(); // bounded; the next views count again
            kept.put(key, new Kept<>(v, now));
            mine.complete(v);
            return v;
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            counting.remove(key, mine);
        }
    }

    private Kept<V> fresh(String key, long now) {
        Kept<V> k = kept.get(key);
        return k != null && k.countedAt() > now - maxAgeMillis ? k : null;
    }
}
