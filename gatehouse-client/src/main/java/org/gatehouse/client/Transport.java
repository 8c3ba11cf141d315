package org.gatehouse.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Sends one HTTP request. The default is the JDK's HttpClient; an application may pass its own
 * (for a proxy, or to count requests in a test). Redirects are never followed.
 */
@FunctionalInterface
public interface Transport {
    /** An HTTP response with its body as text (at most {@link #MAX_BODY} bytes are read). */
    record Response(int status, java.net.http.HttpHeaders headers, String body) {
    }

    int MAX_BODY = 1 << 20;

    Response send(HttpRequest request) throws IOException, InterruptedException;

    static Transport jdk() {
        HttpClient client = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        return request -> {
            HttpResponse<InputStream> r = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = r.body()) {
                byte[] body = in.readNBytes(MAX_BODY + 1);
                if (body.length > MAX_BODY) throw new IOException("response body larger than " + MAX_BODY + " bytes");
                return new Response(r.statusCode(), r.headers(), new String(body, StandardCharsets.UTF_8));
            }
        };
    }
}
