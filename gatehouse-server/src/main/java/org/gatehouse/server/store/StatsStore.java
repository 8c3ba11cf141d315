package org.gatehouse.server.store;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.gatehouse.server.domain.IatRecord;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Query;

/**
 * SQL behind the portal's pictures (issue 14): registrations and token requests per day, installations by
 * status, tokens close to expiry or to their registration limit. {@code owner} null: the whole system.
 */
public final class StatsStore {
    /** The token_requests_hourly row of the whole system. */
    public static final String ALL = "*";
    private static final long DAY = 86_400_000L;
    private final boolean postgres;

    public StatsStore(boolean postgres) {
        this.postgres = postgres;
    }

    /** One hour's count for one token (or {@link #ALL}). */
    public record HourKey(String iatId, long hourStart) implements Comparable<HourKey> {
        @Override
        public int compareTo(HourKey o) {
            int c = iatId.compareTo(o.iatId);
            return c != 0 ? c : Long.compare(hourStart, o.hourStart);
        }
    }

    /**
     * Adds counts to their hours: an upsert that adds (PostgreSQL INSERT … ON CONFLICT DO UPDATE, H2 MERGE), so
     * nodes flushing the same hour sum up. The caller passes the keys in order, so that nodes flushing at the same
     * time lock the same rows in the same order (no deadlock).
     */
    public void addTokenRequests(Handle h, SortedMap<HourKey, Long> counts) {
        if (counts.isEmpty()) return;
        String sql = postgres
                ? "INSERT INTO token_requests_hourly (iat_id, hour_start, requests) VALUES (:iat, :hour, :n)"
                        + " ON CONFLICT (iat_id, hour_start) DO UPDATE SET requests = token_requests_hourly.requests + EXCLUDED.requests"
                : "MERGE INTO token_requests_hourly t USING (VALUES (CAST(:iat AS VARCHAR(40)), CAST(:hour AS BIGINT), CAST(:n AS BIGINT)))"
                        + " AS s (iat_id, hour_start, requests) ON t.iat_id = s.iat_id AND t.hour_start = s.hour_start"
                        + " WHEN MATCHED THEN UPDATE SET requests = t.requests + s.requests"
                        + " WHEN NOT MATCHED THEN INSERT (iat_id, hour_start, requests) VALUES (s.iat_id, s.hour_start, s.requests)";
        PreparedBatch batch = h.prepareBatch(sql);
        counts.forEach((k, n) -> batch.bind("iat", k.iatId()).bind("hour", k.hourStart()).bind("n", n).add());
        batch.execute();
    }

    /** Retention: hours that started before {@code before}. */
    public int purgeTokenRequestsBefore(Handle h, long before) {
        return h.createUpdate("DELETE FROM token_requests_hourly WHERE hour_start < :before").bind("before", before).execute();
    }

    /** Token requests per UTC day (days since the epoch → count) in [from, to), of one token. */
    public Map<Long, Long> tokenRequestsPerDay(Handle h, String iatId, long from, long to) {
        return perDay(h.createQuery(days("SELECT hour_start / " + DAY + " AS d, requests AS n FROM token_requests_hourly WHERE iat_id = :iat"
                + " AND hour_start >= :from AND hour_start < :to")).bind("iat", iatId).bind("from", from).bind("to", to));
    }

    /** Token requests per UTC day in [from, to) of an account's tokens, or of the whole system (owner null). */
    public Map<Long, Long> tokenRequestsPerDayOf(Handle h, String owner, long from, long to) {
        if (owner == null) return tokenRequestsPerDay(h, ALL, from, to);
        return perDay(h.createQuery(days("SELECT hour_start / " + DAY + " AS d, requests AS n FROM token_requests_hourly WHERE iat_id IN"
                        + " (SELECT id FROM initial_access_tokens WHERE owner_account = :owner) AND hour_start >= :from AND hour_start < :to"))
                .bind("owner", owner).bind("from", from).bind("to", to));
    }

    /** Sums an inner query's (d = day since the epoch, n) rows per day in the database: one row per day comes back. */
    private static String days(String inner) {
        return "SELECT d, SUM(n) FROM (" + inner + ") x GROUP BY d";
    }

    private static Map<Long, Long> perDay(Query q) {
        Map<Long, Long> days = new HashMap<>();
        q.map((rs, ctx) -> new long[] {rs.getLong(1), rs.getLong(2)}).forEach(r -> days.merge(r[0], r[1], Long::sum));
        return days;
    }

    /** Registrations (new client credentials) per UTC day in [from, to) that one token admitted. */
    public Map<Long, Long> registrationsPerDay(Handle h, String iatId, long from, long to) {
        return perDay(h.createQuery(days("SELECT created_at / " + DAY + " AS d, 1 AS n FROM clients WHERE iat_id = :iat"
                        + " AND created_at >= :from AND created_at < :to"))
                .bind("iat", iatId).bind("from", from).bind("to", to));
    }

    /**
     * Registrations per UTC day in [from, to) admitted by an account's tokens, or by any token (owner null). Only
     * tokens that could admit anything in the window are visited (not expired or revoked before it), each through
     * the clients_iat_created index, so the whole clients table is never scanned.
     */
    public Map<Long, Long> registrationsPerDayOf(Handle h, String owner, long from, long to) {
        String sql = "SELECT c.created_at / " + DAY + " AS d, 1 AS n FROM clients c WHERE c.iat_id IN (SELECT id FROM initial_access_tokens"
                + " WHERE expires_at >= :from AND created_at < :to AND (revoked_at IS NULL OR revoked_at >= :from)"
                + (owner == null ? "" : " AND owner_account = :owner") + ") AND c.created_at >= :from AND c.created_at < :to";
        Query q = h.createQuery(days(sql)).bind("from", from).bind("to", to);
        if (owner != null) q.bind("owner", owner);
        return perDay(q);
    }

    /** How many installations an account has (owner null: all), counted up to {@code cap}: ids only, stops at the cap. */
    public int installations(Handle h, String owner, int cap) {
        String sql = "SELECT COUNT(*) FROM (SELECT id FROM installations" + (owner == null ? "" : " WHERE owner_account = :owner")
                + " FETCH FIRST :cap ROWS ONLY) c";
        Query q = h.createQuery(sql).bind("cap", cap);
        if (owner != null) q.bind("owner", owner);
        return q.mapTo(Integer.class).one();
    }

    /**
     * Installations by status, each counted once: revoked, else flagged (a possible cloned image, issue 4), else stale
     * (marked by the maintenance job: not seen for GATEHOUSE_STALE_AFTER), else active. Of an account, or all (owner null).
     */
    public Map<String, Long> installationsByStatus(Handle h, String owner) {
        String sql = "SELECT s, COUNT(*) FROM (SELECT CASE WHEN revoked_at IS NOT NULL THEN 'revoked' WHEN flagged_at IS NOT NULL"
                + " THEN 'flagged' WHEN stale_at IS NOT NULL THEN 'stale' ELSE 'active' END AS s FROM installations"
                + (owner == null ? "" : " WHERE owner_account = :owner") + ") x GROUP BY s";
        Query q = h.createQuery(sql);
        if (owner != null) q.bind("owner", owner);
        Map<String, Long> counts = new HashMap<>();
        q.map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2))).forEach(e -> counts.put(e.getKey(), e.getValue()));
        return counts;
    }

    /**
     * Tokens still usable (neither revoked nor expired) that expire before {@code soon} or have used at least
     * {@code percent} % of their registrations: soonest expiry first, at most {@code limit}.
     */
    public List<IatRecord> tokensNeedingAttention(Handle h, String owner, long now, long soon, int percent, int limit) {
        String sql = "SELECT " + IatStore.COLUMNS + " FROM initial_access_tokens WHERE revoked_at IS NULL AND expires_at > :now"
                + " AND (expires_at <= :soon OR registrations * 100 >= max_registrations * :percent)"
                + (owner == null ? "" : " AND owner_account = :owner") + " ORDER BY expires_at, id FETCH FIRST :limit ROWS ONLY";
        Query q = h.createQuery(sql).bind("now", now).bind("soon", soon).bind("percent", percent).bind("limit", limit);
        if (owner != null) q.bind("owner", owner);
        return q.map(IatStore.MAPPER).list();
    }
}
