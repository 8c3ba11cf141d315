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
     * concurrent request on any node just recorded it: the primary key decides). One statement. The key is
     * (expires_at, id) (V13): expires_at comes from the JWT's signed claims, so a replayed JWT has the same key.
     */
    public boolean firstUse(Handle h, String id, long expiresAt) {
        String sql = postgres
                ? "INSERT INTO used_jtis (expires_at, id) VALUES (:exp, :id) ON CONFLICT (expires_at, id) DO NOTHING"
                : "INSERT INTO used_jtis (expires_at, id) VALUES (:exp, :id)"; // H2: a replay is the primary key's violation, caught below
                  // (an H2 statement that fails rolls back alone; the NOT EXISTS probe it replaces was a third of the INSERT's CPU)
        try {
            return h.createUpdate(sql).bind("id", id).bind("exp", expiresAt).execute() == 1;
        } catch (UnableToExecuteStatementException e) {
            if (!postgres && Sql.isUniqueViolation(e)) return false; // H2: the id was recorded before, or a concurrent insert of it won
            throw e;
        }
    }

    /** An id recorded and the time its JWT is refused anyway (epoch ms). */
    public record Used(String id, long expiresAt) {}

    /**
     * The ids whose JWTs may still be presented (within {@link #PURGE_MARGIN_MILLIS} of {@code expires_at}), one by one
     * as they are read: what a replay journal starts from. Returns how many.
     */
    public long live(Handle h, long now, java.util.function.Consumer<Used> each) {
        return h.createQuery("SELECT id, expires_at FROM used_jtis WHERE expires_at > :since").bind("since", now - PURGE_MARGIN_MILLIS)
                .setFetchSize(1000).map((rs, ctx) -> new Used(rs.getString(1), rs.getLong(2))).withStream(rows -> rows.mapToLong(u -> {
                    each.accept(u);
                    return 1;
                }).sum());
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
