package org.gatehouse.server.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKSet;
import java.util.List;
import java.util.Map;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

@BothBackends
class MetadataTest {
    @Parameter
    String backend;

    @Test
    void metadataListsEveryEndpointAndCapability() {
        TestServer s = TestServer.shared(backend);
        Http.Response r = s.http.get("/.well-known/oauth-authorization-server");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        Map<String, Object> m = r.json();
        assertThat(m.get("issuer")).isEqualTo(s.issuer);
        assertThat(m).containsEntry("token_endpoint", s.issuer + "/token")
                .containsEntry("registration_endpoint", s.issuer + "/register")
                .containsEntry("introspection_endpoint", s.issuer + "/introspect")
                .containsEntry("revocation_endpoint", s.issuer + "/revoke")
                .containsEntry("jwks_uri", s.issuer + "/jwks");
        assertThat((List<Object>) m.get("grant_types_supported")).containsExactly("client_credentials");
        assertThat((List<Object>) m.get("token_endpoint_auth_methods_supported")).containsExactlyInAnyOrder("client_secret_basic", "client_secret_post", "private_key_jwt");
        assertThat((List<Object>) m.get("scopes_supported")).containsExactly("prefs:read", "prefs:write");
        assertThat((List<Object>) m.get("access_token_signing_alg_values_supported")).containsExactly("ES256");
    }

    @Test
    void jwksPublishesActiveAndNextKeysWithoutPrivateParts() throws Exception {
        TestServer s = TestServer.shared(backend);
        Http.Response r = s.http.get("/jwks");
        assertThat(r.status()).isEqualTo(200);
        JWKSet set = JWKSet.parse(r.body());
        assertThat(set.getKeys()).hasSizeGreaterThanOrEqualTo(2);
        assertThat(set.getKeys()).allSatisfy(k -> {
            assertThat(k.isPrivate()).isFalse();
            assertThat(k.getKeyID()).isNotBlank();
            assertThat(k.getAlgorithm().getName()).isEqualTo("ES256");
        });
        assertThat(r.body()).doesNotContain("\"d\"");
    }

    @Test
    void openIdDiscoveryAndUnknownPathsAnswer404NotAServerError() {
        TestServer s = TestServer.shared(backend);
        Http.Response oidc = s.http.get("/.well-known/openid-configuration");
        assertThat(oidc.status()).isEqualTo(404);
        assertThat(oidc.json()).containsEntry("error", "not_found");
        Http.Response wrongMethod = s.http.get("/token");
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.body()).doesNotContain("Exception").doesNotContain("at org.");
    }

    @Test
    void everyResponseCarriesStrictSecurityHeaders() {
        TestServer s = TestServer.shared(backend);
        Http.Response r = s.http.get("/jwks");
        assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(r.header("Referrer-Policy")).isEqualTo("no-referrer");
        assertThat(r.header("Content-Security-Policy")).contains("frame-ancestors 'none'");
        assertThat(r.header("Server")).isNull();
    }
}
