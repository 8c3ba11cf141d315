package org.gatehouse.server.installations;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.domain.InstallationRecord;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Cli;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/**
 * Issue 15 items 1 and 2, server side: re-registration replaces only its own app's credentials
 * (even under an old machine-wide installation id); refused credentials are told why
 * (credential_state) and only when the caller proved it holds them; a revoked installation has a way back.
 */
@BothBackends
class IdentityAndRestoreTest {
    @Parameter
    String backend;

    private static Map<String, String> grant() {
        return Map.of("grant_type", "client_credentials");
    }

    private static String body(String installationId, String softwareId) {
        return "{\"installation_id\":\"" + installationId + "\",\"software_id\":\"" + softwareId + "\"}";
    }

    @Test
    void twoAppsUnderOneOldMachineWideIdKeepTheirCredentialsAndOneAppReplacesItsOwn() {
        TestServer s = TestServer.shared(backend);
        String machine = Flow.installationId(); // an id as the first releases derived it: one per machine, every app
        String iat = s.iatToken(3);
        Flow.Client a = Flow.register(s, iat, body(machine, "org.example.a"));
        Flow.Client b = Flow.register(s, iat, body(machine, "org.example.b"));
        Flow.token(s, a);
        Flow.token(s, b);
        assertThat(s.gatehouse().installations.find(machine).get(0).activeClients()).isEqualTo(2);

        // the same app registering again replaces its own credentials, and only those
        Flow.Client a2 = Flow.register(s, iat, body(machine, "org.example.a"));
        Flow.token(s, a2);
        Flow.token(s, b);
        Http.Response old = s.http.postForm("/token", a.id(), a.secret(), grant());
        assertThat(old.status()).isEqualTo(401);
        assertThat(old.str("error")).isEqualTo("invalid_client");
        assertThat(old.str("credential_state")).isEqualTo("replaced");
        assertThat(old.str("error_description")).contains("replaced").contains("enrol again");
        Http.Response read = s.http.get("/register/" + a.id(), a.rat());
        assertThat(read.status()).isEqualTo(401);
        assertThat(read.str("error")).isEqualTo("invalid_token");
        assertThat(read.str("credential_state")).isEqualTo("replaced");
        // nothing is told to a caller who does not hold the credentials
        Http.Response wrong = s.http.postForm("/token", a.id(), b.secret(), grant());
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.json()).doesNotContainKey("credential_state");
        assertThat(wrong.str("error_description")).isEqualTo("client authentication failed");
        assertThat(s.http.get("/register/" + a.id(), b.rat()).json()).doesNotContainKey("credential_state");
    }

    @Test
    void aRevokedInstallationIsToldSoAndComesBackWhenRestoredThroughTheCli() {
        TestServer s = TestServer.shared(backend);
        String machine = Flow.installationId();
        String iat = s.iatToken(3);
        Flow.Client c = Flow.register(s, iat, body(machine, "org.example.a"));
        InstallationRecord inst = s.gatehouse().installations.find(machine).get(0);
        assertThat(s.gatehouse().installations.revoke(inst.id(), "laptop stolen \"Köln\"", Actor.cli())).isTrue();

        Http.Response token = s.http.postForm("/token", c.id(), c.secret(), grant());
        assertThat(token.status()).isEqualTo(401);
        assertThat(token.str("credential_state")).isEqualTo("installation_revoked");
        assertThat(token.str("error_description")).contains("laptop stolen").contains("restore").contains(machine);
        Http.Response read = s.http.get("/register/" + c.id(), c.rat());
        assertThat(read.str("credential_state")).isEqualTo("installation_revoked");
        assertThat(read.str("error_description")).contains("laptop stolen \"Köln\"");
        // RFC 6750 §3: the header's error_description keeps to its characters (no quote, no non-ASCII)
        assertThat(read.header("WWW-Authenticate")).contains("laptop stolen ?K?ln?").endsWith("\"");
        Http.Response again = s.http.postJson("/register", iat, body(machine, "org.example.a"));
        assertThat(again.status()).isEqualTo(400);
        assertThat(again.str("error")).isEqualTo("invalid_client_metadata");
        assertThat(again.str("credential_state")).isEqualTo("installation_revoked");
        assertThat(again.str("error_description")).contains("restore"); // but not why, when or which: the
        // caller proved only a token file of the same owner, not this installation's credentials
        assertThat(again.str("error_description")).doesNotContain("laptop stolen").doesNotContain(machine)
                .doesNotContainPattern("\\d{4}-\\d{2}-\\d{2}");

        Map<String, String> env = new HashMap<>(s.backend.env());
        env.put("GATEHOUSE_ISSUER", s.issuer);
        Cli.Result restored = Cli.run(env, "installations", "restore", inst.id());
        assertThat(restored.exit()).as(restored.err()).isZero();
        assertThat(restored.out()).contains("restored " + inst.id());
        Cli.Result twice = Cli.run(env, "installations", "restore", inst.id());
        assertThat(twice.exit()).isEqualTo(1);
        assertThat(twice.err()).contains("no revoked installation");

        // its old credentials stay revoked (they may be what leaked), and say the installation is not
        Http.Response stillOld = s.http.postForm("/token", c.id(), c.secret(), grant());
        assertThat(stillOld.status()).isEqualTo(401);
        assertThat(stillOld.str("credential_state")).isEqualTo("credentials_revoked");
        assertThat(stillOld.str("error_description")).contains("enrol again");
        Flow.Client back = Flow.register(s, iat, body(machine, "org.example.a"));
        Flow.token(s, back);
        int restores = s.gatehouse().db.withHandle(h -> h.createQuery(
                        "SELECT COUNT(*) FROM audit_events WHERE action = 'installation.restore' AND subject = :id")
                .bind("id", inst.id()).mapTo(Integer.class).one());
        assertThat(restores).isEqualTo(1);
    }
}
