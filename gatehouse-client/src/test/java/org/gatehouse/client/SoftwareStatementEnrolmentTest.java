package org.gatehouse.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWK;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.statements.StatementKeys;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;

/** Issue 9: the installer sends the software statement found next to the token file. */
@BothBackends
class SoftwareStatementEnrolmentTest {
    @Parameter
    String backend;

    @TempDir
    Path tmp;

    private record Setup(Path tokenFile, String statement, String publisher) {
    }

    private Setup setup(TestServer s) throws Exception {
        Path key = tmp.resolve("publisher.key");
        StatementKeys.keygen(key, "ES256");
        String publisher = "org.example.client." + Secrets.randomId(4);
        s.gatehouse().publishers.add(publisher, Files.readString(StatementKeys.publicFile(key)), null, null, Actor.cli());
        JWK k = StatementKeys.readPrivate(key);
        String statement = StatementKeys.sign(k, publisher, Instant.now(), null,
                Map.of("software_id", "org.example.signed", "software_version", "3.0.0", "client_name", "Signed app"));
        IatService.Created created = s.gatehouse().iats.create(IatService.Spec.of("needs a statement", 5, Duration.ofDays(1), null),
                Actor.cli(), s.gatehouse().statements.requirement(List.of(publisher)));
        Path tokenFile = tmp.resolve("gatehouse-token.json");
        org.gatehouse.server.iat.TokenFile.write(tokenFile, org.gatehouse.server.iat.TokenFile.content(created, s.issuer));
        return new Setup(tokenFile, statement, publisher);
    }

    @Test
    void statementNextToTheTokenFileIsSentAndItsClaimsWin() throws Exception {
        TestServer s = TestServer.shared(backend);
        Setup x = setup(s);
        // Without the statement the token refuses the installation, with the RFC 7591 error.
        assertThatThrownBy(() -> Fixtures.client(tmp.resolve("store0")).build().enrol(x.tokenFile()))
                .hasMessageContaining("invalid_software_statement");

        Files.writeString(tmp.resolve("gatehouse-token.statement.jwt"), x.statement() + "\n");
        assertThat(SoftwareStatementFile.candidates(x.tokenFile())).extracting(p -> p.getFileName().toString())
                .containsExactly("gatehouse-token.statement.jwt", "software_statement.jwt");
        GatehouseClient gh = Fixtures.client(tmp.resolve("store1")).machineIdSource(MachineIds.fixed("cc" + Secrets.randomId(8))).build();
        Credentials c = gh.enrol(x.tokenFile()).credentials();
        // The builder said org.example.testapp 1.2.3; the signed statement says otherwise, and wins.
        assertThat(c.softwareId()).isEqualTo("org.example.signed");
        assertThat(c.softwareVersion()).isEqualTo("3.0.0");
        Http.Response read = s.http.get("/register/" + c.clientId(), c.registrationAccessToken());
        assertThat(read.json()).containsEntry("software_statement", x.statement()).containsEntry("client_name", "Signed app");
        // Secret rotation (an RFC 7592 update without the statement) keeps the signed metadata.
        Credentials rotated = gh.rotateSecret();
        assertThat(s.http.get("/register/" + c.clientId(), rotated.registrationAccessToken()).json())
                .containsEntry("software_id", "org.example.signed").containsEntry("software_statement", x.statement());
    }

    @Test
    void defaultNameAndBuiltInStatement() throws Exception {
        TestServer s = TestServer.shared(backend);
        Setup x = setup(s);
        // Built into the installer.
        Credentials built = Fixtures.client(tmp.resolve("a")).softwareStatement(x.statement()).machineIdSource(MachineIds.fixed("aa" + Secrets.randomId(8)))
                .build().enrol(x.tokenFile()).credentials();
        assertThat(built.softwareId()).isEqualTo("org.example.signed");
        // software_statement.jwt next to the token file.
        Files.writeString(tmp.resolve(SoftwareStatementFile.DEFAULT_NAME), x.statement());
        Credentials file = Fixtures.client(tmp.resolve("b")).machineIdSource(MachineIds.fixed("bb" + Secrets.randomId(8)))
                .build().enrol(x.tokenFile()).credentials();
        assertThat(file.softwareId()).isEqualTo("org.example.signed");
    }

    @Test
    void aStatementFileThatIsNotAJwsFailsClosed() throws Exception {
        TestServer s = TestServer.shared(backend);
        Setup x = setup(s);
        Files.writeString(tmp.resolve("gatehouse-token.statement.jwt"), "{\"not\":\"a jws\"}");
        assertThatThrownBy(() -> Fixtures.client(tmp.resolve("store")).build().enrol(x.tokenFile()))
                .isInstanceOf(TokenFileException.class).hasMessageContaining("not a signed JWT");
        assertThat(Files.exists(tmp.resolve("store").resolve("credentials.json"))).isFalse();
    }
}
