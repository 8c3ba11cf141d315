package org.gatehouse.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.gatehouse.client.ControlledTransport.is;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 item 4: a resource server's verifier answers 503 (ServerUnavailableException), never
 * 401, for a token whose key it cannot check yet, and verifies once the issuer is back.
 */
class TokenVerifierOutageTest {
    private static final long BOUND_S = 60;

    @TempDir
    Path tmp;

    @Test
    void answers503DuringAndJustAfterAnOutageThenVerifies() {
        TestServer s = TestServer.shared(Backend.H2);
        String token = Fixtures.accessToken(s, tmp);
        MutableClock clock = MutableClock.now();
        ControlledTransport http = new ControlledTransport();
        TokenVerifier v = TokenVerifier.builder(s.issuer).clock(clock).transport(http).minRefetchInterval(Duration.ofSeconds(30)).build();

        http.down(true); // the verifier starts while the issuer is down
        assertThatThrownBy(() -> v.verify(token)).isInstanceOf(ServerUnavailableException.class).hasMessageContaining("cannot check key id");
        http.down(false); // the issuer is back, but the rate limit holds the next fetch back: still 503, not 401
        clock.advance(Duration.ofSeconds(10));
        assertThatThrownBy(() -> v.verify(token)).isInstanceOf(ServerUnavailableException.class)
                .isNotInstanceOf(InvalidTokenException.class).hasMessageContaining("cannot check key id");
        assertThat(http.count("GET /jwks")).isZero();

        clock.advance(Duration.ofSeconds(21));
        assertThat(v.verify(token).clientId()).isNotNull();
        assertThat(http.count("GET /jwks")).isEqualTo(1);
    }

    @Test
    void aKeyRolloverDuringAnOutageIs503NotAnUnknownKey() {
        try (TestServer s = TestServer.start(Backend.H2, java.util.Map.of())) {
            MutableClock clock = MutableClock.now();
            ControlledTransport http = new ControlledTransport();
            TokenVerifier v = TokenVerifier.builder(s.issuer).clock(clock).transport(http).minRefetchInterval(Duration.ofSeconds(30)).build();
            v.verify(Fixtures.accessToken(s, tmp));
            s.gatehouse().keys.rotate(Actor.cli());
            s.gatehouse().keys.rotate(Actor.cli());
            String newKeyToken = Fixtures.accessToken(s, tmp);

            clock.advance(Duration.ofSeconds(31));
            http.down(true);
            assertThatThrownBy(() -> v.verify(newKeyToken)).isInstanceOf(ServerUnavailableException.class);
            http.down(false);
            assertThatThrownBy(() -> v.verify(newKeyToken)).isInstanceOf(ServerUnavailableException.class); // rate limited, 503
            clock.advance(Duration.ofSeconds(31));
            assertThat(v.verify(newKeyToken).clientId()).isNotNull();
        }
    }

    @Test
    void aFetchInFlightDoesNotHoldOtherRequestsBack() throws Exception {
        TestServer s = TestServer.shared(Backend.H2);
        String token = Fixtures.accessToken(s, tmp);
        ControlledTransport http = new ControlledTransport();
        TokenVerifier v = TokenVerifier.builder(s.issuer).transport(http).build();
        http.freeze(is("GET", "/jwks"));
        CompletableFuture<VerifiedToken> first = CompletableFuture.supplyAsync(() -> v.verify(token));
        assertThat(http.blocked.tryAcquire(BOUND_S, TimeUnit.SECONDS)).isTrue(); // its JWK Set fetch hangs
        assertThatThrownBy(() -> v.verify(token)).isInstanceOf(ServerUnavailableException.class).hasMessageContaining("being fetched");
        http.thaw();
        assertThat(first.get(BOUND_S, TimeUnit.SECONDS).clientId()).isNotNull();
        assertThat(v.verify(token).clientId()).isNotNull();
    }
}
