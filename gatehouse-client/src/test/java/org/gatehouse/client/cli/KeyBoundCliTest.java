package org.gatehouse.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.gatehouse.client.GatehouseClient;
import org.gatehouse.client.MachineIds;
import org.gatehouse.client.TokenVerifier;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.iat.TokenFile;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;

/** Issue 17 through gatehouse-enrol: enrol --key-bound (or a token file that requires it), token, status, rotate. */
@BothBackends
class KeyBoundCliTest {
    @Parameter
    String backend;

    @TempDir
    Path tmp;

    private Map<String, Object> run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err),
                dir -> GatehouseClient.builder(dir).machineIdSource(MachineIds.fixed("0123456789abcdef0123456789abcdef")), Map.of());
        assertThat(code).as(err.toString() + out).isEqualTo(ExitCodes.OK);
        try {
            return Json.parseObject(out.toString());
        } catch (Json.JsonException e) {
            throw new AssertionError("not JSON: " + out);
        }
    }

    private Path tokenFile(TestServer s, String extra) throws Exception {
        IatService.Created iat = s.iat(1, null);
        Path f = tmp.resolve("token-" + System.nanoTime() + ".json");
        TokenFile.write(f, TokenFile.content(iat, s.issuer));
        if (!extra.isEmpty()) {
            String text = Files.readString(f).strip();
            Files.writeString(f, text.substring(0, text.length() - 1) + extra + "}");
        }
        return f;
    }

    @Test
    void enrolKeyBoundTokenStatusRotate() throws Exception {
        TestServer s = TestServer.shared(backend);
        String store = tmp.resolve("store").toString();
        Map<String, Object> e = run("enrol", "--json", "--key-bound", "--key-type", "Ed25519", "--token-file", tokenFile(s, "").toString(),
                "--store", store);
        assertThat(e).containsEntry("status", "enrolled").containsEntry("token_endpoint_auth_method", "private_key_jwt")
                .containsEntry("key_type", "EdDSA").containsEntry("dpop_bound_access_tokens", false);
        Map<String, Object> t = run("token", "--json", "--store", store);
        assertThat(t).containsEntry("token_type", "Bearer");
        assertThat(TokenVerifier.builder(s.issuer).build().verify((String) t.get("access_token")).clientId()).isEqualTo(e.get("client_id"));
        assertThat(run("status", "--json", "--store", store)).containsEntry("server_state", "active").containsEntry("kid", e.get("kid"));
        Map<String, Object> r = run("rotate", "--json", "--store", store);
        assertThat(r).containsEntry("status", "rotated").containsEntry("key_type", "EdDSA");
        assertThat(r.get("kid")).isNotEqualTo(e.get("kid"));
        assertThat(run("status", "--json", "--store", store)).containsEntry("server_state", "active").containsEntry("kid", r.get("kid"));
    }

    /** A token file that says "key_bound": "required" and "dpop": "required": enrol makes a key without being asked. */
    @Test
    void aTokenFileThatRequiresAKeyGetsOneAndDpopHeadersForScripts() throws Exception {
        TestServer s = TestServer.shared(backend);
        String store = tmp.resolve("store").toString();
        Map<String, Object> e = run("enrol", "--json", "--token-file",
                tokenFile(s, ",\"key_bound\":\"required\",\"dpop\":\"required\"").toString(), "--store", store);
        assertThat(e).containsEntry("token_endpoint_auth_method", "private_key_jwt").containsEntry("key_type", "ES256")
                .containsEntry("dpop_bound_access_tokens", true);
        assertThat(run("token", "--json", "--store", store)).containsEntry("token_type", "DPoP");
        String url = "https://api.example/prefs";
        Map<String, Object> h = run("token", "--json", "--store", store, "--method", "POST", "--url", url);
        assertThat((String) h.get("authorization")).startsWith("DPoP ");
        assertThat(TokenVerifier.builder(s.issuer).build().verifyRequest((String) h.get("authorization"), (String) h.get("dpop"), "POST", url)
                .clientId()).isEqualTo(e.get("client_id"));
    }
}
