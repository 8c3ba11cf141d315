package org.gatehouse.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import org.gatehouse.server.tokens.ClientAssertions;
import org.gatehouse.server.tokens.ClientKeys;
import org.gatehouse.server.tokens.DPoPProofs;
import org.junit.jupiter.api.Test;

/** The load generator's assertions and DPoP proofs pass the server's own checks (issue 17), and never repeat a jti. */
class KeyBoundClientTest {
    private static final String ISSUER = "http://127.0.0.1:8080";

    @Test
    void assertionPassesTheServersRfc7523Checks() throws Exception {
        KeyBoundClient k = KeyBoundClient.generate();
        k.registered("c-1");
        long now = System.currentTimeMillis();
        String a = k.assertion(ISSUER, now / 1000);

        ClientAssertions.Parsed p = ClientAssertions.parse(a);
        assertThat(p.issuer()).isEqualTo("c-1");
        ClientAssertions.Accepted ok = new ClientAssertions(ISSUER).verify(p, "c-1", ClientKeys.of(k.jwks(), org.gatehouse.server.crypto.JwsCrypto.JDK), "ES256", now);
        assertThat(ok.jti()).isNotEmpty();
        assertThat(JWKSet.parse(k.jwks()).getKeys().get(0).computeThumbprint().toString()).isEqualTo(k.kid); // RFC 7638
        assertThat(ClientAssertions.parse(k.assertion(ISSUER, now / 1000)).jws().claimString("jti")).isNotEqualTo(ok.jti());
    }

    @Test
    void dpopProofPassesTheServersRfc9449Checks() throws Exception {
        KeyBoundClient k = KeyBoundClient.generate();
        long now = System.currentTimeMillis();
        String proof = k.dpopProof("POST", ISSUER + "/token", now / 1000);

        DPoPProofs.Proof p = new DPoPProofs(org.gatehouse.server.crypto.JwsCrypto.JDK).verify(proof, "POST", ISSUER + "/token", null, now);
        assertThat(p.jkt()).isEqualTo(k.kid); // the same key as the client's
        assertThat(SignedJWT.parse(k.dpopProof("POST", ISSUER + "/token", now / 1000)).getJWTClaimsSet().getJWTID()).isNotEqualTo(p.jti());
    }
}
