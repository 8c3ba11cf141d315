package org.gatehouse.server.keys;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.util.LinkedHashMap;
import java.util.Map;
import org.gatehouse.server.crypto.JwsCrypto;
import org.junit.jupiter.api.Test;

/** The directly assembled token is a JWS any JOSE library reads: same header, same claims, valid signature. */
class AccessTokenJwtTest {
    @Test
    void aJoseLibraryParsesAndVerifiesItWithEveryClaimIntact() throws Exception {
        ECKey key = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
        // signed by the provider under test (native by default, the JDK under -Dgatehouse.test.crypto=jdk), verified
        // below by Nimbus on the JDK's provider
        JwsCrypto crypto = JwsCrypto.select(System.getProperty("gatehouse.test.crypto", "auto"));
        AccessTokenJwt assembly = new AccessTokenJwt(JWSAlgorithm.ES256, "k1", crypto.signer(key));
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", "https://gatehouse.example.org/tenant?a=1&b=<2>");
        claims.put("sub", "client \"quoted\" \\ back\u2028slash");
        claims.put("exp", 4_102_444_800L);
        claims.put("iat", 1_764_000_000L);
        claims.put("installation_id", "ünïcödé-\u0001-\t-\uD83D\uDE00");

        SignedJWT jwt = SignedJWT.parse(assembly.sign(claims));

        assertThat(jwt.verify(new ECDSAVerifier(key.toPublicJWK()))).isTrue();
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
        assertThat(jwt.getHeader().getType()).isEqualTo(AccessTokenJwt.TYPE);
        assertThat(jwt.getHeader().getKeyID()).isEqualTo("k1");
        JWTClaimsSet parsed = jwt.getJWTClaimsSet();
        assertThat(parsed.getIssuer()).isEqualTo(claims.get("iss"));
        assertThat(parsed.getSubject()).isEqualTo(claims.get("sub"));
        assertThat(parsed.getExpirationTime().getTime()).isEqualTo(4_102_444_800_000L);
        assertThat(parsed.getIssueTime().getTime()).isEqualTo(1_764_000_000_000L);
        assertThat(parsed.getStringClaim("installation_id")).isEqualTo(claims.get("installation_id"));
        assertThat(jwt.serialize()).doesNotContain("=").doesNotContain("+").doesNotContain("/");
    }
}
