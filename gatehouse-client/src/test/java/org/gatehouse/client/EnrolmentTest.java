package org.gatehouse.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;

/** The whole installer flow against a real Gatehouse server, on H2 and on PostgreSQL. */
@BothBackends
class EnrolmentTest {
    @Parameter
    String backend;

    @TempDir
    Path tmp;

    @Test
    void enrolTokenVerifyRotateRevoke() throws Exception {
        TestServer s = TestServer.shared(backend);
        Path tokenFile = Fixtures.tokenFile(s, tmp, 1, "prefs:read");
        Path store = tmp.resolve("store");
        GatehouseClient gh = Fixtures.client(store).build();

        // enrol: registered with software_id, software_version, client_name and the derived installation id
        GatehouseClient.Enrolment e = gh.enrol(tokenFile);
        assertThat(e.alreadyEnrolled()).isFalse();
        Credentials c = e.credentials();
        assertThat(c.installationId()).isEqualTo(InstallationId.derive(Fixtures.MACHINE_ID, s.issuer, "org.example.testapp", null));
        assertThat(c.scope()).isEqualTo("prefs:read");
        Http.Response read = s.http.get("/register/" + c.clientId(), c.registrationAccessToken());
        assertThat(read.json()).containsEntry("software_id", "org.example.testapp").containsEntry("software_version", "1.2.3")
                .containsEntry("client_name", "Test app").containsEntry("installation_id", c.installationId());

        // stored owner-only, atomically (no temporary files left), secrets never in toString
        assertThat(Files.getPosixFilePermissions(store.resolve("credentials.json"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(store)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        try (var files = Files.list(store)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("credentials.json", ".lock");
        }
        assertThat(c.toString()).doesNotContain(c.clientSecret()).doesNotContain(c.registrationAccessToken());

        // a second run does not register again (the token file admits only one installation anyway)
        GatehouseClient.Enrolment again = Fixtures.client(store).build().enrol(tokenFile);
        assertThat(again.alreadyEnrolled()).isTrue();
        assertThat(again.credentials().clientId()).isEqualTo(c.clientId());

        // a token, verified offline and active at introspection for this installation
        String token = gh.tokenSource().accessToken();
        TokenVerifier verifier = TokenVerifier.builder(s.issuer).build();
        VerifiedToken v = verifier.verify(token, "prefs:read");
        assertThat(v.clientId()).isEqualTo(c.clientId());
        assertThat(v.installationId()).isEqualTo(c.installationId());
        assertThat(Fixtures.introspect(s, c, token)).containsEntry("active", true).containsEntry("installation_id", c.installationId());
        assertThat(gh.tokenSource().accessToken()).isSameAs(token); // cached

        // rotate: the old secret stops working, the new one works
        Credentials rotated = gh.rotateSecret();
        assertThat(rotated.clientSecret()).isNotEqualTo(c.clientSecret()).startsWith("ghs_");
        assertThat(rotated.registrationAccessToken()).isNotEqualTo(c.registrationAccessToken());
        assertThat(gh.store().load().clientSecret()).isEqualTo(rotated.clientSecret());
        assertThat(s.http.postForm("/token", c.clientId(), c.clientSecret(), Map.of("grant_type", "client_credentials")).status()).isEqualTo(401);
        gh.tokenSource().invalidate();
        assertThat(verifier.verify(gh.tokenSource().accessToken()).clientId()).isEqualTo(c.clientId());

        // revoked on the server → the distinct exception, every time, without retry storms
        Fixtures.revokeOnServer(s, c.clientId());
        gh.tokenSource().invalidate();
        assertThatThrownBy(() -> gh.tokenSource().accessToken()).isInstanceOf(RegistrationRevokedException.class)
                .hasMessageContaining(c.clientId()).hasMessageNotContaining("ghs_");
        assertThatThrownBy(() -> gh.tokenSource().accessToken()).isInstanceOf(RegistrationRevokedException.class);
        assertThat(gh.status(true).serverState()).isEqualTo(GatehouseClient.ServerState.REVOKED);

        // unenrol of a revoked registration removes the local credentials
        assertThat(gh.unenrol()).isEqualTo(GatehouseClient.Unenrolment.ALREADY_GONE);
        assertThat(gh.store().exists()).isFalse();
        assertThatThrownBy(() -> gh.tokenSource().accessToken()).isInstanceOf(NotEnrolledException.class);
    }

    @Test
    void unenrolDeletesTheRegistration() {
        TestServer s = TestServer.shared(backend);
        GatehouseClient gh = Fixtures.client(tmp.resolve("store")).build();
        Credentials c = gh.enrol(Fixtures.tokenFile(s, tmp, 1, null)).credentials();
        String token = gh.tokenSource().accessToken();
        assertThat(gh.status(true).serverState()).isEqualTo(GatehouseClient.ServerState.ACTIVE);

        assertThat(gh.unenrol()).isEqualTo(GatehouseClient.Unenrolment.DELETED);
        assertThat(s.http.get("/register/" + c.clientId(), c.registrationAccessToken()).status()).isEqualTo(401);
        assertThat(s.http.postForm("/token", c.clientId(), c.clientSecret(), Map.of("grant_type", "client_credentials")).status()).isEqualTo(401);
        assertThat(gh.store().exists()).isFalse();
        assertThatThrownBy(gh::unenrol).isInstanceOf(NotEnrolledException.class);
        // a resource server's introspection sees the token of the deleted client as inactive
        var rs = s.gatehouse().resourceServers.create("api", "client_secret_basic", org.gatehouse.server.audit.Actor.cli());
        assertThat(s.http.postForm("/introspect", rs.client().clientId(), rs.secret(), Map.of("token", token)).json())
                .containsEntry("active", false);
    }

    @Test
    void registrationDeletedElsewhereIsReportedAsRevoked() {
        TestServer s = TestServer.shared(backend);
        GatehouseClient gh = Fixtures.client(tmp.resolve("store")).build();
        Credentials c = gh.enrol(Fixtures.tokenFile(s, tmp, 1, null)).credentials();
        // e.g. another copy of the credentials deleted the registration through RFC 7592
        assertThat(s.http.delete("/register/" + c.clientId(), c.registrationAccessToken()).status()).isEqualTo(204);
        assertThatThrownBy(() -> gh.tokenSource().accessToken()).isInstanceOf(RegistrationRevokedException.class);
    }

    @Test
    void usedUpTokenFileIsRefusedClearly() {
        TestServer s = TestServer.shared(backend);
        Path tokenFile = Fixtures.tokenFile(s, tmp, 1, null);
        Fixtures.client(tmp.resolve("a")).build().enrol(tokenFile);
        GatehouseClient other = Fixtures.client(tmp.resolve("b")).machineIdSource(MachineIds.fixed("another-machine")).build();
        assertThatThrownBy(() -> other.enrol(tokenFile)).isInstanceOf(ServerErrorException.class)
                .hasMessageContaining("initial access token").hasMessageContaining("invalid_token");
        assertThat(other.store().exists()).isFalse();
    }

    @Test
    void aStoreCopiedFromAnotherMachineOrIssuerIsRefused() {
        TestServer s = TestServer.shared(backend);
        Path store = tmp.resolve("store");
        Fixtures.client(store).build().enrol(Fixtures.tokenFile(s, tmp, 1, null));
        GatehouseClient elsewhere = Fixtures.client(store).machineIdSource(MachineIds.fixed("ffffffffffffffffffffffffffffffff")).build();
        assertThatThrownBy(() -> elsewhere.tokenSource().accessToken()).isInstanceOf(CredentialStoreException.class)
                .hasMessageContaining("another machine");
        // a token file of another issuer does not overwrite the existing enrolment
        Path foreign = tmp.resolve("foreign.json");
        writeTokenFile(foreign, "https://other.example.org");
        assertThatThrownBy(() -> Fixtures.client(store).build().enrol(foreign)).isInstanceOf(CredentialStoreException.class)
                .hasMessageContaining("another issuer");
    }

    @Test
    void tokenFileWhoseServerIsAnotherIssuerIsRefused() {
        TestServer s = TestServer.shared(backend);
        // the file names this server's URL with a different spelling of the issuer: metadata must match exactly (RFC 8414 §3.3)
        Path f = tmp.resolve("t.json");
        writeTokenFile(f, s.issuer.replace("127.0.0.1", "localhost"));
        assertThatThrownBy(() -> Fixtures.client(tmp.resolve("store")).build().enrol(f)).isInstanceOf(TokenFileException.class)
                .hasMessageContaining("does not belong");
        assertThat(Files.exists(tmp.resolve("store").resolve("credentials.json"))).isFalse();
    }

    private static void writeTokenFile(Path f, String issuer) {
        try {
            Files.writeString(f, "{\"gatehouse_token_file\":1,\"issuer\":\"" + issuer + "\",\"registration_endpoint\":\"" + issuer
                    + "/register\",\"initial_access_token\":\"ghi_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
