package org.gatehouse.server.accounts;

import org.gatehouse.server.domain.ApiTokenRecord;
import org.gatehouse.server.domain.ApiTokenStatus;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.audit.Audit;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.domain.AccountRecord;
import org.gatehouse.server.store.AccountStore;
import org.gatehouse.server.store.ApiTokenStore;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.text.Text;

/**
 * API tokens: the credentials of the admin JSON API, created by a signed-in account in the portal.
 * 256 random bits behind the prefix {@code gha_}, stored only as a keyed hash, expiring, revocable,
 * audited. A token acts for its account and never with more rights than the account has at the
 * moment of use: admin scopes need an admin, and a disabled account's tokens stop working.
 */
public final class ApiTokens {
    public static final String PREFIX = "gha_";
    public static final int MAX_LABEL = 200;
    public static final Duration MAX_LIFETIME = Duration.ofDays(366);
    /** Every scope, in the order the portal shows them. */
    public static final List<String> SCOPES = List.of("tokens:read", "tokens:write", "installations:read", "installations:write",
            "accounts:admin", "audit:read", "keys:admin", "publishers:admin", "resource-servers:admin");
    /** Scopes an issuer account may hold; the rest are for admins. */
    public static final Set<String> ISSUER_SCOPES = Set.of("tokens:read", "tokens:write", "installations:read", "installations:write");

    /** A token just created: the only moment its clear value exists. */
    public record Created(ApiTokenRecord row, String token) {
    }

    /** A token presented on a request, with its account as it is now and the scopes that count. */
    public record Caller(ApiTokenRecord token, AccountRecord account, Set<String> scopes) {
        public boolean isAdmin() {
            return account.isAdmin();
        }

        public boolean has(String scope) {
            return scopes.contains(scope);
        }
    }

    private final Database db;
    private final ApiTokenStore store;
    private final AccountStore accounts;
    private final Secrets secrets;
    private final Audit audit;
    private final Clock clock;

    public ApiTokens(Database db, ApiTokenStore store, AccountStore accounts, Secrets secrets, Audit audit, Clock clock) {
        this.db = db;
        this.store = store;
        this.accounts = accounts;
        this.secrets = secrets;
        this.audit = audit;
        this.clock = clock;
    }

    /** The scopes an account of this role may give its tokens. */
    public static List<String> allowedScopes(AccountRecord a) {
        return a.isAdmin() ? SCOPES : SCOPES.stream().filter(ISSUER_SCOPES::contains).toList();
    }

    /** Creates a token for an account; refuses scopes its role does not allow and lifetimes out of range. */
    public Created create(AccountRecord account, String label, List<String> scopes, Duration expiresIn, Actor actor) {
        InvalidInput.Problems problems = new InvalidInput.Problems();
        String clean = label == null ? "" : label.strip();
        if (clean.isEmpty() || clean.length() > MAX_LABEL || !Text.isPlain(clean)) {
            problems.add("label", "Enter a label of 1 to " + MAX_LABEL + " printable characters.");
        }
        if (scopes == null || scopes.isEmpty()) problems.add("scope", "Choose at least one scope.");
        Set<String> set = new LinkedHashSet<>();
        for (String s : scopes == null ? List.<String>of() : scopes) {
            if (!SCOPES.contains(s)) problems.add("scope", "Unknown scope '" + Text.printable(s) + "'.");
            else if (!allowedScopes(account).contains(s)) problems.add("scope", "The scope " + s + " is for admins only.");
            else set.add(s);
        }
        if (expiresIn == null || expiresIn.isNegative() || expiresIn.isZero() || expiresIn.compareTo(MAX_LIFETIME) > 0) {
            problems.add("expires_in", "Choose an expiry in the future and at most " + MAX_LIFETIME.toDays() + " days away.");
        }
        if (!account.active()) problems.add("account", "The account is disabled.");
        problems.throwIfAny();
        long now = clock.millis();
        String token = Secrets.newSecret(PREFIX);
        ApiTokenRecord row = new ApiTokenRecord("apt_" + Secrets.randomId(9), account.id(), clean,
                List.copyOf(set), now, now + expiresIn.toMillis(), null, null, null);
        db.inTransaction(h -> {
            store.insert(h, row, secrets.hash(token));
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("label", clean);
            d.put("scopes", String.join(" ", row.scopes()));
            d.put("expires_at", row.expiresAt());
            d.put("account", account.id());
            audit.record(h, now, actor, "api_token.create", row.id(), d);
            return null;
        });
        return new Created(row, token);
    }

    public List<ApiTokenRecord> listOf(String accountId) {
        return db.withHandle(h -> store.listOf(h, accountId));
    }

    public Optional<ApiTokenRecord> find(String id) {
        if (id == null || id.length() > 40) return Optional.empty();
        return db.withHandle(h -> store.find(h, id));
    }

    /** Revokes a token; false if unknown or already revoked. */
    public boolean revoke(String id, Actor actor) {
        long now = clock.millis();
        return db.inTransaction(h -> {
            boolean done = store.revoke(h, id, now, actor.name());
            if (done) audit.record(h, now, actor, "api_token.revoke", id, null);
            return done;
        });
    }

    /**
     * The caller behind a presented token, if it is known, unexpired, unrevoked and its account is
     * active. Its scopes are cut down to what the account's role allows now.
     */
    public Optional<Caller> authenticate(String presented) {
        if (presented == null || !presented.startsWith(PREFIX) || presented.length() > 100) return Optional.empty();
        String hash = secrets.hash(presented);
        long now = clock.millis();
        return db.inTransaction(h -> {
            Optional<ApiTokenRecord> row = store.findByHash(h, hash);
            if (row.isEmpty() || row.get().status(now) != ApiTokenStatus.ACTIVE) return Optional.<Caller>empty();
            Optional<AccountRecord> account = accounts.findAccount(h, row.get().accountId());
            if (account.isEmpty() || !account.get().active()) return Optional.<Caller>empty();
            store.used(h, row.get().id(), now);
            Set<String> scopes = new LinkedHashSet<>(row.get().scopes());
            scopes.retainAll(allowedScopes(account.get()));
            return Optional.of(new Caller(row.get(), account.get(), scopes));
        });
    }
}
