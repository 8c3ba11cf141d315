package org.gatehouse.server.tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.gatehouse.server.errors.OAuthError;
import org.junit.jupiter.api.Test;

/** RFC 8707 resolution rules and the catalog's cache bound, without a server. */
class ResourceCatalogTest {
    private static final String PREFS = "https://prefs.example.org/api";
    private static final String ANY = "https://any.example.org/";
    private static final ResourceCatalog.Snapshot SNAPSHOT = new ResourceCatalog.Snapshot(
            Map.of(PREFS, Set.of("prefs:read"), ANY, Set.of()));
    private static final Set<String> CLIENT = Set.of("prefs:read", "prefs:write");

    private static String error(List<String> resources, String allowedByToken, Set<String> scopes) {
        try {
            ResourceCatalog.resolve(SNAPSHOT, resources, allowedByToken, scopes);
            return "none";
        } catch (OAuthError e) {
            return e.error();
        }
    }

    @Test
    void resolvesAudiencesAndTheScopesTheyServe() {
        assertThat(ResourceCatalog.resolve(SNAPSHOT, List.of(PREFS), null, CLIENT))
                .isEqualTo(new ResourceCatalog.Target(List.of(PREFS), Set.of("prefs:read")));
        ResourceCatalog.Target both = ResourceCatalog.resolve(SNAPSHOT, List.of(PREFS, ANY, PREFS), null, CLIENT);
        assertThat(both.audiences()).containsExactly(PREFS, ANY); // duplicates collapse, order kept
        assertThat(both.scopes()).isNull(); // ANY serves every scope
    }

    @Test
    void refusesWithInvalidTarget() {
        assertThat(error(List.of("https://unknown.example.org/"), null, CLIENT)).isEqualTo("invalid_target");
        for (String bad : new String[] {"relative/path", "https://a.example/#f", "has space", "%zz", "", "\u0000x:y"}) {
            assertThat(error(List.of(bad), null, CLIENT)).as(bad).isEqualTo("invalid_target");
        }
        assertThat(error(List.of(PREFS), null, Set.of("prefs:write"))).isEqualTo("invalid_target"); // serves none of the client's
        assertThat(error(List.of(PREFS), ANY, CLIENT)).isEqualTo("invalid_target"); // not allowed by the token
        assertThat(error(List.of(ANY), ANY, CLIENT)).isEqualTo("none");
        assertThat(error(java.util.Collections.nCopies(11, PREFS), null, CLIENT)).isEqualTo("invalid_target");
    }

    @Test
    void aSnapshotIsKeptForTheTtlAndDroppedOnInvalidate() {
        AtomicInteger loads = new AtomicInteger();
        AtomicLong now = new AtomicLong();
        ResourceCatalog c = new ResourceCatalog(() -> {
            loads.incrementAndGet();
            return SNAPSHOT;
        }, Duration.ofSeconds(2), now::get);
        assertThat(c.snapshot()).isSameAs(SNAPSHOT);
        assertThat(loads).hasValue(1);
        now.addAndGet(Duration.ofMillis(1999).toNanos());
        c.snapshot();
        assertThat(loads).hasValue(1);
        now.addAndGet(Duration.ofMillis(1).toNanos());
        c.snapshot();
        assertThat(loads).hasValue(2);
        c.invalidate();
        c.snapshot();
        assertThat(loads).hasValue(3);
        ResourceCatalog uncached = new ResourceCatalog(() -> {
            loads.incrementAndGet();
            return SNAPSHOT;
        }, Duration.ZERO, now::get);
        uncached.snapshot();
        uncached.snapshot();
        assertThat(loads).hasValue(5);
    }

    @Test
    void aFailedReadServesTheLastGoodCopyForABoundedTimeThenFails() {
        AtomicLong now = new AtomicLong();
        java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean();
        ResourceCatalog c = new ResourceCatalog(() -> {
            if (down.get()) throw new IllegalStateException("connection refused");
            return SNAPSHOT;
        }, Duration.ofSeconds(2), now::get);
        assertThat(c.snapshot()).isSameAs(SNAPSHOT);
        down.set(true);
        now.addAndGet(Duration.ofSeconds(2).toNanos()); // expired: the re-read fails
        assertThat(c.snapshot()).isSameAs(SNAPSHOT);
        c.invalidate(); // even after a change through this process, a hiccup keeps the last good copy
        assertThat(c.snapshot()).isSameAs(SNAPSHOT);
        now.addAndGet(ResourceCatalog.STALE_LIMIT.toNanos() - 1);
        assertThat(c.snapshot()).isSameAs(SNAPSHOT);
        now.addAndGet(1); // past the bound: fail closed
        assertThatThrownBy(c::snapshot).isInstanceOf(IllegalStateException.class).hasMessage("connection refused");
        down.set(false);
        assertThat(c.snapshot()).isSameAs(SNAPSHOT);
        ResourceCatalog neverRead = new ResourceCatalog(() -> {
            throw new IllegalStateException("connection refused");
        }, Duration.ofSeconds(2), now::get);
        assertThatThrownBy(neverRead::snapshot).isInstanceOf(IllegalStateException.class); // no good copy: nothing to serve
    }

    /** A slow re-read holds no lock: the other requests use the copy they have meanwhile, and do not queue behind it. */
    @Test
    void whileOneRequestReReadsTheOthersUseTheExpiredCopy() throws Exception {
        AtomicLong now = new AtomicLong();
        ResourceCatalog.Snapshot newer = new ResourceCatalog.Snapshot(Map.of(PREFS, Set.of()));
        java.util.concurrent.CountDownLatch inRead = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        AtomicInteger loads = new AtomicInteger();
        ResourceCatalog c = new ResourceCatalog(() -> {
            if (loads.incrementAndGet() == 1) return SNAPSHOT;
            inRead.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return newer;
        }, Duration.ofSeconds(2), now::get);
        c.snapshot();
        now.addAndGet(Duration.ofSeconds(3).toNanos());
        var slow = org.gatehouse.server.testing.Threads.EACH_ITS_OWN.submit(c::snapshot);
        inRead.await();
        // With the read under a lock this call would wait for `release`, which only comes after it: a hang, not a pass.
        var other = org.gatehouse.server.testing.Threads.EACH_ITS_OWN.submit(c::snapshot);
        try {
            assertThat(other.get(120, java.util.concurrent.TimeUnit.SECONDS)).isSameAs(SNAPSHOT);
        } finally {
            release.countDown();
        }
        assertThat(slow.get()).isSameAs(newer);
        assertThat(c.snapshot()).isSameAs(newer);
        assertThat(loads).hasValue(2);
    }
}
