package org.gatehouse.server.installations;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.store.InstallationStore;

/**
 * Each installation's last token time and token count, gathered in memory on the token path (no
 * database write per token request, DESIGN §5) and written in one batch per flush.
 *
 * <p>Counting and taking are both atomic per installation (ConcurrentHashMap.merge and remove), so a
 * token request racing a flush lands either in the batch being written or in the next one; no lock
 * is shared by all token requests.
 */
public final class LastSeen {
    private final Database db;
    private final InstallationStore store;
    private final ConcurrentHashMap<String, Seen> pending = new ConcurrentHashMap<>();

    public LastSeen(Database db, InstallationStore store) {
        this.db = db;
        this.store = store;
    }

    private record Seen(long at, long count) {
        Seen plus(Seen o) {
            return new Seen(Math.max(at, o.at), count + o.count);
        }
    }

    public void record(String installationRef, long now) {
        if (installationRef == null) return;
        pending.merge(installationRef, new Seen(now, 1), Seen::plus);
    }

    /** Writes what was gathered since the last flush; returns how many installations were updated. */
    public synchronized int flush() {
        // In id order, so that nodes flushing at the same time lock the same rows in the same order (no deadlock).
        Map<String, long[]> batch = new TreeMap<>();
        for (String id : pending.keySet()) {
            Seen s = pending.remove(id);
            if (s != null) batch.put(id, new long[] {s.at(), s.count()});
        }
        if (batch.isEmpty()) return 0;
        try {
            db.inTransaction(h -> {
                store.recordActivity(h, batch);
                return null;
            });
        } catch (RuntimeException ex) {
            // Keep the counts for the next flush rather than lose them.
            batch.forEach((id, v) -> pending.merge(id, new Seen(v[0], v[1]), Seen::plus));
            throw ex;
        }
        return batch.size();
    }
}
