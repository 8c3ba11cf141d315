package org.gatehouse.server.tokens;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.util.Base64URL;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.gatehouse.server.json.Json;

/**
 * A JWS in the compact serialization (RFC 7515 §7.1) whose header and payload are JSON objects — a client
 * assertion (RFC 7523) or a DPoP proof (RFC 9449) — split and decoded once, with the project's strict JSON
 * reader (a repeated member name is refused, RFC 7515 §4 / RFC 7519 §4), without building Nimbus's header,
 * claims and JWT objects: on a key-bound grant those were about a third of the assertion's CPU (issue 17
 * Must 8, docs/performance.md). The signature is checked by the same {@link JWSVerifier} as before, over the
 * ASCII signing input (RFC 7515 §5.2 item 8); {@code CompactJwsTest} checks the result against Nimbus's parser.
 * Pure: no I/O, no time.
 */
public final class CompactJws {
    /** Why a JWS was not accepted (never shown to a client that is not the JWS's signer). */
    public static final class Invalid extends Exception {
        Invalid(String reason) {
            super(reason, null, false, false);
        }
    }

    private final Map<String, Object> header;
    private final Map<String, Object> claims;
    private final String text;
    private final int secondDot;

    private CompactJws(Map<String, Object> header, Map<String, Object> claims, String text, int secondDot) {
        this.header = header;
        this.claims = claims;
        this.text = text;
        this.secondDot = secondDot;
    }

    /**
     * RFC 7515 §5.2: three base64url parts (no padding, §2), the first two JSON objects, the third not empty
     * (an unsecured JWT, RFC 7519 §6, has an empty one and is never accepted here).
     */
    public static CompactJws parse(String s, int maxLength) throws Invalid {
        if (s == null || s.length() > maxLength) throw new Invalid("longer than " + maxLength);
        int first = s.indexOf('.');
        int second = first < 0 ? -1 : s.indexOf('.', first + 1);
        if (first <= 0 || second <= first + 1 || second == s.length() - 1 || s.indexOf('.', second + 1) >= 0) {
            throw new Invalid("not a compact JWS (three non-empty parts)");
        }
        if (!base64url(s, second + 1, s.length())) throw new Invalid("the signature is not base64url");
        return new CompactJws(object(s, 0, first, "header"), object(s, first + 1, second, "payload"), s, second);
    }

    private static Map<String, Object> object(String s, int from, int to, String what) throws Invalid {
        if (!base64url(s, from, to)) throw new Invalid("the " + what + " is not base64url");
        byte[] json;
        try {
            json = java.util.Base64.getUrlDecoder().decode(s.substring(from, to));
        } catch (IllegalArgumentException e) { // a length no base64 has (4n + 1)
            throw new Invalid("the " + what + " is not base64url");
        }
        try {
            return Json.parseObject(json); // strict UTF-8 and RFC 8259, bounded
        } catch (Json.JsonException | RuntimeException e) { // whatever the reader throws is a refusal, never a 500
            throw new Invalid("the " + what + " is not a JSON object");
        }
    }

    /** RFC 4648 §5 alphabet, no padding (RFC 7515 §2). */
    static boolean base64url(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
        }
        return true;
    }

    public Map<String, Object> header() {
        return header;
    }

    public Map<String, Object> claims() {
        return claims;
    }

    /** A header parameter that must be a string when present: null when absent, Invalid when of another type. */
    public String headerString(String name) throws Invalid {
        return string(header, name);
    }

    /** A claim that must be a string when present (RFC 7519 §4.1: iss, sub, jti…). */
    public String claimString(String name) throws Invalid {
        return string(claims, name);
    }

    private static String string(Map<String, Object> m, String name) throws Invalid {
        Object v = m.get(name);
        if (v == null || v instanceof String) return (String) v;
        throw new Invalid(name + " is not a string");
    }

    /** RFC 7519 §4.1.3: aud, a string or an array of strings; empty when absent. */
    public List<String> audience() throws Invalid {
        Object v = claims.get("aud");
        if (v == null) return List.of();
        if (v instanceof String) return List.of((String) v);
        if (v instanceof List<?>) {
            for (Object a : (List<?>) v) if (!(a instanceof String)) throw new Invalid("aud holds a value that is not a string");
            @SuppressWarnings("unchecked") List<String> l = (List<String>) v;
            return l;
        }
        throw new Invalid("aud is neither a string nor an array of strings");
    }

    /**
     * RFC 7519 §2 NumericDate, in whole seconds (a fraction is cut off, as Nimbus's parser does); null when absent.
     * A value that is not a number, or is beyond any date a JWT can carry, is Invalid.
     */
    public Long numericDate(String name) throws Invalid {
        Object v = claims.get(name);
        if (v == null) return null;
        if (v instanceof Integer || v instanceof Long) {
            long l = ((Number) v).longValue();
            if (l > -LIMIT_SECONDS && l < LIMIT_SECONDS) return l; // no overflow in the callers' arithmetic (Math.abs(Long.MIN_VALUE) is negative)
        } else if (v instanceof Double) {
            double d = (Double) v;
            if (Double.isFinite(d) && Math.abs(d) < LIMIT_SECONDS) return (long) Math.floor(d);
        } else if (v instanceof BigDecimal) {
            BigDecimal d = (BigDecimal) v;
            // Bounded before any arithmetic: 1e-4000000 is a BigDecimal of scale 4,000,000, and rescaling it costs seconds.
            if (d.scale() <= 20 && d.precision() - d.scale() <= 16 && d.abs().compareTo(LIMIT) < 0) {
                return d.setScale(0, java.math.RoundingMode.FLOOR).longValueExact();
            }
        }
        throw new Invalid(name + " is not a NumericDate within range"); // a string, boolean, array, object, or too large
    }

    /** Beyond any date a JWT carries (year ≈ 31 million): larger values are refused, not wrapped. */
    private static final long LIMIT_SECONDS = 1_000_000_000_000_000L;
    private static final BigDecimal LIMIT = BigDecimal.valueOf(LIMIT_SECONDS);

    /** Headers built once per algorithm: a verifier reads only alg (and crit, which {@link #checkNoCrit} refuses before). */
    private static final Map<String, JWSHeader> HEADERS = Map.of(
            "ES256", new JWSHeader(JWSAlgorithm.ES256), "EdDSA", new JWSHeader(JWSAlgorithm.EdDSA),
            "RS256", new JWSHeader(JWSAlgorithm.RS256), "PS256", new JWSHeader(JWSAlgorithm.PS256));

    /** RFC 7515 §4.1.11: no extension is understood here, so a JWS that names any (even an empty list) is refused. */
    public void checkNoCrit() throws Invalid {
        if (header.containsKey("crit")) throw new Invalid("crit header (RFC 7515 §4.1.11)");
    }

    /**
     * RFC 7515 §5.2 item 8: the signature over ASCII(header '.' payload) as sent, by a verifier of an algorithm
     * the caller already checked ({@code alg} is one of ES256, EdDSA, RS256, PS256).
     */
    public boolean verify(String alg, JWSVerifier verifier) {
        JWSHeader h = HEADERS.get(alg);
        if (h == null) return false;
        byte[] signingInput = text.substring(0, secondDot).getBytes(StandardCharsets.US_ASCII);
        try {
            return verifier.verify(h, signingInput, new Base64URL(text.substring(secondDot + 1)));
        } catch (JOSEException | RuntimeException e) {
            return false;
        }
    }
}
