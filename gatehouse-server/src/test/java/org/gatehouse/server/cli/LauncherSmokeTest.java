package org.gatehouse.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.Cli;
import org.gatehouse.server.testing.Slow;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;

/**
 * The real launcher (Main.main, its own JVM, System.exit) against a running server's database: the CLI tests run the
 * commands in-process, this checks that the process around them behaves the same (with BuildInfoTest's --version).
 */
@Slow
class LauncherSmokeTest {

    @Test
    void aCommandInItsOwnJvmPrintsAndExitsWithTheCommandsCode() {
        TestServer s = TestServer.shared(Backend.H2);
        Map<String, String> env = new HashMap<>(s.backend.env());
        env.put("GATEHOUSE_ISSUER", s.issuer);
        Cli.Result list = Cli.subprocess(env, "iat", "list");
        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(list.out()).startsWith("ID");
        Cli.Result unknown = Cli.subprocess(env, "iat", "revoke", "iat_doesnotexist");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).startsWith("gatehouse: ").doesNotContain("Exception");
    }
}
