package org.gatehouse.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Caching, renewal, single flight, backoff and secret rotation, against a real server; time is a hand-moved clock. */
class TokenSourceTest {
    @TempDir
    Path tmp;

    @Test
    void oneRequestInFlightForManyThreads() throws Exception {
        TestServer s = TestServer.shared(Backend.H2);
        CountingTransport http = new CountingTransport();
        GatehouseClient gh = Fixtures.client(tmp.resolve("store")).transport(http).build();
        gh.enrol(Fixtures.tokenFile(s, tmp, 1, null));
        int threads = 32;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return gh.tokenSource().accessToken();
                }));
            }
            start.countDown();
            Set<String> tokens = new HashSet<>();
            for (Future<String> f : results) tokens.add(f.get());
            assertThat(tokens).hasSize(1);
            assertThat(http.count("POST /token")).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void renewsBeforeExpiry() {
        TestServer s = TestServer.shared(Backend.H2);
        MutableClock clock = MutableClock.now();
        CountingTransport http = new CountingTransport();
        GatehouseClient gh = Fixtures.client(tmp.resolve("store")).transport(http).clock(clock).build();
        gh.enrol(Fixtures.tokenFile(s, tmp, 1, null));
        AccessToken first = gh.tokenSource().token();
        Duration life = Duration.between(first.obtainedAt(), first.expiresAt());
        assertThat(life).isEqualTo(s.config.accessTokenTtl);

        clock.advance(life.dividedBy(2));
        assertThat(gh.tokenSource().token()).isSameAs(first);
        clock.advance(life.dividedBy(4)); // three quarters gone: renewed in the background while the old one is still valid
        assertThat(gh.tokenSource().token()).isSameAs(first);
        clock.advance(Duration.between(clock.instant(), first.expiresAt())); // waits for that renewal if it still runs
        AccessToken second = gh.tokenSource().token();
        assertThat(second.value()).isNotEqualTo(first.value());
        assertThat(http.count("POST /token")).isEqualTo(2);
    }

    @Test
    void backsOffAfterFailuresAndKeepsAValidToken() throws Exception {
        TestServer own = TestServer.start(Backend.H2, Map.of());
        MutableClock clock = MutableClock.now();
        CountingTransport http = new CountingTransport();
        java.util.concurrent.BlockingQueue<Integer> backoffs = new java.util.concurrent.LinkedBlockingQueue<>();
        GatehouseClient gh = Fixtures.client(tmp.resolve("store")).transport(http).clock(clock).listener(new ClientListener() {
            @Override
            public void backingOff(int failures, Instant nextAttempt, GatehouseClientException cause) {
                backoffs.add(failures);
            }
        }).build();
        gh.enrol(Fixtures.tokenFile(own, tmp, 1, null));
        AccessToken first = gh.tokenSource().token();
        own.close(); // the server goes away

        clock.advance(Duration.between(first.obtainedAt(), first.renewAt()));
        // renewal is due: the old token, still valid, is returned at once and renewed in the background,
        // which fails (the listener sees its backoff)
        assertThat(gh.tokenSource().token()).isSameAs(first);
        assertThat(backoffs.poll(60, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(http.count("POST /token")).isEqualTo(2);
        // within the backoff nobody asks the server again
        assertThat(gh.tokenSource().token()).isSameAs(first);
        assertThat(http.count("POST /token")).isEqualTo(2);

        clock.advance(Duration.between(clock.instant(), first.expiresAt())); // now it has expired: past the backoff, so asked again
        assertThatThrownBy(() -> gh.tokenSource().token()).isInstanceOf(ServerUnavailableException.class)
                .hasMessageContaining("cannot reach");
        assertThat(http.count("POST /token")).isEqualTo(3);
        // and again within the (grown) backoff: fails fast, without a request
        assertThatThrownBy(() -> gh.tokenSource().token()).isInstanceOf(ServerUnavailableException.class)
                .hasMessageContaining("not asking the server again");
        assertThat(http.count("POST /token")).isEqualTo(3);
        clock.advance(TokenSource.MAX_BACKOFF);
        assertThatThrownBy(() -> gh.tokenSource().token()).isInstanceOf(ServerUnavailableException.class)
                .hasMessageContaining("cannot reach");
        assertThat(http.count("POST /token")).isEqualTo(4);
    }

    @Test
    void backoffGrowsAndIsCapped() {
        for (int n = 1; n < 40; n++) {
            Duration d = TokenSource.backoff(n);
            long full = Math.min(TokenSource.FIRST_BACKOFF.toMillis() << Math.min(n - 1, 20), TokenSource.MAX_BACKOFF.toMillis());
            assertThat(d.toMillis()).isBetween(full / 2, full);
        }
    }

    @Test
    void rotatesTheSecretBeforeItExpires() {
        TestServer own = TestServer.start(Backend.H2, Map.of("GATEHOUSE_CLIENT_SECRET_TTL", "1h"));
        try {
            MutableClock clock = MutableClock.now();
            GatehouseClient gh = Fixtures.client(tmp.resolve("store")).clock(clock).build();
            Credentials c = gh.enrol(Fixtures.tokenFile(own, tmp, 1, null)).credentials();
            assertThat(c.secretExpires()).isTrue();
            assertThat(Instant.ofEpochSecond(c.clientSecretExpiresAt())).isBetween(clock.instant().plus(Duration.ofMinutes(59)),
                    clock.instant().plus(Duration.ofMinutes(61)));
            gh.tokenSource().accessToken();
            assertThat(gh.store().load().clientSecret()).isEqualTo(c.clientSecret());

            clock.advance(Duration.ofMinutes(46)); // past three quarters of the secret's hour
            gh.tokenSource().invalidate();
            String token = gh.tokenSource().accessToken();
            Credentials now = gh.store().load();
            assertThat(now.clientSecret()).isNotEqualTo(c.clientSecret());
            assertThat(Fixtures.introspect(own, now, token)).containsEntry("active", true);
            assertThat(own.http.postForm("/token", c.clientId(), c.clientSecret(), Map.of("grant_type", "client_credentials")).status())
                    .isEqualTo(401);
        } finally {
            own.close();
        }
    }

    @Test
    void aSecretChangedByAnotherProcessIsPickedUp() {
        TestServer s = TestServer.shared(Backend.H2);
        Path store = tmp.resolve("store");
        GatehouseClient app = Fixtures.client(store).build();
        app.enrol(Fixtures.tokenFile(s, tmp, 1, null));
        app.tokenSource().accessToken();
        Fixtures.client(store).build().rotateSecret(); // e.g. `gatehouse-enrol rotate` while the app runs
        app.tokenSource().invalidate();
        assertThat(app.tokenSource().accessToken()).isNotNull();
    }
}
