package org.gatehouse.client;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/** JSON and form requests over a {@link Transport}, with the protocol's error handling in one place. */
final class Http {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** A parsed response: the status and the JSON object body (empty when there was none). */
    record Reply(int status, Map<String, Object> json) {
        String str(String field) {
            Object v = json.get(field);
            return v instanceof String ? (String) v : null;
        }

        boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    private final Transport transport;

    Http(Transport transport) {
        this.transport = transport;
    }

    Reply get(URI uri, String bearer) {
        HttpRequest.Builder b = base(uri).GET();
        if (bearer != null) b.header("Authorization", "Bearer " + bearer);
        return send(b, uri);
    }

    Reply sendJson(String method, URI uri, String bearer, Map<String, Object> body) {
        HttpRequest.Builder b = base(uri).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(Json.write(body)));
        if (bearer != null) b.header("Authorization", "Bearer " + bearer);
        return send(b, uri);
    }

    Reply delete(URI uri, String bearer) {
        return send(base(uri).header("Authorization", "Bearer " + bearer).DELETE(), uri);
    }

    /** A form POST authenticated with client_secret_basic (RFC 6749 §2.3.1). */
    Reply postForm(URI uri, String clientId, String clientSecret, Map<String, String> form) {
        HttpRequest.Builder b = base(uri).header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", basic(clientId, clientSecret))
                .POST(HttpRequest.BodyPublishers.ofString(form(form)));
        return send(b, uri);
    }

    /**
     * A form POST with extra headers and no Authorization header (client_secret_post carries the credentials in
     * the form; client assertions, RFC 7523 §2.2; DPoP, RFC 9449 §4.1).
     */
    Reply postForm(URI uri, Map<String, String> form, Map<String, String> headers) {
        HttpRequest.Builder b = base(uri).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(form)));
        headers.forEach(b::header);
        return send(b, uri);
    }

    /** RFC 6749 §2.3.1: client id and secret are form-encoded before they are joined and base64-encoded. */
    static String basic(String user, String password) {
        String raw = enc(user) + ":" + enc(password);
        return "Basic " + Base64.getEncoder().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Only https, or plain http to a loopback address (development and tests): credentials must
     * never cross a network in clear.
     */
    static URI checkedUri(String value, String what) {
        URI u;
        try {
            u = new URI(value);
        } catch (Exception e) {
            throw new IllegalArgumentException(what + " is not a URI");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (u.getHost() == null || u.getRawFragment() != null || u.getRawUserInfo() != null) {
            throw new IllegalArgumentException(what + " must be an absolute URL with a host, no user info and no fragment");
        }
        if (scheme.equals("https")) return u;
        if (scheme.equals("http") && isLoopback(u.getHost())) return u;
        throw new IllegalArgumentException(what + " must use https (plain http is accepted only for a loopback address)");
    }

    static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.startsWith("127.") || h.equals("[::1]") || h.equals("::1");
    }

    private static HttpRequest.Builder base(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Accept", "application/json");
    }

    private Reply send(HttpRequest.Builder b, URI uri) {
        Transport.Response r;
        try {
            r = transport.send(b.build());
        } catch (IOException e) {
            throw new ServerUnavailableException("cannot reach " + origin(uri) + ": " + describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServerUnavailableException("interrupted while talking to " + origin(uri), e);
        }
        if (r.status() == 429) throw rateLimited(uri, r);
        if (r.status() >= 500) {
            throw new ServerUnavailableException(origin(uri) + " answered HTTP " + r.status());
        }
        String body = r.body() == null ? "" : r.body().strip();
        if (body.isEmpty()) return new Reply(r.status(), Map.of());
        try {
            return new Reply(r.status(), Json.parseObject(body));
        } catch (Json.JsonException e) {
            throw new ServerUnavailableException(origin(uri) + " answered HTTP " + r.status() + " with a body that is not a JSON object");
        }
    }

    /** HTTP 429 (RFC 6585 §4) with its Retry-After (RFC 9110 §10.2.3: seconds or an HTTP date). */
    private static RateLimitedException rateLimited(URI uri, Transport.Response r) {
        String error = null;
        try {
            Object e = r.body() == null || r.body().isBlank() ? null : Json.parseObject(r.body().strip()).get("error");
            if (e instanceof String) error = (String) e;
        } catch (Json.JsonException ignored) {
            // the status says enough
        }
        Duration after = r.headers() == null ? null : r.headers().firstValue("Retry-After").map(Http::retryAfter).orElse(null);
        return new RateLimitedException(origin(uri) + " asks to slow down (HTTP 429" + (error == null ? "" : ", " + error) + ")"
                + (after == null ? "" : "; retry after " + after.toSeconds() + " s"), after);
    }

    /** @return the wait a Retry-After value asks for, or null when it is neither delta-seconds nor an HTTP date */
    static Duration retryAfter(String value) {
        String v = value.strip();
        try {
            if (v.matches("[0-9]{1,9}")) return Duration.ofSeconds(Long.parseLong(v));
            java.time.ZonedDateTime at = java.time.ZonedDateTime.parse(v, java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME);
            Duration d = Duration.between(java.time.Instant.now(), at.toInstant());
            return d.isNegative() ? Duration.ZERO : d;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Turns an error reply into the exception it means (RFC 6749 §5.2 shape). */
    static ServerErrorException error(String what, Reply r) {
        return new ServerErrorException(what, r.status(), r.str("error"), r.str("error_description"));
    }

    static String origin(URI u) {
        return u.getScheme() + "://" + u.getRawAuthority();
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : " (" + m + ")");
    }

    private static String form(Map<String, String> form) {
        StringJoiner j = new StringJoiner("&");
        form.forEach((k, v) -> j.add(enc(k) + "=" + enc(v)));
        return j.toString();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
