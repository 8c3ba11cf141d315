package org.gatehouse.server.portal;

import org.gatehouse.server.domain.AuditEvent;
import org.gatehouse.server.domain.InstallationStatus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.gatehouse.server.GatehouseServer;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.store.AuditStore;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/** Issue 3 over real HTTP: accounts, sign-in, sessions, CSRF, headers, issuer pages, role separation. */
@BothBackends
class PortalTest {
    static final String PASSWORD = "correct horse battery staple";

    @Parameter
    String backend;

    private TestServer s() {
        return TestServer.shared(backend);
    }

    static String email(String who) {
        return who + "-" + Secrets.randomId(6).toLowerCase().replaceAll("[^a-z0-9]", "x") + "@example.org";
    }

    /** A signed-in admin (set up through an `admin create` link). */
    static PortalClient.Person admin(TestServer s, PortalClient c) {
        String email = email("admin");
        String url = s.gatehouse().accounts.adminLink(email, Actor.cli()).url();
        PortalClient.Person p = c.completeSetup(url, null, PASSWORD);
        assertThat(p.email).isEqualTo(email);
        return p;
    }

    /** An issuer invited by a signed-in admin, signed in on its own client. */
    static PortalClient.Person issuer(PortalClient admin, PortalClient c) {
        String email = email("issuer");
        admin.get("/admin/accounts");
        PortalClient.Page invited = admin.postFollow("/admin/invites", "email", email, "role", "issuer");
        String url = invited.find("id=\"invite-link\">([^<]+)<");
        return c.completeSetup(url, null, PASSWORD);
    }

    /** Creates a token on the portal; returns [id, token value]. */
    static String[] createToken(PortalClient c, String label, int max) {
        c.get("/tokens/new");
        PortalClient.Page created = c.postFollow("/tokens", "label", label, "days", "30", "max", Integer.toString(max),
                "scope", "prefs:read", "reregistration", "replace");
        assertThat(created.status()).as(created.body()).isEqualTo(200);
        String token = created.find("id=\"token-value\">(ghi_[^<]+)<");
        String id = created.find("action=\"/tokens/(iat_[^/\"]+)/file\"");
        return new String[] {id, token};
    }

    @Test
    void setupLinkSignInAndTheDashboard() {
        PortalClient c = new PortalClient(s().issuer);
        PortalClient.Person admin = admin(s(), c);
        assertThat(admin.recoveryCodes).hasSize(10);
        // After setup the session is signed in.
        PortalClient.Page dash = c.get("/");
        assertThat(dash.status()).isEqualTo(200);
        assertThat(dash.body()).contains("Signed in as <strong>" + admin.email);
        // Sign out, then sign in with password and TOTP.
        c.post("/logout");
        assertThat(c.get("/").status()).isEqualTo(303);
        PortalClient.Page in = c.signIn(admin);
        assertThat(in.location()).isEqualTo("/");
        assertThat(c.get("/").body()).contains(admin.email);
    }

    @Test
    void setupLinksAreOneTime() {
        String url = s().gatehouse().accounts.adminLink(email("once"), Actor.cli()).url();
        new PortalClient(s().issuer).completeSetup(url, null, PASSWORD);
        PortalClient again = new PortalClient(s().issuer);
        assertThat(again.get(url).status()).isEqualTo(404);
        assertThat(again.get("/setup/ghl_" + Secrets.randomId(32)).status()).isEqualTo(404);
    }

    @Test
    void passwordsShorterThanTwelveCharactersAreRefusedWithTheErrorTiedToTheField() {
        String url = s().gatehouse().accounts.adminLink(email("short"), Actor.cli()).url();
        PortalClient c = new PortalClient(s().issuer);
        c.get(url);
        PortalClient.Page p = c.post(url, "password", "elevenchars", "confirm", "elevenchars");
        assertThat(p.status()).isEqualTo(400);
        assertThat(p.body()).contains("aria-invalid=\"true\"").contains("aria-describedby=\"f-password-hint f-password-error\"")
                .contains("At least 12 characters");
    }

    @Test
    void unknownAccountAndWrongPasswordGetTheSameAnswer() {
        PortalClient c = new PortalClient(s().issuer);
        PortalClient.Person admin = admin(s(), c);
        PortalClient x = new PortalClient(s().issuer);
        x.get("/login");
        PortalClient.Page wrong = x.post("/login", "email", admin.email, "password", "not the password at all");
        PortalClient.Page unknown = x.post("/login", "email", email("nobody"), "password", "not the password at all");
        assertThat(wrong.status()).isEqualTo(403).isEqualTo(unknown.status());
        String w = wrong.find("(<div class=\"alert\".*?</div>)");
        String u = unknown.find("(<div class=\"alert\".*?</div>)");
        assertThat(w).isEqualTo(u).contains("The e-mail address or password is not right.");
    }

    @Test
    void theSessionIdChangesAtSignInAndTheOldOneIsDead() {
        PortalClient c = new PortalClient(s().issuer);
        PortalClient.Person admin = admin(s(), c);
        c.post("/logout");
        c.get("/login");
        String before = c.cookie;
        assertThat(before).isNotNull();
        c.post("/login", "email", admin.email, "password", admin.password);
        String middle = c.cookie;
        assertThat(middle).isNotEqualTo(before);
        c.get("/login/code");
        c.post("/login/code", "code", admin.nextCode());
        String after = c.cookie;
        assertThat(after).isNotEqualTo(middle).isNotEqualTo(before);
        // An attacker who planted the pre-sign-in id gets nothing.
        PortalClient attacker = new PortalClient(s().issuer);
        attacker.cookie = before;
        assertThat(attacker.get("/").status()).isEqualTo(303);
        attacker.cookie = middle;
        assertThat(attacker.get("/").status()).isEqualTo(303);
        assertThat(c.get("/").status()).isEqualTo(200);
        // The session row holds no clear id.
        String hashed = s().gatehouse().db.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM portal_sessions WHERE id_hash = :id")
                .bind("id", after).mapTo(Long.class).one()).toString();
        assertThat(hashed).isEqualTo("0");
    }

    @Test
    void aTotpCodeWorksOnlyOnceAndRecoveryCodesOnlyOnce() {
        PortalClient c = new PortalClient(s().issuer);
        PortalClient.Person admin = admin(s(), c);
        c.post("/logout");
        String code = admin.nextCode();
        assertThat(c.signIn(admin.email, admin.password, code).status()).isEqualTo(303);
        c.post("/logout");
        PortalClient.Page replay = c.signIn(admin.email, admin.password, code);
        assertThat(replay.status()).isEqualTo(403);
        assertThat(replay.body()).contains("That code is not right, or it has been used already.");
        PortalClient d = new PortalClient(s().issuer);
        String recovery = admin.recoveryCodes.get(0);
        assertThat(d.signIn(admin.email, admin.password, recovery).status()).isEqualTo(303);
        assertThat(d.get("/").status()).isEqualTo(200);
        PortalClient e = new PortalClient(s().issuer);
        assertThat(e.signIn(admin.email, admin.password, recovery).status()).isEqualTo(403);
    }

    @Test
    void everyStateChangingFormNeedsTheSessionsCsrfTokenAndOurOrigin() {
        PortalClient c = new PortalClient(s().issuer);
        admin(s(), c);
        c.get("/tokens/new");
        Map<String, String> form = Map.of("label", "csrf", "days", "1", "max", "1", "scope", "prefs:read");
        PortalClient.Page none = c.postRaw("/tokens", Http.form(form), Map.of());
        assertThat(none.status()).isEqualTo(403);
        assertThat(none.body()).contains("This form has expired");
        PortalClient.Page wrong = c.post("/tokens", "csrf", Secrets.randomId(32), "label", "csrf", "days", "1", "max", "1", "scope", "prefs:read");
        assertThat(wrong.status()).isEqualTo(403);
        PortalClient.Page crossSite = c.postRaw("/tokens", Http.form(Map.of("csrf", c.lastCsrf, "label", "x", "days", "1", "max", "1",
                "scope", "prefs:read")), Map.of("Origin", "https://evil.example"));
        assertThat(crossSite.status()).isEqualTo(403);
        PortalClient.Page fetchedCrossSite = c.postRaw("/tokens", Http.form(Map.of("csrf", c.lastCsrf, "label", "x", "days", "1", "max", "1",
                "scope", "prefs:read")), Map.of("Sec-Fetch-Site", "cross-site"));
        assertThat(fetchedCrossSite.status()).isEqualTo(403);
        // Another session's token does not work either.
        PortalClient other = new PortalClient(s().issuer);
        admin(s(), other);
        PortalClient.Page foreign = c.post("/tokens", "csrf", other.lastCsrf, "label", "x", "days", "1", "max", "1", "scope", "prefs:read");
        assertThat(foreign.status()).isEqualTo(403);
        // The sign-in form and sign-out are protected too.
        PortalClient anon = new PortalClient(s().issuer);
        anon.get("/login");
        assertThat(anon.postRaw("/login", Http.form(Map.of("email", "a@example.org", "password", "x")), Map.of()).status()).isEqualTo(403);
        assertThat(c.postRaw("/logout", "", Map.of()).status()).isEqualTo(403);
        assertThat(c.get("/").status()).isEqualTo(200);
    }

    @Test
    void htmlPagesCarryStrictHeadersAndTheCookieIsHttpOnlyAndSameSite() {
        PortalClient c = new PortalClient(s().issuer);
        PortalClient.Page login = c.get("/login");
        assertThat(login.header("Content-Type")).startsWith("text/html");
        String csp = login.header("Content-Security-Policy");
        assertThat(csp).contains("default-src 'none'").contains("frame-ancestors 'none'").contains("style-src 'self'")
                .doesNotContain("unsafe-inline").doesNotContain("script-src");
        assertThat(login.header("Referrer-Policy")).isEqualTo("no-referrer");
        assertThat(login.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(login.header("Cache-Control")).isEqualTo("no-store");
        String cookie = login.headers().allValues("Set-Cookie").get(0);
        assertThat(cookie).startsWith("gatehouse_session=").contains("HttpOnly").contains("SameSite=Lax").contains("Path=/")
                .doesNotContain("Secure"); // http issuer; https gets Secure and the __Host- prefix (PortalHttpsTest)
        assertThat(login.body()).doesNotContain("<script").doesNotContain("style=");
        PortalClient.Person admin = admin(s(), c);
        for (String path : List.of("/", "/tokens", "/tokens/new", "/admin/accounts", "/admin/tokens", "/admin/installations",
                "/admin/audit", "/admin/keys", "/admin/resource-servers")) {
            PortalClient.Page p = c.get(path);
            assertThat(p.status()).as(path).isEqualTo(200);
            assertThat(p.header("Content-Security-Policy")).as(path).isEqualTo(Portal.CSP);
            assertThat(p.body()).as(path).doesNotContain("<script").doesNotContain("style=").contains("<html lang=\"en\">")
                    .contains("<main id=\"main\"");
        }
        assertThat(admin.email).isNotEmpty();
    }

    @Test
    void issuersCreateTokensDownloadTheFileAndWatchAndRevokeTheirInstallations() {
        PortalClient a = new PortalClient(s().issuer);
        admin(s(), a);
        PortalClient c = new PortalClient(s().issuer);
        PortalClient.Person issuer = issuer(a, c);
        String[] t = createToken(c, "Library PCs, 2nd floor", 3);
        PortalClient.Page file = c.post("/tokens/" + t[0] + "/file", "token", t[1]);
        assertThat(file.status()).isEqualTo(200);
        assertThat(file.header("Content-Disposition")).startsWith("attachment; filename=\"gatehouse-token-");
        assertThat(file.header("Cache-Control")).isEqualTo("no-store");
        Map<String, Object> json = new Http.Response(200, file.headers(), file.body()).json();
        assertThat(json).containsEntry("gatehouse_token_file", 1).containsEntry("issuer", s().issuer)
                .containsEntry("registration_endpoint", s().issuer + "/register").containsEntry("initial_access_token", t[1])
                .containsEntry("label", "Library PCs, 2nd floor").containsEntry("max_registrations", 3).containsEntry("scope", "prefs:read");
        // The token is owned by the issuing account.
        String accountId = s().gatehouse().iats.get(t[0]).orElseThrow().ownerAccount();
        assertThat(accountId).startsWith("acc_");
        // An installation registers with the file's token.
        String machine = Flow.installationId();
        Flow.Client client = Flow.register(s(), (String) json.get("initial_access_token"),
                "{\"client_name\":\"Morphic\",\"installation_id\":\"" + machine + "\",\"software_version\":\"1.2.3\"}");
        Flow.token(s(), client);
        PortalClient.Page page = c.get("/tokens/" + t[0]);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains(machine).contains("Morphic").contains("1.2.3").contains("1 of 3 registrations")
                .contains("role=\"img\"").contains("<title id=").contains("<desc id=").contains("1 registration, all on");
        assertThat(c.get("/tokens").body()).contains("Library PCs, 2nd floor").contains("1 / 3");
        // Revoke one installation: its next token request fails.
        String ref = page.find("href=\"/installations/(inst_[^/\"]+)/revoke\"");
        PortalClient.Page question = c.get("/installations/" + ref + "/revoke"); // a confirmation step first
        assertThat(question.body()).contains("Revoke installation?").contains("action=\"/installations/" + ref + "/revoke\"");
        assertThat(c.post("/installations/" + ref + "/revoke").location()).isEqualTo("/installations/" + ref + "/revoke"); // no confirm: the question
        assertThat(s().http.postForm("/token", client.id(), client.secret(), Map.of("grant_type", "client_credentials")).status()).isEqualTo(200);
        PortalClient.Page revoked = c.postFollow("/installations/" + ref + "/revoke", "confirm", "yes");
        assertThat(revoked.body()).contains("class=\"notice\"").contains("Installation " + ref + " revoked.");
        assertThat(s().http.postForm("/token", client.id(), client.secret(), Map.of("grant_type", "client_credentials")).status()).isEqualTo(401);
        assertThat(s().http.postJson("/register", t[1], "{\"installation_id\":\"" + machine + "\"}").json())
                .containsEntry("credential_state", "installation_revoked");
        // The way back: restore it; it may register again, its old credentials stay revoked.
        PortalClient.Page after = c.get("/tokens/" + t[0]);
        assertThat(after.find("action=\"/installations/(inst_[^/\"]+)/restore\"")).isEqualTo(ref);
        assertThat(c.post("/installations/" + ref + "/restore").status()).isEqualTo(303);
        PortalClient.Page twice = c.post("/installations/" + ref + "/restore"); // nothing left to restore
        assertThat(twice.status()).isEqualTo(409);
        assertThat(twice.body()).contains("not revoked");
        assertThat(s().http.postForm("/token", client.id(), client.secret(), Map.of("grant_type", "client_credentials")).status()).isEqualTo(401);
        Flow.Client back = Flow.register(s(), t[1], "{\"installation_id\":\"" + machine + "\"}");
        Flow.token(s(), back);
        assertThat(s().gatehouse().installations.find(ref).get(0).status()).isEqualTo(InstallationStatus.ACTIVE);
        // Revoke the token and everything it admitted, with a confirmation step.
        String machine2 = Flow.installationId();
        Flow.Client client2 = Flow.register(s(), t[1], "{\"installation_id\":\"" + machine2 + "\"}");
        PortalClient.Page confirm = c.get("/tokens/" + t[0] + "/revoke-all");
        assertThat(confirm.body()).contains("2 active now"); // the restored installation and this one
        assertThat(c.post("/tokens/" + t[0] + "/revoke-all").status()).isEqualTo(303); // no confirm: back to the question
        assertThat(s().http.postForm("/token", client2.id(), client2.secret(), Map.of("grant_type", "client_credentials")).status()).isEqualTo(200);
        assertThat(c.post("/tokens/" + t[0] + "/revoke-all", "confirm", "yes", "reason", "lost the file").status()).isEqualTo(303);
        assertThat(s().http.postForm("/token", client2.id(), client2.secret(), Map.of("grant_type", "client_credentials")).status()).isEqualTo(401);
        assertThat(c.get("/tokens/" + t[0]).body()).contains("status-revoked").contains("lost the file");
        assertThat(s().http.postJson("/register", t[1], "{}").status()).isEqualTo(401);
        // Audited as the issuing account, with its address.
        List<AuditEvent> events = s().gatehouse().db.withHandle(h -> new AuditStore().recent(h, 500));
        assertThat(events).anySatisfy(e -> {
            assertThat(e.action()).isEqualTo("iat.revoke");
            assertThat(e.subject()).isEqualTo(t[0]);
            assertThat(e.actor()).isEqualTo("account:" + issuer.email);
            assertThat(e.remoteAddr()).isEqualTo("127.0.0.1");
        });
        assertThat(events).anySatisfy(e -> {
            assertThat(e.action()).isEqualTo("iat.create");
            assertThat(e.actor()).isEqualTo("account:" + issuer.email);
        });
    }

    @Test
    void theTokenFileIsOnlyForTheTokensOwnValue() {
        PortalClient a = new PortalClient(s().issuer);
        admin(s(), a);
        String[] t1 = createToken(a, "one", 1);
        String[] t2 = createToken(a, "two", 1);
        assertThat(a.post("/tokens/" + t1[0] + "/file", "token", t2[1]).status()).isEqualTo(404);
        assertThat(a.post("/tokens/" + t1[0] + "/file", "token", "ghi_" + Secrets.randomId(32)).status()).isEqualTo(404);
    }

    @Test
    void tokenFormErrorsAreTiedToTheirFields() {
        PortalClient a = new PortalClient(s().issuer);
        admin(s(), a);
        a.get("/tokens/new");
        PortalClient.Page p = a.post("/tokens", "label", "", "days", "0", "max", "-1", "cidrs", "not-a-range", "scope", "prefs:read");
        assertThat(p.status()).isEqualTo(400);
        assertThat(p.body()).contains("There is a problem").contains("href=\"#f-label\"").contains("href=\"#f-days\"")
                .contains("href=\"#f-max\"").contains("id=\"f-max-error\"").contains("aria-invalid=\"true\"");
        PortalClient.Page cidr = a.post("/tokens", "label", "x", "days", "1", "max", "1", "cidrs", "not-a-range", "scope", "prefs:read");
        assertThat(cidr.status()).isEqualTo(400);
        assertThat(cidr.body()).contains("id=\"f-cidrs-error\"");
        PortalClient.Page ok = a.post("/tokens", "label", "x", "days", "1", "max", "1", "cidrs", "192.0.2.0/24, 2001:db8::/32", "scope", "prefs:read");
        assertThat(ok.status()).isEqualTo(303);
    }

    @Test
    void anIssuerCannotSeeOrChangeAnotherIssuersTokensNorAdminPages() {
        PortalClient a = new PortalClient(s().issuer);
        admin(s(), a);
        PortalClient one = new PortalClient(s().issuer);
        issuer(a, one);
        PortalClient two = new PortalClient(s().issuer);
        issuer(a, two);
        String[] t = createToken(one, "one's token", 2);
        Flow.Client client = Flow.register(s(), t[1], "{\"installation_id\":\"" + Flow.installationId() + "\"}");
        String ref = s().gatehouse().installations.list(new org.gatehouse.server.domain.InstallationFilter(t[0], null, null, null, null), 5, null)
                .get(0).id();
        two.get("/");
        for (String path : List.of("/tokens/" + t[0], "/tokens/" + t[0] + "/revoke-all", "/tokens/iat_doesnotexist")) {
            PortalClient.Page p = two.get(path);
            assertThat(p.status()).as(path).isEqualTo(404);
            assertThat(p.body()).doesNotContain("one&#39;s token").doesNotContain("one's token");
        }
        for (String path : List.of("/tokens/" + t[0] + "/revoke", "/tokens/" + t[0] + "/revoke-all", "/tokens/" + t[0] + "/file",
                "/installations/" + ref + "/revoke", "/installations/" + ref + "/restore")) {
            assertThat(two.post(path, "confirm", "yes", "token", t[1]).status()).as(path).isEqualTo(404);
        }
        assertThat(two.get("/tokens").body()).doesNotContain("one&#39;s token");
        assertThat(two.get("/").body()).doesNotContain("one&#39;s token");
        for (String path : List.of("/admin", "/admin/accounts", "/admin/tokens", "/admin/installations", "/admin/audit", "/admin/keys",
                "/admin/resource-servers")) {
            assertThat(two.get(path).status()).as(path).isEqualTo(403);
        }
        for (String path : List.of("/admin/invites", "/admin/keys/rotate", "/admin/accounts/x/role", "/admin/accounts/x/disable",
                "/admin/accounts/x/enable", "/admin/invites/x/cancel")) {
            assertThat(two.post(path, "email", "x@example.org", "role", "admin").status()).as(path).isEqualTo(403);
        }
        // Nothing changed; the owner and admins still see it.
        Flow.token(s(), client);
        assertThat(s().gatehouse().iats.get(t[0]).orElseThrow().revokedAt()).isNull();
        assertThat(one.get("/tokens/" + t[0]).status()).isEqualTo(200);
        assertThat(a.get("/tokens/" + t[0]).status()).isEqualTo(200);
        // Its owner revokes the installation: the other issuer cannot restore it, an administrator can.
        assertThat(one.post("/installations/" + ref + "/revoke", "confirm", "yes").status()).isEqualTo(303);
        assertThat(two.post("/installations/" + ref + "/restore").status()).isEqualTo(404);
        assertThat(s().gatehouse().installations.find(ref).get(0).status()).isEqualTo(InstallationStatus.REVOKED);
        assertThat(a.post("/installations/" + ref + "/restore").status()).isEqualTo(303);
        assertThat(s().gatehouse().installations.find(ref).get(0).status()).isEqualTo(InstallationStatus.ACTIVE);
        // Signed out: every page sends to sign-in, every form is refused.
        PortalClient anon = new PortalClient(s().issuer);
        for (String path : List.of("/", "/tokens", "/tokens/" + t[0], "/admin/accounts", "/admin/audit")) {
            PortalClient.Page p = anon.get(path);
            assertThat(p.status()).as(path).isEqualTo(303);
            assertThat(p.location()).isEqualTo("/login");
        }
        assertThat(anon.post("/tokens/" + t[0] + "/revoke").status()).isEqualTo(303);
    }

    @Test
    void adminsInviteDisableWithCascadeAndChangeRoles() {
        PortalClient a = new PortalClient(s().issuer);
        admin(s(), a);
        PortalClient c = new PortalClient(s().issuer);
        PortalClient.Person issuer = issuer(a, c);
        String[] t = createToken(c, "to be disabled", 2);
        Flow.Client client = Flow.register(s(), t[1], "{\"installation_id\":\"" + Flow.installationId() + "\"}");
        String accountId = s().gatehouse().iats.get(t[0]).orElseThrow().ownerAccount();
        PortalClient.Page list = a.get("/admin/accounts");
        assertThat(list.body()).contains(issuer.email);
        // Admin views show every token and installation, with filters.
        assertThat(a.get("/admin/tokens?owner=" + issuer.email).body()).contains("to be disabled");
        assertThat(a.get("/admin/tokens?q=to+be+dis").body()).contains("to be disabled");
        assertThat(a.get("/admin/installations?token=" + t[0]).body()).contains(client.info().get("installation_id").toString());
        assertThat(a.get("/admin/tokens?status=active&owner=" + issuer.email).body()).contains("to be disabled");
        assertThat(a.get("/admin/tokens?status=expired&owner=" + issuer.email).body()).doesNotContain("to be disabled");
        assertThat(a.get("/admin/installations?status=active&token=" + t[0]).body()).contains(client.info().get("installation_id").toString());
        assertThat(a.get("/admin/installations?status=revoked&token=" + t[0]).body()).doesNotContain(client.info().get("installation_id").toString());
        // a status no filter has is said, not ignored (the list would look filtered when it is not)
        PortalClient.Page badStatus = a.get("/admin/installations?status=stale&token=" + t[0]);
        assertThat(badStatus.status()).isEqualTo(400);
        assertThat(badStatus.body()).contains("Choose the status active or revoked.");
        assertThat(a.get("/admin/tokens?status=used_up").body()).contains("Choose the status active, revoked or expired.");
        assertThat(a.get("/admin/audit?action=iat.create&actor=account:" + issuer.email).body()).contains(t[0]);
        // Disable with cascade: sessions end, tokens and installations are revoked.
        PortalClient.Page question = a.get("/admin/accounts/" + accountId + "/disable");
        assertThat(question.body()).contains("Disable " + issuer.email + "?").contains("name=\"cascade\"");
        PortalClient.Page disabled = a.postFollow("/admin/accounts/" + accountId + "/disable", "confirm", "yes", "cascade", "yes");
        assertThat(disabled.body()).contains("1 of their tokens were revoked");
        assertThat(c.get("/").status()).isEqualTo(303);
        assertThat(s().http.postForm("/token", client.id(), client.secret(), Map.of("grant_type", "client_credentials")).status()).isEqualTo(401);
        PortalClient again = new PortalClient(s().issuer);
        // refused at the password stage, before a code is asked: no TOTP step spent (a spent step can make the next
        // sign-in wait up to 30 s for the clock: the server refuses a step used before)
        PortalClient.Page refused = again.signIn(issuer.email, issuer.password, "000000");
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.body()).contains("The e-mail address or password is not right.");
        // Enable and promote: the role change ends their sessions; they sign in again as admin.
        a.get("/admin/accounts");
        assertThat(a.post("/admin/accounts/" + accountId + "/enable").status()).isEqualTo(303);
        a.get("/admin/accounts");
        assertThat(a.post("/admin/accounts/" + accountId + "/role", "role", "admin").status()).isEqualTo(303);
        again.signIn(issuer);
        assertThat(again.get("/admin/accounts").status()).isEqualTo(200);
        // Signing keys rotate from the portal.
        String before = s().gatehouse().keys.ring().activeKid();
        again.get("/admin/keys");
        assertThat(again.postFollow("/admin/keys/rotate").body()).contains("class=\"notice\"").contains("Rotated: key");
        assertThat(s().gatehouse().keys.ring().activeKid()).isNotEqualTo(before);
    }

    /** Issue 19: admins declare resource servers (RFC 8707 audiences) in the portal, see them listed, and revoke them. */
    @Test
    void adminsManageResourceServers() {
        PortalClient c = new PortalClient(s().issuer);
        admin(s(), c);
        String audience = "https://prefs.example.org/api/" + org.gatehouse.server.crypto.Secrets.randomId(6);
        c.get("/admin/resource-servers");
        PortalClient.Page missing = c.post("/admin/resource-servers", "name", "Prefs API", "audience", "");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.body()).contains("the audience URI is required").contains("aria-invalid=\"true\"");
        PortalClient.Page created = c.postFollow("/admin/resource-servers", "name", "Prefs API", "audience", audience, "scope", "prefs:read");
        assertThat(created.body()).contains(audience).contains("id=\"rs-secret\">ghs_");
        String id = created.body().replaceAll("(?s).*id=\"rs-client-id\">([^<]+)<.*", "$1");
        Flow.Client client = Flow.register(s());
        assertThat(s().http.postForm("/token", client.id(), client.secret(),
                Map.of("grant_type", "client_credentials", "resource", audience)).str("scope")).isEqualTo("prefs:read");
        assertThat(c.post("/admin/resource-servers/" + id + "/revoke", "confirm", "yes").status()).isEqualTo(303);
        assertThat(s().http.postForm("/token", client.id(), client.secret(),
                Map.of("grant_type", "client_credentials", "resource", audience)).str("error")).isEqualTo("invalid_target");
    }

    @Test
    void sessionsAreStoredInTheDatabaseAndSurviveARestart() {
        TestServer s = TestServer.start(backend, Map.of());
        GatehouseServer second = null;
        try {
            PortalClient c = new PortalClient(s.issuer);
            admin(s, c);
            assertThat(c.get("/").status()).isEqualTo(200);
            s.closeKeepingData();
            second = GatehouseServer.start(s.config);
            assertThat(c.get("/").status()).isEqualTo(200);
        } finally {
            if (second != null) second.close();
            s.backend.close();
        }
    }
}
