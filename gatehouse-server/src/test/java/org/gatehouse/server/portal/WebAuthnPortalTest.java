package org.gatehouse.server.portal;

import org.gatehouse.server.testing.Slow;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.SoftAuthenticator;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/** Security keys through the portal over real HTTP, with a software authenticator standing in for the browser's. */
@Slow // measured heavy for the quick set (issue 14 Must 6): runs in the slow execution, in CI every time
@BothBackends
class WebAuthnPortalTest {
    @Parameter
    String backend;

    /** A server per backend whose issuer has a host name: browsers (and the portal) offer security keys only there. */
    private static final java.util.Map<String, TestServer> SERVERS = new java.util.concurrent.ConcurrentHashMap<>();

    private TestServer s() {
        return SERVERS.computeIfAbsent(backend, b -> {
            int port;
            try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
                port = socket.getLocalPort();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return TestServer.start(b, java.util.Map.of("GATEHOUSE_PORT", Integer.toString(port), "GATEHOUSE_ISSUER", "http://localhost:" + port));
        });
    }

    @org.junit.jupiter.api.AfterAll
    static void stop() {
        SERVERS.values().forEach(TestServer::close);
        SERVERS.clear();
    }

    /** On an issuer reached by IP address, no browser accepts a key: the page says so and offers no form that cannot work. */
    @Test
    void anIpAddressIssuerSaysWhyKeysCannotWork() {
        PortalClient c = new PortalClient(TestServer.shared(backend).issuer); // http://127.0.0.1:port
        PortalTest.admin(TestServer.shared(backend), c);
        PortalClient.Page page = c.get("/account/keys");
        assertThat(page.body()).contains("id=\"rp-id-warning\"").contains("Security keys cannot work on this server")
                .doesNotContain("id=\"add-key\"").doesNotContain("<script");
        assertThat(page.header("Content-Security-Policy")).doesNotContain("script-src");
    }

    private String origin() {
        URI u = URI.create(s().issuer);
        return u.getScheme() + "://" + u.getRawAuthority();
    }

    /** Adds a key on the security-keys page; returns the page after the post. */
    private PortalClient.Page addKey(PortalClient c, SoftAuthenticator key, String label) {
        PortalClient.Page page = c.get("/account/keys");
        assertThat(page.status()).isEqualTo(200);
        String challenge = page.find("id=\"add-key\"[^>]*data-challenge=\"([^\"]+)\"");
        String rpId = page.find("id=\"add-key\"[^>]*data-rp-id=\"([^\"]+)\"");
        SoftAuthenticator.Result r = key.create(challenge, origin(), rpId);
        return c.post("/account/keys", "label", label, "credential_id", r.credentialId(), "client_data", r.clientDataJSON(),
                "attestation_object", r.attestationObject(), "transports", "usb nfc");
    }

    private PortalClient.Page keySignIn(PortalClient c, PortalClient.Person who, SoftAuthenticator key) {
        c.get("/login");
        PortalClient.Page pw = c.post("/login", "email", who.email, "password", who.password);
        assertThat(pw.status()).isEqualTo(303);
        PortalClient.Page code = c.get("/login/code");
        String challenge = code.find("id=\"key-sign-in\"[^>]*data-challenge=\"([^\"]+)\"");
        String rpId = code.find("id=\"key-sign-in\"[^>]*data-rp-id=\"([^\"]+)\"");
        String userId = code.find("id=\"key-sign-in\"[^>]*data-user-id=\"([^\"]+)\"");
        SoftAuthenticator.Result r = key.get(challenge, origin(), rpId, userId);
        return c.post("/login/key", "credential_id", r.credentialId(), "client_data", r.clientDataJSON(),
                "authenticator_data", r.authenticatorData(), "signature", r.signature(), "user_handle", r.userHandle());
    }

    @Test
    void addAKeySignInWithItAndRemoveIt() {
        PortalClient c = new PortalClient(s().issuer);
        PortalClient.Person admin = PortalTest.admin(s(), c);
        PortalClient.Page empty = c.get("/account/keys");
        assertThat(empty.body()).contains("You have no security keys yet").contains("<script src=\"/static/webauthn.js\" defer></script>")
                .contains("data-webauthn-fallback").doesNotContain("id=\"rp-id-warning\""); // a host name: keys work
        assertThat(empty.header("Content-Security-Policy")).contains("script-src 'self'").contains("frame-ancestors 'none'")
                .doesNotContain("unsafe-inline");
        // Other pages keep the script-free policy.
        assertThat(c.get("/").header("Content-Security-Policy")).doesNotContain("script-src");

        SoftAuthenticator key = new SoftAuthenticator();
        PortalClient.Page added = c.follow(addKey(c, key, "YubiKey <5>"));
        assertThat(added.body()).contains("Security key \"YubiKey &lt;5&gt;\" added.").contains("<table id=\"keys\"");

        c.post("/logout");
        // With a key, the second-factor page offers it, with the code form as the fallback, and loads the script.
        c.get("/login");
        c.post("/login", "email", admin.email, "password", admin.password);
        PortalClient.Page code = c.get("/login/code");
        assertThat(code.body()).contains("Use security key").contains("action=\"/login/code\"").contains("<h2>Code</h2>");
        assertThat(code.header("Content-Security-Policy")).contains("script-src 'self'");
        c.post("/logout");

        PortalClient.Page in = keySignIn(c, admin, key);
        assertThat(in.status()).as(in.body()).isEqualTo(303);
        assertThat(in.location()).isEqualTo("/");
        assertThat(c.get("/").status()).isEqualTo(200);
        PortalClient.Page listed = c.get("/account/keys");
        assertThat(listed.body()).contains("YubiKey &lt;5&gt;");
        String keyId = listed.find("href=\"/account/keys/(wak_[^/\"]+)/delete\"");

        // Another account cannot remove it.
        PortalClient other = new PortalClient(s().issuer);
        PortalTest.issuer(c, other);
        other.get("/account/keys");
        assertThat(other.post("/account/keys/" + keyId + "/delete", "confirm", "yes").status()).isEqualTo(404);
        assertThat(other.get("/account/keys/" + keyId + "/delete").status()).isEqualTo(404);

        assertThat(c.get("/account/keys/" + keyId + "/delete").body()).contains("Remove security key?");
        PortalClient.Page removed = c.postFollow("/account/keys/" + keyId + "/delete", "confirm", "yes");
        assertThat(removed.body()).contains("Security key \u201cYubiKey &lt;5&gt;\u201d removed.").contains("You have no security keys yet");
        // Without a key the second-factor page is the code form alone, without script.
        c.post("/logout");
        c.get("/login");
        c.post("/login", "email", admin.email, "password", admin.password);
        PortalClient.Page plain = c.get("/login/code");
        assertThat(plain.body()).doesNotContain("Use security key").doesNotContain("<script");
        assertThat(plain.header("Content-Security-Policy")).doesNotContain("script-src");
    }

    @Test
    void aFailedKeyLeavesTheCodeFallbackAndCsrfIsChecked() {
        PortalClient c = new PortalClient(s().issuer);
        PortalClient.Person admin = PortalTest.admin(s(), c);
        SoftAuthenticator key = new SoftAuthenticator();
        assertThat(addKey(c, key, "key").status()).isEqualTo(303);
        c.post("/logout");

        // A different key under the same credential id: refused, the page offers both ways again.
        SoftAuthenticator impostor = new SoftAuthenticator();
        System.arraycopy(key.credentialId, 0, impostor.credentialId, 0, key.credentialId.length);
        PortalClient.Page bad = keySignIn(c, admin, impostor);
        assertThat(bad.status()).isEqualTo(403);
        assertThat(bad.body()).contains("The security key could not be verified").contains("Use security key").contains("action=\"/login/code\"");
        assertThat(c.get("/").status()).isEqualTo(303);
        // The code fallback works in the same session.
        PortalClient.Page withCode = c.post("/login/code", "code", admin.nextCode());
        assertThat(withCode.status()).isEqualTo(303);
        assertThat(c.get("/").status()).isEqualTo(200);
        c.post("/logout");

        // Without the CSRF token the key post is refused before any verification.
        c.get("/login");
        c.post("/login", "email", admin.email, "password", admin.password);
        PortalClient.Page code = c.get("/login/code");
        String challenge = code.find("data-challenge=\"([^\"]+)\"");
        SoftAuthenticator.Result r = key.get(challenge, origin(), URI.create(s().issuer).getHost(), null);
        PortalClient.Page noCsrf = c.post("/login/key", "csrf", null, "credential_id", r.credentialId(), "client_data", r.clientDataJSON(),
                "authenticator_data", r.authenticatorData(), "signature", r.signature());
        assertThat(noCsrf.status()).isEqualTo(403);
        // Adding a key needs a signed-in session; the key step needs the password step first.
        PortalClient anon = new PortalClient(s().issuer);
        assertThat(anon.get("/account/keys").status()).isEqualTo(303);
        anon.get("/login");
        assertThat(anon.post("/login/key", "credential_id", r.credentialId()).status()).isEqualTo(303);
    }

    @Test
    void theScriptIsServedSameOriginWithStrictHeaders() {
        PortalClient c = new PortalClient(s().issuer);
        PortalClient.Page js = c.get("/static/webauthn.js");
        assertThat(js.status()).isEqualTo(200);
        assertThat(js.header("Content-Type")).startsWith("text/javascript");
        assertThat(js.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(js.body()).contains("navigator.credentials.create").contains("navigator.credentials.get");
    }
}
