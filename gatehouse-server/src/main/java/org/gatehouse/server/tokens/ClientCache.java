package org.gatehouse.server.tokens;

import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.gatehouse.server.domain.ClientRecord;

/**
 * A short-lived copy of client records for the token, introspection and revocation endpoints (DESIGN
 * §5: a cache is allowed only within a stated bound). A record is served from memory for at most
 * {@code ttl} after it was read from the database, so a revocation, deletion or secret rotation
 * made anywhere (another node, the CLI) takes effect on every node within {@code ttl}; one made
 * through this process's own ClientStore takes effect at once ({@link #invalidate}). Unknown
 * clients are never cached (no memory for random ids), and the secret is still checked with a
 * keyed hash on every request: only the database read is saved. A ttl of zero disables it.
 */
public final class ClientCache {
    private record Entry(ClientRecord client, long loadedAt) {
    }

    private final long ttlNanos;
    private final int maxEntries;
    private final LongSupplier nanoClock;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    /**
     * Ids recently looked up and not found, kept apart and bounded on their own, so that an unknown
     * id costs the same work as a known one on repeat (no enumeration by timing) and a flood of
     * random ids cannot push known clients out.
     */
    private final ConcurrentHashMap<String, Long> absent = new ConcurrentHashMap<>();
    private static final int MAX_ABSENT = 10_000;
    /**
     * Bumped by every invalidation. A record read from the database is kept only if no invalidation
     * happened while it was being read: a read that raced a change can never outlive the change.
     */
    private final java.util.concurrent.atomic.AtomicLong epoch = new java.util.concurrent.atomic.AtomicLong();

    public ClientCache(Duration ttl, int maxEntries) {
        this(ttl, maxEntries, System::nanoTime);
    }

    ClientCache(Duration ttl, int maxEntries, LongSupplier nanoClock) {
        this.ttlNanos = ttl.toNanos();
        this.maxEntries = maxEntries;
        this.nanoClock = nanoClock;
    }

    public boolean enabled() {
        return ttlNanos > 0 && maxEntries > 0;
    }

    /** The client, from memory when it was read less than ttl ago, else from {@code load}. */
    public Optional<ClientRecord> find(String clientId, Function<String, Optional<ClientRecord>> load) {
        if (!enabled()) return load.apply(clientId);
        long now = nanoClock.getAsLong();
        Entry e = entries.get(clientId);
        if (e != null && now - e.loadedAt < ttlNanos) return Optional.of(e.client);
        Long missing = absent.get(clientId);
        if (missing != null && now - missing < ttlNanos) return Optional.empty();
        long before = epoch.get();
        Optional<ClientRecord> fresh = load.apply(clientId);
        if (epoch.get() != before) return fresh; // changed meanwhile: use it once, keep nothing
        if (fresh.isPresent()) {
            if (entries.size() >= maxEntries) sweep(now);
            entries.put(clientId, new Entry(fresh.get(), now));
            absent.remove(clientId);
        } else {
            if (e != null) entries.remove(clientId, e);
            if (absent.size() >= MAX_ABSENT) absent.clear();
            absent.put(clientId, now);
        }
        return fresh;
    }

    /** Forgets a client at once (called when this process changes it). */
    public void invalidate(String clientId) {
        epoch.incrementAndGet();
        entries.remove(clientId);
        absent.remove(clientId);
    }

    /** Forgets every client (a token's policy changed, which every client it admitted carries). */
    public void invalidateAll() {
        epoch.incrementAndGet();
        entries.clear();
        absent.clear();
    }

    int size() {
        return entries.size();
    }

    private void sweep(long now) {
        for (Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
            if (now - it.next().getValue().loadedAt >= ttlNanos) it.remove();
        }
        if (entries.size() >= maxEntries) entries.clear(); // still full of fresh entries: start over, stay bounded
    }
}
