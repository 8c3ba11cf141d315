package org.gatehouse.server.testing;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.util.Date;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.gatehouse.server.crypto.Secrets;

/** A key-bound installation's side for tests: its key pair, client assertions (RFC 7523) and DPoP proofs (RFC 9449). */
public final class KeyBound {
    public static final String ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    public final JWK key;
    public final JWSAlgorithm alg;

    private KeyBound(JWK key, JWSAlgorithm alg) {
        this.key = key;
        this.alg = alg;
    }

    /** An EC P-256 key (ES256) whose kid is its RFC 7638 thumbprint, as the installer library makes it. */
    public static KeyBound es256() {
        try {
            return new KeyBound(new ECKeyGenerator(Curve.P_256).keyIDFromThumbprint(true).generate(), JWSAlgorithm.ES256);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static KeyBound ed25519() {
        try {
            // Bouncy Castle (as the server): Nimbus's own Ed25519 needs Tink, which is not on the classpath.
            byte[][] pair = org.gatehouse.server.crypto.Ed25519Jws.generate();
            OctetKeyPair k = new OctetKeyPair.Builder(Curve.Ed25519, com.nimbusds.jose.util.Base64URL.encode(pair[1]))
                    .d(com.nimbusds.jose.util.Base64URL.encode(pair[0])).build();
            return new KeyBound(new OctetKeyPair.Builder(k).keyID(k.computeThumbprint().toString()).build(), JWSAlgorithm.EdDSA);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** {"keys":[public key]} as JSON. */
    public String jwks() {
        return "{\"keys\":[" + key.toPublicJWK().toJSONString() + "]}";
    }

    /** Registration metadata for private_key_jwt with this key, plus extra JSON members (e.g. ",\"scope\":\"a\""). */
    public String metadata(String extra) {
        return "{\"token_endpoint_auth_method\":\"private_key_jwt\",\"jwks\":" + jwks() + extra + "}";
    }

    public JWSSigner signer() {
        try {
            return key instanceof ECKey ? new ECDSASigner((ECKey) key)
                    : org.gatehouse.server.crypto.Ed25519Jws.signer(((OctetKeyPair) key).getD().decode());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A signed JWT with this key: header and claims as given. */
    public String sign(JWSHeader header, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(header, claims);
            jwt.sign(signer());
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The contract's assertion: iss = sub = clientId, aud, jti, iat, exp = iat + 60 s. */
    public JWTClaimsSet.Builder assertionClaims(String clientId, String aud) {
        long now = System.currentTimeMillis();
        return new JWTClaimsSet.Builder().issuer(clientId).subject(clientId).audience(aud).jwtID(Secrets.randomId(16))
                .issueTime(new Date(now)).expirationTime(new Date(now + 60_000));
    }

    public String assertion(String clientId, String aud) {
        return assertion(clientId, aud, b -> b);
    }

    public String assertion(String clientId, String aud, UnaryOperator<JWTClaimsSet.Builder> change) {
        return sign(new JWSHeader.Builder(alg).keyID(key.getKeyID()).build(), change.apply(assertionClaims(clientId, aud)).build());
    }

    /** The form of a client_credentials request authenticated with this assertion. */
    public static Map<String, String> grant(String assertion) {
        return Map.of("grant_type", "client_credentials", "client_assertion_type", ASSERTION_TYPE, "client_assertion", assertion);
    }

    /** A DPoP proof (RFC 9449 §4.2) with this key. */
    public String proof(String htm, String htu) {
        return proof(htm, htu, b -> b);
    }

    public String proof(String htm, String htu, UnaryOperator<JWTClaimsSet.Builder> change) {
        JWSHeader h = new JWSHeader.Builder(alg).type(new JOSEObjectType("dpop+jwt")).jwk(key.toPublicJWK()).build();
        JWTClaimsSet.Builder c = new JWTClaimsSet.Builder().jwtID(Secrets.randomId(16)).claim("htm", htm).claim("htu", htu)
                .issueTime(new Date());
        return sign(h, change.apply(c).build());
    }

    /** RFC 7638 thumbprint (cnf.jkt). */
    public String jkt() {
        try {
            return key.computeThumbprint().toString();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
