package org.gatehouse.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.gatehouse.client.ClientListener;
import org.gatehouse.client.CredentialsRotatedElsewhereException;
import org.gatehouse.client.GatehouseClient;
import org.gatehouse.client.MachineIds;
import org.gatehouse.client.RegistrationRevokedException;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.iat.TokenFile;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;

/**
 * Issue 15 item 4 (Must 3, last sentence), installer side against a real server: a credential store
 * is copied, the copy rotates; the original is told "rotated by another copy" (its own exception,
 * not RegistrationRevokedException; gatehouse-enrol exit 10), not "revoked" (exit 5), and the
 * documented way out (unenrol, enrol again with a token file) works.
 */
@BothBackends
class ClonedStoreTest {
    @Parameter
    String backend;

    @TempDir
    Path tmp;

    /** Each test its own machine: the tests share a server and an owner. */
    private final String machine = java.util.HexFormat.of().formatHex(java.security.SecureRandom.getSeed(16));

    record Run(int code, String out, String err) {
    }

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err),
                dir -> GatehouseClient.builder(dir).machineIdSource(MachineIds.fixed(machine)), Map.of());
        return new Run(code, out.toString().strip(), err.toString().strip());
    }

    private Path tokenFile(TestServer s, int max) throws java.io.IOException {
        IatService.Created iat = s.iat(max, null);
        Path f = tmp.resolve("token-" + iat.record().id() + ".json");
        TokenFile.write(f, TokenFile.content(iat, s.issuer));
        return f;
    }

    /** A copy of the store as a backup tool or a cloned disk makes it: same files, same permissions. */
    private static void copyStore(Path from, Path to) throws java.io.IOException {
        Files.createDirectories(to);
        Files.setPosixFilePermissions(to, Files.getPosixFilePermissions(from));
        Files.copy(from.resolve("credentials.json"), to.resolve("credentials.json"), StandardCopyOption.COPY_ATTRIBUTES);
    }

    @Test
    void theOriginalOfACopiedStoreIsToldAnotherCopyRotatedAndExits10() throws Exception {
        TestServer s = TestServer.shared(backend);
        Path tokenFile = tokenFile(s, 2);
        Path original = tmp.resolve("original");
        Path copy = tmp.resolve("copy");
        assertThat(run("enrol", "--token-file", tokenFile.toString(), "--store", original.toString()).code()).isEqualTo(0);
        copyStore(original, copy);
        assertThat(run("rotate", "--store", copy.toString()).code()).isEqualTo(0);
        assertThat(run("token", "--store", copy.toString()).code()).isEqualTo(0);

        Run token = run("token", "--store", original.toString());
        assertThat(token.code()).as(token.err()).isEqualTo(ExitCodes.ROTATED_ELSEWHERE);
        assertThat(token.err()).contains("another copy").contains("gatehouse-enrol unenrol").contains("enrol")
                .contains("ask the issuer").doesNotContain("revoked");
        Run json = run("token", "--store", original.toString(), "--json");
        assertThat(json.out()).containsPattern("\"error\":\\s*\"rotated_elsewhere\"");
        Run status = run("status", "--store", original.toString(), "--json");
        assertThat(status.code()).isEqualTo(ExitCodes.ROTATED_ELSEWHERE);
        assertThat(status.out()).containsPattern("\"server_state\":\\s*\"rotated_elsewhere\"")
                .containsPattern("\"credential_state\":\\s*\"rotated_elsewhere\"");
        // enrol does not take the installation over from the other copy by itself: that is the user's call
        Run enrol = run("enrol", "--token-file", tokenFile.toString(), "--store", original.toString());
        assertThat(enrol.code()).isEqualTo(ExitCodes.ROTATED_ELSEWHERE);
        assertThat(run("token", "--store", copy.toString()).code()).isEqualTo(0);

        // the way out the message gives: unenrol (the registration stays: the other copy holds it), enrol again
        Run unenrol = run("unenrol", "--store", original.toString());
        assertThat(unenrol.code()).as(unenrol.err()).isEqualTo(0);
        assertThat(run("token", "--store", copy.toString()).code()).isEqualTo(0);
        Run again = run("enrol", "--token-file", tokenFile.toString(), "--store", original.toString());
        assertThat(again.code()).as(again.err()).isEqualTo(0);
        assertThat(run("token", "--store", original.toString()).code()).isEqualTo(0);
        // which replaced the other copy's credentials (one installation, one holder)
        assertThat(run("token", "--store", copy.toString()).code()).isEqualTo(ExitCodes.CREDENTIALS_LOST);
    }

    @Test
    void theLibraryThrowsItsOwnExceptionAndTellsTheListener() throws Exception {
        TestServer s = TestServer.shared(backend);
        Path tokenFile = tokenFile(s, 1);
        Path original = tmp.resolve("original");
        Path copy = tmp.resolve("copy");
        List<Exception> told = new CopyOnWriteArrayList<>();
        ClientListener listener = new ClientListener() {
            @Override
            public void rotatedElsewhere(CredentialsRotatedElsewhereException e) {
                told.add(e);
            }

            @Override
            public void revoked(RegistrationRevokedException e) {
                told.add(e);
            }
        };
        try (GatehouseClient a = GatehouseClient.builder(original).machineIdSource(MachineIds.fixed(machine)).listener(listener).build()) {
            a.enrol(tokenFile);
            assertThat(a.tokenSource().accessToken()).isNotBlank();
            copyStore(original, copy);
            try (GatehouseClient b = GatehouseClient.builder(copy).machineIdSource(MachineIds.fixed(machine)).build()) {
                b.rotateSecret();
                b.tokenSource().invalidate();
                assertThat(b.tokenSource().accessToken()).isNotBlank();
            }
            a.tokenSource().invalidate();
            assertThatThrownBy(() -> a.tokenSource().accessToken())
                    .isInstanceOf(CredentialsRotatedElsewhereException.class)
                    .isNotInstanceOf(RegistrationRevokedException.class)
                    .hasMessageContaining("another copy");
            assertThat(told).hasSize(1).allMatch(e -> e instanceof CredentialsRotatedElsewhereException);
            GatehouseClient.Status st = a.status(true);
            assertThat(st.serverState()).isEqualTo(GatehouseClient.ServerState.ROTATED_ELSEWHERE);
            assertThat(st.credentialState()).isEqualTo("rotated_elsewhere");
            // said again without asking the server
            assertThatThrownBy(() -> a.tokenSource().accessToken()).isInstanceOf(CredentialsRotatedElsewhereException.class);
        }
    }
}
