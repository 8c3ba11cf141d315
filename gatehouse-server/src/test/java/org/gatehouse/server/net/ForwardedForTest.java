package org.gatehouse.server.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/**
 * Behind a trusted proxy that appends its own X-Forwarded-For line (HAProxy's option forwardfor),
 * a client's forged first line must not decide its address (RFC 9110 §5.3: the lines are one list).
 */
@BothBackends
class ForwardedForTest {
    @Parameter
    String backend;

    private static final String PROXY_SAW = "192.168.9.9"; // the line the trusted proxy appends

    @Test
    void aForgedFirstLineDoesNotPassAnAddressRange() {
        try (TestServer s = TestServer.start(backend, Map.of("GATEHOUSE_TRUSTED_PROXIES", "127.0.0.1/32"))) {
            var lan = s.iat(new IatService.Spec("lan", 5, Duration.ofDays(1), null, null, List.of("10.0.0.0/8"), null, null));
            Http.Response forged = register(s, lan.token(), "10.1.2.3", PROXY_SAW);
            assertThat(forged.status()).as(forged.body()).isEqualTo(401);
            assertThat(forged.str("error")).isEqualTo("invalid_token");
            // The same client really inside the range (the proxy appended 10.1.2.3): admitted.
            Http.Response inside = register(s, lan.token(), "198.51.100.1", "10.1.2.3");
            assertThat(inside.status()).as(inside.body()).isEqualTo(201);
        }
    }

    @Test
    void rotatingTheFirstLineDoesNotEvadeTheGuessingLimit() {
        try (TestServer s = TestServer.start(backend, Map.of("GATEHOUSE_TRUSTED_PROXIES", "127.0.0.1/32",
                "GATEHOUSE_RATE_AUTH_FAILURES_PER_ADDRESS", "5"))) {
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                statuses.add(register(s, "ghi_wrong" + i, "10.0.0." + (i + 1), PROXY_SAW).status());
            }
            // Five failures empty the bucket of 192.168.9.9 (one permit a minute comes back at most):
            // the guesser is refused with 429 long before twelve tries, whatever its first line says.
            assertThat(statuses).as(statuses.toString()).contains(429);
            assertThat(statuses.subList(0, 7)).as(statuses.toString()).contains(429);
        }
    }

    private static Http.Response register(TestServer s, String iat, String firstLine, String secondLine) {
        return s.http.exchangeLines("POST", "/register", "application/json", "{}", List.of(
                Map.entry("Authorization", "Bearer " + iat),
                Map.entry("X-Forwarded-For", firstLine),
                Map.entry("X-Forwarded-For", secondLine)));
    }
}
