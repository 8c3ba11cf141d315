package org.gatehouse.server.http;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first half of a graceful stop: every connector stops accepting (its listening socket closes, so
 * new connections are refused and a load balancer moves on), responses in flight get
 * {@code Connection: close}, idle keep-alive connections are closed after a second, and this waits until
 * no connection is left or the timeout passes. Requests already received are answered normally, never
 * with a 503. A connection the kernel had queued but Jetty not yet accepted at that instant is reset:
 * that is why readiness fails for GATEHOUSE_SHUTDOWN_DELAY first, so balancers stop sending before.
 */
public final class GracefulStop {
    private static final Logger LOG = LoggerFactory.getLogger(GracefulStop.class);

    private GracefulStop() {
    }

    /** The pause between failing readiness and closing the listener, while requests are still served. */
    public static void await(Duration delay) {
        if (delay.isZero()) return;
        LOG.info("shutting down: /health/ready answers 503, still serving for {} s", delay.toSeconds());
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static void drain(Server server, Duration timeout) {
        List<CompletableFuture<Void>> drained = new ArrayList<>();
        for (Connector c : server.getConnectors()) {
            drained.add(c.shutdown());
        }
        try {
            CompletableFuture.allOf(drained.toArray(new CompletableFuture[0])).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("connections still open after the shutdown timeout of {} s: closing them", timeout.toSeconds());
        } catch (ExecutionException e) {
            LOG.warn("draining connections failed: {}", e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
