package org.gatehouse.server.cli;

import org.gatehouse.server.testing.Slow;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Cli;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/** The operator's CLI against the database of a running server, in-process ({@code Cli.run}; LauncherSmokeTest: its own JVM). */
@Slow // measured heavy for the quick set (issue 14 Must 6): runs in the slow execution, in CI every time
@BothBackends
class CliTest {
    @Parameter
    String backend;

    private static Map<String, String> env(TestServer s) {
        Map<String, String> env = new HashMap<>(s.backend.env());
        env.put("GATEHOUSE_ISSUER", s.issuer);
        env.put("GATEHOUSE_KEY_PUBLISH_DELAY", s.config.keyPublishDelay.toSeconds() + "s"); // the server's, as an operator's CLI has
        return env;
    }

    @Test
    void tokenFileFromTheCliRegistersAtTheRunningServer() throws Exception {
        TestServer s = TestServer.shared(backend);
        Path file = s.backend.dataDir.resolve("library.token.json");
        Cli.Result r = Cli.run(env(s), "iat", "create", "--label", "Library PCs, 2nd floor", "--max-registrations", "2",
                "--expires-in", "30d", "--scope", "prefs:read", "--output", file.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        String id = r.out().trim();
        assertThat(id).startsWith("iat_");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        Map<String, Object> tf = Json.parseObject(Files.readString(file));
        assertThat(((Number) tf.get("gatehouse_token_file")).intValue()).isEqualTo(1);
        assertThat(((Number) tf.get("max_registrations")).intValue()).isEqualTo(2);
        assertThat(tf).containsEntry("issuer", s.issuer)
                .containsEntry("registration_endpoint", s.issuer + "/register").containsEntry("label", "Library PCs, 2nd floor")
                .containsEntry("scope", "prefs:read");
        assertThat((String) tf.get("expires_at")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        String iat = (String) tf.get("initial_access_token");
        assertThat(iat).startsWith("ghi_");

        Flow.Client c = Flow.register(s, iat, "{}");
        assertThat(c.info()).containsEntry("scope", "prefs:read");

        Cli.Result list = Cli.run(env(s), "iat", "list");
        assertThat(list.exit()).isZero();
        assertThat(list.out()).contains(id).contains("1/2").contains("Library PCs, 2nd floor").doesNotContain(iat);

        Cli.Result revoke = Cli.run(env(s), "iat", "revoke", id, "--reason", "lost laptop");
        assertThat(revoke.exit()).as(revoke.err()).isZero();
        Http.Response refused = s.http.postJson("/register", iat, "{}");
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.str("error_description")).contains("revoked");
        // The installation admitted before keeps working.
        Flow.token(s, c);
        assertThat(Cli.run(env(s), "iat", "revoke", id).exit()).isEqualTo(1);
    }

    @Test
    void aCliTokenCanRequireKeyBoundInstallations() throws Exception {
        // Issue 17: --require-key-bound / --require-dpop, the token file's non-secret hints, enforced at registration.
        TestServer s = TestServer.shared(backend);
        Path file = s.backend.dataDir.resolve("kiosk.token.json");
        Cli.Result r = Cli.run(env(s), "iat", "create", "--label", "Kiosks", "--require-key-bound", "--require-dpop",
                "--output", file.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        Map<String, Object> tf = Json.parseObject(Files.readString(file));
        assertThat(tf).containsEntry("key_bound", "required").containsEntry("dpop", "required");
        String iat = (String) tf.get("initial_access_token");
        Http.Response secret = s.http.postJson("/register", iat, "{}");
        assertThat(secret.status()).isEqualTo(400);
        assertThat(secret.str("error_description")).contains("key-bound installations only");
        org.gatehouse.server.testing.KeyBound k = org.gatehouse.server.testing.KeyBound.es256();
        Flow.register(s, iat, k.metadata(",\"dpop_bound_access_tokens\":true"));
        // A token without the options writes no hint.
        Path plain = s.backend.dataDir.resolve("plain.token.json");
        assertThat(Cli.run(env(s), "iat", "create", "--label", "plain", "--output", plain.toString()).exit()).isZero();
        assertThat(Json.parseObject(Files.readString(plain))).doesNotContainKeys("key_bound", "dpop");
    }

    @Test
    void invalidTokenRequestsAreRefusedWithExitCode2() {
        TestServer s = TestServer.shared(backend);
        String out = s.backend.dataDir.resolve("x.json").toString();
        for (String[] args : new String[][] {
                {"iat", "create", "--label", "x", "--max-registrations", "0", "--output", out},
                {"iat", "create", "--label", "x", "--max-registrations", "-1", "--output", out},
                {"iat", "create", "--label", "x", "--expires-in", "-5d", "--output", out},
                {"iat", "create", "--label", "x", "--expires-in", "0s", "--output", out},
                {"iat", "create", "--label", "x", "--expires-at", "2020-01-01T00:00:00Z", "--output", out},
                {"iat", "create", "--label", "x", "--scope", "prefs:read admin", "--output", out},
                {"iat", "create", "--label", "", "--output", out}}) {
            Cli.Result r = Cli.run(env(s), args);
            assertThat(r.exit()).as(String.join(" ", args) + " → " + r.err()).isEqualTo(2);
            assertThat(r.err().strip().lines().count()).as(r.err()).isEqualTo(1);
            assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
        }
        assertThat(Files.exists(Path.of(out))).isFalse();
    }

    @Test
    void keysRotatedFromTheCliAreUsedByTheRunningServer() throws Exception {
        try (TestServer s = TestServer.start(backend, Map.of("GATEHOUSE_KEY_REFRESH", "1s"))) {
            Flow.Client c = Flow.register(s);
            Cli.Result r = Cli.run(env(s), "keys", "rotate");
            assertThat(r.exit()).as(r.err()).isZero();
            String kid = r.out().trim();
            // The server reloads keys every GATEHOUSE_KEY_REFRESH: wait for the condition, bounded.
            long deadline = System.nanoTime() + 20_000_000_000L;
            String used = null;
            while (System.nanoTime() < deadline) {
                used = com.nimbusds.jwt.SignedJWT.parse(Flow.token(s, c)).getHeader().getKeyID();
                if (kid.equals(used)) break;
                Thread.onSpinWait();
            }
            assertThat(used).isEqualTo(kid);
            Cli.Result list = Cli.run(env(s), "keys", "list");
            assertThat(list.out()).contains(kid).contains("retired").contains("next");
        }
    }

    /** Issue 14 Must 2: refused input is one line naming every problem, exit status 2, no file written. */
    @Test
    void refusedInputIsOneLineWithEveryProblemAndExitTwo() {
        TestServer s = TestServer.shared(backend);
        Path file = s.backend.dataDir.resolve("refused.token.json");
        Cli.Result r = Cli.run(env(s), "iat", "create", "--label", " ", "--max-registrations", "0", "--scope", "prefs:read",
                "--client-cidr", "10.0.0.0/33", "--client-cidr", "not-a-range", "--output", file.toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).endsWith("\n");
        assertThat(r.err().strip()).doesNotContain("\n").doesNotContain("Exception").startsWith("gatehouse: label: ")
                .contains("; max_registrations: ").contains("; client_cidrs: These are not address ranges: 10.0.0.0/33, not-a-range.");
        assertThat(Files.exists(file)).isFalse();
    }
}
