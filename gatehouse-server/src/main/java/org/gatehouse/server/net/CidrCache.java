package org.gatehouse.server.net;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Parsed address ranges by their stored text, so the token hot path does not re-parse them. */
public final class CidrCache {
    /** What the stored ranges say about an address. */
    public enum Verdict {
        /** No ranges set, or the address lies in one of them. */
        ALLOWED,
        /** The address lies in none of the ranges (or is not an address). */
        REFUSED,
        /** The stored text does not parse as ranges: no address is allowed (fails closed, never open). */
        UNREADABLE
    }

    private static final int MAX = 10_000;
    /** A parsed value: null ranges for stored text that does not parse (remembered too: parsed once either way). */
    private record Parsed(List<Cidr> ranges) {
    }

    private final Map<String, Parsed> cache = new ConcurrentHashMap<>();

    /** True when no ranges are set or the address lies in one of them; false for stored text that does not parse. */
    public boolean allows(String ranges, String address) {
        return check(ranges, address) == Verdict.ALLOWED;
    }

    /** The verdict on {@code address} (may be null: unknown; allowed unless ranges are set or unreadable). */
    public Verdict check(String ranges, String address) {
        if (ranges == null || ranges.isBlank()) return Verdict.ALLOWED;
        if (cache.size() > MAX) cache.clear();
        Parsed parsed = cache.computeIfAbsent(ranges, CidrCache::parse);
        if (parsed.ranges() == null) return Verdict.UNREADABLE;
        if (address == null) return Verdict.ALLOWED; // as before: no address known, no range to hold it against
        return Cidr.anyContains(parsed.ranges(), address) ? Verdict.ALLOWED : Verdict.REFUSED;
    }

    private static Parsed parse(String ranges) {
        try {
            return new Parsed(Cidr.parseList(ranges));
        } catch (IllegalArgumentException e) {
            return new Parsed(null);
        }
    }
}
