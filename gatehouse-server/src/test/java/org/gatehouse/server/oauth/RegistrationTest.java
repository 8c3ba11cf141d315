package org.gatehouse.server.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

@BothBackends
class RegistrationTest {
    @Parameter
    String backend;

    private TestServer s() {
        return TestServer.shared(backend);
    }

    private int clientCount() {
        return s().gatehouse().db.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM clients").mapTo(Integer.class).one());
    }

    @Test
    void registrationReturnsCredentialsAndRegisteredMetadata() {
        String installation = Flow.installationId();
        Http.Response r = s().http.postJson("/register", s().iatToken(1), "{\"client_name\":\"Morphic\",\"software_id\":\"morphic\","
                + "\"software_version\":\"1.4.2\",\"installation_id\":\"" + installation + "\",\"scope\":\"prefs:read\","
                + "\"grant_types\":[\"client_credentials\"],\"token_endpoint_auth_method\":\"client_secret_post\","
                + "\"redirect_uris\":[\"https://example.org/cb\"],\"unknown_field\":42}");
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        assertThat(r.header("Cache-Control")).isEqualTo("no-store");
        Map<String, Object> m = r.json();
        assertThat((String) m.get("client_id")).isNotBlank();
        assertThat((String) m.get("client_secret")).startsWith("ghs_").hasSize(47);
        assertThat((String) m.get("registration_access_token")).startsWith("ghr_");
        assertThat(m.get("registration_client_uri")).isEqualTo(s().issuer + "/register/" + m.get("client_id"));
        assertThat(((Number) m.get("client_id_issued_at")).longValue()).isCloseTo(System.currentTimeMillis() / 1000, org.assertj.core.data.Offset.offset(600L));
        assertThat(((Number) m.get("client_secret_expires_at")).longValue()).isZero();
        assertThat(m).containsEntry("client_name", "Morphic").containsEntry("software_id", "morphic")
                .containsEntry("software_version", "1.4.2").containsEntry("installation_id", installation)
                .containsEntry("scope", "prefs:read").containsEntry("token_endpoint_auth_method", "client_secret_post")
                .doesNotContainKey("unknown_field");
        assertThat((List<Object>) m.get("grant_types")).containsExactly("client_credentials");
        assertThat((List<Object>) m.get("redirect_uris")).containsExactly("https://example.org/cb");
    }

    @Test
    void absentMetadataGetsDefaults() {
        var created = s().iat(1, "prefs:read prefs:write");
        Map<String, Object> m = s().http.postJson("/register", created.token(), "{}").json();
        assertThat(m).containsEntry("scope", "prefs:read prefs:write").containsEntry("token_endpoint_auth_method", "client_secret_basic");
        assertThat((List<Object>) m.get("grant_types")).containsExactly("client_credentials");
    }

    @Test
    void missingTokenGetsBareBearerChallenge() {
        Http.Response r = s().http.postJson("/register", null, "{}");
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.header("WWW-Authenticate")).startsWith("Bearer").doesNotContain("error=");
    }

    @Test
    void unknownExpiredRevokedAndUsedUpTokensGetInvalidToken() {
        String unknown = "ghi_" + "A".repeat(43);
        assertInvalidToken(s().http.postJson("/register", unknown, "{}"));
        assertInvalidToken(s().http.postJson("/register", "not-even-a-token", "{}"));

        var revoked = s().iat(5, null);
        s().gatehouse().iats.revoke(revoked.record().id(), "test", false, Actor.cli());
        assertInvalidToken(s().http.postJson("/register", revoked.token(), "{}"));

        var expired = s().iat(5, null);
        s().gatehouse().db.withHandle(h -> h.execute("UPDATE initial_access_tokens SET expires_at = 1 WHERE id = ?", expired.record().id()));
        assertInvalidToken(s().http.postJson("/register", expired.token(), "{}"));

        String once = s().iatToken(1);
        assertThat(s().http.postJson("/register", once, "{}").status()).isEqualTo(201);
        Http.Response usedUp = s().http.postJson("/register", once, "{}");
        assertInvalidToken(usedUp);
        assertThat(usedUp.str("error_description")).contains("no registrations left");

        // Another scheme counts as no credentials (RFC 6750 §3.1): a bare challenge, see ConformanceTest.
        Http.Response basic = s().http.postRaw("/register", "application/json", "{}", Map.of("Authorization", "Basic Zm9vOmJhcg=="));
        assertThat(basic.status()).isEqualTo(401);
        assertThat(basic.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"gatehouse\"");
    }

    private static void assertInvalidToken(Http.Response r) {
        assertThat(r.status()).as(r.body()).isEqualTo(401);
        assertThat(r.header("WWW-Authenticate")).startsWith("Bearer").contains("error=\"invalid_token\"");
        assertThat(r.str("error")).isEqualTo("invalid_token");
    }

    @Test
    void invalidMetadataIsRefusedWithTheRfc7591CodeAndNothingIsStored() {
        String iat = s().iatToken(100);
        int before = clientCount();
        assertMetadataError(iat, "{\"grant_types\":[\"authorization_code\"]}", "invalid_client_metadata");
        assertMetadataError(iat, "{\"grant_types\":[]}", "invalid_client_metadata");
        assertMetadataError(iat, "{\"grant_types\":\"client_credentials\"}", "invalid_client_metadata");
        assertMetadataError(iat, "{\"response_types\":[\"code\"]}", "invalid_client_metadata");
        assertMetadataError(iat, "{\"token_endpoint_auth_method\":\"private_key_jwt\"}", "invalid_client_metadata");
        assertMetadataError(iat, "{\"token_endpoint_auth_method\":\"none\"}", "invalid_client_metadata");
        assertMetadataError(iat, "{\"scope\":\"prefs:read admin\"}", "invalid_client_metadata");
        assertMetadataError(iat, "{\"scope\":\"prefs:read  prefs:write\"}", "invalid_client_metadata");
        assertMetadataError(iat, "{\"scope\":7}", "invalid_client_metadata");
        assertMetadataError(iat, "{\"redirect_uris\":[\"relative/path\"]}", "invalid_redirect_uri");
        assertMetadataError(iat, "{\"redirect_uris\":[\"https://a.example/cb#frag\"]}", "invalid_redirect_uri");
        assertMetadataError(iat, "{\"client_name\":\"" + "x".repeat(201) + "\"}", "invalid_client_metadata");
        assertMetadataError(iat, "{\"client_name\":\"evil\\r\\nSet-Cookie: a=b\"}", "invalid_client_metadata");
        assertMetadataError(iat, "{\"client_name\":\"abc\\u202Egnp.exe\"}", "invalid_client_metadata");
        assertMetadataError(iat, "{\"client_name\":\"   \"}", "invalid_client_metadata");
        assertMetadataError(iat, "{\"client_name\":[\"x\"]}", "invalid_client_metadata");
        assertMetadataError(iat, "{\"installation_id\":\"short\"}", "invalid_client_metadata");
        assertMetadataError(iat, "{\"installation_id\":\"has spaces and is long enough\"}", "invalid_client_metadata");
        assertMetadataError(iat, "{\"contacts\":[" + "\"a@b.c\",".repeat(10) + "\"a@b.c\"]}", "invalid_client_metadata");
        assertMetadataError(iat, "{\"client_uri\":\"javascript:alert(1)\"}", "invalid_client_metadata");
        assertMetadataError(iat, "{\"software_version\":\"" + "1".repeat(101) + "\"}", "invalid_client_metadata");
        // Malformed bodies.
        assertMetadataError(iat, "not json", "invalid_client_metadata");
        assertMetadataError(iat, "[1,2]", "invalid_client_metadata");
        assertMetadataError(iat, "[".repeat(5000), "invalid_client_metadata");
        assertThat(clientCount()).isEqualTo(before);
        assertThat(s().gatehouse().iats.find(iat).orElseThrow().registrations()).isZero();
    }

    /** Issue 12 item 11: names that look blank or identical to another (fillers, format characters) are refused. */
    @Test
    void invisibleCharactersInAClientNameAreRefused() {
        String iat = s().iatToken(100);
        int before = clientCount();
        for (String name : List.of("\\u3164", "\\u3164\\u3164\\u3164", "Morphic\\u115F", "Morph\\u034Fic", "\\uFFA0",
                "Morphic\\u2800", "Morphic\\u180B", "Morphic\\uDB40\\uDC20", "Mor\\u17B4phic", "Morphic\\uFE01")) {
            assertMetadataError(iat, "{\"client_name\":\"" + name + "\"}", "invalid_client_metadata");
        }
        assertThat(clientCount()).isEqualTo(before);
    }

    private void assertMetadataError(String iat, String body, String code) {
        Http.Response r = s().http.postJson("/register", iat, body);
        assertThat(r.status()).as(body).isEqualTo(400);
        assertThat(r.str("error")).as(body).isEqualTo(code);
        assertThat(r.str("error_description")).as(body).isNotBlank();
    }

    @Test
    void wrongContentTypeAndOversizedBodiesAreRefused() {
        String iat = s().iatToken(10);
        Http.Response form = s().http.postRaw("/register", "application/x-www-form-urlencoded", "client_name=x",
                Map.of("Authorization", "Bearer " + iat));
        assertThat(form.status()).isEqualTo(400);
        assertThat(form.str("error")).isEqualTo("invalid_request");
        Http.Response huge = s().http.postJson("/register", iat, "{\"client_name\":\"" + "x".repeat(70_000) + "\"}");
        assertThat(huge.status()).isEqualTo(413);
        assertThat(huge.str("error")).isEqualTo("invalid_request");
    }

    @Test
    void registrationBeyondTheTokensScopeIsRefused() {
        String iat = s().iat(2, "prefs:read").token();
        Http.Response r = s().http.postJson("/register", iat, "{\"scope\":\"prefs:write\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.str("error")).isEqualTo("invalid_client_metadata");
        Flow.Client ok = Flow.register(s(), iat, "{}");
        assertThat(ok.info()).containsEntry("scope", "prefs:read");
    }
}
