package org.gatehouse.server.cli;

import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import org.gatehouse.server.accounts.AccountService;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.config.JavaOptions;
import org.gatehouse.server.logging.LogFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "serve", description = "Run the server (embedded database under ./data unless GATEHOUSE_DB_URL is set).")
public final class ServeCommand implements Runnable {
    @Spec
    CommandSpec spec;

    private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

    @Override
    public void run() {
        java.util.Map<String, String> env = ((Console.Holder) spec.root().userObject()).console().env();
        Config config = Config.load(env);
        LogFormat.apply(config.logFormat, config.logLevel);
        config.warnings.forEach(w -> LOG.warn("configuration: {}", w));
        String notApplied = JavaOptions.warning(JavaOptions.notApplied(env.get(JavaOptions.VARIABLE),
                java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()));
        if (notApplied != null) LOG.warn("{}", notApplied);
        Services.Server server = ((Console.Holder) spec.root().userObject()).start(config);
        CountDownLatch stopRequested = new CountDownLatch(1);
        // SIGTERM and SIGINT stop the server gracefully *before* the JVM starts shutting down: once it does,
        // other shutdown hooks (the embedded database's own) run alongside and could fail requests still
        // being drained. The hook below only covers other ways the JVM may end.
        StopSignals.install(stopRequested::countDown);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "gatehouse-shutdown"));
        firstAdminLink(server, config);
        // Last, so that whoever waits for this line (a test, a wrapper script) has seen the setup link notice too.
        LogFormat.notice("Gatehouse is running: issuer " + config.issuer + ", listening on " + config.bind + ":" + server.port());
        try {
            stopRequested.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.close();
    }

    /**
     * No account yet: the first admin's one-time setup link, printed once, by the node that made it (stdout, or
     * a log event with JSON logs); a restart or another node says that it is pending and how to replace it.
     */
    private static void firstAdminLink(Services.Server server, Config config) {
        String printedTo = "json".equals(config.logFormat) ? "the JSON log (" + LogFormat.NOTICE_LOGGER + ")" : "standard output of serve";
        server.accounts().firstAdminLinkOnStart(Actor.node(), printedTo).ifPresent(first -> {
            if (first.created() != null) {
                AccountService.NewLink link = first.created();
                LogFormat.notice("No portal account exists yet. Set up the first admin before " + Instant.ofEpochMilli(link.expiresAt())
                        + " with this one-time link (printed once; `gatehouse admin setup-link` replaces it):\n  " + link.url());
            } else {
                LogFormat.notice("No portal account exists yet. A one-time setup link for the first admin, printed by " + first.pending().createdBy()
                        + " at " + Instant.ofEpochMilli(first.pending().createdAt()) + ", is valid until " + Instant.ofEpochMilli(first.pending().expiresAt())
                        + "; it is not printed again. Lost it? `gatehouse admin setup-link` ends it and prints a new one.");
            }
        });
    }
}
