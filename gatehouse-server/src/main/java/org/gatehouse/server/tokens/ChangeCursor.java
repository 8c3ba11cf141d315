package org.gatehouse.server.tokens;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.gatehouse.server.store.ClientChangeStore.Change;

/**
 * Where a node's poll of {@code client_changes} stands, safe against late commits (issue 18 Must 5). A seq is
 * taken from the sequence when the change is written, not when its transaction commits: on PostgreSQL (and H2)
 * a transaction that commits late can hold a smaller seq than one already read. So every seq at or below
 * {@link #after()} is either seen or kept as a <em>gap</em>: a seq skipped over by a poll, asked for again by
 * every poll ({@code seq > after OR seq IN (gaps)}) until it shows up or {@code commitWait} has passed since it
 * was first skipped (a rolled-back transaction, a sequence that jumped after a restart: it never shows up). A
 * change whose transaction commits more than {@code commitWait} after it took its seq could be missed; the
 * server's transactions last milliseconds. Too many gaps at once (a sequence that jumped by thousands) and the
 * cursor gives up tracking them and says so ({@link Step#dropAll}): the caller forgets every cached client.
 * Not thread-safe: one poller owns it.
 */
final class ChangeCursor {
    /** What one poll's rows mean: changes to apply, or (dropAll) forget everything. */
    record Step(List<Change> changes, boolean dropAll) {
    }

    private final long commitWaitNanos;
    private final int maxGaps;
    private long after;
    private final TreeMap<Long, Long> gaps = new TreeMap<>(); // seq -> when first skipped (nanos)

    ChangeCursor(long start, long commitWaitNanos, int maxGaps) {
        this.after = start;
        this.commitWaitNanos = commitWaitNanos;
        this.maxGaps = maxGaps;
    }

    long after() {
        return after;
    }

    /** The seqs below {@link #after()} still awaited. */
    Set<Long> gaps() {
        return gaps.keySet();
    }

    /** Takes one poll's rows (in seq order, as {@code ClientChangeStore.since} returns them), read at {@code now}. */
    Step accept(List<Change> rows, long now) {
        List<Change> apply = new ArrayList<>();
        boolean dropAll = false;
        for (Change c : rows) {
            long seq = c.seq();
            if (gaps.remove(seq) != null) {
                apply.add(c); // committed late: the case this class exists for
            } else if (seq > after) {
                long skipped = seq - after - 1;
                if (skipped > 0) {
                    if (gaps.size() + skipped > maxGaps) {
                        gaps.clear();
                        dropAll = true;
                    } else {
                        for (long s = after + 1; s < seq; s++) gaps.put(s, now);
                    }
                }
                after = seq;
                apply.add(c);
            } // else: below the cursor and not awaited: seen before (a repeated row), nothing to do
        }
        for (Iterator<Map.Entry<Long, Long>> it = gaps.entrySet().iterator(); it.hasNext(); ) {
            if (now - it.next().getValue() >= commitWaitNanos) it.remove();
        }
        return new Step(apply, dropAll);
    }
}
