package org.gatehouse.server.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.gatehouse.server.Gatehouse;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.domain.SigningKeyRecord;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.ServerProcess;
import org.gatehouse.server.testing.Slow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/**
 * Issue 8 §1, DESIGN §7: the server is killed with SIGKILL in the middle of a registration load and
 * started again on the same database. Every registration that was answered 201 must work afterwards
 * (its token request succeeds), and nothing may be half-written: the token's count equals the
 * clients it admitted, and every client has its audit event (same transaction). The same while
 * signing keys are being rotated by the CLI, which is killed too.
 */
@BothBackends
@Slow
class CrashTest {
    /** Crash rounds per backend, and 201s answered in a round before the kill. */
    static final int ROUNDS = 2;
    static final int ANSWERED_BEFORE_KILL = 60;
    static final int THREADS = 12;
    static final int MAX_REQUESTS_PER_THREAD = 400;

    @Parameter
    String backend;

    record Registered(String clientId, String secret) {
    }

    @Test
    void everyAnsweredRegistrationSurvivesSigkillAndNothingIsHalfWritten() throws Exception {
        try (Backend b = Backend.create(backend)) {
            Map<String, String> env = ServerProcess.env(b, ServerProcess.freePort());
            String iatId;
            String iat;
            try (Gatehouse g = Gatehouse.open(Config.load(env), Database.SchemaPolicy.MIGRATE)) {
                var created = g.iats.create(org.gatehouse.server.iat.IatService.Spec.of("crash test", 100_000, java.time.Duration.ofDays(1), null), Actor.cli());
                iatId = created.record().id();
                iat = created.token();
            }
            List<Registered> answered = new ArrayList<>();
            int killedInFlight = 0;
            for (int round = 0; round < ROUNDS; round++) {
                try (ServerProcess server = ServerProcess.start(env)) {
                    // Everything answered in earlier rounds still works after the restart.
                    assertAllGetTokens(server, answered);
                    LoadResult load = registerUntilKilled(server, iat);
                    answered.addAll(load.answered);
                    killedInFlight += load.failedRequests;
                }
                assertConsistent(env, iatId, answered);
            }
            try (ServerProcess server = ServerProcess.start(env)) {
                assertAllGetTokens(server, answered);
                server.stop();
            }
            assertConsistent(env, iatId, answered);
            assertThat(answered).hasSizeGreaterThanOrEqualTo(ROUNDS * ANSWERED_BEFORE_KILL);
            System.out.printf("crash test [%s]: %d crash runs, %d registrations answered 201 and all of them work,"
                    + " %d requests cut off by the kills, 0 lost%n", backend, ROUNDS, answered.size(), killedInFlight);
        }
    }

    @Test
    void keysRotatedDuringTheCrashLeaveAConsistentJwksAndWorkingTokens() throws Exception {
        try (Backend b = Backend.create(backend)) {
            Map<String, String> env = ServerProcess.env(b, ServerProcess.freePort());
            String iat;
            Flow.Client rs;
            try (Gatehouse g = Gatehouse.open(Config.load(env), Database.SchemaPolicy.MIGRATE)) {
                iat = g.iats.create(org.gatehouse.server.iat.IatService.Spec.of("crash test", 10_000, java.time.Duration.ofDays(1), null), Actor.cli()).token();
                var created = g.resourceServers.create("crash rs", "client_secret_basic", Actor.cli());
                rs = new Flow.Client(created.client().clientId(), created.secret(), null, Map.of());
            }
            List<Registered> clients = new ArrayList<>();
            ConcurrentLinkedQueue<String> tokens = new ConcurrentLinkedQueue<>();
            int rotations;
            try (ServerProcess server = ServerProcess.start(env)) {
                for (int i = 0; i < 6; i++) clients.add(register(server.http, iat));
                AtomicBoolean stop = new AtomicBoolean();
                AtomicInteger done = new AtomicInteger();
                CountDownLatch twoRotations = new CountDownLatch(2);
                AtomicReference<Process> inFlight = new AtomicReference<>();
                Thread rotator = new Thread(() -> {
                    for (int i = 0; i < 8 && !stop.get(); i++) {
                        Process p = ServerProcess.spawn(env, "keys", "rotate");
                        inFlight.set(p);
                        try {
                            p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
                            if (p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0) {
                                done.incrementAndGet();
                                twoRotations.countDown();
                            }
                        } catch (Exception e) {
                            return;
                        }
                    }
                });
                ExecutorService pool = Executors.newFixedThreadPool(4);
                List<Future<?>> load = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    load.add(pool.submit(() -> {
                        for (int i = 0; i < 2_000 && !stop.get(); i++) {
                            Registered c = clients.get(i % clients.size());
                            try {
                                Http.Response r = server.http.postForm("/token", c.clientId(), c.secret(),
                                        Map.of("grant_type", "client_credentials"));
                                if (r.status() == 200) tokens.add(r.str("access_token"));
                                else throw new AssertionError("token request answered " + r.status() + ": " + r.body());
                            } catch (UncheckedIOException e) {
                                return; // the server was killed
                            }
                        }
                    }));
                }
                rotator.start();
                assertThat(twoRotations.await(180, TimeUnit.SECONDS)).as("two key rotations by the CLI finished").isTrue();
                // The third rotation is now on its way: kill the server and the CLI in the middle of it.
                server.kill();
                stop.set(true);
                Process cli = inFlight.get();
                if (cli != null) cli.destroyForcibly();
                rotator.join(TimeUnit.SECONDS.toMillis(120));
                for (Future<?> f : load) f.get(60, TimeUnit.SECONDS);
                pool.shutdownNow();
                rotations = done.get();
            }
            assertThat(tokens).isNotEmpty();
            try (ServerProcess server = ServerProcess.start(env)) {
                JWKSet jwks = JWKSet.parse(server.http.get("/jwks").body());
                String active = server.http.get("/health/ready").str("signing_key");
                assertThat(jwks.getKeyByKeyId(active)).as("the active key is published").isNotNull();
                // Every token issued before the crash, by whichever key was active then, still verifies and introspects active.
                for (String t : tokens) {
                    SignedJWT jwt = SignedJWT.parse(t);
                    JWK key = jwks.getKeyByKeyId(jwt.getHeader().getKeyID());
                    assertThat(key).as("key %s of a token issued before the crash is still published", jwt.getHeader().getKeyID()).isNotNull();
                    assertThat(jwt.verify(verifier(jwt, key))).isTrue();
                }
                for (String t : sample(tokens, 50)) {
                    Http.Response r = server.http.postForm("/introspect", rs.id(), rs.secret(), Map.of("token", t));
                    assertThat(r.json()).as(r.body()).containsEntry("active", true);
                }
                // New tokens are signed by the active key and verify with the JWKS.
                for (Registered c : clients) {
                    Http.Response r = server.http.postForm("/token", c.clientId(), c.secret(), Map.of("grant_type", "client_credentials"));
                    assertThat(r.status()).as(r.body()).isEqualTo(200);
                    SignedJWT jwt = SignedJWT.parse(r.str("access_token"));
                    assertThat(jwt.getHeader().getKeyID()).isEqualTo(active);
                    assertThat(jwt.verify(verifier(jwt, jwks.getKeyByKeyId(active)))).isTrue();
                }
                server.stop();
            }
            try (Gatehouse g = Gatehouse.open(Config.load(env))) {
                List<SigningKeyRecord> keys = g.keys.list();
                assertThat(keys.stream().filter(k -> k.state() == org.gatehouse.server.domain.KeyState.ACTIVE)).hasSize(1);
                assertThat(keys.stream().filter(k -> k.state() == org.gatehouse.server.domain.KeyState.NEXT)).hasSize(1);
                // Each finished rotation (and none half-done) is in the audit log.
                int audited = g.db.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM audit_events WHERE action = 'key.rotate'")
                        .mapTo(Integer.class).one());
                assertThat(audited).isBetween(rotations, rotations + 1);
            }
            System.out.printf("crash test [%s]: killed during key rotation after %d rotations; %d tokens from before the crash verify%n",
                    backend, rotations, tokens.size());
        }
    }

    private record LoadResult(List<Registered> answered, int failedRequests) {
    }

    /** Registrations from many threads; SIGKILL once enough were answered, while others are in flight. */
    private static LoadResult registerUntilKilled(ServerProcess server, String iat) throws Exception {
        ConcurrentLinkedQueue<Registered> answered = new ConcurrentLinkedQueue<>();
        AtomicInteger cutOff = new AtomicInteger();
        CountDownLatch enough = new CountDownLatch(ANSWERED_BEFORE_KILL);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            workers.add(pool.submit(() -> {
                for (int i = 0; i < MAX_REQUESTS_PER_THREAD; i++) {
                    Registered r;
                    try {
                        r = register(server.http, iat);
                    } catch (UncheckedIOException e) {
                        cutOff.incrementAndGet();
                        return; // killed: this request's answer never came
                    }
                    answered.add(r);
                    enough.countDown();
                }
            }));
        }
        try {
            assertThat(enough.await(120, TimeUnit.SECONDS)).as("registrations answered before the kill").isTrue();
            server.kill();
            for (Future<?> f : workers) f.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        return new LoadResult(new ArrayList<>(answered), cutOff.get());
    }

    private static Registered register(Http http, String iat) {
        Http.Response r = http.postJson("/register", iat,
                "{\"client_name\":\"crash\",\"installation_id\":\"" + Flow.installationId() + "\"}");
        if (r.status() != 201) throw new AssertionError("registration answered " + r.status() + ": " + r.body());
        return new Registered(r.str("client_id"), r.str("client_secret"));
    }

    private static void assertAllGetTokens(ServerProcess server, List<Registered> answered) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Http.Response>> results = new ArrayList<>();
            for (Registered c : answered) {
                results.add(pool.submit(() -> server.http.postForm("/token", c.clientId(), c.secret(),
                        Map.of("grant_type", "client_credentials"))));
            }
            for (int i = 0; i < results.size(); i++) {
                Http.Response r = results.get(i).get(60, TimeUnit.SECONDS);
                assertThat(r.status()).as("token request of %s answered 201 before a crash: %s", answered.get(i).clientId(), r.body())
                        .isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** With the server down: no half-written registration, and every answered one is stored. */
    private static void assertConsistent(Map<String, String> env, String iatId, List<Registered> answered) {
        try (Gatehouse g = Gatehouse.open(Config.load(env))) {
            g.db.withHandle(h -> {
                int clients = h.createQuery("SELECT COUNT(*) FROM clients WHERE iat_id = :id").bind("id", iatId).mapTo(Integer.class).one();
                int counted = h.createQuery("SELECT registrations FROM initial_access_tokens WHERE id = :id").bind("id", iatId)
                        .mapTo(Integer.class).one();
                int audited = h.createQuery("SELECT COUNT(*) FROM audit_events WHERE action = 'client.register' AND actor = :a")
                        .bind("a", "iat:" + iatId).mapTo(Integer.class).one();
                assertThat(counted).as("the token's count equals the clients it admitted").isEqualTo(clients);
                assertThat(audited).as("every registration has its audit event").isEqualTo(clients);
                assertThat(clients).as("every registration answered 201 is stored").isGreaterThanOrEqualTo(answered.size());
                Set<String> ids = Set.copyOf(h.createQuery("SELECT client_id FROM clients WHERE iat_id = :id").bind("id", iatId)
                        .mapTo(String.class).list());
                for (Registered r : answered) assertThat(ids).contains(r.clientId());
                int incomplete = h.createQuery("SELECT COUNT(*) FROM clients WHERE secret_hash IS NULL OR rat_hash IS NULL"
                        + " OR metadata IS NULL OR scope IS NULL").mapTo(Integer.class).one();
                assertThat(incomplete).as("clients without a secret, registration token or metadata").isZero();
                for (String md : h.createQuery("SELECT metadata FROM clients").mapTo(String.class).list()) {
                    try {
                        Json.parseObject(md);
                    } catch (Json.JsonException e) {
                        throw new AssertionError("stored metadata is not JSON: " + md);
                    }
                }
                return null;
            });
        }
    }

    private static JWSVerifier verifier(SignedJWT jwt, JWK key) throws Exception {
        java.security.Key pub = key instanceof com.nimbusds.jose.jwk.AsymmetricJWK a ? a.toPublicKey() : null;
        return new DefaultJWSVerifierFactory().createJWSVerifier(jwt.getHeader(), pub);
    }

    private static List<String> sample(ConcurrentLinkedQueue<String> all, int n) {
        List<String> list = new ArrayList<>(all);
        List<String> out = new ArrayList<>();
        int step = Math.max(1, list.size() / n);
        for (int i = 0; i < list.size() && out.size() < n; i += step) out.add(list.get(i));
        return out;
    }
}
