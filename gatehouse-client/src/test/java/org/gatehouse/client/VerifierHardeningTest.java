package org.gatehouse.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SignatureException;
import java.security.SignatureSpi;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Security review of gatehouse-client: ES256 signatures with r or s out of range
 * (CVE-2022-21449), htu with a host Java cannot parse, numeric claims out of range, and the DPoP
 * replay store under one flooding key. Self-contained: the issuer's JWK Set is served by a
 * transport in the test, tokens and proofs are signed here.
 */
class VerifierHardeningTest {
    private static final String ISSUER = "https://issuer.example";
    private static final URI API = URI.create("https://api.example/v1/x");
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final ECKey issuerKey = ecKey("k1");
    private final MutableClock clock = MutableClock.now();

    private TokenVerifier verifier(int maxSeenProofs) {
        String jwks = Json.write(Map.of("keys", List.of(issuerKey.toPublicJWK().toJSONObject())));
        Transport t = r -> new Transport.Response(200, HttpHeaders.of(Map.of(), (a, b) -> true), jwks);
        return TokenVerifier.builder(ISSUER).jwksUri(ISSUER + "/jwks").transport(t).clock(clock).maxSeenProofs(maxSeenProofs).build();
    }

    private TokenVerifier verifier() {
        return verifier(TokenVerifier.MAX_SEEN_PROOFS);
    }

    // 1. CVE-2022-21449: r and s are checked to be in [1, n-1] before the JDK sees them

    @Test
    void es256SignaturesWithROrSOutOfRangeAreRefusedOnAnyJdk() {
        TokenVerifier v = verifier();
        String good = token(null, c -> { });
        assertThat(v.verify(good).clientId()).isEqualTo("c1");
        BigInteger n = Jwk.P256_ORDER;
        byte[] one = unsigned(BigInteger.ONE);
        for (byte[] sig : List.of(new byte[64], concat(unsigned(n), one), concat(one, new byte[32]),
                concat(one, unsigned(n)), concat(unsigned(n.add(BigInteger.ONE)), one))) {
            assertThatThrownBy(() -> v.verify(withSignature(good, sig))).isInstanceOf(InvalidTokenException.class).hasMessageContaining("signature");
        }
        // the same in a DPoP proof, whatever the JDK's own ECDSA does with them
        ECKey proofKey = ecKey("p");
        String bound = token(thumbprint(proofKey), c -> { });
        String proof = proof(proofKey, bound, Map.of());
        assertThat(v.verifyRequest("DPoP " + bound, proof, "GET", API.toString()).clientId()).isEqualTo("c1");
        for (byte[] sig : List.of(new byte[64], concat(unsigned(n), one), concat(one, new byte[32]))) {
            assertThatThrownBy(() -> v.verifyRequest("DPoP " + bound, withSignature(proof(proofKey, bound, Map.of()), sig), "GET", API.toString()))
                    .isInstanceOf(InvalidDpopProofException.class).hasMessageContaining("signature");
        }
        // Jwk.verify itself, on the zero signature
        Jwk jwk = Jwk.parse(new LinkedHashMap<>(issuerKey.toPublicJWK().toJSONObject()));
        assertThat(jwk.verify("x".getBytes(StandardCharsets.US_ASCII), new byte[64])).isFalse();
    }

    /**
     * The JDK here may well refuse r = 0 itself (17.0.3 and later do): a provider put first that
     * accepts every ECDSA signature, as JDK 15 to 18.0.0 did for r = s = 0, shows the range check
     * is ours, whatever the JDK.
     */
    @Test
    void es256RangeCheckHoldsOnAJdkThatAcceptsAnything() {
        TokenVerifier v = verifier();
        String good = token(null, c -> { });
        ECKey proofKey = ecKey("p");
        String bound = token(thumbprint(proofKey), c -> { });
        byte[] one = unsigned(BigInteger.ONE);
        Provider psychic = new PsychicProvider();
        java.security.Security.insertProviderAt(psychic, 1);
        try {
            assertThat(Jwk.parse(new LinkedHashMap<>(issuerKey.toPublicJWK().toJSONObject())).verify(new byte[1], new byte[64])).isFalse();
            for (byte[] sig : List.of(new byte[64], concat(unsigned(Jwk.P256_ORDER), one), concat(one, new byte[32]))) {
                assertThatThrownBy(() -> v.verify(withSignature(good, sig))).isInstanceOf(InvalidTokenException.class)
                        .hasMessageContaining("signature");
                assertThatThrownBy(() -> v.verifyRequest("DPoP " + bound, withSignature(proof(proofKey, bound, Map.of()), sig), "GET",
                        API.toString())).isInstanceOf(InvalidDpopProofException.class).hasMessageContaining("signature");
            }
            // the provider is in use: a signature in range but made by no one passes it
            assertThat(v.verify(withSignature(good, concat(one, one))).clientId()).isEqualTo("c1");
        } finally {
            java.security.Security.removeProvider(psychic.getName());
        }
        assertThatThrownBy(() -> v.verify(withSignature(good, concat(one, one)))).isInstanceOf(InvalidTokenException.class);
    }

    /** SHA256withECDSAinP1363Format that verifies every signature: a stand-in for a JDK with CVE-2022-21449. */
    private static final class PsychicProvider extends Provider {
        PsychicProvider() {
            super("GatehousePsychicTest", "1", "accepts every ECDSA signature (test only)");
            putService(new Provider.Service(this, "Signature", "SHA256withECDSAinP1363Format", SignatureSpi.class.getName(), null, null) {
                @Override
                public Object newInstance(Object param) {
                    return new SignatureSpi() {
                        @Override
                        protected void engineInitVerify(PublicKey publicKey) {
                        }

                        @Override
                        protected void engineInitSign(PrivateKey privateKey) throws InvalidKeyException {
                            throw new InvalidKeyException("verify only");
                        }

                        @Override
                        protected void engineUpdate(byte b) {
                        }

                        @Override
                        protected void engineUpdate(byte[] b, int off, int len) {
                        }

                        @Override
                        protected byte[] engineSign() throws SignatureException {
                            throw new SignatureException("verify only");
                        }

                        @Override
                        protected boolean engineVerify(byte[] sigBytes) {
                            return true;
                        }

                        @Override
                        @SuppressWarnings("deprecation")
                        protected void engineSetParameter(String param, Object value) {
                        }

                        @Override
                        @SuppressWarnings("deprecation")
                        protected Object engineGetParameter(String param) {
                            return null;
                        }
                    };
                }
            });
        }
    }

    // 2. RFC 9449 §4.3 step 9: htu and the request URL compared with their hosts, always

    @Test
    void htuWithAHostJavaCannotParseIsComparedByItsAuthority() {
        TokenVerifier v = verifier();
        ECKey proofKey = ecKey("p");
        String bound = token(thumbprint(proofKey), c -> { });
        String reports = "http://reports_api:8080/v1/x";
        assertThat(v.verifyRequest("DPoP " + bound, proof(proofKey, bound, Map.of("htu", reports)), "GET", reports).clientId()).isEqualTo("c1");
        assertThat(v.verifyRequest("DPoP " + bound, proof(proofKey, bound, Map.of("htu", "HTTP://Reports_API:8080/v1/x")), "GET", reports)
                .clientId()).isEqualTo("c1");
        assertThat(v.verifyRequest("DPoP " + bound, proof(proofKey, bound, Map.of("htu", "http://reports_api:80/v1/x")), "GET",
                "http://reports_api/v1/x").clientId()).isEqualTo("c1");
        for (String other : List.of("http://other_svc:9999/v1/x", "http://reports_api:9999/v1/x", "http:///v1/x", "/v1/x",
                "https://reports_api:8080/v1/x", "mailto:a@reports_api")) {
            assertThatThrownBy(() -> v.verifyRequest("DPoP " + bound, proof(proofKey, bound, Map.of("htu", other)), "GET", reports))
                    .as(other).isInstanceOf(InvalidDpopProofException.class).hasMessageContaining("htu");
        }
        // the integrator's URL must be absolute, with a host: refused clearly, never matched
        for (String bad : new String[] {"/v1/x", "http:///v1/x", "v1/x", null}) {
            assertThatThrownBy(() -> v.verifyRequest("DPoP " + bound, proof(proofKey, bound, Map.of("htu", "http:///v1/x")), "GET", bad))
                    .as(String.valueOf(bad)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("absolute");
        }
        assertThat(TokenVerifier.normalisedUrl("http://other_svc:9999/v1/x")).isNotEqualTo(TokenVerifier.normalisedUrl(reports));
        assertThat(TokenVerifier.normalisedUrl("http:///v1/x")).isNull();
    }

    // 3. RFC 7519 §2 NumericDate: a bad number is an invalid token or proof, never a DateTimeException

    @Test
    void numericClaimsOutOfRangeAreInvalidNotExceptions() {
        TokenVerifier v = verifier();
        ECKey proofKey = ecKey("p");
        String bound = token(thumbprint(proofKey), c -> { });
        for (Object iat : List.of(1e300, -1e300, 9.3e18, -1, "now", 253_402_300_800L)) {
            assertThatThrownBy(() -> v.verifyRequest("DPoP " + bound, proof(proofKey, bound, Map.of("iat", iat)), "GET", API.toString()))
                    .as(String.valueOf(iat)).isInstanceOf(InvalidDpopProofException.class).hasMessageContaining("iat");
        }
        for (String claim : List.of("exp", "nbf", "iat")) {
            for (Object value : List.of(1e300, -1e300, Long.MAX_VALUE, Long.MIN_VALUE, 1e19)) {
                String t = token(null, c -> c.claim(claim, value));
                assertThatThrownBy(() -> v.verify(t)).as(claim + "=" + value).isInstanceOf(InvalidTokenException.class)
                        .hasMessageContaining(claim);
            }
        }
        // a fractional NumericDate is a time (RFC 7519 §2)
        long exp = clock.instant().getEpochSecond() + 300;
        assertThat(v.verify(token(null, c -> c.claim("exp", exp + 0.5))).expiresAt()).isEqualTo(Instant.ofEpochSecond(exp));
    }

    // 4. RFC 9449 §11.1: one flooding key fills the replay store; only that key is refused

    @Test
    void aFloodingKeyIsRefusedAloneAndTheStoreEmptiesWithTheWindow() {
        TokenVerifier v = verifier(10);
        ECKey flood = ecKey("flood");
        ECKey quiet = ecKey("quiet");
        String floodToken = token(thumbprint(flood), c -> { });
        String quietToken = token(thumbprint(quiet), c -> { });
        String quietProof = proof(quiet, quietToken, Map.of());
        v.verifyRequest("DPoP " + quietToken, quietProof, "GET", API.toString());
        for (int i = 0; i < 9; i++) v.verifyRequest("DPoP " + floodToken, proof(flood, floodToken, Map.of()), "GET", API.toString());
        // full: the flooding key, holding the most, is refused (503) until its proofs would have expired
        assertThatThrownBy(() -> v.verifyRequest("DPoP " + floodToken, proof(flood, floodToken, Map.of()), "GET", API.toString()))
                .isInstanceOf(ServerUnavailableException.class);
        // the other key goes on, and its replays are still refused
        for (int i = 0; i < 5; i++) v.verifyRequest("DPoP " + quietToken, proof(quiet, quietToken, Map.of()), "GET", API.toString());
        assertThatThrownBy(() -> v.verifyRequest("DPoP " + quietToken, quietProof, "GET", API.toString()))
                .isInstanceOf(InvalidDpopProofException.class).hasMessageContaining("used before");
        assertThatThrownBy(() -> v.verifyRequest("DPoP " + floodToken, proof(flood, floodToken, Map.of()), "GET", API.toString()))
                .isInstanceOf(ServerUnavailableException.class);
        // once the window has passed, everything expired is forgotten and the flooding key is served again
        clock.advance(Duration.ofMinutes(2).plusSeconds(2));
        v.verifyRequest("DPoP " + floodToken, proof(flood, floodToken, Map.of()), "GET", API.toString());
        for (int i = 0; i < 30; i++) {
            try {
                v.verifyRequest("DPoP " + floodToken, proof(flood, floodToken, Map.of()), "GET", API.toString());
            } catch (ServerUnavailableException refused) {
                // the store stays bounded, whatever the flood
            }
            assertThat(v.seenProofCount()).isLessThanOrEqualTo(10);
        }
        v.verifyRequest("DPoP " + quietToken, proof(quiet, quietToken, Map.of()), "GET", API.toString());
    }

    @Test
    void replayStoreStaysBoundedWhenEveryKeyHoldsOneEntry() {
        TokenVerifier.ReplayStore store = new TokenVerifier.ReplayStore(3);
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        Instant until = now.plusSeconds(120);
        store.remember("a", "1", until, now);
        store.remember("b", "1", until, now);
        store.remember("c", "1", until, now);
        assertThatThrownBy(() -> store.remember("d", "1", until, now)).isInstanceOf(ServerUnavailableException.class);
        assertThat(store.size()).isEqualTo(3);
        assertThatThrownBy(() -> store.remember("a", "1", until, now)).isInstanceOf(InvalidDpopProofException.class);
        store.remember("d", "1", until, until); // a, b, c have expired
        assertThat(store.size()).isEqualTo(1);
    }

    // helpers

    private static ECKey ecKey(String kid) {
        try {
            return new ECKeyGenerator(Curve.P_256).keyID(kid).algorithm(JWSAlgorithm.ES256).generate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String thumbprint(ECKey k) {
        try {
            return k.computeThumbprint().toString();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private String token(String jkt, Consumer<JWTClaimsSet.Builder> change) {
        long now = clock.instant().getEpochSecond();
        JWTClaimsSet.Builder c = new JWTClaimsSet.Builder().issuer(ISSUER).audience(ISSUER).subject("c1").claim("client_id", "c1")
                .claim("exp", now + 300).claim("iat", now).jwtID("j" + System.nanoTime());
        if (jkt != null) c.claim("cnf", Map.of("jkt", jkt));
        change.accept(c);
        return sign(issuerKey, new JWSHeader.Builder(JWSAlgorithm.ES256).type(new JOSEObjectType("at+jwt")).keyID(issuerKey.getKeyID()).build(),
                c.build());
    }

    /** A DPoP proof of {@code key} for GET {@link #API} now with {@code token}, with the claims given replacing the usual ones. */
    private String proof(ECKey key, String token, Map<String, Object> replace) {
        JWTClaimsSet.Builder c = new JWTClaimsSet.Builder().jwtID("p" + System.nanoTime()).claim("htm", "GET").claim("htu", API.toString())
                .claim("iat", clock.instant().getEpochSecond()).claim("ath", ClientKey.ath(token));
        replace.forEach(c::claim);
        JWSHeader h = new JWSHeader.Builder(JWSAlgorithm.ES256).type(new JOSEObjectType("dpop+jwt")).jwk(key.toPublicJWK()).build();
        return sign(key, h, c.build());
    }

    private static String sign(ECKey key, JWSHeader h, JWTClaimsSet c) {
        try {
            SignedJWT jwt = new SignedJWT(h, c);
            jwt.sign(new ECDSASigner(key));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String withSignature(String jws, byte[] sig) {
        return jws.substring(0, jws.lastIndexOf('.') + 1) + B64.encodeToString(sig);
    }

    private static byte[] unsigned(BigInteger v) {
        byte[] b = v.toByteArray();
        byte[] out = new byte[32];
        int len = Math.min(b.length, 32);
        System.arraycopy(b, b.length - len, out, 32 - len, len);
        return out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
