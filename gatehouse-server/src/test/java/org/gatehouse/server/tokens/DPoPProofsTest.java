package org.gatehouse.server.tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.util.Date;
import java.util.function.UnaryOperator;
import org.gatehouse.server.testing.KeyBound;
import org.junit.jupiter.api.Test;

/** RFC 9449 §4.3 checks of DPoPProofs, one by one, at a fixed time. */
class DPoPProofsTest {
    /** Every provider: the test JVM's (gatehouse.test.crypto, as the server tests), native where it loads. */
    private static final DPoPProofs PROOFS = new DPoPProofs(org.gatehouse.server.crypto.JwsCrypto.select(System.getProperty("gatehouse.test.crypto", "auto")));

    private static final String HTU = "https://login.example/token";
    private static final long NOW = 1_800_000_000_000L;
    private final KeyBound k = KeyBound.es256();

    private JWSHeader.Builder header(KeyBound key) {
        return new JWSHeader.Builder(key.alg).type(new JOSEObjectType("dpop+jwt")).jwk(key.key.toPublicJWK());
    }

    private JWTClaimsSet.Builder claims() {
        return new JWTClaimsSet.Builder().jwtID("p1").claim("htm", "POST").claim("htu", HTU).issueTime(new Date(NOW));
    }

    private String proof(UnaryOperator<JWSHeader.Builder> h, UnaryOperator<JWTClaimsSet.Builder> c) {
        return k.sign(h.apply(header(k)).build(), c.apply(claims()).build());
    }

    private DPoPProofs.Proof verify(String proof) throws Exception {
        return PROOFS.verify(proof, "POST", HTU, null, NOW);
    }

    private void refused(String proof, String reason) {
        assertThatThrownBy(() -> verify(proof)).isInstanceOf(DPoPProofs.Refused.class).hasMessageContaining(reason);
    }

    @Test
    void acceptsAProofAndReturnsTheThumbprint() throws Exception {
        DPoPProofs.Proof p = verify(proof(h -> h, c -> c));
        assertThat(p.jkt()).isEqualTo(k.jkt());
        assertThat(p.jti()).isEqualTo("p1");
        KeyBound ed = KeyBound.ed25519();
        assertThat(PROOFS.verify(ed.sign(header(ed).build(), claims().build()), "POST", HTU, null, NOW).jkt()).isEqualTo(ed.jkt());
    }

    @Test
    void headerChecks() throws Exception {
        refused(proof(h -> h.type(JOSEObjectType.JWT), c -> c), "typ");
        refused(proof(h -> h.type(null), c -> c), "typ");
        refused(k.sign(new JWSHeader.Builder(JWSAlgorithm.ES256).type(new JOSEObjectType("dpop+jwt")).build(), claims().build()), "jwk");
        refused(proof(h -> h.jwk(KeyBound.es256().key.toPublicJWK()), c -> c), "signature");
        refused(proof(h -> h.jwk(KeyBound.ed25519().key.toPublicJWK()), c -> c), "does not fit");
        RSAKey rsa = new RSAKeyGenerator(2048).generate();
        SignedJWT rs = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).type(new JOSEObjectType("dpop+jwt")).jwk(rsa.toPublicJWK()).build(),
                claims().build());
        rs.sign(new RSASSASigner(rsa));
        refused(rs.serialize(), "alg must be one of");
        refused("not.a.jwt", "not a signed JWT");
        refused("x".repeat(DPoPProofs.MAX_LENGTH + 1), "too long");
    }

    @Test
    void claimChecks() {
        refused(proof(h -> h, c -> c.jwtID(null)), "jti");
        refused(proof(h -> h, c -> c.claim("htm", "GET")), "htm");
        refused(proof(h -> h, c -> c.claim("htm", null)), "htm");
        refused(proof(h -> h, c -> c.claim("htu", "https://login.example/introspect")), "htu");
        refused(proof(h -> h, c -> c.claim("htu", "https://other.example/token")), "htu");
        refused(proof(h -> h, c -> c.claim("htu", null)), "htu");
        refused(proof(h -> h, c -> c.issueTime(null)), "iat");
        refused(proof(h -> h, c -> c.issueTime(new Date(NOW - 61_000))), "iat");
        refused(proof(h -> h, c -> c.issueTime(new Date(NOW + 61_000))), "iat");
    }

    @Test
    void htuIsComparedWithoutQueryAndFragmentAndNormalised() throws Exception {
        for (String htu : new String[] {HTU + "?a=b", HTU + "#frag", "HTTPS://LOGIN.example:443/token"}) {
            assertThat(verify(proof(h -> h, c -> c.claim("htu", htu)))).as(htu).isNotNull();
        }
        refused(proof(h -> h, c -> c.claim("htu", "https://login.example/Token")), "htu");
        refused(proof(h -> h, c -> c.claim("htu", "http://login.example/token")), "htu");
    }

    @Test
    void athMustMatchTheAccessTokenWhenOneIsPresented() throws Exception {
        String at = "the.access.token";
        String good = proof(h -> h, c -> c.claim("ath", DPoPProofs.sha256(at)));
        assertThat(PROOFS.verify(good, "POST", HTU, at, NOW)).isNotNull();
        assertThatThrownBy(() -> PROOFS.verify(good, "POST", HTU, "another.token", NOW)).hasMessageContaining("ath");
        assertThatThrownBy(() -> PROOFS.verify(proof(h -> h, c -> c), "POST", HTU, at, NOW)).hasMessageContaining("ath");
    }
}
