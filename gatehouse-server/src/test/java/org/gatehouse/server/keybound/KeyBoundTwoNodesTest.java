package org.gatehouse.server.keybound;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.gatehouse.server.store.ReplayStore;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.KeyBound;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;

/**
 * Issue 17: two nodes on one PostgreSQL database, one issuer (as behind a load balancer): an assertion or
 * a DPoP proof used on one node is refused on the other, and the maintenance job removes expired ids.
 */
class KeyBoundTwoNodesTest {
    private static final String ISSUER = "https://login.gatehouse.test";

    private static Http direct(TestServer node) {
        return new Http("http://127.0.0.1:" + node.config.port);
    }

    @Test
    void anAssertionOrProofUsedOnOneNodeIsRefusedOnTheOther() {
        try (Backend b = Backend.create(Backend.POSTGRES)) {
            Map<String, String> env = Map.of("GATEHOUSE_ISSUER", ISSUER);
            TestServer a = TestServer.startOn(b, env);
            TestServer second = null;
            try {
                second = TestServer.startOn(b, env);
                Http one = direct(a);
                Http two = direct(second);
                KeyBound k = KeyBound.es256();
                Http.Response reg = one.postJson("/register", a.iat(1, "prefs:read").token(), k.metadata(""));
                assertThat(reg.status()).as(reg.body()).isEqualTo(201);
                String clientId = reg.str("client_id");

                String assertion = k.assertion(clientId, ISSUER);
                Http.Response first = one.postForm("/token", null, null, KeyBound.grant(assertion));
                assertThat(first.status()).as(first.body()).isEqualTo(200);
                Http.Response replayed = two.postForm("/token", null, null, KeyBound.grant(assertion));
                assertThat(replayed.status()).as(replayed.body()).isEqualTo(401);
                assertThat(replayed.json()).containsEntry("error", "invalid_client");
                // A fresh assertion works on the second node: the refusal was the replay, nothing else.
                assertThat(two.postForm("/token", null, null, KeyBound.grant(k.assertion(clientId, ISSUER))).status()).isEqualTo(200);

                String proof = k.proof("POST", ISSUER + "/token");
                Http.Response bound = one.postRaw("/token", "application/x-www-form-urlencoded",
                        Http.form(KeyBound.grant(k.assertion(clientId, ISSUER))), Map.of("DPoP", proof));
                assertThat(bound.status()).as(bound.body()).isEqualTo(200);
                Http.Response proofReplayed = two.postRaw("/token", "application/x-www-form-urlencoded",
                        Http.form(KeyBound.grant(k.assertion(clientId, ISSUER))), Map.of("DPoP", proof));
                assertThat(proofReplayed.status()).as(proofReplayed.body()).isEqualTo(400);
                assertThat(proofReplayed.json()).containsEntry("error", "invalid_dpop_proof");
            } finally {
                if (second != null) second.closeKeepingData();
                a.closeKeepingData();
            }
        }
    }

    @Test
    void theMaintenanceJobDeletesIdsExpiredLongerThanTheClockSkewMarginOnly() {
        try (TestServer s = TestServer.start(Backend.H2, Map.of())) {
            ReplayStore store = new ReplayStore(false);
            long now = System.currentTimeMillis();
            long margin = ReplayStore.PURGE_MARGIN_MILLIS;
            // "just-expired" expired by this node's clock, but a node whose clock is slower may still accept its JWT.
            s.gatehouse().db.withHandle(h -> store.firstUse(h, "expired-id", now - margin - 60_000)
                    && store.firstUse(h, "just-expired-id", now - 1000) && store.firstUse(h, "live-id", now + 600_000));
            var report = s.gatehouse().maintenance.run();
            assertThat(report.usedJtisPurged()).isEqualTo(1);
            Map<String, Boolean> again = new HashMap<>();
            // Each id again with its own expiry: the same JWT has the same key (expires_at, id; V13).
            Map<String, Long> expiry = Map.of("expired-id", now - margin - 60_000, "just-expired-id", now - 1000, "live-id", now + 600_000);
            s.gatehouse().db.withHandle(h -> {
                for (var e : expiry.entrySet()) again.put(e.getKey(), store.firstUse(h, e.getKey(), e.getValue()));
                return null;
            });
            assertThat(again).containsEntry("expired-id", true).containsEntry("just-expired-id", false).containsEntry("live-id", false);
        }
    }
}
