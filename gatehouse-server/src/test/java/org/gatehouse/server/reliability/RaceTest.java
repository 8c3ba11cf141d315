package org.gatehouse.server.reliability;

import org.gatehouse.server.testing.Slow;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/**
 * Issue 8 §2: races. The token count under 200+ concurrent registrations is in
 * oauth/ConcurrencyTest; these are the others. Ordering is established by happens-before (a
 * request starts after another's answer arrived), never by sleeping; every loop is bounded.
 */
@Slow // measured heavy for the quick set (issue 14 Must 6): runs in the slow execution, in CI every time
@BothBackends
class RaceTest {
    static final int THREADS = 16;

    @Parameter
    String backend;

    private TestServer s() {
        return TestServer.shared(backend);
    }

    /** Exactly max of 250 concurrent registrations succeed when max is 200; nothing half-written. */
    @Test
    void twoHundredFiftyConcurrentRegistrationsOnATokenForTwoHundred() throws Exception {
        var created = s().iat(200, null);
        List<Integer> statuses = all(250, i -> {
            String body = "{\"installation_id\":\"" + Flow.installationId() + "\"}";
            return Http.untilNot503(() -> s().http.postJson("/register", created.token(), body)).status();
        });
        assertThat(statuses.stream().filter(x -> x == 201)).hasSize(200);
        assertThat(statuses.stream().filter(x -> x == 401)).hasSize(50);
        int stored = s().gatehouse().db.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM clients WHERE iat_id = :id")
                .bind("id", created.record().id()).mapTo(Integer.class).one());
        assertThat(stored).isEqualTo(200);
    }

    /**
     * One installation (a cloned image, or an installer run twice at once) registering concurrently:
     * no server error, every 201 is a distinct working client, and the token's count matches.
     */
    @Test
    void oneInstallationRegisteringConcurrently() throws Exception {
        var created = s().iat(1000, null);
        String installation = Flow.installationId();
        List<Http.Response> rs = all(40, i -> Http.untilNot503(() -> s().http.postJson("/register", created.token(),
                "{\"client_name\":\"clone\",\"installation_id\":\"" + installation + "\"}")));
        Set<String> ids = new HashSet<>();
        for (Http.Response r : rs) {
            assertThat(r.status()).as(r.body()).isLessThan(500);
            if (r.status() == 201) {
                assertThat(ids.add(r.str("client_id"))).isTrue();
                assertThat(r.json()).containsEntry("installation_id", installation);
            }
        }
        assertThat(ids).isNotEmpty();
        int stored = s().gatehouse().db.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM clients WHERE iat_id = :id")
                .bind("id", created.record().id()).mapTo(Integer.class).one());
        assertThat(s().gatehouse().iats.get(created.record().id()).orElseThrow().registrations()).isEqualTo(stored);
        assertThat(stored).isGreaterThanOrEqualTo(ids.size());
    }

    /**
     * A client is deleted (RFC 7592 §2.3) while it requests tokens from many threads: a token
     * request that starts after the DELETE was answered never succeeds, and no token it ever got
     * introspects active afterwards.
     */
    @Test
    void deletionDuringTokenRequests() throws Exception {
        Flow.Client c = Flow.register(s());
        Flow.Client rs = Flow.resourceServer(s());
        AtomicBoolean deleted = new AtomicBoolean();
        CountDownLatch warmedUp = new CountDownLatch(THREADS * 5);
        ConcurrentLinkedQueue<String> tokens = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        AtomicInteger afterDelete = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            workers.add(pool.submit(() -> {
                int after = 0;
                for (int i = 0; i < 2_000 && after < 10; i++) {
                    boolean startedAfterDelete = deleted.get();
                    Http.Response r = s().http.postForm("/token", c.id(), c.secret(), Map.of("grant_type", "client_credentials"));
                    if (r.status() == 200) {
                        tokens.add(r.str("access_token"));
                        if (startedAfterDelete) violations.add("a token was issued after the deletion was answered");
                    } else if (r.status() != 401) {
                        violations.add("token request answered " + r.status() + ": " + r.body());
                    }
                    if (startedAfterDelete) {
                        after++;
                        afterDelete.incrementAndGet();
                    }
                    warmedUp.countDown();
                }
            }));
        }
        try {
            assertThat(warmedUp.await(60, TimeUnit.SECONDS)).isTrue();
            Http.Response d = s().http.delete("/register/" + c.id(), c.rat());
            assertThat(d.status()).isEqualTo(204);
            deleted.set(true);
            for (Future<?> f : workers) f.get(120, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(violations).isEmpty();
        assertThat(afterDelete.get()).isEqualTo(THREADS * 10);
        assertThat(tokens).isNotEmpty();
        for (String t : tokens) assertThat(Flow.active(s(), rs, t)).as("a token of a deleted client").isFalse();
    }

    /**
     * Tokens revoked (RFC 7009) while they are being introspected: once the revocation was answered,
     * no introspection that starts afterwards says active.
     */
    @Test
    void revocationDuringIntrospection() throws Exception {
        Flow.Client c = Flow.register(s());
        Flow.Client rs = Flow.resourceServer(s());
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 20; i++) tokens.add(Flow.token(s(), c));
        Set<String> revoked = java.util.concurrent.ConcurrentHashMap.newKeySet();
        ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger checkedAfterRevocation = new java.util.concurrent.atomic.AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> readers = new ArrayList<>();
        for (int t = 0; t < THREADS - 1; t++) {
            int offset = t;
            readers.add(pool.submit(() -> {
                for (int i = 0; i < 3_000 && !done.get(); i++) {
                    String token = tokens.get((i + offset) % tokens.size());
                    boolean wasRevoked = revoked.contains(token);
                    Http.Response r = Flow.introspect(s(), rs, token);
                    if (r.status() != 200) violations.add("introspection answered " + r.status());
                    else if (wasRevoked && Boolean.TRUE.equals(r.json().get("active"))) violations.add("revoked token active");
                    if (wasRevoked) checkedAfterRevocation.incrementAndGet();
                }
            }));
        }
        try {
            for (String token : tokens) {
                Http.Response r = s().http.postForm("/revoke", c.id(), c.secret(), Map.of("token", token));
                assertThat(r.status()).isEqualTo(200);
                revoked.add(token);
            }
            done.set(true);
            for (Future<?> f : readers) f.get(120, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(violations).isEmpty();
        assertThat(checkedAfterRevocation.get()).as("introspections of tokens already revoked").isPositive();
        for (String t : tokens) assertThat(Flow.active(s(), rs, t)).isFalse();
    }

    /**
     * Revoking an initial access token during a registration load: no registration that starts after
     * the revocation returned succeeds, and the count equals the clients stored.
     */
    @Test
    void tokenRevocationDuringRegistrations() throws Exception {
        var created = s().iat(10_000, null);
        AtomicBoolean revokedFlag = new AtomicBoolean();
        CountDownLatch warmedUp = new CountDownLatch(THREADS * 3);
        ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        java.util.concurrent.atomic.AtomicInteger startedAfterRevocation = new java.util.concurrent.atomic.AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            workers.add(pool.submit(() -> {
                int after = 0;
                while (after < 5) { // each worker goes on until 5 of its registrations started after the revocation
                    boolean startedAfter = revokedFlag.get();
                    Http.Response r = s().http.postJson("/register", created.token(), "{}");
                    if (startedAfter && r.status() != 401) violations.add("after revocation: " + r.status());
                    if (!startedAfter && r.status() != 201 && r.status() != 401) violations.add("answered " + r.status());
                    if (startedAfter) {
                        after++;
                        startedAfterRevocation.incrementAndGet();
                    }
                    warmedUp.countDown();
                }
            }));
        }
        try {
            assertThat(warmedUp.await(60, TimeUnit.SECONDS)).isTrue();
            assertThat(s().gatehouse().iats.revoke(created.record().id(), "race test", false, Actor.cli())).isTrue();
            revokedFlag.set(true);
            for (Future<?> f : workers) f.get(120, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(violations).isEmpty();
        assertThat(startedAfterRevocation.get()).isEqualTo(THREADS * 5);
        int stored = s().gatehouse().db.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM clients WHERE iat_id = :id")
                .bind("id", created.record().id()).mapTo(Integer.class).one());
        assertThat(s().gatehouse().iats.get(created.record().id()).orElseThrow().registrations()).isEqualTo(stored);
    }

    /**
     * Concurrent RFC 7592 updates with the same registration access token: the token rotates on the
     * first, so exactly one wins; the secret it returned is the one that works.
     */
    @Test
    void concurrentUpdatesWithOneRegistrationAccessTokenHaveOneWinner() throws Exception {
        Flow.Client c = Flow.register(s());
        String body = "{\"client_id\":\"" + c.id() + "\",\"client_name\":\"updated\",\"rotate_client_secret\":true}";
        List<Http.Response> rs = all(20, i -> s().http.putJson("/register/" + c.id(), c.rat(), body));
        List<Http.Response> won = rs.stream().filter(r -> r.status() == 200).toList();
        assertThat(won).hasSize(1);
        assertThat(rs.stream().filter(r -> r.status() == 401)).hasSize(19);
        String secret = won.get(0).str("client_secret");
        assertThat(s().http.postForm("/token", c.id(), secret, Map.of("grant_type", "client_credentials")).status()).isEqualTo(200);
        assertThat(s().http.postForm("/token", c.id(), c.secret(), Map.of("grant_type", "client_credentials")).status()).isEqualTo(401);
        assertThat(s().http.get("/register/" + c.id(), won.get(0).str("registration_access_token")).status()).isEqualTo(200);
    }

    /** Runs n calls at once (released together) and returns their results in order. */
    private static <T> List<T> all(int n, java.util.function.IntFunction<T> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(n, 64));
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<T>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                Callable<T> task = () -> {
                    start.await();
                    return call.apply(k);
                };
                fs.add(pool.submit(task));
            }
            start.countDown();
            List<T> out = new ArrayList<>();
            for (Future<T> f : fs) out.add(f.get(120, TimeUnit.SECONDS));
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

}
