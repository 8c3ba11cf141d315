package org.gatehouse.server.api;

import org.gatehouse.server.accounts.AccountService;
import org.gatehouse.server.accounts.ApiTokens;
import org.gatehouse.server.domain.AuditFilter;
import org.gatehouse.server.domain.AuditEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.gatehouse.server.domain.AccountRole;
import org.gatehouse.server.domain.AccountStatus;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.domain.AccountRecord;
import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.store.AccountStore;
import org.gatehouse.server.store.PortalStore;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/**
 * The admin JSON API (issue 3 item 5) over real HTTP on both backends. Every response received is
 * checked against the OpenAPI document the server publishes.
 */
@BothBackends
class ApiTest {
    @Parameter
    String backend;

    private TestServer s() {
        return TestServer.shared(backend);
    }

    // --- fixtures

    /** An account inserted directly (the portal's sign-in is tested elsewhere). */
    private AccountRecord account(String role) {
        String id = "acc_" + Secrets.randomId(9);
        String email = role + "-" + Secrets.randomId(6).toLowerCase().replaceAll("[^a-z0-9]", "x") + "@example.org";
        AccountRecord a = new AccountRecord(id, email, AccountRole.parse(role).orElseThrow(), AccountStatus.ACTIVE, "unused", null, 0, System.currentTimeMillis(),
                "test", null, null);
        s().gatehouse().db.inTransaction(h -> {
            new AccountStore().insertAccount(h, a);
            return null;
        });
        return a;
    }

    private String apiToken(AccountRecord a, String... scopes) {
        return s().gatehouse().apiTokens.create(a, "test", List.of(scopes), Duration.ofDays(1), Actor.cli()).token();
    }

    private String admin() {
        return apiToken(account("admin"), ApiTokens.SCOPES.toArray(String[]::new));
    }

    private static final String[] ISSUER_SCOPES = {"tokens:read", "tokens:write", "installations:read", "installations:write"};

    private OpenApi spec;

    /** Calls the API and checks the response against the OpenAPI document. */
    private Http.Response call(String method, String path, String bearer, String json) {
        Http h = s().http;
        Http.Response r = switch (method) {
            case "GET" -> h.get(path, bearer);
            case "POST" -> h.postJson(path, bearer, json == null ? "" : json);
            case "DELETE" -> h.delete(path, bearer);
            default -> throw new IllegalArgumentException(method);
        };
        if (spec == null) spec = new OpenApi(s().http.get("/api/v1/openapi.json").body());
        String p = path.startsWith("http") ? path.substring(s().issuer.length()) : path;
        assertThat(spec.validate(method, p, r.status(), r.body())).as("%s %s → %s %s", method, path, r.status(), r.body()).isEmpty();
        return r;
    }

    private Http.Response get(String path, String bearer) {
        return call("GET", path, bearer, null);
    }

    private Http.Response post(String path, String bearer, String json) {
        return call("POST", path, bearer, json);
    }

    /**
     * Issue 14: which rows an account may list is decided once, by the services (AccountRecord.mayView), for the API,
     * the portal and anything else that lists for an account: an issuer asking for every owner or another account's
     * gets their own; an admin gets what they asked for.
     */
    @Test
    void listsAreScopedByTheServicesForEveryCaller() {
        var g = s().gatehouse();
        AccountRecord ann = account("issuer"), bob = account("issuer"), root = account("admin");
        String annToken = g.iats.create(new org.gatehouse.server.iat.IatService.Spec("ann's", 5, Duration.ofDays(1), null, null, null, null, ann.id()),
                Actor.cli()).record().id();
        var bobToken = g.iats.create(new org.gatehouse.server.iat.IatService.Spec("bob's", 5, Duration.ofDays(1), null, null, null, null, bob.id()),
                Actor.cli());
        Flow.register(s(), bobToken.token(), "{\"installation_id\":\"" + Flow.installationId() + "\"}");
        var everyone = new org.gatehouse.server.domain.TokenFilter(null, null, null);
        var bobs = new org.gatehouse.server.domain.TokenFilter(bob.id(), null, null);
        assertThat(g.iats.page(ann, everyone, 500, null)).extracting(t -> t.ownerAccount()).containsOnly(ann.id());
        assertThat(g.iats.page(ann, bobs, 500, null)).extracting(t -> t.id()).containsExactly(annToken);
        assertThat(g.iats.count(ann, bobs, 100)).isEqualTo(1);
        assertThat(g.iats.page(root, bobs, 500, null)).extracting(t -> t.id()).containsExactly(bobToken.record().id());
        assertThat(g.iats.page(root, everyone, 5000, null)).extracting(t -> t.id()).contains(annToken, bobToken.record().id());
        var bobsInstallations = new org.gatehouse.server.domain.InstallationFilter(null, null, null, null, bob.id());
        var byToken = new org.gatehouse.server.domain.InstallationFilter(bobToken.record().id(), null, null, null, null);
        assertThat(g.installations.list(ann, bobsInstallations, 100, null)).isEmpty();
        assertThat(g.installations.list(ann, byToken, 100, null)).isEmpty();
        assertThat(g.installations.count(ann, byToken, 100)).isZero();
        assertThat(g.installations.list(bob, byToken, 100, null)).hasSize(1);
        assertThat(g.installations.list(root, bobsInstallations, 100, null)).hasSize(1);
        assertThat(g.installations.count(root, byToken, 100)).isEqualTo(1);
        // The API is one caller of them: ann asking for bob's tokens or installations gets her own, none of his.
        String annApi = apiToken(ann, ISSUER_SCOPES);
        assertThat(items(get("/api/v1/tokens?owner=" + bob.id(), annApi))).extracting(t -> t.get("id")).containsExactly(annToken);
        assertThat(items(get("/api/v1/installations?token=" + bobToken.record().id(), annApi))).isEmpty();
    }

    /** A POST with exactly these bytes as its body (the test client's helpers send strings as UTF-8). */
    private java.net.http.HttpResponse<String> postBytes(String path, String bearer, byte[] body) throws Exception {
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(s().issuer + path))
                .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body)).build();
        return BYTES_CLIENT.send(request, java.net.http.HttpResponse.BodyHandlers.ofString(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static final java.net.http.HttpClient BYTES_CLIENT = java.net.http.HttpClient.newHttpClient();

    /**
     * Issue 14: the API's JSON bodies are read strictly as UTF-8 (RFC 8259 §8.1), like the protocol's: a Latin-1 "é"
     * is a 400 invalid_request, not a token labelled "Caf\uFFFD"; the size bound stands (413).
     */
    @Test
    void bodiesThatAreNotUtf8AreRefusedNotReplaced() throws Exception {
        String admin = admin();
        String label = "Caf\u00e9 " + Secrets.randomId(6);
        String json = "{\"label\":\"" + label + "\",\"max_registrations\":1,\"expires_in\":3600}";
        for (java.nio.charset.Charset cs : List.of(java.nio.charset.StandardCharsets.ISO_8859_1, java.nio.charset.StandardCharsets.UTF_16)) {
            var r = postBytes("/api/v1/tokens", admin, json.getBytes(cs));
            assertThat(r.statusCode()).as(cs + ": " + r.body()).isEqualTo(400);
            assertThat(r.body()).as(cs.toString()).contains("\"error\":\"invalid_request\"").contains("not UTF-8");
        }
        String suffix = label.substring(label.indexOf(' '));
        assertThat(s().gatehouse().iats.list()).noneMatch(t -> t.label().endsWith(suffix));
        var ok = postBytes("/api/v1/tokens", admin, json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(201);
        assertThat(ok.body()).contains("\"label\":\"" + label + "\"");
        // Whitespace only is an empty object (the create then names its missing members); too large is refused as before.
        var blank = postBytes("/api/v1/tokens", admin, " \r\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(blank.statusCode()).isEqualTo(400);
        assertThat(blank.body()).contains("label");
        byte[] big = ("{\"label\":\"" + "x".repeat(s().config.maxBodyBytes) + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        var large = postBytes("/api/v1/tokens", admin, big);
        assertThat(large.statusCode()).as(large.body()).isEqualTo(413);
        assertThat(large.body()).contains("invalid_request");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> items(Http.Response r) {
        return (List<Map<String, Object>>) r.json().get("items");
    }

    private Map<String, Object> createToken(String bearer, int max) {
        Http.Response r = post("/api/v1/tokens", bearer, "{\"label\":\"Library PCs\",\"max_registrations\":" + max
                + ",\"expires_in\":86400,\"scope\":\"prefs:read\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json();
    }

    private List<AuditEvent> audit(String actor, String subject) {
        return s().gatehouse().db.withHandle(h -> new PortalStore().audit(h, new AuditFilter(actor, null, subject, null, null), 100, null));
    }

    // --- the document

    @Test
    void theOpenApiDocumentDescribesEveryOperation() {
        Http.Response r = s().http.get("/api/v1/openapi.json");
        assertThat(r.status()).isEqualTo(200);
        OpenApi doc = new OpenApi(r.body());
        assertThat(doc.doc.get("openapi")).isEqualTo("3.1.0");
        assertThat(((List<?>) doc.doc.get("servers")).toString()).contains(s().issuer);
        Set<String> ops = new TreeSet<>();
        doc.paths().forEach((path, item) -> OpenApi.map(item).keySet().stream().filter(k -> !k.equals("parameters"))
                .forEach(m -> ops.add(m.toUpperCase() + " " + path)));
        assertThat(ops).containsExactlyInAnyOrder("GET /api/v1/openapi.json", "GET /api/v1/tokens", "POST /api/v1/tokens",
                "GET /api/v1/tokens/{id}", "POST /api/v1/tokens/{id}/revoke", "GET /api/v1/installations", "GET /api/v1/installations/{id}",
                "POST /api/v1/installations/{id}/revoke", "POST /api/v1/installations/{id}/restore", "GET /api/v1/accounts", "POST /api/v1/accounts/invitations",
                "POST /api/v1/accounts/{id}/disable", "GET /api/v1/audit", "GET /api/v1/keys", "POST /api/v1/keys/rotate",
                "GET /api/v1/publishers", "POST /api/v1/publishers", "DELETE /api/v1/publishers/{name}",
                "GET /api/v1/resource-servers", "POST /api/v1/resource-servers", "POST /api/v1/resource-servers/{id}/revoke");
        assertThat(OpenApi.map(OpenApi.map(doc.doc.get("components")).get("securitySchemes"))).containsKey("apiToken");
    }

    // --- authentication

    @Test
    void missingMalformedAndUnknownTokensGet401WithAChallenge() {
        Http.Response none = get("/api/v1/tokens", null);
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"gatehouse\"");
        // RFC 6750 §3.1: no credentials, no error code (docs/api.md, "Errors"): only a description
        assertThat(none.json()).doesNotContainKey("error").containsKey("error_description");
        Http.Response unknown = get("/api/v1/tokens", "gha_" + Secrets.randomId(32));
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(unknown.str("error")).isEqualTo("invalid_token");
        assertThat(unknown.header("WWW-Authenticate")).startsWith("Bearer realm=\"gatehouse\", error=\"invalid_token\"");
        assertThat(get("/api/v1/tokens", "ghi_" + Secrets.randomId(32)).status()).isEqualTo(401);
        Http.Response basic = s().http.postRaw("/api/v1/keys/rotate", "application/json", "{}", Map.of("Authorization", Http.basic("a", "b")));
        assertThat(basic.status()).isEqualTo(401);
        assertThat(basic.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"gatehouse\""); // RFC 6750 §3.1
    }

    @Test
    void revokedExpiredAndDisabledAccountsTokensStopWorking() throws Exception {
        AccountRecord issuer = account("issuer");
        ApiTokens tokens = s().gatehouse().apiTokens;
        ApiTokens.Created revoked = tokens.create(issuer, "to revoke", List.of("tokens:read"), Duration.ofDays(1), Actor.cli());
        assertThat(get("/api/v1/tokens", revoked.token()).status()).isEqualTo(200);
        assertThat(tokens.revoke(revoked.row().id(), Actor.cli())).isTrue();
        assertThat(get("/api/v1/tokens", revoked.token()).status()).isEqualTo(401);

        ApiTokens.Created expiring = tokens.create(issuer, "short", List.of("tokens:read"), Duration.ofDays(1), Actor.cli());
        assertThat(get("/api/v1/tokens", expiring.token()).status()).isEqualTo(200);
        // Expired: moved into the past in the database rather than waited for.
        s().gatehouse().db.withHandle(h -> h.execute("UPDATE api_tokens SET expires_at = 1 WHERE id = ?", expiring.row().id()));
        assertThat(get("/api/v1/tokens", expiring.token()).str("error")).isEqualTo("invalid_token");

        String live = apiToken(issuer, "tokens:read");
        assertThat(get("/api/v1/tokens", live).status()).isEqualTo(200);
        s().gatehouse().accounts.disable(issuer.id(), false, "test", Actor.cli());
        assertThat(get("/api/v1/tokens", live).status()).isEqualTo(401);
        // Only the keyed hash is stored.
        long clear = s().gatehouse().db.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM api_tokens WHERE token_hash = :t")
                .bind("t", live).mapTo(Long.class).one());
        assertThat(clear).isZero();
        assertThat(live).startsWith("gha_");
    }

    // --- scopes

    @Test
    void scopesAreEnforcedAndNeverExceedTheAccountsRights() {
        AccountRecord issuer = account("issuer");
        String readOnly = apiToken(issuer, "tokens:read");
        Http.Response r = post("/api/v1/tokens", readOnly, "{\"label\":\"x\",\"max_registrations\":1,\"expires_in\":60}");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.str("error")).isEqualTo("insufficient_scope");
        assertThat(r.header("WWW-Authenticate")).contains("error=\"insufficient_scope\"").contains("scope=\"tokens:write\"");
        assertThat(get("/api/v1/installations", readOnly).status()).isEqualTo(403);
        // An issuer cannot get admin scopes, and an issuer token cannot reach admin endpoints.
        for (String scope : List.of("accounts:admin", "audit:read", "keys:admin", "publishers:admin", "resource-servers:admin")) {
            assertThatThrownBy(() -> s().gatehouse().apiTokens.create(issuer, "x", List.of(scope), Duration.ofDays(1), Actor.cli()))
                    .isInstanceOfSatisfying(InvalidInput.class, e -> assertThat(e.fields()).containsOnlyKeys("scope")).hasMessageContaining("admins only");
        }
        String full = apiToken(issuer, ISSUER_SCOPES);
        for (String path : List.of("/api/v1/accounts", "/api/v1/audit", "/api/v1/keys", "/api/v1/publishers", "/api/v1/resource-servers")) {
            assertThat(get(path, full).status()).as(path).isEqualTo(403);
        }
        assertThat(post("/api/v1/keys/rotate", full, "{}").status()).isEqualTo(403);
        // An admin demoted to issuer: the admin scopes of its tokens stop counting.
        AccountRecord admin = account("admin");
        String adminToken = apiToken(admin, "accounts:admin", "tokens:read");
        assertThat(get("/api/v1/accounts", adminToken).status()).isEqualTo(200);
        s().gatehouse().db.inTransaction(h -> new AccountStore().setRole(h, admin.id(), AccountRole.ISSUER));
        assertThat(get("/api/v1/accounts", adminToken).status()).isEqualTo(403);
        assertThat(get("/api/v1/tokens", adminToken).status()).isEqualTo(200);
    }

    // --- resource servers

    @Test
    void adminsCreateListAndRevokeResourceServers() {
        String admin = admin();
        String audience = "https://prefs.example.org/api/" + Secrets.randomId(6);
        Http.Response created = post("/api/v1/resource-servers", admin,
                "{\"name\":\"Prefs API\",\"audience\":\"" + audience + "\",\"scope\":\"prefs:read\"}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.header("Cache-Control")).isEqualTo("no-store");
        assertThat(created.json()).containsEntry("audience", audience).containsEntry("scope", "prefs:read").containsEntry("status", "active");
        assertThat(created.str("client_secret")).startsWith("ghs_");
        String id = created.str("client_id");
        // The token endpoint knows it at once, and the credentials introspect what is meant for it.
        Flow.Client c = Flow.register(s());
        Http.Response t = s().http.postForm("/token", c.id(), c.secret(), Map.of("grant_type", "client_credentials", "resource", audience));
        assertThat(t.status()).as(t.body()).isEqualTo(200);
        assertThat(s().http.postForm("/introspect", id, created.str("client_secret"), Map.of("token", t.str("access_token"))).json())
                .containsEntry("active", true).containsEntry("aud", audience);

        assertThat(items(get("/api/v1/resource-servers", admin))).anySatisfy(m -> assertThat(m).containsEntry("client_id", id)
                .containsEntry("audience", audience).doesNotContainKey("client_secret"));
        Http.Response taken = post("/api/v1/resource-servers", admin, "{\"name\":\"x\",\"audience\":\"" + audience + "\"}");
        assertThat(taken.status()).as(taken.body()).isEqualTo(409); // a conflict with the current state (AudienceRaceTest: also when racing)
        assertThat(taken.str("error_description")).contains("exists already");
        for (String bad : new String[] {"{\"name\":\"x\"}", "{\"name\":\"x\",\"audience\":\"not a uri\"}",
                "{\"name\":\"x\",\"audience\":\"https://a.example/\",\"scope\":\"nope\"}"}) {
            Http.Response r = post("/api/v1/resource-servers", admin, bad);
            assertThat(r.status()).as(bad + " " + r.body()).isEqualTo(400);
            assertThat(r.str("error")).isEqualTo("invalid_request");
        }
        Http.Response revoked = post("/api/v1/resource-servers/" + id + "/revoke", admin, "{\"reason\":\"retired\"}");
        assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);
        assertThat(revoked.json()).containsEntry("status", "revoked");
        assertThat(post("/api/v1/resource-servers/" + id + "/revoke", admin, "{}").status()).isEqualTo(404);
        Http.Response after = s().http.postForm("/token", c.id(), c.secret(), Map.of("grant_type", "client_credentials", "resource", audience));
        assertThat(after.str("error")).isEqualTo("invalid_target");
    }

    // --- tokens

    @Test
    void createReadListAndRevokeATokenWithCascade() {
        AccountRecord issuer = account("issuer");
        String api = apiToken(issuer, ISSUER_SCOPES);
        Map<String, Object> created = createToken(api, 5);
        String id = (String) created.get("id");
        String value = (String) created.get("token");
        assertThat(value).startsWith("ghi_");
        assertThat(OpenApi.map(created.get("token_file"))).containsEntry("initial_access_token", value).containsEntry("issuer", s().issuer);
        assertThat(created).containsEntry("owner", issuer.id()).containsEntry("status", "active").containsEntry("scope", "prefs:read");

        Flow.Client c = Flow.register(s(), value, "{\"client_name\":\"Test app\",\"installation_id\":\"" + Flow.installationId() + "\"}");
        Http.Response one = get("/api/v1/tokens/" + id, api);
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.json()).containsEntry("registrations", 1).doesNotContainKey("token");
        assertThat(items(get("/api/v1/tokens", api))).extracting(m -> m.get("id")).containsExactly(id);
        assertThat(items(get("/api/v1/tokens?status=active", api))).hasSize(1);
        assertThat(items(get("/api/v1/tokens?status=revoked", api))).isEmpty();
        assertThat(items(get("/api/v1/tokens?status=expired", api))).isEmpty();
        // an unknown status is a refused field, not an empty list (nor a filter ignored); codes are exact
        for (String bad : List.of("used_up", "ACTIVE", "stale")) {
            Http.Response refused = get("/api/v1/tokens?status=" + bad, api);
            assertThat(refused.status()).as(bad).isEqualTo(400);
            assertThat(refused.str("error")).isEqualTo("invalid_request");
            assertThat(refused.json()).containsEntry("fields", Map.of("status", "status must be one of active, revoked, expired"));
        }

        Http.Response revoked = post("/api/v1/tokens/" + id + "/revoke", api, "{\"reason\":\"lost laptop\",\"cascade\":true}");
        assertThat(revoked.status()).isEqualTo(200);
        assertThat(revoked.json()).containsEntry("status", "revoked").containsEntry("revoked_reason", "lost laptop")
                .containsEntry("revoked_by", "api:" + issuer.email());
        // Cascade: the installation's credentials no longer work.
        assertThat(s().http.postForm("/token", c.id(), c.secret(), Map.of("grant_type", "client_credentials")).status()).isEqualTo(401);
        List<Map<String, Object>> insts = items(get("/api/v1/installations?token=" + id, api));
        assertThat(insts).hasSize(1);
        assertThat(insts.get(0)).containsEntry("status", "revoked");
        // Audited as api:<account>.
        assertThat(audit("api:" + issuer.email(), id)).extracting(AuditEvent::action).contains("iat.create", "iat.revoke");
        assertThat(audit("api:" + issuer.email(), null)).extracting(AuditEvent::action).contains("installation.revoke");
    }

    @Test
    void aTokenCanRequireKeyBoundAndDpopBoundInstallations() {
        // Issue 17: the policy is set through the API, shown in the token and its file, and enforced at registration.
        String api = apiToken(account("issuer"), ISSUER_SCOPES);
        Http.Response r = post("/api/v1/tokens", api, "{\"label\":\"Kiosks\",\"max_registrations\":3,\"expires_in\":86400,"
                + "\"scope\":\"prefs:read\",\"require_key_bound\":true,\"require_dpop\":true}");
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        assertThat(r.json()).containsEntry("require_key_bound", true).containsEntry("require_dpop", true);
        assertThat(OpenApi.map(r.json().get("token_file"))).containsEntry("key_bound", "required").containsEntry("dpop", "required");
        String value = (String) r.json().get("token");
        Http.Response secret = s().http.postJson("/register", value, "{\"client_name\":\"secret app\"}");
        assertThat(secret.status()).isEqualTo(400);
        assertThat(secret.json()).containsEntry("error", "invalid_client_metadata");
        assertThat(secret.str("error_description")).contains("key-bound installations only");
        org.gatehouse.server.testing.KeyBound k = org.gatehouse.server.testing.KeyBound.es256();
        Http.Response noDpop = s().http.postJson("/register", value, k.metadata(""));
        assertThat(noDpop.status()).isEqualTo(400);
        assertThat(noDpop.str("error_description")).contains("dpop_bound_access_tokens");
        Flow.Client c = Flow.register(s(), value, k.metadata(",\"dpop_bound_access_tokens\":true"));
        assertThat(c.info()).containsEntry("dpop_bound_access_tokens", true).doesNotContainKey("client_secret");
        assertThat(get("/api/v1/tokens/" + r.json().get("id"), api).json()).containsEntry("registrations", 1);
        // The default is neither.
        assertThat(createToken(api, 1)).containsEntry("require_key_bound", false).containsEntry("require_dpop", false);
        assertThat(post("/api/v1/tokens", api, "{\"label\":\"x\",\"max_registrations\":1,\"expires_in\":60,\"require_dpop\":\"yes\"}").status())
                .isEqualTo(400);
    }

    @Test
    void badInputGets400InvalidRequest() {
        String api = apiToken(account("issuer"), ISSUER_SCOPES);
        for (String body : List.of("{\"max_registrations\":1,\"expires_in\":60}", "{\"label\":\"x\",\"max_registrations\":0,\"expires_in\":60}",
                "{\"label\":\"x\",\"max_registrations\":\"5\",\"expires_in\":60}", "{\"label\":\"x\",\"max_registrations\":1,\"expires_in\":-5}",
                "{\"label\":\"x\",\"max_registrations\":1,\"expires_in\":60,\"owner\":\"someone\"}", "{\"label\":",
                "[1,2]", "{\"label\":\"x\",\"max_registrations\":1,\"expires_in\":60,\"scope\":\"no:such:scope\"}",
                "{\"label\":\"x\",\"max_registrations\":1,\"expires_in\":60,\"reregistration\":\"sometimes\"}",
                "{\"label\":\"x\",\"max_registrations\":1,\"expires_in\":60,\"client_cidrs\":[\"not a range\"]}",
                "{\"label\":\"   \",\"max_registrations\":1,\"expires_in\":60}")) {
            Http.Response r = post("/api/v1/tokens", api, body);
            assertThat(r.status()).as(body + " → " + r.body()).isEqualTo(400);
            assertThat(r.str("error")).isEqualTo("invalid_request");
            assertThat(r.str("error_description")).isNotBlank();
        }
        for (String q : List.of("status=bogus", "limit=0", "limit=501", "limit=x", "after=bogus", "stale=yes", "flagged=1", "nonsense=1")) {
            Http.Response r = get("/api/v1/installations?" + q, api);
            assertThat(r.status()).as(q).isEqualTo(400);
            assertThat(r.str("error")).isEqualTo("invalid_request");
        }
        assertThat(get("/api/v1/installations?status=stale", api).json())
                .containsEntry("fields", Map.of("status", "status must be one of active, revoked"));
        assertThat(post("/api/v1/tokens/iat_nope/revoke", api, "{\"cascade\":\"yes\"}").status()).isEqualTo(404);
        String mine = (String) createToken(api, 1).get("id");
        assertThat(post("/api/v1/tokens/" + mine + "/revoke", api, "{\"cascade\":\"yes\"}").status()).isEqualTo(400);
    }

    // --- installations

    @Test
    void installationsListFilterPageReadAndRevoke() {
        AccountRecord issuer = account("issuer");
        String api = apiToken(issuer, ISSUER_SCOPES);
        Map<String, Object> t = createToken(api, 10);
        String iat = (String) t.get("token");
        List<Flow.Client> clients = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            clients.add(Flow.register(s(), iat, "{\"client_name\":\"App " + i + "\",\"software_version\":\"1.0\",\"installation_id\":\""
                    + Flow.installationId() + "\"}"));
        }
        Flow.token(s(), clients.get(0));
        // Three pages of 3, 3 and 1, following the next links.
        Set<String> seen = new HashSet<>();
        String next = "/api/v1/installations?token=" + t.get("id") + "&limit=3";
        int pages = 0;
        while (next != null) {
            Http.Response r = get(next, api);
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            List<Map<String, Object>> page = items(r);
            pages++;
            assertThat(page.size()).isEqualTo(pages < 3 ? 3 : 1);
            for (Map<String, Object> i : page) {
                assertThat(seen.add((String) i.get("id"))).isTrue();
                assertThat(i).containsKeys("flagged", "token_count", "status", "last_token").containsEntry("owner", issuer.id());
            }
            next = (String) r.json().get("next");
            if (next != null) assertThat(next).startsWith(s().issuer + "/api/v1/installations?").contains("token=").contains("limit=3");
        }
        assertThat(pages).isEqualTo(3);
        assertThat(seen).hasSize(7);
        assertThat(items(get("/api/v1/installations?flagged=true&token=" + t.get("id"), api))).isEmpty();
        assertThat(items(get("/api/v1/installations?stale=false&status=active&token=" + t.get("id"), api))).hasSize(7);

        String ref = seen.iterator().next();
        Http.Response one = get("/api/v1/installations/" + ref, api);
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.json()).containsEntry("id", ref).containsEntry("flagged", false).containsEntry("active_clients", 1);
        Http.Response revoked = post("/api/v1/installations/" + ref + "/revoke", api, "{\"reason\":\"stolen\"}");
        assertThat(revoked.status()).isEqualTo(200);
        assertThat(revoked.json()).containsEntry("status", "revoked").containsEntry("revoked_reason", "stolen").containsEntry("active_clients", 0);
        assertThat(items(get("/api/v1/installations?status=revoked&token=" + t.get("id"), api))).extracting(m -> m.get("id")).containsExactly(ref);
        assertThat(audit("api:" + issuer.email(), ref)).extracting(AuditEvent::action).containsExactly("installation.revoke");
        // the way back: it may register again (its old credentials stay revoked)
        Http.Response restored = post("/api/v1/installations/" + ref + "/restore", api, "");
        assertThat(restored.status()).isEqualTo(200);
        assertThat(restored.json()).containsEntry("status", "active").containsEntry("active_clients", 0).doesNotContainKey("revoked_at");
        assertThat(audit("api:" + issuer.email(), ref)).extracting(AuditEvent::action)
                .containsExactlyInAnyOrder("installation.revoke", "installation.restore");
        Http.Response again = post("/api/v1/installations/" + ref + "/restore", api, ""); // nothing left to restore
        assertThat(again.status()).as(again.body()).isEqualTo(409);
        assertThat(again.str("error")).isEqualTo("invalid_request");
        assertThat(again.str("error_description")).contains("not revoked");
        assertThat(audit("api:" + issuer.email(), ref)).hasSize(2);
        assertThat(get("/api/v1/installations/inst_nope", api).status()).isEqualTo(404);
        assertThat(post("/api/v1/installations/inst_nope/revoke", api, "{}").status()).isEqualTo(404);
        assertThat(post("/api/v1/installations/inst_nope/restore", api, "").status()).isEqualTo(404);
    }

    // --- isolation

    @Test
    void anIssuerSeesAndChangesOnlyItsOwnTokensAndInstallations() {
        AccountRecord a = account("issuer");
        AccountRecord b = account("issuer");
        String apiA = apiToken(a, ISSUER_SCOPES);
        String apiB = apiToken(b, ISSUER_SCOPES);
        Map<String, Object> tb = createToken(apiB, 2);
        Flow.register(s(), (String) tb.get("token"), "{\"installation_id\":\"" + Flow.installationId() + "\"}");
        String instB = (String) items(get("/api/v1/installations?token=" + tb.get("id"), apiB)).get(0).get("id");
        String idB = (String) tb.get("id");

        for (Http.Response r : List.of(get("/api/v1/tokens/" + idB, apiA), post("/api/v1/tokens/" + idB + "/revoke", apiA, "{\"cascade\":true}"),
                get("/api/v1/installations/" + instB, apiA), post("/api/v1/installations/" + instB + "/revoke", apiA, "{}"),
                post("/api/v1/installations/" + instB + "/restore", apiA, ""))) {
            assertThat(r.status()).as(r.body()).isEqualTo(404);
            assertThat(r.str("error")).isEqualTo("not_found");
        }
        assertThat(items(get("/api/v1/tokens", apiA))).isEmpty();
        assertThat(items(get("/api/v1/tokens?owner=" + b.id(), apiA))).isEmpty();
        assertThat(items(get("/api/v1/installations", apiA))).isEmpty();
        assertThat(items(get("/api/v1/installations?owner=" + b.id() + "&token=" + idB, apiA))).isEmpty();
        // Nothing changed.
        assertThat(get("/api/v1/tokens/" + idB, apiB).json()).containsEntry("status", "active");
        assertThat(get("/api/v1/installations/" + instB, apiB).json()).containsEntry("status", "active");
        // An admin sees every account's.
        String admin = admin();
        assertThat(get("/api/v1/tokens/" + idB, admin).status()).isEqualTo(200);
        assertThat(items(get("/api/v1/tokens?owner=" + b.id(), admin))).hasSize(1);
        assertThat(items(get("/api/v1/installations?owner=" + b.id(), admin))).hasSize(1);
    }

    // --- admin

    @Test
    void adminsManageAccounts() {
        AccountRecord adminAccount = account("admin");
        String admin = apiToken(adminAccount, ApiTokens.SCOPES.toArray(String[]::new));
        AccountRecord issuer = account("issuer");
        String issuerApi = apiToken(issuer, ISSUER_SCOPES);
        Map<String, Object> t = createToken(issuerApi, 3);

        assertThat(items(get("/api/v1/accounts", admin))).extracting(m -> m.get("id")).contains(issuer.id(), adminAccount.id());
        String email = "new-" + Secrets.randomId(6).toLowerCase().replaceAll("[^a-z0-9]", "x") + "@example.org";
        Http.Response inv = post("/api/v1/accounts/invitations", admin, "{\"email\":\"" + email + "\",\"role\":\"issuer\"}");
        assertThat(inv.status()).as(inv.body()).isEqualTo(201);
        assertThat(inv.str("url")).startsWith(s().issuer + "/setup/ghl_");
        assertThat(inv.json()).containsEntry("email", email).containsEntry("role", "issuer");
        assertThat(post("/api/v1/accounts/invitations", admin, "{\"email\":\"not an address\"}").status()).isEqualTo(400);
        assertThat(post("/api/v1/accounts/invitations", admin, "{\"email\":\"a@example.org\",\"role\":\"root\"}").status()).isEqualTo(400);

        Http.Response off = post("/api/v1/accounts/" + issuer.id() + "/disable", admin, "{\"reason\":\"left\",\"cascade\":true}");
        assertThat(off.status()).as(off.body()).isEqualTo(200);
        assertThat(off.json()).containsEntry("tokens_revoked", 1);
        assertThat(OpenApi.map(off.json().get("account"))).containsEntry("status", "disabled");
        assertThat(get("/api/v1/tokens", issuerApi).status()).isEqualTo(401);
        assertThat(get("/api/v1/tokens/" + t.get("id"), admin).json()).containsEntry("status", "revoked");
        Http.Response self = post("/api/v1/accounts/" + adminAccount.id() + "/disable", admin, "{}");
        assertThat(self.status()).isEqualTo(400);
        assertThat(self.str("error_description")).isEqualTo("an account cannot disable itself");
        // the rule lives in AccountService, inside its transaction: the portal and the CLI get it too
        assertThatThrownBy(() -> s().gatehouse().accounts.changeRole(adminAccount.id(), AccountRole.ISSUER.code(),
                org.gatehouse.server.accounts.AccountService.actor(adminAccount, "192.0.2.1"))).hasMessage("an account cannot change its own role");
        assertThatThrownBy(() -> s().gatehouse().accounts.disable(adminAccount.id(), false, null,
                org.gatehouse.server.accounts.AccountService.apiActor(adminAccount, null))).hasMessage("an account cannot disable itself");
        assertThat(post("/api/v1/accounts/acc_nope/disable", admin, "{}").status()).isEqualTo(404);
        assertThat(audit("api:" + adminAccount.email(), issuer.id())).extracting(AuditEvent::action).contains("account.disable");
    }

    @Test
    void adminsReadTheAuditLogInPages() {
        AccountRecord adminAccount = account("admin");
        String admin = apiToken(adminAccount, ApiTokens.SCOPES.toArray(String[]::new));
        for (int i = 0; i < 3; i++) createToken(admin, 1);
        String actor = "api:" + adminAccount.email();
        Http.Response first = get("/api/v1/audit?actor=" + actor + "&limit=2", admin);
        assertThat(items(first)).hasSize(2).allSatisfy(e -> assertThat(e).containsEntry("actor", actor).containsEntry("action", "iat.create"));
        assertThat(OpenApi.map(items(first).get(0).get("details"))).containsEntry("max_registrations", 1);
        Http.Response second = get((String) first.json().get("next"), admin);
        assertThat(items(second)).hasSize(1);
        assertThat(second.json()).doesNotContainKey("next");
        assertThat(items(get("/api/v1/audit?action=iat.create&since=2000-01-01T00:00:00Z&until=2000-01-02T00:00:00Z", admin))).isEmpty();
        assertThat(get("/api/v1/audit?since=yesterday", admin).status()).isEqualTo(400);
        assertThat(get("/api/v1/audit?after=x", admin).status()).isEqualTo(400);
    }

    @Test
    void adminsListAndRotateSigningKeys() {
        AccountRecord adminAccount = account("admin");
        String admin = apiToken(adminAccount, "keys:admin");
        Http.Response keys = get("/api/v1/keys", admin);
        assertThat(keys.status()).isEqualTo(200);
        assertThat(items(keys)).extracting(m -> m.get("state")).contains("active", "next");
        String next = (String) items(keys).stream().filter(k -> "next".equals(k.get("state"))).findFirst().orElseThrow().get("kid");
        Http.Response rotated = post("/api/v1/keys/rotate", admin, "");
        assertThat(rotated.status()).as(rotated.body()).isEqualTo(200);
        assertThat(rotated.str("active_kid")).isEqualTo(next);
        assertThat(audit("api:" + adminAccount.email(), next)).extracting(AuditEvent::action).contains("key.rotate");
        assertThat(post("/api/v1/keys/rotate", admin, "{\"now\":true}").status()).isEqualTo(400);
    }

    @Test
    void adminsManagePublishers() throws Exception {
        AccountRecord adminAccount = account("admin");
        String admin = apiToken(adminAccount, "publishers:admin");
        String name = "https://publisher-" + Secrets.randomId(6).replaceAll("[^A-Za-z0-9]", "x") + ".example";
        String jwks = new com.nimbusds.jose.jwk.gen.ECKeyGenerator(com.nimbusds.jose.jwk.Curve.P_256).keyID("k1")
                .keyUse(com.nimbusds.jose.jwk.KeyUse.SIGNATURE).algorithm(com.nimbusds.jose.JWSAlgorithm.ES256).generate().toPublicJWK().toJSONString();
        Http.Response added = post("/api/v1/publishers", admin, "{\"name\":\"" + name + "\",\"jwks\":{\"keys\":[" + jwks + "]},\"max_age_seconds\":3600}");
        assertThat(added.status()).as(added.body()).isEqualTo(201);
        assertThat(added.json()).containsEntry("name", name).containsEntry("max_age_seconds", 3600);
        assertThat(items(get("/api/v1/publishers", admin))).extracting(m -> m.get("name")).contains(name);
        assertThat(post("/api/v1/publishers", admin, "{\"name\":\"" + name + "\",\"jwks\":{\"keys\":[" + jwks + "]}}").status()).isEqualTo(400);
        assertThat(post("/api/v1/publishers", admin, "{\"name\":\"x\",\"jwks\":{\"keys\":[]}}").status()).isEqualTo(400);
        assertThat(post("/api/v1/publishers", admin, "{\"name\":\"x\",\"jwks_url\":\"http://insecure.example/jwks\"}").status()).isEqualTo(400);
        assertThat(post("/api/v1/publishers", admin, "{\"name\":\"x\"}").status()).isEqualTo(400);
        String path = "/api/v1/publishers/" + java.net.URLEncoder.encode(name, java.nio.charset.StandardCharsets.UTF_8);
        Http.Response removed = call("DELETE", path, admin, null);
        assertThat(removed.status()).as(removed.body()).isEqualTo(200);
        assertThat(removed.json()).containsEntry("tokens_requiring_it", 0);
        assertThat(call("DELETE", path, admin, null).status()).isEqualTo(404);
        assertThat(audit("api:" + adminAccount.email(), null)).extracting(AuditEvent::action).contains("publisher.add", "publisher.remove");
    }

    /**
     * Issue 15 review: an administrator's revocation of an installation is lifted only by an
     * administrator (API with an admin account, or the operator's CLI); an issuer gets 403 and may
     * still restore its own revocations.
     */
    @Test
    void anIssuerCannotRestoreAnInstallationAnAdministratorRevoked() {
        AccountRecord issuer = account("issuer");
        String api = apiToken(issuer, ISSUER_SCOPES);
        String admin = admin();
        String iat = (String) createToken(api, 2).get("token");
        Flow.register(s(), iat, "{\"installation_id\":\"" + Flow.installationId() + "\"}");
        Flow.register(s(), iat, "{\"installation_id\":\"" + Flow.installationId() + "\"}");
        List<String> refs = items(get("/api/v1/installations?owner=" + issuer.id(), admin)).stream().map(m -> (String) m.get("id")).toList();
        assertThat(refs).hasSize(2);
        String byAdmin = refs.get(0);
        String byIssuer = refs.get(1);

        assertThat(post("/api/v1/installations/" + byAdmin + "/revoke", admin, "{\"reason\":\"malware seen\"}").status()).isEqualTo(200);
        Http.Response refused = post("/api/v1/installations/" + byAdmin + "/restore", api, "");
        assertThat(refused.status()).as(refused.body()).isEqualTo(403);
        assertThat(refused.str("error")).isEqualTo("access_denied");
        assertThat(refused.str("error_description")).contains("administrator revoked").contains("only an administrator");
        assertThat(get("/api/v1/installations/" + byAdmin, api).json()).containsEntry("status", "revoked");
        assertThat(audit("api:" + issuer.email(), byAdmin)).isEmpty(); // nothing happened
        // the operator's CLI is an administrator
        Map<String, String> env = new java.util.HashMap<>(s().backend.env());
        env.put("GATEHOUSE_ISSUER", s().issuer);
        org.gatehouse.server.testing.Cli.Result cli = org.gatehouse.server.testing.Cli.run(env, "installations", "restore", byAdmin);
        assertThat(cli.exit()).as(cli.err()).isZero();
        assertThat(get("/api/v1/installations/" + byAdmin, api).json()).containsEntry("status", "active");
        // and so is an admin account through the API
        assertThat(post("/api/v1/installations/" + byAdmin + "/revoke", admin, "{}").status()).isEqualTo(200);
        assertThat(post("/api/v1/installations/" + byAdmin + "/restore", admin, "").status()).isEqualTo(200);

        // an issuer restores its own revocation, and an administrator may restore it too
        assertThat(post("/api/v1/installations/" + byIssuer + "/revoke", api, "{}").status()).isEqualTo(200);
        assertThat(post("/api/v1/installations/" + byIssuer + "/restore", api, "").status()).isEqualTo(200);
        assertThat(post("/api/v1/installations/" + byIssuer + "/revoke", api, "{}").status()).isEqualTo(200);
        assertThat(post("/api/v1/installations/" + byIssuer + "/restore", admin, "").status()).isEqualTo(200);
        // a revocation by the operator's CLI is an administrator's as well
        assertThat(s().gatehouse().installations.revoke(byIssuer, "by the operator", Actor.cli())).isTrue();
        assertThat(post("/api/v1/installations/" + byIssuer + "/restore", api, "").status()).isEqualTo(403);
    }

    /**
     * Who may restore an installation is the service's decision, from the account as it stands in the
     * restore's transaction, not a flag the handler passes: another issuer restores nothing of this one's
     * (through the API and the portal the handlers answer 404 before; the service refuses on its own), an
     * administrator demoted since its record was read restores as the issuer it now is, a disabled account
     * restores nothing, an administrator restores any. Before, the service restored whatever the handler's
     * flag allowed: another issuer's installation came back.
     */
    @Test
    void theServiceDecidesWhoMayRestoreFromTheAccountAsItIsNow() {
        AccountRecord owner = account("issuer");
        String api = apiToken(owner, ISSUER_SCOPES);
        String iat = (String) createToken(api, 2).get("token");
        Flow.register(s(), iat, "{\"installation_id\":\"" + Flow.installationId() + "\"}");
        String ref = (String) items(get("/api/v1/installations", api)).get(0).get("id");
        assertThat(post("/api/v1/installations/" + ref + "/revoke", api, "{}").status()).isEqualTo(200); // an issuer's revocation
        var installations = s().gatehouse().installations;

        AccountRecord other = account("issuer");
        assertThat(installations.restore(ref, other, AccountService.apiActor(other, null))).isFalse();
        AccountRecord demoted = account("admin");
        s().gatehouse().db.inTransaction(h -> new AccountStore().setRole(h, demoted.id(), AccountRole.ISSUER));
        assertThat(installations.restore(ref, demoted, AccountService.apiActor(demoted, null))).isFalse();
        AccountRecord disabled = account("admin");
        s().gatehouse().db.inTransaction(h -> new AccountStore().disable(h, disabled.id(), System.currentTimeMillis(), "test"));
        assertThat(installations.restore(ref, disabled, AccountService.apiActor(disabled, null))).isFalse();
        assertThat(get("/api/v1/installations/" + ref, api).json()).containsEntry("status", "revoked");
        assertThat(post("/api/v1/installations/" + ref + "/restore", apiToken(other, ISSUER_SCOPES), "").status()).isEqualTo(404);

        AccountRecord admin = account("admin");
        assertThat(installations.restore(ref, admin, AccountService.apiActor(admin, null))).isTrue();
        assertThat(get("/api/v1/installations/" + ref, api).json()).containsEntry("status", "active");
        assertThat(audit("api:" + admin.email(), ref)).extracting(AuditEvent::action).containsExactly("installation.restore");
        assertThat(audit("api:" + other.email(), ref)).isEmpty();
    }

    // --- refused input (issue 14 Must 2)

    @Test
    void refusedInputNamesEveryFieldAtOnce() {
        String bearer = admin();
        Http.Response r = post("/api/v1/tokens", bearer, "{\"label\":\"   \",\"max_registrations\":5,\"expires_in\":86400,"
                + "\"scope\":\"prefs:read nope:read\",\"client_cidrs\":[\"10.0.0.0/33\",\"192.0.2.0/24\",\"not-a-range\"],"
                + "\"reregistration\":\"sometimes\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.header("Cache-Control")).isEqualTo("no-store");
        assertThat(r.str("error")).isEqualTo("invalid_request");
        @SuppressWarnings("unchecked")
        Map<String, String> fields = (Map<String, String>) r.json().get("fields");
        assertThat(fields).containsOnlyKeys("label", "scope", "client_cidrs", "reregistration");
        assertThat(fields.get("client_cidrs")).startsWith("These are not address ranges: 10.0.0.0/33, not-a-range. ");
        assertThat(fields.get("scope")).contains("'nope:read'");
        assertThat(r.str("error_description")).doesNotContain("\n").startsWith("label: ").contains("; client_cidrs: ");

        // One problem: its message is the description; the field is still named.
        Http.Response one = post("/api/v1/accounts/invitations", bearer, "{\"email\":\"not an address\",\"role\":\"owner\"}");
        assertThat(one.status()).isEqualTo(400);
        assertThat(String.valueOf(new TreeSet<>(((Map<?, ?>) one.json().get("fields")).keySet()))).isEqualTo("[email, role]");
        Http.Response typed = post("/api/v1/tokens", bearer, "{\"label\":7}");
        assertThat(typed.status()).isEqualTo(400);
        assertThat(typed.json().get("fields")).isEqualTo(Map.of("label", "label must be a string"));
        assertThat(typed.str("error_description")).isEqualTo("label must be a string");
    }
}
