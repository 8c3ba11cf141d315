package org.gatehouse.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.gatehouse.client.ControlledTransport.is;

import java.net.http.HttpHeaders;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 item 4: a frozen or failing server never blocks a caller that has a valid token; the
 * backoff counts from the end of a failed attempt, honours Retry-After, ignores the caller's own
 * interrupt and can be ended with retryNow(). Time is a hand-moved clock; the frozen server is a
 * transport that blocks until thawed. Timeouts below only bound a failure, they never pass a test.
 */
class TokenSourceOutageTest {
    private static final long BOUND_S = 60;

    @TempDir
    Path tmp;
    private final MutableClock clock = MutableClock.now();
    private final ControlledTransport http = new ControlledTransport();

    /** Enrolled with the shared server, on this test's clock and transport. */
    private GatehouseClient enrolled(GatehouseClient.Builder b) {
        GatehouseClient gh = b.transport(http).clock(clock).build();
        gh.enrol(Fixtures.tokenFile(TestServer.shared(Backend.H2), tmp, 1, null));
        return gh;
    }

    @Test
    void callersGetTheCachedTokenAtOnceWhileTheServerIsFrozen() throws Exception {
        GatehouseClient gh = enrolled(Fixtures.client(tmp.resolve("store")));
        AccessToken first = gh.tokenSource().token();

        http.freeze(is("POST", "/token"));
        clock.advance(Duration.between(first.obtainedAt(), first.renewAt())); // renewal due, token still valid
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<AccessToken>> callers = new ArrayList<>();
            for (int i = 0; i < 8; i++) callers.add(pool.submit(() -> gh.tokenSource().token()));
            for (Future<AccessToken> f : callers) {
                assertThat(f.get(BOUND_S, TimeUnit.SECONDS)).isSameAs(first); // none waits for the frozen server
            }
            // exactly one renewal is in flight, stuck at the frozen server
            assertThat(http.blocked.tryAcquire(BOUND_S, TimeUnit.SECONDS)).isTrue();
            assertThat(gh.tokenSource().token()).isSameAs(first);
            assertThat(http.blocked.availablePermits()).isZero();
        } finally {
            pool.shutdownNow();
        }

        http.thaw();
        clock.advance(Duration.between(clock.instant(), first.expiresAt())); // the old one expired: wait for the renewal
        AccessToken second = gh.tokenSource().token();
        assertThat(second.value()).isNotEqualTo(first.value());
        assertThat(http.count("POST /token")).isEqualTo(2);
    }

    @Test
    void aCallersInterruptIsNoServerFailureAndTheWaitIsInterruptible() throws Exception {
        GatehouseClient gh = enrolled(Fixtures.client(tmp.resolve("store")));
        http.freeze(is("POST", "/token"));

        AtomicReference<Throwable> fetcherFailure = new AtomicReference<>();
        AtomicReference<Throwable> waiterFailure = new AtomicReference<>();
        Thread fetcher = new Thread(() -> capture(gh, fetcherFailure));
        fetcher.start();
        assertThat(http.blocked.tryAcquire(BOUND_S, TimeUnit.SECONDS)).isTrue(); // its request hangs
        Thread waiter = new Thread(() -> capture(gh, waiterFailure));
        waiter.start();
        waitUntilWaiting(waiter);

        waiter.interrupt(); // the lock is interruptible
        waiter.join(TimeUnit.SECONDS.toMillis(BOUND_S));
        assertThat(waiter.isAlive()).isFalse();
        assertThat(waiterFailure.get()).isInstanceOf(ServerUnavailableException.class).hasMessageContaining("interrupted");

        fetcher.interrupt(); // e.g. the app cancels the task that asked for a token
        fetcher.join(TimeUnit.SECONDS.toMillis(BOUND_S));
        assertThat(fetcher.isAlive()).isFalse();
        assertThat(fetcherFailure.get()).isInstanceOf(ServerUnavailableException.class).hasMessageContaining("interrupted");

        // not counted as a server failure: the next caller asks at once, and gets a token
        http.thaw();
        assertThat(gh.tokenSource().accessToken()).isNotEmpty();
        assertThat(http.count("POST /token")).isEqualTo(1);
    }

    @Test
    void backoffCountsFromTheEndOfTheFailedAttemptAndRetryNowEndsIt() {
        List<String> events = new ArrayList<>();
        GatehouseClient gh = enrolled(Fixtures.client(tmp.resolve("store")).listener(new ClientListener() {
            @Override
            public void backingOff(int failures, java.time.Instant nextAttempt, GatehouseClientException cause) {
                events.add("backoff " + failures);
            }
        }));
        // a request that takes 30 s (a connect timeout) and then fails
        http.before(r -> {
            if (r.uri().getPath().equals("/token")) clock.advance(Duration.ofSeconds(30));
        });
        http.down(true);
        assertThatThrownBy(() -> gh.tokenSource().token()).isInstanceOf(ServerUnavailableException.class).hasMessageContaining("cannot reach");
        // the first backoff (at most 1 s) runs from the end of that attempt, not from its start 30 s ago
        assertThatThrownBy(() -> gh.tokenSource().token()).isInstanceOf(ServerUnavailableException.class)
                .hasMessageContaining("not asking the server again");
        assertThat(events).containsExactly("backoff 1");

        http.down(false);
        gh.tokenSource().retryNow(); // e.g. the user pressed "retry"
        assertThat(gh.tokenSource().accessToken()).isNotEmpty();
    }

    @Test
    void aRateLimitIsNotARefusalAndItsRetryAfterIsHonoured() {
        GatehouseClient gh = enrolled(Fixtures.client(tmp.resolve("store")));
        int[] asked = {0};
        http.script(r -> {
            if (!r.uri().getPath().equals("/token")) return null;
            asked[0]++;
            return new Transport.Response(429, HttpHeaders.of(Map.of("Retry-After", List.of("120")), (a, b) -> true),
                    "{\"error\":\"slow_down\",\"error_description\":\"too many token requests: retry after 120 s\"}");
        });
        assertThatThrownBy(() -> gh.tokenSource().token()).isInstanceOfSatisfying(RateLimitedException.class,
                e -> assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(120))).hasMessageContaining("slow_down");
        clock.advance(Duration.ofSeconds(119)); // far beyond the first backoff, still within Retry-After
        assertThatThrownBy(() -> gh.tokenSource().token()).isInstanceOf(RateLimitedException.class)
                .hasMessageContaining("not asking the server again");
        assertThat(asked[0]).isEqualTo(1);

        http.script(r -> null);
        clock.advance(Duration.ofSeconds(2));
        assertThat(gh.tokenSource().accessToken()).isNotEmpty();
    }

    private static void capture(GatehouseClient gh, AtomicReference<Throwable> failure) {
        try {
            gh.tokenSource().token();
        } catch (Throwable t) {
            failure.set(t);
        }
    }

    /** Until the thread waits (on the token source's lock); bounded, never a fixed sleep. */
    private static void waitUntilWaiting(Thread t) throws Exception {
        CompletableFuture.runAsync(() -> {
            while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) Thread.onSpinWait();
        }).get(BOUND_S, TimeUnit.SECONDS);
    }
}
