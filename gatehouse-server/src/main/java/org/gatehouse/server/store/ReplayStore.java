package org.gatehouse.server.store;

import org.jdbi.v3.core.Handle;
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

    /** Housekeeping: ids whose JWTs can no longer be accepted anyway. */
    public int purgeExpired(Handle h, long now) {
        return h.createUpdate("DELETE FROM used_jtis WHERE expires_at < :now").bind("now", now).execute();
    }
}
