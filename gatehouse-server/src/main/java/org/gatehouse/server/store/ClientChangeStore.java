package org.gatehouse.server.store;

import java.util.Collection;
import java.util.List;
import org.jdbi.v3.core.Handle;

/**
 * SQL for {@code client_changes} (V14, issue 18 Must 5): a row per change of anything a cached client record
 * holds, written by the store method that makes the change, in its transaction, so that every node learns
 * which client ids to drop from its cache ({@code tokens.ClientChangePoller}). {@code ClientChangeCoverageTest}
 * lists every store method that writes the tables a client record reads and fails on a new one.
 */
public final class ClientChangeStore {
    /** One change: a client (clientId set) or every client an initial access token admitted (iatId set). */
    public record Change(long seq, String clientId, String iatId) {
    }

    private ClientChangeStore() {
    }

    /** The client's record changed (revocation, deletion, rotation, RFC 7592 update, keys, audience). */
    static void client(Handle h, String clientId) {
        h.createUpdate("INSERT INTO client_changes (client_id, changed_at) VALUES (:id, :now)")
                .bind("id", clientId).bind("now", System.currentTimeMillis()).execute();
    }

    /** A token's joined fields changed (scope, client_cidrs, resources, revocation): every client it admitted. */
    static void token(Handle h, String iatId) {
        h.createUpdate("INSERT INTO client_changes (iat_id, changed_at) VALUES (:id, :now)")
                .bind("id", iatId).bind("now", System.currentTimeMillis()).execute();
    }

    /** The highest seq committed so far (0: none). */
    public static long last(Handle h) {
        return h.createQuery("SELECT COALESCE(MAX(seq), 0) FROM client_changes").mapTo(Long.class).one();
    }

    /**
     * The changes after {@code after} and those among {@code gaps} (seqs below it not seen committed yet), in
     * seq order, at most {@code limit}: one range read of the primary key.
     */
    public static List<Change> since(Handle h, long after, Collection<Long> gaps, int limit) {
        String where = gaps.isEmpty() ? "seq > :after" : "seq > :after OR seq IN (<gaps>)";
        var q = h.createQuery("SELECT seq, client_id, iat_id FROM client_changes WHERE " + where + " ORDER BY seq LIMIT :limit")
                .bind("after", after).bind("limit", limit);
        if (!gaps.isEmpty()) q.bindList("gaps", List.copyOf(gaps));
        return q.map((rs, ctx) -> new Change(rs.getLong("seq"), rs.getString("client_id"), rs.getString("iat_id"))).list();
    }

    /**
     * Deletes changes recorded before a time (maintenance), except the newest row: the table's highest seq is how
     * a poller tells that the database went back (a restore, a failover), so it must survive a quiet day; returns
     * how many.
     */
    public static int purgeBefore(Handle h, long before) {
        return h.createUpdate("DELETE FROM client_changes WHERE changed_at < :before AND seq < (SELECT MAX(seq) FROM client_changes)")
                .bind("before", before).execute();
    }
}
