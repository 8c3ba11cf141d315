package org.gatehouse.server.store;

import org.gatehouse.server.domain.InstallationFilter;
import org.gatehouse.server.domain.AccountRecord;
import org.gatehouse.server.domain.AccountRole;

import org.gatehouse.server.domain.InstallationRecord;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Query;

/** SQL for installations. */
public final class InstallationStore {
    private static final String SELECT = "SELECT n.*, (SELECT COUNT(*) FROM clients c WHERE c.installation_ref = n.id"
            + " AND c.revoked_at IS NULL AND c.deleted_at IS NULL) AS active_clients FROM installations n";

    private static final RowMapper<InstallationRecord> MAPPER = (rs, ctx) -> InstallationRecord.builder()
            .id(rs.getString("id"))
            .ownerAccount(rs.getString("owner_account"))
            .installationId(rs.getString("installation_id"))
            .firstIatId(rs.getString("first_iat_id"))
            .lastIatId(rs.getString("last_iat_id"))
            .softwareId(rs.getString("software_id"))
            .softwareVersion(rs.getString("software_version"))
            .clientName(rs.getString("client_name"))
            .registrations(rs.getInt("registrations"))
            .createdAt(rs.getLong("created_at"))
            .lastRegisteredAt(rs.getLong("last_registered_at"))
            .lastSeenAt(Rows.nullableLong(rs, "last_seen_at"))
            .tokenCount(rs.getLong("token_count"))
            .staleAt(Rows.nullableLong(rs, "stale_at"))
            .flaggedAt(Rows.nullableLong(rs, "flagged_at"))
            .flagReason(rs.getString("flag_reason"))
            .revokedAt(Rows.nullableLong(rs, "revoked_at"))
            .revokedBy(rs.getString("revoked_by"))
            .revokedReason(rs.getString("revoked_reason"))
            .activeClients(rs.getInt("active_clients")).build();

    /** Locks the installation of an account with this installation id, if it exists. */
    public Optional<InstallationRecord> findForUpdate(Handle h, String owner, String installationId) {
        Optional<String> id = h.createQuery("SELECT id FROM installations WHERE owner_account = :owner"
                        + " AND installation_id = :iid FOR UPDATE")
                .bind("owner", owner).bind("iid", installationId).mapTo(String.class).findOne();
        return id.flatMap(i -> find(h, i));
    }

    public Optional<InstallationRecord> find(Handle h, String id) {
        return h.createQuery(SELECT + " WHERE n.id = :id").bind("id", id).map(MAPPER).findOne();
    }

    /** By our id (inst_…) or by the installation id the client sent. */
    /** An account's e-mail address, for showing an owner by name; empty for "operator" or an unknown id. */
    public Optional<String> accountEmail(Handle h, String accountId) {
        return h.createQuery("SELECT email FROM accounts WHERE id = :id").bind("id", accountId).mapTo(String.class).findOne();
    }

    /** An initial access token's label, for showing it by name. */
    public Optional<String> tokenLabel(Handle h, String iatId) {
        return h.createQuery("SELECT label FROM initial_access_tokens WHERE id = :id").bind("id", iatId).mapTo(String.class).findOne();
    }

    public List<InstallationRecord> findByEitherId(Handle h, String id) {
        List<InstallationRecord> byRef = h.createQuery(SELECT + " WHERE n.id = :id").bind("id", id).map(MAPPER).list();
        if (!byRef.isEmpty()) return byRef;
        return h.createQuery(SELECT + " WHERE n.installation_id = :id ORDER BY n.created_at").bind("id", id).map(MAPPER).list();
    }

    /** A new installation, as the record says (its first registration counted by the caller). */
    public void insert(Handle h, InstallationRecord r) {
        h.createUpdate("INSERT INTO installations (id, owner_account, installation_id, first_iat_id, last_iat_id, software_id,"
                        + " software_version, client_name, registrations, created_at, last_registered_at)"
                        + " VALUES (:id, :owner, :iid, :first, :last, :sid, :sver, :name, :regs, :created, :registered)")
                .bind("id", r.id()).bind("owner", r.ownerAccount()).bind("iid", r.installationId())
                .bind("first", r.firstIatId()).bind("last", r.lastIatId()).bind("sid", r.softwareId())
                .bind("sver", r.softwareVersion()).bind("name", r.clientName()).bind("regs", r.registrations())
                .bind("created", r.createdAt()).bind("registered", r.lastRegisteredAt())
                .execute();
    }

    /** A new registration of the installation: count it and remember what it registered with. */
    public void registered(Handle h, String id, String iatId, String softwareId, String softwareVersion, String clientName, long now) {
        h.createUpdate("UPDATE installations SET registrations = registrations + 1, last_iat_id = :iat, software_id = :sid,"
                        + " software_version = :sver, client_name = :name, last_registered_at = :now, stale_at = NULL,"
                        + " revoked_at = NULL, revoked_by = NULL, revoked_reason = NULL WHERE id = :id")
                .bind("id", id).bind("iat", iatId).bind("sid", softwareId).bind("sver", softwareVersion)
                .bind("name", clientName).bind("now", now)
                .execute();
    }

    /** Registrations of the installation since a time (its credentials' creation times). */
    public int registrationsSince(Handle h, String id, long since) {
        return h.createQuery("SELECT COUNT(*) FROM clients WHERE installation_ref = :id AND created_at >= :since")
                .bind("id", id).bind("since", since).mapTo(Integer.class).one();
    }

    public boolean flag(Handle h, String id, long now, String reason) {
        return h.createUpdate("UPDATE installations SET flagged_at = :now, flag_reason = :reason WHERE id = :id AND flagged_at IS NULL")
                .bind("id", id).bind("now", now).bind("reason", reason).execute() == 1;
    }

    public boolean revoke(Handle h, String id, long now, String by, String reason) {
        return h.createUpdate("UPDATE installations SET revoked_at = :now, revoked_by = :by, revoked_reason = :reason"
                        + " WHERE id = :id AND revoked_at IS NULL")
                .bind("id", id).bind("now", now).bind("by", by).bind("reason", reason).execute() == 1;
    }

    /**
     * Whether the installation's revocation was made by an administrator: the operator's CLI on the
     * server's host ({@code cli:…}), or an account (portal {@code account:…}, API {@code api:…}) whose role is admin.
     */
    public boolean revokedByAdmin(Handle h, String id) {
        return h.createQuery("SELECT COUNT(*) FROM installations n LEFT JOIN accounts a"
                        + " ON n.revoked_by = 'account:' || a.email OR n.revoked_by = 'api:' || a.email"
                        + " WHERE n.id = :id AND n.revoked_at IS NOT NULL AND (n.revoked_by LIKE 'cli:%' OR a.role = :admin)")
                .bind("id", id).bind("admin", AccountRole.ADMIN.code()).mapTo(Integer.class).one() > 0;
    }

    /** Lifts a revocation: the installation may register again (its old credentials stay revoked). */
    public boolean restore(Handle h, String id) {
        return h.createUpdate("UPDATE installations SET revoked_at = NULL, revoked_by = NULL, revoked_reason = NULL"
                        + " WHERE id = :id AND revoked_at IS NOT NULL")
                .bind("id", id).execute() == 1;
    }

    /** Installations that hold (or held) credentials admitted by a token and are not revoked yet. */
    public List<String> activeAdmittedBy(Handle h, String iatId) {
        return h.createQuery("SELECT DISTINCT n.id FROM installations n JOIN clients c ON c.installation_ref = n.id"
                        + " WHERE c.iat_id = :iat AND n.revoked_at IS NULL")
                .bind("iat", iatId).mapTo(String.class).list();
    }

    /** Last-seen times and token counts gathered in memory, written in one batch. */
    public void recordActivity(Handle h, Map<String, long[]> activity) {
        if (activity.isEmpty()) return;
        PreparedBatch batch = h.prepareBatch("UPDATE installations SET last_seen_at = CASE WHEN last_seen_at IS NULL"
                + " OR last_seen_at < :seen THEN :seen ELSE last_seen_at END, token_count = token_count + :n, stale_at = NULL"
                + " WHERE id = :id");
        activity.forEach((id, v) -> batch.bind("id", id).bind("seen", v[0]).bind("n", v[1]).add());
        batch.execute();
    }

    /**
     * One page, newest first (by creation time, then id: ids are random), after an optional cursor
     * (the id of the last row of the previous page; an id that names no installation gives an empty page).
     * The page's ids are chosen first (filter, order, limit: served by the indexes of V11), and only those
     * rows are then read in full, so the per-row credential count never runs over the whole table.
     */
    public List<InstallationRecord> list(Handle h, InstallationFilter f, int limit, String after) {
        StringBuilder page = matching(f);
        if (after != null) {
            // A row comparison: PostgreSQL and H2 start the index scan at the cursor (an OR of the two cases walked
            // the index from the newest row and filtered, a cost growing with the page's depth).
            page.append(" AND (n.created_at, n.id) < ((SELECT a.created_at FROM installations a WHERE a.id = :after), :after)");
        }
        page.append(" ORDER BY n.created_at DESC, n.id DESC FETCH FIRST :limit ROWS ONLY"); // a LIMIT the planner sees
        String sql = SELECT + " JOIN (" + page + ") p ON p.id = n.id ORDER BY n.created_at DESC, n.id DESC";
        Query q = bind(h.createQuery(sql).bind("limit", limit), f);
        if (after != null) q.bind("after", after);
        return q.map(MAPPER).list();
    }

    /** How many installations match, counted up to {@code cap} (a dashboard's "1000+"): ids only, no rows read in full. */
    public int count(Handle h, InstallationFilter f, int cap) {
        String sql = "SELECT COUNT(*) FROM (" + matching(f) + " FETCH FIRST :limit ROWS ONLY) c";
        return bind(h.createQuery(sql).bind("limit", cap), f).mapTo(Integer.class).one();
    }

    /** The ids that match a filter (its parameters bound by {@link #bind}). */
    private static StringBuilder matching(InstallationFilter f) {
        StringBuilder page = new StringBuilder("SELECT n.id FROM installations n WHERE 1 = 1");
        if (f.iatId() != null) page.append(" AND n.last_iat_id = :iat");
        if (f.owner() != null) page.append(" AND n.owner_account = :owner");
        if (f.status() == InstallationFilter.Status.REVOKED) page.append(" AND n.revoked_at IS NOT NULL");
        if (f.status() == InstallationFilter.Status.ACTIVE) page.append(" AND n.revoked_at IS NULL");
        if (Boolean.TRUE.equals(f.stale())) page.append(" AND n.stale_at IS NOT NULL AND n.revoked_at IS NULL");
        if (Boolean.FALSE.equals(f.stale())) page.append(" AND n.stale_at IS NULL");
        if (Boolean.TRUE.equals(f.flagged())) page.append(" AND n.flagged_at IS NOT NULL");
        if (Boolean.FALSE.equals(f.flagged())) page.append(" AND n.flagged_at IS NULL");
        return page;
    }

    private static Query bind(Query q, InstallationFilter f) {
        if (f.iatId() != null) q.bind("iat", f.iatId());
        if (f.owner() != null) q.bind("owner", f.owner());
        return q;
    }

    public long count(Handle h) {
        return h.createQuery("SELECT COUNT(*) FROM installations").mapTo(Long.class).one();
    }

    /**
     * What the clean-up needs of one installation: when it was last seen (else registered), and since when it
     * is stale and revoked (null: not).
     */
    public record Scanned(String id, long seenAt, Long staleAt, Long revokedAt) {
    }

    /** The next batch of installations after a cursor (their id order), for jobs that walk every installation. */
    public List<Scanned> scan(Handle h, String after, int batch) {
        return h.createQuery("SELECT id, COALESCE(last_seen_at, last_registered_at) AS seen, stale_at, revoked_at"
                        + " FROM installations WHERE id > :after ORDER BY id FETCH FIRST :batch ROWS ONLY")
                .bind("after", after == null ? "" : after).bind("batch", batch)
                .map((rs, ctx) -> new Scanned(rs.getString("id"), rs.getLong("seen"), Rows.nullableLong(rs, "stale_at"),
                        Rows.nullableLong(rs, "revoked_at")))
                .list();
    }

    public int markStale(Handle h, List<String> ids, long now) {
        if (ids.isEmpty()) return 0;
        return h.createUpdate("UPDATE installations SET stale_at = :now WHERE id IN (<ids>) AND stale_at IS NULL AND revoked_at IS NULL")
                .bindList("ids", ids).bind("now", now).execute();
    }
}
