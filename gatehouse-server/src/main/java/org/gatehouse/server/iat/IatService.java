package org.gatehouse.server.iat;

import org.gatehouse.server.domain.Reregistration;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.audit.Audit;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.installations.InstallationService;
import org.gatehouse.server.net.Cidr;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.domain.AccountRecord;
import org.gatehouse.server.domain.IatRecord;
import org.gatehouse.server.domain.TokenFilter;
import org.gatehouse.server.store.IatStore;
import org.gatehouse.server.store.PortalStore;
import org.gatehouse.server.text.Text;
import org.jdbi.v3.core.Handle;

/** Initial access tokens: the right to register a number of installations, handed out in a token file. */
public final class IatService {
    public static final int MAX_LABEL = 200;
    public static final int MAX_REGISTRATIONS = 1_000_000;
    public static final Duration MAX_LIFETIME = Duration.ofDays(3650);

    /** A token just created: the only moment its clear value exists. */
    public record Created(IatRecord record, String token) {
    }

    /**
     * What a new token allows. Null scope: every scope the server knows; null or empty lists: any
     * software and any address; null reregistration: replace; null owner: the operator.
     */
    public record Spec(String label, int maxRegistrations, Duration expiresIn, String scope, List<String> softwareIds,
                       List<String> clientCidrs, String reregistration, String owner, boolean requireKeyBound,
                       boolean requireDpop) {
        public Spec(String label, int maxRegistrations, Duration expiresIn, String scope, List<String> softwareIds,
                    List<String> clientCidrs, String reregistration, String owner) {
            this(label, maxRegistrations, expiresIn, scope, softwareIds, clientCidrs, reregistration, owner, false, false);
        }

        /** The same token, admitting only key-bound installations (and, with dpop, only DPoP-bound ones). */
        public Spec keyBound(boolean keyBound, boolean dpop) {
            return new Spec(label, maxRegistrations, expiresIn, scope, softwareIds, clientCidrs, reregistration, owner, keyBound, dpop);
        }

        public static Spec of(String label, int maxRegistrations, Duration expiresIn, String scope) {
            return new Spec(label, maxRegistrations, expiresIn, scope, null, null, null, null);
        }
    }

    /** More policy stored with a new token, in the same transaction (e.g. a software statement requirement). */
    @FunctionalInterface
    public interface Extra {
        void store(Handle h, IatRecord record, Map<String, Object> auditDetails);

        /**
         * What is wrong with this policy as given, found before any transaction: reported by
         * {@link IatService#create(Spec, Actor, Extra)} together with the spec's problems (field → message).
         */
        default Map<String, String> problems() {
            return Map.of();
        }

        /** A policy that cannot be kept: create reports these problems with the others and stores nothing. */
        static Extra invalid(InvalidInput problems) {
            return new Extra() {
                @Override
                public void store(Handle h, IatRecord record, Map<String, Object> auditDetails) {
                    throw problems;
                }

                @Override
                public Map<String, String> problems() {
                    return problems.fields();
                }
            };
        }

        /** Several policies stored one after the other (nulls skipped); null when there are none. */
        static Extra all(Extra... extras) {
            List<Extra> present = java.util.Arrays.stream(extras).filter(java.util.Objects::nonNull).toList();
            if (present.isEmpty()) return null;
            return new Extra() {
                @Override
                public void store(Handle h, IatRecord record, Map<String, Object> auditDetails) {
                    present.forEach(e -> e.store(h, record, auditDetails));
                }

                @Override
                public Map<String, String> problems() {
                    Map<String, String> all = new LinkedHashMap<>();
                    present.forEach(e -> all.putAll(e.problems()));
                    return all;
                }
            };
        }
    }

    private final Database db;
    private final IatStore store;
    private final Secrets secrets;
    private final Audit audit;
    private final Clock clock;
    private final Set<String> knownScopes;
    private final InstallationService installations;
    private final PortalStore listing = new PortalStore();
    private volatile Runnable policyChanged = () -> { };

    public IatService(Database db, IatStore store, Secrets secrets, Audit audit, Clock clock, Set<String> knownScopes,
                      InstallationService installations) {
        this.db = db;
        this.store = store;
        this.secrets = secrets;
        this.audit = audit;
        this.clock = clock;
        this.knownScopes = knownScopes;
        this.installations = installations;
    }

    /**
     * Creates a token. Refuses an empty or over-long label, a count that is not positive
     * (keycloak#29311), an expiry that is not in the future, and scopes the server does not know.
     * A null scope means every scope the server knows.
     */
    public Created create(Spec spec, Actor actor) {
        return create(spec, actor, null);
    }

    /**
     * As {@link #create(Spec, Actor)}, with {@code extra} policy stored in the same transaction (null: none).
     *
     * @throws InvalidInput naming every field of the spec (and every problem of {@code extra}) that cannot be
     *                      kept, all at once; the field names are the API's members
     */
    public Created create(Spec spec, Actor actor, Extra extra) {
        InvalidInput.Problems problems = new InvalidInput.Problems();
        String cleanLabel = spec.label() == null ? "" : spec.label().strip();
        if (cleanLabel.isEmpty() || cleanLabel.length() > MAX_LABEL || !Text.isPlain(cleanLabel)) {
            problems.add("label", "Enter a label of 1 to " + MAX_LABEL + " printable characters.");
        }
        int max = spec.maxRegistrations();
        if (max <= 0 || max > MAX_REGISTRATIONS) {
            problems.add("max_registrations", "Enter a maximum number of installations from 1 to " + MAX_REGISTRATIONS + ".");
        }
        Duration expiresIn = spec.expiresIn();
        if (expiresIn == null || expiresIn.isNegative() || expiresIn.isZero() || expiresIn.compareTo(MAX_LIFETIME) > 0) {
            problems.add("expires_in", "Choose an expiry in the future and at most " + MAX_LIFETIME.toDays() + " days away.");
        }
        List<String> cleanScopes = spec.scope() == null ? List.copyOf(knownScopes) : problems.collect(() -> normaliseScope(spec.scope()));
        List<String> softwareIds = problems.collect(() -> softwareIds(spec.softwareIds()));
        List<Cidr> cidrs = problems.collect(() -> cidrs(spec.clientCidrs()));
        Reregistration rereg = spec.reregistration() == null ? Reregistration.REPLACE
                : Reregistration.parse(spec.reregistration()).orElse(null);
        if (rereg == null) {
            problems.add("reregistration", "Choose the re-registration policy replace, reject or allow.");
        }
        if (extra != null) extra.problems().forEach(problems::add);
        problems.throwIfAny();
        String owner = spec.owner() == null ? "operator" : spec.owner();
        long now = clock.millis();
        String token = Secrets.newSecret(Secrets.INITIAL_ACCESS_TOKEN);
        IatRecord record = IatRecord.builder().id("iat_" + Secrets.randomId(9)).label(cleanLabel).scopes(cleanScopes)
                .maxRegistrations(max).createdAt(now).createdBy(actor.name()).expiresAt((now + expiresIn.toMillis()) / 1000 * 1000)
                .ownerAccount(owner).reregistration(rereg).softwareIds(softwareIds).clientCidrs(cidrs)
                .requireKeyBound(spec.requireKeyBound()).requireDpop(spec.requireDpop()).build();
        db.inTransaction(h -> {
            store.insert(h, record, secrets.hash(token));
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("label", cleanLabel);
            details.put("max_registrations", max);
            details.put("expires_at", record.expiresAt());
            details.put("scope", record.scope());
            details.put("reregistration", rereg.code());
            if (softwareIds != null) details.put("software_ids", String.join(" ", softwareIds));
            if (cidrs != null) details.put("client_cidrs", Cidr.joined(cidrs));
            if (spec.requireKeyBound()) details.put("require_key_bound", true);
            if (spec.requireDpop()) details.put("require_dpop", true);
            if (extra != null) extra.store(h, record, details);
            audit.record(h, now, actor, "iat.create", record.id(), details);
            return null;
        });
        return new Created(record, token);
    }

    private static List<String> softwareIds(List<String> ids) {
        if (ids == null || ids.isEmpty()) return null;
        List<String> bad = new java.util.ArrayList<>();
        for (String id : ids) {
            if (id.isEmpty() || id.length() > 200 || !Text.isPlain(id) || id.contains(" ")) bad.add("'" + Text.printable(id) + "'");
        }
        if (!bad.isEmpty()) {
            throw InvalidInput.of("software_ids", "A software id is 1 to 200 printable characters without spaces; these are not: "
                    + String.join(", ", bad) + ".");
        }
        return List.copyOf(ids);
    }

    /** Every entry checked: all bad ranges are named at once. */
    private static List<Cidr> cidrs(List<String> ranges) {
        if (ranges == null || ranges.isEmpty()) return null;
        List<Cidr> out = Cidr.parseInput("client_cidrs", String.join(" ", ranges));
        return out.isEmpty() ? null : out;
    }

    private List<String> normaliseScope(String scope) {
        if (scope.isBlank()) throw InvalidInput.of("scope", "Choose at least one scope.");
        Set<String> tokens = Text.scopeSet(scope.strip()); // InvalidInput on scope if malformed
        List<String> unknown = tokens.stream().filter(t -> !knownScopes.contains(t)).map(t -> "'" + Text.printable(t) + "'").toList();
        if (!unknown.isEmpty()) {
            throw InvalidInput.of("scope", (unknown.size() == 1 ? "Unknown scope " : "Unknown scopes ") + String.join(", ", unknown)
                    + " (known: " + String.join(" ", knownScopes) + ").");
        }
        return List.copyOf(tokens);
    }

    /** Finds the token a presented value belongs to (by keyed hash; no clear value is stored). */
    public Optional<IatRecord> find(String presented) {
        if (presented == null || !presented.startsWith(Secrets.INITIAL_ACCESS_TOKEN) || presented.length() > 100) {
            return Optional.empty();
        }
        String hash = secrets.hash(presented);
        return db.withHandle(h -> store.findByHash(h, hash));
    }

    public List<IatRecord> list() {
        return db.withHandle(store::list);
    }

    public Optional<IatRecord> get(String id) {
        return db.withHandle(h -> store.findById(h, id));
    }

    /**
     * The token if {@code viewer} may see it: their own, or any for an admin. Another account's token is
     * answered exactly like one that does not exist (empty), by the API and the portal alike.
     */
    public Optional<IatRecord> visibleTo(String id, AccountRecord viewer) {
        if (id == null || id.length() > 40) return Optional.empty();
        return get(id).filter(t -> viewer.mayView(t.ownerAccount()));
    }

    /**
     * One page of the tokens {@code viewer} may see (AccountRecord.mayView), newest first: the API's, the portal's
     * lists and the dashboard all come here. An admin's filter stands as given (no owner: every account's); an issuer
     * asking for no owner or another account's gets their own, exactly as if they had asked for their own.
     */
    public List<IatRecord> page(AccountRecord viewer, TokenFilter filter, int limit, String after) {
        return page(scoped(viewer, filter), limit, after);
    }

    /**
     * The dashboard's most recent tokens of {@code viewer}: the whole system's for an admin (every account's and the
     * operator's), an issuer's own — what they may see (AccountRecord.mayView), newest first.
     */
    public List<IatRecord> recent(AccountRecord viewer, int limit) {
        return page(viewer, new TokenFilter(null, null, null), limit, null);
    }

    /** How many of the tokens {@code viewer} may see match, counted up to {@code cap} (scoped as {@link #page(AccountRecord, TokenFilter, int, String)}). */
    public int count(AccountRecord viewer, TokenFilter filter, int cap) {
        return count(scoped(viewer, filter), cap);
    }

    /** The visibility rule on a list: the filter's owner if {@code viewer} may see that owner's tokens, else the viewer's own. */
    static TokenFilter scoped(AccountRecord viewer, TokenFilter filter) {
        return viewer.mayView(filter.owner()) ? filter : new TokenFilter(viewer.id(), filter.status(), filter.search());
    }

    /**
     * One page of tokens, newest first (by creation time, then id); {@code after} is "createdAt:id" of the last row before.
     * Unscoped: the operator's view (the command line); handlers for an account use {@link #page(AccountRecord, TokenFilter, int, String)}.
     */
    public List<IatRecord> page(TokenFilter filter, int limit, String after) {
        long now = clock.millis();
        return db.withHandle(h -> listing.tokens(h, filter, now, limit, after));
    }

    /** How many tokens match, counted up to {@code cap}. */
    public int count(TokenFilter filter, int cap) {
        long now = clock.millis();
        return db.withHandle(h -> listing.countTokens(h, filter, now, cap));
    }

    /**
     * Revokes a token: no further registrations with it. With cascade, every installation it
     * admitted is revoked too, with all its credentials, at once; without, they keep working.
     * Returns false if the token is unknown or already revoked. A cascade on a token already revoked still revokes
     * what it admitted (each installation audited on its own), in the same transaction: the API, the portal and the
     * CLI all come here for it.
     */
    public boolean revoke(String id, String reason, boolean cascade, Actor actor) {
        long now = clock.millis();
        return db.inTransaction(h -> {
            boolean done = store.revoke(h, id, now, actor.name(), reason);
            if (done) {
                Map<String, Object> d = new LinkedHashMap<>();
                if (reason != null) d.put("reason", reason);
                d.put("cascade", cascade);
                if (cascade) d.put("installations_revoked", installations.revokeAdmittedBy(h, id, now, actor, reason));
                audit.record(h, now, actor, "iat.revoke", id, d);
            } else if (cascade) {
                installations.revokeAdmittedBy(h, id, now, actor, reason);
            }
            return done;
        });
    }

    /** Disabling an account: revokes all its tokens (and, with cascade, their installations). */
    public int revokeAllOf(String owner, String reason, boolean cascade, Actor actor) {
        List<String> ids = db.withHandle(h -> store.activeIdsOfOwner(h, owner));
        int n = 0;
        for (String id : ids) {
            if (revoke(id, reason, cascade, actor)) n++;
        }
        return n;
    }

    /** Told after a token's policy changed, e.g. to drop cached copies of the clients it admitted. */
    public void onPolicyChange(Runnable listener) {
        this.policyChanged = listener;
    }

    /** Changes a token's scope; its installations get at most the new scope from their next token on. */
    public boolean updateScope(String id, String scope, Actor actor) {
        List<String> clean = normaliseScope(scope);
        long now = clock.millis();
        boolean done = db.inTransaction(h -> {
            boolean changed = store.updateScope(h, id, clean);
            if (changed) audit.record(h, now, actor, "iat.update_scope", id, Map.of("scope", String.join(" ", clean)));
            return changed;
        });
        if (done) policyChanged.run();
        return done;
    }
}
