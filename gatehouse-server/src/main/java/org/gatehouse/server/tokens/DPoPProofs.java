package org.gatehouse.server.tokens;

import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jwk.JWK;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
        CompactJws jwt;
        try {
            jwt = CompactJws.parse(proof, MAX_LENGTH);
        } catch (CompactJws.Invalid e) {
            throw new Refused("the DPoP proof is not a signed JWT (RFC 9449 §4.2)");
        }
        try {
            return check(jwt, htm, htu, accessToken, nowMillis);
        } catch (CompactJws.Invalid e) {
            throw new Refused("the DPoP proof is not a valid JWT: " + e.getMessage() + " (RFC 9449 §4.2)");
        }
    }

    private Proof check(CompactJws jwt, String htm, String htu, String accessToken, long nowMillis) throws Refused, CompactJws.Invalid {
        // §4.3 items 4–6: typ, an asymmetric algorithm we support, a public key in jwk.
        if (!TYPE.equals(jwt.headerString("typ"))) throw new Refused("typ must be dpop+jwt (RFC 9449 §4.2)");
        String alg = jwt.headerString("alg");
        if (alg == null || !ALGS.contains(alg)) throw new Refused("alg must be one of " + String.join(", ", ALGS) + " (dpop_signing_alg_values_supported)");
        Object jwkValue = jwt.header().get("jwk");
        if (jwkValue == null) throw new Refused("the jwk header is required (RFC 9449 §4.2)");
        if (!(jwkValue instanceof Map<?, ?>)) throw new Refused("the jwk header must be a JSON object (RFC 7515 §4.1.3)");
        @SuppressWarnings("unchecked") Map<String, Object> jwk = (Map<String, Object>) jwkValue;
        if (jwk.containsKey("d")) throw new Refused("the jwk header must hold a public key (RFC 9449 §4.2)");
        String jkt = thumbprint(alg, jwk);
        if (jkt == null) throw new Refused("the jwk does not fit alg " + alg);
        jwt.checkNoCrit();
        JWSVerifier v = verifier(jkt, jwk);
        if (v == null || !jwt.verify(alg, v)) throw new Refused("the DPoP proof's signature does not verify (RFC 9449 §4.3 item 7)");
        // §4.2 claims.
        String jti = jwt.claimString("jti");
        if (jti == null || jti.isEmpty() || jti.length() > MAX_JTI) throw new Refused("jti is required (RFC 9449 §4.2)");
        Object m = jwt.claims().get("htm");
        if (!htm.equals(m)) throw new Refused("htm does not match the request method (RFC 9449 §4.3 item 8)");
        Object u = jwt.claims().get("htu");
        if (!(u instanceof String) || !serverHtu(htu).equals(htu((String) u))) {
            throw new Refused("htu does not match the request URI (RFC 9449 §4.3 item 9)");
        }
        Long iat = jwt.numericDate("iat");
        if (iat == null) throw new Refused("iat is required (RFC 9449 §4.2)");
        long now = Math.floorDiv(nowMillis, 1000);
        long iatS = iat;
        if (iatS < now - IAT_WINDOW_SECONDS || iatS > now + IAT_WINDOW_SECONDS) {
            throw new Refused("iat is more than " + IAT_WINDOW_SECONDS + " s from the server's time (RFC 9449 §4.3 item 11)");
        }
        if (accessToken != null) {
            Object ath = jwt.claims().get("ath");
            if (!(ath instanceof String) || !MessageDigest.isEqual(((String) ath).getBytes(StandardCharsets.US_ASCII),
                    sha256(accessToken).getBytes(StandardCharsets.US_ASCII))) {
                throw new Refused("ath does not match the access token (RFC 9449 §4.3 item 10)");
            }
        }
        return new Proof(jkt, jti, (iatS + IAT_WINDOW_SECONDS + 1) * 1000);
    }

    /**
     * RFC 7638 §3.2 over the members that define the key, for the two key types {@link #ALGS} allow: EC P-256
     * (crv, kty, x, y) for ES256, OKP Ed25519 (crv, kty, x) for EdDSA — null when the jwk is not such a key with
     * coordinates of the curve's length. The members are base64url and fixed names, so the JSON needs no escaping
     * and equals Nimbus's {@code computeThumbprint} (CompactJwsTest compares them).
     */
    static String thumbprint(String alg, Map<String, Object> jwk) {
        String json;
        if ("ES256".equals(alg)) {
            if (!"EC".equals(jwk.get("kty")) || !"P-256".equals(jwk.get("crv"))) return null;
            String x = coordinate(jwk.get("x"), 32);
            String y = coordinate(jwk.get("y"), 32);
            if (x == null || y == null) return null;
            json = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" + x + "\",\"y\":\"" + y + "\"}";
        } else if ("EdDSA".equals(alg)) {
            if (!"OKP".equals(jwk.get("kty")) || !"Ed25519".equals(jwk.get("crv"))) return null;
            String x = coordinate(jwk.get("x"), 32);
            if (x == null) return null;
            json = "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"" + x + "\"}";
        } else {
            return null;
        }
        return sha256(json);
    }

    /** A base64url member (no padding) that decodes to {@code bytes} bytes, or null. */
    private static String coordinate(Object v, int bytes) {
        if (!(v instanceof String)) return null;
        String s = (String) v;
        return s.length() == (bytes * 8 + 5) / 6 && CompactJws.base64url(s, 0, s.length()) ? s : null;
    }

    /**
     * The key's verifier, built once per key: the thumbprint covers every member the verifier uses (RFC 7638 §3.2),
     * so a cached verifier is the key's. On a miss Nimbus reads the key (it checks, for EC, that the point is on
     * the curve); null when it refuses it.
     */
    private JWSVerifier verifier(String jkt, Map<String, Object> jwkMembers) {
        JWSVerifier v = verifiers.get(jkt);
        if (v != null) return v;
        JWK jwk;
        try {
            jwk = JWK.parse(jwkMembers);
        } catch (java.text.ParseException | RuntimeException e) {
            return null;
        }
        if (jwk.isPrivate()) return null;
        try {
            v = crypto.clientVerifier(jwk);
        } catch (IllegalStateException e) {
            return null;
        }
        if (verifiers.size() >= MAX_VERIFIERS) verifiers.clear();
        verifiers.put(jkt, v);
        return v;
    }

    /** The server's own htu, normalised once: every proof at one endpoint compares with the same URI. */
    private volatile String[] lastServerHtu = {"", ""};

    private String serverHtu(String htu) {
        String[] last = lastServerHtu;
        if (last[0].equals(htu)) return last[1];
        String n = htu(htu);
        lastServerHtu = new String[] {htu, n};
        return n;
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
