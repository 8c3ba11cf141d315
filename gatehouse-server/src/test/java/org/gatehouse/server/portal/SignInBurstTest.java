package org.gatehouse.server.portal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.gatehouse.server.Gatehouse;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.ServerProcess;
import org.gatehouse.server.testing.Slow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/**
 * Security review 2026-12, item 1: a burst of wrong sign-ins must not exhaust the heap. 40 sign-ins
 * with unknown e-mail addresses, each from its own fresh form, all at once, against `serve` in a JVM
 * of its own with the production heap (serve.jvm-options: 112 MiB): every one is answered 403 (wrong
 * password) or 429 (throttled or busy, with Retry-After), none 5xx, the server logs no
 * OutOfMemoryError, and an installation's token request sent during the burst succeeds.
 */
@Slow // a `serve` JVM of its own per backend and 40 Argon2 sign-ins
@BothBackends
class SignInBurstTest {
    static final int BURST = 40;

    @Parameter
    String backend;

    @Test
    void aBurstOfWrongSignInsGetsNo5xxAndTheTokenEndpointKeepsAnswering() throws Exception {
        try (Backend b = Backend.create(backend)) {
            Map<String, String> env = ServerProcess.env(b, ServerProcess.freePort());
            String iat;
            try (Gatehouse g = Gatehouse.open(Config.load(env), Database.SchemaPolicy.MIGRATE)) { // a fresh database, as serve would
                iat = g.iats.create(IatService.Spec.of("burst", 10, java.time.Duration.ofDays(1), null), Actor.cli()).token();
            }
            try (ServerProcess server = ServerProcess.start(env)) {
                Http.Response reg = server.http.postJson("/register", iat, "{\"client_name\":\"Burst\",\"installation_id\":\""
                        + Flow.installationId() + "\"}");
                assertThat(reg.status()).as(reg.body()).isEqualTo(201);
                String clientId = reg.str("client_id");
                String secret = reg.str("client_secret");

                List<PortalClient> forms = new ArrayList<>();
                for (int i = 0; i < BURST; i++) {
                    PortalClient c = new PortalClient(server.issuer);
                    assertThat(c.get("/login").status()).isEqualTo(200);
                    forms.add(c);
                }
                ExecutorService pool = Executors.newFixedThreadPool(BURST + 1);
                try {
                    CountDownLatch ready = new CountDownLatch(BURST);
                    CountDownLatch go = new CountDownLatch(1);
                    List<Future<PortalClient.Page>> answers = new ArrayList<>();
                    for (PortalClient c : forms) {
                        answers.add(pool.submit(() -> {
                            ready.countDown();
                            go.await();
                            try {
                                return c.post("/login", "email", PortalTest.email("ghost"), "password", "not the password 123");
                            } catch (java.io.UncheckedIOException noAnswer) {
                                return null; // no answer within the test client's idle timeout (10 s): counted as status 0
                            }
                        }));
                    }
                    assertThat(ready.await(60, TimeUnit.SECONDS)).isTrue();
                    go.countDown();
                    Future<long[]> token = pool.submit(() -> {
                        long t0 = System.nanoTime();
                        try {
                            Http.Response r = server.http.postForm("/token", clientId, secret, Map.of("grant_type", "client_credentials"));
                            return new long[] {r.status(), (System.nanoTime() - t0) / 1_000_000};
                        } catch (java.io.UncheckedIOException noAnswer) {
                            return new long[] {0, (System.nanoTime() - t0) / 1_000_000};
                        }
                    });
                    List<Integer> statuses = new ArrayList<>();
                    for (Future<PortalClient.Page> f : answers) {
                        PortalClient.Page p = f.get(120, TimeUnit.SECONDS);
                        statuses.add(p == null ? 0 : p.status());
                        if (p != null && p.status() == 429) assertThat(p.header("Retry-After")).isNotNull();
                    }
                    long[] t = token.get(120, TimeUnit.SECONDS);
                    System.out.println(server.log().contains("OutOfMemoryError") ? "the server ran out of heap" : "no OutOfMemoryError");
                    System.out.println("burst of " + BURST + " sign-ins on " + backend + ": " + statuses
                            + "; token request during the burst: HTTP " + t[0] + " in " + t[1] + " ms");
                    assertThat(statuses).as("%s\n%s", statuses, tail(server.log())).allMatch(s -> s == 403 || s == 429);
                    assertThat(statuses).contains(403);
                    assertThat(t[0]).isEqualTo(200);
                } finally {
                    pool.shutdownNow();
                }
                assertThat(server.alive()).isTrue();
                assertThat(server.log()).doesNotContain("OutOfMemoryError");
                assertThat(server.http.get("/health/live").status()).isEqualTo(200);
            }
        }
    }

    private static String tail(String log) {
        return log.length() <= 4000 ? log : log.substring(log.length() - 4000);
    }
}
