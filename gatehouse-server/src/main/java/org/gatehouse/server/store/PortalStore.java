package org.gatehouse.server.store;

import org.gatehouse.server.domain.TokenFilter;
import org.gatehouse.server.domain.AuditFilter;

import org.gatehouse.server.domain.AuditEvent;
import org.gatehouse.server.domain.IatRecord;

import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.Query;

/**
 * SQL behind the portal's listings. Every listing is one page of a keyset (never OFFSET), so a page
 * costs the same with a million rows as with ten.
 */
public final class PortalStore {
    /**
     * One page of tokens, newest first. Cursor: "createdAt:id" of the last row of the previous page.
     */
    public List<IatRecord> tokens(Handle h, TokenFilter f, long now, int limit, String after) {
        StringBuilder sql = matching("SELECT " + IatStore.COLUMNS, f);
        long afterAt = 0;
        String afterId = null;
        if (after != null) {
            int colon = after.indexOf(':');
            if (colon > 0) {
                try {
                    afterAt = Long.parseLong(after.substring(0, colon));
                    afterId = after.substring(colon + 1);
                } catch (NumberFormatException e) {
                    afterId = null;
                }
            }
        }
        if (afterId != null) sql.append(" AND (created_at < :afterAt OR (created_at = :afterAt AND id < :afterId))");
        sql.append(" ORDER BY created_at DESC, id DESC FETCH FIRST :limit ROWS ONLY");
        Query q = bind(h.createQuery(sql.toString()).bind("limit", limit), f, now);
        if (afterId != null) q.bind("afterAt", afterAt).bind("afterId", afterId);
        return q.map(IatStore.MAPPER).list();
    }

    /** How many tokens match, counted up to {@code cap} (a dashboard's "1000+"). */
    public int countTokens(Handle h, TokenFilter f, long now, int cap) {
        String sql = "SELECT COUNT(*) FROM (" + matching("SELECT id", f) + " FETCH FIRST :limit ROWS ONLY) c";
        return bind(h.createQuery(sql).bind("limit", cap), f, now).mapTo(Integer.class).one();
    }

    private static StringBuilder matching(String select, TokenFilter f) {
        StringBuilder sql = new StringBuilder(select + " FROM initial_access_tokens WHERE 1 = 1");
        if (f.owner() != null) sql.append(" AND owner_account = :owner");
        if (f.status() != null) {
            sql.append(switch (f.status()) {
                case REVOKED -> " AND revoked_at IS NOT NULL";
                case ACTIVE -> " AND revoked_at IS NULL AND expires_at > :now";
                case EXPIRED -> " AND revoked_at IS NULL AND expires_at <= :now";
            });
        }
        if (f.search() != null) sql.append(" AND (id = :search OR LOWER(label) LIKE :like ESCAPE '!')");
        return sql;
    }

    private static Query bind(Query q, TokenFilter f, long now) {
        if (f.owner() != null) q.bind("owner", f.owner());
        if (f.status() != null) q.bind("now", now);
        if (f.search() != null) {
            q.bind("search", f.search());
            q.bind("like", "%" + f.search().toLowerCase(java.util.Locale.ROOT).replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%");
        }
        return q;
    }

    private static final RowMapper<AuditEvent> EVENT = (rs, ctx) -> new AuditEvent(rs.getLong("id"),
            rs.getLong("occurred_at"), rs.getString("actor"), rs.getString("action"), rs.getString("subject"),
            rs.getString("remote_addr"), rs.getString("details"));

    /** One page of audit events, newest first, after an optional cursor (the id of the previous page's last row). */
    public List<AuditEvent> audit(Handle h, AuditFilter f, int limit, Long afterId) {
        StringBuilder sql = new StringBuilder("SELECT * FROM audit_events WHERE 1 = 1");
        if (f.actor() != null) sql.append(" AND actor = :actor");
        if (f.action() != null) sql.append(" AND action = :action");
        if (f.subject() != null) sql.append(" AND subject = :subject");
        if (f.from() != null) sql.append(" AND occurred_at >= :from");
        if (f.to() != null) sql.append(" AND occurred_at < :to");
        if (afterId != null) sql.append(" AND id < :after");
        sql.append(" ORDER BY id DESC FETCH FIRST :limit ROWS ONLY");
        Query q = h.createQuery(sql.toString()).bind("limit", limit);
        if (f.actor() != null) q.bind("actor", f.actor());
        if (f.action() != null) q.bind("action", f.action());
        if (f.subject() != null) q.bind("subject", f.subject());
        if (f.from() != null) q.bind("from", f.from());
        if (f.to() != null) q.bind("to", f.to());
        if (afterId != null) q.bind("after", afterId);
        return q.map(EVENT).list();
    }
}
