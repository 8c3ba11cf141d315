package org.gatehouse.server.registration;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.gatehouse.server.crypto.ClientJwks;
import org.gatehouse.server.errors.OAuthError;
import org.gatehouse.server.text.Text;

/**
 * The public keys of a key-bound client (RFC 7591 §2 "jwks", RFC 7517 §5), checked before they are
 * registered: public keys only, of a kind and size this server verifies (EC P-256 for ES256, Ed25519
 * for EdDSA, RSA of 2048 to 8192 bits with e = 65537 for RS256/PS256), each with a unique kid, at most
 * {@value #MAX_KEYS}. What is stored is a minimal copy (key type, curve, public members, kid, use, alg):
 * no certificate chains or URLs. The key type decides which algorithms a key may sign with (RFC 8725
 * §3.1: the algorithm is pinned to the key, never taken from the JWS header alone).
 */
public final class JwksRules {
    /** RFC 8414 token_endpoint_auth_signing_alg_values_supported: what a client assertion may be signed with. */
    public static final List<String> SIGNING_ALGS = ClientJwks.SIGNING_ALGS;
    static final int MAX_KEYS = 5;
    static final int MAX_KID = 200;
    static final int MIN_RSA_BITS = 2048;
    static final int MAX_RSA_BITS = 8192;
    /** RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2: members that only private or symmetric keys have. */
    private static final List<String> PRIVATE_MEMBERS = List.of("d", "p", "q", "dp", "dq", "qi", "oth", "k");

    private JwksRules() {
    }

    /** The checked key set as stored and echoed: {"keys":[...]} with the minimal public members of each key. */
    public static Map<String, Object> check(Object jwks) {
        if (!(jwks instanceof Map)) throw bad("jwks must be a JSON object {\"keys\": [...]} (RFC 7517 §5)");
        Object keys = ((Map<?, ?>) jwks).get("keys");
        if (!(keys instanceof List) || ((List<?>) keys).isEmpty()) {
            throw bad("jwks must have a non-empty \"keys\" array of public keys (RFC 7517 §5)");
        }
        List<?> list = (List<?>) keys;
        if (list.size() > MAX_KEYS) throw bad("jwks has more than " + MAX_KEYS + " keys");
        Set<String> kids = new HashSet<>();
        List<Object> out = new ArrayList<>(list.size());
        for (Object o : list) {
            if (!(o instanceof Map)) throw bad("every entry of jwks.keys must be a JSON object (a JWK)");
            @SuppressWarnings("unchecked")
            Map<String, Object> raw = (Map<String, Object>) o;
            Map<String, Object> key = checkKey(raw);
            if (!kids.add((String) key.get("kid"))) throw bad("jwks has two keys with kid '" + Text.printable((String) key.get("kid")) + "'");
            out.add(key);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("keys", out);
        return m;
    }

    /** RFC 7591 §2 token_endpoint_auth_signing_alg: one of ours, and one some registered key can sign with. */
    public static String signingAlg(Object v, Map<String, Object> jwks) {
        if (v == null) return null;
        if (!(v instanceof String) || !SIGNING_ALGS.contains(v)) {
            throw bad("token_endpoint_auth_signing_alg must be one of " + String.join(", ", SIGNING_ALGS));
        }
        for (JWK k : ClientJwks.parse(jwks)) {
            if (ClientJwks.algorithms(k).contains(v)) return (String) v;
        }
        throw bad("token_endpoint_auth_signing_alg " + v + " does not match any key in jwks");
    }

    private static Map<String, Object> checkKey(Map<String, Object> raw) {
        for (String member : PRIVATE_MEMBERS) {
            if (raw.containsKey(member)) {
                throw bad("jwks must hold public keys only: a key has the private or symmetric member '" + member
                        + "' (never send a private key)");
            }
        }
        Object kty = raw.get("kty");
        if ("oct".equals(kty)) throw bad("jwks must not hold symmetric (oct) keys");
        Object kid = raw.get("kid");
        if (!(kid instanceof String) || ((String) kid).isEmpty() || ((String) kid).length() > MAX_KID || !Text.isPlain((String) kid)) {
            throw bad("every key in jwks needs a kid (1 to " + MAX_KID + " plain characters; the RFC 7638 thumbprint is a good one)");
        }
        Object use = raw.get("use");
        if (use != null && !"sig".equals(use)) throw bad("a key in jwks has use '" + Text.printable(String.valueOf(use)) + "': it must be 'sig'");
        Object ops = raw.get("key_ops");
        if (ops != null && !(ops instanceof List && ((List<?>) ops).contains("verify"))) {
            throw bad("a key in jwks has key_ops without 'verify'");
        }
        JWK jwk;
        try {
            jwk = JWK.parse(raw);
        } catch (java.text.ParseException | RuntimeException e) {
            throw bad("a key in jwks is not a valid JWK: " + Text.printable(String.valueOf(e.getMessage())));
        }
        if (jwk.isPrivate()) throw bad("jwks must hold public keys only");
        Map<String, Object> out = new LinkedHashMap<>();
        if (jwk.getKeyType() == KeyType.EC) {
            ECKey ec = (ECKey) jwk; // Nimbus refuses a point that is not on the curve
            if (!Curve.P_256.equals(ec.getCurve())) throw bad("EC keys in jwks must be on curve P-256 (ES256)");
            out.put("kty", "EC");
            out.put("crv", "P-256");
            out.put("x", ec.getX().toString());
            out.put("y", ec.getY().toString());
        } else if (jwk.getKeyType() == KeyType.OKP) {
            OctetKeyPair okp = (OctetKeyPair) jwk;
            if (!Curve.Ed25519.equals(okp.getCurve()) || okp.getX().decode().length != 32) {
                throw bad("OKP keys in jwks must be Ed25519 (EdDSA)");
            }
            out.put("kty", "OKP");
            out.put("crv", "Ed25519");
            out.put("x", okp.getX().toString());
        } else if (jwk.getKeyType() == KeyType.RSA) {
            RSAKey rsa = (RSAKey) jwk;
            // The modulus's real size (RFC 7518 §6.3.1.1: n is unsigned big-endian, no leading zero octets):
            // counting encoded bytes × 8 would let zero padding pass a short key as 2048 bits.
            byte[] n = rsa.getModulus().decode();
            if (n.length == 0 || n[0] == 0) throw bad("an RSA key in jwks has leading zero octets in n (RFC 7518 §6.3.1.1)");
            int bits = rsa.getModulus().decodeToBigInteger().bitLength();
            if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
                throw bad("RSA keys in jwks must have " + MIN_RSA_BITS + " to " + MAX_RSA_BITS + " bits (this one has " + bits + ")");
            }
            // e = 65537 only: what every current library generates (FIPS 186-5 §A.1.1 wants 2^16 < e < 2^256), and a
            // huge exponent would make each verification of an unauthenticated assertion a CPU amplifier.
            if (!ClientJwks.RSA_EXPONENT.equals(rsa.getPublicExponent().decodeToBigInteger())) {
                throw bad("an RSA key in jwks must have the public exponent 65537 (e = AQAB)");
            }
            out.put("kty", "RSA");
            out.put("n", rsa.getModulus().toString());
            out.put("e", rsa.getPublicExponent().toString());
        } else {
            throw bad("jwks keys must be EC P-256, OKP Ed25519 or RSA");
        }
        // Build the verifier now: a key the JDK refuses is a 400 here, never a 500 at its first assertion.
        try {
            ClientJwks.verifier(jwk, org.gatehouse.server.crypto.JwsCrypto.JDK);
        } catch (IllegalStateException e) {
            throw bad("a key in jwks cannot verify signatures on this server");
        }
        out.put("kid", kid);
        if (use != null) out.put("use", use);
        if (jwk.getAlgorithm() != null) {
            if (ClientJwks.algorithms(jwk).isEmpty()) {
                throw bad("a key in jwks has alg '" + Text.printable(jwk.getAlgorithm().getName()) + "', which does not fit its key type");
            }
            out.put("alg", jwk.getAlgorithm().getName());
        }
        return out;
    }

    private static OAuthError bad(String description) {
        return OAuthError.invalidClientMetadata(description);
    }
}
