package org.gatehouse.server.audit;

import org.gatehouse.server.domain.AuditEvent;
import org.gatehouse.server.domain.AuditFilter;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.store.AuditStore;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.store.PortalStore;

/** The audit log for other systems: every event in a time range, oldest first, in the admin API's JSON shape. */
public final class AuditExport {
    private static final int PAGE = 1000;

    private final Database db;
    private final AuditStore store;
    private final PortalStore listing = new PortalStore();

    public AuditExport(Database db, AuditStore store) {
        this.db = db;
        this.store = store;
    }

    /** Hands each event from since (inclusive) to until (exclusive) to the sink, a page per short read; returns the count. */
    public long export(Instant since, Instant until, Consumer<Map<String, Object>> sink) {
        if (!since.isBefore(until)) return 0;
        long after = 0;
        long count = 0;
        while (true) {
            long last = after;
            List<AuditEvent> page = db.withHandle(h -> store.range(h, since.toEpochMilli(), until.toEpochMilli(), last, PAGE));
            for (AuditEvent e : page) {
                sink.accept(json(e));
                count++;
            }
            if (page.size() < PAGE) return count;
            after = page.get(page.size() - 1).id();
        }
    }

    /** One page of audit events, newest first, after an optional cursor (the id of the previous page's last event). */
    public List<AuditEvent> page(AuditFilter filter, int limit, Long afterId) {
        return db.withHandle(h -> listing.audit(h, filter, limit, afterId));
    }

    /** One event as the admin API's GET /api/v1/audit shows it. */
    public static Map<String, Object> json(AuditEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("at", Instant.ofEpochMilli(e.at()).toString());
        m.put("actor", e.actor());
        m.put("action", e.action());
        if (e.subject() != null) m.put("subject", e.subject());
        if (e.remoteAddr() != null) m.put("remote_addr", e.remoteAddr());
        if (e.details() != null) {
            try {
                m.put("details", Json.parseObject(e.details()));
            } catch (Json.JsonException ex) {
                m.put("details", Map.of("text", e.details()));
            }
        }
        return m;
    }
}
