package org.gatehouse.server.tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.gatehouse.server.crypto.JwsCrypto;
import org.gatehouse.server.testing.KeyBound;
import org.junit.jupiter.api.Test;

/**
 * The hand-written compact JWS reader (issue 17 Must 8) against Nimbus's parser, which the assertion and DPoP
 * paths used before: on every JWS both read, the same header values, claims and signature verdict; what it
 * refuses that Nimbus took is listed and deliberate (padding, repeated members).
 */
class CompactJwsTest {
    private static final JwsCrypto CRYPTO = JwsCrypto.select(System.getProperty("gatehouse.test.crypto", "auto"));
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private static String b64(String json) {
        return B64.encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    /** Signed JWTs of many shapes, signed by Nimbus, read by both. */
    @Test
    void agreesWithNimbusOnSignedJwts() throws Exception {
        SplittableRandom rnd = new SplittableRandom(7);
        List<KeyBound> keys = List.of(KeyBound.es256(), KeyBound.ed25519());
        int checked = 0;
        for (int i = 0; i < 200; i++) {
            KeyBound k = keys.get(i % 2);
            JWTClaimsSet.Builder c = new JWTClaimsSet.Builder().issuer("c-" + i).subject(rnd.nextBoolean() ? "c-" + i : "other")
                    .jwtID("j" + rnd.nextLong());
            if (rnd.nextBoolean()) c.audience("https://as.example");
            else c.audience(List.of("https://as.example", "https://as.example/token"));
            long t = 1_800_000_000L + rnd.nextInt(1000);
            c.expirationTime(new Date(t * 1000));
            if (rnd.nextBoolean()) c.issueTime(new Date((t - 60) * 1000));
            if (rnd.nextBoolean()) c.notBeforeTime(new Date((t - 61) * 1000));
            if (rnd.nextBoolean()) c.claim("htu", "https://as.example/token?x=" + i).claim("n", rnd.nextInt());
            JWSHeader.Builder h = new JWSHeader.Builder(k.alg);
            if (rnd.nextBoolean()) h.keyID(k.key.getKeyID());
            if (rnd.nextBoolean()) h.type(JOSEObjectType.JWT);
            if (rnd.nextBoolean()) h.jwk(k.key.toPublicJWK());
            String jws = k.sign(h.build(), c.build());
            if (rnd.nextInt(4) == 0) { // a flipped signature character: both must refuse the signature
                int at = jws.length() - 2;
                jws = jws.substring(0, at) + (jws.charAt(at) == 'A' ? 'B' : 'A') + jws.substring(at + 1);
            }
            sameAsNimbus(jws, k);
            checked++;
        }
        assertThat(checked).isEqualTo(200);
    }

    private static void sameAsNimbus(String jws, KeyBound k) throws Exception {
        SignedJWT n = SignedJWT.parse(jws);
        JWTClaimsSet nc = n.getJWTClaimsSet();
        CompactJws c = CompactJws.parse(jws, 8192);
        assertThat(c.headerString("alg")).isEqualTo(n.getHeader().getAlgorithm().getName());
        assertThat(c.headerString("kid")).isEqualTo(n.getHeader().getKeyID());
        assertThat(c.headerString("typ")).isEqualTo(n.getHeader().getType() == null ? null : n.getHeader().getType().getType());
        assertThat(c.claimString("iss")).isEqualTo(nc.getIssuer());
        assertThat(c.claimString("sub")).isEqualTo(nc.getSubject());
        assertThat(c.claimString("jti")).isEqualTo(nc.getJWTID());
        assertThat(c.audience()).isEqualTo(nc.getAudience());
        for (String[] d : new String[][] {{"exp", null}, {"iat", null}, {"nbf", null}}) {
            Date nd = "exp".equals(d[0]) ? nc.getExpirationTime() : "iat".equals(d[0]) ? nc.getIssueTime() : nc.getNotBeforeTime();
            assertThat(c.numericDate(d[0])).isEqualTo(nd == null ? null : nd.getTime() / 1000);
        }
        var verifier = CRYPTO.verifier(k.key.toPublicJWK());
        assertThat(c.verify(n.getHeader().getAlgorithm().getName(), verifier)).isEqualTo(n.verify(verifier));
        if (n.getHeader().getJWK() != null) {
            @SuppressWarnings("unchecked") Map<String, Object> jwk = (Map<String, Object>) c.header().get("jwk");
            assertThat(DPoPProofs.thumbprint(n.getHeader().getAlgorithm().getName(), jwk))
                    .isEqualTo(n.getHeader().getJWK().computeThumbprint().toString());
        }
    }

    @Test
    void numericDatesAsNimbusReadsThem() throws Exception {
        String h = b64("{\"alg\":\"ES256\"}");
        CompactJws c = CompactJws.parse(h + "." + b64("{\"exp\":1800000000.9,\"iat\":1800000000,\"nbf\":1.8e9}") + ".AAAA", 8192);
        assertThat(c.numericDate("exp")).isEqualTo(1_800_000_000L);
        assertThat(c.numericDate("iat")).isEqualTo(1_800_000_000L);
        assertThat(c.numericDate("nbf")).isEqualTo(1_800_000_000L);
        assertThat(c.numericDate("absent")).isNull();
        // a scale of millions (rescaling it cost seconds per claim), an exponent beyond an int, the ends of a long
        for (String bad : List.of("\"1800000000\"", "true", "[1]", "{}", "1e300", "123456789012345678901234567890", "1e-4000000",
                "-1e-2000000000", "1e-999999999", "1e15", "-1e15", Long.toString(Long.MIN_VALUE), Long.toString(Long.MAX_VALUE),
                "1000000000000000", "1.8e9000")) {
            assertThatThrownBy(() -> CompactJws.parse(h + "." + b64("{\"exp\":" + bad + "}") + ".AAAA", 8192).numericDate("exp"))
                    .as(bad).isInstanceOf(CompactJws.Invalid.class);
        }
        // beyond an int's exponent the JSON reader refuses the payload itself: still an Invalid, never a RuntimeException (a 500)
        assertThatThrownBy(() -> CompactJws.parse(h + "." + b64("{\"exp\":1e99999999999}") + ".AAAA", 8192)).isInstanceOf(CompactJws.Invalid.class);
    }

    @Test
    void refusesWhatIsNotACompactJwsOfTwoObjects() {
        String h = b64("{\"alg\":\"ES256\"}");
        String p = b64("{\"iss\":\"a\"}");
        List<String> bad = new ArrayList<>(List.of(
                "", ".", "..", h, h + "." + p, h + "." + p + ".", "." + p + ".AAAA", h + "..AAAA", h + "." + p + ".AAAA.AAAA",
                h + "=." + p + ".AAAA", h + "." + p + ".AA==", h + " ." + p + ".AAAA", h + "." + p + ".AA+A", h + "." + p + ".AA/A",
                b64("[1]") + "." + p + ".AAAA", h + "." + b64("\"x\"") + ".AAAA", h + "." + b64("{\"iss\":\"a\",\"iss\":\"b\"}") + ".AAAA",
                h + "." + b64("{\"iss\":\"a\"} x") + ".AAAA", "A" + h + "." + p + ".AAAA", // 4n + 1 characters: no base64
                h + "." + B64.encodeToString(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xE9, '"', '}'}) + ".AAAA")); // not UTF-8
        for (String s : bad) {
            assertThatThrownBy(() -> CompactJws.parse(s, 8192)).as(s).isInstanceOf(CompactJws.Invalid.class);
        }
        assertThatThrownBy(() -> CompactJws.parse(h + "." + p + ".AAAA", 10)).isInstanceOf(CompactJws.Invalid.class);
        assertThatThrownBy(() -> CompactJws.parse(null, 10)).isInstanceOf(CompactJws.Invalid.class);
    }

    @Test
    void typedAccessorsRefuseOtherTypes() throws Exception {
        CompactJws c = CompactJws.parse(b64("{\"alg\":\"ES256\",\"kid\":7,\"crit\":[]}") + "."
                + b64("{\"iss\":[\"a\"],\"aud\":[\"x\",1],\"jti\":null}") + ".AAAA", 8192);
        assertThatThrownBy(() -> c.headerString("kid")).isInstanceOf(CompactJws.Invalid.class);
        assertThatThrownBy(() -> c.claimString("iss")).isInstanceOf(CompactJws.Invalid.class);
        assertThatThrownBy(c::audience).isInstanceOf(CompactJws.Invalid.class);
        assertThatThrownBy(c::checkNoCrit).isInstanceOf(CompactJws.Invalid.class); // even an empty crit
        assertThat(c.claimString("jti")).isNull();
        assertThat(c.verify("HS256", null)).isFalse(); // no header for an algorithm the callers never accept
    }
}
