package org.gatehouse.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import org.gatehouse.server.keys.KeyRing;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;

/**
 * Issue 17 Must 7: TokenVerifier.verifyRequest checks a DPoP-bound token (signed with the real
 * server's key, carrying cnf.jkt) with its proof (RFC 9449 §4.3, §7.1), and refuses it as Bearer.
 */
class DpopVerifierTest {
    private static final URI API = URI.create("https://api.example/prefs/items");

    @Test
    void acceptsTheBoundTokenWithAFreshProofAndRefusesEverythingElse() {
        TestServer s = TestServer.shared(Backend.H2);
        ClientKey key = ClientKey.generate(ClientKey.Type.EC_P256);
        String token = token(s, key.thumbprint());
        MutableClock clock = MutableClock.now();
        TokenVerifier v = TokenVerifier.builder(s.issuer).clock(clock).build();
        Instant now = clock.instant();

        VerifiedToken ok = v.verifyRequest("DPoP " + token, key.dpopProof("GET", API, token, now), "GET", API.toString(), "prefs:read");
        assertThat(ok.clientId()).isEqualTo("dpop-client");
        // a query or fragment is not part of htu (RFC 9449 §4.3 step 9); the default port and host case are normalised
        v.verifyRequest("DPoP " + token, key.dpopProof("GET", API, token, now), "GET", "https://API.example:443/prefs/items?page=2", "prefs:read");

        // RFC 9449 §7.2: the same token as a Bearer token, through either entry point
        assertThatThrownBy(() -> v.verifyRequest("Bearer " + token, null, "GET", API.toString()))
                .isInstanceOf(InvalidTokenException.class).isNotInstanceOf(InvalidDpopProofException.class).hasMessageContaining("DPoP scheme");
        assertThatThrownBy(() -> v.verify(token)).isInstanceOf(InvalidTokenException.class).hasMessageContaining("DPoP scheme");

        // each failing proof check, as invalid_dpop_proof
        String fresh = key.dpopProof("GET", API, token, now);
        proofRefused(v, token, null, "GET", "no DPoP proof");
        proofRefused(v, token, key.dpopProof("POST", API, token, now), "GET", "htm");
        proofRefused(v, token, key.dpopProof("GET", URI.create("https://api.example/other"), token, now), "GET", "htu");
        proofRefused(v, token, key.dpopProof("GET", API, "another-token", now), "GET", "ath");
        proofRefused(v, token, key.dpopProof("GET", API, null, now), "GET", "ath");
        proofRefused(v, token, key.dpopProof("GET", API, token, now.minus(Duration.ofMinutes(3))), "GET", "iat");
        proofRefused(v, token, key.dpopProof("GET", API, token, now.plus(Duration.ofMinutes(1))), "GET", "iat");
        proofRefused(v, token, flipSignature(fresh), "GET", "signature");
        proofRefused(v, token, withHeader(key, fresh, "typ", "JWT"), "GET", "typ");
        proofRefused(v, token, withHeader(key, fresh, "alg", "none"), "GET", "alg");
        Map<String, Object> privateJwk = new LinkedHashMap<>(key.publicJwk());
        privateJwk.put("d", "AAAA");
        proofRefused(v, token, withHeader(key, fresh, "jwk", privateJwk), "GET", "private");

        // a proof from another key (an attacker's) for a stolen token: the binding fails
        ClientKey other = ClientKey.generate(ClientKey.Type.ED25519);
        assertThatThrownBy(() -> v.verifyRequest("DPoP " + token, other.dpopProof("GET", API, token, now), "GET", API.toString()))
                .isInstanceOf(InvalidTokenException.class).hasMessageContaining("cnf.jkt");

        // a proof is used once (RFC 9449 §11.1)
        String once = key.dpopProof("GET", API, token, now);
        v.verifyRequest("DPoP " + token, once, "GET", API.toString());
        proofRefused(v, token, once, "GET", "used before");

        // the token still has to be valid: a bound token that expired is invalid_token, not a proof problem
        clock.advance(s.config.accessTokenTtl.plusMinutes(1));
        assertThatThrownBy(() -> v.verifyRequest("DPoP " + token, key.dpopProof("GET", API, token, clock.instant()), "GET", API.toString()))
                .isInstanceOf(InvalidTokenException.class).isNotInstanceOf(InvalidDpopProofException.class).hasMessageContaining("expired");
    }

    @Test
    void aBearerTokenSentWithTheDpopSchemeAndMissingScopeAfterAGoodProof() {
        TestServer s = TestServer.shared(Backend.H2);
        ClientKey key = ClientKey.generate(ClientKey.Type.ED25519);
        TokenVerifier v = TokenVerifier.builder(s.issuer).build();
        String bearer = token(s, null);
        assertThat(v.verifyRequest("Bearer " + bearer, null, "GET", API.toString()).clientId()).isEqualTo("dpop-client");
        assertThatThrownBy(() -> v.verifyRequest("DPoP " + bearer, key.dpopProof("GET", API, bearer, Instant.now()), "GET", API.toString()))
                .isInstanceOf(InvalidTokenException.class).hasMessageContaining("not DPoP-bound");
        String bound = token(s, key.thumbprint());
        assertThatThrownBy(() -> v.verifyRequest("DPoP " + bound, key.dpopProof("GET", API, bound, Instant.now()), "GET", API.toString(), "admin"))
                .isInstanceOf(InsufficientScopeException.class);
        assertThatThrownBy(() -> v.verifyRequest(null, null, "GET", API.toString())).isInstanceOf(InvalidTokenException.class);
        assertThatThrownBy(() -> v.verifyRequest("Basic abc", null, "GET", API.toString())).isInstanceOf(InvalidTokenException.class);
    }

    private static void proofRefused(TokenVerifier v, String token, String proof, String method, String why) {
        assertThatThrownBy(() -> v.verifyRequest("DPoP " + token, proof, method, API.toString()))
                .isInstanceOf(InvalidDpopProofException.class).hasMessageContaining(why);
    }

    private static String flipSignature(String jws) {
        String[] p = jws.split("\\.");
        return p[0] + "." + p[1] + "." + (p[2].charAt(0) == 'A' ? "B" : "A") + p[2].substring(1);
    }

    /** The proof with one header member changed, re-signed by no one: the checks before the signature must catch it. */
    private static String withHeader(ClientKey key, String jws, String name, Object value) {
        String[] p = jws.split("\\.");
        try {
            Map<String, Object> h = Json.parseObject(new String(Base64.getUrlDecoder().decode(p[0]), StandardCharsets.UTF_8));
            h.put(name, value);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Json.write(h).getBytes(StandardCharsets.UTF_8)) + "." + p[1] + "." + p[2];
        } catch (Json.JsonException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An access token as the server signs it, with cnf.jkt when {@code jkt} is given (RFC 9449 §6.1). */
    private static String token(TestServer s, String jkt) {
        KeyRing ring = s.gatehouse().keys.ring();
        long now = System.currentTimeMillis();
        JWTClaimsSet.Builder c = new JWTClaimsSet.Builder().issuer(s.issuer).audience(s.config.audience).subject("dpop-client")
                .claim("client_id", "dpop-client").claim("scope", "prefs:read").expirationTime(new Date(now + 300_000))
                .issueTime(new Date(now)).jwtID("j" + System.nanoTime());
        if (jkt != null) c.claim("cnf", Map.of("jkt", jkt));
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(ring.activeAlg()).type(new JOSEObjectType("at+jwt")).keyID(ring.activeKid()).build(),
                    c.build());
            jwt.sign(ring.signer());
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
