package org.gatehouse.server.installations;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.gatehouse.server.stats.TokenRequests;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.store.InstallationStore;

/**
 * Each installation's last token time and token count, gathered in memory on the token path (no
 * database write per token request, DESIGN §5) and written in one batch per flush.
 *
 * <p>Counting and taking are both atomic per installation (ConcurrentHashMap.merge and remove), so a
 * token request racing a flush lands either in the batch being written or in the next one; no lock
 * is shared by all token requests.
 *
 * <p>Token requests per token and hour (issue 14's pictures) are counted beside, in {@link TokenRequests}, and
 * written by the same flush.
 */
public final class LastSeen {
    private final Database db;
    private final InstallationStore store;
    private final TokenRequests requests;
    private final ConcurrentHashMap<String, Seen> pending = new ConcurrentHashMap<>();

    public LastSeen(Database db, InstallationStore store, TokenRequests requests) {
        this.db = db;
        this.store = store;
        this.requests = requests;
    }

    private record Seen(long at, long count) {
        Seen plus(Seen o) {
            return new Seen(Math.max(at, o.at), count + o.count);
        }
    }

    /** A token request of a client admitted by the token {@code iatId} (null: none) for an installation (null: none). */
    public void record(String installationRef, String iatId, long now) {
        requests.record(iatId, now);
        record(installationRef, now);
    }

    public void record(String installationRef, long now) {
        if (installationRef == null) return;
        pending.merge(installationRef, new Seen(now, 1), Seen::plus);
    }

    /**
     * Writes what was gathered since the last flush (last-seen times, then token request counts); returns how many
     * installations were updated.
     */
    public synchronized int flush() {
        int updated = flushLastSeen();
        requests.flush();
        return updated;
    }

    private int flushLastSeen() {
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
