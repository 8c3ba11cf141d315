package org.gatehouse.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The server's periodic jobs (last-seen flush, purges, housekeeping) outlive a round that fails. */
class JobsTest {
    @Test
    void aJobWhoseRoundThrowsAnErrorRunsAgainInTheNextRound() throws Exception {
        ScheduledExecutorService jobs = Executors.newSingleThreadScheduledExecutor();
        try {
            AtomicInteger rounds = new AtomicInteger();
            CountDownLatch third = new CountDownLatch(1);
            GatehouseServer.every(jobs, 0, 1, "run the test job", () -> {
                int n = rounds.incrementAndGet();
                if (n == 1) throw new OutOfMemoryError("Java heap space (thrown by the test)");
                if (n == 2) throw new IllegalStateException("a failure of the moment (thrown by the test)");
                if (n == 3) third.countDown();
            });
            // A periodic task that let either escape would never run again: the latch would stay closed.
            assertTrue(third.await(60, TimeUnit.SECONDS), "the job ran again after an Error and an exception");
        } finally {
            jobs.shutdownNow();
        }
    }
}
