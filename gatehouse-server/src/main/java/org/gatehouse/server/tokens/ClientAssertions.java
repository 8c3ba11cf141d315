package org.gatehouse.server.tokens;

import java.util.List;
import java.util.Set;
import org.gatehouse.server.crypto.ClientJwks;
import org.gatehouse.server.text.Text;

/**
 * Verification of a client assertion (RFC 7523 §3, RFC 7521 §4.2) for private_key_jwt client
 * authentication: pure, no I/O — the caller looks the client up by {@link Parsed#issuer()} and records
 * the jti (one use, across nodes) after {@link #verify} accepted it. Every refusal carries its reason
 * for a debug log only: the client is told one generic invalid_client.
 */
public final class ClientAssertions {
    /** RFC 7523 §2.2: client_assertion_type. */
    public static final String TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    /** Longest assertion read (a JWS of a few claims signed with RSA-8192 is well under). */
    static final int MAX_LENGTH = 8192;
    /** exp − iat at most (contract: clients send iat + 60 s). */
    static final long MAX_LIFETIME_SECONDS = 300;
    /** Clock skew allowed on exp, iat and nbf. */
    static final long SKEW_SECONDS = 60;
    static final int MAX_JTI = 200;
    /** typ absent, "JWT" (RFC 7519 §5.1) or the explicit type of the RFC 7523 update. */
    private static final Set<String> TYPES = Set.of("JWT", "client-authentication+jwt");

    /** Why an assertion was refused (for the debug log; never shown to the client). */
    public static final class Refused extends Exception {
        Refused(String reason) {
            super(reason, null, false, false);
        }
    }

    /** An assertion parsed but not yet verified: only its issuer is read, to find the client. */
    public record Parsed(CompactJws jws, String issuer) {
    }

    /** Accepted: the jti to record and until when (epoch ms) the assertion could be accepted. */
    public record Accepted(String jti, long replayUntil) {
    }

    private final String issuer;
    private final String tokenEndpoint;

    /** @param issuer the issuer identifier; the token endpoint is issuer + "/token" (both accepted as aud) */
    public ClientAssertions(String issuer) {
        this.issuer = issuer;
        this.tokenEndpoint = issuer + "/token";
    }

    public static Parsed parse(String assertion) throws Refused {
        try {
            CompactJws jws = CompactJws.parse(assertion, MAX_LENGTH); // a JWS: "none" (an unsecured JWT) does not parse here
            String iss = jws.claimString("iss");
            if (iss == null) throw new Refused("no iss");
            return new Parsed(jws, iss);
        } catch (CompactJws.Invalid e) {
            throw new Refused("not a signed JWT: " + e.getMessage());
        }
    }

    /**
     * RFC 7523 §3: the checks, all of them, against the client's registered keys.
     * @param pinnedAlg the client's token_endpoint_auth_signing_alg, or null
     */
    public Accepted verify(Parsed p, String clientId, ClientKeys keys, String pinnedAlg, long nowMillis) throws Refused {
        try {
            return check(p.jws(), clientId, keys, pinnedAlg, nowMillis);
        } catch (CompactJws.Invalid e) {
            throw new Refused(e.getMessage());
        }
    }

    private Accepted check(CompactJws jws, String clientId, ClientKeys keys, String pinnedAlg, long nowMillis) throws Refused, CompactJws.Invalid {
        String alg = jws.headerString("alg");
        // RFC 8725 §3.1: only the asymmetric algorithms we list, never none or HMAC; then pinned to the key.
        if (alg == null || !ClientJwks.SIGNING_ALGS.contains(alg)) throw new Refused("alg " + Text.printable(String.valueOf(alg)) + " not accepted"); // attacker text: printable, bounded
        if (pinnedAlg != null && !pinnedAlg.equals(alg)) throw new Refused("alg differs from token_endpoint_auth_signing_alg");
        String typ = jws.headerString("typ");
        if (typ != null && !TYPES.contains(typ)) throw new Refused("typ " + Text.printable(typ) + " not accepted");
        jws.checkNoCrit();
        ClientKeys.Key key = keys.select(jws.headerString("kid"));
        if (key == null) throw new Refused("no registered key for kid");
        if (!key.algorithms().contains(alg)) throw new Refused("alg does not fit the key type");
        if (!jws.verify(alg, key.verifier())) throw new Refused("bad signature");
        // §3 items 1–2: iss and sub are the client_id.
        if (!clientId.equals(jws.claimString("iss")) || !clientId.equals(jws.claimString("sub"))) throw new Refused("iss/sub is not the client_id");
        // §3 item 3: aud identifies this server: the issuer identifier or the token endpoint URL, nothing else.
        List<String> aud = jws.audience();
        if (aud.isEmpty()) throw new Refused("aud is not the issuer or the token endpoint");
        for (String a : aud) if (!issuer.equals(a) && !tokenEndpoint.equals(a)) throw new Refused("aud is not the issuer or the token endpoint");
        long now = Math.floorDiv(nowMillis, 1000);
        // §3 item 4: exp required; a short lifetime bounds how long the jti must be remembered.
        Long exp = jws.numericDate("exp");
        if (exp == null) throw new Refused("no exp");
        long expS = exp;
        if (expS + SKEW_SECONDS <= now) throw new Refused("expired");
        if (expS > now + MAX_LIFETIME_SECONDS + SKEW_SECONDS) throw new Refused("exp too far in the future");
        Long iat = jws.numericDate("iat");
        if (iat != null) {
            if (iat > now + SKEW_SECONDS) throw new Refused("iat in the future");
            if (expS - iat > MAX_LIFETIME_SECONDS) throw new Refused("lifetime longer than " + MAX_LIFETIME_SECONDS + " s");
        }
        // §3 item 5: nbf.
        Long nbf = jws.numericDate("nbf");
        if (nbf != null && nbf > now + SKEW_SECONDS) throw new Refused("not yet valid (nbf)");
        // §3 item 7: jti, used once (the caller records it).
        String jti = jws.claimString("jti");
        if (jti == null || jti.isEmpty() || jti.length() > MAX_JTI) throw new Refused("no usable jti");
        return new Accepted(jti, (expS + SKEW_SECONDS) * 1000);
    }
}
