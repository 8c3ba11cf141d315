package org.gatehouse.server.accounts;

import org.gatehouse.server.domain.AccountLink;
import org.gatehouse.server.domain.AccountRole;
import org.gatehouse.server.domain.AccountStatus;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.audit.Audit;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.domain.AccountRecord;
import org.gatehouse.server.store.AccountStore;
import org.gatehouse.server.store.ApiTokenStore;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.store.SettingsStore;
import org.gatehouse.server.config.Durations;
import org.gatehouse.server.store.Sql;
import org.gatehouse.server.text.Text;

/**
 * Portal accounts: no open sign-up. The first admin comes from a one-time setup link printed by
 * {@code serve} (empty database) or {@code admin create}; everyone else from an admin's one-time,
 * expiring invitation. Completing a link sets an Argon2id password and a TOTP second factor (every
 * account has one) and hands out one-time recovery codes.
 */
public final class AccountService {
    public static final String LINK_PREFIX = "ghl_";
    public static final Duration BOOTSTRAP_LINK_TTL = Duration.ofHours(24);
    /** The settings row whose lock serialises the first admin's setup link across nodes. */
    private static final String FIRST_ADMIN_LOCK = "first_admin_link.lock";
    public static final Duration INVITE_TTL = Duration.ofDays(7);
    public static final int RECOVERY_CODES = 10;
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]{1,253}");
    /** Shown for every failed sign-in, whatever the reason: unknown account, wrong password, disabled account. */
    public static final String SIGN_IN_FAILED = "The e-mail address or password is not right.";

    /** BUSY: too many password checks at once (see {@link PasswordGate}); nothing was counted, try again shortly. */
    public enum Outcome { OK, FAILED, THROTTLED, BUSY }

    public record Attempt(Outcome outcome, AccountRecord account, long retryAfter) {
    }

    /** A link just made: the only moment its URL exists. */
    public record NewLink(String id, String url, long expiresAt) {
    }

    /** What a person chose on the setup form, kept encrypted in their session until the second factor is confirmed. */
    public record Pending(String email, String passwordHash, byte[] seed) {
    }

    public record Completed(AccountRecord account, List<String> recoveryCodes) {
    }

    private final Database db;
    private final SettingsStore settings = new SettingsStore();
    private final AccountStore store;
    private final Secrets secrets;
    private final SeedCipher cipher;
    private final Audit audit;
    private final Clock clock;
    private final IatService iats;
    private final String issuer;
    private final Throttle perAccount;
    private final Throttle perAddress;
    private final PasswordGate gate;
    private final ApiTokenStore apiTokens;

    public AccountService(Database db, AccountStore store, Secrets secrets, SeedCipher cipher, Audit audit, Clock clock,
                          IatService iats, String issuer, Throttle perAccount, Throttle perAddress, PasswordGate gate,
                          ApiTokenStore apiTokens) {
        this.db = db;
        this.store = store;
        this.secrets = secrets;
        this.cipher = cipher;
        this.audit = audit;
        this.clock = clock;
        this.iats = iats;
        this.issuer = issuer;
        this.perAccount = perAccount;
        this.perAddress = perAddress;
        this.gate = gate;
        this.apiTokens = apiTokens;
    }

    /** The actor of an account's portal actions (recorded as the creator of the links it makes). */
    public static Actor actor(AccountRecord a, String remoteAddr) {
        return new Actor("account:" + a.email(), remoteAddr);
    }

    /** The actor of an account's admin API calls. */
    public static Actor apiActor(AccountRecord a, String remoteAddr) {
        return new Actor("api:" + a.email(), remoteAddr);
    }

    // --- links

    /**
     * What a start found on a database without accounts: the first admin's setup link it made (to be printed
     * once, by this node), or the one still pending from an earlier start or another node (never printed again:
     * only its keyed hash is stored).
     */
    public record FirstAdminLink(NewLink created, AccountLink pending) {
    }

    /**
     * On a database without accounts, one setup link for the first admin at a time (issue 16 item 3): a start
     * makes one only when none is pending, so restarts and nodes starting together neither print another nor
     * end the one printed. The nodes' transactions run one after another (a row lock), so exactly one makes it.
     * Empty once an account exists.
     */
    public Optional<FirstAdminLink> firstAdminLinkOnStart(Actor node, String printedTo) {
        return db.inTransaction(h -> {
            settings.lock(h, FIRST_ADMIN_LOCK);
            if (store.countAccounts(h) > 0) return Optional.<FirstAdminLink>empty();
            Optional<AccountLink> pending = store.openFirstAdminLink(h, clock.millis());
            if (pending.isPresent()) return Optional.of(new FirstAdminLink(null, pending.get()));
            return Optional.of(new FirstAdminLink(newFirstAdminLink(h, node, printedTo), null));
        });
    }

    /** `gatehouse admin setup-link`: ends the pending first-admin link and makes a new one, on purpose. */
    public NewLink replaceFirstAdminLink(Actor actor, String printedTo) {
        return db.inTransaction(h -> {
            settings.lock(h, FIRST_ADMIN_LOCK);
            if (store.countAccounts(h) > 0) {
                throw InvalidInput.of("account", "a portal account exists already: an admin invites others in the portal,"
                        + " or use `gatehouse admin create --email ADDRESS`");
            }
            int ended = store.expireFirstAdminLinks(h, clock.millis());
            if (ended > 0) audit.record(h, clock.millis(), actor, "account.first_admin_link_replace", null, Map.of("ended_links", ended));
            return newFirstAdminLink(h, actor, printedTo);
        });
    }

    private NewLink newFirstAdminLink(org.jdbi.v3.core.Handle h, Actor actor, String printedTo) {
        return newLink(h, "bootstrap", null, AccountRole.ADMIN, BOOTSTRAP_LINK_TTL, actor, Map.of("printed_to", printedTo,
                "valid_for", Durations.format(BOOTSTRAP_LINK_TTL)));
    }

    /** An admin's setup link for a given address (the CLI's {@code admin create}). */
    public NewLink adminLink(String email, Actor actor) {
        String clean = email(email);
        return db.inTransaction(h -> {
            if (store.findByEmail(h, clean).isPresent()) throw InvalidInput.of("email", "an account with that e-mail address exists");
            return newLink(h, "bootstrap", clean, AccountRole.ADMIN, BOOTSTRAP_LINK_TTL, actor);
        });
    }

    public NewLink invite(String email, String role, Actor actor) {
        InvalidInput.Problems problems = new InvalidInput.Problems();
        String clean = problems.collect(() -> email(email));
        AccountRole r = problems.collect(() -> role(role));
        problems.throwIfAny();
        return db.inTransaction(h -> {
            if (store.findByEmail(h, clean).isPresent()) throw InvalidInput.of("email", "An account with that e-mail address exists.");
            return newLink(h, "invite", clean, r, INVITE_TTL, actor);
        });
    }

    private NewLink newLink(org.jdbi.v3.core.Handle h, String purpose, String email, AccountRole role, Duration ttl, Actor actor) {
        return newLink(h, purpose, email, role, ttl, actor, Map.of());
    }

    private NewLink newLink(org.jdbi.v3.core.Handle h, String purpose, String email, AccountRole role, Duration ttl, Actor actor,
                            Map<String, String> more) {
        long now = clock.millis();
        String token = LINK_PREFIX + Secrets.randomId(32);
        AccountLink link = new AccountLink("lnk_" + Secrets.randomId(9), purpose, email, role, now, actor.name(),
                now + ttl.toMillis(), null, null);
        store.insertLink(h, link, secrets.hash(token));
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("purpose", purpose);
        if (email != null) d.put("email", email);
        d.put("role", role.code());
        d.put("expires_at", link.expiresAt());
        d.putAll(more);
        audit.record(h, now, actor, "account.link_create", link.id(), d);
        return new NewLink(link.id(), issuer + "/setup/" + token, link.expiresAt());
    }

    public boolean cancelInvite(String linkId, Actor actor) {
        long now = clock.millis();
        return db.inTransaction(h -> {
            boolean done = store.cancelLink(h, linkId, now);
            if (done) audit.record(h, now, actor, "account.link_cancel", linkId, null);
            return done;
        });
    }

    /** The link a presented token belongs to, if it is still usable. */
    public Optional<AccountLink> openLink(String token) {
        if (token == null || !token.startsWith(LINK_PREFIX) || token.length() > 100) return Optional.empty();
        long now = clock.millis();
        return db.withHandle(h -> store.findLinkByHash(h, secrets.hash(token)))
                .filter(l -> l.usedAt() == null && l.expiresAt() > now);
    }

    public Optional<AccountLink> link(String id) {
        long now = clock.millis();
        return db.withHandle(h -> store.findLink(h, id)).filter(l -> l.usedAt() == null && l.expiresAt() > now);
    }

    /** Unused, unexpired one-time links (first-admin setup, invitations) by purpose, always with "bootstrap"; for /metrics. */
    public java.util.Map<String, Long> pendingLinks() {
        java.util.Map<String, Long> byPurpose = new java.util.TreeMap<>();
        byPurpose.put("bootstrap", 0L);
        openInvites().forEach(l -> byPurpose.merge(l.purpose(), 1L, Long::sum));
        return byPurpose;
    }

    public List<AccountLink> openInvites() {
        return db.withHandle(h -> store.openInvites(h, clock.millis()));
    }

    // --- setup

    /**
     * Checks the setup form; returns the pending choice, sealed for the session. Throws with a plain message
     * on bad input, and {@link PasswordGate.Busy} when too many passwords are being hashed at once.
     */
    public String beginSetup(AccountLink link, String email, String password) {
        InvalidInput.Problems problems = new InvalidInput.Problems();
        String clean = link.email() != null ? link.email() : problems.collect(() -> email(email));
        String p = Passwords.problem(password);
        if (p != null) problems.add("password", p);
        problems.throwIfAny();
        String hash = gate.run(() -> Passwords.hash(password));
        if (db.withHandle(h -> store.findByEmail(h, clean)).isPresent()) {
            throw InvalidInput.of("email", "An account with that e-mail address exists.");
        }
        byte[] seed = Totp.newSeed();
        String plain = Base64.getUrlEncoder().encodeToString(clean.getBytes(StandardCharsets.UTF_8)) + "\n" + hash + "\n"
                + Base64.getUrlEncoder().encodeToString(seed);
        return cipher.encrypt(plain.getBytes(StandardCharsets.UTF_8), "pending:" + link.id());
    }

    public Pending pending(String linkId, String sealed) {
        String[] p = new String(cipher.decrypt(sealed, "pending:" + linkId), StandardCharsets.UTF_8).split("\n");
        return new Pending(new String(Base64.getUrlDecoder().decode(p[0]), StandardCharsets.UTF_8), p[1],
                Base64.getUrlDecoder().decode(p[2]));
    }

    /**
     * Completes a link once its holder proved the second factor works: uses the link (once),
     * creates the account with its recovery codes, audits it, all in one transaction.
     */
    public Optional<Completed> completeSetup(AccountLink link, Pending pending, String code, Actor remote) {
        long now = clock.millis();
        long step = Totp.match(pending.seed(), code, now);
        if (step < 0) return Optional.empty();
        String id = "acc_" + Secrets.randomId(9);
        AccountRecord account = new AccountRecord(id, pending.email(), link.role(), AccountStatus.ACTIVE, pending.passwordHash(),
                cipher.encrypt(pending.seed(), "totp:" + id), step, now, link.createdBy(), null, null);
        List<String> codes = new ArrayList<>();
        for (int i = 0; i < RECOVERY_CODES; i++) codes.add(recoveryCode());
        try {
            return db.inTransaction(h -> {
                if (!store.useLink(h, link.id(), id, now)) throw InvalidInput.of("link", "This link has already been used or has expired.");
                store.insertAccount(h, account);
                for (String c : codes) store.insertRecoveryCode(h, id, secrets.hash(normaliseRecovery(c)), now);
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("email", account.email());
                d.put("role", account.role().code());
                d.put("link", link.id());
                d.put("second_factor", "totp");
                audit.record(h, now, actor(account, remote.remoteAddr()), "account.create", id, d);
                return Optional.of(new Completed(account, codes));
            });
        } catch (RuntimeException e) {
            if (Sql.isUniqueViolation(e)) throw InvalidInput.of("email", "An account with that e-mail address exists.");
            throw e;
        }
    }

    private static String recoveryCode() {
        String r = Secrets.randomId(10).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "x");
        return r.substring(0, 5) + "-" + r.substring(5, 10);
    }

    private static String normaliseRecovery(String code) {
        return "recovery:" + code.strip().toLowerCase(Locale.ROOT).replace(" ", "").replace("-", "");
    }

    // --- sign-in

    /**
     * The password step. Throttled per e-mail address (known or not) and per client address, counting the
     * attempt before the hash so that a burst cannot pass the check all at once; the hash runs under the
     * {@link PasswordGate} (bounded memory), for an unknown address too (a dummy hash), so that both take
     * the same time. A correct password's attempt is taken back; the second factor clears the account key.
     */
    public Attempt password(String email, String password, String remoteAddr) {
        String key = "email:" + (email == null ? "" : email.strip().toLowerCase(Locale.ROOT));
        long wait = perAccount.attempt(key);
        if (wait > 0) return new Attempt(Outcome.THROTTLED, null, wait);
        wait = perAddress.attempt(remoteAddr);
        if (wait > 0) {
            perAccount.refund(key);
            return new Attempt(Outcome.THROTTLED, null, wait);
        }
        Optional<AccountRecord> found = email == null || email.length() > 320 ? Optional.empty()
                : db.withHandle(h -> store.findByEmail(h, email.strip().toLowerCase(Locale.ROOT)));
        boolean ok;
        try {
            ok = password != null && password.length() <= Passwords.MAX_LENGTH
                    && gate.run(() -> Passwords.verify(password, found.map(AccountRecord::passwordHash).orElse(null)));
        } catch (PasswordGate.Busy busy) {
            refund(key, remoteAddr);
            return new Attempt(Outcome.BUSY, null, busy.retryAfter());
        }
        if (!ok || !found.get().active()) return new Attempt(Outcome.FAILED, null, 0);
        refund(key, remoteAddr);
        return new Attempt(Outcome.OK, found.get(), 0);
    }

    private void refund(String accountKey, String remoteAddr) {
        perAccount.refund(accountKey);
        perAddress.refund(remoteAddr);
    }

    /** The second-factor step: a TOTP code (each step usable once) or an unused recovery code. */
    public Attempt secondFactor(AccountRecord account, String code, String remoteAddr) {
        String key = "email:" + account.email();
        long wait = Math.max(perAccount.retryAfter(key), perAddress.retryAfter(remoteAddr));
        if (wait > 0) return new Attempt(Outcome.THROTTLED, null, wait);
        long now = clock.millis();
        String c = code == null ? "" : code.strip();
        boolean ok = db.inTransaction(h -> {
            AccountRecord a = store.findAccount(h, account.id()).orElse(null);
            if (a == null || !a.active() || a.totpSeedEnc() == null) return false;
            String method;
            long step = Totp.match(cipher.decrypt(a.totpSeedEnc(), "totp:" + a.id()), c, now);
            if (step >= 0) {
                if (!store.useTotpStep(h, a.id(), step)) return false; // replayed
                method = "totp";
            } else if (c.length() >= 10 && c.length() <= 20 && store.useRecoveryCode(h, a.id(), secrets.hash(normaliseRecovery(c)), now)) {
                method = "recovery_code";
            } else {
                return false;
            }
            store.signedIn(h, a.id(), now);
            audit.record(h, now, actor(a, remoteAddr), "account.sign_in", a.id(), Map.of("second_factor", method));
            return true;
        });
        if (!ok) {
            perAccount.failure(key);
            perAddress.failure(remoteAddr);
            return new Attempt(Outcome.FAILED, null, 0);
        }
        perAccount.clear(key);
        return new Attempt(Outcome.OK, account, 0);
    }

    public void signedOut(AccountRecord a, String remoteAddr) {
        long now = clock.millis();
        db.inTransaction(h -> {
            audit.record(h, now, actor(a, remoteAddr), "account.sign_out", a.id(), null);
            return null;
        });
    }

    public int unusedRecoveryCodes(String accountId) {
        return db.withHandle(h -> store.unusedRecoveryCodes(h, accountId));
    }

    // --- administration

    public List<AccountRecord> list() {
        return db.withHandle(store::listAccounts);
    }

    public Optional<AccountRecord> find(String id) {
        return db.withHandle(h -> store.findAccount(h, id));
    }

    /**
     * Disables an account, and ends everything it could still act or hand out with: its sessions end at once,
     * the open setup/invitation links it created are cancelled (an invitation must not outlive the admin who
     * sent it), its API tokens are revoked (so that enabling it again does not revive them), each audited;
     * then its initial access tokens are revoked (and with cascade every installation they admitted).
     * The last active admin cannot be disabled, also under concurrent requests (see {@link #takeAdmin}).
     * Returns the number of initial access tokens revoked, or -1 if nothing changed.
     */
    public int disable(String id, boolean cascade, String reason, Actor actor) {
        long now = clock.millis();
        String why = reason == null ? "account disabled" : reason;
        boolean done = db.inTransaction(h -> {
            store.findAccount(h, id).ifPresent(self -> refuseSelf(self, actor, CANNOT_DISABLE_ITSELF));
            AccountRecord a = takeAdmin(h, id, "The last admin cannot be disabled.");
            if (a == null || !store.disable(h, id, now, actor.name())) return false;
            store.deleteSessionsOf(h, id);
            Map<String, Object> cancelled = Map.of("reason", "creator disabled");
            List<String> links = store.openLinksCreatedBy(h, List.of(actor(a, null).name(), apiActor(a, null).name()), now);
            for (String link : links) {
                if (store.cancelLink(h, link, now)) audit.record(h, now, actor, "account.link_cancel", link, cancelled);
            }
            List<String> tokens = apiTokens.unrevokedOf(h, id);
            for (String token : tokens) {
                if (apiTokens.revoke(h, token, now, actor.name())) audit.record(h, now, actor, "api_token.revoke", token, Map.of("reason", why));
            }
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("cascade", cascade);
            if (reason != null) d.put("reason", reason);
            d.put("links_cancelled", links.size());
            d.put("api_tokens_revoked", tokens.size());
            audit.record(h, now, actor, "account.disable", id, d);
            return true;
        });
        if (!done) return -1;
        return iats.revokeAllOf(id, why, cascade, actor);
    }

    /**
     * Whether {@code actor} may disable account {@code id}, asked before offering the confirmation (the portal's GET):
     * the same refusal {@link #disable} gives (an account cannot disable itself), nothing changed. An unknown id passes
     * (disable then changes nothing).
     */
    public void checkDisable(String id, Actor actor) {
        db.withHandle(h -> store.findAccount(h, id)).ifPresent(self -> refuseSelf(self, actor, CANNOT_DISABLE_ITSELF));
    }

    static final String CANNOT_DISABLE_ITSELF = "an account cannot disable itself";

    /** An account acting on itself, in the portal or through the API (the same rule for both). */
    private static void refuseSelf(AccountRecord a, Actor actor, String message) {
        if (actor.name().equals(actor(a, null).name()) || actor.name().equals(apiActor(a, null).name())) {
            throw InvalidInput.of("account", message);
        }
    }

    /**
     * The account, read after every active admin's row is locked; refuses (with {@code lastAdmin}) when it
     * is the only active admin. With the lock, two requests that each take an admin away (disable, or a
     * role change) run one after the other, so "at least one active admin" holds under concurrency on H2
     * and PostgreSQL alike. Null when there is no such account.
     */
    private AccountRecord takeAdmin(org.jdbi.v3.core.Handle h, String id, String lastAdmin) {
        store.lockActiveAdmins(h);
        AccountRecord a = store.findAccount(h, id).orElse(null);
        if (a != null && a.isAdmin() && a.active() && store.countActiveAdmins(h) <= 1) throw InvalidInput.of("account", lastAdmin);
        return a;
    }

    /** Enables a disabled account. Its old API tokens and links stay revoked (they ended when it was disabled). */
    public boolean enable(String id, Actor actor) {
        long now = clock.millis();
        return db.inTransaction(h -> {
            boolean done = store.enable(h, id);
            if (done) audit.record(h, now, actor, "account.enable", id, null);
            return done;
        });
    }

    public boolean changeRole(String id, String role, Actor actor) {
        AccountRole r = role(role);
        long now = clock.millis();
        return db.inTransaction(h -> {
            store.findAccount(h, id).ifPresent(self -> refuseSelf(self, actor, "an account cannot change its own role"));
            AccountRecord a = r == AccountRole.ADMIN ? store.findAccount(h, id).orElse(null)
                    : takeAdmin(h, id, "The last admin cannot become an issuer.");
            if (a == null) return false;
            if (a.totpSeedEnc() == null && r == AccountRole.ADMIN) throw InvalidInput.of("role", "Admins must have a second factor.");
            boolean done = store.setRole(h, id, r);
            if (done) {
                store.deleteSessionsOf(h, id); // new privileges: sign in again
                audit.record(h, now, actor, "account.role", id, Map.of("from", a.role().code(), "to", r.code()));
            }
            return done;
        });
    }

    // --- input

    public static String email(String email) {
        String e = email == null ? "" : email.strip().toLowerCase(Locale.ROOT);
        if (e.length() > 254 || !Text.isPlain(e) || !EMAIL.matcher(e).matches()) {
            throw InvalidInput.of("email", "Enter an e-mail address such as name@example.org.");
        }
        return e;
    }

    public static AccountRole role(String role) {
        return AccountRole.parse(role).orElseThrow(() -> InvalidInput.of("role", "Choose the role admin or issuer."));
    }
}
