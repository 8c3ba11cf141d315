package org.gatehouse.server.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/** RFC 7592: read, update and delete with the registration access token. */
@BothBackends
class RegistrationManagementTest {
    @Parameter
    String backend;

    private TestServer s() {
        return TestServer.shared(backend);
    }

    private static String path(Flow.Client c) {
        return "/register/" + c.id();
    }

    /** The metadata a client sends back in an update: what it got, less the fields RFC 7592 §2.2 forbids. */
    private static Map<String, Object> updateBody(Flow.Client c) {
        Map<String, Object> m = new java.util.LinkedHashMap<>(c.info());
        m.remove("registration_access_token");
        m.remove("registration_client_uri");
        m.remove("client_secret_expires_at");
        m.remove("client_id_issued_at");
        return m;
    }

    @Test
    void readReturnsTheRegistrationWithoutTheSecret() {
        Flow.Client c = Flow.register(s());
        Http.Response r = s().http.get(path(c), c.rat());
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Cache-Control")).isEqualTo("no-store");
        assertThat(r.json()).containsEntry("client_id", c.id()).containsEntry("client_name", "Test app")
                .containsEntry("registration_access_token", c.rat()).doesNotContainKey("client_secret");
    }

    @Test
    void wrongOrForeignRegistrationAccessTokensGet401() {
        Flow.Client a = Flow.register(s());
        Flow.Client b = Flow.register(s());
        assertThat(s().http.get(path(a), b.rat()).status()).isEqualTo(401);
        assertThat(s().http.get(path(a), "ghr_" + "x".repeat(43)).status()).isEqualTo(401);
        assertThat(s().http.get(path(a), null).status()).isEqualTo(401);
        assertThat(s().http.get("/register/doesnotexist", a.rat()).status()).isEqualTo(401);
        Http.Response r = s().http.get(path(a), b.rat());
        assertThat(r.header("WWW-Authenticate")).contains("error=\"invalid_token\"");
        // The client secret is not a registration access token.
        assertThat(s().http.get(path(a), a.secret()).status()).isEqualTo(401);
    }

    @Test
    void updateReplacesMetadataAndRotatesTheRegistrationAccessToken() {
        Flow.Client c = Flow.register(s());
        Map<String, Object> body = updateBody(c);
        body.put("client_name", "Renamed");
        body.put("software_version", "2.0");
        Http.Response r = s().http.putJson(path(c), c.rat(), Json.write(body));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        String newRat = r.str("registration_access_token");
        assertThat(newRat).startsWith("ghr_").isNotEqualTo(c.rat());
        assertThat(r.json()).containsEntry("client_name", "Renamed").containsEntry("software_version", "2.0")
                .doesNotContainKey("client_secret");
        assertThat(s().http.get(path(c), c.rat()).status()).isEqualTo(401);
        assertThat(s().http.get(path(c), newRat).json()).containsEntry("client_name", "Renamed");
        // The secret did not change.
        Flow.token(s(), c);
    }

    @Test
    void updateRefusesForbiddenFieldsMissingClientIdAndWrongSecret() {
        Flow.Client c = Flow.register(s());
        for (String forbidden : new String[] {"registration_access_token", "registration_client_uri", "client_secret_expires_at", "client_id_issued_at"}) {
            Map<String, Object> body = updateBody(c);
            body.put(forbidden, forbidden.endsWith("_at") ? (Object) 0 : "x");
            Http.Response r = s().http.putJson(path(c), c.rat(), Json.write(body));
            assertThat(r.status()).as(forbidden).isEqualTo(400);
            assertThat(r.str("error")).isEqualTo("invalid_client_metadata");
        }
        Map<String, Object> noId = updateBody(c);
        noId.remove("client_id");
        assertThat(s().http.putJson(path(c), c.rat(), Json.write(noId)).str("error")).isEqualTo("invalid_client_metadata");
        Map<String, Object> otherId = updateBody(c);
        otherId.put("client_id", "someone-else");
        assertThat(s().http.putJson(path(c), c.rat(), Json.write(otherId)).status()).isEqualTo(400);
        Map<String, Object> wrongSecret = updateBody(c);
        wrongSecret.put("client_secret", "ghs_wrong");
        assertThat(s().http.putJson(path(c), c.rat(), Json.write(wrongSecret)).str("error")).isEqualTo("invalid_client_metadata");
        Map<String, Object> rightSecret = updateBody(c);
        rightSecret.put("client_secret", c.secret());
        assertThat(s().http.putJson(path(c), c.rat(), Json.write(rightSecret)).status()).isEqualTo(200);
    }

    @Test
    void updateCannotChangeTheInstallationOrWidenScope() {
        Flow.Client c = Flow.register(s(), s().iat(1, "prefs:read").token(),
                "{\"installation_id\":\"" + Flow.installationId() + "\"}");
        Map<String, Object> body = updateBody(c);
        body.put("installation_id", Flow.installationId());
        assertThat(s().http.putJson(path(c), c.rat(), Json.write(body)).status()).isEqualTo(400);
        Map<String, Object> wider = updateBody(c);
        wider.put("scope", "prefs:read prefs:write");
        Http.Response r = s().http.putJson(path(c), c.rat(), Json.write(wider));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.str("error")).isEqualTo("invalid_client_metadata");
    }

    /** Issue 12 item 7: the admitting token's software ids bind updates as they bind registrations (RFC 7592 §2.2). */
    @Test
    void updateCannotLeaveTheTokensSoftwareIds() {
        var iat = s().iat(new IatService.Spec("apps", 1, Duration.ofDays(1), null, List.of("morphic", "morphic-lite"), null, null, null));
        Flow.Client c = Flow.register(s(), iat.token(), "{\"software_id\":\"morphic\"}");
        Map<String, Object> evil = updateBody(c);
        evil.put("software_id", "evil-tool");
        Http.Response r = s().http.putJson(path(c), c.rat(), Json.write(evil));
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.str("error")).isEqualTo("invalid_client_metadata");
        Map<String, Object> none = updateBody(c);
        none.remove("software_id");
        assertThat(s().http.putJson(path(c), c.rat(), Json.write(none)).status()).isEqualTo(400);
        // Nothing changed, and the registration access token still works: a refused update rotates nothing.
        Http.Response read = s().http.get(path(c), c.rat());
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.str("software_id")).isEqualTo("morphic");
        Map<String, Object> allowed = updateBody(c);
        allowed.put("software_id", "morphic-lite");
        Http.Response ok = s().http.putJson(path(c), c.rat(), Json.write(allowed));
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
        assertThat(ok.str("software_id")).isEqualTo("morphic-lite");
    }

    /** Issue 12 item 7: the admitting token's address ranges apply to updates from the client too. */
    @Test
    void updateComesFromTheTokensAddressRanges() {
        try (TestServer own = TestServer.start(backend, Map.of("GATEHOUSE_TRUSTED_PROXIES", "127.0.0.1/32"))) {
            var lan = own.iat(new IatService.Spec("lan", 1, Duration.ofDays(1), null, null, List.of("10.0.0.0/8"), null, null));
            Http.Response reg = own.http.postRaw("/register", "application/json", "{}",
                    Map.of("Authorization", "Bearer " + lan.token(), "X-Forwarded-For", "10.1.2.3"));
            assertThat(reg.status()).as(reg.body()).isEqualTo(201);
            Flow.Client c = new Flow.Client(reg.str("client_id"), reg.str("client_secret"), reg.str("registration_access_token"), reg.json());
            String body = Json.write(updateBody(c));
            Http.Response outside = own.http.exchange("PUT", path(c), "application/json", body,
                    Map.of("Authorization", "Bearer " + c.rat(), "X-Forwarded-For", "192.0.2.7"));
            assertThat(outside.status()).as(outside.body()).isEqualTo(401);
            assertThat(outside.str("error")).isEqualTo("invalid_token");
            Http.Response from = own.http.exchange("PUT", path(c), "application/json", body,
                    Map.of("Authorization", "Bearer " + c.rat(), "X-Forwarded-For", "10.9.9.9"));
            assertThat(from.status()).as(from.body()).isEqualTo(200);
        }
    }

    @Test
    void anUpdateThatLeavesOutTheScopeKeepsTheCurrentScope() {
        Flow.Client c = Flow.register(s(), s().iat(1, "prefs:read prefs:write").token(), "{\"scope\":\"prefs:read\"}");
        Http.Response r = s().http.putJson(path(c), c.rat(), "{\"client_id\":\"" + c.id() + "\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json()).containsEntry("scope", "prefs:read");
    }

    @Test
    void askingForRotationIssuesANewSecretAndRetiresTheOld() {
        Flow.Client c = Flow.register(s());
        Map<String, Object> body = updateBody(c);
        body.put("rotate_client_secret", true);
        Http.Response r = s().http.putJson(path(c), c.rat(), Json.write(body));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        String newSecret = r.str("client_secret");
        assertThat(newSecret).startsWith("ghs_").isNotEqualTo(c.secret());
        Http.Response old = s().http.postForm("/token", c.id(), c.secret(), Map.of("grant_type", "client_credentials"));
        assertThat(old.status()).isEqualTo(401);
        Flow.token(s(), new Flow.Client(c.id(), newSecret, r.str("registration_access_token"), r.json()));
    }

    @Test
    void anExpiredSecretIsRefusedAtTheTokenEndpointAndReplacedOnUpdate() {
        Flow.Client c = Flow.register(s());
        s().gatehouse().db.withHandle(h -> h.execute("UPDATE clients SET secret_expires_at = 1 WHERE client_id = ?", c.id()));
        Http.Response t = s().http.postForm("/token", c.id(), c.secret(), Map.of("grant_type", "client_credentials"));
        assertThat(t.status()).isEqualTo(401);
        assertThat(t.str("error")).isEqualTo("invalid_client");
        assertThat(t.str("error_description")).contains("expired");
        Http.Response r = s().http.putJson(path(c), c.rat(), Json.write(updateBody(c)));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.str("client_secret")).startsWith("ghs_");
        Flow.token(s(), new Flow.Client(c.id(), r.str("client_secret"), null, r.json()));
    }

    @Test
    void deleteMakesTheClientUnusableAtOnce() {
        Flow.Client c = Flow.register(s());
        String token = Flow.token(s(), c);
        Flow.Client observer = Flow.register(s());
        assertThat(Flow.active(s(), c, token)).isTrue();
        Http.Response d = s().http.delete(path(c), c.rat());
        assertThat(d.status()).isEqualTo(204);
        assertThat(s().http.postForm("/token", c.id(), c.secret(), Map.of("grant_type", "client_credentials")).status()).isEqualTo(401);
        assertThat(s().http.get(path(c), c.rat()).status()).isEqualTo(401);
        assertThat(s().http.delete(path(c), c.rat()).status()).isEqualTo(401);
        Flow.Client rs = Flow.resourceServer(s());
        assertThat(Flow.active(s(), rs, token)).isFalse();
        assertThat(Flow.active(s(), observer, Flow.token(s(), observer))).isTrue();
    }
}
