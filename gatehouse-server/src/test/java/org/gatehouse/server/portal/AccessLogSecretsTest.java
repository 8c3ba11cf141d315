package org.gatehouse.server.portal;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.slf4j.LoggerFactory;

/**
 * With the access log on, a full portal and protocol flow leaves no issued secret in the server's
 * log: one-time setup and invitation links, session cookies, CSRF tokens, API tokens, initial access
 * tokens, client secrets, registration access tokens, access tokens (issue 12, item 3).
 */
@BothBackends
class AccessLogSecretsTest {
    @Parameter
    String backend;

    @Test
    void theAccessLogOfAFullFlowHoldsNoSecret() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        root.addAppender(log);
        List<String> issued = new ArrayList<>();
        try (TestServer s = TestServer.start(backend, Map.of("GATEHOUSE_ACCESS_LOG", "true"))) {
            // Setup link of the first admin, completed over HTTP.
            PortalClient a = new PortalClient(s.issuer);
            String adminLink = s.gatehouse().accounts.adminLink(PortalTest.email("admin"), Actor.cli()).url();
            issued.add(lastSegment(adminLink));
            PortalClient.Person admin = a.completeSetup(adminLink, null, PortalTest.PASSWORD);
            // Sign out and in again: password, TOTP.
            a.post("/logout");
            a.signIn(admin);
            issued.add(a.cookie);
            issued.add(a.lastCsrf);
            // An invitation, completed by the issuer on its own client.
            a.get("/admin/accounts");
            PortalClient.Page invited = a.postFollow("/admin/invites", "email", PortalTest.email("issuer"), "role", "issuer");
            String inviteLink = invited.find("id=\"invite-link\">([^<]+)<");
            issued.add(lastSegment(inviteLink));
            PortalClient c = new PortalClient(s.issuer);
            c.completeSetup(inviteLink, null, PortalTest.PASSWORD);
            issued.add(c.cookie);
            // The used links again, and one with a path under it: refused, and still not logged.
            assertThat(new PortalClient(s.issuer).get(inviteLink).status()).isEqualTo(404);
            assertThat(new PortalClient(s.issuer).get(adminLink + "/x").status()).isEqualTo(404);
            // An API token, used.
            c.get("/api-tokens");
            PortalClient.Page created = c.follow(c.postRaw("/api-tokens", Http.form(Map.of("csrf", c.lastCsrf, "label", "report", "days", "30"))
                    + "&scope=tokens:read", Map.of()));
            String apiToken = created.find("id=\"api-token-value\">(gha_[^<]+)<");
            issued.add(apiToken);
            assertThat(s.http.get("/api/v1/tokens", apiToken).status()).isEqualTo(200);
            // A token and its file.
            String[] t = PortalTest.createToken(c, "Library PCs", 3);
            issued.add(t[1]);
            PortalClient.Page file = c.post("/tokens/" + t[0] + "/file", "token", t[1]);
            assertThat(file.status()).isEqualTo(200);
            issued.add(c.lastCsrf);
            // An installation registers, reads and updates its registration (RFC 7592), gets a token.
            Flow.Client client = Flow.register(s, t[1], "{\"client_name\":\"Morphic\",\"installation_id\":\"" + Flow.installationId() + "\"}");
            issued.add(client.secret());
            issued.add(client.rat());
            assertThat(s.http.get("/register/" + client.id(), client.rat()).status()).isEqualTo(200);
            Map<String, Object> update = new LinkedHashMap<>(client.info());
            for (String f : List.of("registration_access_token", "registration_client_uri", "client_secret_expires_at", "client_id_issued_at")) {
                update.remove(f);
            }
            Http.Response updated = s.http.putJson("/register/" + client.id(), client.rat(), Json.write(update));
            assertThat(updated.status()).as(updated.body()).isEqualTo(200);
            issued.add(updated.str("registration_access_token"));
            issued.add(Flow.token(s, client));
            // A secret put where a client_id goes: unknown, refused, not logged.
            assertThat(s.http.get("/register/" + client.secret(), client.rat()).status()).isEqualTo(401);
        } finally {
            root.detachAppender(log);
        }
        StringBuilder text = new StringBuilder();
        for (ILoggingEvent e : log.list) {
            text.append(e.getLoggerName()).append(' ').append(e.getFormattedMessage()).append('\n');
            if (e.getThrowableProxy() != null) text.append(ThrowableProxyUtil.asString(e.getThrowableProxy())).append('\n');
        }
        String dump = text.toString();
        assertThat(dump).as("the access log ran").contains("POST /register 201", "GET /api-tokens 200");
        for (String secret : issued) {
            assertThat(secret).isNotBlank();
            assertThat(dump).as("issued value %s", secret).doesNotContain(secret);
        }
        assertThat(dump).doesNotContainPattern("gh[a-z]_[A-Za-z0-9_-]{8}");
        assertThat(dump).as("routes are logged as their templates").contains("GET /setup/{token} 200", "GET /register/{client_id} 200");
    }

    private static String lastSegment(String url) {
        return url.substring(url.lastIndexOf('/') + 1);
    }
}
