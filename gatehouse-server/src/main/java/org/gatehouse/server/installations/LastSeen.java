package org.gatehouse.server.installations;

import java.util.TreeMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantReadWriteLock;
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
    private final ReentrantReadWriteLock swap = new ReentrantReadWriteLock();

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
        // The read lock keeps flush() from taking the map away between finding the entry and counting in it
        // (an increment on an entry already written would be lost). Many threads hold it at once.
        swap.readLock().lock();
        try {
            Entry e = pending.computeIfAbsent(installationRef, k -> new Entry());
            e.seen.accumulateAndGet(now, Math::max);
            e.count.increment();
        } finally {
            swap.readLock().unlock();
        }
    }

    /** Writes what was gathered since the last flush; returns how many installations were updated. */
    public synchronized int flush() {
        Map<String, Entry> taken;
        swap.writeLock().lock();
        try {
            taken = pending;
            pending = new ConcurrentHashMap<>();
        } finally {
            swap.writeLock().unlock();
        }
        if (taken.isEmpty()) return 0;
        // In id order, so that nodes flushing at the same time lock the same rows in the same order (no deadlock).
        Map<String, long[]> batch = new TreeMap<>();
        taken.forEach((id, e) -> batch.put(id, new long[] {e.seen.get(), e.count.sum()}));
        try {
            db.inTransaction(h -> {
                store.recordActivity(h, batch);
                return null;
            });
        } catch (RuntimeException ex) {
            // Keep the counts for the next flush rather than lose them.
            swap.readLock().lock();
            try {
                batch.forEach((id, v) -> {
                    Entry e = pending.computeIfAbsent(id, k -> new Entry());
                    e.seen.accumulateAndGet(v[0], Math::max);
                    e.count.add(v[1]);
                });
            } finally {
                swap.readLock().unlock();
            }
            throw ex;
        }
        return batch.size();
    }
}
