package org.gatehouse.server.store;

import org.gatehouse.server.domain.ApiTokenRecord;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** SQL for API tokens (the admin JSON API's credentials). */
public final class ApiTokenStore {
    private static final String COLUMNS = "id, account_id, label, scopes, created_at, expires_at, last_used_at, revoked_at, revoked_by";
    private static final RowMapper<ApiTokenRecord> MAPPER = (rs, ctx) -> new ApiTokenRecord(rs.getString("id"), rs.getString("account_id"),
            rs.getString("label"), Rows.words(rs.getString("scopes")), rs.getLong("created_at"), rs.getLong("expires_at"),
            Rows.nullableLong(rs, "last_used_at"), Rows.nullableLong(rs, "revoked_at"), rs.getString("revoked_by"));

    public void insert(Handle h, ApiTokenRecord r, String tokenHash) {
        h.createUpdate("INSERT INTO api_tokens (" + COLUMNS + ", token_hash) VALUES (:id, :account, :label, :scopes, :created,"
                        + " :expires, NULL, NULL, NULL, :hash)")
                .bind("id", r.id()).bind("account", r.accountId()).bind("label", r.label()).bind("scopes", Rows.joined(r.scopes()))
                .bind("created", r.createdAt()).bind("expires", r.expiresAt()).bind("hash", tokenHash)
                .execute();
    }

    public Optional<ApiTokenRecord> findByHash(Handle h, String tokenHash) {
        return h.createQuery("SELECT " + COLUMNS + " FROM api_tokens WHERE token_hash = :hash").bind("hash", tokenHash)
                .map(MAPPER).findOne();
    }

    public Optional<ApiTokenRecord> find(Handle h, String id) {
        return h.createQuery("SELECT " + COLUMNS + " FROM api_tokens WHERE id = :id").bind("id", id).map(MAPPER).findOne();
    }

    public List<ApiTokenRecord> listOf(Handle h, String accountId) {
        return h.createQuery("SELECT " + COLUMNS + " FROM api_tokens WHERE account_id = :account ORDER BY created_at DESC, id DESC")
                .bind("account", accountId).map(MAPPER).list();
    }

    /** The ids of an account's tokens that are not revoked (expired ones too: revoked, they stay dead). */
    public List<String> unrevokedOf(Handle h, String accountId) {
        return h.createQuery("SELECT id FROM api_tokens WHERE account_id = :account AND revoked_at IS NULL ORDER BY id")
                .bind("account", accountId).mapTo(String.class).list();
    }

    public boolean revoke(Handle h, String id, long now, String by) {
        return h.createUpdate("UPDATE api_tokens SET revoked_at = :now, revoked_by = :by WHERE id = :id AND revoked_at IS NULL")
                .bind("id", id).bind("now", now).bind("by", by).execute() == 1;
    }

    /** Records use at most once a minute per token, so reads do not turn into a write each. */
    public void used(Handle h, String id, long now) {
        h.createUpdate("UPDATE api_tokens SET last_used_at = :now WHERE id = :id AND (last_used_at IS NULL OR last_used_at < :before)")
                .bind("id", id).bind("now", now).bind("before", now - 60_000L).execute();
    }
}
