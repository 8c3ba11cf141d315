package org.gatehouse.server.testing;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import net.minidev.json.JSONObject;
import net.minidev.json.JSONValue;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

/**
 * A small HTTP client for tests: real HTTP/1.1 requests over loopback with keep-alive.
 *
 * <p>Jetty's client, not the JDK's: the JDK HttpClient can deliver a reused connection's response
 * to the reader that watches idle pooled connections (JDK-8338569, JDK-8357639, still seen on
 * 25.0.3 as "HTTP/1.1 header parser received no bytes" caused by "Data received while in pool"),
 * which failed a request at random about once in 100,000. One client serves every test server
 * (a connection pool per address); its threads are daemons.
 */
public final class Http {
    private static final HttpClient CLIENT = start();
    private final String base;

    public Http(String base) {
        this.base = base;
    }

    private static HttpClient start() {
        QueuedThreadPool threads = new QueuedThreadPool(64, 4);
        threads.setName("test-http");
        threads.setDaemon(true);
        HttpClient c = new HttpClient();
        c.setExecutor(threads);
        c.setScheduler(new ScheduledExecutorScheduler("test-http-scheduler", true));
        c.setConnectTimeout(5_000);
        c.setIdleTimeout(10_000); // shorter than the server's, so the client is the one that closes idle connections
        c.setFollowRedirects(false);
        c.setMaxConnectionsPerDestination(512); // RaceTest sends 250 registrations at once
        c.setMaxRequestsQueuedPerDestination(4096);
        c.setUserAgentField(null);
        c.setHttpCookieStore(new HttpCookieStore.Empty()); // a test sends exactly the cookies it means to
        c.getContentDecoderFactories().clear(); // no Accept-Encoding: requests as plain as the JDK client's were
        try {
            c.start();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return c;
    }

    /**
     * Closes this client's idle keep-alive connections to the server at {@code base} (as a browser going away
     * does), before that server stops: a graceful stop waits for open connections to end, and an idle one
     * ends only after Jetty's shutdown idle timeout (1 s), once per server a test closes.
     */
    public static void closeConnections(String base) {
        URI uri = URI.create(base);
        for (org.eclipse.jetty.client.Destination d : CLIENT.getDestinations()) {
            org.eclipse.jetty.client.Origin.Address a = d.getOrigin().getAddress();
            if (a.getPort() == uri.getPort() && a.getHost().equals(uri.getHost())) {
                CLIENT.removeDestination(d);
                org.eclipse.jetty.util.component.LifeCycle.stop(d);
            }
        }
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
        Request r = request(path, HttpMethod.GET);
        if (bearer != null) r.headers(h -> h.put("Authorization", "Bearer " + bearer));
        return send(r);
    }

    public Response getWithHeaders(String path, Map<String, String> headers) {
        Request r = request(path, HttpMethod.GET);
        r.headers(h -> headers.forEach(h::add));
        return send(r);
    }

    public Response get(String path) {
        return get(path, null);
    }

    public Response postJson(String path, String bearer, String json) {
        Request r = request(path, HttpMethod.POST).body(new StringRequestContent("application/json", json));
        if (bearer != null) r.headers(h -> h.put("Authorization", "Bearer " + bearer));
        return send(r);
    }

    public Response putJson(String path, String bearer, String json) {
        Request r = request(path, HttpMethod.PUT).body(new StringRequestContent("application/json", json));
        if (bearer != null) r.headers(h -> h.put("Authorization", "Bearer " + bearer));
        return send(r);
    }

    public Response delete(String path, String bearer) {
        Request r = request(path, HttpMethod.DELETE);
        if (bearer != null) r.headers(h -> h.put("Authorization", "Bearer " + bearer));
        return send(r);
    }

    /** A form POST; basicUser/basicPassword may be null for no Authorization header. */
    public Response postForm(String path, String basicUser, String basicPassword, Map<String, String> form) {
        Request r = request(path, HttpMethod.POST).body(new StringRequestContent("application/x-www-form-urlencoded", form(form)));
        if (basicUser != null) r.headers(h -> h.put("Authorization", basic(basicUser, basicPassword)));
        return send(r);
    }

    /** A POST with exactly the given content type (none when null) and extra headers. */
    public Response postRaw(String path, String contentType, String body, Map<String, String> headers) {
        return exchange("POST", path, contentType, body, headers);
    }

    /**
     * A request repeated while the server answers 503, its documented "try again" (no database connection within the
     * pool's wait, as on a loaded machine; nothing was written), so that a race test sees only definite answers.
     */
    public static Response untilNot503(java.util.function.Supplier<Response> request) {
        for (int tries = 0; ; tries++) {
            Response r = request.get();
            if (r.status() != 503 || tries == 50) return r;
        }
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

    /** Any request exactly as given: a method, a body and its content type (both may be null), headers. */
    public Response exchange(String method, String path, String contentType, String body, Map<String, String> headers) {
        return exchangeLines(method, path, contentType, body, List.copyOf(headers.entrySet()));
    }

    /** As {@link #exchange}, with header lines sent in this order, a name once per entry (e.g. two X-Forwarded-For lines). */
    public Response exchangeLines(String method, String path, String contentType, String body, List<Map.Entry<String, String>> lines) {
        Request r = request(path, HttpMethod.fromString(method));
        if (body != null) r.body(new StringRequestContent(contentType, body, StandardCharsets.UTF_8));
        r.headers(h -> lines.forEach(line -> h.add(line.getKey(), line.getValue())));
        return send(r);
    }

    private Request request(String path, HttpMethod method) {
        return CLIENT.newRequest(URI.create(path.startsWith("http") ? path : base + path))
                .method(method)
                .timeout(30, TimeUnit.SECONDS);
    }

    private static Response send(Request request) {
        try {
            ContentResponse r = request.send();
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (HttpField f : r.getHeaders()) headers.computeIfAbsent(f.getName(), k -> new ArrayList<>()).add(f.getValue());
            return new Response(r.getStatus(), java.net.http.HttpHeaders.of(headers, (k, v) -> true), r.getContentAsString());
        } catch (ExecutionException | TimeoutException e) {
            throw new java.io.UncheckedIOException(new java.io.IOException(e.getMessage(), e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
