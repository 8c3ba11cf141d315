package org.gatehouse.server.cli;

import java.util.concurrent.CountDownLatch;
import org.gatehouse.server.GatehouseServer;
import org.gatehouse.server.config.Config;
import picocli.CommandLine.Command;

@Command(name = "serve", description = "Run the server (embedded database under ./data unless GATEHOUSE_DB_URL is set).")
public final class ServeCommand implements Runnable {
    @Override
    public void run() {
        Config config = Config.fromEnvironment();
        org.gatehouse.server.logging.LogFormat.apply(config.logFormat);
        GatehouseServer server = GatehouseServer.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "gatehouse-shutdown"));
        System.out.println("Gatehouse is running: issuer " + config.issuer + ", listening on " + config.bind + ":" + server.port());
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
