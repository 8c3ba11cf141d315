package org.gatehouse.server.keybound;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.KeyBound;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/** Issue 17: DPoP-bound tokens (RFC 9449) at /token and /introspect, key rotation and moving to keys (RFC 7592). */
@BothBackends
class DPoPAndRotationTest {
    @Parameter
    String backend;

    private TestServer s() {
        return TestServer.shared(backend);
    }

    private String tokenUrl() {
        return s().issuer + "/token";
    }

    private Http.Response tokenWithProof(Map<String, String> form, String proof) {
        return s().http.postRaw("/token", "application/x-www-form-urlencoded", Http.form(form), proof == null ? Map.of() : Map.of("DPoP", proof));
    }

    private void assertBadProof(Http.Response r) {
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.json()).containsEntry("error", "invalid_dpop_proof");
    }

    @Test
    void aDpopProofBindsTheTokenAndIntrospectionShowsTheBinding() throws Exception {
        KeyBound k = KeyBound.es256();
        Flow.Client c = Flow.register(s(), s().iat(1, "prefs:read").token(), k.metadata(""));
        KeyBound dpop = KeyBound.ed25519(); // the DPoP key may differ from the client's key
        Http.Response r = tokenWithProof(KeyBound.grant(k.assertion(c.id(), s().issuer)), dpop.proof("POST", tokenUrl()));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json()).containsEntry("token_type", "DPoP");
        String at = r.str("access_token");
        JWTClaimsSet claims = SignedJWT.parse(at).getJWTClaimsSet();
        assertThat(claims.getJSONObjectClaim("cnf")).containsEntry("jkt", dpop.jkt());

        Map<String, String> introspect = new HashMap<>(KeyBound.grant(k.assertion(c.id(), s().issuer)));
        introspect.remove("grant_type");
        introspect.put("token", at);
        Http.Response i = s().http.postForm("/introspect", null, null, introspect);
        assertThat(i.status()).as(i.body()).isEqualTo(200);
        assertThat(i.json()).containsEntry("active", true).containsEntry("token_type", "DPoP")
                .containsEntry("cnf", Map.of("jkt", dpop.jkt()));

        // /revoke with an assertion too.
        Map<String, String> revoke = new HashMap<>(introspect);
        revoke.put("client_assertion", k.assertion(c.id(), s().issuer));
        assertThat(s().http.postForm("/revoke", null, null, revoke).status()).isEqualTo(200);
        introspect.put("client_assertion", k.assertion(c.id(), s().issuer));
        assertThat(s().http.postForm("/introspect", null, null, introspect).json()).containsEntry("active", false);
    }

    @Test
    void aSecretClientCanUseDpopToo() {
        Flow.Client c = Flow.register(s());
        KeyBound dpop = KeyBound.es256();
        Http.Response r = s().http.exchange("POST", "/token", "application/x-www-form-urlencoded", "grant_type=client_credentials",
                Map.of("Authorization", Http.basic(c.id(), c.secret()), "DPoP", dpop.proof("POST", tokenUrl())));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json()).containsEntry("token_type", "DPoP");
    }

    @Test
    void badProofsGetInvalidDpopProof() {
        Flow.Client c = Flow.register(s());
        KeyBound k = KeyBound.es256();
        long now = System.currentTimeMillis();
        String url = tokenUrl();
        List<String> bad = List.of(
                k.proof("GET", url),                                                                  // htm
                k.proof("POST", s().issuer + "/introspect"),                                         // htu
                k.proof("POST", url, b -> b.issueTime(new Date(now - 600_000))),                      // iat too old
                k.proof("POST", url, b -> b.issueTime(new Date(now + 600_000))),                      // iat in the future
                k.proof("POST", url, b -> b.issueTime(null)),                                         // iat missing
                k.proof("POST", url, b -> b.jwtID(null)),                                             // jti missing
                k.sign(new JWSHeader.Builder(JWSAlgorithm.ES256).type(JOSEObjectType.JWT).jwk(k.key.toPublicJWK()).build(),
                        new JWTClaimsSet.Builder().jwtID("j1").claim("htm", "POST").claim("htu", url).issueTime(new Date()).build()), // typ
                k.sign(new JWSHeader.Builder(JWSAlgorithm.ES256).type(new JOSEObjectType("dpop+jwt")).build(),
                        new JWTClaimsSet.Builder().jwtID("j2").claim("htm", "POST").claim("htu", url).issueTime(new Date()).build()), // no jwk
                k.sign(new JWSHeader.Builder(JWSAlgorithm.ES256).type(new JOSEObjectType("dpop+jwt")).jwk(KeyBound.es256().key.toPublicJWK()).build(),
                        new JWTClaimsSet.Builder().jwtID("j3").claim("htm", "POST").claim("htu", url).issueTime(new Date()).build()), // other key
                "garbage");
        for (String proof : bad) {
            Http.Response r = s().http.exchange("POST", "/token", "application/x-www-form-urlencoded", "grant_type=client_credentials",
                    Map.of("Authorization", Http.basic(c.id(), c.secret()), "DPoP", proof));
            assertBadProof(r);
        }
        // §4.3 item 9: htu compared without query and fragment.
        Http.Response ok = s().http.exchange("POST", "/token", "application/x-www-form-urlencoded", "grant_type=client_credentials",
                Map.of("Authorization", Http.basic(c.id(), c.secret()), "DPoP", k.proof("POST", url + "?x=1#f")));
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
    }

    @Test
    void aProofIsUsedOnce() {
        Flow.Client c = Flow.register(s());
        KeyBound k = KeyBound.es256();
        String proof = k.proof("POST", tokenUrl());
        Map<String, String> h = Map.of("Authorization", Http.basic(c.id(), c.secret()), "DPoP", proof);
        assertThat(s().http.exchange("POST", "/token", "application/x-www-form-urlencoded", "grant_type=client_credentials", h).status())
                .isEqualTo(200);
        assertBadProof(s().http.exchange("POST", "/token", "application/x-www-form-urlencoded", "grant_type=client_credentials", h));
    }

    @Test
    void aDpopBoundClientIsRefusedWithoutAProof() {
        KeyBound k = KeyBound.es256();
        Flow.Client c = Flow.register(s(), s().iat(1, "prefs:read").token(), k.metadata(",\"dpop_bound_access_tokens\":true"));
        assertThat(c.info()).containsEntry("dpop_bound_access_tokens", true);
        assertBadProof(tokenWithProof(KeyBound.grant(k.assertion(c.id(), s().issuer)), null));
        Http.Response ok = tokenWithProof(KeyBound.grant(k.assertion(c.id(), s().issuer)), k.proof("POST", tokenUrl()));
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
        assertThat(ok.json()).containsEntry("token_type", "DPoP");
    }

    @Test
    void rotatingTheKeyThroughRfc7592StopsTheOldKeyAtOnce() {
        KeyBound oldKey = KeyBound.es256();
        Flow.Client c = Flow.register(s(), s().iat(1, "prefs:read").token(), oldKey.metadata(""));
        assertThat(tokenWithProof(KeyBound.grant(oldKey.assertion(c.id(), s().issuer)), null).status()).isEqualTo(200);
        KeyBound newKey = KeyBound.ed25519();
        Http.Response put = s().http.putJson("/register/" + c.id(), c.rat(),
                "{\"client_id\":\"" + c.id() + "\",\"token_endpoint_auth_method\":\"private_key_jwt\",\"jwks\":" + newKey.jwks() + "}");
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        assertThat(put.json()).doesNotContainKey("client_secret");
        Http.Response old = tokenWithProof(KeyBound.grant(oldKey.assertion(c.id(), s().issuer)), null);
        assertThat(old.status()).as(old.body()).isEqualTo(401);
        assertThat(tokenWithProof(KeyBound.grant(newKey.assertion(c.id(), s().issuer)), null).status()).isEqualTo(200);
        // A key-bound client has no secret to rotate.
        Http.Response rotate = s().http.putJson("/register/" + c.id(), put.str("registration_access_token"),
                "{\"client_id\":\"" + c.id() + "\",\"token_endpoint_auth_method\":\"private_key_jwt\",\"jwks\":" + newKey.jwks()
                        + ",\"rotate_client_secret\":true}");
        assertThat(rotate.status()).isEqualTo(400);
        assertThat(rotate.json()).containsEntry("error", "invalid_client_metadata");
    }

    @Test
    void aSecretClientMovesToKeysAndItsSecretStopsWorking() {
        Flow.Client c = Flow.register(s());
        assertThat(Flow.token(s(), c)).isNotBlank();
        KeyBound k = KeyBound.es256();
        Http.Response put = s().http.putJson("/register/" + c.id(), c.rat(),
                "{\"client_id\":\"" + c.id() + "\",\"token_endpoint_auth_method\":\"private_key_jwt\",\"jwks\":" + k.jwks() + "}");
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        assertThat(put.json()).containsEntry("token_endpoint_auth_method", "private_key_jwt").doesNotContainKey("client_secret")
                .doesNotContainKey("client_secret_expires_at");
        assertThat(s().http.postForm("/token", c.id(), c.secret(), Map.of("grant_type", "client_credentials")).status()).isEqualTo(401);
        assertThat(tokenWithProof(KeyBound.grant(k.assertion(c.id(), s().issuer)), null).status()).isEqualTo(200);
    }

    @Test
    void registrationRefusesKeysItCannotTrust() {
        String iat = s().iat(20, "prefs:read").token();
        KeyBound k = KeyBound.es256();
        String pub = k.key.toPublicJWK().toJSONString();
        String priv = k.key.toJSONString();
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("{\"token_endpoint_auth_method\":\"private_key_jwt\"}", "jwks");
        cases.put("{\"token_endpoint_auth_method\":\"private_key_jwt\",\"jwks\":{\"keys\":[" + priv + "]}}", "public keys only");
        cases.put("{\"token_endpoint_auth_method\":\"private_key_jwt\",\"jwks\":{\"keys\":[{\"kty\":\"oct\",\"kid\":\"s\",\"k\":\"c2VjcmV0\"}]}}",
                "public keys only");
        cases.put("{\"token_endpoint_auth_method\":\"private_key_jwt\",\"jwks\":{\"keys\":[" + pub + "," + pub + "]}}", "two keys with kid");
        cases.put("{\"token_endpoint_auth_method\":\"private_key_jwt\",\"jwks_uri\":\"https://example.org/jwks\"}", "jwks_uri is not supported");
        cases.put("{\"token_endpoint_auth_method\":\"private_key_jwt\",\"jwks\":{\"keys\":[" + pub + "]},\"token_endpoint_auth_signing_alg\":\"HS256\"}",
                "token_endpoint_auth_signing_alg");
        cases.put("{\"token_endpoint_auth_method\":\"private_key_jwt\",\"jwks\":{\"keys\":[" + pub + "]},\"token_endpoint_auth_signing_alg\":\"EdDSA\"}",
                "does not match any key");
        cases.put("{\"jwks\":{\"keys\":[" + pub + "]}}", "need token_endpoint_auth_method private_key_jwt");
        cases.put("{\"token_endpoint_auth_method\":\"private_key_jwt\",\"jwks\":{\"keys\":[" + pub + "]},\"dpop_bound_access_tokens\":\"yes\"}",
                "dpop_bound_access_tokens");
        cases.forEach((body, message) -> {
            Http.Response r = s().http.postJson("/register", iat, body);
            assertThat(r.status()).as(body + " → " + r.body()).isEqualTo(400);
            assertThat(r.json()).containsEntry("error", "invalid_client_metadata");
            assertThat(r.str("error_description")).as(body).contains(message);
        });
    }
}
