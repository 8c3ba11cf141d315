package org.gatehouse.server.installations;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.store.InstallationStore;

/**
 * Each installation's last token time and token count, gathered in memory on the token path (no
 * database write per token request, DESIGN §5) and written in one batch per flush.
 */
public final class LastSeen {
    private final Database db;
    private final InstallationStore store;
    private volatile Map<String, Entry> pending = new ConcurrentHashMap<>();

    public LastSeen(Database db, InstallationStore store) {
        this.db = db;
        this.store = store;
    }

    private static final class Entry {
        final AtomicLong seen = new AtomicLong();
        final LongAdder count = new LongAdder();
    }

    public void record(String installationRef, long now) {
        if (installationRef == null) return;
        Entry e = pending.computeIfAbsent(installationRef, k -> new Entry());
        e.seen.accumulateAndGet(now, Math::max);
        e.count.increment();
    }

    /** Writes what was gathered since the last flush; returns how many installations were updated. */
    public synchronized int flush() {
        Map<String, Entry> taken = pending;
        pending = new ConcurrentHashMap<>();
        if (taken.isEmpty()) return 0;
        Map<String, long[]> batch = new HashMap<>();
        taken.forEach((id, e) -> batch.put(id, new long[] {e.seen.get(), e.count.sum()}));
        try {
            db.inTransaction(h -> {
                store.recordActivity(h, batch);
                return null;
            });
        } catch (RuntimeException ex) {
            // Keep the counts for the next flush rather than lose them.
            batch.forEach((id, v) -> {
                Entry e = pending.computeIfAbsent(id, k -> new Entry());
                e.seen.accumulateAndGet(v[0], Math::max);
                e.count.add(v[1]);
            });
            throw ex;
        }
        return batch.size();
    }
}
