package org.gatehouse.server.oauth;

import org.gatehouse.server.errors.OAuthError;

import com.nimbusds.oauth2.sdk.util.URLUtils;
import io.javalin.http.Context;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.text.Text;

/** Reading protocol requests: form bodies, JSON bodies, bearer tokens, the caller's address. */
public final class Requests {
    private Requests() {
    }

    /**
     * RFC 6749 §3.2 / RFC 7662 §2.1 / RFC 7009 §2.1: an application/x-www-form-urlencoded body.
     * Parameters must not repeat; a parameter without a value counts as omitted (RFC 6749 §3.1).
     */
    public static Map<String, String> form(Context ctx) {
        return form(ctx, null, null);
    }

    /**
     * As {@link #form(Context)}, except that {@code repeatable} may appear several times (RFC 8707 §2:
     * "resource"); its values go to {@code repeated} in order, not into the map.
     */
    public static Map<String, String> form(Context ctx, String repeatable, List<String> repeated) {
        return form(input(ctx), repeatable, repeated);
    }

    /** As {@link #form(Context, String, List)}, from either HTTP layer (Javalin's or the bare handler of POST /token). */
    public static Map<String, String> form(Input in, String repeatable, List<String> repeated) {
        if (!hasType(in.header("Content-Type"), "application/x-www-form-urlencoded")) {
            throw OAuthError.invalidRequest("Content-Type must be application/x-www-form-urlencoded");
        }
        String body = in.body(); // over GATEHOUSE_MAX_BODY_BYTES: 413, not a malformed form
        if (!wellFormedEscapes(body)) {
            // A lenient decoder would drop or keep a bad escape as it is ("scope=%zz" read as no scope at all).
            throw OAuthError.invalidRequest("the form body is malformed (every % must start a %XX escape)");
        }
        if (parameters(body) > MAX_FORM_PARAMETERS) {
            // Before any parser: Nimbus's merges repeated names in time quadratic in their count (a 40 KB body of
            // "&a=1" cost seconds of CPU), and no OAuth request needs more (RFC 8707 resource repeats a few times).
            throw OAuthError.invalidRequest("the form body has more than " + MAX_FORM_PARAMETERS + " parameters");
        }
        Map<String, List<String>> raw = plainForm(body);
        if (raw == null) {
            try {
                raw = URLUtils.parseParameters(body);
            } catch (RuntimeException e) {
                throw OAuthError.invalidRequest("the form body is malformed");
            }
        }
        Map<String, String> out = new HashMap<>();
        for (Map.Entry<String, List<String>> e : raw.entrySet()) {
            if (e.getKey().equals(repeatable)) {
                for (String v : e.getValue()) {
                    if (v != null && !v.isEmpty()) repeated.add(v);
                }
                continue;
            }
            List<String> values = e.getValue();
            if (values.size() > 1) {
                throw OAuthError.invalidRequest("parameter '" + Text.printable(e.getKey()) + "' is repeated (RFC 6749 §3.2)");
            }
            if (!values.isEmpty() && values.get(0) != null && !values.get(0).isEmpty()) {
                out.put(e.getKey(), values.get(0));
            }
        }
        return out;
    }

    /** A JSON object body (RFC 7591 §3.1 / RFC 7592 §2.2). */
    public static Map<String, Object> jsonObject(Context ctx) {
        if (!hasType(ctx, "application/json")) {
            throw OAuthError.invalidRequest("Content-Type must be application/json");
        }
        try {
            return Json.parseObject(ctx.bodyAsBytes()); // the bytes: not UTF-8 is refused (RFC 8259 §8.1), not replaced
        } catch (Json.JsonException e) {
            throw OAuthError.invalidClientMetadata(e.getMessage());
        }
    }

    /**
     * RFC 6750 §2.1: the token from "Authorization: Bearer …". A missing header or another scheme
     * is a request without usable credentials: a bare challenge (§3.1).
     */
    public static String bearer(Context ctx) {
        String h = ctx.header("Authorization");
        if (h == null || h.isBlank() || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw OAuthError.bearerMissing("an Authorization: Bearer token is required");
        }
        if (h.strip().length() <= 6) {
            throw OAuthError.invalidToken("the Bearer token is empty");
        }
        return h.substring(7).trim();
    }

    /** RFC 9449 §4.1: the DPoP header, or null; §4.3 item 1: at most one. */
    public static String dpop(Context ctx) {
        return dpop(input(ctx));
    }

    public static String dpop(Input in) {
        java.util.Iterator<String> values = in.headers("DPoP");
        if (values == null || !values.hasNext()) return null;
        String proof = values.next();
        if (values.hasNext()) throw OAuthError.invalidDpopProof("send one DPoP header (RFC 9449 §4.3)");
        return proof.trim();
    }

    /**
     * A protocol request as the endpoints read it: through Javalin's {@link Context} ({@link #input(Context)}) or through
     * the bare Jetty handler that answers POST /token ahead of Javalin (http/TokenHandler, issue 18 Must 2). The same
     * parsing and the same rules run on both.
     */
    public interface Input {
        /** The first value of a request header, or null. */
        String header(String name);

        /** Every value of a request header, one per header line, in order. */
        java.util.Iterator<String> headers(String name);

        /** The body as text; over GATEHOUSE_MAX_BODY_BYTES: 413. */
        String body();

        /** The caller's address ({@link #clientAddress(Context)}). */
        String clientAddress();
    }

    public static Input input(Context ctx) {
        return new Input() {
            @Override
            public String header(String name) {
                return ctx.header(name);
            }

            @Override
            public java.util.Iterator<String> headers(String name) {
                java.util.Enumeration<String> values = ctx.req().getHeaders(name);
                return values == null ? java.util.Collections.emptyIterator() : values.asIterator();
            }

            @Override
            public String body() {
                return ctx.body();
            }

            @Override
            public String clientAddress() {
                return Requests.clientAddress(ctx);
            }
        };
    }

    /** Attribute under which the HTTP layer stores the resolved client address of each request. */
    public static final String CLIENT_ADDRESS = "gatehouse.client_address";

    /**
     * The caller's address: the socket's peer, or what a configured trusted proxy reports
     * (resolved once per request by the HTTP layer), never a client-supplied header alone.
     */
    public static String clientAddress(Context ctx) {
        String a = ctx.attribute(CLIENT_ADDRESS);
        return a != null ? a : ctx.req().getRemoteAddr();
    }

    public static Actor actor(Context ctx) {
        return new Actor("anonymous", clientAddress(ctx));
    }

    /**
     * The common form body (issue 18 Must 2: the token path's form parse without Nimbus's split and URL decoder):
     * unreserved characters (RFC 3986 §2.3), '=', '&amp;' and %XX escapes of printable ASCII (as in
     * {@code client_assertion_type=urn%3Aietf%3A…}, RFC 7523 §2.2), every parameter non-empty with an '='. Null for
     * anything else ('+', escapes of other bytes, malformed escapes, other characters), which the general parser
     * reads; on the bodies this accepts the two give the same map (FormParseTest).
     */
    static Map<String, List<String>> plainForm(String body) {
        int n = body.length();
        if (n == 0 || n > 4096) return null;
        Map<String, List<String>> out = new HashMap<>(8);
        int start = 0;
        int eq = -1;
        boolean escaped = false;
        for (int i = 0; i <= n; i++) {
            char c = i < n ? body.charAt(i) : '&';
            if (c == '&') {
                if (eq < 0 || i == start) return null; // an empty parameter or one without '=': the general parser
                String key = escaped ? unescape(body, start, eq) : body.substring(start, eq);
                String value = escaped ? unescape(body, eq + 1, i) : body.substring(eq + 1, i);
                out.computeIfAbsent(key, k -> new java.util.ArrayList<>(1)).add(value);
                start = i + 1;
                eq = -1;
                escaped = false;
            } else if (c == '=') {
                if (eq < 0) eq = i;
            } else if (c == '%') {
                int hi = i + 2 < n ? hex(body.charAt(i + 1)) : -1;
                int lo = hi >= 0 ? hex(body.charAt(i + 2)) : -1;
                if (lo < 0 || hi < 2 || hi > 7 || (hi == 7 && lo == 15)) return null; // only 0x20-0x7E; the rest: the general parser
                escaped = true;
                i += 2;
            } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~')) {
                return null;
            }
        }
        return out;
    }

    /** An ASCII hex digit's value, else -1 (Character.digit would take other scripts' digits too). */
    private static int hex(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }

    /** body[from, to) with its %XX escapes (checked by plainForm: printable ASCII) decoded. */
    private static String unescape(String body, int from, int to) {
        StringBuilder sb = new StringBuilder(to - from);
        for (int i = from; i < to; i++) {
            char c = body.charAt(i);
            if (c == '%') {
                sb.append((char) (hex(body.charAt(i + 1)) * 16 + hex(body.charAt(i + 2))));
                i += 2;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Parameters a form body may hold (separators counted, so empty ones too). */
    static final int MAX_FORM_PARAMETERS = 256;

    private static int parameters(String body) {
        int n = 1;
        for (int i = body.indexOf('&'); i >= 0; i = body.indexOf('&', i + 1)) n++;
        return n;
    }

    /** application/x-www-form-urlencoded: no '%' except at the start of a %XX escape. */
    private static boolean wellFormedEscapes(String body) {
        for (int i = body.indexOf('%'); i >= 0; i = body.indexOf('%', i + 3)) {
            if (i + 2 >= body.length() || hex(body.charAt(i + 1)) < 0 || hex(body.charAt(i + 2)) < 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean hasType(Context ctx, String expected) {
        return hasType(ctx.header("Content-Type"), expected);
    }

    private static boolean hasType(String ct, String expected) {
        if (ct == null) return false;
        int semi = ct.indexOf(';');
        String base = (semi < 0 ? ct : ct.substring(0, semi)).trim();
        return base.equalsIgnoreCase(expected);
    }
}
