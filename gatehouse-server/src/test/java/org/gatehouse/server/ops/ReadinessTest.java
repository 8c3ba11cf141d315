package org.gatehouse.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.Node;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;

/** /health/ready answers 503 with a reason while PostgreSQL refuses the node, and 200 again once it accepts it. */
class ReadinessTest {
    @Test
    void readinessFollowsTheDatabase() throws Exception {
        try (TestServer s = TestServer.start(Backend.POSTGRES, Map.of())) {
            assertThat(s.http.get("/health/ready").status()).isEqualTo(200);
            String db = s.config.dbUrl.substring(s.config.dbUrl.lastIndexOf('/') + 1);
            try (Connection admin = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test", "postgres", "");
                 Statement st = admin.createStatement()) {
                st.execute("ALTER DATABASE " + db + " ALLOW_CONNECTIONS false");
                st.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db + "'");
                Http.Response down = s.http.get("/health/ready");
                assertThat(down.status()).as(down.body()).isEqualTo(503);
                assertThat(down.str("status")).isEqualTo("unavailable");
                assertThat(down.str("reason")).startsWith("database unreachable");
                assertThat(s.http.get("/health/live").status()).isEqualTo(200);
                st.execute("ALTER DATABASE " + db + " ALLOW_CONNECTIONS true");
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (s.http.get("/health/ready").status() != 200) {
                assertThat(System.nanoTime()).as("ready again once the database accepts connections").isLessThan(deadline);
                Node.pause();
            }
        }
    }
}
