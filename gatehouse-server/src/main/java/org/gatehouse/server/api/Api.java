package org.gatehouse.server.api;

import org.gatehouse.server.domain.TokenFilter;
import org.gatehouse.server.domain.InstallationFilter;

import org.gatehouse.server.domain.AuditFilter;
import org.gatehouse.server.domain.AuditEvent;

import org.gatehouse.server.domain.AccountLink;
import org.gatehouse.server.domain.AccountRole;
import org.gatehouse.server.domain.Coded;
import org.gatehouse.server.net.Cidr;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.gatehouse.server.accounts.AccountService;
import org.gatehouse.server.accounts.ApiTokens;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.audit.AuditExport;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.iat.TokenFile;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.installations.InstallationService;
import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.errors.OAuthError;
import org.gatehouse.server.oauth.Requests;
import org.gatehouse.server.oauth.Responses;
import org.gatehouse.server.keys.SigningKeys;
import org.gatehouse.server.registration.ResourceServers;
import org.gatehouse.server.statements.Publishers;
import org.gatehouse.server.domain.AccountRecord;
import org.gatehouse.server.domain.ClientRecord;
import org.gatehouse.server.domain.IatRecord;
import org.gatehouse.server.domain.InstallationRecord;
import org.gatehouse.server.domain.PublisherRecord;
import org.gatehouse.server.domain.SigningKeyRecord;

/**
 * The admin JSON API under {@code /api/v1} (issue 3 item 5), described by the OpenAPI document at
 * {@code /api/v1/openapi.json}. Callers present an API token ({@code Authorization: Bearer gha_…});
 * errors follow RFC 6750 (401 invalid_token, 403 insufficient_scope) and RFC 6749 §5.2
 * (400 invalid_request). Issuers see only their own tokens and installations: another account's
 * answers 404, exactly like one that does not exist. Every change is audited as {@code api:<email>}.
 */
public final class Api {
    static final String BASE = "/api/v1";
    static final int DEFAULT_PAGE = 50;
    static final int MAX_PAGE = 500;

    private final ApiTokens apiTokens;
    private final IatService iats;
    private final InstallationService installations;
    private final AccountService accounts;
    private final AuditExport auditLog;
    private final SigningKeys keys;
    private final Publishers publishers;
    private final ResourceServers resourceServers;
    private final Clock clock;
    private final String issuer;
    private final String openApi;

    /** The handlers get the services they call, nothing else (issue 14 Must 1); the container builds them. */
    public Api(ApiTokens apiTokens, IatService iats, InstallationService installations, AccountService accounts, AuditExport auditLog,
               SigningKeys keys, Publishers publishers, ResourceServers resourceServers, Clock clock, String issuer) {
        this.apiTokens = apiTokens;
        this.iats = iats;
        this.installations = installations;
        this.accounts = accounts;
        this.auditLog = auditLog;
        this.keys = keys;
        this.publishers = publishers;
        this.resourceServers = resourceServers;
        this.clock = clock;
        this.issuer = issuer;
        this.openApi = resource("/api/openapi.json").replace("__ISSUER__", issuer);
    }

    /** Registers every route of the API. */
    public void routes(RoutesConfig r) {
        Api a = this;
        r.get(BASE + "/openapi.json", ctx -> {
            ctx.status(200);
            ctx.contentType("application/json;charset=UTF-8");
            ctx.header("Cache-Control", "no-cache");
            ctx.result(a.openApi);
        });
        r.get(BASE + "/tokens", a::listTokens);
        r.post(BASE + "/tokens", a::createToken);
        r.get(BASE + "/tokens/{id}", a::getToken);
        r.post(BASE + "/tokens/{id}/revoke", a::revokeToken);
        r.get(BASE + "/installations", a::listInstallations);
        r.get(BASE + "/installations/{id}", a::getInstallation);
        r.post(BASE + "/installations/{id}/revoke", a::revokeInstallation);
        r.post(BASE + "/installations/{id}/restore", a::restoreInstallation);
        r.get(BASE + "/accounts", a::listAccounts);
        r.post(BASE + "/accounts/invitations", a::invite);
        r.post(BASE + "/accounts/{id}/disable", a::disableAccount);
        r.get(BASE + "/audit", a::audit);
        r.get(BASE + "/keys", a::listKeys);
        r.post(BASE + "/keys/rotate", a::rotateKeys);
        r.get(BASE + "/publishers", a::listPublishers);
        r.post(BASE + "/publishers", a::addPublisher);
        r.delete(BASE + "/publishers/{name}", a::removePublisher);
        r.get(BASE + "/resource-servers", a::listResourceServers);
        r.post(BASE + "/resource-servers", a::createResourceServer);
        r.post(BASE + "/resource-servers/{id}/revoke", a::revokeResourceServer);
    }

    // --- authentication and scopes

    /** The caller, who must hold {@code scope}; RFC 6750 errors otherwise. */
    private ApiTokens.Caller caller(Context ctx, String scope) {
        String auth = ctx.header("Authorization");
        // RFC 6750 §3.1: no credentials, or another scheme, get a bare challenge.
        if (auth == null || auth.length() < 7 || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw OAuthError.bearerMissing("an API token is required (Authorization: Bearer gha_…)");
        }
        Optional<ApiTokens.Caller> c = apiTokens.authenticate(auth.substring(7).strip());
        if (c.isEmpty()) throw OAuthError.invalidToken("the API token is unknown, expired or revoked, or its account is disabled");
        if (!c.get().has(scope)) {
            throw new OAuthError(403, "insufficient_scope", "this request needs the scope " + scope,
                    "Bearer realm=\"gatehouse\", error=\"insufficient_scope\", scope=\"" + scope + "\"");
        }
        return c.get();
    }

    private static Actor actor(Context ctx, ApiTokens.Caller c) {
        return AccountService.apiActor(c.account(), Requests.clientAddress(ctx));
    }

    private static OAuthError notFound(String what) {
        return new OAuthError(404, "not_found", "there is no such " + what, null);
    }

    // --- tokens (initial access tokens)

    private void listTokens(Context ctx) {
        ApiTokens.Caller c = caller(ctx, "tokens:read");
        only(ctx, "status", "owner", "search", "limit", "after");
        TokenFilter.Status status = enumParam(ctx, "status", TokenFilter.Status.values());
        String owner = param(ctx, "owner", 40); // an issuer's lists are their own whatever they ask: the service scopes them
        String search = param(ctx, "search", 200);
        int limit = limit(ctx);
        String after = param(ctx, "after", 80);
        if (after != null && !after.matches("[0-9]{1,19}:[A-Za-z0-9_-]{1,60}")) throw OAuthError.invalidRequest("after is not a cursor from a next link");
        List<IatRecord> page = iats.page(c.account(), new TokenFilter(owner, status, search), limit + 1, after);
        long now = clock.millis();
        List<Object> items = new ArrayList<>();
        for (IatRecord t : page.subList(0, Math.min(limit, page.size()))) items.add(token(t, now));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("items", items);
        if (page.size() > limit) {
            IatRecord last = page.get(limit - 1);
            out.put("next", next(ctx, "/tokens", last.createdAt() + ":" + last.id()));
        }
        Responses.json(ctx, 200, out);
    }

    private void createToken(Context ctx) {
        ApiTokens.Caller c = caller(ctx, "tokens:write");
        Body b = body(ctx, "label", "max_registrations", "expires_in", "scope", "client_cidrs", "software_ids", "reregistration",
                "resources", "require_key_bound", "require_dpop");
        String label = b.string("label", true, IatService.MAX_LABEL);
        long max = b.integer("max_registrations", true, 1, IatService.MAX_REGISTRATIONS);
        long expiresIn = b.integer("expires_in", true, 1, IatService.MAX_LIFETIME.toSeconds());
        String scope = b.string("scope", false, 2000);
        List<String> cidrs = b.strings("client_cidrs", 50);
        List<String> softwareIds = b.strings("software_ids", 50);
        String rereg = b.string("reregistration", false, 10);
        List<String> resources = b.strings("resources", 50, 2000);
        boolean keyBound = b.bool("require_key_bound", false);
        boolean dpop = b.bool("require_dpop", false);
        IatService.Created created = iats.create(new IatService.Spec(label, (int) max, Duration.ofSeconds(expiresIn), scope, softwareIds, cidrs,
                rereg, c.account().id()).keyBound(keyBound, dpop), actor(ctx, c), resourceServers.limitTokenTo(resources));
        Map<String, Object> out = token(created.record(), clock.millis());
        out.put("token", created.token());
        out.put("token_file", TokenFile.content(created, issuer));
        ctx.header("Location", BASE + "/tokens/" + created.record().id());
        Responses.noStoreJson(ctx, 201, out);
    }

    private IatRecord visibleToken(ApiTokens.Caller c, String id) {
        return iats.visibleTo(id, c.account()).orElseThrow(() -> notFound("token"));
    }

    private void getToken(Context ctx) {
        ApiTokens.Caller c = caller(ctx, "tokens:read");
        Responses.json(ctx, 200, token(visibleToken(c, ctx.pathParam("id")), clock.millis()));
    }

    private void revokeToken(Context ctx) {
        ApiTokens.Caller c = caller(ctx, "tokens:write");
        IatRecord t = visibleToken(c, ctx.pathParam("id"));
        Body b = body(ctx, "reason", "cascade");
        String reason = b.string("reason", false, 300);
        boolean cascade = b.bool("cascade", false);
        String why = reason == null ? "revoked through the API" : reason;
        iats.revoke(t.id(), why, cascade, actor(ctx, c)); // with cascade, an already revoked token's installations too
        Responses.json(ctx, 200, token(iats.get(t.id()).orElseThrow(), clock.millis()));
    }

    static Map<String, Object> token(IatRecord t, long now) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", t.id());
        m.put("label", t.label());
        m.put("status", t.status(now).code());
        m.put("scope", t.scope());
        m.put("max_registrations", t.maxRegistrations());
        m.put("registrations", t.registrations());
        m.put("created_at", time(t.createdAt()));
        m.put("created_by", t.createdBy());
        m.put("expires_at", time(t.expiresAt()));
        m.put("owner", t.ownerAccount());
        m.put("reregistration", t.reregistration().code());
        if (t.softwareIds() != null) m.put("software_ids", t.softwareIds());
        // An unreadable stored value admits no address; client_cidrs is then left out, not [] (which on create means any
        // address: a token copied from this output must not widen what the stored one allowed).
        if (t.clientCidrsUnreadable() != null) m.put("client_cidrs_unreadable", t.clientCidrsUnreadable());
        else if (t.clientCidrs() != null) m.put("client_cidrs", t.clientCidrs().stream().map(Cidr::toString).toList());
        m.put("require_key_bound", t.requireKeyBound());
        m.put("require_dpop", t.requireDpop());
        if (t.revokedAt() != null) {
            m.put("revoked_at", time(t.revokedAt()));
            m.put("revoked_by", t.revokedBy());
            if (t.revokedReason() != null) m.put("revoked_reason", t.revokedReason());
        }
        return m;
    }

    // --- installations

    private void listInstallations(Context ctx) {
        ApiTokens.Caller c = caller(ctx, "installations:read");
        only(ctx, "token", "status", "stale", "flagged", "owner", "limit", "after");
        String token = param(ctx, "token", 40);
        InstallationFilter.Status status = enumParam(ctx, "status", InstallationFilter.Status.values());
        Boolean stale = boolParam(ctx, "stale");
        Boolean flagged = boolParam(ctx, "flagged");
        String owner = param(ctx, "owner", 40); // scoped by the service, as tokens
        int limit = limit(ctx);
        String after = param(ctx, "after", 60);
        if (after != null && !after.matches("inst_[A-Za-z0-9_-]{1,50}")) throw OAuthError.invalidRequest("after is not a cursor from a next link");
        List<InstallationRecord> page = installations.list(c.account(), new InstallationFilter(token, status, stale, flagged, owner), limit + 1, after);
        List<Object> items = new ArrayList<>();
        for (InstallationRecord i : page.subList(0, Math.min(limit, page.size()))) items.add(installation(i));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("items", items);
        if (page.size() > limit) out.put("next", next(ctx, "/installations", page.get(limit - 1).id()));
        Responses.json(ctx, 200, out);
    }

    private InstallationRecord visibleInstallation(ApiTokens.Caller c, String id) {
        return installations.visibleTo(id, c.account()).orElseThrow(() -> notFound("installation"));
    }

    private void getInstallation(Context ctx) {
        ApiTokens.Caller c = caller(ctx, "installations:read");
        Responses.json(ctx, 200, installation(visibleInstallation(c, ctx.pathParam("id"))));
    }

    private void revokeInstallation(Context ctx) {
        ApiTokens.Caller c = caller(ctx, "installations:write");
        InstallationRecord i = visibleInstallation(c, ctx.pathParam("id"));
        Body b = body(ctx, "reason");
        String reason = b.string("reason", false, 300);
        installations.revoke(i.id(), reason == null ? "revoked through the API" : reason, actor(ctx, c));
        Responses.json(ctx, 200, installation(visibleInstallation(c, i.id())));
    }

    /** The way back for a revoked installation: it may register again; its old credentials stay revoked. */
    private void restoreInstallation(Context ctx) {
        ApiTokens.Caller c = caller(ctx, "installations:write");
        InstallationRecord i = visibleInstallation(c, ctx.pathParam("id"));
        boolean restored;
        try {
            restored = installations.restore(i.id(), c.account(), actor(ctx, c));
        } catch (InstallationService.RestoreForbidden e) {
            throw new OAuthError(403, "access_denied", InstallationService.ADMIN_ONLY, null);
        }
        if (!restored) {
            throw new OAuthError(409, "invalid_request", InstallationService.NOT_REVOKED, null); // a conflict with its state, as elsewhere here
        }
        Responses.json(ctx, 200, installation(visibleInstallation(c, i.id())));
    }

    static Map<String, Object> installation(InstallationRecord i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", i.id());
        if (i.installationId() != null) m.put("installation_id", i.installationId());
        m.put("owner", i.ownerAccount());
        m.put("status", i.status().code());
        m.put("first_token", i.firstIatId());
        m.put("last_token", i.lastIatId());
        if (i.softwareId() != null) m.put("software_id", i.softwareId());
        if (i.softwareVersion() != null) m.put("software_version", i.softwareVersion());
        if (i.clientName() != null) m.put("client_name", i.clientName());
        m.put("registrations", i.registrations());
        m.put("active_clients", i.activeClients());
        m.put("created_at", time(i.createdAt()));
        m.put("last_registered_at", time(i.lastRegisteredAt()));
        if (i.lastSeenAt() != null) m.put("last_seen_at", time(i.lastSeenAt()));
        m.put("token_count", i.tokenCount());
        if (i.staleAt() != null) m.put("stale_at", time(i.staleAt()));
        m.put("flagged", i.flagged());
        if (i.flaggedAt() != null) m.put("flagged_at", time(i.flaggedAt()));
        if (i.flagReason() != null) m.put("flag_reason", i.flagReason());
        if (i.revokedAt() != null) {
            m.put("revoked_at", time(i.revokedAt()));
            if (i.revokedBy() != null) m.put("revoked_by", i.revokedBy());
            if (i.revokedReason() != null) m.put("revoked_reason", i.revokedReason());
        }
        return m;
    }

    // --- accounts (admin)

    private void listAccounts(Context ctx) {
        caller(ctx, "accounts:admin");
        List<Object> items = new ArrayList<>();
        for (AccountRecord a : accounts.list()) items.add(account(a));
        Responses.json(ctx, 200, Map.of("items", items));
    }

    private void invite(Context ctx) {
        ApiTokens.Caller c = caller(ctx, "accounts:admin");
        Body b = body(ctx, "email", "role");
        String email = b.string("email", true, 320);
        String role = b.string("role", false, 10);
        AccountService.NewLink link = accounts.invite(email, role == null ? AccountRole.ISSUER.code() : role, actor(ctx, c));
        AccountLink l = accounts.link(link.id()).orElseThrow();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", link.id());
        out.put("email", l.email());
        out.put("role", l.role().code());
        out.put("url", link.url());
        out.put("expires_at", time(link.expiresAt()));
        Responses.noStoreJson(ctx, 201, out);
    }

    private void disableAccount(Context ctx) {
        ApiTokens.Caller c = caller(ctx, "accounts:admin");
        String id = ctx.pathParam("id");
        AccountRecord a = (id.length() > 40 ? Optional.<AccountRecord>empty() : accounts.find(id)).orElseThrow(() -> notFound("account"));
        Body b = body(ctx, "reason", "cascade");
        String reason = b.string("reason", false, 300);
        boolean cascade = b.bool("cascade", false);
        int n = accounts.disable(a.id(), cascade, reason == null ? "account disabled through the API" : reason, actor(ctx, c));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("account", account(accounts.find(a.id()).orElseThrow()));
        out.put("tokens_revoked", Math.max(0, n));
        Responses.json(ctx, 200, out);
    }

    static Map<String, Object> account(AccountRecord a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", a.id());
        m.put("email", a.email());
        m.put("role", a.role().code());
        m.put("status", a.status().code());
        m.put("created_at", time(a.createdAt()));
        m.put("created_by", a.createdBy());
        if (a.disabledAt() != null) m.put("disabled_at", time(a.disabledAt()));
        if (a.lastSignInAt() != null) m.put("last_sign_in_at", time(a.lastSignInAt()));
        return m;
    }

    // --- audit (admin)

    private void audit(Context ctx) {
        caller(ctx, "audit:read");
        only(ctx, "actor", "action", "subject", "since", "until", "limit", "after");
        String actor = param(ctx, "actor", 300);
        String action = param(ctx, "action", 100);
        String subject = param(ctx, "subject", 100);
        Long since = timeParam(ctx, "since");
        Long until = timeParam(ctx, "until");
        int limit = limit(ctx);
        String afterText = param(ctx, "after", 19);
        Long after;
        try {
            after = afterText == null ? null : Long.valueOf(afterText);
        } catch (NumberFormatException e) {
            throw OAuthError.invalidRequest("after is not a cursor from a next link");
        }
        List<AuditEvent> page = auditLog.page(new AuditFilter(actor, action, subject, since, until), limit + 1, after);
        List<Object> items = new ArrayList<>();
        for (AuditEvent e : page.subList(0, Math.min(limit, page.size()))) {
            items.add(AuditExport.json(e));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("items", items);
        if (page.size() > limit) out.put("next", next(ctx, "/audit", Long.toString(page.get(limit - 1).id())));
        Responses.json(ctx, 200, out);
    }

    // --- signing keys (admin)

    private void listKeys(Context ctx) {
        caller(ctx, "keys:admin");
        Responses.json(ctx, 200, keys());
    }

    private void rotateKeys(Context ctx) {
        ApiTokens.Caller c = caller(ctx, "keys:admin");
        body(ctx);
        String kid;
        try {
            kid = keys.rotate(actor(ctx, c));
        } catch (org.gatehouse.server.keys.SigningKeys.NotPublishedLongEnough e) {
            throw new OAuthError(409, "invalid_request", e.getMessage(), null);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("active_kid", kid);
        out.putAll(keys());
        Responses.json(ctx, 200, out);
    }

    private Map<String, Object> keys() {
        List<Object> items = new ArrayList<>();
        for (SigningKeyRecord k : keys.list()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kid", k.kid());
            m.put("alg", k.alg());
            m.put("state", k.state().code());
            m.put("created_at", time(k.createdAt()));
            if (k.activatedAt() != null) m.put("activated_at", time(k.activatedAt()));
            if (k.retiredAt() != null) m.put("retired_at", time(k.retiredAt()));
            if (k.publishUntil() != null) m.put("publish_until", time(k.publishUntil()));
            try {
                m.put("public_jwk", Json.parseObject(k.publicJwk()));
            } catch (Json.JsonException e) {
                throw new IllegalStateException("stored public key is not JSON");
            }
            items.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("items", items);
        return out;
    }

    // --- publishers (admin)

    private void listPublishers(Context ctx) {
        caller(ctx, "publishers:admin");
        List<Object> items = new ArrayList<>();
        for (PublisherRecord p : publishers.list()) items.add(publisher(p));
        Responses.json(ctx, 200, Map.of("items", items));
    }

    private void addPublisher(Context ctx) {
        ApiTokens.Caller c = caller(ctx, "publishers:admin");
        Body b = body(ctx, "name", "jwks", "jwks_url", "max_age_seconds");
        String name = b.string("name", true, 200);
        Object jwks = b.map.get("jwks");
        if (jwks != null && !(jwks instanceof Map)) throw InvalidInput.of("jwks", "jwks must be a JWK Set object");
        String jwksUrl = b.string("jwks_url", false, 2000);
        Long maxAge = b.map.containsKey("max_age_seconds") ? b.integer("max_age_seconds", true, 1, Duration.ofDays(3650).toSeconds()) : null;
        PublisherRecord p = publishers.add(name, jwks == null ? null : Json.write(jwks), jwksUrl, maxAge == null ? null : Duration.ofSeconds(maxAge),
                actor(ctx, c));
        ctx.header("Location", BASE + "/publishers/" + URLEncoder.encode(p.name(), StandardCharsets.UTF_8));
        Responses.json(ctx, 201, publisher(p));
    }

    private void removePublisher(Context ctx) {
        ApiTokens.Caller c = caller(ctx, "publishers:admin");
        String name = ctx.pathParam("name");
        int requiring = name.length() > 200 ? -1 : publishers.remove(name, actor(ctx, c));
        if (requiring < 0) throw notFound("publisher");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", name);
        out.put("tokens_requiring_it", requiring);
        Responses.json(ctx, 200, out);
    }

    static Map<String, Object> publisher(PublisherRecord p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", p.id());
        m.put("name", p.name());
        if (p.jwks() != null) {
            try {
                m.put("jwks", Json.parseObject(p.jwks()));
            } catch (Json.JsonException e) {
                throw new IllegalStateException("stored JWKS is not JSON");
            }
        }
        if (p.jwksUrl() != null) m.put("jwks_url", p.jwksUrl());
        if (p.maxAgeSeconds() != null) m.put("max_age_seconds", p.maxAgeSeconds());
        m.put("created_at", time(p.createdAt()));
        m.put("created_by", p.createdBy());
        return m;
    }

    // --- resource servers (admin; RFC 8707)

    private void listResourceServers(Context ctx) {
        caller(ctx, "resource-servers:admin");
        List<Object> items = new ArrayList<>();
        for (ResourceServers.Listed l : resourceServers.list()) items.add(resourceServer(l.client(), l.audience()));
        Responses.json(ctx, 200, Map.of("items", items));
    }

    private void createResourceServer(Context ctx) {
        ApiTokens.Caller c = caller(ctx, "resource-servers:admin");
        Body b = body(ctx, "name", "audience", "scope", "token_endpoint_auth_method");
        String name = b.string("name", true, 200);
        String audience = b.string("audience", true, 2000);
        String scope = b.string("scope", false, 4000);
        String method = b.string("token_endpoint_auth_method", false, 40);
        ResourceServers.Created created;
        try {
            created = resourceServers.create(name, method == null ? "client_secret_basic" : method, audience, scope, actor(ctx, c));
        } catch (ResourceServers.AudienceTaken e) {
            Responses.invalidInput(ctx, 409, e); // a conflict with the current state, as elsewhere here
            return;
        }
        Map<String, Object> out = resourceServer(created.client(), audience.strip());
        out.put("client_secret", created.secret());
        Responses.noStoreJson(ctx, 201, out);
    }

    private void revokeResourceServer(Context ctx) {
        ApiTokens.Caller c = caller(ctx, "resource-servers:admin");
        String id = ctx.pathParam("id");
        String reason = body(ctx, "reason").string("reason", false, 300);
        if (id.length() > 64 || !resourceServers.revoke(id, reason, actor(ctx, c))) throw notFound("active resource server");
        ResourceServers.Listed l = resourceServers.list().stream().filter(x -> x.client().clientId().equals(id)).findFirst().orElseThrow();
        Responses.json(ctx, 200, resourceServer(l.client(), l.audience()));
    }

    static Map<String, Object> resourceServer(ClientRecord c, String audience) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("client_id", c.clientId());
        m.put("name", c.clientName());
        if (audience != null) m.put("audience", audience);
        m.put("scope", c.scope());
        m.put("token_endpoint_auth_method", c.authMethod());
        m.put("status", c.status().code());
        m.put("created_at", time(c.createdAt()));
        return m;
    }

    // --- input

    static String time(long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }

    /** A JSON request body: an object (an empty body counts as {}) with only the given members. */
    static final class Body {
        final Map<String, Object> map;

        Body(Map<String, Object> map) {
            this.map = map;
        }

        String string(String name, boolean required, int maxLength) {
            Object v = map.get(name);
            if (v == null) {
                if (required) throw InvalidInput.of(name, name + " is required");
                return null;
            }
            if (!(v instanceof String s)) throw InvalidInput.of(name, name + " must be a string");
            if (s.length() > maxLength) throw InvalidInput.of(name, name + " is longer than " + maxLength + " characters");
            return s;
        }

        long integer(String name, boolean required, long min, long max) {
            Object v = map.get(name);
            if (v == null) {
                if (required) throw InvalidInput.of(name, name + " is required");
                return min;
            }
            if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() < min || ((Number) v).longValue() > max) {
                throw InvalidInput.of(name, name + " must be an integer from " + min + " to " + max);
            }
            return ((Number) v).longValue();
        }

        boolean bool(String name, boolean fallback) {
            Object v = map.get(name);
            if (v == null) return fallback;
            if (!(v instanceof Boolean b)) throw InvalidInput.of(name, name + " must be true or false");
            return b;
        }

        List<String> strings(String name, int maxItems) {
            return strings(name, maxItems, 200);
        }

        List<String> strings(String name, int maxItems, int maxLength) {
            Object v = map.get(name);
            if (v == null) return null;
            if (!(v instanceof List<?> list) || list.size() > maxItems) {
                throw InvalidInput.of(name, name + " must be an array of at most " + maxItems + " strings");
            }
            List<String> out = new ArrayList<>();
            for (Object o : list) {
                if (!(o instanceof String s) || s.length() > maxLength) {
                    throw InvalidInput.of(name, name + " must be an array of strings of at most " + maxLength + " characters");
                }
                out.add(s);
            }
            return out;
        }
    }

    /**
     * The request's JSON object, read from its bytes, strictly as UTF-8 (RFC 8259 §8.1): bytes that are not UTF-8 (a
     * Latin-1 "é", an overlong form, UTF-16) are a 400 invalid_request, not replacement characters. Its size is
     * bounded by the server's GATEHOUSE_MAX_BODY_BYTES before it gets here. An empty body (or only JSON whitespace)
     * is an empty object.
     */
    private static Body body(Context ctx, String... allowed) {
        byte[] bytes = ctx.bodyAsBytes();
        Map<String, Object> map;
        if (blank(bytes)) {
            map = new LinkedHashMap<>();
        } else {
            try {
                map = Json.parseObject(bytes);
            } catch (Json.JsonException e) {
                throw OAuthError.invalidRequest(e.getMessage());
            }
        }
        Set<String> ok = Set.of(allowed);
        for (String k : map.keySet()) {
            if (!ok.contains(k)) throw InvalidInput.of(org.gatehouse.server.text.Text.printable(k), "unknown member '" + org.gatehouse.server.text.Text.printable(k) + "'");
        }
        return new Body(map);
    }

    /** Nothing but JSON whitespace (RFC 8259 §2: space, tab, line feed, carriage return). */
    private static boolean blank(byte[] bytes) {
        for (byte b : bytes) {
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') return false;
        }
        return true;
    }

    private static void only(Context ctx, String... allowed) {
        Set<String> ok = Set.of(allowed);
        for (String k : ctx.queryParamMap().keySet()) {
            if (!ok.contains(k)) throw OAuthError.invalidRequest("unknown query parameter '" + org.gatehouse.server.text.Text.printable(k) + "'");
        }
    }

    private static String param(Context ctx, String name, int maxLength) {
        List<String> values = ctx.queryParams(name);
        if (values.isEmpty()) return null;
        if (values.size() > 1) throw OAuthError.invalidRequest(name + " is given more than once");
        String v = values.get(0);
        if (v.isEmpty()) return null;
        if (v.length() > maxLength || !org.gatehouse.server.text.Text.isPlain(v)) throw OAuthError.invalidRequest(name + " is not valid");
        return v;
    }

    /** A query parameter naming one of {@code values} by its code; null when absent. */
    private static <E extends Coded> E enumParam(Context ctx, String name, E[] values) {
        String v = param(ctx, name, 20);
        if (v == null) return null;
        return Coded.parse(values, v).orElseThrow(() -> InvalidInput.of(name, name + " must be one of "
                + String.join(", ", Coded.codes(values))));
    }

    private static Boolean boolParam(Context ctx, String name) {
        String v = param(ctx, name, 5);
        if (v == null) return null;
        if (!v.equals("true") && !v.equals("false")) throw OAuthError.invalidRequest(name + " must be true or false");
        return Boolean.valueOf(v);
    }

    private static Long timeParam(Context ctx, String name) {
        String v = param(ctx, name, 40);
        if (v == null) return null;
        try {
            return Instant.parse(v).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw OAuthError.invalidRequest(name + " must be an RFC 3339 date-time such as 2026-01-31T00:00:00Z");
        }
    }

    private static int limit(Context ctx) {
        String v = param(ctx, "limit", 5);
        if (v == null) return DEFAULT_PAGE;
        try {
            int n = Integer.parseInt(v);
            if (n >= 1 && n <= MAX_PAGE) return n;
        } catch (NumberFormatException e) {
            // falls through
        }
        throw OAuthError.invalidRequest("limit must be an integer from 1 to " + MAX_PAGE);
    }

    /** The link to the next page: the same query with the cursor replaced. */
    private String next(Context ctx, String path, String cursor) {
        StringBuilder b = new StringBuilder(issuer).append(BASE).append(path).append('?');
        for (Map.Entry<String, List<String>> e : ctx.queryParamMap().entrySet()) {
            if (e.getKey().equals("after")) continue;
            for (String v : e.getValue()) {
                b.append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
                        .append(URLEncoder.encode(v, StandardCharsets.UTF_8)).append('&');
            }
        }
        return b.append("after=").append(URLEncoder.encode(cursor, StandardCharsets.UTF_8)).toString();
    }

    private static String resource(String path) {
        try (InputStream in = Api.class.getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("missing resource " + path);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
