package org.gatehouse.client;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The real JDK transport, counting requests per path (a decorator over real HTTP, not a mock). */
final class CountingTransport implements Transport {
    private final Transport real = Transport.jdk();
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

    @Override
    public Response send(HttpRequest request) throws IOException, InterruptedException {
        counts.computeIfAbsent(request.method() + " " + request.uri().getPath(), k -> new AtomicInteger()).incrementAndGet();
        return real.send(request);
    }

    int count(String methodAndPath) {
        AtomicInteger c = counts.get(methodAndPath);
        return c == null ? 0 : c.get();
    }
}
