package org.gatehouse.server.store;

import org.gatehouse.server.domain.Reregistration;

import org.gatehouse.server.domain.IatRecord;
import org.gatehouse.server.net.Cidr;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** SQL for initial access tokens. */
public final class IatStore {
    static final String COLUMNS = "id, label, scope, max_registrations, registrations, created_at, created_by,"
            + " expires_at, revoked_at, revoked_by, revoked_reason, owner_account, reregistration, software_ids, client_cidrs,"
            + " require_key_bound, require_dpop";

    static final RowMapper<IatRecord> MAPPER = (rs, ctx) -> ranges(IatRecord.builder()
            .id(rs.getString("id"))
            .label(rs.getString("label"))
            .scopes(Rows.words(rs.getString("scope")))
            .maxRegistrations(rs.getInt("max_registrations"))
            .registrations(rs.getInt("registrations"))
            .createdAt(rs.getLong("created_at"))
            .createdBy(rs.getString("created_by"))
            .expiresAt(rs.getLong("expires_at"))
            .revokedAt(Rows.nullableLong(rs, "revoked_at"))
            .revokedBy(rs.getString("revoked_by"))
            .revokedReason(rs.getString("revoked_reason"))
            .ownerAccount(rs.getString("owner_account"))
            .reregistration(Codes.read(Reregistration.values(), rs.getString("reregistration"),
                    "initial_access_tokens.reregistration"))
            .softwareIds(Rows.words(rs.getString("software_ids")))
            .requireKeyBound(rs.getBoolean("require_key_bound"))
            .requireDpop(rs.getBoolean("require_dpop")), rs.getString("client_cidrs")).build();

    /**
     * The stored ranges, parsed once here (the column's NULL or blank: any address). A value that no longer parses does
     * not fail the read — lists and pages still show the row — but is kept as text ({@code clientCidrsUnreadable}) and
     * the record admits no address: it fails closed where the ranges are used (registration, token requests).
     */
    private static IatRecord.Builder ranges(IatRecord.Builder b, String joined) {
        if (joined == null || joined.isBlank()) return b.clientCidrs(null);
        try {
            return b.clientCidrs(Cidr.parseList(joined));
        } catch (IllegalArgumentException e) {
            return b.clientCidrsUnreadable(joined);
        }
    }

    public void insert(Handle h, IatRecord r, String tokenHash) {
        h.createUpdate("INSERT INTO initial_access_tokens (" + COLUMNS + ", token_hash) VALUES"
                        + " (:id, :label, :scope, :max, 0, :createdAt, :createdBy, :expiresAt, NULL, NULL, NULL,"
                        + " :owner, :rereg, :softwareIds, :cidrs, :keyBound, :dpop, :hash)")
                .bind("id", r.id()).bind("label", r.label()).bind("scope", Rows.joined(r.scopes()))
                .bind("max", r.maxRegistrations()).bind("createdAt", r.createdAt())
                .bind("createdBy", r.createdBy()).bind("expiresAt", r.expiresAt()).bind("hash", tokenHash)
                .bind("owner", r.ownerAccount()).bind("rereg", r.reregistration().code())
                .bind("softwareIds", Rows.joined(r.softwareIds()))
                .bind("cidrs", Rows.joined(r.clientCidrs())).bind("keyBound", r.requireKeyBound()).bind("dpop", r.requireDpop())
                .execute();
    }

    public Optional<IatRecord> findByHash(Handle h, String tokenHash) {
        return h.createQuery("SELECT " + COLUMNS + " FROM initial_access_tokens WHERE token_hash = :hash")
                .bind("hash", tokenHash).map(MAPPER).findOne();
    }

    public Optional<IatRecord> findById(Handle h, String id) {
        return h.createQuery("SELECT " + COLUMNS + " FROM initial_access_tokens WHERE id = :id")
                .bind("id", id).map(MAPPER).findOne();
    }

    public List<IatRecord> list(Handle h) {
        return h.createQuery("SELECT " + COLUMNS + " FROM initial_access_tokens ORDER BY created_at, id")
                .map(MAPPER).list();
    }

    /**
     * Takes one registration from the token's allowance: one atomic conditional UPDATE, never
     * read-then-write (keycloak#27294), so the maximum holds exactly under any concurrency.
     */
    public boolean consumeOne(Handle h, String id, long now) {
        return h.createUpdate("UPDATE initial_access_tokens SET registrations = registrations + 1"
                        + " WHERE id = :id AND revoked_at IS NULL AND expires_at > :now AND registrations < max_registrations")
                .bind("id", id).bind("now", now).execute() == 1;
    }

    /** Tokens of one account that are not revoked yet (for cascading an account's disabling). */
    public List<String> activeIdsOfOwner(Handle h, String owner) {
        return h.createQuery("SELECT id FROM initial_access_tokens WHERE owner_account = :owner AND revoked_at IS NULL")
                .bind("owner", owner).mapTo(String.class).list();
    }

    /** Narrows or changes the scope; installations get at most this scope from now on. */
    public boolean updateScope(Handle h, String id, List<String> scopes) {
        ClientChangeStore.token(h, id);
        return h.createUpdate("UPDATE initial_access_tokens SET scope = :scope WHERE id = :id")
                .bind("id", id).bind("scope", Rows.joined(scopes)).execute() == 1;
    }

    public boolean revoke(Handle h, String id, long now, String by, String reason) {
        ClientChangeStore.token(h, id); // not joined into client records today; recorded so that it never has to be remembered
        return h.createUpdate("UPDATE initial_access_tokens SET revoked_at = :now, revoked_by = :by, revoked_reason = :reason"
                        + " WHERE id = :id AND revoked_at IS NULL")
                .bind("id", id).bind("now", now).bind("by", by).bind("reason", reason).execute() == 1;
    }
}
