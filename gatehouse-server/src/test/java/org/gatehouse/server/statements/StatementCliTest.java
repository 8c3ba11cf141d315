package org.gatehouse.server.statements;

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

/** The publisher's and the admin's commands, as separate processes against a running server's database. */
@BothBackends
class StatementCliTest {
    @Parameter
    String backend;

    private static Map<String, String> env(TestServer s) {
        Map<String, String> env = new HashMap<>(s.backend.env());
        env.put("GATEHOUSE_ISSUER", s.issuer);
        return env;
    }

    private static Cli.Result ok(Cli.Result r) {
        assertThat(r.exit()).as(r.err()).isZero();
        return r;
    }

    @Test
    void keygenPublisherAddTokenRequiringAStatementSignAndRegister() throws Exception {
        TestServer s = TestServer.shared(backend);
        Path dir = Files.createTempDirectory(s.backend.dataDir, "publisher");
        Path key = dir.resolve("morphic.key");
        String name = "org.example.cli." + backend;

        String kid = ok(Cli.run(env(s), "statement", "keygen", "--out", key.toString(), "--alg", "EdDSA")).out().trim();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        Path pub = dir.resolve("morphic.key.jwks.json");
        assertThat(Files.readString(pub)).contains(kid).doesNotContain("\"d\"");
        assertThat(Cli.run(env(s), "statement", "keygen", "--out", key.toString()).exit()).as("never overwrites").isNotZero();

        // The private key is refused as a publisher's JWKS, without echoing it.
        Cli.Result priv = Cli.run(env(s), "publisher", "add", "--name", name, "--jwks-json", "{\"keys\":[" + Files.readString(key).trim() + "]}");
        assertThat(priv.exit()).isEqualTo(2);
        assertThat(priv.err()).contains("private key material");
        assertThat(priv.err() + priv.out()).doesNotContain((String) Json.parseObject(Files.readString(key)).get("d"));

        assertThat(ok(Cli.run(env(s), "publisher", "add", "--name", name, "--jwks-file", pub.toString())).out()).startsWith("pub_");
        assertThat(ok(Cli.run(env(s), "publisher", "list")).out()).contains(name).contains("inline JWKS");

        Path tokenFile = dir.resolve("site.token.json");
        ok(Cli.run(env(s), "iat", "create", "--label", "Morphic only", "--max-registrations", "5", "--output", tokenFile.toString(),
                "--require-statement-from", name, "--software-id", "org.example.morphic"));
        String iat = (String) Json.parseObject(Files.readString(tokenFile)).get("initial_access_token");
        assertThat(Cli.run(env(s), "iat", "create", "--label", "x", "--output", dir.resolve("x.json").toString(),
                "--require-statement-from", "org.nobody").exit()).isEqualTo(2);

        String statement = ok(Cli.run(env(s), "statement", "sign", "--key", key.toString(), "--issuer", name,
                "--software-id", "org.example.morphic", "--software-version", "2.0.1", "--scope", "prefs:read",
                "--expires-in", "365d")).out().trim();
        assertThat(statement.split("\\.")).hasSize(3);
        Flow.Client c = Flow.register(s, iat, Statements.body(statement, null));
        assertThat(c.info()).containsEntry("software_version", "2.0.1").containsEntry("scope", "prefs:read");

        Http.Response none = s.http.postJson("/register", iat, Statements.body(null, null));
        assertThat(none.str("error")).isEqualTo("invalid_software_statement");

        Cli.Result removed = ok(Cli.run(env(s), "publisher", "remove", name));
        assertThat(removed.err()).contains("1 active token");
        assertThat(s.http.postJson("/register", iat, Statements.body(statement, null)).str("error")).isEqualTo("unapproved_software_statement");
        assertThat(Cli.run(env(s), "publisher", "remove", name).exit()).isEqualTo(1);
    }
}
