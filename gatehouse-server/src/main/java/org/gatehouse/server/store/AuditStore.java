package org.gatehouse.server.store;

import org.gatehouse.server.domain.AuditEvent;

import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** SQL for the audit log. */
public final class AuditStore {
    private static final RowMapper<AuditEvent> MAPPER = (rs, ctx) -> new AuditEvent(rs.getLong("id"), rs.getLong("occurred_at"),
            rs.getString("actor"), rs.getString("action"), rs.getString("subject"), rs.getString("remote_addr"),
            rs.getString("details"));

    public void insert(Handle h, long at, String actor, String action, String subject, String remoteAddr, String details) {
        h.createUpdate("INSERT INTO audit_events (occurred_at, actor, action, subject, remote_addr, details)"
                        + " VALUES (:at, :actor, :action, :subject, :addr, :details)")
                .bind("at", at).bind("actor", actor).bind("action", action).bind("subject", subject)
                .bind("addr", remoteAddr).bind("details", details)
                .execute();
    }

    public List<AuditEvent> recent(Handle h, int limit) {
        return h.createQuery("SELECT * FROM audit_events ORDER BY id DESC FETCH FIRST :limit ROWS ONLY").bind("limit", limit)
                .map(MAPPER).list();
    }

    /** Events from (inclusive) to until (exclusive), oldest first, after the given id: one page of an export. */
    public List<AuditEvent> range(Handle h, long from, long until, long afterId, int limit) {
        return h.createQuery("SELECT * FROM audit_events WHERE occurred_at >= :from AND occurred_at < :until AND id > :after"
                        + " ORDER BY id FETCH FIRST :limit ROWS ONLY")
                .bind("from", from).bind("until", until).bind("after", afterId).bind("limit", limit).map(MAPPER).list();
    }

    public int purgeBefore(Handle h, long cutoff) {
        return h.createUpdate("DELETE FROM audit_events WHERE occurred_at < :cutoff").bind("cutoff", cutoff).execute();
    }
}
