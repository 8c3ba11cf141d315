package org.gatehouse.server.tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.gatehouse.server.Gatehouse;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.domain.ClientKind;
import org.gatehouse.server.domain.ClientRecord;
import org.gatehouse.server.errors.OAuthError;
import org.gatehouse.server.logging.LogOnce;
import org.gatehouse.server.testing.Backend;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The log line for a client whose token's stored client_cidrs no longer parse: once per client, and no client hides
 * another's — also after more bad clients than the dedupe remembers (bounded: an LRU of {@link
 * TokenService#UNREADABLE_LOGGED} clients).
 */
class UnreadableRangesLogTest {
    @Test
    void everyClientIsLoggedOnceWhateverManyOthersWereLoggedBefore() {
        try (Backend b = Backend.createMigrated(Backend.H2); Gatehouse g = Gatehouse.open(Config.load(b.env()))) {
            Logger logger = (Logger) LoggerFactory.getLogger(TokenService.class);
            ListAppender<ILoggingEvent> log = new ListAppender<>();
            log.start();
            logger.addAppender(log);
            logger.setAdditive(false); // the 10,001 lines to this list only, not to the test's output
            try {
                // One bad token with many installations: more clients than the dedupe ever held (10,000 before).
                for (int i = 0; i <= 10_000; i++) refused(g, "flood-" + i);
                assertThat(log.list.size()).as("one line per client, the last one too").isEqualTo(10_001);
                log.list.clear();
                refused(g, "another");
                refused(g, "another");
                refused(g, "flood-10000"); // logged recently: still remembered
                assertThat(log.list).extracting(ILoggingEvent::getFormattedMessage).singleElement()
                        .satisfies(m -> assertThat(m).contains("client another", "initial access token bad-token"));
            } finally {
                logger.setAdditive(true);
                logger.detachAppender(log);
            }
        }
    }

    @Test
    void theDedupeRemembersTheMostRecentlySeenKeysUpToItsCapacity() {
        LogOnce once = new LogOnce(2);
        assertThat(once.first("a")).isTrue();
        assertThat(once.first("b")).isTrue();
        assertThat(once.first("a")).as("a repeat").isFalse(); // a is now the most recently seen
        assertThat(once.first("c")).as("a new key, never hidden").isTrue(); // pushes b out, the least recently seen
        assertThat(once.size()).isEqualTo(2);
        assertThat(once.first("a")).isFalse();
        assertThat(once.first("b")).as("pushed out: logged again").isTrue();
        for (int i = 0; i < 1_000; i++) once.first("k" + i);
        assertThat(once.size()).as("bounded").isEqualTo(2);
    }

    private static void refused(Gatehouse g, String clientId) {
        ClientRecord c = ClientRecord.builder().clientId(clientId).kind(ClientKind.INSTALLATION).iatId("bad-token")
                .scope("prefs:read").iatClientCidrs("10.0.0.0/33 not ranges").build();
        assertThatThrownBy(() -> g.tokens.issue(c, null, List.of(), "127.0.0.1", null)).isInstanceOf(OAuthError.class)
                .satisfies(e -> assertThat(((OAuthError) e).status()).isEqualTo(500));
    }
}
