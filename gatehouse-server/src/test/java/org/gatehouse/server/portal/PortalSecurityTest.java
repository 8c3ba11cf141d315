package org.gatehouse.server.portal;

import org.gatehouse.server.testing.Slow;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.gatehouse.server.accounts.Passwords;
import org.gatehouse.server.accounts.Totp;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.Cli;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;

/** Throttling, https cookies, the CLI's setup links, and the primitives (TOTP vectors, Argon2id). */
@Slow // measured heavy for the quick set (issue 14 Must 6): runs in the slow execution, in CI every time
class PortalSecurityTest {

    @Test
    void failedSignInsAreThrottledPerAccountWithTheSameAnswerForUnknownAccounts() {
        try (TestServer s = TestServer.start(Backend.H2, Map.of())) {
            PortalClient a = new PortalClient(s.issuer);
            PortalClient.Person admin = PortalTest.admin(s, a);
            PortalClient x = new PortalClient(s.issuer);
            x.get("/login");
            String unknown = PortalTest.email("ghost");
            for (int i = 0; i < 5; i++) {
                assertThat(x.post("/login", "email", admin.email, "password", "wrong password " + i).status()).isEqualTo(403);
                assertThat(x.post("/login", "email", unknown, "password", "wrong password " + i).status()).isEqualTo(403);
            }
            PortalClient.Page known = x.post("/login", "email", admin.email, "password", admin.password);
            PortalClient.Page ghost = x.post("/login", "email", unknown, "password", "whatever it is");
            assertThat(known.status()).isEqualTo(429).isEqualTo(ghost.status());
            assertThat(known.header("Retry-After")).isNotNull();
            assertThat(known.find("(<div class=\"alert\".*?</div>)")).isEqualTo(ghost.find("(<div class=\"alert\".*?</div>)"))
                    .contains("Too many attempts");
        }
    }

    @Test
    void failedSignInsAreThrottledPerClientAddress() {
        try (TestServer s = TestServer.start(Backend.H2, Map.of())) {
            PortalClient x = new PortalClient(s.issuer);
            x.get("/login");
            for (int i = 0; i < 30; i++) {
                assertThat(x.post("/login", "email", PortalTest.email("n" + i), "password", "wrong password").status()).isEqualTo(403);
            }
            assertThat(x.post("/login", "email", PortalTest.email("fresh"), "password", "wrong password").status()).isEqualTo(429);
        }
    }

    @Test
    void secondFactorGuessesAreThrottledToo() {
        try (TestServer s = TestServer.start(Backend.H2, Map.of())) {
            PortalClient a = new PortalClient(s.issuer);
            PortalClient.Person admin = PortalTest.admin(s, a);
            PortalClient x = new PortalClient(s.issuer);
            x.get("/login");
            x.post("/login", "email", admin.email, "password", admin.password);
            x.get("/login/code");
            for (int i = 0; i < 5; i++) assertThat(x.post("/login/code", "code", "000000").status()).isIn(403);
            assertThat(x.post("/login/code", "code", admin.nextCode()).status()).isEqualTo(429);
        }
    }

    @Test
    void withAnHttpsIssuerTheCookieIsSecureWithTheHostPrefix() {
        try (TestServer s = TestServer.start(Backend.H2, Map.of("GATEHOUSE_ISSUER", "https://gatehouse.example.org"))) {
            PortalClient c = new PortalClient("http://127.0.0.1:" + s.config.port, "__Host-gatehouse_session");
            PortalClient.Page login = c.get("/login");
            String cookie = login.headers().allValues("Set-Cookie").get(0);
            assertThat(cookie).startsWith("__Host-gatehouse_session=").contains("; Secure").contains("Path=/").contains("HttpOnly")
                    .contains("SameSite=Lax").doesNotContain("Domain=");
            String url = s.gatehouse().accounts.adminLink(PortalTest.email("tls"), Actor.cli()).url();
            assertThat(url).startsWith("https://gatehouse.example.org/setup/ghl_");
        }
    }

    @Test
    void serveBootstrapAndAdminCreateWorkFromTheCliWhileTheServerRuns() {
        try (TestServer s = TestServer.start(Backend.H2, Map.of())) {
            assertThat(s.gatehouse().accounts.firstAdminLinkOnStart(Actor.system(), "test")).isPresent();
            Map<String, String> env = new java.util.HashMap<>(s.backend.env());
            env.put("GATEHOUSE_ISSUER", s.issuer);
            env.put("GATEHOUSE_PORT", Integer.toString(s.config.port));
            Cli.Result r = Cli.run(env, "admin", "create", "--email", "First.Admin@Example.org");
            assertThat(r.exit()).as(r.err()).isZero();
            String url = r.out().strip();
            assertThat(url).startsWith(s.issuer + "/setup/ghl_");
            assertThat(r.err()).contains("first.admin@example.org");
            PortalClient c = new PortalClient(s.issuer);
            PortalClient.Person p = c.completeSetup(url, null, PortalTest.PASSWORD);
            assertThat(p.email).isEqualTo("first.admin@example.org");
            // Once an account exists, no further bootstrap link is printed.
            assertThat(s.gatehouse().accounts.firstAdminLinkOnStart(Actor.system(), "test")).isEmpty();
            Cli.Result list = Cli.run(env, "admin", "list");
            assertThat(list.out()).contains("first.admin@example.org").contains("admin");
            assertThat(Cli.run(env, "admin", "create", "--email", "not an address").exit()).isEqualTo(2);
        }
    }

    @Test
    void theFirstAdminsLinkAsksForTheirAddress() {
        try (TestServer s = TestServer.start(Backend.H2, Map.of())) {
            String url = s.gatehouse().accounts.replaceFirstAdminLink(Actor.system(), "test").url();
            PortalClient c = new PortalClient(s.issuer);
            assertThat(c.get(url).body()).contains("name=\"email\"");
            PortalClient.Person p = c.completeSetup(url, "root@example.org", PortalTest.PASSWORD);
            assertThat(p.email).isEqualTo("root@example.org");
            assertThat(c.get("/admin/accounts").status()).isEqualTo(200);
        }
    }

    @Test
    void totpMatchesTheRfc6238TestVectors() {
        byte[] seed = "12345678901234567890".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        // RFC 6238 Appendix B (SHA1), last 6 of the 8 digits.
        assertThat(Totp.code(seed, Totp.step(59_000L))).isEqualTo("287082");
        assertThat(Totp.code(seed, Totp.step(1_111_111_109_000L))).isEqualTo("081804");
        assertThat(Totp.code(seed, Totp.step(1_234_567_890_000L))).isEqualTo("005924");
        assertThat(Totp.code(seed, Totp.step(20_000_000_000_000L))).isEqualTo("353130");
        long now = 1_234_567_890_000L;
        long step = Totp.step(now);
        assertThat(Totp.match(seed, Totp.code(seed, step - 1), now)).isEqualTo(step - 1);
        assertThat(Totp.match(seed, Totp.code(seed, step + 1), now)).isEqualTo(step + 1);
        assertThat(Totp.match(seed, Totp.code(seed, step + 2), now)).isEqualTo(-1);
        assertThat(Totp.match(seed, "12345", now)).isEqualTo(-1);
        assertThat(Totp.fromBase32(Totp.base32(seed))).isEqualTo(seed);
    }

    @Test
    void passwordsAreArgon2idAndAtLeastTwelveCharacters() {
        String h = Passwords.hash("twelve chars");
        assertThat(h).startsWith("$argon2id$v=19$m=19456,t=2,p=1$");
        assertThat(Passwords.verify("twelve chars", h)).isTrue();
        assertThat(Passwords.verify("twelve chars!", h)).isFalse();
        assertThat(Passwords.verify("twelve chars", null)).isFalse();
        assertThat(Passwords.problem("eleven char")).contains("12");
        assertThat(Passwords.hash("twelve chars")).isNotEqualTo(h);
    }
}
