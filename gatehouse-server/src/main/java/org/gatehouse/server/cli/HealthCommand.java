package org.gatehouse.server.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A container's health check (the release image runs it): asks this machine's server for {@code /health/ready}.
 * Exit 0 when it answers 200, 1 otherwise. Needs no database and no master key.
 */
@Command(name = "health", description = "Ask the server on this machine whether it is ready (exit 0) or not (exit 1); for container health checks.")
public final class HealthCommand extends ConsoleCommand {
    @Option(names = "--url", description = "Readiness URL (default: http://127.0.0.1:<GATEHOUSE_PORT>/health/ready; "
            + "with native TLS name the certificate's host, e.g. https://login.example.org:8443/health/ready).")
    String url;

    @Override
    public Integer call() {
        URI target = URI.create(url != null ? url : "http://127.0.0.1:" + config().port + "/health/ready");
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            out().println(r.statusCode() + " " + r.body());
            return r.statusCode() == 200 ? 0 : 1;
        } catch (IOException e) {
            out().println("not reachable: " + target + ": " + e);
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }
}
