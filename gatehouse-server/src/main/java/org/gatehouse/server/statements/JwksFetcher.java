package org.gatehouse.server.statements;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Fetches a publisher's JWKS from its URL: https (plain http only to a loopback address), no
 * redirects, short timeouts, a size limit.
 */
public final class JwksFetcher {
    static final int MAX_BYTES = 256 * 1024;
    private final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    /** Checks a JWKS URL before it is stored. */
    public static URI checkUrl(String url) {
        URI u;
        try {
            u = new URI(url);
        } catch (Exception e) {
            throw new IllegalArgumentException("the JWKS URL is not a URL");
        }
        if (url.length() > 2000 || u.getHost() == null || u.getRawUserInfo() != null || u.getRawFragment() != null) {
            throw new IllegalArgumentException("the JWKS URL must be an absolute https URL without user info or fragment");
        }
        if ("https".equalsIgnoreCase(u.getScheme())) return u;
        if ("http".equalsIgnoreCase(u.getScheme()) && loopback(u.getHost())) return u;
        throw new IllegalArgumentException("the JWKS URL must use https (plain http is allowed only to a loopback address)");
    }

    private static boolean loopback(String host) {
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (h.equalsIgnoreCase("localhost")) return true;
        if (!h.matches("[0-9.]+|[0-9A-Fa-f:]+")) return false; // literal addresses only: no lookup decides this
        try {
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }

    /** The JWKS document's text; IOException for every failure. */
    public String fetch(String url) throws IOException {
        HttpRequest req = HttpRequest.newBuilder(checkUrl(url)).timeout(Duration.ofSeconds(10))
                .header("Accept", "application/jwk-set+json, application/json").GET().build();
        try {
            HttpResponse<InputStream> r = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = r.body()) {
                if (r.statusCode() != 200) throw new IOException("HTTP " + r.statusCode());
                byte[] body = in.readNBytes(MAX_BYTES + 1);
                if (body.length > MAX_BYTES) throw new IOException("larger than " + MAX_BYTES + " bytes");
                return new String(body, StandardCharsets.UTF_8);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage());
        }
    }
}
