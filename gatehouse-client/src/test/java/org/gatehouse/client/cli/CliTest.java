package org.gatehouse.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.gatehouse.client.GatehouseClient;
import org.gatehouse.client.Json;
import org.gatehouse.client.MachineIds;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.iat.TokenFile;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;

/** Issue 5's "done when", through the command line, against a real server. */
@BothBackends
class CliTest {
    @Parameter
    String backend;

    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
        Map<String, Object> json() {
            try {
                return Json.parseObject(out);
            } catch (Json.JsonException e) {
                throw new AssertionError("not JSON: " + out);
            }
        }
    }

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err),
                dir -> GatehouseClient.builder(dir).machineIdSource(MachineIds.fixed("0123456789abcdef0123456789abcdef")), Map.of());
        return new Run(code, out.toString().strip(), err.toString().strip());
    }

    @Test
    void enrolTokenStatusRevokedUnenrol() throws Exception {
        TestServer s = TestServer.shared(backend);
        IatService.Created iat = s.iat(1, null);
        Path tokenFile = tmp.resolve("token.json");
        TokenFile.write(tokenFile, TokenFile.content(iat, s.issuer));
        String store = tmp.resolve("store").toString();

        Run enrol = run("enrol", "--token-file", tokenFile.toString(), "--store", store, "--client-name", "Library PC");
        assertThat(enrol.code()).as(enrol.err()).isEqualTo(0);
        assertThat(enrol.out()).contains("Enrolled with " + s.issuer);
        assertThat(Files.getPosixFilePermissions(Path.of(store, "credentials.json"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(run("enrol", "--token-file", tokenFile.toString(), "--store", store, "--json").json())
                .containsEntry("status", "already_enrolled");

        Run token = run("token", "--store", store);
        assertThat(token.code()).isEqualTo(0);
        assertThat(token.out()).doesNotContain("\n").startsWith("ey");
        Map<String, Object> creds = Json.parseObject(Files.readString(Path.of(store, "credentials.json")));
        String clientId = (String) creds.get("client_id");
        Map<String, Object> intro = s.http.postForm("/introspect", clientId, (String) creds.get("client_secret"),
                Map.of("token", token.out())).json();
        assertThat(intro).containsEntry("active", true).containsEntry("client_id", clientId)
                .containsEntry("installation_id", creds.get("installation_id"));

        Run status = run("status", "--store", store, "--json");
        assertThat(status.code()).isEqualTo(0);
        assertThat(status.json()).containsEntry("server_state", "active").containsEntry("client_id", clientId);
        assertThat(status.out()).doesNotContain("ghs_").doesNotContain("ghr_");

        assertThat(run("rotate", "--store", store).code()).isEqualTo(0);

        s.gatehouse().installations.revokeCredential(clientId, "lost laptop", org.gatehouse.server.audit.Actor.cli());
        Run revoked = run("token", "--store", store);
        assertThat(revoked.code()).isEqualTo(ExitCodes.REVOKED);
        assertThat(revoked.err()).contains("revoked or deleted on the server");
        assertThat(run("token", "--store", store, "--json").json()).containsEntry("error", "revoked");
        assertThat(run("status", "--store", store).code()).isEqualTo(ExitCodes.REVOKED);

        assertThat(run("unenrol", "--store", store).out()).contains("no longer knew");
        assertThat(run("token", "--store", store).code()).isEqualTo(ExitCodes.NOT_ENROLLED);
    }

    @Test
    void badTokenFileAndUsageExitCodes() throws Exception {
        Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, "{\"hello\":1}");
        Run r = run("enrol", "--token-file", bad.toString(), "--store", tmp.resolve("s").toString());
        assertThat(r.code()).isEqualTo(ExitCodes.BAD_FILE);
        assertThat(r.err()).contains("not a Gatehouse token file");
        assertThat(run("enrol", "--store", tmp.toString()).code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("--version").out()).startsWith("gatehouse-enrol ");

        TestServer s = TestServer.shared(backend);
        Path used = tmp.resolve("t.json");
        IatService.Created iat = s.iat(1, null);
        s.gatehouse().iats.revoke(iat.record().id(), "test", false, org.gatehouse.server.audit.Actor.cli());
        TokenFile.write(used, TokenFile.content(iat, s.issuer));
        Run refused = run("enrol", "--token-file", used.toString(), "--store", tmp.resolve("s2").toString());
        assertThat(refused.code()).as(refused.err()).isEqualTo(ExitCodes.REFUSED);
        assertThat(refused.err()).contains("revoked");
    }
}
