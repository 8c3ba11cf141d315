package org.gatehouse.server.testing;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Executors for tests whose tasks must really run at the same time. */
public final class Threads {
    /**
     * A thread of its own for every task (daemon threads, reused when idle). Not CompletableFuture's
     * default: on JDK 25 that is the common ForkJoinPool even with parallelism 1 (two cores), where a task
     * that blocks holds the pool's only thread and the next task waits for it — the "concurrent" sides of a
     * race then run one after the other, and a task that waits for another never ends.
     */
    public static final ExecutorService EACH_ITS_OWN = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-side");
        t.setDaemon(true);
        return t;
    });

    private Threads() {
    }
}
