package org.gatehouse.server.stats;

import java.time.Clock;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.store.StatsStore;

/**
 * Token requests per hour, per initial access token and for the whole system, counted in memory on the token
 * path (DESIGN §5: no database write and no lock shared by all token requests) and added to
 * token_requests_hourly by {@link #flush()}, which runs with the periodic last-seen flush.
 *
 * <p>A request costs one map lookup and one {@link LongAdder} increment (striped: no lock, little contention even
 * when every installation uses the same token). The system row is not counted on the token path: the flush adds
 * up each hour's counts.
 *
 * <p>Memory is bounded: at most {@code maxKeys} (token, hour) counters at a time. Past that, requests are still
 * counted for the whole system (in an "other" counter per hour) but not per token, and {@link #overflowed()} says
 * how many; an hour's counter is dropped once its hour is over and a flush found nothing new in it.
 *
 * <p>No count is lost to a flush racing a request: {@link LongAdder#sumThenReset()} takes each cell with an atomic
 * get-and-set (JDK 17), so an increment lands in this flush or the next. A counter is removed only after its hour
 * has ended and a flush found it empty; a request would have to stall for a whole flush interval between reading the
 * clock and counting to be lost.
 */
public final class TokenRequests {
    static final long HOUR = 3_600_000L;
    /** The counter of requests not counted per token (no admitting token, or over the bound). */
    static final String OTHER = "";

    private record Key(String iatId, long hourStart) {
    }

    private final Database db;
    private final StatsStore store;
    private final Clock clock;
    private final int maxKeys;
    private final ConcurrentHashMap<Key, LongAdder> counters = new ConcurrentHashMap<>();
    private final LongAdder overflowed = new LongAdder();

    public TokenRequests(Database db, StatsStore store, Clock clock, int maxKeys) {
        this.db = db;
        this.store = store;
        this.clock = clock;
        this.maxKeys = maxKeys;
    }

    /** Counts one token request of a client admitted by {@code iatId} (null: none) at {@code now}. */
    public void record(String iatId, long now) {
        long hour = now - Math.floorMod(now, HOUR);
        Key k = new Key(iatId == null ? OTHER : iatId, hour);
        LongAdder a = counters.get(k);
        if (a == null) {
            if (counters.size() >= maxKeys) {
                overflowed.increment();
                k = new Key(OTHER, hour);
            }
            a = counters.computeIfAbsent(k, x -> new LongAdder());
        }
        a.increment();
    }

    /** Requests counted for the whole system only because the per-token bound was reached (since start). */
    public long overflowed() {
        return overflowed.sum();
    }

    /** Counters held now (for tests of the bound). */
    int size() {
        return counters.size();
    }

    /**
     * The counts gathered since the last call, per token and hour plus each hour's system total ({@link StatsStore#ALL}),
     * taken from the counters (which start again from zero).
     */
    SortedMap<StatsStore.HourKey, Long> take(long now) {
        long currentHour = now - Math.floorMod(now, HOUR);
        SortedMap<StatsStore.HourKey, Long> batch = new TreeMap<>();
        for (Map.Entry<Key, LongAdder> e : counters.entrySet()) {
            Key k = e.getKey();
            long n = e.getValue().sumThenReset();
            if (n == 0 && k.hourStart() < currentHour && counters.remove(k, e.getValue())) {
                n = e.getValue().sumThenReset(); // what came in between the read and the removal
            }
            if (n == 0) continue;
            batch.merge(new StatsStore.HourKey(StatsStore.ALL, k.hourStart()), n, Long::sum);
            if (!OTHER.equals(k.iatId())) batch.merge(new StatsStore.HourKey(k.iatId(), k.hourStart()), n, Long::sum);
        }
        return batch;
    }

    /** Puts counts taken by {@link #take} back (their write failed), to be written by the next flush. */
    void putBack(SortedMap<StatsStore.HourKey, Long> batch) {
        batch.forEach((k, n) -> {
            if (StatsStore.ALL.equals(k.iatId())) return; // the system total is added up again from the rest
            counters.computeIfAbsent(new Key(k.iatId(), k.hourStart()), x -> new LongAdder()).add(n);
        });
        // The part of each hour's total that was counted for the system only (OTHER) goes back as OTHER.
        Map<Long, Long> other = new TreeMap<>();
        batch.forEach((k, n) -> other.merge(k.hourStart(), StatsStore.ALL.equals(k.iatId()) ? n : -n, Long::sum));
        other.forEach((hour, n) -> {
            if (n > 0) counters.computeIfAbsent(new Key(OTHER, hour), x -> new LongAdder()).add(n);
        });
    }

    /** Adds what was counted since the last flush to token_requests_hourly; returns how many rows were written. */
    public synchronized int flush() {
        SortedMap<StatsStore.HourKey, Long> batch = take(clock.millis());
        if (batch.isEmpty()) return 0;
        try {
            db.inTransaction(h -> {
                store.addTokenRequests(h, batch);
                return null;
            });
        } catch (RuntimeException ex) {
            putBack(batch); // kept for the next flush rather than lost
            throw ex;
        }
        return batch.size();
    }
}
