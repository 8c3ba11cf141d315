package org.gatehouse.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The default {@link Transport}: one JDK {@link HttpClient}, made on the first request (so a client
 * that never talks to the server starts no thread) and shared by everything that uses this
 * transport. {@link #close()} releases it: on JDK 21 and later HttpClient is AutoCloseable and
 * its threads end at once; on JDK 17 they end when the dropped client is garbage collected.
 */
final class JdkTransport implements Transport, AutoCloseable {
    private HttpClient client; // guarded by this
    private boolean closed;    // guarded by this

    @Override
    public Response send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<InputStream> r = client().send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            byte[] body = in.readNBytes(MAX_BODY + 1);
            if (body.length > MAX_BODY) throw new IOException("response body larger than " + MAX_BODY + " bytes");
            return new Response(r.statusCode(), r.headers(), new String(body, StandardCharsets.UTF_8));
        }
    }

    private synchronized HttpClient client() throws IOException {
        if (closed) throw new IOException("the Gatehouse client has been closed");
        if (client == null) {
            client = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(10))
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .build();
        }
        return client;
    }

    /** Whether an HttpClient exists (for tests: a client that sent nothing has none). */
    synchronized boolean started() {
        return client != null;
    }

    @Override
    public void close() {
        HttpClient c;
        synchronized (this) {
            closed = true;
            c = client;
            client = null;
        }
        if (c instanceof AutoCloseable) { // JDK 21+
            try {
                ((AutoCloseable) c).close();
            } catch (Exception ignored) {
                // closing releases threads; there is nothing to report
            }
        }
    }
}
