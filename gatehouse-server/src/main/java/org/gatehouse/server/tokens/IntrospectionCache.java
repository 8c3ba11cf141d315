package org.gatehouse.server.tokens;

import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Repeat introspection without repeating the work. A token's signature check (about 1 ms for ES256)
 * gives the same answer until the token expires, so its result is kept until then; the revocation
 * check is kept for at most {@code ttl}, so a revocation written by another node or the CLI is
 * honoured everywhere within ttl, and one made through this process invalidates every kept
 * revocation check at once (an epoch counter: revocations are rare, introspections are not). The
 * client's own state comes from the {@link ClientCache}, with its own bound (its poll of client changes). Bounded in size; a
 * ttl of zero disables it.
 */
public final class IntrospectionCache {
    private record Entry(TokenService.Verified verified, long checkedAt, long epoch) {
    }

    private static final long NEVER = Long.MIN_VALUE;

    private final long ttlNanos;
    private final int maxEntries;
    private final LongSupplier nanoClock;
    private final AtomicLong epoch = new AtomicLong();
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    public IntrospectionCache(Duration ttl, int maxEntries) {
        this(ttl, maxEntries, System::nanoTime);
    }

    IntrospectionCache(Duration ttl, int maxEntries, LongSupplier nanoClock) {
        this.ttlNanos = ttl.toNanos();
        this.maxEntries = maxEntries;
        this.nanoClock = nanoClock;
    }

    public boolean enabled() {
        return ttlNanos > 0 && maxEntries > 0;
    }

    /** The verified token, from memory when it was verified before and has not expired. */
    public Optional<TokenService.Verified> verify(String token, Function<String, Optional<TokenService.Verified>> verifier, long nowMillis) {
        if (!enabled()) return verifier.apply(token);
        Entry e = entries.get(token);
        if (e != null) {
            if (e.verified.expiresAt() > nowMillis) return Optional.of(e.verified);
            entries.remove(token, e);
        }
        Optional<TokenService.Verified> v = verifier.apply(token);
        if (v.isPresent() && v.get().expiresAt() > nowMillis) {
            if (entries.size() >= maxEntries) sweep(nowMillis);
            entries.putIfAbsent(token, new Entry(v.get(), NEVER, -1));
        }
        return v;
    }

    /**
     * Whether the token is not revoked: from memory when checked less than ttl ago and nothing was
     * revoked through this process since, else from {@code check} (true = not revoked), remembered.
     */
    public boolean notRevoked(String token, java.util.function.BooleanSupplier check) {
        if (!enabled()) return check.getAsBoolean();
        long now = nanoClock.getAsLong();
        long currentEpoch = epoch.get();
        Entry e = entries.get(token);
        if (e != null && e.epoch == currentEpoch && e.checkedAt != NEVER && now - e.checkedAt < ttlNanos) return true;
        boolean ok = check.getAsBoolean();
        if (ok && e != null) entries.replace(token, e, new Entry(e.verified, now, currentEpoch));
        return ok;
    }

    /** A token was revoked through this process: every kept revocation check is stale. */
    public void revoked() {
        epoch.incrementAndGet();
    }

    int size() {
        return entries.size();
    }

    private void sweep(long nowMillis) {
        for (Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
            if (it.next().getValue().verified.expiresAt() <= nowMillis) it.remove();
        }
        if (entries.size() >= maxEntries) entries.clear();
    }
}
