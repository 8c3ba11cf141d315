package org.gatehouse.server.testing;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import net.minidev.json.JSONObject;
import net.minidev.json.JSONValue;

/** A small HTTP client for tests: real requests over loopback with the JDK's HttpClient. */
public final class Http {
    private final String base;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public Http(String base) {
        this.base = base;
    }

    public record Response(int status, java.net.http.HttpHeaders headers, String body) {
        @SuppressWarnings("unchecked")
        public Map<String, Object> json() {
            Object o = JSONValue.parse(body);
            if (!(o instanceof JSONObject)) throw new AssertionError("not a JSON object: " + body);
            return (Map<String, Object>) o;
        }

        public String str(String field) {
            return (String) json().get(field);
        }

        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    public Response get(String path, String bearer) {
        HttpRequest.Builder b = request(path);
        if (bearer != null) b.header("Authorization", "Bearer " + bearer);
        return send(b.GET());
    }

    public Response getWithHeaders(String path, Map<String, String> headers) {
        HttpRequest.Builder b = request(path);
        headers.forEach(b::header);
        return send(b.GET());
    }

    public Response get(String path) {
        return get(path, null);
    }

    public Response postJson(String path, String bearer, String json) {
        HttpRequest.Builder b = request(path).header("Content-Type", "application/json");
        if (bearer != null) b.header("Authorization", "Bearer " + bearer);
        return send(b.POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    public Response putJson(String path, String bearer, String json) {
        HttpRequest.Builder b = request(path).header("Content-Type", "application/json");
        if (bearer != null) b.header("Authorization", "Bearer " + bearer);
        return send(b.PUT(HttpRequest.BodyPublishers.ofString(json)));
    }

    public Response delete(String path, String bearer) {
        HttpRequest.Builder b = request(path);
        if (bearer != null) b.header("Authorization", "Bearer " + bearer);
        return send(b.DELETE());
    }

    /** A form POST; basicUser/basicPassword may be null for no Authorization header. */
    public Response postForm(String path, String basicUser, String basicPassword, Map<String, String> form) {
        HttpRequest.Builder b = request(path).header("Content-Type", "application/x-www-form-urlencoded");
        if (basicUser != null) b.header("Authorization", basic(basicUser, basicPassword));
        return send(b.POST(HttpRequest.BodyPublishers.ofString(form(form))));
    }

    public Response postRaw(String path, String contentType, String body, Map<String, String> headers) {
        HttpRequest.Builder b = request(path);
        if (contentType != null) b.header("Content-Type", contentType);
        headers.forEach(b::header);
        return send(b.POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    public static String basic(String user, String password) {
        // RFC 6749 §2.3.1: form-encode, then Basic.
        String raw = enc(user) + ":" + enc(password);
        return "Basic " + Base64.getEncoder().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    public static Map<String, String> params(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    public static String form(Map<String, String> form) {
        StringJoiner j = new StringJoiner("&");
        form.forEach((k, v) -> j.add(enc(k) + "=" + enc(v)));
        return j.toString();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(path.startsWith("http") ? path : base + path)).timeout(Duration.ofSeconds(30));
    }

    private Response send(HttpRequest.Builder b) {
        try {
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.headers(), r.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
