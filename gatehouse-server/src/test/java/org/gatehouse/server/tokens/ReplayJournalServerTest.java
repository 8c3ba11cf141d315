package org.gatehouse.server.tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.gatehouse.server.config.ConfigException;
import org.gatehouse.server.store.JournalFaults;
import org.gatehouse.server.store.ReplayJournal;
import org.gatehouse.server.store.ReplayStore;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.KeyBound;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;

/**
 * Issue 17 Must 8: on the embedded database the replay check is a journal, not a commit. Over HTTP: an assertion and a
 * DPoP proof used before a restart are refused after it; ids a release recorded in {@code used_jtis} are refused after
 * the upgrade; a second server on the same data directory is refused at start; nothing is written to {@code used_jtis}.
 */
class ReplayJournalServerTest {
    private static final String ISSUER = "https://login.gatehouse.test";
    private static final Map<String, String> ENV = Map.of("GATEHOUSE_ISSUER", ISSUER);

    private static Http direct(TestServer node) {
        return new Http("http://127.0.0.1:" + node.config.port);
    }

    private static Http.Response grant(Http http, String assertion, String proof) {
        return http.postRaw("/token", "application/x-www-form-urlencoded", Http.form(KeyBound.grant(assertion)),
                proof == null ? Map.of() : Map.of("DPoP", proof));
    }

    @Test
    void idsUsedBeforeARestartAreRefusedAfterIt() {
        try (Backend b = Backend.createMigrated(Backend.H2)) {
            TestServer first = TestServer.startOn(b, ENV);
            KeyBound k = KeyBound.es256();
            String clientId;
            String assertion;
            String proof;
            try {
                Http http = direct(first);
                Http.Response reg = http.postJson("/register", first.iat(1, "prefs:read").token(), k.metadata(""));
                assertThat(reg.status()).as(reg.body()).isEqualTo(201);
                clientId = reg.str("client_id");
                assertion = k.assertion(clientId, ISSUER);
                proof = k.proof("POST", ISSUER + "/token");
                assertThat(grant(http, assertion, proof).status()).isEqualTo(200);
                assertThat(grant(http, assertion, null).status()).as("a replay on the same node").isEqualTo(401);
                int rows = first.gatehouse().db.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM used_jtis").mapTo(Integer.class).one());
                assertThat(rows).as("no commit per check on the embedded database").isZero();
            } finally {
                first.closeKeepingData();
            }
            TestServer again = TestServer.startOn(b, ENV);
            try {
                Http http = direct(again);
                Http.Response replayed = grant(http, assertion, null);
                assertThat(replayed.status()).as(replayed.body()).isEqualTo(401);
                assertThat(replayed.json()).containsEntry("error", "invalid_client");
                Http.Response proofReplayed = grant(http, k.assertion(clientId, ISSUER), proof);
                assertThat(proofReplayed.status()).as(proofReplayed.body()).isEqualTo(400);
                assertThat(proofReplayed.json()).containsEntry("error", "invalid_dpop_proof");
                assertThat(grant(http, k.assertion(clientId, ISSUER), k.proof("POST", ISSUER + "/token")).status())
                        .as("fresh JWTs work: the refusals were the replays").isEqualTo(200);
            } finally {
                again.closeKeepingData();
            }
        }
    }

    @Test
    void idsTheDatabaseRecordedBeforeTheUpgradeAreRefusedAfterIt() throws Exception {
        try (Backend b = Backend.createMigrated(Backend.H2)) {
            TestServer first = TestServer.startOn(b, ENV);
            KeyBound k = KeyBound.es256();
            String clientId;
            String assertion;
            try {
                Http.Response reg = direct(first).postJson("/register", first.iat(1, "prefs:read").token(), k.metadata(""));
                assertThat(reg.status()).as(reg.body()).isEqualTo(201);
                clientId = reg.str("client_id");
                assertion = k.assertion(clientId, ISSUER);
                // What a release that recorded ids in used_jtis left: this assertion's row, as its replay check wrote it.
                String jti = com.nimbusds.jwt.SignedJWT.parse(assertion).getJWTClaimsSet().getJWTID();
                long until = (com.nimbusds.jwt.SignedJWT.parse(assertion).getJWTClaimsSet().getExpirationTime().getTime() / 1000
                        + ClientAssertions.SKEW_SECONDS) * 1000;
                first.gatehouse().db.withHandle(h -> new ReplayStore(false).firstUse(h, Replays.id(Replays.ASSERTION, clientId, jti), until));
            } finally {
                first.closeKeepingData();
            }
            TestServer upgraded = TestServer.startOn(b, ENV);
            try {
                Http.Response replayed = grant(direct(upgraded), assertion, null);
                assertThat(replayed.status()).as(replayed.body()).isEqualTo(401);
                assertThat(grant(direct(upgraded), k.assertion(clientId, ISSUER), null).status()).isEqualTo(200);
            } finally {
                upgraded.closeKeepingData();
            }
        }
    }

    @Test
    void aSecondServerOnTheSameEmbeddedDatabaseIsRefusedAtStart() {
        try (Backend b = Backend.createMigrated(Backend.H2)) {
            TestServer first = TestServer.startOn(b, ENV);
            try {
                assertThatThrownBy(() -> TestServer.startOn(b, ENV)).isInstanceOf(ConfigException.class)
                        .hasMessageContaining("several nodes need PostgreSQL");
                assertThat(direct(first).get("/.well-known/oauth-authorization-server").status()).as("the first one still serves").isEqualTo(200);
            } finally {
                first.closeKeepingData();
            }
        }
    }
    /**
     * The journal's file failing (a full disk, EIO) on a running server: key-bound grants are answered 503
     * temporarily_unavailable with Retry-After (fail closed), the journal logs one line naming its file for the burst
     * — no "database unavailable" line per request, no JWT, no jti — and once the file is written again, grants work.
     */
    @Test
    void aJournalThatCannotBeWrittenAnswers503AndLogsOncePerBurst() throws Exception {
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> log = new ch.qos.logback.core.read.ListAppender<>();
        try (Backend b = Backend.createMigrated(Backend.H2)) {
            TestServer s = TestServer.startOn(b, ENV);
            try {
                Http http = direct(s);
                KeyBound k = KeyBound.es256();
                Http.Response reg = http.postJson("/register", s.iat(1, "prefs:read").token(), k.metadata(""));
                assertThat(reg.status()).as(reg.body()).isEqualTo(201);
                String clientId = reg.str("client_id");
                ReplayJournal journal = s.gatehouse().replays.journal();
                assertThat(journal).as("the embedded database's server keeps a journal").isNotNull();
                log.start();
                root.addAppender(log);
                JournalFaults.failWrites(journal, new java.io.IOException("No space left on device"));
                java.util.List<String> secrets = new java.util.ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    String assertion = k.assertion(clientId, ISSUER);
                    secrets.add(assertion);
                    secrets.add(com.nimbusds.jwt.SignedJWT.parse(assertion).getJWTClaimsSet().getJWTID());
                    Http.Response refused = grant(http, assertion, null);
                    assertThat(refused.status()).as(refused.body()).isEqualTo(503);
                    assertThat(refused.json()).containsEntry("error", "temporarily_unavailable");
                    assertThat(refused.header("Retry-After")).isNotNull();
                }
                JournalFaults.failWrites(journal, null);
                assertThat(grant(http, k.assertion(clientId, ISSUER), null).status()).as("written again").isEqualTo(200);
                root.detachAppender(log);
                java.util.List<String> lines = log.list.stream().map(e -> e.getFormattedMessage()
                        + (e.getThrowableProxy() == null ? "" : ch.qos.logback.classic.spi.ThrowableProxyUtil.asString(e.getThrowableProxy()))).toList();
                assertThat(lines.stream().filter(l -> l.contains("cannot append to"))).as(String.join("\n", lines)).hasSize(1)
                        .allSatisfy(l -> assertThat(l).contains(".journal", "No space left on device"));
                assertThat(lines.stream().filter(l -> l.contains("written again"))).hasSize(1);
                assertThat(lines).noneMatch(l -> l.contains("database unavailable"));
                for (String secret : secrets) assertThat(lines).noneMatch(l -> l.contains(secret));
            } finally {
                root.detachAppender(log);
                s.closeKeepingData();
            }
        }
    }
}
