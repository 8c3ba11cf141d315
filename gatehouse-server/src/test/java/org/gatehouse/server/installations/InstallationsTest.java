package org.gatehouse.server.installations;

import org.gatehouse.server.domain.InstallationFilter;
import org.gatehouse.server.domain.InstallationStatus;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.domain.InstallationRecord;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/** Issue 4: installations apart from credentials, re-registration policies, cascade, concurrency. */
@BothBackends
class InstallationsTest {
    @Parameter
    String backend;

    private TestServer s() {
        return TestServer.shared(backend);
    }

    private static String body(String installationId) {
        return "{\"installation_id\":\"" + installationId + "\",\"software_id\":\"morphic\",\"software_version\":\"1.0\"}";
    }

    private InstallationRecord installationOf(String installationId) {
        return installationOf(s(), installationId);
    }

    private static InstallationRecord installationOf(TestServer server, String installationId) {
        List<InstallationRecord> found = server.gatehouse().installations.find(installationId);
        assertThat(found).hasSize(1);
        return found.get(0);
    }

    private static Map<String, String> grant() {
        return Map.of("grant_type", "client_credentials");
    }

    @Test
    void registeringTheSameMachineTwiceLeavesOneInstallationWithOneWorkingCredential() {
        String machine = Flow.installationId();
        String iat = s().iatToken(5);
        Flow.Client first = Flow.register(s(), iat, body(machine));
        String firstToken = Flow.token(s(), first);
        Flow.Client second = Flow.register(s(), iat, body(machine));

        InstallationRecord inst = installationOf(machine);
        assertThat(inst.registrations()).isEqualTo(2);
        assertThat(inst.activeClients()).isEqualTo(1);
        // Both registrations may fall in one millisecond: their order by creation time is not fixed.
        assertThat(s().gatehouse().installations.credentials(inst.id())).extracting(c -> c.clientId() + " " + c.status().code())
                .containsExactlyInAnyOrder(first.id() + " revoked", second.id() + " active");
        Http.Response old = s().http.postForm("/token", first.id(), first.secret(), grant());
        assertThat(old.status()).isEqualTo(401);
        assertThat(Flow.active(s(), Flow.resourceServer(s()), firstToken)).isFalse();
        Flow.token(s(), second);
    }

    @Test
    void rejectPolicyRefusesASecondRegistrationAndStoresNothing() {
        var iat = s().iat(new IatService.Spec("reject", 5, Duration.ofDays(1), null, null, null, "reject", null));
        String machine = Flow.installationId();
        Flow.Client first = Flow.register(s(), iat.token(), body(machine));
        Http.Response again = s().http.postJson("/register", iat.token(), body(machine));
        assertThat(again.status()).isEqualTo(400);
        assertThat(again.str("error")).isEqualTo("invalid_client_metadata");
        assertThat(again.str("error_description")).contains("already registered");
        assertThat(s().gatehouse().iats.get(iat.record().id()).orElseThrow().registrations()).isEqualTo(1);
        Flow.token(s(), first);
        // After deleting its registration (RFC 7592) the installation may register again.
        assertThat(s().http.delete("/register/" + first.id(), first.rat()).status()).isEqualTo(204);
        Flow.register(s(), iat.token(), body(machine));
        assertThat(installationOf(machine).registrations()).isEqualTo(2);
    }

    @Test
    void allowPolicyKeepsSeveralCredentials() {
        var iat = s().iat(new IatService.Spec("allow", 5, Duration.ofDays(1), null, null, null, "allow", null));
        String machine = Flow.installationId();
        Flow.Client a = Flow.register(s(), iat.token(), body(machine));
        Flow.Client b = Flow.register(s(), iat.token(), body(machine));
        Flow.token(s(), a);
        Flow.token(s(), b);
        assertThat(installationOf(machine).activeClients()).isEqualTo(2);
    }

    @Test
    void simultaneousRegistrationsOfOneInstallationEndWithOneActiveCredential() throws Exception {
        for (int round = 0; round < 5; round++) {
            String machine = Flow.installationId();
            // Two tokens of the same account, so the registrations do not queue on one token's row.
            String t1 = s().iatToken(1);
            String t2 = s().iatToken(1);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            CountDownLatch go = new CountDownLatch(1);
            try {
                List<Future<Http.Response>> f = new ArrayList<>();
                for (String t : new String[] {t1, t2}) {
                    f.add(pool.submit(() -> {
                        go.await();
                        return s().http.postJson("/register", t, body(machine));
                    }));
                }
                go.countDown();
                for (Future<Http.Response> r : f) {
                    assertThat(r.get().status()).as(r.get().body()).isEqualTo(201);
                }
            } finally {
                pool.shutdownNow();
            }
            InstallationRecord inst = installationOf(machine);
            assertThat(inst.registrations()).isEqualTo(2);
            assertThat(inst.activeClients()).isEqualTo(1);
        }
    }

    @Test
    void revokingATokenWithCascadeStopsEveryInstallationItAdmittedAtOnce() {
        var iat = s().iat(4, null);
        Flow.Client rs = Flow.resourceServer(s());
        List<Flow.Client> admitted = new ArrayList<>();
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Flow.Client c = Flow.register(s(), iat.token(), body(Flow.installationId()));
            admitted.add(c);
            tokens.add(Flow.token(s(), c));
        }
        Flow.Client other = Flow.register(s());
        assertThat(s().gatehouse().iats.revoke(iat.record().id(), "token file leaked", true, Actor.cli())).isTrue();
        for (int i = 0; i < 3; i++) {
            Flow.Client c = admitted.get(i);
            assertThat(s().http.postForm("/token", c.id(), c.secret(), grant()).status()).isEqualTo(401);
            assertThat(Flow.active(s(), rs, tokens.get(i))).isFalse();
        }
        assertThat(s().gatehouse().installations.list(new InstallationFilter(iat.record().id(), null, null, null, null), 10, null))
                .hasSize(3).allSatisfy(inst -> {
                    assertThat(inst.status()).isEqualTo(InstallationStatus.REVOKED);
                    assertThat(inst.revokedReason()).isEqualTo("token file leaked");
                    assertThat(inst.revokedBy()).isEqualTo(Actor.cli().name());
                });
        Flow.token(s(), other);
    }

    @Test
    void revokingWithoutCascadeLeavesInstallationsWorking() {
        var iat = s().iat(2, null);
        Flow.Client c = Flow.register(s(), iat.token(), body(Flow.installationId()));
        s().gatehouse().iats.revoke(iat.record().id(), null, false, Actor.cli());
        Flow.token(s(), c);
    }

    @Test
    void revokingWhileTokensAreRequestedLeavesNoTokenUsable() throws Exception {
        Flow.Client c = Flow.register(s());
        Flow.Client rs = Flow.resourceServer(s());
        String ref = installationOf((String) c.info().get("installation_id")).id();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<String> issued = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch firstTokens = new CountDownLatch(4);
        List<Future<?>> workers = new ArrayList<>();
        try {
            for (int w = 0; w < 4; w++) {
                workers.add(pool.submit(() -> {
                    for (int i = 0; i < 40; i++) {
                        Http.Response r = s().http.postForm("/token", c.id(), c.secret(), grant());
                        if (r.status() == 200) issued.add(r.str("access_token"));
                        if (i == 0) firstTokens.countDown();
                    }
                    return null;
                }));
            }
            firstTokens.await();
            assertThat(s().gatehouse().installations.revoke(ref, "stolen laptop", Actor.cli())).isTrue();
            for (Future<?> f : workers) f.get();
        } finally {
            pool.shutdownNow();
        }
        assertThat(issued).isNotEmpty();
        for (String t : issued) {
            assertThat(Flow.active(s(), rs, t)).isFalse();
        }
        assertThat(s().http.postForm("/token", c.id(), c.secret(), grant()).status()).isEqualTo(401);
    }

    @Test
    void narrowingATokensScopeNarrowsItsInstallationsTokens() {
        var iat = s().iat(1, "prefs:read prefs:write");
        Flow.Client c = Flow.register(s(), iat.token(), "{}");
        assertThat(s().http.postForm("/token", c.id(), c.secret(), grant()).str("scope")).isEqualTo("prefs:read prefs:write");
        s().gatehouse().iats.updateScope(iat.record().id(), "prefs:read", Actor.cli());
        assertThat(s().http.postForm("/token", c.id(), c.secret(), grant()).str("scope")).isEqualTo("prefs:read");
        Http.Response wide = s().http.postForm("/token", c.id(), c.secret(), Map.of("grant_type", "client_credentials", "scope", "prefs:write"));
        assertThat(wide.str("error")).isEqualTo("invalid_scope");
    }

    @Test
    void softwareIdPolicyIsEnforced() {
        var iat = s().iat(new IatService.Spec("sw", 5, Duration.ofDays(1), null, List.of("morphic", "morphic-beta"), null, null, null));
        Http.Response none = s().http.postJson("/register", iat.token(), "{}");
        assertThat(none.status()).isEqualTo(400);
        assertThat(none.str("error")).isEqualTo("invalid_client_metadata");
        Http.Response other = s().http.postJson("/register", iat.token(), "{\"software_id\":\"evil\"}");
        assertThat(other.str("error")).isEqualTo("invalid_client_metadata");
        Flow.register(s(), iat.token(), "{\"software_id\":\"morphic-beta\"}");
    }

    @Test
    void lastSeenIsGatheredInMemoryAndWrittenInBatches() {
        // Its own server with the periodic flush out of reach: only the flushes called here write.
        try (TestServer own = TestServer.start(backend, Map.of("GATEHOUSE_LAST_SEEN_FLUSH", "1h"))) {
            String machine = Flow.installationId();
            Flow.Client c = Flow.register(own, own.iatToken(1), body(machine));
            for (int i = 0; i < 3; i++) Flow.token(own, c);
            // Nothing was written per request...
            InstallationRecord before = installationOf(own, machine);
            assertThat(before.tokenCount()).isZero();
            assertThat(before.lastSeenAt()).isNull();
            // ...until the batch is flushed.
            own.gatehouse().lastSeen.flush();
            InstallationRecord after = installationOf(own, machine);
            assertThat(after.tokenCount()).isEqualTo(3);
            assertThat(after.lastSeenAt()).isNotNull();
        }
    }

    @Test
    void aFlushWritesEveryInstallationInBatchesOfTheSetSize() {
        // Batches of 2 over 5 installations: two full batches and a last partial one, each its own transaction.
        try (TestServer own = TestServer.start(backend, Map.of("GATEHOUSE_LAST_SEEN_FLUSH", "1h", "GATEHOUSE_LAST_SEEN_BATCH", "2"))) {
            List<String> machines = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                String machine = Flow.installationId();
                machines.add(machine);
                Flow.Client c = Flow.register(own, own.iatToken(1), body(machine));
                for (int t = 0; t <= i; t++) Flow.token(own, c);
            }
            assertThat(own.gatehouse().lastSeen.flush()).isEqualTo(5);
            for (int i = 0; i < 5; i++) {
                InstallationRecord after = installationOf(own, machines.get(i));
                assertThat(after.tokenCount()).as(machines.get(i)).isEqualTo(i + 1);
                assertThat(after.lastSeenAt()).isNotNull();
            }
            assertThat(own.gatehouse().lastSeen.flush()).isZero(); // nothing left behind
        }
    }
    /**
     * A flush whose second transaction fails (here a CHECK constraint that the second batch's first row violates; in
     * production a lock timeout, a lost connection): the batch before it stays written, the failed batch and the one
     * after it are kept and written by the next flush, together with what was counted meanwhile — nothing lost,
     * nothing counted twice.
     */
    @Test
    void aFlushThatFailsHalfwayKeepsTheFailedBatchAndThoseAfterItForTheNextFlush() {
        try (TestServer own = TestServer.start(backend, Map.of("GATEHOUSE_LAST_SEEN_FLUSH", "1h", "GATEHOUSE_LAST_SEEN_BATCH", "2"))) {
            java.util.TreeMap<String, Flow.Client> byRef = new java.util.TreeMap<>(); // the flush's order: installation id
            Map<String, Integer> tokens = new java.util.HashMap<>();
            for (int i = 0; i < 5; i++) {
                String machine = Flow.installationId();
                Flow.Client c = Flow.register(own, own.iatToken(1), body(machine));
                for (int t = 0; t <= i; t++) Flow.token(own, c);
                String ref = installationOf(own, machine).id();
                byRef.put(ref, c);
                tokens.put(ref, i + 1);
            }
            List<String> refs = new ArrayList<>(byRef.keySet()); // batches: [0, 1] [2, 3] [4]
            assertThat(refs.get(2)).matches("[A-Za-z0-9_-]+");
            var db = own.gatehouse().db;
            db.withHandle(h -> h.execute("ALTER TABLE installations ADD CONSTRAINT last_seen_test_fails CHECK (id <> '" + refs.get(2)
                    + "' OR token_count = 0)"));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> own.gatehouse().lastSeen.flush()).isInstanceOf(RuntimeException.class);
            assertThat(tokenCount(own, refs.get(0))).isEqualTo(tokens.get(refs.get(0)));
            assertThat(tokenCount(own, refs.get(1))).isEqualTo(tokens.get(refs.get(1)));
            for (String ref : refs.subList(2, 5)) assertThat(tokenCount(own, ref)).as("not written yet: " + ref).isZero();
            // Counted while the failed counts wait: added to them, not in place of them.
            Flow.token(own, byRef.get(refs.get(3)));
            Flow.token(own, byRef.get(refs.get(0)));
            tokens.merge(refs.get(3), 1, Integer::sum);
            tokens.merge(refs.get(0), 1, Integer::sum);
            db.withHandle(h -> h.execute("ALTER TABLE installations DROP CONSTRAINT last_seen_test_fails"));
            assertThat(own.gatehouse().lastSeen.flush()).as("the failed batch, the one after it, and refs[0] again").isEqualTo(4);
            for (String ref : refs) {
                assertThat(tokenCount(own, ref)).as(ref).isEqualTo(tokens.get(ref));
            }
            assertThat(own.gatehouse().lastSeen.flush()).isZero(); // nothing left behind
        }
    }

    private static int tokenCount(TestServer server, String ref) {
        return server.gatehouse().db.withHandle(h -> h.createQuery("SELECT token_count FROM installations WHERE id = :id")
                .bind("id", ref).mapTo(Integer.class).one());
    }
}
