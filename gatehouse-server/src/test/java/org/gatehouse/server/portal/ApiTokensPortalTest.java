package org.gatehouse.server.portal;

import org.gatehouse.server.domain.AuditFilter;
import org.gatehouse.server.domain.AuditEvent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.gatehouse.server.store.PortalStore;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/** The portal's "API tokens" page: create (shown once), scopes capped by role, revoke; CSRF-protected. */
@BothBackends
class ApiTokensPortalTest {
    @Parameter
    String backend;

    private TestServer s() {
        return TestServer.shared(backend);
    }

    private static String form(PortalClient c, String label, String days, String... scopes) {
        StringBuilder b = new StringBuilder(Http.form(Map.of("csrf", c.lastCsrf, "label", label, "days", days)));
        for (String sc : scopes) b.append("&scope=").append(java.net.URLEncoder.encode(sc, java.nio.charset.StandardCharsets.UTF_8));
        return b.toString();
    }

    @Test
    void anAdminCreatesUsesAndRevokesAnApiToken() {
        PortalClient c = new PortalClient(s().issuer);
        PortalClient.Person admin = PortalTest.admin(s(), c);
        PortalClient.Page page = c.get("/api-tokens");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("accounts:admin").contains("You have no API tokens.");
        PortalClient.Page created = c.follow(c.postRaw("/api-tokens", form(c, "nightly report", "30", "accounts:admin", "tokens:read"), Map.of()));
        String token = created.find("id=\"api-token-value\">(gha_[^<]+)<");
        assertThat(s().http.get("/api/v1/accounts", token).status()).isEqualTo(200);
        // Shown once: the list does not carry it.
        PortalClient.Page list = c.get("/api-tokens");
        assertThat(list.body()).contains("nightly report").doesNotContain(token);
        String id = list.find("href=\"/api-tokens/(apt_[^/\"]+)/revoke\"");
        // CSRF: a post without the token is refused.
        assertThat(c.postRaw("/api-tokens/" + id + "/revoke", "", Map.of()).status()).isEqualTo(403);
        assertThat(s().http.get("/api/v1/accounts", token).status()).isEqualTo(200);
        c.get("/api-tokens");
        assertThat(c.get("/api-tokens/" + id + "/revoke").body()).contains("Revoke API token?");
        assertThat(c.postFollow("/api-tokens/" + id + "/revoke", "confirm", "yes").body()).contains("API token \u201cnightly report\u201d revoked.");
        assertThat(s().http.get("/api/v1/accounts", token).status()).isEqualTo(401);
        var events = s().gatehouse().db.withHandle(h -> new PortalStore().audit(h,
                new AuditFilter("account:" + admin.email, null, id, null, null), 10, null));
        assertThat(events).extracting(AuditEvent::action).containsExactlyInAnyOrder("api_token.create", "api_token.revoke");
    }

    @Test
    void anIssuerIsOfferedOnlyIssuerScopesAndCannotForgeAdminOnes() {
        PortalClient a = new PortalClient(s().issuer);
        PortalTest.admin(s(), a);
        PortalClient c = new PortalClient(s().issuer);
        PortalTest.issuer(a, c);
        PortalClient.Page page = c.get("/api-tokens");
        assertThat(page.body()).contains("installations:write").doesNotContain("accounts:admin").doesNotContain("keys:admin");
        PortalClient.Page forged = c.postRaw("/api-tokens", form(c, "sneaky", "30", "tokens:read", "accounts:admin"), Map.of());
        assertThat(forged.status()).isEqualTo(400);
        assertThat(forged.body()).contains("for admins only").doesNotContain("gha_");
        c.get("/api-tokens");
        assertThat(c.postRaw("/api-tokens", form(c, "x", "0", "tokens:read"), Map.of()).status()).isEqualTo(400);
        c.get("/api-tokens");
        PortalClient.Page ok = c.follow(c.postRaw("/api-tokens", form(c, "mine", "7", "installations:read"), Map.of()));
        String token = ok.find("id=\"api-token-value\">(gha_[^<]+)<");
        assertThat(s().http.get("/api/v1/installations", token).status()).isEqualTo(200);
        assertThat(s().http.get("/api/v1/audit", token).status()).isEqualTo(403);
        // Another account's API token cannot be revoked from here.
        a.get("/api-tokens");
        String adminsToken = a.follow(a.postRaw("/api-tokens", form(a, "admin's", "7", "tokens:read"), Map.of())).find("id=\"api-token-value\">(gha_[^<]+)<");
        String adminsId = a.get("/api-tokens").find("href=\"/api-tokens/(apt_[^/\"]+)/revoke\"");
        c.get("/api-tokens");
        assertThat(c.post("/api-tokens/" + adminsId + "/revoke", "confirm", "yes").status()).isEqualTo(404);
        assertThat(c.get("/api-tokens/" + adminsId + "/revoke").status()).isEqualTo(404);
        assertThat(c.post("/api-tokens/apt_nope/revoke", "confirm", "yes").status()).isEqualTo(404);
        assertThat(s().http.get("/api/v1/tokens", adminsToken).status()).isEqualTo(200);
    }
}
