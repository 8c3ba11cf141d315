package org.gatehouse.client;

import java.io.IOException;
import java.net.http.HttpRequest;

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

    /**
     * A new transport over one JDK HttpClient (made on first use). Close it when done if it is
     * {@link AutoCloseable}; builders that make their own close it with the client or verifier.
     */
    static Transport jdk() {
        return new JdkTransport();
    }
}
