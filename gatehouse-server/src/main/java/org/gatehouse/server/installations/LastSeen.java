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
 * <p>A flush writes in transactions of at most GATEHOUSE_LAST_SEEN_BATCH installations (1,000), in id order. One
 * transaction for all of them (≈ 18,000 at 300 grants/s over a million installations) held every row's batch
 * binding, H2's undo log and its uncommitted pages at once: the serial collector promoted that and grew the heap from
 * its 64 MiB start towards its cap, ≈ 40 MiB of RSS that it never gives back (docs/performance.md, round 6).
 *
 * <p>Token requests per token and hour (issue 14's pictures) are counted beside, in {@link TokenRequests}, and
 * written by the same flush.
 */
public final class LastSeen {
    private final Database db;
    private final InstallationStore store;
    private final TokenRequests requests;
    private final ConcurrentHashMap<String, Seen> pending = new ConcurrentHashMap<>();
    private final int rowsPerTransaction;

    /** rowsPerTransaction: installations written per transaction by a flush (GATEHOUSE_LAST_SEEN_BATCH). */
    public LastSeen(Database db, InstallationStore store, TokenRequests requests, int rowsPerTransaction) {
        if (rowsPerTransaction < 1) throw new IllegalArgumentException("rowsPerTransaction < 1");
        this.db = db;
        this.store = store;
        this.requests = requests;
        this.rowsPerTransaction = rowsPerTransaction;
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
        TreeMap<String, long[]> all = new TreeMap<>();
        for (String id : pending.keySet()) {
            Seen s = pending.remove(id);
            if (s != null) all.put(id, new long[] {s.at(), s.count()});
        }
        int count = all.size();
        while (!all.isEmpty()) {
            Map<String, long[]> batch = new TreeMap<>();
            while (batch.size() < rowsPerTransaction && !all.isEmpty()) {
                Map.Entry<String, long[]> e = all.pollFirstEntry();
                batch.put(e.getKey(), e.getValue());
            }
            try {
                db.inTransaction(h -> {
                    store.recordActivity(h, batch);
                    return null;
                });
            } catch (RuntimeException | Error ex) {
                // Keep the counts of this batch and of those not written yet for the next flush rather than lose them
                // (the batches before it are committed); after an Error too (an OutOfMemoryError: the jobs thread runs
                // the next flush anyway, GatehouseServer.every).
                batch.putAll(all);
                batch.forEach((id, v) -> pending.merge(id, new Seen(v[0], v[1]), Seen::plus));
                throw ex;
            }
        }
        return count;
    }
}
