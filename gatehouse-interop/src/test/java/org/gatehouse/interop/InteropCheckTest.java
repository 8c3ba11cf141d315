package org.gatehouse.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.iat.TokenFile;
import org.gatehouse.server.registration.ResourceServers;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;

/**
 * Runs every interop check against a real server on each backend. Gatehouse classes are used here
 * only to start the server and to do what an operator does with the CLI (`iat create --output`,
 * `resource-server create`); the checks themselves see only HTTP.
 */
@BothBackends
class InteropCheckTest {
    @Parameter
    String backend;

    @TempDir
    Path dir;

    @Test
    void everyCheckPassesWithResourceServerCredentials() throws Exception {
        TestServer s = TestServer.shared(backend);
        Path tokenFile = tokenFile(s);
        ResourceServers.Created rs = s.gatehouse().resourceServers.create("interop resource server", "client_secret_basic", Actor.cli());

        InteropCheck.Result r = run(s.issuer, tokenFile, rs.client().clientId(), rs.secret(), null, null);

        assertThat(r.failed()).as(String.join("\n", r.lines())).isZero();
        assertThat(r.passed()).isEqualTo(27);
        assertThat(r.lines()).last().isEqualTo("27 passed, 0 failed");
    }

    @Test
    void everyCheckPassesWithoutResourceServerCredentials() throws Exception {
        TestServer s = TestServer.shared(backend);

        InteropCheck.Result r = run(s.issuer, tokenFile(s), null, null, null, null);

        assertThat(r.failed()).as(String.join("\n", r.lines())).isZero();
        assertThat(r.passed()).isEqualTo(26);
    }

    /**
     * Issue 19: Spring Security and Nimbus, each configured for one API's audience as docs/protocol.md
     * §13a says, accept a token issued with resource=that audience and refuse one issued for another
     * resource server and one with the default audience (the issuer).
     */
    @Test
    void springAndNimbusAcceptTokensForTheirOwnResourceAndRefuseOthers() throws Exception {
        TestServer s = TestServer.shared(backend);
        String prefs = "https://prefs.example.org/api/" + Secrets.randomId(8), reports = "https://reports.example.org/api/" + Secrets.randomId(8);
        s.gatehouse().resourceServers.create("Prefs API", "client_secret_basic", prefs, null, Actor.cli());
        s.gatehouse().resourceServers.create("Reports API", "client_secret_basic", reports, null, Actor.cli());

        InteropCheck.Result r = run(s.issuer, tokenFile(s), null, null, prefs, reports);

        assertThat(r.failed()).as(String.join("\n", r.lines())).isZero();
        assertThat(r.lines()).contains("PASS jwt-per-resource-nimbus", "PASS jwt-per-resource-spring");
        assertThat(r.lines()).filteredOn(l -> l.startsWith("NOTE nimbus refused") || l.startsWith("NOTE spring refused"))
                .hasSize(4).allSatisfy(l -> assertThat(l).containsIgnoringCase("aud"));
        assertThat(r.passed()).isEqualTo(28);
    }

    @Test
    void aFailingServerIsReported() throws Exception {
        TestServer s = TestServer.shared(backend);
        Path tokenFile = tokenFile(s);
        // The same token file checked against the wrong issuer: discovery must fail, and so must the run.
        InteropCheck.Result r = run(s.issuer + "/not-the-issuer", tokenFile, null, null, null, null);

        assertThat(r.failed()).isPositive();
        assertThat(r.lines()).anyMatch(l -> l.startsWith("FAIL discovery"));
        assertThat(r.lines()).last().asString().matches("\\d+ passed, \\d+ failed");
    }

    /** What `./gatehouse iat create --output FILE` writes. */
    private Path tokenFile(TestServer s) throws Exception {
        IatService.Created iat = s.gatehouse().iats.create(IatService.Spec.of("interop", 10, Duration.ofHours(1), null), Actor.cli());
        Path file = Files.createTempFile(dir, "token-", ".json");
        TokenFile.write(file, TokenFile.content(iat, s.issuer));
        return file;
    }

    private static InteropCheck.Result run(String issuer, Path tokenFile, String rsId, String rsSecret, String resource, String otherResource) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            InteropCheck.Result r = new InteropCheck(issuer, tokenFile, rsId, rsSecret, resource, otherResource, out).run();
            System.out.print(buf.toString(StandardCharsets.UTF_8)); // into the surefire report
            return r;
        }
    }
}
