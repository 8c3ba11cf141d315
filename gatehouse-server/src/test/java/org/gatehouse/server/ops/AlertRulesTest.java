package org.gatehouse.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gatehouse.server.metrics.ServerMetrics;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.DebianTool;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Node;
import org.gatehouse.server.testing.Slow;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;

/**
 * Issue 16 item 7: the alert rules in ops/prometheus are valid for Prometheus (promtool, Debian's prometheus
 * package) and name only metrics a node serves; the operations metrics (signing-key age, pending setup links) are
 * served. The TLS expiry metric is checked in {@link TlsTest}.
 */
@Slow
class AlertRulesTest {
    private static final Path RULES = Path.of("..", "ops", "prometheus", "gatehouse-alerts.yml");
    private static final Pattern METRIC = Pattern.compile("\\b((?:gatehouse|jvm|process)_[a-z_]+)");

    @Test
    void promtoolAcceptsTheRules() throws Exception {
        Path promtool = DebianTool.require("/usr/bin/promtool", "prometheus");
        Process p = new ProcessBuilder(promtool.toString(), "check", "rules", RULES.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("SUCCESS");
    }

    @Test
    void everyMetricTheRulesNameIsServedAndDocumented() throws Exception {
        String rules = Files.readString(RULES);
        String docs = Files.readString(Path.of("..", "docs", "operations.md"));
        Set<String> named = new TreeSet<>();
        for (String line : rules.split("\n")) {
            if (!line.strip().startsWith("expr:")) continue;
            Matcher m = METRIC.matcher(line);
            while (m.find()) named.add(m.group(1).replaceAll("_(bucket|sum|count)$", ""));
        }
        assertThat(named).contains(ServerMetrics.KEY_AGE, ServerMetrics.TLS_EXPIRY, ServerMetrics.SETUP_LINKS);

        TestServer s = TestServer.shared(Backend.H2);
        Flow.token(s, Flow.register(s));
        // An error answered, so that the error counter has a series.
        assertThat(s.http.postForm("/token", "no-such-client", "wrong", Map.of("grant_type", "client_credentials")).status()).isEqualTo(401);
        String scrape = s.http.get("/metrics").body();
        Set<String> served = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (line.startsWith("# TYPE ")) served.add(line.split(" ")[2]);
        }
        // Served only on some nodes or after some time: TLS (TlsTest), background jobs after their first turn.
        served.add(ServerMetrics.TLS_EXPIRY);
        served.add(ServerMetrics.JOBS);
        for (String name : named) {
            assertThat(served).as("metric named in the alert rules").contains(name);
            assertThat(docs).as("metric named in the alert rules is in docs/operations.md").contains("`" + name + "`");
        }

        Map<String, Double> values = Node.parseMetrics(scrape);
        assertThat(values.get(ServerMetrics.KEY_AGE)).isGreaterThanOrEqualTo(0.0);
        assertThat(values).containsKey(ServerMetrics.SETUP_LINKS + "{purpose=\"bootstrap\"}");
    }
}
