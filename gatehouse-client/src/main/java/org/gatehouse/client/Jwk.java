package org.gatehouse.client;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.EdECPoint;
import java.security.spec.EdECPublicKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;
import java.util.Map;

/**
 * One public signing key of a JWK Set (RFC 7517), turned into a JDK key, and the JWS algorithm it
 * verifies (RFC 7518 §3.3 RS256, §3.4 ES256; RFC 8037 §3.1 EdDSA with Ed25519). Nothing else is accepted.
 */
final class Jwk {
    final String kid;
    final String alg;
    private final PublicKey key;

    private Jwk(String kid, String alg, PublicKey key) {
        this.kid = kid;
        this.alg = alg;
        this.key = key;
    }

    /** @return the key, or null for a key this verifier does not use (encryption keys, other curves, ...) */
    static Jwk parse(Map<String, Object> m) {
        Object kid = m.get("kid");
        Object kty = m.get("kty");
        Object use = m.get("use");
        if (!(kid instanceof String) || !(kty instanceof String)) return null;
        if (use != null && !"sig".equals(use)) return null; // RFC 7517 §4.2
        try {
            switch ((String) kty) {
                case "EC": return ec((String) kid, m);
                case "RSA": return rsa((String) kid, m);
                case "OKP": return okp((String) kid, m);
                default: return null;
            }
        } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
            return null;
        }
    }

    private static Jwk ec(String kid, Map<String, Object> m) throws GeneralSecurityException {
        if (!"P-256".equals(m.get("crv")) || !algIs(m, "ES256")) return null;
        byte[] x = b64((String) m.get("x"));
        byte[] y = b64((String) m.get("y"));
        if (x.length != 32 || y.length != 32) return null;
        AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
        p.init(new ECGenParameterSpec("secp256r1"));
        ECParameterSpec spec = p.getParameterSpec(ECParameterSpec.class);
        PublicKey k = KeyFactory.getInstance("EC").generatePublic(
                new ECPublicKeySpec(new ECPoint(new BigInteger(1, x), new BigInteger(1, y)), spec));
        return new Jwk(kid, "ES256", k);
    }

    private static Jwk rsa(String kid, Map<String, Object> m) throws GeneralSecurityException {
        if (!algIs(m, "RS256")) return null;
        BigInteger n = new BigInteger(1, b64((String) m.get("n")));
        BigInteger e = new BigInteger(1, b64((String) m.get("e")));
        if (n.bitLength() < 2048) return null; // RFC 7518 §3.3: 2048 bits or larger
        return new Jwk(kid, "RS256", KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e)));
    }

    /** RFC 8037 §2: x is the encoded point, little-endian y with the sign of x in the top bit. */
    private static Jwk okp(String kid, Map<String, Object> m) throws GeneralSecurityException {
        if (!"Ed25519".equals(m.get("crv")) || !algIs(m, "EdDSA")) return null;
        byte[] x = b64((String) m.get("x"));
        if (x.length != 32) return null;
        boolean xOdd = (x[31] & 0x80) != 0;
        byte[] be = new byte[32];
        for (int i = 0; i < 32; i++) be[i] = x[31 - i];
        be[0] &= 0x7f;
        EdECPoint point = new EdECPoint(xOdd, new BigInteger(1, be));
        PublicKey k = KeyFactory.getInstance("EdDSA").generatePublic(new EdECPublicKeySpec(NamedParameterSpec.ED25519, point));
        return new Jwk(kid, "EdDSA", k);
    }

    private static boolean algIs(Map<String, Object> m, String alg) {
        Object a = m.get("alg");
        return a == null || alg.equals(a);
    }

    PublicKey publicKey() {
        return key;
    }

    /** Verifies a JWS signature over the signing input with this key's (and only this key's) algorithm. */
    boolean verify(byte[] signingInput, byte[] signature) {
        try {
            Signature s;
            switch (alg) {
                case "ES256":
                    if (signature.length != 64) return false; // RFC 7518 §3.4: R || S, 32 octets each
                    if (!scalarsInRange(signature)) return false;
                    s = Signature.getInstance("SHA256withECDSAinP1363Format");
                    break;
                case "RS256":
                    s = Signature.getInstance("SHA256withRSA");
                    break;
                case "EdDSA":
                    s = Signature.getInstance("Ed25519");
                    break;
                default:
                    return false;
            }
            s.initVerify(key);
            s.update(signingInput);
            return s.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** The order n of the P-256 group (SEC 2 §2.4.2; FIPS 186-4 D.1.2.3). */
    static final BigInteger P256_ORDER = new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);

    /**
     * FIPS 186-4 §6.4.2 step 1 / SEC 1 §4.1.4 step 1: an ECDSA signature whose r or s is not in
     * [1, n-1] is refused here, before the JDK sees it. JDK 15 to 18.0.0 (17.0.0 to 17.0.2) skip the
     * check, and accept r = s = 0 for any key and message (CVE-2022-21449, "psychic signatures").
     */
    private boolean scalarsInRange(byte[] rs) {
        BigInteger n = P256_ORDER; // ES256 keys are P-256 keys only (parse refuses any other curve)
        BigInteger r = new BigInteger(1, java.util.Arrays.copyOfRange(rs, 0, 32));
        BigInteger s = new BigInteger(1, java.util.Arrays.copyOfRange(rs, 32, 64));
        return r.signum() > 0 && r.compareTo(n) < 0 && s.signum() > 0 && s.compareTo(n) < 0;
    }

    static byte[] b64(String s) {
        if (s == null) throw new IllegalArgumentException("missing member");
        return Base64.getUrlDecoder().decode(s);
    }
}
