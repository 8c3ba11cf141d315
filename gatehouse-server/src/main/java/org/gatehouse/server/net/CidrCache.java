package org.gatehouse.server.net;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Parsed address ranges by their stored text, so the token hot path does not re-parse them. */
public final class CidrCache {
    private static final int MAX = 10_000;
    private final Map<String, List<Cidr>> cache = new ConcurrentHashMap<>();

    /** True when no ranges are set or the address lies in one of them. */
    public boolean allows(String ranges, String address) {
        if (ranges == null || ranges.isBlank()) return true;
        if (cache.size() > MAX) cache.clear();
        List<Cidr> parsed = cache.computeIfAbsent(ranges, Cidr::parseList);
        return Cidr.anyContains(parsed, address);
    }
}
