package org.gatehouse.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.gatehouse.server.domain.AccountRole;
import org.gatehouse.server.domain.AccountStatus;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.domain.AccountRecord;
import org.gatehouse.server.store.AccountStore;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Cli;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.gatehouse.server.testing.Threads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/**
 * Two creates of a resource server with the same audience at the same time (issue 19): one succeeds,
 * the other is a clear conflict (409 in the API, exit 2 and one line in the CLI), never a 500. Both
 * may pass the service's check before either commits; the unique index over active_audience then
 * refuses the second, and that refusal must come out as the conflict it is.
 */
@BothBackends
class AudienceRaceTest {
    private static final int ROUNDS = 12;

    @Parameter
    String backend;

    private TestServer s() {
        return TestServer.shared(backend);
    }

    private String adminToken() {
        String id = "acc_" + Secrets.randomId(9);
        AccountRecord a = new AccountRecord(id, "race-" + Secrets.randomId(6).toLowerCase().replaceAll("[^a-z0-9]", "x") + "@example.org",
                AccountRole.ADMIN, AccountStatus.ACTIVE, "unused", null, 0, System.currentTimeMillis(), "test", null, null);
        s().gatehouse().db.inTransaction(h -> {
            new AccountStore().insertAccount(h, a);
            return null;
        });
        return s().gatehouse().apiTokens.create(a, "race", List.of("resource-servers:admin"), Duration.ofDays(1), Actor.cli()).token();
    }

    /** Runs both sides at once: each waits on the same latch, so neither starts before the other is ready. */
    private static <T> List<T> race(Supplier<T> a, Supplier<T> b) throws Exception {
        CountDownLatch ready = new CountDownLatch(2);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<T>> sides = new ArrayList<>();
        for (Supplier<T> side : List.of(a, b)) {
            sides.add(Threads.EACH_ITS_OWN.submit(() -> {
                ready.countDown();
                go.await();
                return side.get();
            }));
        }
        ready.await();
        go.countDown();
        List<T> out = new ArrayList<>();
        for (Future<T> f : sides) out.add(f.get(120, TimeUnit.SECONDS));
        return out;
    }

    @Test
    void twoApiCreatesWithOneAudienceGiveOneCreatedAndOneConflict() throws Exception {
        String admin = adminToken();
        OpenApi spec = new OpenApi(s().http.get("/api/v1/openapi.json").body());
        for (int round = 0; round < ROUNDS; round++) {
            String audience = "https://race.example.org/api/" + Secrets.randomId(8);
            String body = "{\"name\":\"Race\",\"audience\":\"" + audience + "\"}";
            List<Http.Response> rs = race(() -> s().http.postJson("/api/v1/resource-servers", admin, body),
                    () -> s().http.postJson("/api/v1/resource-servers", admin, body));
            List<Integer> statuses = rs.stream().map(Http.Response::status).sorted().toList();
            assertThat(statuses).as("round %d: %s / %s", round, rs.get(0).body(), rs.get(1).body()).containsExactly(201, 409);
            Http.Response conflict = rs.stream().filter(r -> r.status() == 409).findFirst().orElseThrow();
            assertThat(conflict.str("error")).isEqualTo("invalid_request");
            assertThat(conflict.str("error_description")).isEqualTo("a resource server with the audience " + audience + " exists already");
            for (Http.Response r : rs) {
                assertThat(spec.validate("POST", "/api/v1/resource-servers", r.status(), r.body())).isEmpty();
            }
            assertThat(s().gatehouse().resourceServers.list().stream().filter(l -> audience.equals(l.audience()))).hasSize(1);
        }
    }

    @Test
    void twoCommandLineCreatesWithOneAudienceGiveOneSuccessAndOneLine() throws Exception {
        Map<String, String> env = new HashMap<>(s().backend.env());
        env.put("GATEHOUSE_ISSUER", s().issuer);
        String audience = "https://race-cli.example.org/api/" + Secrets.randomId(8);
        Supplier<Cli.Result> create = () -> Cli.run(env, "resource-server", "create", "--name", "Race", "--audience", audience);
        List<Cli.Result> rs = race(create, create);
        List<Integer> exits = rs.stream().map(Cli.Result::exit).sorted().toList();
        assertThat(exits).as("%s / %s", rs.get(0).err(), rs.get(1).err()).containsExactly(0, 2);
        Cli.Result refused = rs.stream().filter(r -> r.exit() == 2).findFirst().orElseThrow();
        assertThat(refused.err().strip()).isEqualTo("gatehouse: a resource server with the audience " + audience + " exists already");
        assertThat(refused.out()).isEmpty();
    }
}
