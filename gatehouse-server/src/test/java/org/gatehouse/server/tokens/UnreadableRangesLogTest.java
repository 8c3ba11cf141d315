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
 * The log line for clients whose token's stored client_cidrs no longer parse: once per token, however many of its
 * clients retry in turn (more than the dedupe remembers), and no token hides another's (bounded: an LRU of {@link
 * TokenService#UNREADABLE_LOGGED} tokens).
 */
class UnreadableRangesLogTest {
    @Test
    void eachBadTokenIsLoggedOnceHoweverManyOfItsClientsAreRefused() {
        try (Backend b = Backend.createMigrated(Backend.H2); Gatehouse g = Gatehouse.open(Config.load(b.env()))) {
            Logger logger = (Logger) LoggerFactory.getLogger(TokenService.class);
            ListAppender<ILoggingEvent> log = new ListAppender<>();
            log.start();
            logger.addAppender(log);
            logger.setAdditive(false); // the lines to this list only, not to the test's output
            try {
                // One bad token with many installations retrying in turn, more than the dedupe holds, twice over.
                for (int round = 0; round < 2; round++) {
                    for (int i = 0; i <= TokenService.UNREADABLE_LOGGED; i++) refused(g, "flood-" + i, "bad-token");
                }
                assertThat(log.list).extracting(ILoggingEvent::getFormattedMessage).singleElement()
                        .satisfies(m -> assertThat(m).contains("initial access token bad-token", "first refused: client flood-0"));
                log.list.clear();
                refused(g, "another", "other-bad-token");
                refused(g, "another", "other-bad-token");
                refused(g, "flood-7", "bad-token");
                assertThat(log.list).extracting(ILoggingEvent::getFormattedMessage).singleElement()
                        .satisfies(m -> assertThat(m).contains("initial access token other-bad-token", "client another"));
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

    private static void refused(Gatehouse g, String clientId, String iatId) {
        ClientRecord c = ClientRecord.builder().clientId(clientId).kind(ClientKind.INSTALLATION).iatId(iatId)
                .scope("prefs:read").iatClientCidrs("10.0.0.0/33 not ranges").build();
        assertThatThrownBy(() -> g.tokens.issue(c, null, List.of(), "127.0.0.1", null)).isInstanceOf(OAuthError.class)
                .satisfies(e -> assertThat(((OAuthError) e).status()).isEqualTo(500));
    }
}
