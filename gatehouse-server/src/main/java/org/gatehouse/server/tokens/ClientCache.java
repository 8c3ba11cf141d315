package org.gatehouse.server.tokens;

import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.gatehouse.server.domain.ClientRecord;

/**
 * Client records in memory for the token, introspection and revocation endpoints (DESIGN §5: a cache is
 * allowed only within a stated bound; issue 18 Must 5: a fleet of installations must find its client without
 * a database read per grant). Two bounds:
 * <ul>
 * <li>{@code ttl} (GATEHOUSE_CLIENT_CACHE_TTL, 2 s): any record read less than this ago may be served. This is
 * the whole cache when nothing polls for changes (a command, or GATEHOUSE_CLIENT_CACHE_MAX_AGE=0), the life of
 * an unknown id's "not found" (so a client registered on another node works here within ttl), and what is left
 * while polling fails (fail closed).</li>
 * <li>{@code maxAge} (GATEHOUSE_CLIENT_CACHE_MAX_AGE, 10 min): a record may live this long while
 * {@link ClientChangePoller} reads every node's changes ({@code client_changes}) and drops the ids that
 * changed ({@link #changed}); so a change made on another node takes effect here within the poll interval plus
 * its query time. A record is served past ttl only while the last successful poll started less than
 * {@code poll + ttl} ago ({@link #pollSucceeded}), and only when it was read after the poller's start-up
 * window (changes in flight at start-up are not tracked, see {@link ChangeCursor}).</li>
 * </ul>
 * Records are kept {@link #slim}: what these endpoints read (≈ 0.6 KB each with their map entry, ClientCacheTest measures).
 * A change made through this process's own ClientStore takes effect at once ({@link #invalidate}, before and
 * after its commit). The secret is still checked with a keyed hash on every request: only the read is saved.
 * Bounded: at most {@code maxEntries} records and 10,000 unknown ids. A ttl of zero disables it.
 */
public final class ClientCache {
    private record Entry(ClientRecord client, long loadedAt) {
    }

    private final long ttlNanos;
    private final long maxAgeNanos;
    private final int maxEntries;
    private final LongSupplier nanoClock;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    /**
     * Ids recently looked up and not found, kept apart and bounded on their own, so that an unknown
     * id costs the same work as a known one on repeat (no enumeration by timing) and a flood of
     * random ids cannot push known clients out. Kept for ttl only.
     */
    private final ConcurrentHashMap<String, Long> absent = new ConcurrentHashMap<>();
    private static final int MAX_ABSENT = 10_000;
    /**
     * Bumped by every invalidation. A record read from the database is kept only if no invalidation
     * happened while it was being read: a read that raced a change can never outlive the change.
     */
    private final AtomicLong epoch = new AtomicLong();
    /** Long life is allowed only before this (nanos): the last successful poll's start + poll interval + ttl. */
    private volatile long servableUntil;
    /** Records read before this (nanos) live for ttl only (the poller's start-up window). */
    private volatile long longLifeFrom;
    private volatile boolean polling;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder evictions = new LongAdder();

    /** Records for at most ttl (no polling). */
    public ClientCache(Duration ttl, int maxEntries) {
        this(ttl, Duration.ZERO, maxEntries, System::nanoTime);
    }

    /** Records for ttl, or for maxAge while a {@link ClientChangePoller} keeps it informed. */
    public ClientCache(Duration ttl, Duration maxAge, int maxEntries) {
        this(ttl, maxAge, maxEntries, System::nanoTime);
    }

    ClientCache(Duration ttl, int maxEntries, LongSupplier nanoClock) {
        this(ttl, Duration.ZERO, maxEntries, nanoClock);
    }

    ClientCache(Duration ttl, Duration maxAge, int maxEntries, LongSupplier nanoClock) {
        this.ttlNanos = ttl.toNanos();
        this.maxAgeNanos = Math.max(maxAge.toNanos(), ttlNanos);
        this.maxEntries = maxEntries;
        this.nanoClock = nanoClock;
    }

    public boolean enabled() {
        return ttlNanos > 0 && maxEntries > 0;
    }

    /** Whether records may live longer than ttl (maxAge set): then a poller must run for it to matter. */
    public boolean longLived() {
        return enabled() && maxAgeNanos > ttlNanos;
    }

    /** The client, from memory when that is within the bounds above, else from {@code load}. */
    public Optional<ClientRecord> find(String clientId, Function<String, Optional<ClientRecord>> load) {
        if (!enabled()) return load.apply(clientId);
        long now = nanoClock.getAsLong();
        Entry e = entries.get(clientId);
        if (e != null && servable(e, now)) {
            hits.increment();
            return Optional.of(e.client);
        }
        Long missing = absent.get(clientId);
        if (missing != null && now - missing < ttlNanos) {
            hits.increment();
            return Optional.empty();
        }
        misses.increment();
        long before = epoch.get();
        Optional<ClientRecord> fresh = load.apply(clientId).map(this::slim);
        if (epoch.get() != before) return fresh; // changed meanwhile: use it once, keep nothing
        if (fresh.isPresent()) {
            if (entries.size() >= maxEntries) sweep(now);
            Entry added = new Entry(fresh.get(), now);
            entries.put(fresh.get().clientId(), added); // the record's id as key: one copy of the string
            // A change applied between the check above and the put (the poller's changed(): epoch first, then remove)
            // must not leave the older record behind it for the max age: look again, after the put.
            if (epoch.get() != before) entries.remove(fresh.get().clientId(), added);
            absent.remove(clientId);
        } else {
            if (e != null) entries.remove(clientId, e);
            if (absent.size() >= MAX_ABSENT) absent.clear();
            absent.put(clientId, now);
        }
        return fresh;
    }

    /**
     * What the token, introspection and revocation endpoints read, and no more: the registration's metadata
     * JSON, name, software version and registration access token hashes (RFC 7592's, never used on these
     * paths) are null in a record from this cache, which makes an entry about half as big.
     */
    ClientRecord slim(ClientRecord c) {
        return c.toBuilder().metadata(null).clientName(null).softwareVersion(null).ratHash(null).previousRatHash(null)
                .authMethod(shared(c.authMethod())).scope(shared(c.scope())).iatId(shared(c.iatId())).iatScope(shared(c.iatScope()))
                .softwareId(shared(c.softwareId())).iatClientCidrs(shared(c.iatClientCidrs())).iatResources(shared(c.iatResources()))
                .build();
    }

    /**
     * One copy of the values many records repeat (every client of a token has its id, scope, ranges; most share
     * a software id and an auth method): each row read from the database brings its own String objects.
     * Bounded: cleared when full.
     */
    private String shared(String v) {
        if (v == null) return null;
        String known = values.putIfAbsent(v, v);
        if (known != null) return known;
        if (values.size() > MAX_VALUES) values.clear();
        return v;
    }

    private final ConcurrentHashMap<String, String> values = new ConcurrentHashMap<>();
    private static final int MAX_VALUES = 10_000;

    private boolean servable(Entry e, long now) {
        long age = now - e.loadedAt;
        if (age < ttlNanos) return true;
        return age < maxAgeNanos && polling && now - servableUntil < 0 && e.loadedAt - longLifeFrom >= 0;
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
        evictions.add(entries.size());
        entries.clear();
        absent.clear();
    }

    /** Another node changed a client: forget it (the poller). */
    void changed(String clientId) {
        epoch.incrementAndGet();
        if (entries.remove(clientId) != null) evictions.increment();
    }

    /** Another node changed a token's joined fields: forget every client it admitted (the poller; rare). */
    void tokenChanged(String iatId) {
        epoch.incrementAndGet();
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
            if (iatId.equals(it.next().client.iatId())) {
                it.remove();
                evictions.increment();
            }
        }
    }

    /**
     * The poller started; records read before {@code longLifeFrom} (nanos, on this cache's clock) live for
     * ttl only, since changes already in flight at its start are not tracked.
     */
    /**
     * The poller stopped tracking some changes (too many late seqs at once): records read before {@code from} may
     * predate one of them, so they live for ttl only, as at start-up.
     */
    void untrackedUntil(long from) {
        if (from - longLifeFrom > 0) longLifeFrom = from;
    }

    void pollerStarted(long longLifeFrom) {
        this.servableUntil = nanoClock.getAsLong(); // nothing past ttl until the first poll succeeds
        this.longLifeFrom = longLifeFrom;
        this.polling = true;
    }

    /**
     * A poll that started at {@code startedAt} (nanos) has applied every change committed before then: records
     * may be served past ttl until {@code startedAt + interval + ttl}, by when the next poll should have done
     * the same. After a failure nothing is lost: the next successful poll reads every change since the last one
     * (rows are kept a day, longer than the longest max age), and records older than max age are not served.
     */
    void pollSucceeded(long startedAt, long intervalNanos) {
        servableUntil = startedAt + intervalNanos + ttlNanos;
    }

    /** Whether records older than ttl may be served now (polls are on time). */
    public boolean pollsOnTime() {
        return polling && nanoClock.getAsLong() - servableUntil < 0;
    }

    long nanoTime() {
        return nanoClock.getAsLong();
    }

    public long hits() {
        return hits.sum();
    }

    public long misses() {
        return misses.sum();
    }

    public long evictions() {
        return evictions.sum();
    }

    public int size() {
        return entries.size();
    }

    /** Makes room: drops what may no longer be served, then arbitrary entries (hash order) down to 90 %. */
    private void sweep(long now) {
        for (Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
            if (now - it.next().getValue().loadedAt >= maxAgeNanos) it.remove();
        }
        int target = maxEntries - Math.max(1, maxEntries / 10);
        for (Iterator<String> it = entries.keySet().iterator(); it.hasNext() && entries.size() > target; ) {
            it.next();
            it.remove();
        }
    }
}
