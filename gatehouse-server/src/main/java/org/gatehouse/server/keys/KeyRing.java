package org.gatehouse.server.keys;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import java.util.List;
import java.util.Map;

/**
 * An immutable snapshot of the keys in use: the one that signs (with its access-token assembly), every key that may have signed a
 * token still valid (to verify), and the published JWK Set (active, next and retired keys); activeSince is when the
 * active key started signing (epoch milliseconds), for the key-age metric.
 */
public record KeyRing(
        String activeKid,
        JWSAlgorithm activeAlg,
        JWSSigner signer,
        AccessTokenJwt accessTokens,
        Map<String, JWSVerifier> verifiers,
        String jwksJson,
        List<String> algorithms,
        long activeSince) {
}
