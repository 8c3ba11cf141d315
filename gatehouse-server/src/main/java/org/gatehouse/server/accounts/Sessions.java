package org.gatehouse.server.accounts;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.gatehouse.server.crypto.MasterKey;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.domain.AccountRecord;
import org.gatehouse.server.domain.SessionRecord;
import org.gatehouse.server.store.AccountStore;
import org.gatehouse.server.store.Database;

/**
 * Portal sessions, stored in the database (they survive a restart and are shared by every node).
 * The cookie carries 256 random bits; only their keyed hash is stored. A new id is issued whenever
 * the session's privilege changes (sign-in steps, setup), and the old row is deleted.
 *
 * <p>The anonymous stage (the sign-in and setup forms, before any password was checked) stores
 * nothing (security review 2026-12, item 9: every anonymous GET /login used to add a row): its cookie
 * is a form token {@code f.<issued-at millis>.<128-bit nonce>.<MAC>}, and the form's CSRF token is a
 * second MAC over the same issued-at and nonce, both HMAC-SHA-256 under a key derived from the master
 * key (so every node checks them). Neither can be made without the key; a form token lives
 * {@link #FORM_TTL}. CSRF defence stays the synchronizer-token pattern, with the token bound to the
 * cookie by the MAC instead of by a row (OWASP CSRF Prevention Cheat Sheet, "signed double-submit cookie").
 */
public final class Sessions {
    public static final String ANONYMOUS = "anonymous";
    public static final String PASSWORD = "password";
    public static final String ENROL = "enrol";
    public static final String FULL = "full";
    /** How long an anonymous form (sign-in, setup) may be filled in. */
    public static final Duration FORM_TTL = Duration.ofHours(1);
    private static final String FORM_PREFIX = "f.";
    /** Clocks of several nodes may differ a little: a form token issued up to this far ahead is still good. */
    private static final long FORM_CLOCK_SKEW_MS = 60_000;

    /** A session as loaded for one request: the clear id (only ever in the cookie), its row and account. */
    public record Current(String id, SessionRecord row, AccountRecord account) {
        public boolean signedIn() {
            return FULL.equals(row.stage()) && account != null;
        }
    }

    private final Database db;
    private final AccountStore store;
    private final Secrets secrets;
    private final Secrets formKey;
    private final SeedCipher flashCipher;
    private final Clock clock;
    private final Duration idle;
    private final Duration absolute;

    /** Sessions without flash values (tests of form tokens and sign-in stages). */
    public Sessions(Database db, AccountStore store, Secrets secrets, Secrets formKey, Clock clock, Duration idle, Duration absolute) {
        this(db, store, secrets, formKey, null, clock, idle, absolute);
    }

    public Sessions(Database db, AccountStore store, Secrets secrets, Secrets formKey, SeedCipher flashCipher, Clock clock, Duration idle,
            Duration absolute) {
        this.flashCipher = flashCipher;
        this.db = db;
        this.store = store;
        this.secrets = secrets;
        this.formKey = formKey;
        this.clock = clock;
        this.idle = idle;
        this.absolute = absolute;
    }

    /** The key of anonymous form tokens, derived from the master key. */
    public static Secrets formKey(MasterKey masterKey) {
        return new Secrets(masterKey.derive("gatehouse portal form token v1"));
    }

    public Duration idle() {
        return idle;
    }

    public Duration absolute() {
        return absolute;
    }

    /** Starts a session; returns it with its clear id. An anonymous one is a signed form token, stored nowhere. */
    public Current start(String stage, AccountRecord account, String linkId, String pending) {
        long now = clock.millis();
        if (ANONYMOUS.equals(stage)) return form(now, Secrets.randomId(16));
        String id = Secrets.randomId(32);
        SessionRecord row = new SessionRecord(secrets.hash(id), account == null ? null : account.id(), stage,
                Secrets.randomId(32), linkId, pending, now, now, now + absolute.toMillis());
        db.inTransaction(h -> {
            store.insertSession(h, row);
            return null;
        });
        return new Current(id, row, account);
    }

    /** Replaces a session by a new one with a new id (session fixation defence). */
    public Current rotate(Current old, String stage, AccountRecord account, String linkId, String pending) {
        if (old != null) end(old.id());
        return start(stage, account, linkId, pending);
    }

    /** The session of a presented id, if it exists, has not timed out and its account is still active. */
    public Optional<Current> load(String id) {
        if (id != null && id.startsWith(FORM_PREFIX)) return loadForm(id);
        if (id == null || id.length() != 43) return Optional.empty();
        long now = clock.millis();
        String hash = secrets.hash(id);
        return db.withHandle(h -> {
            Optional<SessionRecord> found = store.findSession(h, hash);
            if (found.isEmpty()) return Optional.<Current>empty();
            SessionRecord s = found.get();
            if (s.expiresAt() <= now || s.lastSeenAt() + idle.toMillis() <= now) {
                store.deleteSession(h, hash);
                return Optional.<Current>empty();
            }
            AccountRecord account = null;
            if (s.accountId() != null) {
                account = store.findAccount(h, s.accountId()).orElse(null);
                if (account == null || !account.active()) {
                    store.deleteSession(h, hash);
                    return Optional.<Current>empty();
                }
            }
            if (now - s.lastSeenAt() > 30_000) store.touchSession(h, hash, now);
            return Optional.of(new Current(id, s, account));
        });
    }

    public void setPending(Current c, String linkId, String pending) {
        db.inTransaction(h -> {
            store.setPending(h, c.row().idHash(), linkId, pending);
            return null;
        });
    }

    /** The longest flash value kept (the column holds 1000 characters; encryption and base64 add about 40%). */
    public static final int MAX_FLASH = 640;

    /**
     * Keeps a one-time value (a notice, a secret to show once) with a signed-in session for the page the
     * POST redirects to (POST-redirect-GET). Kept in the session's row, encrypted (AES-256-GCM, bound to the
     * row), so it survives the redirect landing on another node; {@link #takeFlash} hands it out once.
     */
    public void setFlash(Current c, String value) {
        if (flashCipher == null || !FULL.equals(c.row().stage())) throw new IllegalStateException("a flash belongs to a signed-in session");
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_FLASH) throw new IllegalArgumentException("flash value too long: " + bytes.length);
        String sealed = flashCipher.encrypt(bytes, "flash:" + c.row().idHash());
        db.inTransaction(h -> {
            store.setPending(h, c.row().idHash(), c.row().linkId(), sealed);
            return null;
        });
    }

    /** The session's flash value, once: a conditional clear, so a refresh or a concurrent request gets nothing. */
    public Optional<String> takeFlash(Current c) {
        String sealed = c.row().pending();
        if (sealed == null || flashCipher == null || !FULL.equals(c.row().stage())) return Optional.empty();
        boolean mine = db.inTransaction(h -> store.takePending(h, c.row().idHash(), sealed));
        if (!mine) return Optional.empty();
        try {
            return Optional.of(new String(flashCipher.decrypt(sealed, "flash:" + c.row().idHash()), StandardCharsets.UTF_8));
        } catch (IllegalStateException e) {
            return Optional.empty(); // another master key: the value is lost, nothing else
        }
    }

    public void end(String id) {
        if (id == null || id.startsWith(FORM_PREFIX)) return; // a form token: nothing stored
        long now = clock.millis();
        db.inTransaction(h -> {
            store.deleteSession(h, secrets.hash(id));
            store.deleteExpiredSessions(h, now, now - idle.toMillis());
            return null;
        });
    }

    // --- anonymous form tokens

    private Current form(long issuedAt, String nonce) {
        String signed = issuedAt + "." + nonce;
        String id = FORM_PREFIX + signed + "." + formKey.hash("form|" + signed);
        SessionRecord row = new SessionRecord(null, null, ANONYMOUS, formKey.hash("csrf|" + signed), null, null,
                issuedAt, issuedAt, issuedAt + FORM_TTL.toMillis());
        return new Current(id, row, null);
    }

    /** A presented form token, if its MAC holds (constant-time) and it is within its lifetime. */
    private Optional<Current> loadForm(String id) {
        String[] p = id.split("\\.", -1);
        if (p.length != 4 || p[1].isEmpty() || p[1].length() > 15 || !p[1].chars().allMatch(Character::isDigit)
                || p[2].length() != 22 || p[3].length() != 43) {
            return Optional.empty();
        }
        String signed = p[1] + "." + p[2];
        if (!formKey.matches("form|" + signed, p[3])) return Optional.empty();
        long issuedAt = Long.parseLong(p[1]);
        long now = clock.millis();
        if (issuedAt > now + FORM_CLOCK_SKEW_MS || issuedAt + FORM_TTL.toMillis() <= now) return Optional.empty();
        return Optional.of(form(issuedAt, p[2]));
    }
}
