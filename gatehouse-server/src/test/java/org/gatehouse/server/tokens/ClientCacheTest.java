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
                .scope("s").metadata("{}").revokedAt(revokedAt).build();
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
}
