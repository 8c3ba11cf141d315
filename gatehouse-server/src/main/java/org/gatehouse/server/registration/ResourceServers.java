package org.gatehouse.server.registration;

import org.gatehouse.server.domain.ClientKind;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.audit.Audit;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.domain.ClientRecord;
import org.gatehouse.server.store.ClientStore;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.store.ResourceStore;
import org.gatehouse.server.store.Sql;
import org.gatehouse.server.text.Text;
import org.gatehouse.server.tokens.ResourceCatalog;

/**
 * Resource servers (RFC 8707): each declares the audience URI that installations name in the
 * resource parameter and the scopes it serves, and gets credentials with which it introspects
 * (RFC 7662) and revokes (RFC 7009) the tokens meant for it. Credentials without an audience (made
 * before resource indicators) introspect and revoke any token, and no credentials obtain tokens.
 */
public final class ResourceServers {
    public record Created(ClientRecord client, String secret) {
    }

    /**
     * The audience is already another active resource server's: found by the check, or, when two creates
     * race past it, refused by the unique index over active_audience (SQLSTATE 23505). A conflict with the
     * current state: 409 in the API, exit 2 with this one line in the CLI.
     */
    public static final class AudienceTaken extends InvalidInput {
        AudienceTaken(String audience) {
            super(Map.of("audience", "a resource server with the audience " + audience + " exists already"));
        }
    }

    /** A resource server as listed: its credential, the audience (null: none declared) and the scopes it serves. */
    public record Listed(ClientRecord client, String audience) {
    }

    private final Database db;
    private final ClientStore clients;
    private final ResourceStore resources;
    private final Secrets secrets;
    private final Audit audit;
    private final Clock clock;
    private final Set<String> knownScopes;
    private final ResourceCatalog catalog;

    /** @param cacheTtl how long the token endpoint may use what it read (GATEHOUSE_CLIENT_CACHE_TTL, see ResourceCatalog) */
    public ResourceServers(Database db, ClientStore clients, ResourceStore resources, Secrets secrets, Audit audit, Clock clock,
                           Set<String> knownScopes, Duration cacheTtl) {
        this.db = db;
        this.clients = clients;
        this.resources = resources;
        this.secrets = secrets;
        this.audit = audit;
        this.clock = clock;
        this.knownScopes = knownScopes;
        this.catalog = new ResourceCatalog(this::load, cacheTtl);
    }

    /** What the token and introspection endpoints consult: kept in memory within the cache bound. */
    public ResourceCatalog catalog() {
        return catalog;
    }

    /** Credentials without an audience: they introspect and revoke every token. */
    public Created create(String name, String authMethod, Actor actor) {
        return create(name, authMethod, null, null, actor);
    }

    /**
     * @param audience the absolute URI installations name as resource (RFC 8707 §2), unique among
     *                 active resource servers; null for credentials that see every token
     * @param scope    the scopes it serves, space-separated, each known to this server; null or empty: every scope
     */
    public Created create(String name, String authMethod, String audience, String scope, Actor actor) {
        InvalidInput.Problems problems = new InvalidInput.Problems();
        if (name == null || name.isBlank() || name.length() > 200 || !Text.isPlain(name)) {
            problems.add("name", "Enter a name of 1 to 200 printable characters.");
        }
        if (!MetadataRules.AUTH_METHODS.contains(authMethod)) {
            problems.add("token_endpoint_auth_method", "Choose the authentication method client_secret_basic or client_secret_post.");
        }
        String aud = audience == null ? null : problems.collect(() -> audience("audience", audience));
        String cleanScope = problems.collect(() -> scope(scope));
        if (audience == null && cleanScope != null && !cleanScope.isEmpty()) problems.add("scope", "Scopes need an audience: give the audience too.");
        problems.throwIfAny();
        long now = clock.millis();
        String secret = Secrets.newSecret(Secrets.CLIENT_SECRET);
        String metadata = aud == null ? "{}" : Json.write(Map.of("audience", aud));
        ClientRecord rs = ClientRecord.builder().clientId("rs_" + Secrets.randomId(12)).kind(ClientKind.RESOURCE_SERVER)
                .secretHash(secrets.hash(secret)).secretIssuedAt(now).authMethod(authMethod).scope(cleanScope).clientName(name.strip())
                .metadata(metadata).createdAt(now).updatedAt(now).audience(aud).build();
        try {
            db.inTransaction(h -> {
                if (aud != null && resources.active(h).stream().anyMatch(r -> r.audience().equals(aud))) throw new AudienceTaken(aud);
                clients.insert(h, rs);
                if (aud != null) resources.setAudience(h, rs.clientId(), aud); // the unique index settles a race
                Map<String, Object> details = new LinkedHashMap<>();
                details.put("name", rs.clientName());
                if (aud != null) details.put("audience", aud);
                if (!cleanScope.isEmpty()) details.put("scope", cleanScope);
                audit.record(h, now, actor, "resource_server.create", rs.clientId(), details);
                return null;
            });
        } catch (RuntimeException e) {
            // A concurrent create with the same audience committed between our check and our update.
            if (aud != null && Sql.isUniqueViolation(e)) throw new AudienceTaken(aud);
            throw e;
        }
        catalog.invalidate();
        return new Created(rs, secret);
    }

    public List<Listed> list() {
        return db.withHandle(h -> clients.listByKind(h, ClientKind.RESOURCE_SERVER).stream().map(c -> new Listed(c, c.audience())).toList());
    }

    /** Revokes the credentials; the audience becomes free for a new resource server. */
    public boolean revoke(String clientId, String reason, Actor actor) {
        long now = clock.millis();
        boolean done = db.inTransaction(h -> {
            boolean found = clients.find(h, clientId).filter(c -> c.kind() == ClientKind.RESOURCE_SERVER).isPresent();
            boolean revoked = found && clients.revoke(h, clientId, now, actor.name(), reason);
            if (revoked) {
                resources.releaseAudience(h, clientId); // the record keeps it: a cached copy still sees only its own tokens
                audit.record(h, now, actor, "resource_server.revoke", clientId, reason == null ? null : Map.of("reason", reason));
            }
            return revoked;
        });
        catalog.invalidate();
        return done;
    }

    /**
     * An initial access token's limit (issue 19): its installations may name only these resources.
     * Stored with the token, in its transaction; null or empty: no limit.
     */
    public IatService.Extra limitTokenTo(List<String> audiences) {
        if (audiences == null || audiences.isEmpty()) return null;
        Set<String> clean = new LinkedHashSet<>();
        InvalidInput.Problems problems = new InvalidInput.Problems();
        List<String> bad = new java.util.ArrayList<>();
        InvalidInput first = null;
        for (String a : audiences) {
            try {
                clean.add(audience("resources", a));
            } catch (InvalidInput e) {
                bad.add(Text.printable(a.strip()));
                if (first == null) first = e;
            }
        }
        if (bad.size() == 1) problems.addAll(first);
        if (bad.size() > 1) {
            problems.add("resources", "These are not audience URIs: " + String.join(", ", bad)
                    + ". An audience is an absolute URI without a fragment (RFC 8707 §2), such as https://api.example.org/.");
        }
        if (clean.size() > 50) problems.add("resources", "Name at most 50 resource servers per token.");
        if (!problems.isEmpty()) return IatService.Extra.invalid(new InvalidInput(problems.fields())); // reported with the spec's problems
        String joined = String.join(" ", clean);
        return (h, record, details) -> {
            Set<String> known = new LinkedHashSet<>();
            resources.active(h).forEach(r -> known.add(r.audience()));
            List<String> unknown = clean.stream().filter(a -> !known.contains(a)).toList();
            if (!unknown.isEmpty()) {
                throw InvalidInput.of("resources", "No resource server has the audience " + String.join(", ", unknown) + ".");
            }
            resources.setTokenResources(h, record.id(), joined);
            details.put("resources", joined);
        };
    }

    /** The catalog's view of the database: active audiences with the scopes they serve. */
    private ResourceCatalog.Snapshot load() {
        return db.withHandle(h -> {
            Map<String, Set<String>> scopes = new LinkedHashMap<>();
            for (ResourceStore.Resource r : resources.active(h)) scopes.put(r.audience(), Text.scopeSet(r.scope()));
            return new ResourceCatalog.Snapshot(Map.copyOf(scopes));
        });
    }

    private static String audience(String field, String audience) {
        if (audience.isBlank()) throw InvalidInput.of(field, "Enter an audience URI such as https://api.example.org/: the audience URI is required.");
        try {
            return ResourceCatalog.parse(audience.strip());
        } catch (org.gatehouse.server.errors.OAuthError e) { // the token endpoint's rule for a resource (RFC 8707 §2), worded there
            throw InvalidInput.of(field, "The audience " + Text.printable(audience.strip()) + " cannot be used: " + e.description() + ".");
        }
    }

    private String scope(String scope) {
        if (scope == null || scope.isBlank()) return "";
        Set<String> tokens = Text.scopeSet(scope.strip()); // InvalidInput on scope if malformed
        List<String> unknown = tokens.stream().filter(t -> !knownScopes.contains(t)).map(t -> "'" + Text.printable(t) + "'").toList();
        if (!unknown.isEmpty()) {
            throw InvalidInput.of("scope", (unknown.size() == 1 ? "Unknown scope " : "Unknown scopes ") + String.join(", ", unknown)
                    + " (known: " + String.join(" ", knownScopes) + ").");
        }
        return String.join(" ", tokens);
    }
}
