package org.gatehouse.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.Slow;
import org.gatehouse.server.testing.TestServer;
import org.gatehouse.server.tokens.ClientCache;
import org.junit.jupiter.api.Test;

/**
 * Issue 18 Must 5: two nodes on one PostgreSQL database. Node B keeps client records for minutes
 * (GATEHOUSE_CLIENT_CACHE_MAX_AGE) and serves them without a database read, yet refuses a client that node A
 * revoked, rotated, deleted or updated (or whose token's scope A narrowed) within its poll of client_changes —
 * not after the ten minutes the record could otherwise live.
 */
@Slow
class ClientCacheTwoNodesTest {
    static final Map<String, String> ENV = Map.of("GATEHOUSE_CLIENT_CACHE_TTL", "1s", "GATEHOUSE_CLIENT_CACHE_POLL", "1s",
            "GATEHOUSE_CLIENT_CACHE_COMMIT_WAIT", "1s", "GATEHOUSE_CLIENT_CACHE_MAX_AGE", "10m", "GATEHOUSE_RATE_TOKEN_PER_CLIENT", "0");

    private static Http direct(TestServer node) {
        return new Http("http://127.0.0.1:" + node.config.port);
    }

    static int grant(Http node, Flow.Client c, String scope) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "client_credentials");
        if (scope != null) form.put("scope", scope);
        return node.postForm("/token", c.id(), c.secret(), form).status();
    }

    /** Waits (bounded) until a condition holds; nothing else can tell when another node's poll has run. */
    static void await(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waited 30 s for: " + what).isNegative();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    /**
     * Two more successful polls of the node: a whole poll has started after this call (so it has read every change
     * committed before it, and applied it to the cache), and more than one poll interval (and its 1 s ttl) has
     * passed. Woken by the poller's own signal (ClientChangePoller.onPoll), not by time.
     */
    static void twoPolls(TestServer node) {
        var poller = node.gatehouse().clientChanges;
        long p = poller.polls();
        try {
            new org.gatehouse.server.testing.StateWaiter(poller::onPoll, () -> "polls " + poller.polls() + ", failures " + poller.failures())
                    .await("two polls", () -> poller.polls() >= p + 2);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static Map<String, Object> updateBody(Flow.Client c) {
        Map<String, Object> m = new LinkedHashMap<>(c.info());
        m.remove("registration_access_token");
        m.remove("registration_client_uri");
        m.remove("client_secret_expires_at");
        m.remove("client_id_issued_at");
        return m;
    }

    @Test
    void changesOnOneNodeAreRefusedOnTheOtherWithinItsPollWhileUnchangedClientsAreServedWithoutARead() {
        try (Backend b = Backend.create(Backend.POSTGRES)) {
            TestServer a = TestServer.startOn(b, ENV);
            TestServer nodeB = null;
            try {
                nodeB = TestServer.startOn(b, ENV);
                TestServer bb = nodeB;
                Http one = direct(a);
                Http two = direct(bb);
                twoPolls(bb); // past the poller's start-up window (GATEHOUSE_CLIENT_CACHE_COMMIT_WAIT=1s)
                String both = "{\"scope\":\"prefs:read prefs:write\"}";
                Flow.Client revoked = Flow.register(a, a.iatToken(1), both);
                Flow.Client rotated = Flow.register(a, a.iatToken(1), both);
                Flow.Client deleted = Flow.register(a, a.iatToken(1), both);
                Flow.Client updated = Flow.register(a, a.iatToken(1), both);
                var narrowed = a.iat(1, "prefs:read prefs:write");
                Flow.Client ofNarrowed = Flow.register(a, narrowed.token(), both);
                Flow.Client untouched = Flow.register(a, a.iatToken(1), both);
                Flow.Client[] all = {revoked, rotated, deleted, updated, ofNarrowed, untouched};
                for (Flow.Client c : all) assertThat(grant(two, c, "prefs:write")).isEqualTo(200);

                // Older than the ttl: B still answers from memory, without a database read.
                ClientCache cacheB = bb.gatehouse().clientCache;
                twoPolls(bb);
                long misses = cacheB.misses();
                long hits = cacheB.hits();
                for (Flow.Client c : all) assertThat(grant(two, c, "prefs:write")).isEqualTo(200);
                assertThat(cacheB.misses()).as("client reads on node B").isEqualTo(misses);
                assertThat(cacheB.hits()).isEqualTo(hits + all.length);

                // Node A changes five of them.
                a.gatehouse().installations.revokeCredential(revoked.id(), "test", Actor.cli());
                Map<String, Object> rotate = updateBody(rotated);
                rotate.put("rotate_client_secret", true);
                assertThat(one.putJson("/register/" + rotated.id(), rotated.rat(), Json.write(rotate)).status()).isEqualTo(200);
                assertThat(one.delete("/register/" + deleted.id(), deleted.rat()).status()).isEqualTo(204);
                Map<String, Object> narrower = updateBody(updated);
                narrower.put("scope", "prefs:read");
                assertThat(one.putJson("/register/" + updated.id(), updated.rat(), Json.write(narrower)).status()).isEqualTo(200);
                assertThat(a.gatehouse().iats.updateScope(narrowed.record().id(), "prefs:read", Actor.cli())).isTrue();

                // B refuses each as soon as its poller has applied the changes (a record may otherwise live ten minutes
                // there): not eventually, but on the first request after a poll that started after they committed.
                twoPolls(bb);
                assertThat(grant(two, revoked, null)).as("B refuses the revoked client").isEqualTo(401);
                assertThat(grant(two, rotated, null)).as("B refuses the rotated secret").isEqualTo(401);
                assertThat(grant(two, deleted, null)).as("B refuses the deleted client").isEqualTo(401);
                assertThat(grant(two, updated, "prefs:write")).as("B applies the narrower registered scope").isEqualTo(400);
                assertThat(grant(two, ofNarrowed, "prefs:write")).as("B applies the token's narrower scope").isEqualTo(400);
                assertThat(grant(two, untouched, "prefs:write")).isEqualTo(200);
                assertThat(grant(two, updated, "prefs:read")).isEqualTo(200);
                assertThat(cacheB.evictions()).isGreaterThanOrEqualTo(5);
                String metrics = two.get("/metrics").body();
                assertThat(metrics).contains("gatehouse_client_cache_lookups_total{result=\"hit\"}")
                        .contains("gatehouse_client_changes_polls_total{result=\"ok\"}");
            } finally {
                if (nodeB != null) nodeB.closeKeepingData();
                a.closeKeepingData();
            }
        }
    }
}
