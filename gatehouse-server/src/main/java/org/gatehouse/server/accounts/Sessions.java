package org.gatehouse.server.accounts;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.store.AccountRecord;
import org.gatehouse.server.store.AccountStore;
import org.gatehouse.server.store.Database;

/**
 * Portal sessions, stored in the database (they survive a restart and are shared by every node).
 * The cookie carries 256 random bits; only their keyed hash is stored. A new id is issued whenever
 * the session's privilege changes (sign-in steps, setup), and the old row is deleted.
 */
public final class Sessions {
    public static final String ANONYMOUS = "anonymous";
    public static final String PASSWORD = "password";
    public static final String ENROL = "enrol";
    public static final String FULL = "full";

    /** A session as loaded for one request: the clear id (only ever in the cookie), its row and account. */
    public record Current(String id, AccountStore.Session row, AccountRecord account) {
        public boolean signedIn() {
            return FULL.equals(row.stage()) && account != null;
        }
    }

    private final Database db;
    private final AccountStore store;
    private final Secrets secrets;
    private final Clock clock;
    private final Duration idle;
    private final Duration absolute;

    public Sessions(Database db, AccountStore store, Secrets secrets, Clock clock, Duration idle, Duration absolute) {
        this.db = db;
        this.store = store;
        this.secrets = secrets;
        this.clock = clock;
        this.idle = idle;
        this.absolute = absolute;
    }

    public Duration idle() {
        return idle;
    }

    public Duration absolute() {
        return absolute;
    }

    /** Starts a session; returns it with its clear id. */
    public Current start(String stage, AccountRecord account, String linkId, String pending) {
        long now = clock.millis();
        String id = Secrets.randomId(32);
        AccountStore.Session row = new AccountStore.Session(secrets.hash(id), account == null ? null : account.id(), stage,
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
        if (id == null || id.length() != 43) return Optional.empty();
        long now = clock.millis();
        String hash = secrets.hash(id);
        return db.withHandle(h -> {
            Optional<AccountStore.Session> found = store.findSession(h, hash);
            if (found.isEmpty()) return Optional.<Current>empty();
            AccountStore.Session s = found.get();
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

    public void end(String id) {
        if (id == null) return;
        long now = clock.millis();
        db.inTransaction(h -> {
            store.deleteSession(h, secrets.hash(id));
            store.deleteExpiredSessions(h, now, now - idle.toMillis());
            return null;
        });
    }
}
