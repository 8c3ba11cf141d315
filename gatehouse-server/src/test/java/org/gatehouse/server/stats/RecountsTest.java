package org.gatehouse.server.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: the dashboard's expensive counts (Figures above 10,000 installations) are recounted by one caller at a
 * time; the others get the last figures instead of each counting. Latches order the threads; no sleeps.
 */
class RecountsTest {
    private static final long MINUTE = 60_000;

    /** A count that says it started, then waits to be released, then answers {@code value}. */
    private static Supplier<String> blocked(CountDownLatch started, CountDownLatch release, AtomicInteger counts, String value) {
        return () -> {
            counts.incrementAndGet();
            started.countDown();
            try {
                assertThat(release.await(60, TimeUnit.SECONDS)).as("released").isTrue();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return value;
        };
    }

    @Test
    void whileOneRecountsTheOthersGetTheLastFigures() throws Exception {
        Recounts<String> r = new Recounts<>(MINUTE, 100);
        AtomicInteger counts = new AtomicInteger();
        assertThat(r.get("system", 0, () -> "first")).isEqualTo("first");
        assertThat(r.get("system", MINUTE - 1, () -> "never")).isEqualTo("first"); // still fresh: not counted
        CountDownLatch started = new CountDownLatch(1), release = new CountDownLatch(1);
        CompletableFuture<String> recount = CompletableFuture.supplyAsync(() -> r.get("system", 2 * MINUTE,
                blocked(started, release, counts, "second")));
        assertThat(started.await(60, TimeUnit.SECONDS)).isTrue();
        // Three more callers while it counts: each answered at once with the last figures, none counts.
        for (int i = 0; i < 3; i++) {
            assertThat(r.get("system", 2 * MINUTE + i, () -> {
                counts.incrementAndGet();
                return "concurrent";
            })).isEqualTo("first");
        }
        assertThat(r.get("acc_other", 2 * MINUTE, () -> "other's")).isEqualTo("other's"); // another key counts on its own
        release.countDown();
        assertThat(recount.get(60, TimeUnit.SECONDS)).isEqualTo("second");
        assertThat(counts.get()).isEqualTo(1);
        assertThat(r.get("system", 2 * MINUTE + 10, () -> "never")).isEqualTo("second");
    }

    @Test
    void withNothingKeptYetTheOthersWaitForTheOneCount() throws Exception {
        Recounts<String> r = new Recounts<>(MINUTE, 100);
        AtomicInteger counts = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(1), release = new CountDownLatch(1);
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> r.get("k", 0, blocked(started, release, counts, "counted")));
        assertThat(started.await(60, TimeUnit.SECONDS)).isTrue();
        AtomicReference<String> got = new AtomicReference<>();
        Thread waiter = new Thread(() -> got.set(r.get("k", 0, () -> {
            counts.incrementAndGet();
            return "again";
        })));
        waiter.start();
        // The waiter parks on the count in progress (it would count itself, and finish, without single flight).
        while (waiter.getState() != Thread.State.WAITING && waiter.isAlive()) Thread.onSpinWait();
        release.countDown();
        assertThat(first.get(60, TimeUnit.SECONDS)).isEqualTo("counted");
        waiter.join(60_000);
        assertThat(waiter.isAlive()).isFalse();
        assertThat(got.get()).isEqualTo("counted");
        assertThat(counts.get()).isEqualTo(1);
    }

    @Test
    void aFailedCountIsThrownAndTheNextCallerCountsAgain() {
        Recounts<String> r = new Recounts<>(MINUTE, 100);
        assertThatThrownBy(() -> r.get("k", 0, () -> {
            throw new IllegalStateException("database down");
        })).hasMessage("database down");
        assertThat(r.get("k", 0, () -> "counted")).isEqualTo("counted");
    }

    @Test
    void keptKeysAreBounded() {
        Recounts<String> r = new Recounts<>(MINUTE, 2);
        r.get("a", 0, () -> "a1");
        r.get("b", 0, () -> "b1");
        r.get("c", 0, () -> "c1"); // the third key: the kept ones are dropped
        assertThat(r.get("a", 1, () -> "a2")).isEqualTo("a2");
    }
}
