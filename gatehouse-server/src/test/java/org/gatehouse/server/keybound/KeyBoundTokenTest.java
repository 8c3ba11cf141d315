package org.gatehouse.server.keybound;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
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

/** Issue 17: private_key_jwt (RFC 7523) registration and client authentication at /token, over real HTTP. */
@BothBackends
class KeyBoundTokenTest {
    @Parameter
    String backend;

    private TestServer s() {
        return TestServer.shared(backend);
    }

    private Flow.Client register(KeyBound k, String extra) {
        return Flow.register(s(), s().iat(1, "prefs:read").token(), k.metadata(extra));
    }

    private Http.Response token(String assertion) {
        return s().http.postForm("/token", null, null, KeyBound.grant(assertion));
    }

    /** A compact JWS of these header and payload texts with a dummy signature. */
    private static String jws(String header, String payload) {
        java.util.Base64.Encoder b = java.util.Base64.getUrlEncoder().withoutPadding();
        return b.encodeToString(header.getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "."
                + b.encodeToString(payload.getBytes(java.nio.charset.StandardCharsets.UTF_8)) + ".AAAA";
    }

    private void assertRefused(Http.Response r) {
        assertThat(r.status()).as(r.body()).isEqualTo(401);
        assertThat(r.json()).containsEntry("error", "invalid_client").containsEntry("error_description", "client authentication failed");
    }

    @Test
    void registeredWithAPublicKeyAndNoSecretThenAuthenticatesWithAnAssertion() throws Exception {
        KeyBound k = KeyBound.es256();
        Flow.Client c = register(k, "");
        assertThat(c.info()).doesNotContainKey("client_secret").doesNotContainKey("client_secret_expires_at")
                .containsEntry("token_endpoint_auth_method", "private_key_jwt").containsKey("registration_access_token")
                .containsKey("registration_client_uri");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> keys = (List<Map<String, Object>>) ((Map<String, Object>) c.info().get("jwks")).get("keys");
        assertThat(keys).hasSize(1);
        assertThat(keys.get(0)).containsEntry("kid", k.key.getKeyID()).doesNotContainKey("d");

        Http.Response r = token(k.assertion(c.id(), s().issuer));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json()).containsEntry("token_type", "Bearer").containsEntry("scope", "prefs:read");
        assertThat(SignedJWT.parse(r.str("access_token")).getJWTClaimsSet().getStringClaim("client_id")).isEqualTo(c.id());
        // RFC 7523 §3 item 3: the token endpoint URL is accepted as aud too.
        assertThat(token(k.assertion(c.id(), s().issuer + "/token")).status()).isEqualTo(200);
        // client_id beside the assertion is allowed when it names the same client.
        Map<String, String> form = new HashMap<>(KeyBound.grant(k.assertion(c.id(), s().issuer)));
        form.put("client_id", c.id());
        assertThat(s().http.postForm("/token", null, null, form).status()).isEqualTo(200);
    }

    @Test
    void ed25519KeysWorkToo() {
        KeyBound k = KeyBound.ed25519();
        Flow.Client c = register(k, ",\"token_endpoint_auth_signing_alg\":\"EdDSA\"");
        assertThat(c.info()).containsEntry("token_endpoint_auth_signing_alg", "EdDSA");
        Http.Response r = token(k.assertion(c.id(), s().issuer));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    @Test
    void anAssertionIsUsedOnce() {
        KeyBound k = KeyBound.es256();
        Flow.Client c = register(k, "");
        String a = k.assertion(c.id(), s().issuer);
        assertThat(token(a).status()).isEqualTo(200);
        assertRefused(token(a));
        // The same jti is refused at the other endpoints too: one use, whatever the endpoint.
        Map<String, String> form = new HashMap<>(KeyBound.grant(a));
        form.remove("grant_type");
        form.put("token", "x");
        assertRefused(s().http.postForm("/introspect", null, null, form));
    }

    @Test
    void aCapturedAssertionReplayedAfterARevocationLearnsNothing() {
        KeyBound k = KeyBound.es256();
        String installation = Flow.installationId();
        Flow.Client c = register(k, ",\"installation_id\":\"" + installation + "\"");
        String captured = k.assertion(c.id(), s().issuer);
        assertThat(token(captured).status()).isEqualTo(200);
        String ref = s().gatehouse().installations.find(installation).get(0).id();
        assertThat(s().gatehouse().installations.revoke(ref, "lost laptop", org.gatehouse.server.audit.Actor.cli())).isTrue();
        // RFC 7523 §3 item 7: the jti is checked before the credential state is told; a replay gets the bare failure.
        Http.Response replay = token(captured);
        assertRefused(replay);
        assertThat(replay.json()).doesNotContainKey("credential_state");
        // A fresh assertion proves possession of the key, once: its holder is told why.
        String fresh = k.assertion(c.id(), s().issuer);
        Http.Response told = token(fresh);
        assertThat(told.status()).isEqualTo(401);
        assertThat(told.str("credential_state")).isEqualTo("installation_revoked");
        Http.Response again = token(fresh);
        assertRefused(again);
        assertThat(again.json()).doesNotContainKey("credential_state");
    }

    @Test
    void aStoredKeyTheServerCannotVerifyWithIsA401NotA500() {
        KeyBound k = KeyBound.es256();
        Flow.Client c = register(k, "");
        // Registered before today's checks: a 4096-bit modulus with a 101-bit exponent, which the JDK refuses.
        byte[] n = new byte[512];
        new java.util.Random(7).nextBytes(n);
        n[0] |= (byte) 0x80;
        n[511] |= 1;
        String rsa = "{\"kty\":\"RSA\",\"kid\":\"old\",\"n\":\"" + com.nimbusds.jose.util.Base64URL.encode(n) + "\",\"e\":\""
                + com.nimbusds.jose.util.Base64URL.encode(com.nimbusds.jose.util.BigIntegerUtils.toBytesUnsigned(
                        java.math.BigInteger.ONE.shiftLeft(100).add(java.math.BigInteger.ONE))) + "\"}";
        s().gatehouse().db.withHandle(h -> h.createUpdate("UPDATE clients SET jwks = :j WHERE client_id = :id")
                .bind("j", "{\"keys\":[" + rsa + "]}").bind("id", c.id()).execute());
        assertRefused(token(k.assertion(c.id(), s().issuer)));
    }

    @Test
    void everyBadAssertionGetsTheSameGenericAnswer() {
        KeyBound k = KeyBound.es256();
        Flow.Client c = register(k, "");
        String iss = s().issuer;
        KeyBound other = KeyBound.es256();
        long now = System.currentTimeMillis();
        List<String> bad = List.of(
                other.assertion(c.id(), iss),                                                     // another key, same kid? no: unknown kid
                other.sign(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(k.key.getKeyID()).build(),
                        k.assertionClaims(c.id(), iss).build()),                                  // registered kid, wrong key
                k.assertion(c.id(), "https://elsewhere.example"),                                 // aud
                k.assertion(c.id(), iss, b -> b.audience(List.of(iss, "https://elsewhere.example"))), // aud with a foreign value
                k.assertion(c.id(), iss, b -> b.subject("someone-else")),                         // sub
                k.assertion(c.id(), iss, b -> b.expirationTime(null)),                            // exp required
                k.assertion(c.id(), iss, b -> b.expirationTime(new Date(now - 120_000)).issueTime(new Date(now - 150_000))), // expired
                k.assertion(c.id(), iss, b -> b.expirationTime(new Date(now + 3_600_000))),        // lifetime too long
                k.assertion(c.id(), iss, b -> b.issueTime(new Date(now + 600_000)).expirationTime(new Date(now + 660_000))), // iat future
                k.assertion(c.id(), iss, b -> b.notBeforeTime(new Date(now + 600_000))),          // nbf
                k.assertion(c.id(), iss, b -> b.jwtID(null)),                                     // jti required
                k.sign(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(k.key.getKeyID()).type(new JOSEObjectType("at+jwt")).build(),
                        k.assertionClaims(c.id(), iss).build()),                                  // typ
                unsigned(c.id(), iss),                                                            // alg none
                "not-a-jwt",
                // numbers the JSON reader or the date check must refuse, not fail on (were a 500, or seconds of CPU)
                jws("{\"alg\":\"ES256\"}", "{\"iss\":\"" + c.id() + "\",\"exp\":1e99999999999}"),
                k.assertion(c.id(), iss, b -> b.claim("nbf", new java.math.BigDecimal("1e-4000000"))),
                k.assertion(c.id(), iss, b -> b.claim("iat", Long.MIN_VALUE)));
        for (String a : bad) {
            assertRefused(token(a));
        }
        // The right one still works (none of the above consumed anything it needs).
        assertThat(token(k.assertion(c.id(), iss)).status()).isEqualTo(200);
    }

    @Test
    void aSecretDoesNotAuthenticateAKeyBoundClientNorAnAssertionASecretClient() {
        KeyBound k = KeyBound.es256();
        Flow.Client keyed = register(k, "");
        assertThat(s().http.postForm("/token", keyed.id(), "ghs_guess", Map.of("grant_type", "client_credentials")).status()).isEqualTo(401);
        Flow.Client secret = Flow.register(s());
        assertRefused(token(k.assertion(secret.id(), s().issuer)));
    }

    @Test
    void mixingMethodsIsARequestError() {
        KeyBound k = KeyBound.es256();
        Flow.Client c = register(k, "");
        Http.Response r = s().http.postForm("/token", c.id(), "x", KeyBound.grant(k.assertion(c.id(), s().issuer)));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json()).containsEntry("error", "invalid_request");
        Map<String, String> wrongType = new HashMap<>(KeyBound.grant(k.assertion(c.id(), s().issuer)));
        wrongType.put("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:saml2-bearer");
        assertThat(s().http.postForm("/token", null, null, wrongType).json()).containsEntry("error", "invalid_request");
        Map<String, String> otherId = new HashMap<>(KeyBound.grant(k.assertion(c.id(), s().issuer)));
        otherId.put("client_id", "someone-else");
        assertRefused(s().http.postForm("/token", null, null, otherId));
    }

    @Test
    void thePinnedAlgorithmIsTheOnlyOneAccepted() {
        // An RSA key may sign RS256 and PS256; registering PS256 pins it.
        com.nimbusds.jose.jwk.RSAKey rsa;
        try {
            rsa = new com.nimbusds.jose.jwk.gen.RSAKeyGenerator(2048).keyID("r1").generate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        Flow.Client c = Flow.register(s(), s().iat(1, "prefs:read").token(),
                "{\"token_endpoint_auth_method\":\"private_key_jwt\",\"token_endpoint_auth_signing_alg\":\"PS256\",\"jwks\":{\"keys\":["
                        + rsa.toPublicJWK().toJSONString() + "]}}");
        KeyBound k = KeyBound.es256();
        String iss = s().issuer;
        String ps = rsaSigned(rsa, JWSAlgorithm.PS256, k.assertionClaims(c.id(), iss).build());
        String rs = rsaSigned(rsa, JWSAlgorithm.RS256, k.assertionClaims(c.id(), iss).build());
        assertRefused(token(rs));
        assertThat(token(ps).status()).isEqualTo(200);
    }

    private static String rsaSigned(com.nimbusds.jose.jwk.RSAKey rsa, JWSAlgorithm alg, com.nimbusds.jwt.JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(rsa.getKeyID()).build(), claims);
            jwt.sign(new com.nimbusds.jose.crypto.RSASSASigner(rsa));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String unsigned(String clientId, String aud) {
        KeyBound k = KeyBound.es256();
        return new com.nimbusds.jwt.PlainJWT(k.assertionClaims(clientId, aud).build()).serialize();
    }
}
