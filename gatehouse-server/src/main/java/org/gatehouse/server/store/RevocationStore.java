package org.gatehouse.server.store;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/** SQL for the list of revoked access tokens (kept until the tokens expire). */
public final class RevocationStore {
    private final boolean postgres;

    public RevocationStore(boolean postgres) {
        this.postgres = postgres;
    }

    /** Adds a jti; returns false when it was already revoked (also when a concurrent request just did). */
    public boolean insert(Handle h, String jti, String clientId, long expiresAt, long now) {
        String sql = postgres
                ? "INSERT INTO revoked_tokens (jti, client_id, expires_at, revoked_at) VALUES (:jti, :clientId, :exp, :now)"
                        + " ON CONFLICT (jti) DO NOTHING"
                : "INSERT INTO revoked_tokens (jti, client_id, expires_at, revoked_at)"
                        + " SELECT :jti, :clientId, :exp, :now WHERE NOT EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = :jti)";
        try {
            return h.createUpdate(sql).bind("jti", jti).bind("clientId", clientId).bind("exp", expiresAt).bind("now", now)
                    .execute() == 1;
        } catch (UnableToExecuteStatementException e) {
            // H2: a concurrent insert of the same jti won; the statement failed alone, the transaction goes on.
            if (!postgres && Sql.isUniqueViolation(e)) {
                return false;
            }
            throw e;
        }
    }

    public boolean isRevoked(Handle h, String jti) {
        return h.createQuery("SELECT 1 FROM revoked_tokens WHERE jti = :jti").bind("jti", jti)
                .mapTo(Integer.class).findOne().isPresent();
    }

    public int purgeExpired(Handle h, long now) {
        return h.createUpdate("DELETE FROM revoked_tokens WHERE expires_at < :now").bind("now", now).execute();
    }
}
