package org.gatehouse.server.keys;

import org.gatehouse.server.testing.Slow;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.SignedJWT;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

@Slow // measured heavy for the quick set (issue 14 Must 6): runs in the slow execution, in CI every time
@BothBackends
class SigningKeysTest {
    @Parameter
    String backend;

    private static List<String> kids(TestServer s) throws Exception {
        return JWKSet.parse(s.http.get("/jwks").body()).getKeys().stream().map(JWK::getKeyID).collect(Collectors.toList());
    }

    private static String kidOf(String token) throws Exception {
        return SignedJWT.parse(token).getHeader().getKeyID();
    }

    /** Issue 18 item 1: the provider that signs is the one configured (surefire's crypto-jdk execution forces jdk). */
    @Test
    void theMetricsNameTheProviderThatSigns() {
        TestServer s = TestServer.shared(backend);
        String configured = System.getProperty("gatehouse.test.crypto", "auto");
        String expected = configured.equals("jdk") || !org.gatehouse.server.crypto.JwsCrypto.select("auto").isNative() ? "jdk" : "accp";
        assertThat(s.gatehouse().keys.crypto().name()).isEqualTo(expected);
        assertThat(s.http.get("/metrics").body()).contains("gatehouse_crypto_provider{provider=\"" + expected + "\"} 1");
    }

    @Test
    void rotationPublishesTheNextKeyBeforeItSignsAndKeepsRetiredKeysPublished() throws Exception {
        try (TestServer s = TestServer.start(backend, Map.of())) {
            Flow.Client c = Flow.register(s);
            String before = Flow.token(s, c);
            String activeKid = kidOf(before);
            List<String> published = kids(s);
            assertThat(published).hasSize(2).contains(activeKid);
            String nextKid = published.stream().filter(k -> !k.equals(activeKid)).findFirst().orElseThrow();

            String rotated = s.gatehouse().keys.rotate(Actor.cli());
            assertThat(rotated).isEqualTo(nextKid);
            String after = Flow.token(s, c);
            assertThat(kidOf(after)).isEqualTo(nextKid);
            List<String> now = kids(s);
            assertThat(now).hasSize(3).contains(activeKid, nextKid);
            // Tokens signed by the retired key stay valid until they expire.
            assertThat(Flow.active(s, c, before)).isTrue();
            assertThat(Flow.active(s, c, after)).isTrue();
            int rotations = s.gatehouse().db.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM audit_events WHERE action = 'key.rotate'")
                    .mapTo(Integer.class).one());
            assertThat(rotations).isEqualTo(1);
        }
    }

    /** Issue 16 item 2: a next key signs only after it has been published for GATEHOUSE_KEY_PUBLISH_DELAY. */
    @Test
    void rotationIsRefusedUntilTheNextKeyHasBeenPublishedForTheDelay() throws Exception {
        try (TestServer s = TestServer.start(backend, Map.of("GATEHOUSE_KEY_PUBLISH_DELAY", "1h", "GATEHOUSE_JWKS_MAX_AGE", "30m"))) {
            Flow.Client c = Flow.register(s);
            String activeKid = kidOf(Flow.token(s, c));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.gatehouse().keys.rotate(Actor.cli()))
                    .isInstanceOf(SigningKeys.NotPublishedLongEnough.class).hasMessageContaining("may sign from");
            assertThat(kidOf(Flow.token(s, c))).isEqualTo(activeKid);
            assertThat(s.http.get("/jwks").header("Cache-Control")).isEqualTo("public, max-age=1800");
        }
    }

    @Test
    void privateKeysAreEncryptedAtRest() {
        TestServer s = TestServer.shared(backend);
        List<Map<String, Object>> rows = s.gatehouse().db.withHandle(h -> h.createQuery("SELECT * FROM signing_keys").mapToMap().list());
        assertThat(rows).isNotEmpty();
        for (Map<String, Object> row : rows) {
            String enc = (String) row.get("private_jwk_enc");
            assertThat(enc).doesNotContain("\"d\"").doesNotContain("{");
            assertThat((String) row.get("public_jwk")).doesNotContain("\"d\"");
        }
    }

    @Test
    void eddsaServerSignsWithEd25519() throws Exception {
        try (TestServer s = TestServer.start(backend, Map.of("GATEHOUSE_SIGNING_ALG", "EdDSA"))) {
            String token = Flow.token(s, Flow.register(s));
            SignedJWT jwt = SignedJWT.parse(token);
            assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.EdDSA);
            OctetKeyPair key = (OctetKeyPair) JWKSet.parse(s.http.get("/jwks").body()).getKeyByKeyId(jwt.getHeader().getKeyID());
            Ed25519Signer verifier = new Ed25519Signer();
            verifier.init(false, new Ed25519PublicKeyParameters(key.getDecodedX(), 0));
            byte[] input = jwt.getSigningInput();
            verifier.update(input, 0, input.length);
            assertThat(verifier.verifySignature(jwt.getSignature().decode())).isTrue();
            assertThat(Flow.active(s, Flow.resourceServer(s), token)).isTrue();
        }
    }

    @Test
    void rs256ServerSignsWithRsaAndSwitchingAlgorithmKeepsOldTokensValid() throws Exception {
        try (TestServer s = TestServer.start(backend, Map.of("GATEHOUSE_SIGNING_ALG", "RS256"))) {
            Flow.Client c = Flow.register(s);
            String token = Flow.token(s, c);
            SignedJWT jwt = SignedJWT.parse(token);
            assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.RS256);
            RSAKey key = (RSAKey) JWKSet.parse(s.http.get("/jwks").body()).getKeyByKeyId(jwt.getHeader().getKeyID());
            assertThat(jwt.verify(new RSASSAVerifier(key))).isTrue();
        }
    }
}
