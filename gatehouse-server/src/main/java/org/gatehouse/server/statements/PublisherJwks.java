package org.gatehouse.server.statements;

import org.gatehouse.server.errors.InvalidInput;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import java.text.ParseException;

/**
 * Checks a publisher's JWK Set: public keys only, of the kinds statements may be signed with
 * (EC P-256 for ES256, Ed25519 for EdDSA, RSA of 2048 bits or more for RS256). Symmetric keys are
 * refused: a key the server shares could sign statements, so HMAC proves nothing about the publisher.
 */
public final class PublisherJwks {
    public static final int MAX_KEYS = 20;
    public static final int MAX_CHARS = 60_000;

    private PublisherJwks() {
    }

    /**
     * Parses and checks; messages never quote the key material.
     *
     * @throws InvalidInput on the field {@code jwks}, naming every key that cannot be used
     */
    public static JWKSet parse(String json) {
        if (json == null || json.isBlank()) throw InvalidInput.of("jwks", "the JWKS is empty");
        if (json.length() > MAX_CHARS) throw InvalidInput.of("jwks", "the JWKS is larger than " + MAX_CHARS + " characters");
        JWKSet set;
        try {
            set = JWKSet.parse(json);
        } catch (ParseException e) {
            throw InvalidInput.of("jwks", "not a JWK Set (RFC 7517 §5): " + e.getMessage());
        }
        if (set.getKeys().isEmpty()) throw InvalidInput.of("jwks", "the JWKS has no keys");
        if (set.getKeys().size() > MAX_KEYS) throw InvalidInput.of("jwks", "the JWKS has more than " + MAX_KEYS + " keys");
        InvalidInput.Problems problems = new InvalidInput.Problems();
        for (JWK k : set.getKeys()) {
            if (k.getKeyUse() != null && !KeyUse.SIGNATURE.equals(k.getKeyUse())) {
                problems.add("jwks", "key " + k.getKeyID() + " is not a signature key (use " + k.getKeyUse() + ").");
            } else if (!usable(k)) {
                problems.add("jwks", "key " + k.getKeyID() + " is not an EC P-256, Ed25519 or RSA (2048+ bits) public key.");
            }
            if (k.isPrivate()) {
                problems.add("jwks", "the JWKS holds private key material: give the public JWKS (the .jwks.json file), never the private key.");
            }
        }
        problems.throwIfAny();
        return set;
    }

    static boolean usable(JWK k) {
        if (k instanceof ECKey) return Curve.P_256.equals(((ECKey) k).getCurve());
        if (k instanceof OctetKeyPair) return Curve.Ed25519.equals(((OctetKeyPair) k).getCurve());
        if (k instanceof RSAKey) return k.size() >= 2048;
        return false;
    }
}
