package org.gatehouse.server.crypto;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What both registration (registration/JwksRules, which checks a key set before it is stored) and
 * authentication (tokens/ClientKeys, which verifies client assertions with the stored set) need to know
 * about a key-bound client's public keys (RFC 7517, RFC 7523): the algorithms a key may sign with, how a
 * stored set parses, and its verifier. A leaf, so that neither of those packages depends on the other.
 */
public final class ClientJwks {
    /** RFC 8414 token_endpoint_auth_signing_alg_values_supported: what a client assertion may be signed with. */
    public static final List<String> SIGNING_ALGS = List.of("ES256", "EdDSA", "RS256", "PS256");

    /** The only RSA public exponent accepted (registration/JwksRules says why). */
    public static final java.math.BigInteger RSA_EXPONENT = java.math.BigInteger.valueOf(65537);

    private ClientJwks() {
    }

    /** The algorithms a registered key may sign with: what its type allows, or only its alg when it names one (RFC 8725 §3.1). */
    public static List<String> algorithms(JWK key) {
        List<String> byType;
        if (key instanceof ECKey && Curve.P_256.equals(((ECKey) key).getCurve())) {
            byType = List.of("ES256");
        } else if (key instanceof OctetKeyPair && Curve.Ed25519.equals(((OctetKeyPair) key).getCurve())) {
            byType = List.of("EdDSA");
        } else if (key instanceof RSAKey) {
            byType = List.of("RS256", "PS256");
        } else {
            return List.of();
        }
        if (key.getAlgorithm() == null) return byType;
        return byType.contains(key.getAlgorithm().getName()) ? List.of(key.getAlgorithm().getName()) : List.of();
    }

    /** A key set as JWKs ({"keys":[...]}, already checked when it was registered). */
    public static List<JWK> parse(Map<String, Object> jwks) {
        List<JWK> out = new ArrayList<>();
        for (Object o : (List<?>) jwks.get("keys")) {
            try {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) o;
                out.add(JWK.parse(m));
            } catch (java.text.ParseException e) {
                throw new IllegalStateException("a stored client key does not parse", e);
            }
        }
        return out;
    }

    /**
     * The verifier of one public key: for ES256 and EdDSA the one {@link JwsCrypto#clientVerifier} gives (the same provider as the server's own
     * access tokens (native where it loads, else the JDK/Bouncy Castle), for RSA (RS256 and PS256) Nimbus's.
     * IllegalStateException when the key cannot verify (a key the JDK refuses).
     */
    public static JWSVerifier verifier(JWK k, JwsCrypto crypto) {
        try {
            if (k instanceof ECKey || k instanceof OctetKeyPair) return crypto.clientVerifier(k);
            if (k instanceof RSAKey) {
                // Also for keys stored before registration checked it: a huge exponent makes every verification expensive.
                if (!RSA_EXPONENT.equals(((RSAKey) k).getPublicExponent().decodeToBigInteger())) {
                    throw new IllegalStateException("RSA public exponent other than 65537");
                }
                return new RSASSAVerifier((RSAKey) k);
            }
        } catch (JOSEException | RuntimeException e) {
            throw new IllegalStateException("a client key cannot verify", e);
        }
        throw new IllegalStateException("unsupported client key type " + k.getKeyType());
    }
}
