package org.gatehouse.server.tokens;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The JWT ids used in the last minutes, in memory: a bounded, expiring set for the case where one process is
 * the only one that accepts JWTs against its database (the embedded H2 default, see {@link Replays}).
 *
 * <p>An id is kept until the JWT it names is refused anyway (its {@code until}, epoch ms), then forgotten. It is
 * never forgotten earlier: when the set is full it refuses new ids ({@link Use#OWNER_FULL}, {@link Use#FULL})
 * rather than drop live ones, so a flood can deny service but never open a replay. Two bounds: {@code maxEntries}
 * for the whole set (memory: about 100 bytes an id) and {@code maxPerOwner} for one owner (the authenticated client the JWT came with), so
 * that one client with a valid key, minting distinct jtis as fast as it can sign, fills its own share and not the
 * set. Ids loaded from the database at start have no owner and count against the whole set only.
 *
 * <p>Ids added since the last {@link #takeNew} are handed out once for writing to the database (a journal, so that
 * a restart forgets nothing written; see {@link Replays}). All methods are synchronized: one short critical
 * section per JWT (a hash lookup, a heap insert).
 */
public final class JtiSet {
    /** What {@link #firstUse} found. */
    public enum Use {
        /** Not seen before: recorded now. */
        FIRST,
        /** Seen before and not yet expired: a replay. */
        REPLAY,
        /** Not seen, but this owner's share of the set is full: refused, nothing recorded. */
        OWNER_FULL,
        /** Not seen, but the set is full: refused, nothing recorded. */
        FULL
    }

    private static final String NO_OWNER = "";

    /** One id: 256 bits (a SHA-256), the time after which it may go, and whose share it counts against. */
    private static final class Entry {
        final long a, b, c, d;
        final long until;
        final String owner;

        Entry(byte[] id, long until, String owner) {
            if (id.length != 32) throw new IllegalArgumentException("a JWT id key is 32 bytes (SHA-256)");
            this.a = word(id, 0);
            this.b = word(id, 8);
            this.c = word(id, 16);
            this.d = word(id, 24);
            this.until = until;
            this.owner = owner;
        }

        private static long word(byte[] x, int off) {
            long v = 0;
            for (int i = 0; i < 8; i++) v = (v << 8) | (x[off + i] & 0xff);
            return v;
        }

        byte[] id() {
            byte[] x = new byte[32];
            long[] w = {a, b, c, d};
            for (int k = 0; k < 4; k++) for (int i = 0; i < 8; i++) x[k * 8 + i] = (byte) (w[k] >>> (56 - 8 * i));
            return x;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e && e.a == a && e.b == b && e.c == c && e.d == d;
        }

        @Override
        public int hashCode() {
            return (int) (a ^ (a >>> 32)); // the id is a hash already
        }
    }

    /** An id to write to the database: 32 bytes and the time after which it may go. */
    public record Saved(byte[] id, long until) {
    }

    private final int maxEntries;
    private final int maxPerOwner;
    private final HashSet<Entry> entries = new HashSet<>();
    private final PriorityQueue<Entry> byExpiry = new PriorityQueue<>((x, y) -> Long.compare(x.until, y.until));
    private final Map<String, int[]> perOwner = new HashMap<>();
    private List<Entry> unsaved = new ArrayList<>();

    public JtiSet(int maxEntries, int maxPerOwner) {
        if (maxEntries < 1 || maxPerOwner < 1) throw new IllegalArgumentException("bounds must be positive");
        this.maxEntries = maxEntries;
        this.maxPerOwner = maxPerOwner;
    }

    /**
     * @param id    the JWT's key (32 bytes: SHA-256 of kind, scope and jti)
     * @param owner the authenticated client the JWT came with (its share of the set)
     * @param until epoch ms after which the JWT is refused anyway, so the id may be forgotten
     * @param now   epoch ms
     */
    public synchronized Use firstUse(byte[] id, String owner, long until, long now) {
        forgetExpired(now);
        Entry e = new Entry(id, until, owner);
        if (entries.contains(e)) return Use.REPLAY;
        if (until <= now) return Use.FIRST; // already refused by its own times: nothing to remember (callers never get here)
        int[] mine = perOwner.get(owner);
        if (mine != null && mine[0] >= maxPerOwner) return Use.OWNER_FULL;
        if (entries.size() >= maxEntries) return Use.FULL;
        add(e);
        unsaved.add(e);
        return Use.FIRST;
    }

    /** Adds an id read back from the database (used before this process started); no owner, not handed out again. */
    public synchronized void restore(byte[] id, long until, long now) {
        if (until <= now || entries.size() >= maxEntries) return;
        Entry e = new Entry(id, until, NO_OWNER);
        if (!entries.contains(e)) add(e);
    }

    private void add(Entry e) {
        entries.add(e);
        byExpiry.add(e);
        if (!e.owner.equals(NO_OWNER)) perOwner.computeIfAbsent(e.owner, o -> new int[1])[0]++;
    }

    private void forgetExpired(long now) {
        Entry oldest;
        while ((oldest = byExpiry.peek()) != null && oldest.until <= now) {
            byExpiry.poll();
            entries.remove(oldest);
            if (!oldest.owner.equals(NO_OWNER)) {
                int[] n = perOwner.get(oldest.owner);
                if (n != null && --n[0] <= 0) perOwner.remove(oldest.owner);
            }
        }
    }

    /** The ids added since the last call that are still live, once each (for the database journal). */
    public synchronized List<Saved> takeNew(long now) {
        List<Entry> taken = unsaved;
        unsaved = new ArrayList<>();
        List<Saved> out = new ArrayList<>(taken.size());
        for (Entry e : taken) if (e.until > now) out.add(new Saved(e.id(), e.until));
        return out;
    }

    /** Hands ids back after a failed write, so that the next {@link #takeNew} tries them again. */
    public synchronized void giveBack(List<Saved> notWritten) {
        for (Saved s : notWritten) unsaved.add(new Entry(s.id(), s.until(), NO_OWNER));
    }

    /** How many ids are held now (expired ones included until the next use forgets them). */
    public synchronized int size() {
        return entries.size();
    }

    /** How many ids this owner holds now. */
    public synchronized int size(String owner) {
        int[] n = perOwner.get(owner);
        return n == null ? 0 : n[0];
    }
}
