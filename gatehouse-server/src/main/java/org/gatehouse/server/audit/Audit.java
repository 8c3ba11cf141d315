package org.gatehouse.server.audit;

import java.util.Map;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.store.AuditStore;
import org.jdbi.v3.core.Handle;

/** Writes audit events. Always called with the handle of the transaction that makes the change. */
public final class Audit {
    private final AuditStore store;

    public Audit(AuditStore store) {
        this.store = store;
    }

    public void record(Handle h, long now, Actor actor, String action, String subject, Map<String, ?> details) {
        String json = details == null || details.isEmpty() ? null : Json.write(details);
        store.insert(h, now, actor.name(), action, subject, actor.remoteAddr(), json);
    }
}
