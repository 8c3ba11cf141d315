package org.gatehouse.bench;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A key-bound bench client (issue 17): an EC P-256 key pair generated here, its public key registered
 * inline (RFC 7591 jwks, kid = RFC 7638 thumbprint), and for every grant a fresh client assertion
 * (RFC 7523 §3) and, when asked, a fresh DPoP proof (RFC 9449 §4.2) signed with the JDK's
 * {@code Signature} (ES256 in the JWS form R || S). Signing runs on the load generator's threads, so
 * its CPU is the load generator's (loadgen_cpu_us_per_op), never the server's.
 *
 * <p>Nothing is signed ahead: each JWT carries a jti made of a per-process random prefix and a counter
 * (unique, used once: the server refuses a replay) and iat = now.
 */
final class KeyBoundClient {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final ThreadLocal<Signature> ES256 = ThreadLocal.withInitial(() -> {
        try {
            return Signature.getInstance("SHA256withECDSAinP1363Format");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    });
    /** 96 random bits per load-generator process, then a counter: every jti of a run differs from every other one. */
    private static final String JTI_PREFIX;
    private static final AtomicLong JTI = new AtomicLong();

    static {
        byte[] r = new byte[12];
        new SecureRandom().nextBytes(r);
        JTI_PREFIX = B64.encodeToString(r) + "-";
    }

    private final PrivateKey privateKey;
    private final String x;
    private final String y;
    final String kid;
    private final String assertionHeader;
    private final String dpopHeader;
    private String clientId;
    private String assertionPrefix;

    private KeyBoundClient(KeyPair kp) {
        privateKey = kp.getPrivate();
        ECPublicKey pub = (ECPublicKey) kp.getPublic();
        x = coordinate(pub.getW().getAffineX());
        y = coordinate(pub.getW().getAffineY());
        // RFC 7638 §3.2: the required members in lexicographic order, no whitespace.
        String canonical = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" + x + "\",\"y\":\"" + y + "\"}";
        try {
            kid = B64.encodeToString(MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        assertionHeader = b64("{\"alg\":\"ES256\",\"kid\":\"" + kid + "\",\"typ\":\"JWT\"}");
        // RFC 9449 §4.2: typ dpop+jwt, the public key in jwk; the same key as the client's (what the library does).
        dpopHeader = b64("{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":" + canonical + "}");
    }

    static KeyBoundClient generate() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return new KeyBoundClient(g.generateKeyPair());
    }

    /** RFC 7591 §2 jwks: the public key only. */
    String jwks() {
        return "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" + x + "\",\"y\":\"" + y + "\",\"kid\":\"" + kid
                + "\",\"use\":\"sig\",\"alg\":\"ES256\"}]}";
    }

    void registered(String id) {
        clientId = id;
        assertionPrefix = "{\"iss\":\"" + id + "\",\"sub\":\"" + id + "\",\"aud\":\"";
    }

    /** RFC 7523 §3: iss = sub = client_id, aud = the issuer, a fresh jti, iat = now, exp = iat + 60 s. */
    String assertion(String issuer, long nowSeconds) {
        if (clientId == null) throw new IllegalStateException("not registered");
        return sign(assertionHeader, assertionPrefix + issuer + "\",\"jti\":\"" + nextJti() + "\",\"iat\":" + nowSeconds
                + ",\"exp\":" + (nowSeconds + 60) + "}");
    }

    /** RFC 9449 §4.2: jti, htm, htu, iat (no ath at the token endpoint). */
    String dpopProof(String htm, String htu, long nowSeconds) {
        return sign(dpopHeader, "{\"jti\":\"" + nextJti() + "\",\"htm\":\"" + htm + "\",\"htu\":\"" + htu + "\",\"iat\":" + nowSeconds + "}");
    }

    private String sign(String header, String claimsJson) {
        String input = header + "." + b64(claimsJson);
        try {
            Signature s = ES256.get();
            s.initSign(privateKey);
            s.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + B64.encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String nextJti() {
        return JTI_PREFIX + Long.toString(JTI.incrementAndGet(), 36);
    }

    private static String b64(String json) {
        return B64.encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    /** An affine coordinate as 32 bytes, big-endian, unsigned (RFC 7518 §6.2.1.2), base64url. */
    private static String coordinate(BigInteger v) {
        byte[] raw = v.toByteArray();
        byte[] out = new byte[32];
        int n = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - n, out, 32 - n, n);
        return B64.encodeToString(out);
    }
}
