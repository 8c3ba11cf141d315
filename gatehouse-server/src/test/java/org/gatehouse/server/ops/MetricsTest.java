package org.gatehouse.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.Node;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/** /metrics counts the flow as it runs; /health/ready; request ids; who may read /metrics. */
@BothBackends
class MetricsTest {
    @Parameter
    String backendKind;

    private TestServer s() {
        return TestServer.shared(backendKind);
    }

    private Map<String, Double> scrape() {
        Http.Response r = s().http.get("/metrics");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/plain; version=0.0.4");
        return Node.parseMetrics(r.body());
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String series) {
        return after.getOrDefault(series, 0.0) - before.getOrDefault(series, 0.0);
    }

    @Test
    void countersMoveAsTheFlowRuns() {
        Map<String, Double> before = scrape();
        Flow.Client c = Flow.register(s());
        String token = Flow.token(s(), c);
        Flow.Client rs = Flow.resourceServer(s());
        assertThat(Flow.active(s(), rs, token)).isTrue();
        Http.Response wrong = s().http.postForm("/token", c.id(), "ghs_wrong", Map.of("grant_type", "client_credentials"));
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(s().http.postForm("/revoke", c.id(), c.secret(), Map.of("token", token)).status()).isEqualTo(200);
        Map<String, Double> after = scrape();

        assertThat(delta(before, after, "gatehouse_requests_total{operation=\"registration\",status=\"201\"}")).isEqualTo(1);
        assertThat(delta(before, after, "gatehouse_requests_total{operation=\"grant\",status=\"200\"}")).isEqualTo(1);
        assertThat(delta(before, after, "gatehouse_requests_total{operation=\"grant\",status=\"401\"}")).isEqualTo(1);
        assertThat(delta(before, after, "gatehouse_requests_total{operation=\"introspection\",status=\"200\"}")).isEqualTo(1);
        assertThat(delta(before, after, "gatehouse_requests_total{operation=\"revocation\",status=\"200\"}")).isEqualTo(1);
        assertThat(delta(before, after, "gatehouse_errors_total{operation=\"grant\",error=\"invalid_client\"}")).isEqualTo(1);
        assertThat(delta(before, after, "gatehouse_request_duration_seconds_count{operation=\"grant\"}")).isEqualTo(2);
        assertThat(delta(before, after, "gatehouse_request_duration_seconds_bucket{operation=\"grant\",le=\"+Inf\"}")).isEqualTo(2);
        assertThat(after.get("gatehouse_request_duration_seconds_sum{operation=\"registration\"}")).isPositive();
        assertThat(after.get("jvm_memory_used_bytes{area=\"heap\"}")).isPositive();
        assertThat(after.get("gatehouse_db_pool_max")).isPositive();
        assertThat(after).containsKey("gatehouse_db_pool_connections{state=\"active\"}");
        assertThat(after.get("process_cpu_seconds_total")).isPositive();
    }

    @Test
    void readyChecksTheDatabaseAndKeys() {
        Http.Response r = s().http.get("/health/ready");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.str("status")).isEqualTo("ready");
        assertThat(r.str("signing_key")).isNotBlank();
    }

    @Test
    void requestIdsAreEchoedOrMade() {
        Http.Response given = s().http.postRaw("/token", "application/x-www-form-urlencoded", "grant_type=client_credentials",
                Map.of("X-Request-Id", "lb-7f3a.42"));
        assertThat(given.header("X-Request-Id")).isEqualTo("lb-7f3a.42");
        Http.Response made = s().http.get("/health/live");
        assertThat(made.header("X-Request-Id")).matches("[A-Za-z0-9_-]{16}");
        Http.Response unsafe = s().http.postRaw("/revoke", null, "", Map.of("X-Request-Id", "bad id\"with quotes"));
        assertThat(unsafe.header("X-Request-Id")).matches("[A-Za-z0-9_-]{16}");
    }

    @Test
    void metricsAreForLoopbackOrTheMetricsToken() {
        assertThat(s().http.get("/metrics").status()).isEqualTo(200);
        // Forwarded by a proxy on this machine: not a loopback caller.
        Http.Response proxied = s().http.getWithHeaders("/metrics", Map.of("X-Forwarded-For", "203.0.113.9"));
        assertThat(proxied.status()).isEqualTo(403);
        if (!Backend.H2.equals(backendKind)) return; // one server with a token is enough
        String secret = "metrics-token-0123456789";
        try (TestServer t = TestServer.start(Backend.H2, Map.of("GATEHOUSE_METRICS_TOKEN", secret))) {
            assertThat(t.http.get("/metrics").status()).isEqualTo(401);
            assertThat(t.http.get("/metrics", "not-" + secret).status()).isEqualTo(401);
            Http.Response ok = t.http.get("/metrics", secret);
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.body()).contains("# TYPE gatehouse_requests_total counter");
        }
    }
}
