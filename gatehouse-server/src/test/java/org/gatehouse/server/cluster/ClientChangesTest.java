package org.gatehouse.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gatehouse.server.cluster.ClientCacheTwoNodesTest.await;
import static org.gatehouse.server.cluster.ClientCacheTwoNodesTest.grant;
import static org.gatehouse.server.cluster.ClientCacheTwoNodesTest.twoPolls;

import java.util.Map;
import org.gatehouse.server.store.ClientChangeStore;
import org.gatehouse.server.store.ClientStore;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Slow;
import org.gatehouse.server.testing.TestServer;
import org.gatehouse.server.tokens.ClientCache;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/**
 * Issue 18 Must 5, one node on H2 and on PostgreSQL, its changes made as another node would make them (a
 * ClientStore whose listener is not this node's cache): a change that takes its seq first and commits last is
 * still seen; when polls fail the node reads the database again after the ttl (fail closed); the maintenance
 * job deletes old change rows.
 */
@Slow
@BothBackends
class ClientChangesTest {
    @Parameter
    String backend;

    private TestServer s;

    @BeforeEach
    void start() {
        s = TestServer.start(backend, ClientCacheTwoNodesTest.ENV);
        twoPolls(s); // past the poller's start-up window
    }

    @AfterEach
    void stop() {
        s.close();
    }

    @Test
    void aChangeThatCommitsAfterALaterOneIsNotMissed() {
        Flow.Client first = Flow.register(s);
        Flow.Client second = Flow.register(s);
        assertThat(grant(s.http, first, null)).isEqualTo(200);
        assertThat(grant(s.http, second, null)).isEqualTo(200);
        ClientStore otherNode = new ClientStore();
        long now = System.currentTimeMillis();
        try (Handle early = s.gatehouse().db.jdbi().open(); Handle late = s.gatehouse().db.jdbi().open()) {
            early.begin();
            otherNode.revoke(early, first.id(), now, "cli:test", "test"); // takes the smaller seq, commits last
            late.begin();
            otherNode.revoke(late, second.id(), now, "cli:test", "test");
            late.commit();
            await("the node refuses the client whose change committed first", () -> grant(s.http, second, null) == 401);
            // The other change has not committed: the database still says active, and so does the node.
            assertThat(grant(s.http, first, null)).isEqualTo(200);
            early.commit();
        }
        await("the node refuses the client whose change took the smaller seq and committed last", () -> grant(s.http, first, null) == 401);
    }

    @Test
    void whenPollsFailCachedClientsAreReadAgainAfterTheTtlAndLiveLongAgainOncePollsWork() {
        Flow.Client c = Flow.register(s);
        ClientCache cache = s.gatehouse().clientCache;
        assertThat(grant(s.http, c, null)).isEqualTo(200);
        twoPolls(s);
        long misses = cache.misses();
        assertThat(grant(s.http, c, null)).isEqualTo(200);
        assertThat(cache.misses()).as("served from memory while polls work").isEqualTo(misses);

        s.gatehouse().db.withHandle(h -> h.execute("ALTER TABLE client_changes RENAME TO client_changes_away"));
        try {
            long failures = s.gatehouse().clientChanges.failures();
            await("a poll fails", () -> s.gatehouse().clientChanges.failures() > failures);
            await("the node stops serving records older than the ttl", () -> !cache.pollsOnTime());
            assertThat(grant(s.http, c, null)).isEqualTo(200);
            assertThat(cache.misses()).as("read from the database while polls fail").isEqualTo(misses + 1);
        } finally {
            s.gatehouse().db.withHandle(h -> h.execute("ALTER TABLE client_changes_away RENAME TO client_changes"));
        }
        await("polls work again", cache::pollsOnTime);
        assertThat(grant(s.http, c, null)).isEqualTo(200);
        twoPolls(s);
        long after = cache.misses();
        assertThat(grant(s.http, c, null)).isEqualTo(200);
        assertThat(cache.misses()).as("served from memory again").isEqualTo(after);
        assertThat(s.http.get("/metrics").body()).containsPattern("gatehouse_client_changes_polls_total\\{result=\"failed\"} [1-9]");
    }

    /**
     * The database goes back (a PostgreSQL failover to a replica whose identity sequence is behind, a restored
     * backup): the newest change rows are gone and the sequence gives their seqs again. A revocation then takes a seq
     * below the node's cursor; the node must see that the table went back, drop its cache and refuse the client —
     * not serve it for the cache's ten-minute max age.
     */
    @Test
    void whenTheChangesGoBackTheNodeDropsItsCacheAndMissesNoChangeBelowItsCursor() {
        Flow.Client c = Flow.register(s);
        assertThat(grant(s.http, c, null)).isEqualTo(200);
        var db = s.gatehouse().db;
        var poller = s.gatehouse().clientChanges;
        long backup = db.withHandle(ClientChangeStore::last);
        long now = System.currentTimeMillis();
        db.withHandle(h -> { // changes the restored database will not have; the node reads them and its cursor moves past
            for (int i = 0; i < 5; i++) h.execute("INSERT INTO client_changes (client_id, changed_at) VALUES (?, ?)", "lost-" + i, now);
            return null;
        });
        twoPolls(s);
        assertThat(grant(s.http, c, null)).as("still cached: the rows were other clients'").isEqualTo(200);
        long regressions = poller.regressions();
        db.withHandle(h -> { // the restore: those rows gone, the sequence back where the backup had it
            h.execute("DELETE FROM client_changes WHERE seq > ?", backup);
            h.execute("ALTER TABLE client_changes ALTER COLUMN seq RESTART WITH " + (backup + 1));
            return null;
        });
        try (Handle otherNode = db.jdbi().open()) {
            otherNode.begin();
            new ClientStore().revoke(otherNode, c.id(), now, "cli:test", "test"); // takes a seq the cursor has passed
            otherNode.commit();
        }
        assertThat(db.withHandle(ClientChangeStore::last)).as("the revocation's seq is below the node's cursor").isLessThanOrEqualTo(backup + 1);
        twoPolls(s); // a whole poll after the revocation committed
        assertThat(grant(s.http, c, null)).as("the revoked client is refused").isEqualTo(401);
        assertThat(poller.regressions()).as("the node saw that the table went back").isGreaterThan(regressions);
    }

    @Test
    void theMaintenanceJobDeletesChangesOlderThanADay() {
        long now = System.currentTimeMillis();
        s.gatehouse().db.withHandle(h -> {
            h.execute("INSERT INTO client_changes (client_id, changed_at) VALUES ('old', ?)", now - 25 * 3600_000L);
            h.execute("INSERT INTO client_changes (client_id, changed_at) VALUES ('recent', ?)", now - 3600_000L);
            return null;
        });
        assertThat(s.gatehouse().maintenance.run().clientChangesPurged()).isEqualTo(1);
        java.util.List<String> left = s.gatehouse().db.withHandle(h -> h.createQuery(
                "SELECT client_id FROM client_changes WHERE client_id IN ('old', 'recent')").mapTo(String.class).list());
        assertThat(left).containsExactly("recent");
        // A quiet day: every row is old, but the newest stays (the table's highest seq tells a poller whether the
        // database went back; an emptied table would look like a restore).
        s.gatehouse().db.withHandle(h -> h.execute("UPDATE client_changes SET changed_at = ?", now - 25 * 3600_000L));
        long last = s.gatehouse().db.withHandle(ClientChangeStore::last);
        s.gatehouse().maintenance.run();
        java.util.List<Long> kept = s.gatehouse().db.withHandle(h -> h.createQuery("SELECT seq FROM client_changes").mapTo(Long.class).list());
        assertThat(kept).containsExactly(last);
    }
}
