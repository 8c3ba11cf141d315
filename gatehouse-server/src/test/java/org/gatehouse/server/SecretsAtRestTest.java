package org.gatehouse.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.slf4j.LoggerFactory;

/**
 * Issue 2, item 11: after a full flow, no issued secret or token appears in any table or in the
 * log; item 12: every state change left an audit event.
 */
@BothBackends
class SecretsAtRestTest {
    @Parameter
    String backend;

    @Test
    void noIssuedValueIsStoredOrLoggedAndEveryChangeIsAudited() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        root.addAppender(log);
        List<String> issued = new ArrayList<>();
        try (TestServer s = TestServer.start(backend, Map.of())) {
            var iat = s.iat(3, null);
            issued.add(iat.token());
            Flow.Client c = Flow.register(s, iat.token(), "{\"client_name\":\"Flow\",\"installation_id\":\"" + Flow.installationId() + "\"}");
            issued.add(c.secret());
            issued.add(c.rat());
            String token = Flow.token(s, c);
            issued.add(token);
            assertThat(Flow.active(s, c, token)).isTrue();
            // A failing request with a secret in it must not log the secret either.
            s.http.postForm("/token", c.id(), c.secret() + "x", Map.of("grant_type", "client_credentials"));
            Map<String, Object> update = new java.util.LinkedHashMap<>(c.info());
            for (String f : new String[] {"registration_access_token", "registration_client_uri", "client_secret_expires_at", "client_id_issued_at"}) {
                update.remove(f);
            }
            update.put("rotate_client_secret", true);
            Http.Response u = s.http.putJson("/register/" + c.id(), c.rat(), Json.write(update));
            assertThat(u.status()).isEqualTo(200);
            issued.add(u.str("client_secret"));
            issued.add(u.str("registration_access_token"));
            Flow.Client rotated = new Flow.Client(c.id(), u.str("client_secret"), u.str("registration_access_token"), u.json());
            String token2 = Flow.token(s, rotated);
            issued.add(token2);
            assertThat(s.http.postForm("/revoke", c.id(), rotated.secret(), Map.of("token", token2)).status()).isEqualTo(200);
            Flow.Client rs = Flow.resourceServer(s);
            issued.add(rs.secret());
            s.gatehouse().iats.revoke(iat.record().id(), "done", false, org.gatehouse.server.audit.Actor.cli());
            assertThat(s.http.delete("/register/" + c.id(), rotated.rat()).status()).isEqualTo(204);

            String dump = dumpAllTables(s);
            assertThat(dump).contains(c.id()); // the dump is real
            for (String value : issued) {
                assertThat(dump).doesNotContain(value);
                // JWTs: not even their signature part.
                if (value.contains(".")) assertThat(dump).doesNotContain(value.substring(value.lastIndexOf('.') + 1));
            }

            List<String> actions = s.gatehouse().db.withHandle(h -> h.createQuery(
                    "SELECT action FROM audit_events ORDER BY id").mapTo(String.class).list());
            assertThat(actions).containsSubsequence("key.create", "iat.create", "client.register", "client.update",
                    "token.revoke", "resource_server.create", "iat.revoke", "client.delete");
            List<Map<String, Object>> events = s.gatehouse().db.withHandle(h -> h.createQuery(
                    "SELECT actor, remote_addr FROM audit_events WHERE action = 'client.register'").mapToMap().list());
            assertThat(events).hasSize(1);
            assertThat(events.get(0).get("remote_addr")).isEqualTo("127.0.0.1");
        } finally {
            root.detachAppender(log);
        }
        StringBuilder logged = new StringBuilder();
        for (ILoggingEvent e : log.list) {
            logged.append(e.getFormattedMessage()).append('\n');
            if (e.getThrowableProxy() != null) logged.append(ThrowableProxyUtil.asString(e.getThrowableProxy()));
        }
        for (String value : issued) {
            assertThat(logged.toString()).doesNotContain(value);
        }
    }

    private static String dumpAllTables(TestServer s) {
        return s.gatehouse().db.withHandle(h -> {
            List<String> tables = h.createQuery("SELECT table_name FROM information_schema.tables"
                    + " WHERE LOWER(table_schema) = 'public' AND table_type IN ('BASE TABLE', 'TABLE')").mapTo(String.class).list();
            assertThat(tables).extracting(String::toLowerCase).contains("clients", "initial_access_tokens", "audit_events", "revoked_tokens");
            StringBuilder b = new StringBuilder();
            for (String t : tables) {
                for (Map<String, Object> row : h.createQuery("SELECT * FROM \"" + t + "\"").mapToMap().list()) {
                    b.append(t).append(' ').append(row).append('\n');
                }
            }
            return b.toString();
        });
    }
}
