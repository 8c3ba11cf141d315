package org.gatehouse.server.tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.util.Date;
import java.util.List;
import java.util.function.UnaryOperator;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.registration.JwksRules;
import org.gatehouse.server.testing.KeyBound;
import org.junit.jupiter.api.Test;

/** RFC 7523 §3 checks of ClientAssertions, one by one, at a fixed time. */
class ClientAssertionsTest {
    private static final String ISSUER = "https://login.example";
    private static final String CLIENT = "client-1";
    private static final long NOW = 1_800_000_000_000L;
    private final ClientAssertions verifier = new ClientAssertions(ISSUER);
    private final KeyBound k = KeyBound.es256();
    private final KeyBound ed = KeyBound.ed25519();
    private final ClientKeys keys = keysOf(k, ed);

    private static ClientKeys keysOf(KeyBound... ks) {
        StringBuilder b = new StringBuilder("{\"keys\":[");
        for (int i = 0; i < ks.length; i++) b.append(i == 0 ? "" : ",").append(ks[i].key.toPublicJWK().toJSONString());
        try {
            return ClientKeys.of(Json.write(JwksRules.check(Json.parseObject(b.append("]}").toString()))), org.gatehouse.server.crypto.JwsCrypto.select(System.getProperty("gatehouse.test.crypto", "auto")));
        } catch (Json.JsonException e) {
            throw new IllegalStateException(e);
        }
    }

    private JWTClaimsSet.Builder claims() {
        return new JWTClaimsSet.Builder().issuer(CLIENT).subject(CLIENT).audience(ISSUER).jwtID("jti-1")
                .issueTime(new Date(NOW)).expirationTime(new Date(NOW + 60_000));
    }

    private String signed(KeyBound key, UnaryOperator<JWTClaimsSet.Builder> change) {
        return key.sign(new JWSHeader.Builder(key.alg).keyID(key.key.getKeyID()).build(), change.apply(claims()).build());
    }

    private ClientAssertions.Accepted verify(String assertion, String pinned) throws Exception {
        return verifier.verify(ClientAssertions.parse(assertion), CLIENT, keys, pinned, NOW);
    }

    private void refused(String assertion, String reason) {
        assertThatThrownBy(() -> verify(assertion, null)).isInstanceOf(ClientAssertions.Refused.class).hasMessageContaining(reason);
    }

    @Test
    void acceptsTheContractsAssertionWithEitherKeyAndEitherAudience() throws Exception {
        ClientAssertions.Accepted a = verify(signed(k, b -> b), null);
        assertThat(a.jti()).isEqualTo("jti-1");
        assertThat(a.replayUntil()).isEqualTo(NOW + 60_000 + ClientAssertions.SKEW_SECONDS * 1000);
        assertThat(verify(signed(ed, b -> b.audience(ISSUER + "/token")), null).jti()).isEqualTo("jti-1");
        assertThat(verify(signed(k, b -> b.audience(List.of(ISSUER, ISSUER + "/token"))), null)).isNotNull();
        // typ JWT and client-authentication+jwt are accepted.
        assertThat(verify(k.sign(new JWSHeader.Builder(k.alg).keyID(k.key.getKeyID()).type(JOSEObjectType.JWT).build(), claims().build()), null))
                .isNotNull();
        assertThat(verify(k.sign(new JWSHeader.Builder(k.alg).keyID(k.key.getKeyID()).type(new JOSEObjectType("client-authentication+jwt")).build(),
                claims().build()), null)).isNotNull();
    }

    @Test
    void issSubAndAud() {
        refused(signed(k, b -> b.issuer("other")), "iss/sub");
        refused(signed(k, b -> b.subject("other")), "iss/sub");
        refused(signed(k, b -> b.audience("https://elsewhere.example")), "aud");
        refused(signed(k, b -> b.audience(List.of(ISSUER, "https://elsewhere.example"))), "aud");
        refused(signed(k, b -> b.audience(ISSUER + "/introspect")), "aud");
        refused(signed(k, b -> b.audience((String) null)), "aud");
    }

    @Test
    void expIatNbf() {
        refused(signed(k, b -> b.expirationTime(null)), "no exp");
        refused(signed(k, b -> b.expirationTime(new Date(NOW - 61_000)).issueTime(new Date(NOW - 120_000))), "expired");
        refused(signed(k, b -> b.expirationTime(new Date(NOW + 400_000)).issueTime(null)), "exp too far");
        refused(signed(k, b -> b.issueTime(new Date(NOW - 250_000)).expirationTime(new Date(NOW + 60_000))), "lifetime");
        refused(signed(k, b -> b.issueTime(new Date(NOW + 61_000)).expirationTime(new Date(NOW + 120_000))), "iat in the future");
        refused(signed(k, b -> b.notBeforeTime(new Date(NOW + 61_000))), "nbf");
        refused(signed(k, b -> b.jwtID(null)), "jti");
        refused(signed(k, b -> b.jwtID("x".repeat(201))), "jti");
    }

    @Test
    void withinTheSkewIsAccepted() throws Exception {
        assertThat(verify(signed(k, b -> b.expirationTime(new Date(NOW - 59_000)).issueTime(new Date(NOW - 119_000))), null)).isNotNull();
        assertThat(verify(signed(k, b -> b.issueTime(new Date(NOW + 59_000)).expirationTime(new Date(NOW + 119_000))), null)).isNotNull();
    }

    @Test
    void algorithmsArePinnedToTheKey() throws Exception {
        // none: an unsecured JWT does not parse as a JWS.
        assertThatThrownBy(() -> ClientAssertions.parse(new PlainJWT(claims().build()).serialize())).isInstanceOf(ClientAssertions.Refused.class);
        // HMAC with the public key's bytes as the secret (the classic confusion).
        SignedJWT hs = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(k.key.getKeyID()).build(), claims().build());
        hs.sign(new MACSigner(k.key.toPublicJWK().toJSONString().repeat(2).getBytes()));
        refused(hs.serialize(), "HS256 not accepted");
        // EdDSA header on the EC key's kid.
        refused(ed.sign(new JWSHeader.Builder(JWSAlgorithm.EdDSA).keyID(k.key.getKeyID()).build(), claims().build()), "does not fit");
        // Right alg, wrong key.
        refused(KeyBound.es256().sign(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(k.key.getKeyID()).build(), claims().build()), "signature");
        // Pinned algorithm.
        assertThatThrownBy(() -> verify(signed(k, b -> b), "EdDSA")).hasMessageContaining("token_endpoint_auth_signing_alg");
        // RSA: RS256 and PS256 both fit an RSA key.
        RSAKey rsa = new RSAKeyGenerator(2048).keyID("r").generate();
        ClientKeys rsaKeys = ClientKeys.of(Json.write(JwksRules.check(Json.parseObject("{\"keys\":[" + rsa.toPublicJWK().toJSONString() + "]}"))), org.gatehouse.server.crypto.JwsCrypto.select(System.getProperty("gatehouse.test.crypto", "auto")));
        for (JWSAlgorithm alg : List.of(JWSAlgorithm.RS256, JWSAlgorithm.PS256)) {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID("r").build(), claims().build());
            jwt.sign(new RSASSASigner(rsa));
            assertThat(verifier.verify(ClientAssertions.parse(jwt.serialize()), CLIENT, rsaKeys, null, NOW)).isNotNull();
        }
    }

    @Test
    void kidSelectsTheKeyAndIsNeededWhenThereAreSeveral() throws Exception {
        refused(k.sign(new JWSHeader.Builder(k.alg).keyID("unknown").build(), claims().build()), "no registered key");
        refused(k.sign(new JWSHeader.Builder(k.alg).build(), claims().build()), "no registered key");
        ClientKeys single = keysOf(k);
        assertThat(verifier.verify(ClientAssertions.parse(k.sign(new JWSHeader.Builder(k.alg).build(), claims().build())), CLIENT, single, null, NOW))
                .isNotNull();
    }

    @Test
    void malformedInputIsRefusedNotThrown() {
        for (String bad : List.of("", "a.b.c", "x".repeat(ClientAssertions.MAX_LENGTH + 1), "eyJhbGciOiJFUzI1NiJ9.e30.AA")) {
            assertThatThrownBy(() -> ClientAssertions.parse(bad)).isInstanceOf(ClientAssertions.Refused.class);
        }
        refused(k.sign(new JWSHeader.Builder(k.alg).keyID(k.key.getKeyID()).type(new JOSEObjectType("at+jwt")).build(), claims().build()), "typ");
        refused(k.sign(new JWSHeader.Builder(k.alg).keyID(k.key.getKeyID()).criticalParams(java.util.Set.of("exp")).build(), claims().build()),
                "crit");
    }
}
