package org.gatehouse.server.keys;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.gatehouse.server.json.Json;

/**
 * RFC 9068 access tokens in the JWS Compact Serialization (RFC 7515 §7.1), assembled directly: the
 * protected header (alg, typ "at+jwt" per RFC 9068 §2.1, kid) is encoded once per signing key, the
 * claims are written by {@link Json#write} and Base64url-encoded in one pass, and only the signature
 * goes through the JOSE library's signer. (JMH, HotPathBench: 1.4 µs for everything but the
 * signature, against 4.2 µs through Nimbus's claims set and SignedJWT.) Made once per key ring by {@link SigningKeys}; {@link KeyRing} holds it.
 */
public final class AccessTokenJwt {
    /** RFC 9068 §2.1: the typ of a JWT access token. */
    public static final JOSEObjectType TYPE = new JOSEObjectType("at+jwt");

    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private final JWSHeader header;
    private final String encodedHeader;
    private final JWSSigner signer;

    public AccessTokenJwt(JWSAlgorithm alg, String kid, JWSSigner signer) {
        this.header = new JWSHeader.Builder(alg).type(TYPE).keyID(kid).build();
        this.encodedHeader = header.toBase64URL().toString();
        this.signer = signer;
    }

    /** The signed token for these claims (written in the map's order). */
    public String sign(Map<String, Object> claims) {
        String signingInput = encodedHeader + '.' + B64URL.encodeToString(Json.write(claims).getBytes(StandardCharsets.UTF_8));
        try {
            // RFC 7515 §5.1: the signature covers ASCII(BASE64URL(header) || '.' || BASE64URL(payload)).
            return signingInput + '.' + signer.sign(header, signingInput.getBytes(StandardCharsets.US_ASCII));
        } catch (JOSEException e) {
            throw new IllegalStateException("signing failed", e);
        }
    }
}
