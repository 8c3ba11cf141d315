package org.gatehouse.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.Node;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;

/**
 * Issue 16 item 6: while the database is unreachable, requests that need it fail fast with 503,
 * Retry-After and an RFC 6749-style error body (not a 10 s hang and a 500), and work again afterwards.
 */
class DatabaseOutageTest {
    @Test
    void requestsNeedingTheDatabaseGet503WithRetryAfterDuringAnOutage() throws Exception {
        // No client cache: the grant below must reach the database.
        try (TestServer s = TestServer.start(Backend.POSTGRES, Map.of("GATEHOUSE_DB_CONNECT_TIMEOUT", "1s", "GATEHOUSE_CLIENT_CACHE_TTL", "0"))) {
            Flow.Client c = Flow.register(s);
            String iat = s.iatToken(10);
            String db = s.config.dbUrl.substring(s.config.dbUrl.lastIndexOf('/') + 1);
            try (Connection admin = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test", "postgres", "");
                 Statement st = admin.createStatement()) {
                st.execute("ALTER DATABASE " + db + " ALLOW_CONNECTIONS false");
                st.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db + "'");
                try {
                    Http.Response grant = s.http.postForm("/token", c.id(), c.secret(), Map.of("grant_type", "client_credentials"));
                    assertUnavailable(grant);
                    Http.Response register = s.http.postJson("/register", iat, "{\"client_name\":\"during the outage\"}");
                    assertUnavailable(register);
                    assertThat(s.http.get("/health/live").status()).isEqualTo(200);
                } finally {
                    st.execute("ALTER DATABASE " + db + " ALLOW_CONNECTIONS true");
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (s.http.get("/health/ready").status() != 200) {
                assertThat(System.nanoTime()).as("ready again once the database accepts connections").isLessThan(deadline);
                Node.pause();
            }
            assertThat(Flow.token(s, c)).isNotBlank();
        }
    }

    private static void assertUnavailable(Http.Response r) {
        assertThat(r.status()).as(r.body()).isEqualTo(503);
        assertThat(r.header("Retry-After")).isEqualTo("5");
        assertThat(r.str("error")).isEqualTo("temporarily_unavailable");
        assertThat(r.body()).doesNotContain("Exception").doesNotContain("at org.");
    }
}
