package org.gatehouse.server.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.gatehouse.server.crypto.Secrets;
import org.junit.jupiter.api.Test;

/** Security review 2026-12, item 9: the anonymous stage's form token (unit: no database is touched). */
class FormTokenTest {
    private final AtomicLong now = new AtomicLong(1_800_000_000_000L);
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(now.get());
        }
    };
    private final Secrets key = new Secrets(new byte[32]);
    private final Sessions sessions = sessions(key);

    private Sessions sessions(Secrets formKey) {
        return new Sessions(null, null, new Secrets(new byte[] {1}), formKey, clock, Duration.ofMinutes(30), Duration.ofHours(12));
    }

    @Test
    void anAnonymousSessionIsASignedTokenThatLoadsBackWithItsCsrfToken() {
        Sessions.Current s = sessions.start(Sessions.ANONYMOUS, null, null, null);
        assertThat(s.id()).startsWith("f.");
        assertThat(s.row().csrf()).hasSize(43).isNotEqualTo(sessions.start(Sessions.ANONYMOUS, null, null, null).row().csrf());
        Sessions.Current loaded = sessions.load(s.id()).orElseThrow();
        assertThat(loaded.row().stage()).isEqualTo(Sessions.ANONYMOUS);
        assertThat(loaded.row().csrf()).isEqualTo(s.row().csrf());
        assertThat(loaded.signedIn()).isFalse();
        sessions.end(s.id()); // nothing stored, nothing to delete (the null database is never touched)
    }

    @Test
    void aTamperedForeignOrExpiredTokenIsRefused() {
        String id = sessions.start(Sessions.ANONYMOUS, null, null, null).id();
        String[] p = id.split("\\.");
        long issued = Long.parseLong(p[1]);
        assertThat(sessions.load("f." + (issued + 3_600_000) + "." + p[2] + "." + p[3])).isEmpty(); // a later issue time
        assertThat(sessions.load("f." + issued + "." + Secrets.randomId(16) + "." + p[3])).isEmpty(); // another nonce
        assertThat(sessions.load("f." + issued + "." + p[2] + "." + Secrets.randomId(32))).isEmpty(); // a made-up MAC
        assertThat(sessions.load(id + ".x")).isEmpty();
        assertThat(sessions.load("f.")).isEmpty();
        assertThat(sessions(new Secrets(new byte[] {9})).load(id)).as("another server key").isEmpty();
        now.addAndGet(Sessions.FORM_TTL.toMillis() - 1);
        assertThat(sessions.load(id)).isPresent();
        now.addAndGet(1);
        assertThat(sessions.load(id)).as("expired").isEmpty();
    }
}
