package org.gatehouse.server.accounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.gatehouse.server.testing.Threads;
import org.junit.jupiter.api.Test;

/** Security review 2026-12, item 1: the gate in front of password hashing (unit, no hashing). */
class PasswordGateTest {
    @Test
    void aFullQueueIsRefusedAtOnceAndTheQueueMovesInOrder() throws Exception {
        PasswordGate gate = new PasswordGate(1, 1, 60_000);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> first = holdThePermit(gate, release);
        CompletableFuture<String> second = CompletableFuture.supplyAsync(() -> gate.run(() -> "second"), Threads.EACH_ITS_OWN);
        long bound = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); // a failure bound, not a timing
        while (gate.waiting() < 1) { // the second is queued for the permit
            assertThat(System.nanoTime()).as("the second request waits for the permit").isLessThan(bound);
            Thread.yield();
        }
        assertThatThrownBy(() -> gate.run(() -> "third")).isInstanceOf(PasswordGate.Busy.class);
        release.countDown();
        assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo("first");
        assertThat(second.get(30, TimeUnit.SECONDS)).isEqualTo("second");
        assertThat(gate.run(() -> "later")).isEqualTo("later");
    }

    @Test
    void aWaitOverItsBoundIsRefused() throws Exception {
        PasswordGate gate = new PasswordGate(1, 5, 0);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> first = holdThePermit(gate, release);
        assertThatThrownBy(() -> gate.run(() -> "second")).isInstanceOf(PasswordGate.Busy.class);
        release.countDown();
        assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo("first");
    }

    @Test
    void sizedFromTheHeapAndTheCores() {
        long mib = 1024 * 1024;
        assertThat(PasswordGate.permitsFor(192 * mib, 2)).isEqualTo(1); // serve's defaults: 48 MiB of 192 for hashing
        assertThat(PasswordGate.permitsFor(64 * mib, 16)).isEqualTo(1); // never none
        assertThat(PasswordGate.permitsFor(1024 * mib, 16)).isEqualTo(8); // half the cores
        assertThat(PasswordGate.permitsFor(400 * mib, 16)).isEqualTo(5); // a quarter of the heap
    }

    /** A run that has taken the gate's permit and keeps it until {@code release}; returns once it runs. */
    private static CompletableFuture<String> holdThePermit(PasswordGate gate, CountDownLatch release) throws InterruptedException {
        CountDownLatch running = new CountDownLatch(1);
        CompletableFuture<String> f = CompletableFuture.supplyAsync(() -> gate.run(() -> {
            running.countDown();
            await(release);
            return "first";
        }), Threads.EACH_ITS_OWN);
        assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
        return f;
    }

    private static void await(CountDownLatch l) {
        try {
            assertThat(l.await(30, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
