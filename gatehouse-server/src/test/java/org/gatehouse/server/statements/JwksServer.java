package org.gatehouse.server.statements;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** A publisher's JWKS endpoint on loopback, whose document a test can change; counts fetches. */
final class JwksServer implements AutoCloseable {
    final AtomicReference<String> jwks = new AtomicReference<>();
    final AtomicInteger fetches = new AtomicInteger();
    /** The status it answers with (200 unless a test changes it); the body is the document either way. */
    final AtomicInteger status = new AtomicInteger(200);
    private final HttpServer server;

    JwksServer(String initial) throws IOException {
        jwks.set(initial);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/jwks.json", ex -> {
            fetches.incrementAndGet();
            byte[] body = jwks.get().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/jwk-set+json");
            if (status.get() / 100 == 3) ex.getResponseHeaders().add("Location", "http://127.0.0.1:9/elsewhere");
            ex.sendResponseHeaders(status.get(), body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json";
    }

    int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
