package org.gatehouse.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.gatehouse.server.Gatehouse;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.Node;
import org.gatehouse.server.testing.Slow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/**
 * SIGTERM to a real server process under load: /health/ready turns 503 while requests are still
 * served (GATEHOUSE_SHUTDOWN_DELAY), a client that, like a load balancer, stops sending once it sees
 * that never gets a reset or a 5xx, and every token counted in memory is in the database afterwards
 * (GATEHOUSE_LAST_SEEN_FLUSH is 1 h here, so only the shutdown flush can have written them).
 */
@BothBackends
@Slow
class GracefulShutdownTest {
    @Parameter
    String backendKind;

    @Test
    void sigtermUnderLoadDrainsAndFlushes() throws Exception {
        try (Backend backend = Backend.create(backendKind)) {
            Map<String, String> env = new HashMap<>(backend.env());
            env.put("GATEHOUSE_CONFIG", "/dev/null");
            env.put("GATEHOUSE_RATE_REGISTER_PER_TOKEN", "0");
            env.put("GATEHOUSE_RATE_REGISTER_PER_ADDRESS", "0");
            env.put("GATEHOUSE_RATE_TOKEN_PER_CLIENT", "0");
            env.put("GATEHOUSE_LAST_SEEN_FLUSH", "1h");
            env.put("GATEHOUSE_SHUTDOWN_DELAY", "5s"); // room for a stalled test JVM to see the 503 in time
            try (Node node = Node.start(env).awaitUp(60_000)) {
                Map<String, String> nodeEnv = new HashMap<>(env);
                nodeEnv.put("GATEHOUSE_PORT", Integer.toString(node.port));
                String iat;
                try (Gatehouse admin = Gatehouse.open(Config.load(nodeEnv))) {
                    iat = admin.iats.create(IatService.Spec.of("shutdown", 4, java.time.Duration.ofDays(1), null), Actor.cli()).token();
                }
                List<Flow.Client> clients = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    Http.Response r = node.http.postJson("/register", iat, "{\"installation_id\":\"" + Flow.installationId() + "\"}");
                    assertThat(r.status()).as(r.body()).isEqualTo(201);
                    clients.add(new Flow.Client(r.str("client_id"), r.str("client_secret"), null, Map.of()));
                }

                AtomicBoolean leaving = new AtomicBoolean();
                Map<String, AtomicLong> served = new HashMap<>();
                clients.forEach(c -> served.put(c.id(), new AtomicLong()));
                ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
                AtomicLong total = new AtomicLong();
                ExecutorService pool = Executors.newFixedThreadPool(9);
                try {
                    // The "load balancer": polls readiness and stops routing to the node when it fails.
                    Future<?> health = pool.submit(() -> {
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                        while (!leaving.get() && System.nanoTime() < deadline) {
                            RawHttp.Outcome o = RawHttp.send(node.port, "GET", "/health/ready", null, null, null);
                            // Only the node's own "shutting down" (or its absence) sends traffic away: a 503 for a slow
                            // database ping on a loaded machine is not the shutdown under test.
                            if (o instanceof RawHttp.Refused || o instanceof RawHttp.Status s && s.code() == 503
                                    && s.body().contains("shutting down")) {
                                leaving.set(true);
                            }
                        }
                    });
                    List<Future<?>> workers = new ArrayList<>();
                    for (int w = 0; w < 8; w++) {
                        Flow.Client c = clients.get(w % clients.size());
                        String auth = Http.basic(c.id(), c.secret());
                        workers.add(pool.submit(() -> {
                            for (int i = 0; i < 200_000 && !leaving.get(); i++) {
                                RawHttp.Outcome o = RawHttp.send(node.port, "POST", "/token", auth,
                                        "application/x-www-form-urlencoded", "grant_type=client_credentials");
                                if (o instanceof RawHttp.Status s && s.code() == 200) {
                                    served.get(c.id()).incrementAndGet();
                                    total.incrementAndGet();
                                } else if (o instanceof RawHttp.Refused) {
                                    return; // the node is gone: a load balancer would use another
                                } else {
                                    failures.add(o.toString());
                                }
                            }
                        }));
                    }
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (total.get() < 300) {
                        assertThat(System.nanoTime()).as("load reached 300 tokens").isLessThan(deadline);
                        assertThat(failures).isEmpty();
                        Node.pause();
                    }
                    int exit = node.stop(); // SIGTERM while the workers are sending
                    for (Future<?> f : workers) f.get(60, TimeUnit.SECONDS);
                    health.get(60, TimeUnit.SECONDS);
                    assertThat(exit).as(node.logText()).isIn(0, 143);
                } finally {
                    pool.shutdownNow();
                }
                assertThat(failures).as("resets, early closes or non-200 answers during shutdown; log:\n" + node.logText()).isEmpty();
                assertThat(node.logText()).doesNotContain("ERROR");

                try (Gatehouse after = Gatehouse.open(Config.load(nodeEnv))) {
                    for (Flow.Client c : clients) {
                        long counted = after.db.withHandle(h -> h.createQuery("SELECT n.token_count FROM installations n"
                                        + " JOIN clients c ON c.installation_ref = n.id WHERE c.client_id = :id")
                                .bind("id", c.id()).mapTo(Long.class).one());
                        assertThat(counted).as("tokens counted for " + c.id()).isEqualTo(served.get(c.id()).get());
                    }
                }
            }
        }
    }
}
