package org.gatehouse.server.tokens;

import org.gatehouse.server.domain.ClientKind;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.gatehouse.server.domain.ClientRecord;
import org.junit.jupiter.api.Test;

/** The bound: a record is served from memory for at most the ttl (a fake clock, no waiting). */
class ClientCacheTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final AtomicInteger loads = new AtomicInteger();

    private static ClientRecord client(String id, Long revokedAt) {
        return ClientRecord.builder().clientId(id).kind(ClientKind.INSTALLATION).secretHash("h").authMethod("client_secret_basic")
                .scope("s").revokedAt(revokedAt).build();
    }

    private Optional<ClientRecord> load(ClientRecord r) {
        loads.incrementAndGet();
        return Optional.ofNullable(r);
    }

    @Test
    void servesFromMemoryWithinTheTtlAndReloadsAfter() {
        ClientCache cache = new ClientCache(Duration.ofSeconds(2), 10, now::get);
        ClientRecord active = client("a", null);
        ClientRecord revoked = client("a", 5L);
        assertThat(cache.find("a", id -> load(active))).contains(active);
        now.addAndGet(Duration.ofMillis(1999).toNanos());
        assertThat(cache.find("a", id -> load(revoked))).contains(active);
        assertThat(loads).hasValue(1);
        now.addAndGet(Duration.ofMillis(1).toNanos());
        assertThat(cache.find("a", id -> load(revoked))).contains(revoked);
        assertThat(loads).hasValue(2);
    }

    @Test
    void invalidationTakesEffectAtOnceAndUnknownClientsAreNotKept() {
        ClientCache cache = new ClientCache(Duration.ofSeconds(2), 10, now::get);
        cache.find("a", id -> load(client("a", null)));
        cache.invalidate("a");
        assertThat(cache.find("a", id -> load(null))).isEmpty();
        assertThat(cache.find("x", id -> load(null))).isEmpty();
        assertThat(cache.size()).isZero();
    }

    @Test
    void staysBoundedAndZeroTtlDisables() {
        ClientCache cache = new ClientCache(Duration.ofSeconds(2), 3, now::get);
        for (int i = 0; i < 10; i++) {
            String id = "c" + i;
            cache.find(id, k -> load(client(k, null)));
        }
        assertThat(cache.size()).isLessThanOrEqualTo(3);
        ClientCache off = new ClientCache(Duration.ZERO, 3, now::get);
        off.find("a", id -> load(client("a", null)));
        off.find("a", id -> load(client("a", null)));
        assertThat(off.size()).isZero();
        assertThat(off.enabled()).isFalse();
    }

    // --- issue 18 Must 5: long life while polls are on time

    private static final Duration TTL = Duration.ofSeconds(2);
    private static final long POLL = Duration.ofSeconds(1).toNanos();

    private ClientCache polled() {
        ClientCache cache = new ClientCache(TTL, Duration.ofMinutes(10), 10, now::get);
        cache.pollerStarted(now.get()); // no start-up window in these tests
        cache.pollSucceeded(now.get(), POLL);
        return cache;
    }

    /** Advances the clock by a poll interval and polls successfully. */
    private void pollOnTime(ClientCache cache) {
        now.addAndGet(POLL);
        cache.pollSucceeded(now.get(), POLL);
    }

    @Test
    void whilePollsAreOnTimeARecordLivesForTheMaxAgeWithoutARead() {
        ClientCache cache = polled();
        ClientRecord active = client("a", null);
        cache.find("a", id -> load(active));
        for (int i = 0; i < 60; i++) pollOnTime(cache); // a minute
        assertThat(cache.find("a", id -> load(client("a", 5L)))).contains(active);
        assertThat(loads).hasValue(1);
        assertThat(cache.hits()).isEqualTo(1);
        assertThat(cache.misses()).isEqualTo(1);
        for (int i = 0; i < 600; i++) pollOnTime(cache); // past ten minutes: read again
        cache.find("a", id -> load(active));
        assertThat(loads).hasValue(2);
    }

    @Test
    void aChangeReadByThePollDropsTheRecordAndATokenChangeDropsItsClients() {
        ClientCache cache = polled();
        cache.find("a", id -> load(client("a", null).toBuilder().iatId("t1").build()));
        cache.find("b", id -> load(client("b", null).toBuilder().iatId("t2").build()));
        cache.find("c", id -> load(client("c", null)));
        cache.changed("c");
        cache.tokenChanged("t1");
        assertThat(cache.size()).isEqualTo(1);
        assertThat(cache.find("c", id -> load(client("c", 5L)))).get().extracting(ClientRecord::revokedAt).isEqualTo(5L);
        assertThat(cache.evictions()).isEqualTo(2);
    }

    @Test
    void whenPollsStopTheCacheServesNothingOlderThanTheTtlUntilTheyWorkAgain() {
        ClientCache cache = polled();
        ClientRecord active = client("a", null);
        cache.find("a", id -> load(active));
        pollOnTime(cache);
        pollOnTime(cache);
        assertThat(cache.pollsOnTime()).isTrue();
        // The database is down: no poll succeeds. Within poll + ttl of the last success the record is still served...
        now.addAndGet(POLL + TTL.toNanos() - 1);
        assertThat(cache.find("a", id -> load(client("a", 5L)))).contains(active);
        // ...then not any more: it is older than ttl and nobody has read the changes.
        now.addAndGet(1);
        assertThat(cache.pollsOnTime()).isFalse();
        ClientRecord revoked = client("a", 5L);
        assertThat(cache.find("a", id -> load(revoked))).contains(revoked);
        assertThat(loads).hasValue(2);
        // A record read now lives for ttl only.
        now.addAndGet(TTL.toNanos());
        cache.find("a", id -> load(revoked));
        assertThat(loads).hasValue(3);
        // Polls work again: long life again.
        cache.pollSucceeded(now.get(), POLL);
        now.addAndGet(POLL);
        cache.pollSucceeded(now.get(), POLL);
        cache.find("a", id -> load(revoked));
        assertThat(loads).hasValue(3);
    }

    @Test
    void aRecordReadInThePollersStartUpWindowLivesForTheTtlOnly() {
        ClientCache cache = new ClientCache(TTL, Duration.ofMinutes(10), 10, now::get);
        cache.pollerStarted(now.get() + Duration.ofSeconds(60).toNanos());
        cache.pollSucceeded(now.get(), POLL);
        cache.find("early", id -> load(client("early", null)));
        now.addAndGet(Duration.ofSeconds(60).toNanos());
        cache.pollSucceeded(now.get(), POLL);
        cache.find("late", id -> load(client("late", null)));
        now.addAndGet(TTL.toNanos());
        cache.pollSucceeded(now.get(), POLL);
        cache.find("early", id -> load(client("early", null)));
        cache.find("late", id -> load(client("late", null)));
        assertThat(loads).hasValue(3); // early twice, late once
    }

    /**
     * The poller gave up awaiting some late seqs (more than it tracks at once: a bulk revocation of thousands of
     * clients in one transaction while later changes committed first): records read before those could have
     * committed may predate them, so they live for the ttl only (the reviewer's finding: they lived the max age).
     */
    @Test
    void afterThePollerStopsTrackingSomeChangesRecordsLiveForTheTtlUntilThoseCouldHaveCommitted() {
        ClientCache cache = polled();
        cache.invalidateAll();
        cache.untrackedUntil(now.get() + Duration.ofSeconds(60).toNanos());
        cache.find("a", id -> load(client("a", null)));
        pollOnTime(cache);
        pollOnTime(cache);
        pollOnTime(cache); // 3 s: past the ttl
        cache.find("a", id -> load(client("a", 5L)));
        assertThat(loads).as("read again after the ttl").hasValue(2);
        for (int i = 0; i < 60; i++) pollOnTime(cache); // the window is over: long life again
        cache.find("b", id -> load(client("b", null)));
        for (int i = 0; i < 60; i++) pollOnTime(cache);
        cache.find("b", id -> load(client("b", 5L)));
        assertThat(loads).hasValue(3);
        cache.untrackedUntil(now.get() - Duration.ofSeconds(100).toNanos()); // a bound before the current one changes nothing
        assertThat(cache.find("b", id -> load(client("b", 5L)))).get().extracting(ClientRecord::revokedAt).isNull();
    }

    @Test
    void withoutAPollerAndForUnknownIdsTheTtlStaysTheBound() {
        ClientCache cache = new ClientCache(TTL, Duration.ofMinutes(10), 10, now::get);
        cache.find("a", id -> load(client("a", null)));
        cache.find("x", id -> load(null));
        now.addAndGet(TTL.toNanos());
        cache.find("a", id -> load(client("a", null)));
        cache.find("x", id -> load(null));
        assertThat(loads).hasValue(4);
        ClientCache withPolls = polled();
        withPolls.find("x", id -> load(null));
        pollOnTime(withPolls);
        pollOnTime(withPolls);
        withPolls.find("x", id -> load(null));
        assertThat(loads).hasValue(6);
    }

    @Test
    void aFullCacheDropsATenthNotEverything() {
        ClientCache cache = new ClientCache(TTL, Duration.ofMinutes(10), 100, now::get);
        for (int i = 0; i < 100; i++) cache.find("c" + i, k -> load(client(k, null)));
        assertThat(cache.size()).isEqualTo(100);
        cache.find("one-more", k -> load(client(k, null)));
        assertThat(cache.size()).isEqualTo(91);
    }

    /**
     * Issue 18 Must 5: what a cached record weighs. A fleet's records as the token endpoint reads them (the
     * registration's metadata JSON included), measured as the heap's growth per record: printed, not asserted.
     */
    @Test
    void entrySizeIsPrinted() {
        int n = 20_000;
        ClientCache cache = new ClientCache(TTL, Duration.ofMinutes(10), n, now::get);
        Runtime rt = Runtime.getRuntime();
        System.gc();
        long before = rt.totalMemory() - rt.freeMemory();
        String[] tokens = new String[20]; // a fleet admitted by 20 tokens
        for (int t = 0; t < tokens.length; t++) tokens[t] = org.gatehouse.server.crypto.Secrets.randomId(12);
        for (int i = 0; i < n; i++) {
            String id = org.gatehouse.server.crypto.Secrets.randomId(16);
            // Every value a fresh String, as each row read through JDBC brings its own.
            ClientRecord r = ClientRecord.builder().clientId(new String(id)).kind(ClientKind.INSTALLATION).iatId(new String(tokens[i % 20]))
                    .secretHash(org.gatehouse.server.crypto.Secrets.randomId(32)).secretIssuedAt(1L).authMethod(new String("client_secret_basic"))
                    .scope(new String("prefs:read prefs:write")).clientName(new String("Library PC"))
                    .softwareId(new String("org.example.app")).softwareVersion(new String("1.2.3"))
                    .installationId(org.gatehouse.server.crypto.Secrets.randomId(32))
                    .metadata("{\"client_name\":\"Library PC\",\"software_id\":\"org.example.app\",\"software_version\":\"1.2.3\","
                            + "\"installation_id\":\"" + org.gatehouse.server.crypto.Secrets.randomId(32) + "\"}")
                    .ratHash(org.gatehouse.server.crypto.Secrets.randomId(32)).installationRef(org.gatehouse.server.crypto.Secrets.randomId(16))
                    .iatScope(new String("prefs:read prefs:write")).createdAt(1L).updatedAt(1L).build();
            cache.find(id, k -> Optional.of(r));
        }
        System.gc();
        long after = rt.totalMemory() - rt.freeMemory();
        System.out.printf("client cache: %d records, %.0f bytes per record (heap growth)%n", cache.size(), (after - before) / (double) n);
        assertThat(cache.size()).isEqualTo(n);
    }
}
