package org.gatehouse.client;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpRequest;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Real HTTP to the test server, with the failures desktops meet switched on by the test: a frozen
 * server (requests block until thawed, as under SIGSTOP), a server that is down, a scripted reply,
 * or an action run just before a request is sent. Counts the requests that reach the server.
 */
final class ControlledTransport implements Transport {
    private final Transport real = Transport.jdk();
    private final java.util.Queue<String> sent = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private volatile Predicate<HttpRequest> frozen = r -> false;
    private volatile CountDownLatch thaw = new CountDownLatch(1);
    /** One permit per request that has started to block on the frozen server. */
    final Semaphore blocked = new Semaphore(0);
    private volatile boolean down;
    private volatile Function<HttpRequest, Response> scripted = r -> null;
    private volatile Consumer<HttpRequest> before = r -> { };

    /** Requests matching {@code which} block (interruptibly) until {@link #thaw()}. */
    void freeze(Predicate<HttpRequest> which) {
        thaw = new CountDownLatch(1);
        frozen = which;
    }

    void thaw() {
        frozen = r -> false;
        thaw.countDown();
    }

    void down(boolean isDown) {
        down = isDown;
    }

    /** A reply for the requests the function answers (non-null), instead of the server's. */
    void script(Function<HttpRequest, Response> replies) {
        scripted = replies;
    }

    void before(Consumer<HttpRequest> action) {
        before = action;
    }

    /** Requests that reached the server whose "METHOD /path" starts with the argument. */
    int count(String methodAndPathPrefix) {
        return (int) sent.stream().filter(k -> k.startsWith(methodAndPathPrefix)).count();
    }

    static Predicate<HttpRequest> is(String method, String path) {
        return r -> r.method().equals(method) && r.uri().getPath().startsWith(path);
    }

    @Override
    public Response send(HttpRequest request) throws IOException, InterruptedException {
        before.accept(request);
        if (frozen.test(request)) {
            CountDownLatch latch = thaw;
            blocked.release();
            latch.await();
        }
        if (down) throw new ConnectException("Connection refused");
        Response r = scripted.apply(request);
        if (r != null) return r;
        sent.add(request.method() + " " + request.uri().getPath());
        return real.send(request);
    }
}
