package org.gatehouse.server.store;

import org.gatehouse.server.domain.AccountLink;
import org.gatehouse.server.domain.AccountRole;
import org.gatehouse.server.domain.AccountStatus;

import org.gatehouse.server.domain.AccountRecord;
import org.gatehouse.server.domain.SessionRecord;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** SQL for portal accounts, their recovery codes, one-time links and sessions. */
public final class AccountStore {
    private static final RowMapper<AccountRecord> ACCOUNT = (rs, ctx) -> new AccountRecord(
            rs.getString("id"), rs.getString("email"), Codes.read(AccountRole.values(), rs.getString("role"), "accounts.role"),
            Codes.read(AccountStatus.values(), rs.getString("status"), "accounts.status"),
            rs.getString("password_hash"), rs.getString("totp_seed_enc"), rs.getLong("totp_last_step"),
            rs.getLong("created_at"), rs.getString("created_by"), Rows.nullableLong(rs, "disabled_at"),
            Rows.nullableLong(rs, "last_sign_in_at"));

    private static final RowMapper<AccountLink> LINK = (rs, ctx) -> new AccountLink(rs.getString("id"), rs.getString("purpose"),
            rs.getString("email"), Codes.readOrNull(AccountRole.values(), rs.getString("role"), "account_links.role"),
            rs.getLong("created_at"), rs.getString("created_by"),
            rs.getLong("expires_at"), Rows.nullableLong(rs, "used_at"), rs.getString("account_id"));

    private static final RowMapper<SessionRecord> SESSION = (rs, ctx) -> new SessionRecord(rs.getString("id_hash"),
            rs.getString("account_id"), rs.getString("stage"), rs.getString("csrf"), rs.getString("link_id"),
            rs.getString("pending"), rs.getLong("created_at"), rs.getLong("last_seen_at"), rs.getLong("expires_at"));

    // --- accounts

    public long countAccounts(Handle h) {
        return h.createQuery("SELECT COUNT(*) FROM accounts").mapTo(Long.class).one();
    }

    public void insertAccount(Handle h, AccountRecord a) {
        h.createUpdate("INSERT INTO accounts (id, email, role, status, password_hash, totp_seed_enc, totp_last_step,"
                        + " created_at, created_by) VALUES (:id, :email, :role, :status, :pw, :seed, :step, :at, :by)")
                .bind("id", a.id()).bind("email", a.email()).bind("role", a.role().code()).bind("status", a.status().code())
                .bind("pw", a.passwordHash()).bind("seed", a.totpSeedEnc()).bind("step", a.totpLastStep())
                .bind("at", a.createdAt()).bind("by", a.createdBy())
                .execute();
    }

    public Optional<AccountRecord> findAccount(Handle h, String id) {
        return h.createQuery("SELECT * FROM accounts WHERE id = :id").bind("id", id).map(ACCOUNT).findOne();
    }

    public Optional<AccountRecord> findByEmail(Handle h, String email) {
        return h.createQuery("SELECT * FROM accounts WHERE email = :email").bind("email", email).map(ACCOUNT).findOne();
    }

    public List<AccountRecord> listAccounts(Handle h) {
        return h.createQuery("SELECT * FROM accounts ORDER BY email").map(ACCOUNT).list();
    }

    /** Replay protection: a TOTP step is accepted only if it is later than the last one used. */
    public boolean useTotpStep(Handle h, String id, long step) {
        return h.createUpdate("UPDATE accounts SET totp_last_step = :step WHERE id = :id AND totp_last_step < :step")
                .bind("id", id).bind("step", step).execute() == 1;
    }

    public void signedIn(Handle h, String id, long now) {
        h.createUpdate("UPDATE accounts SET last_sign_in_at = :now WHERE id = :id").bind("id", id).bind("now", now).execute();
    }

    public boolean disable(Handle h, String id, long now, String by) {
        return h.createUpdate("UPDATE accounts SET status = 'disabled', disabled_at = :now, disabled_by = :by"
                        + " WHERE id = :id AND status = 'active'")
                .bind("id", id).bind("now", now).bind("by", by).execute() == 1;
    }

    public boolean enable(Handle h, String id) {
        return h.createUpdate("UPDATE accounts SET status = 'active', disabled_at = NULL, disabled_by = NULL"
                        + " WHERE id = :id AND status = 'disabled'")
                .bind("id", id).execute() == 1;
    }

    public boolean setRole(Handle h, String id, AccountRole role) {
        return h.createUpdate("UPDATE accounts SET role = :role WHERE id = :id AND role <> :role")
                .bind("id", id).bind("role", role.code()).execute() == 1;
    }

    /**
     * Locks every active admin's row until the transaction ends, in id order (so that concurrent callers
     * queue instead of deadlocking). Two transactions that each take an admin away therefore run one
     * after the other, and the second one's count (a new statement, READ COMMITTED) sees the first's change.
     */
    public void lockActiveAdmins(Handle h) {
        h.createQuery("SELECT id FROM accounts WHERE role = 'admin' AND status = 'active' ORDER BY id FOR UPDATE")
                .mapTo(String.class).list();
    }

    public long countActiveAdmins(Handle h) {
        return h.createQuery("SELECT COUNT(*) FROM accounts WHERE role = 'admin' AND status = 'active'").mapTo(Long.class).one();
    }

    // --- recovery codes

    public void insertRecoveryCode(Handle h, String accountId, String codeHash, long now) {
        h.createUpdate("INSERT INTO recovery_codes (code_hash, account_id, created_at) VALUES (:hash, :acc, :now)")
                .bind("hash", codeHash).bind("acc", accountId).bind("now", now).execute();
    }

    public boolean useRecoveryCode(Handle h, String accountId, String codeHash, long now) {
        return h.createUpdate("UPDATE recovery_codes SET used_at = :now WHERE code_hash = :hash AND account_id = :acc"
                        + " AND used_at IS NULL")
                .bind("hash", codeHash).bind("acc", accountId).bind("now", now).execute() == 1;
    }

    public int unusedRecoveryCodes(Handle h, String accountId) {
        return h.createQuery("SELECT COUNT(*) FROM recovery_codes WHERE account_id = :acc AND used_at IS NULL")
                .bind("acc", accountId).mapTo(Integer.class).one();
    }

    // --- links

    public void insertLink(Handle h, AccountLink l, String tokenHash) {
        h.createUpdate("INSERT INTO account_links (id, token_hash, purpose, email, role, created_at, created_by, expires_at)"
                        + " VALUES (:id, :hash, :purpose, :email, :role, :at, :by, :exp)")
                .bind("id", l.id()).bind("hash", tokenHash).bind("purpose", l.purpose()).bind("email", l.email())
                .bind("role", Codes.write(l.role())).bind("at", l.createdAt()).bind("by", l.createdBy()).bind("exp", l.expiresAt())
                .execute();
    }

    public Optional<AccountLink> findLinkByHash(Handle h, String tokenHash) {
        return h.createQuery("SELECT * FROM account_links WHERE token_hash = :hash").bind("hash", tokenHash).map(LINK).findOne();
    }

    public Optional<AccountLink> findLink(Handle h, String id) {
        return h.createQuery("SELECT * FROM account_links WHERE id = :id").bind("id", id).map(LINK).findOne();
    }

    /** One-time: the first completion wins, atomically; an expired link is never used. */
    public boolean useLink(Handle h, String id, String accountId, long now) {
        return h.createUpdate("UPDATE account_links SET used_at = :now, account_id = :acc WHERE id = :id"
                        + " AND used_at IS NULL AND expires_at > :now")
                .bind("id", id).bind("acc", accountId).bind("now", now).execute() == 1;
    }

    /** The first admin's setup link (a bootstrap link for no particular address) still usable at {@code now}. */
    public Optional<AccountLink> openFirstAdminLink(Handle h, long now) {
        return h.createQuery("SELECT * FROM account_links WHERE purpose = 'bootstrap' AND email IS NULL AND used_at IS NULL"
                        + " AND expires_at > :now ORDER BY created_at DESC").bind("now", now).map(LINK).findFirst();
    }

    /** Ends the first admin's unused setup links when one is replaced on purpose; returns how many. */
    public int expireFirstAdminLinks(Handle h, long now) {
        return h.createUpdate("UPDATE account_links SET expires_at = :now WHERE purpose = 'bootstrap' AND email IS NULL"
                        + " AND used_at IS NULL AND expires_at > :now").bind("now", now).execute();
    }

    public boolean cancelLink(Handle h, String id, long now) {
        return h.createUpdate("UPDATE account_links SET expires_at = :now WHERE id = :id AND used_at IS NULL AND expires_at > :now")
                .bind("id", id).bind("now", now).execute() == 1;
    }

    /** The open (unused, unexpired) links created by any of the given actors. */
    public List<String> openLinksCreatedBy(Handle h, List<String> creators, long now) {
        return h.createQuery("SELECT id FROM account_links WHERE created_by IN (<creators>) AND used_at IS NULL"
                        + " AND expires_at > :now ORDER BY id")
                .bindList("creators", creators).bind("now", now).mapTo(String.class).list();
    }

    public List<AccountLink> openInvites(Handle h, long now) {
        return h.createQuery("SELECT * FROM account_links WHERE used_at IS NULL AND expires_at > :now ORDER BY created_at DESC, id DESC"
                        + " FETCH FIRST 200 ROWS ONLY")
                .bind("now", now).map(LINK).list();
    }

    // --- sessions

    public void insertSession(Handle h, SessionRecord s) {
        h.createUpdate("INSERT INTO portal_sessions (id_hash, account_id, stage, csrf, link_id, pending, created_at,"
                        + " last_seen_at, expires_at) VALUES (:id, :acc, :stage, :csrf, :link, :pending, :at, :seen, :exp)")
                .bind("id", s.idHash()).bind("acc", s.accountId()).bind("stage", s.stage()).bind("csrf", s.csrf())
                .bind("link", s.linkId()).bind("pending", s.pending()).bind("at", s.createdAt())
                .bind("seen", s.lastSeenAt()).bind("exp", s.expiresAt())
                .execute();
    }

    public Optional<SessionRecord> findSession(Handle h, String idHash) {
        return h.createQuery("SELECT * FROM portal_sessions WHERE id_hash = :id").bind("id", idHash).map(SESSION).findOne();
    }

    public void touchSession(Handle h, String idHash, long now) {
        h.createUpdate("UPDATE portal_sessions SET last_seen_at = :now WHERE id_hash = :id").bind("id", idHash).bind("now", now).execute();
    }

    /** Clears a session's pending value if it is still the one read: true for exactly one of several concurrent takers. */
    public boolean takePending(Handle h, String idHash, String expected) {
        return h.createUpdate("UPDATE portal_sessions SET pending = NULL WHERE id_hash = :id AND pending = :pending")
                .bind("id", idHash).bind("pending", expected).execute() == 1;
    }

    public void setPending(Handle h, String idHash, String linkId, String pending) {
        h.createUpdate("UPDATE portal_sessions SET link_id = :link, pending = :pending WHERE id_hash = :id")
                .bind("id", idHash).bind("link", linkId).bind("pending", pending).execute();
    }

    public boolean deleteSession(Handle h, String idHash) {
        return h.createUpdate("DELETE FROM portal_sessions WHERE id_hash = :id").bind("id", idHash).execute() == 1;
    }

    public int deleteSessionsOf(Handle h, String accountId) {
        return h.createUpdate("DELETE FROM portal_sessions WHERE account_id = :acc").bind("acc", accountId).execute();
    }

    public int deleteExpiredSessions(Handle h, long now, long idleBefore) {
        return h.createUpdate("DELETE FROM portal_sessions WHERE expires_at < :now OR last_seen_at < :idle")
                .bind("now", now).bind("idle", idleBefore).execute();
    }
}
