package org.gatehouse.server.store;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * SQL for one-time JWT ids (client assertions, RFC 7523 §3 item 7; DPoP proofs, RFC 9449 §11.1), in the
 * database every node shares, so that a JWT used on one node is refused on all of them.
 */
public final class ReplayStore {
    private final boolean postgres;

    public ReplayStore(boolean postgres) {
        this.postgres = postgres;
    }

    /**
     * Records a use; true when this is the first, false when the id was used before (also when a
     * concurrent request on any node just recorded it: the primary key decides). One statement.
     */
    public boolean firstUse(Handle h, String id, long expiresAt) {
        String sql = postgres
                ? "INSERT INTO used_jtis (id, expires_at) VALUES (:id, :exp) ON CONFLICT (id) DO NOTHING"
                : "INSERT INTO used_jtis (id, expires_at) SELECT :id, :exp WHERE NOT EXISTS (SELECT 1 FROM used_jtis WHERE id = :id)";
        try {
            return h.createUpdate(sql).bind("id", id).bind("exp", expiresAt).execute() == 1;
        } catch (UnableToExecuteStatementException e) {
            if (!postgres && Sql.isUniqueViolation(e)) return false; // H2: a concurrent insert of the same id won
            throw e;
        }
    }

    /**
     * Writes ids already decided elsewhere (the in-memory set of a process that owns the database): one batch,
     * ids already there are left as they are.
     */
    public void saveAll(Handle h, List<Map.Entry<String, Long>> rows) {
        String sql = postgres
                ? "INSERT INTO used_jtis (id, expires_at) VALUES (:id, :exp) ON CONFLICT (id) DO NOTHING"
                : "MERGE INTO used_jtis (id, expires_at) KEY (id) VALUES (:id, :exp)";
        PreparedBatch batch = h.prepareBatch(sql);
        for (Map.Entry<String, Long> r : rows) batch.bind("id", r.getKey()).bind("exp", r.getValue()).add();
        batch.execute();
    }

    /** The ids whose JWTs may still be accepted (expiry after now), with their expiry. */
    public Map<String, Long> live(Handle h, long now) {
        Map<String, Long> out = new HashMap<>();
        h.createQuery("SELECT id, expires_at FROM used_jtis WHERE expires_at > :now").bind("now", now)
                .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2)))
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /**
     * How long after its expiry an id is still kept. Nodes' clocks differ: a node whose clock runs fast must not
     * delete an id that another node, with a slower clock, still accepts the JWT for (and so relies on the row
     * to refuse a replay). A few minutes covers any sane skew; the rows are small.
     */
    public static final long PURGE_MARGIN_MILLIS = 5 * 60_000L;

    /** Housekeeping: ids whose JWTs can no longer be accepted on any node ({@link #PURGE_MARGIN_MILLIS} past expiry). */
    public int purgeExpired(Handle h, long now) {
        return h.createUpdate("DELETE FROM used_jtis WHERE expires_at < :before").bind("before", now - PURGE_MARGIN_MILLIS).execute();
    }
}
