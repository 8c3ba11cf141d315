package org.gatehouse.server.logging;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The keys (a client, a token) a repeated warning was already logged for, so that each key's problem is logged once
 * and not once per request — and no key can hide another's: each key is remembered on its own. Bounded: an LRU of the
 * {@code capacity} keys seen most recently (a {@link LinkedHashMap} in access order); a key that many newer keys pushed
 * out is logged again at its next occurrence, which is the price of the bound (a flood of bad keys logs each again
 * after {@code capacity} others, never stops logging new ones).
 */
public final class LogOnce {
    private final LinkedHashMap<String, Boolean> seen;

    public LogOnce(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("capacity < 1");
        this.seen = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > capacity;
            }
        };
    }

    /** True when {@code key} is not among the keys remembered (log it now), false for a repeat; remembers it either way. */
    public synchronized boolean first(String key) {
        return seen.put(key, Boolean.TRUE) == null;
    }

    /** Keys remembered, at most the capacity. */
    public synchronized int size() {
        return seen.size();
    }
}
