package org.gatehouse.server.store;

import org.gatehouse.server.domain.KeyState;
import org.gatehouse.server.domain.SigningKeyRecord;

import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** SQL for signing keys. */
public final class SigningKeyStore {
    private static final RowMapper<SigningKeyRecord> MAPPER = (rs, ctx) -> new SigningKeyRecord(
            rs.getString("kid"), rs.getString("alg"), Codes.read(KeyState.values(), rs.getString("state"), "signing_keys.state"), rs.getString("public_jwk"),
            rs.getString("private_jwk_enc"), rs.getLong("created_at"), Rows.nullableLong(rs, "activated_at"),
            Rows.nullableLong(rs, "retired_at"), Rows.nullableLong(rs, "publish_until"));

    /** Serialises key management across processes: every change to keys takes this lock first. */
    public void lock(Handle h) {
        h.createQuery("SELECT setting_value FROM settings WHERE name = 'lock.signing_keys' FOR UPDATE").mapTo(String.class).one();
    }

    /** Keys still of use: the active and next keys and retired keys still published. */
    public List<SigningKeyRecord> current(Handle h, long now) {
        return h.createQuery("SELECT * FROM signing_keys WHERE state <> 'retired' OR publish_until > :now ORDER BY created_at")
                .bind("now", now).map(MAPPER).list();
    }

    public List<SigningKeyRecord> all(Handle h) {
        return h.createQuery("SELECT * FROM signing_keys ORDER BY created_at").map(MAPPER).list();
    }

    public void insert(Handle h, SigningKeyRecord k) {
        h.createUpdate("INSERT INTO signing_keys (kid, alg, state, public_jwk, private_jwk_enc, created_at, activated_at)"
                        + " VALUES (:kid, :alg, :state, :pub, :priv, :createdAt, :activatedAt)")
                .bind("kid", k.kid()).bind("alg", k.alg()).bind("state", k.state().code()).bind("pub", k.publicJwk())
                .bind("priv", k.privateJwkEnc()).bind("createdAt", k.createdAt()).bind("activatedAt", k.activatedAt())
                .execute();
    }

    public void activate(Handle h, String kid, long now) {
        h.createUpdate("UPDATE signing_keys SET state = 'active', activated_at = :now WHERE kid = :kid")
                .bind("kid", kid).bind("now", now).execute();
    }

    public void retire(Handle h, String kid, long now, long publishUntil) {
        h.createUpdate("UPDATE signing_keys SET state = 'retired', retired_at = :now, publish_until = :until WHERE kid = :kid")
                .bind("kid", kid).bind("now", now).bind("until", publishUntil).execute();
    }
}
