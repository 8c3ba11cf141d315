package org.gatehouse.server.tokens;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import org.gatehouse.server.crypto.JwsCrypto;

/**
 * Verification of a DPoP proof (RFC 9449 §4.3): pure, no I/O — the caller records the jti (one use
 * per key, across nodes) after it was accepted. A refusal says what was wrong (RFC 9449 §5: the
 * error is invalid_dpop_proof; the proof is the client's own, so the reason helps and reveals nothing).
 */
public final class DPoPProofs {
    /** RFC 9449 §5.1 dpop_signing_alg_values_supported. */
    public static final List<String> ALGS = List.of("ES256", "EdDSA");
    /** RFC 9449 §4.2: typ. */
    static final String TYPE = "dpop+jwt";
    static final int MAX_LENGTH = 4096;
    /** RFC 9449 §4.3 item 11, §11.1: how far iat may lie from now, either way (the jti is kept that long). */
    static final long IAT_WINDOW_SECONDS = 60;
    static final int MAX_JTI = 200;

    /** Why a proof was refused. */
    public static final class Refused extends Exception {
        Refused(String reason) {
            super(reason, null, false, false);
        }
    }

    /** An accepted proof: the RFC 7638 thumbprint of its key (cnf.jkt), its jti and until when (epoch ms) to remember it. */
    public record Proof(String jkt, String jti, long replayUntil) {
    }

    /** Verifiers by their key's RFC 7638 thumbprint: an installation signs every proof with one key. Bounded: emptied when full. */
    private static final int MAX_VERIFIERS = 10_000;
    private final java.util.concurrent.ConcurrentHashMap<String, JWSVerifier> verifiers = new java.util.concurrent.ConcurrentHashMap<>();
    private final JwsCrypto crypto;

    /** @param crypto verifies the proofs as the server's own tokens are verified (native where it loads) */
    public DPoPProofs(JwsCrypto crypto) {
        this.crypto = crypto;
    }

    /**
     * @param htm the request's method; @param htu the request's URI (as this server is reached: issuer + path)
     * @param accessToken the access token the request presents (then ath must match, §4.3 item 10), or null
     */
    public Proof verify(String proof, String htm, String htu, String accessToken, long nowMillis) throws Refused {
        if (proof.length() > MAX_LENGTH) throw new Refused("the DPoP proof is too long");
        SignedJWT jwt;
        JWTClaimsSet c;
        try {
            jwt = SignedJWT.parse(proof);
            c = jwt.getJWTClaimsSet();
        } catch (ParseException | RuntimeException e) {
            throw new Refused("the DPoP proof is not a signed JWT (RFC 9449 §4.2)");
        }
        JWSHeader h = jwt.getHeader();
        // §4.3 items 4–6: typ, an asymmetric algorithm we support, a public key in jwk.
        if (h.getType() == null || !TYPE.equals(h.getType().getType())) throw new Refused("typ must be dpop+jwt (RFC 9449 §4.2)");
        String alg = h.getAlgorithm().getName();
        if (!ALGS.contains(alg)) throw new Refused("alg must be one of " + String.join(", ", ALGS) + " (dpop_signing_alg_values_supported)");
        JWK jwk = h.getJWK();
        if (jwk == null) throw new Refused("the jwk header is required (RFC 9449 §4.2)");
        if (jwk.isPrivate()) throw new Refused("the jwk header must hold a public key (RFC 9449 §4.2)");
        boolean fits = "ES256".equals(alg) ? jwk instanceof ECKey && Curve.P_256.equals(((ECKey) jwk).getCurve())
                : jwk instanceof OctetKeyPair && Curve.Ed25519.equals(((OctetKeyPair) jwk).getCurve()) && ((OctetKeyPair) jwk).getX().decode().length == 32;
        if (!fits) throw new Refused("the jwk does not fit alg " + alg);
        if (h.getCriticalParams() != null && !h.getCriticalParams().isEmpty()) throw new Refused("crit is not supported");
        String jkt;
        try {
            jkt = jwk.computeThumbprint("SHA-256").toString(); // RFC 7638: the key's identity (cnf.jkt) and the cache key
        } catch (JOSEException e) {
            throw new Refused("the jwk has no thumbprint");
        }
        try {
            if (!jwt.verify(verifier(jkt, jwk))) throw new Refused("the DPoP proof's signature does not verify (RFC 9449 §4.3 item 7)");
        } catch (JOSEException | IllegalStateException e) {
            throw new Refused("the DPoP proof's signature does not verify (RFC 9449 §4.3 item 7)");
        }
        // §4.2 claims.
        String jti = c.getJWTID();
        if (jti == null || jti.isEmpty() || jti.length() > MAX_JTI) throw new Refused("jti is required (RFC 9449 §4.2)");
        Object m = c.getClaim("htm");
        if (!htm.equals(m)) throw new Refused("htm does not match the request method (RFC 9449 §4.3 item 8)");
        Object u = c.getClaim("htu");
        if (!(u instanceof String) || !htu(htu).equals(htu((String) u))) {
            throw new Refused("htu does not match the request URI (RFC 9449 §4.3 item 9)");
        }
        Date iat = c.getIssueTime();
        if (iat == null) throw new Refused("iat is required (RFC 9449 §4.2)");
        long now = nowMillis / 1000;
        long iatS = iat.getTime() / 1000;
        if (Math.abs(now - iatS) > IAT_WINDOW_SECONDS) {
            throw new Refused("iat is more than " + IAT_WINDOW_SECONDS + " s from the server's time (RFC 9449 §4.3 item 11)");
        }
        if (accessToken != null) {
            Object ath = c.getClaim("ath");
            if (!(ath instanceof String) || !MessageDigest.isEqual(((String) ath).getBytes(StandardCharsets.US_ASCII),
                    sha256(accessToken).getBytes(StandardCharsets.US_ASCII))) {
                throw new Refused("ath does not match the access token (RFC 9449 §4.3 item 10)");
            }
        }
        return new Proof(jkt, jti, (iatS + IAT_WINDOW_SECONDS + 1) * 1000);
    }

    /** The key's verifier, built once per key (the thumbprint covers every member the verifier uses, RFC 7638 §3.2). */
    private JWSVerifier verifier(String jkt, JWK jwk) {
        JWSVerifier v = verifiers.get(jkt);
        if (v != null) return v;
        if (verifiers.size() >= MAX_VERIFIERS) verifiers.clear();
        v = crypto.verifier(jwk);
        verifiers.put(jkt, v);
        return v;
    }

    /** base64url(SHA-256(ASCII(token))): RFC 9449 §4.2 ath. */
    public static String sha256(String token) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * RFC 9449 §4.3 item 9: the URI without query and fragment, normalised as RFC 3986 §6.2.2–6.2.3
     * (scheme and host case, default port, empty path) before comparing.
     */
    static String htu(String s) {
        try {
            URI u = new URI(s);
            if (u.getScheme() == null || u.getRawAuthority() == null) return "\u0000invalid";
            String scheme = u.getScheme().toLowerCase(Locale.ROOT);
            int port = u.getPort();
            if (("https".equals(scheme) && port == 443) || ("http".equals(scheme) && port == 80)) port = -1;
            String host = u.getHost() == null ? u.getRawAuthority().toLowerCase(Locale.ROOT) : u.getHost().toLowerCase(Locale.ROOT);
            String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
            return scheme + "://" + host + (port == -1 ? "" : ":" + port) + path;
        } catch (URISyntaxException e) {
            return "\u0000invalid";
        }
    }
}
