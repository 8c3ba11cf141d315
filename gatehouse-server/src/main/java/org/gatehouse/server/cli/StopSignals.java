package org.gatehouse.server.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** SIGTERM and SIGINT as a stop request, instead of an immediate JVM shutdown. */
final class StopSignals {
    private static final Logger LOG = LoggerFactory.getLogger(StopSignals.class);

    private StopSignals() {
    }

    @SuppressWarnings("restriction")
    static void install(Runnable onStop) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> {
                    LOG.info("SIG{} received: stopping gracefully", name);
                    onStop.run();
                });
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // Not available here (or already used by the JVM): the shutdown hook still stops the server.
                LOG.debug("cannot handle SIG{}: {}", name, e.toString());
            }
        }
    }
}
