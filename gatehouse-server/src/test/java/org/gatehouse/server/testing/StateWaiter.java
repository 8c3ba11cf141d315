package org.gatehouse.server.testing;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Waits for a state of a component that signals its changes through a hook (the group-commit writers' onChange:
 * store/GroupCommit, tokens/Replays): no sleeps, no polling. The hook notifies under this waiter's lock after each
 * change, so no change is missed between testing the state and waiting; the bound only turns a state that never comes
 * into a failure instead of a hang.
 */
public final class StateWaiter {
    private final Object changed = new Object();
    private final Supplier<String> describe;

    /** @param register installs the hook; @param describe the component's state, for the failure message */
    public StateWaiter(Consumer<Runnable> register, Supplier<String> describe) {
        this.describe = describe;
        register.accept(() -> {
            synchronized (changed) {
                changed.notifyAll();
            }
        });
    }

    public void await(String never, BooleanSupplier state) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        synchronized (changed) {
            while (!state.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) throw new AssertionError(never + " (" + describe.get() + ")");
                TimeUnit.NANOSECONDS.timedWait(changed, left);
            }
        }
    }
}
