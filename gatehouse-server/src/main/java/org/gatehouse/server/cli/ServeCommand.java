package org.gatehouse.server.cli;

import java.util.concurrent.CountDownLatch;
import org.gatehouse.server.BuildInfo;
import org.gatehouse.server.GatehouseServer;
import org.gatehouse.server.config.Config;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;

@Command(name = "serve", description = "Run the server (embedded database under ./data unless GATEHOUSE_DB_URL is set).")
public final class ServeCommand implements Runnable {
    @Override
    public void run() {
        Config config = Config.fromEnvironment();
        org.gatehouse.server.logging.LogFormat.apply(config.logFormat);
        // The first log line says which build runs (mixed versions during a rolling upgrade show in the logs).
        LoggerFactory.getLogger(ServeCommand.class).info("{} starting", BuildInfo.describe());
        GatehouseServer server = GatehouseServer.start(config);
        CountDownLatch stopRequested = new CountDownLatch(1);
        // SIGTERM and SIGINT stop the server gracefully *before* the JVM starts shutting down: once it does,
        // other shutdown hooks (the embedded database's own) run alongside and could fail requests still
        // being drained. The hook below only covers other ways the JVM may end.
        StopSignals.install(stopRequested::countDown);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "gatehouse-shutdown"));
        System.out.println("Gatehouse is running: issuer " + config.issuer + ", listening on " + config.bind + ":" + server.port());
        // No account yet: print a one-time setup link for the first admin (to the console only, never to the log).
        server.gatehouse().accounts.bootstrapIfEmpty(org.gatehouse.server.audit.Actor.system()).ifPresent(link ->
                System.out.println("No portal account exists yet. Set up the first admin within 24 hours with this one-time link:\n  " + link.url()));
        try {
            stopRequested.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.close();
    }
}
