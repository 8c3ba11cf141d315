package org.gatehouse.server.ratelimit;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.audit.Audit;
import org.gatehouse.server.store.Database;

/**
 * Throttles guessing: every failed authentication (a 401 for an initial access token, a client
 * secret or a registration access token) takes a permit from its client address's bucket; an
 * address whose bucket is empty gets 429 before any credential is looked at. The first refusal
 * per address and minute is audited (never one write per failed request).
 */
public final class FailureGuard {
    private static final long AUDIT_EVERY_MILLIS = 60_000;
    private final RateLimiter failures;
    private final Database db;
    private final Audit audit;
    private final Clock clock;
    private final Map<String, Long> lastAudited = new ConcurrentHashMap<>();

    public FailureGuard(RateLimiter failures, Database db, Audit audit, Clock clock) {
        this.failures = failures;
        this.db = db;
        this.audit = audit;
        this.clock = clock;
    }

    /** Seconds the address must wait, or 0 when it may try. */
    public long blockedFor(String address) {
        return failures.peek(address);
    }

    /** Records a failed authentication from the address on an endpoint. */
    public void failed(String address, String endpoint) {
        if (failures.acquire(address) > 0) {
            auditOnce(address, endpoint);
        }
    }

    /** Audits that an address was refused, at most once a minute per address. */
    public void refused(String address, String endpoint) {
        auditOnce(address, endpoint);
    }

    private void auditOnce(String address, String endpoint) {
        long now = clock.millis();
        if (lastAudited.size() > 100_000) lastAudited.clear();
        // Atomic per address: of two threads refused at once, only the one whose time is stored writes.
        boolean[] due = {false};
        lastAudited.compute(address, (a, last) -> {
            if (last != null && now - last < AUDIT_EVERY_MILLIS) return last;
            due[0] = true;
            return now;
        });
        if (!due[0]) return;
        db.inTransaction(h -> {
            audit.record(h, now, new Actor("anonymous", address), "auth.rate_limited", address, Map.of("endpoint", endpoint));
            return null;
        });
    }
}
