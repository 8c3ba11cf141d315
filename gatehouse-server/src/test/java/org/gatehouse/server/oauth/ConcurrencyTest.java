package org.gatehouse.server.oauth;

import org.gatehouse.server.testing.Slow;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/** DESIGN §5: the token's registration count is one atomic conditional UPDATE (keycloak#27294 was raceable). */
@Slow // measured heavy for the quick set (issue 14 Must 6): runs in the slow execution, in CI every time
@BothBackends
class ConcurrencyTest {
    @Parameter
    String backend;

    @Test
    void exactlyMaxRegistrationsSucceedUnderConcurrency() throws Exception {
        TestServer s = TestServer.shared(backend);
        int max = 37;
        int attempts = 200;
        var created = s.iat(max, null);
        ExecutorService pool = Executors.newFixedThreadPool(64);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        try {
            for (int i = 0; i < attempts; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return Http.untilNot503(() -> s.http.postJson("/register", created.token(), "{\"client_name\":\"race\"}")).status();
                }));
            }
            start.countDown();
            int ok = 0;
            int refused = 0;
            for (Future<Integer> f : results) {
                int status = f.get();
                if (status == 201) ok++;
                else if (status == 401) refused++;
            }
            assertThat(ok).isEqualTo(max);
            assertThat(refused).isEqualTo(attempts - max);
        } finally {
            pool.shutdownNow();
        }
        int stored = s.gatehouse().db.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM clients WHERE iat_id = :id")
                .bind("id", created.record().id()).mapTo(Integer.class).one());
        assertThat(stored).isEqualTo(max);
        assertThat(s.gatehouse().iats.get(created.record().id()).orElseThrow().registrations()).isEqualTo(max);
    }
}
