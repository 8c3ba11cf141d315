package org.gatehouse.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Cli;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/** Issue 16 item 7: `gatehouse audit export` prints the audit log as JSON lines while the server runs on the same database. */
@BothBackends
class AuditExportTest {
    @Parameter
    String backend;

    @Test
    void exportsARangeAsJsonLinesWhileTheServerRuns() throws Exception {
        try (TestServer s = TestServer.start(backend, Map.of())) {
            Map<String, String> env = new HashMap<>(s.backend.env());
            String iatId = s.iat(1, null).record().id();
            Instant afterIat = Instant.now().plusMillis(1);

            Cli.Result all = Cli.run(env, "audit", "export");
            assertThat(all.exit()).as(all.err()).isZero();
            List<Map<String, Object>> events = new ArrayList<>();
            for (String line : all.out().split("\n")) events.add(Json.parseObject(line));
            assertThat(events).extracting(e -> e.get("action")).contains("key.create", "iat.create");
            assertThat(events).anySatisfy(e -> assertThat(e.get("subject")).isEqualTo(iatId));
            List<Long> ids = events.stream().map(e -> ((Number) e.get("id")).longValue()).toList();
            assertThat(ids).isSorted();

            Cli.Result later = Cli.run(env, "audit", "export", "--since", afterIat.plusSeconds(3600).toString());
            assertThat(later.exit()).as(later.err()).isZero();
            assertThat(later.out()).isEmpty();
            Cli.Result earlier = Cli.run(env, "audit", "export", "--until", "2000-01-01T00:00:00Z");
            assertThat(earlier.exit()).isZero();
            assertThat(earlier.out()).isEmpty();

            Cli.Result bad = Cli.run(env, "audit", "export", "--since", "yesterday");
            assertThat(bad.exit()).isEqualTo(2);
            assertThat(bad.err().strip()).isEqualTo("gatehouse: --since must be an ISO 8601 instant such as 2026-12-01T00:00:00Z");
            // The server kept serving throughout.
            assertThat(s.http.get("/health/ready").status()).isEqualTo(200);
        }
    }
}
