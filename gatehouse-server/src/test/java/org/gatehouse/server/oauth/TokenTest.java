package org.gatehouse.server.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.util.Map;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/** RFC 6749 §4.4 client credentials grant, RFC 9068 access tokens. */
@BothBackends
class TokenTest {
    @Parameter
    String backend;

    private TestServer s() {
        return TestServer.shared(backend);
    }

    private static final Map<String, String> GRANT = Map.of("grant_type", "client_credentials");

    @Test
    void basicAuthGetsAnRfc9068JwtVerifiableWithTheJwks() throws Exception {
        String installation = Flow.installationId();
        Flow.Client c = Flow.register(s(), s().iat(1, "prefs:read prefs:write").token(),
                "{\"installation_id\":\"" + installation + "\"}");
        Http.Response r = s().http.postForm("/token", c.id(), c.secret(), GRANT);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Cache-Control")).isEqualTo("no-store");
        assertThat(r.header("Pragma")).isEqualTo("no-cache");
        assertThat(r.json()).containsEntry("token_type", "Bearer").containsEntry("scope", "prefs:read prefs:write");
        assertThat(((Number) r.json().get("expires_in")).longValue()).isEqualTo(600);

        SignedJWT jwt = SignedJWT.parse(r.str("access_token"));
        assertThat(jwt.getHeader().getType().getType()).isEqualTo("at+jwt");
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
        JWKSet jwks = JWKSet.parse(s().http.get("/jwks").body());
        ECKey key = (ECKey) jwks.getKeyByKeyId(jwt.getHeader().getKeyID());
        assertThat(jwt.verify(new ECDSAVerifier(key))).isTrue();
        JWTClaimsSet claims = jwt.getJWTClaimsSet();
        assertThat(claims.getIssuer()).isEqualTo(s().issuer);
        assertThat(claims.getSubject()).isEqualTo(c.id());
        assertThat(claims.getAudience()).containsExactly(s().issuer);
        assertThat(claims.getStringClaim("client_id")).isEqualTo(c.id());
        assertThat(claims.getStringClaim("scope")).isEqualTo("prefs:read prefs:write");
        assertThat(claims.getStringClaim("installation_id")).isEqualTo(installation);
        assertThat(claims.getJWTID()).isNotBlank();
        assertThat(claims.getExpirationTime().getTime() - claims.getIssueTime().getTime()).isEqualTo(600_000);
    }

    @Test
    void eitherSecretMethodWorksByDefaultWhateverWasRegistered() {
        // openid-client sends client_secret_post; RFC 7591 §2 makes client_secret_basic the registration default.
        Flow.Client post = Flow.registerPost(s());
        Flow.Client basic = Flow.register(s());
        for (Flow.Client c : new Flow.Client[] {post, basic}) {
            Http.Response viaPost = s().http.postForm("/token", null, null,
                    Map.of("grant_type", "client_credentials", "client_id", c.id(), "client_secret", c.secret()));
            assertThat(viaPost.status()).as(viaPost.body()).isEqualTo(200);
            Http.Response viaBasic = s().http.postForm("/token", c.id(), c.secret(), GRANT);
            assertThat(viaBasic.status()).as(viaBasic.body()).isEqualTo(200);
        }
    }

    @Test
    void strictAuthMethodAcceptsOnlyTheRegisteredMethod() {
        try (TestServer strict = TestServer.start(backend, Map.of("GATEHOUSE_STRICT_AUTH_METHOD", "true"))) {
            Flow.Client c = Flow.registerPost(strict);
            Http.Response post = strict.http.postForm("/token", null, null,
                    Map.of("grant_type", "client_credentials", "client_id", c.id(), "client_secret", c.secret()));
            assertThat(post.status()).as(post.body()).isEqualTo(200);
            Http.Response basic = strict.http.postForm("/token", c.id(), c.secret(), GRANT);
            assertThat(basic.status()).isEqualTo(401);
            assertThat(basic.str("error")).isEqualTo("invalid_client");
            assertThat(basic.str("error_description")).isEqualTo("this client is registered for client_secret_post");
            Flow.Client b = Flow.register(strict);
            Http.Response postForBasic = strict.http.postForm("/token", null, null,
                    Map.of("grant_type", "client_credentials", "client_id", b.id(), "client_secret", b.secret()));
            assertThat(postForBasic.status()).isEqualTo(401);
        }
    }

    @Test
    void scopeMustLieWithinTheRegisteredScope() {
        Flow.Client c = Flow.register(s(), s().iat(1, "prefs:read prefs:write").token(), "{\"scope\":\"prefs:read\"}");
        Http.Response narrow = s().http.postForm("/token", c.id(), c.secret(), Map.of("grant_type", "client_credentials", "scope", "prefs:read"));
        assertThat(narrow.json()).containsEntry("scope", "prefs:read");
        Http.Response wide = s().http.postForm("/token", c.id(), c.secret(), Map.of("grant_type", "client_credentials", "scope", "prefs:write"));
        assertThat(wide.status()).isEqualTo(400);
        assertThat(wide.str("error")).isEqualTo("invalid_scope");
        Http.Response bad = s().http.postForm("/token", c.id(), c.secret(), Map.of("grant_type", "client_credentials", "scope", "a\"b"));
        assertThat(bad.str("error")).isEqualTo("invalid_scope");
    }

    @Test
    void wrongUnknownOrMissingCredentialsGetInvalidClientWithAChallenge() {
        Flow.Client c = Flow.register(s());
        for (Http.Response r : new Http.Response[] {
                s().http.postForm("/token", c.id(), "ghs_wrong", GRANT),
                s().http.postForm("/token", "no-such-client", c.secret(), GRANT),
                s().http.postForm("/token", null, null, GRANT),
                s().http.postForm("/token", null, null, Map.of("grant_type", "client_credentials", "client_id", c.id())),
                s().http.postRaw("/token", "application/x-www-form-urlencoded", "grant_type=client_credentials",
                        Map.of("Authorization", "Basic !!!notbase64")),
                s().http.postRaw("/token", "application/x-www-form-urlencoded", "grant_type=client_credentials",
                        Map.of("Authorization", "Bearer " + c.secret()))}) {
            assertThat(r.status()).as(r.body()).isEqualTo(401);
            assertThat(r.str("error")).isEqualTo("invalid_client");
            assertThat(r.header("WWW-Authenticate")).startsWith("Basic");
        }
        // Unknown client and wrong secret read the same.
        assertThat(s().http.postForm("/token", "no-such-client", c.secret(), GRANT).body())
                .isEqualTo(s().http.postForm("/token", c.id(), "ghs_wrong", GRANT).body());
    }

    @Test
    void malformedRequestsGetRfc6749Errors() {
        Flow.Client c = Flow.register(s());
        Http.Response noGrant = s().http.postForm("/token", c.id(), c.secret(), Map.of());
        assertThat(noGrant.str("error")).isEqualTo("invalid_request");
        Http.Response otherGrant = s().http.postForm("/token", c.id(), c.secret(), Map.of("grant_type", "password"));
        assertThat(otherGrant.str("error")).isEqualTo("unsupported_grant_type");
        Http.Response repeated = s().http.postRaw("/token", "application/x-www-form-urlencoded",
                "grant_type=client_credentials&scope=prefs:read&scope=prefs:write", Map.of("Authorization", Http.basic(c.id(), c.secret())));
        assertThat(repeated.status()).isEqualTo(400);
        assertThat(repeated.str("error")).isEqualTo("invalid_request");
        Http.Response json = s().http.postRaw("/token", "application/json", "{\"grant_type\":\"client_credentials\"}",
                Map.of("Authorization", Http.basic(c.id(), c.secret())));
        assertThat(json.str("error")).isEqualTo("invalid_request");
        Http.Response twoMethods = s().http.postRaw("/token", "application/x-www-form-urlencoded",
                "grant_type=client_credentials&client_id=" + c.id() + "&client_secret=" + c.secret(),
                Map.of("Authorization", Http.basic(c.id(), c.secret())));
        assertThat(twoMethods.str("error")).isEqualTo("invalid_request");
    }

    @Test
    void resourceServerCredentialsCannotObtainTokens() {
        Flow.Client rs = Flow.resourceServer(s());
        Http.Response r = s().http.postForm("/token", rs.id(), rs.secret(), GRANT);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.str("error")).isEqualTo("unauthorized_client");
    }
}
