package org.gatehouse.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.gatehouse.client.GatehouseClient;
import org.gatehouse.server.json.Json;
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
        assertThat(revoked.err()).contains("lost laptop").contains("the installation itself is not revoked").contains("enrol again");
        assertThat(run("token", "--store", store, "--json").json()).containsEntry("error", "revoked");
        assertThat(run("status", "--store", store).code()).isEqualTo(ExitCodes.REVOKED);

        assertThat(run("unenrol", "--store", store).out()).contains("no longer knew");
        assertThat(run("token", "--store", store).code()).isEqualTo(ExitCodes.NOT_ENROLLED);
    }

    /** Issue 15 item 2: enrol on a store the server no longer accepts tells the truth, and the documented way back works. */
    @Test
    void revokedStoreExits5WithTheWayBackAndALostStoreExits8AndEnrolsAgain() throws Exception {
        TestServer s = TestServer.shared(backend);
        Path tokenFile = tokenFile(s, 3);
        String store = tmp.resolve("store").toString();
        // a machine of its own: the tests share a server and an owner, and this one revokes its installation
        Path machineId = tmp.resolve("machine-id");
        Files.writeString(machineId, java.util.HexFormat.of().formatHex(java.security.SecureRandom.getSeed(16)));
        assertThat(run("enrol", "--token-file", tokenFile.toString(), "--store", store, "--machine-id-file", machineId.toString()).code()).isEqualTo(0);
        String installationId = (String) Json.parseObject(Files.readString(Path.of(store, "credentials.json"))).get("installation_id");
        String ref = s.gatehouse().installations.find(installationId).get(0).id();
        s.gatehouse().installations.revoke(ref, "lost laptop", org.gatehouse.server.audit.Actor.cli());

        Run enrol = run("enrol", "--token-file", tokenFile.toString(), "--store", store, "--machine-id-file", machineId.toString());
        assertThat(enrol.code()).as(enrol.out()).isEqualTo(ExitCodes.REVOKED);
        assertThat(enrol.out()).doesNotContain("Already enrolled");
        assertThat(enrol.err()).contains("revoked").contains("lost laptop").contains("restore").contains(installationId);
        Run token = run("token", "--store", store, "--json", "--machine-id-file", machineId.toString());
        assertThat(token.code()).isEqualTo(ExitCodes.REVOKED);
        assertThat(token.json()).containsEntry("error", "revoked");
        Run status = run("status", "--store", store, "--json", "--machine-id-file", machineId.toString());
        assertThat(status.code()).isEqualTo(ExitCodes.REVOKED);
        assertThat(status.json()).containsEntry("server_state", "revoked").containsEntry("credential_state", "installation_revoked");

        // the way back: the issuer restores it (portal, API or `gatehouse installations restore`), the same enrol works
        s.gatehouse().installations.restoreAsOperator(ref, org.gatehouse.server.audit.Actor.cli());
        Run back = run("enrol", "--token-file", tokenFile.toString(), "--store", store, "--machine-id-file", machineId.toString());
        assertThat(back.code()).as(back.err()).isEqualTo(0);
        assertThat(back.out()).contains("no longer worked").contains("Enrolled again");
        assertThat(run("token", "--store", store, "--machine-id-file", machineId.toString()).code()).isEqualTo(0);

        // credentials lost here (a copy of this installation enrolled elsewhere on the machine): exit 8, and enrol brings them back
        String copy = tmp.resolve("copy").toString();
        assertThat(run("enrol", "--token-file", tokenFile.toString(), "--store", copy, "--machine-id-file", machineId.toString()).code()).isEqualTo(0);
        Run lost = run("token", "--store", store, "--machine-id-file", machineId.toString());
        assertThat(lost.code()).isEqualTo(ExitCodes.CREDENTIALS_LOST);
        assertThat(lost.err()).contains("replaced").contains("enrol again");
        assertThat(run("token", "--store", store, "--json", "--machine-id-file", machineId.toString()).json()).containsEntry("error", "credentials_lost");
        assertThat(run("status", "--store", store, "--machine-id-file", machineId.toString()).code()).isEqualTo(ExitCodes.CREDENTIALS_LOST);
        Run again = run("enrol", "--token-file", tokenFile(s, 1).toString(), "--store", store, "--machine-id-file", machineId.toString());
        assertThat(again.code()).as(again.err()).isEqualTo(0);
        assertThat(again.out()).contains("replaced").contains("Enrolled again");
        assertThat(run("token", "--store", store, "--machine-id-file", machineId.toString()).code()).isEqualTo(0);
    }

    private Path tokenFile(TestServer s, int max) throws java.io.IOException {
        IatService.Created iat = s.iat(max, null);
        Path f = tmp.resolve("token-" + iat.record().id() + ".json");
        TokenFile.write(f, TokenFile.content(iat, s.issuer));
        return f;
    }

    @Test
    void aContainerPassesItsOwnMachineIdFile() throws Exception {
        TestServer s = TestServer.shared(backend);
        Path tokenFile = tokenFile(s, 2);
        // two containers from one image: the same /etc/machine-id, each its own id file in its volume
        Path one = tmp.resolve("one-machine-id");
        Path two = tmp.resolve("two-machine-id");
        Files.writeString(one, "11111111111111111111111111111111\n");
        Files.writeString(two, "22222222222222222222222222222222\n");
        String a = tmp.resolve("a").toString();
        String b = tmp.resolve("b").toString();
        assertThat(run("enrol", "--token-file", tokenFile.toString(), "--store", a, "--machine-id-file", one.toString()).code()).isEqualTo(0);
        assertThat(run("enrol", "--token-file", tokenFile.toString(), "--store", b, "--machine-id-file", two.toString()).code()).isEqualTo(0);
        assertThat(run("token", "--store", a, "--machine-id-file", one.toString()).code()).isEqualTo(0);
        assertThat(run("token", "--store", b, "--machine-id-file", two.toString()).code()).isEqualTo(0);
        // a store is bound to its machine id
        assertThat(run("token", "--store", a, "--machine-id-file", two.toString()).code()).isEqualTo(ExitCodes.BAD_FILE);
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
