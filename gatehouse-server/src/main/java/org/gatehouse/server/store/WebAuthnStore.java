package org.gatehouse.server.store;

import org.gatehouse.server.domain.SecurityKeyRecord;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** SQL for WebAuthn credentials (security keys, passkeys) and their ceremony challenges. */
public final class WebAuthnStore {
    private static final RowMapper<SecurityKeyRecord> CREDENTIAL = (rs, ctx) -> new SecurityKeyRecord(rs.getString("id"),
            rs.getString("account_id"), rs.getString("credential_id"), rs.getString("public_key_cose"), rs.getString("aaguid"),
            rs.getLong("sign_count"), rs.getString("transports"), rs.getString("label"), rs.getLong("created_at"),
            Rows.nullableLong(rs, "last_used_at"));

    public void insert(Handle h, SecurityKeyRecord c) {
        h.createUpdate("INSERT INTO webauthn_credentials (id, account_id, credential_id, public_key_cose, aaguid, sign_count,"
                        + " transports, label, created_at) VALUES (:id, :acc, :cid, :pk, :aaguid, :count, :tr, :label, :at)")
                .bind("id", c.id()).bind("acc", c.accountId()).bind("cid", c.credentialId()).bind("pk", c.publicKeyCose())
                .bind("aaguid", c.aaguid()).bind("count", c.signCount()).bind("tr", c.transports()).bind("label", c.label())
                .bind("at", c.createdAt())
                .execute();
    }

    public List<SecurityKeyRecord> ofAccount(Handle h, String accountId) {
        return h.createQuery("SELECT * FROM webauthn_credentials WHERE account_id = :acc ORDER BY created_at, id")
                .bind("acc", accountId).map(CREDENTIAL).list();
    }

    public int countOf(Handle h, String accountId) {
        return h.createQuery("SELECT COUNT(*) FROM webauthn_credentials WHERE account_id = :acc").bind("acc", accountId)
                .mapTo(Integer.class).one();
    }

    /** A credential by its WebAuthn id, only if it belongs to the given account. */
    public Optional<SecurityKeyRecord> find(Handle h, String accountId, String credentialId) {
        return h.createQuery("SELECT * FROM webauthn_credentials WHERE credential_id = :cid AND account_id = :acc")
                .bind("cid", credentialId).bind("acc", accountId).map(CREDENTIAL).findOne();
    }

    public boolean exists(Handle h, String credentialId) {
        return h.createQuery("SELECT COUNT(*) FROM webauthn_credentials WHERE credential_id = :cid").bind("cid", credentialId)
                .mapTo(Integer.class).one() > 0;
    }

    /**
     * Records a use, atomically refusing a counter that did not grow (WebAuthn §6.1.1): both zero means
     * an authenticator without a counter; anything else must be strictly greater than the stored value.
     */
    public boolean used(Handle h, String id, long signCount, long now) {
        return h.createUpdate("UPDATE webauthn_credentials SET sign_count = :count, last_used_at = :now WHERE id = :id"
                        + " AND (sign_count < :count OR (sign_count = 0 AND :count = 0))")
                .bind("id", id).bind("count", signCount).bind("now", now).execute() == 1;
    }

    public boolean delete(Handle h, String accountId, String id) {
        return h.createUpdate("DELETE FROM webauthn_credentials WHERE id = :id AND account_id = :acc")
                .bind("id", id).bind("acc", accountId).execute() == 1;
    }

    // --- challenges

    public void putChallenge(Handle h, String sessionHash, String purpose, String challenge, long expiresAt) {
        h.createUpdate("DELETE FROM webauthn_challenges WHERE session_hash = :s AND purpose = :p")
                .bind("s", sessionHash).bind("p", purpose).execute();
        h.createUpdate("INSERT INTO webauthn_challenges (session_hash, purpose, challenge, expires_at) VALUES (:s, :p, :c, :e)")
                .bind("s", sessionHash).bind("p", purpose).bind("c", challenge).bind("e", expiresAt).execute();
    }

    /** Takes a challenge: it is deleted; the value is returned only to the caller whose delete removed it and only if unexpired. */
    public Optional<String> takeChallenge(Handle h, String sessionHash, String purpose, long now) {
        Optional<Challenge> c = h.createQuery("SELECT challenge, expires_at FROM webauthn_challenges WHERE session_hash = :s AND purpose = :p")
                .bind("s", sessionHash).bind("p", purpose)
                .map((rs, ctx) -> new Challenge(rs.getString("challenge"), rs.getLong("expires_at"))).findOne();
        if (c.isEmpty()) return Optional.empty();
        int deleted = h.createUpdate("DELETE FROM webauthn_challenges WHERE session_hash = :s AND purpose = :p AND challenge = :c")
                .bind("s", sessionHash).bind("p", purpose).bind("c", c.get().value()).execute();
        if (deleted != 1 || c.get().expiresAt() <= now) return Optional.empty();
        return Optional.of(c.get().value());
    }

    private record Challenge(String value, long expiresAt) {
    }
}
