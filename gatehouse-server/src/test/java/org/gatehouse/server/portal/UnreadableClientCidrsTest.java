package org.gatehouse.server.portal;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.domain.AccountRecord;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.registration.RegistrationService;
import org.gatehouse.server.store.AccountStore;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.gatehouse.server.tokens.TokenService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.slf4j.LoggerFactory;

/**
 * A token row whose stored {@code client_cidrs} no longer parses (written here by SQL, as a bad manual edit or a
 * damaged restore would leave it) fails closed only where the ranges are used: a registration with the token is
 * refused with a clear error and a log line naming the token, a client it admitted gets no access token; the lists,
 * the dashboard and the token's own page (portal and API) still show the row, with the raw text marked unreadable.
 * Before, every read of the row threw: those pages answered 500.
 */
@BothBackends
class UnreadableClientCidrsTest {
    @Parameter
    String backend;

    private TestServer s() {
        return TestServer.shared(backend);
    }

    @Test
    void aStoredRangeThatNoLongerParsesRefusesWhereUsedAndShowsEverywhereElse() {
        PortalClient portal = new PortalClient(s().issuer);
        PortalClient.Person admin = PortalTest.admin(s(), portal);
        AccountRecord account = s().gatehouse().db.withHandle(h -> new AccountStore().findByEmail(h, admin.email)).orElseThrow();
        String api = s().gatehouse().apiTokens.create(account, "test", List.of("tokens:read"), Duration.ofDays(1), Actor.cli()).token();
        IatService.Created t = s().iat(new IatService.Spec("Lab PCs, damaged ranges", 5, Duration.ofDays(1), null, null,
                List.of("127.0.0.0/8 ::1/128"), null, account.id()));
        String id = t.record().id();
        Flow.Client admitted = Flow.register(s(), t.token(), "{\"installation_id\":\"" + Flow.installationId() + "\"}");
        // (no token request yet: the client cache would serve the row as it was for its short TTL)

        String raw = "127.0.0.0/8 10.0.0.0/33";
        int changed = s().gatehouse().db.withHandle(h -> h.createUpdate("UPDATE initial_access_tokens SET client_cidrs = :v WHERE id = :id")
                .bind("v", raw).bind("id", id).execute());
        assertThat(changed).isEqualTo(1);

        // Lists, the dashboard and the token's page show the row.
        Http.Response list = s().http.get("/api/v1/tokens", api);
        assertThat(list.status()).as(list.body()).isEqualTo(200);
        Http.Response one = s().http.get("/api/v1/tokens/" + id, api);
        assertThat(one.status()).as(one.body()).isEqualTo(200);
        // client_cidrs left out, not [] (which on create means any address)
        assertThat(one.json()).containsEntry("client_cidrs_unreadable", raw).doesNotContainKey("client_cidrs")
                .containsEntry("label", "Lab PCs, damaged ranges");
        for (String path : List.of("/", "/tokens", "/admin/tokens")) {
            PortalClient.Page p = portal.get(path);
            assertThat(p.status()).as(path).isEqualTo(200);
            assertThat(p.body()).as(path).contains("Lab PCs, damaged ranges");
        }
        PortalClient.Page page = portal.get("/tokens/" + id);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("<strong>unreadable</strong>").contains("<code>" + raw + "</code>")
                .contains("admits no registration");

        // Where the ranges are used, the token fails closed: no registration, no access token; each said plainly and logged.
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        List<Logger> loggers = List.of((Logger) LoggerFactory.getLogger(RegistrationService.class), (Logger) LoggerFactory.getLogger(TokenService.class));
        loggers.forEach(l -> l.addAppender(log));
        try {
            Http.Response refused = s().http.postJson("/register", t.token(), "{\"installation_id\":\"" + Flow.installationId() + "\"}");
            // The server's data is at fault, not the caller's credentials: 500 server_error, the generic body.
            assertServerError(refused);
            Http.Response token = s().http.postForm("/token", admitted.id(), admitted.secret(), Map.of("grant_type", "client_credentials"));
            assertServerError(token);
        } finally {
            loggers.forEach(l -> l.detachAppender(log));
        }
        assertThat(log.list).extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(m -> assertThat(m).startsWith("initial access token " + id + ":").contains("admits no registration"))
                .anySatisfy(m -> assertThat(m).startsWith("initial access token " + id + ":").contains("refused tokens")
                        .contains("client " + admitted.id()))
                .noneSatisfy(m -> assertThat(m).contains(t.token()));
        assertThat(s().gatehouse().iats.get(id).orElseThrow().registrations()).isEqualTo(1); // the refused one counted nothing
    }

    /**
     * The unreadable ranges are the server's problem: with a failure guard of 2 per address, registrations and
     * token requests refused for them are never counted as failed authentications (no 429 after them), and a wrong
     * credential from the same address still is.
     */
    @Test
    void refusalsForUnreadableRangesAreNotCountedAsFailedAuthentications() {
        try (TestServer own = TestServer.start(backend, Map.of("GATEHOUSE_RATE_AUTH_FAILURES_PER_ADDRESS", "2"))) {
            IatService.Created t = own.iat(new IatService.Spec("damaged", 5, Duration.ofDays(1), null, null,
                    List.of("127.0.0.0/8 ::1/128"), null, null));
            Flow.Client admitted = Flow.register(own, t.token(), "{\"installation_id\":\"" + Flow.installationId() + "\"}");
            own.gatehouse().db.withHandle(h -> h.execute("UPDATE initial_access_tokens SET client_cidrs = ? WHERE id = ?",
                    "127.0.0.0/8 10.0.0.0/33", t.record().id()));
            for (int i = 0; i < 4; i++) {
                assertServerError(own.http.postJson("/register", t.token(), "{\"installation_id\":\"" + Flow.installationId() + "\"}"));
                assertServerError(own.http.postForm("/token", admitted.id(), admitted.secret(), Map.of("grant_type", "client_credentials")));
            }
            // Still not blocked: a valid registration with another token goes through, then two wrong credentials do block.
            Flow.register(own, own.iatToken(1), "{\"installation_id\":\"" + Flow.installationId() + "\"}");
            for (int i = 0; i < 2; i++) {
                assertThat(own.http.postJson("/register", "ghi_wrong" + i, "{}").status()).isEqualTo(401);
            }
            assertThat(own.http.postJson("/register", own.iatToken(1), "{}").status()).as("the guard still counts real failures").isEqualTo(429);
        }
    }

    private static void assertServerError(Http.Response r) {
        assertThat(r.status()).as(r.body()).isEqualTo(500);
        assertThat(r.str("error")).isEqualTo("server_error");
        assertThat(r.str("error_description")).isEqualTo("internal error");
        assertThat(r.body()).doesNotContain("cidr").doesNotContain("10.0.0.0").doesNotContain("Exception");
    }
}
