package org.gatehouse.server.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.Map;
import org.gatehouse.server.domain.IatRecord;
import org.gatehouse.server.domain.Reregistration;
import org.junit.jupiter.api.Test;

/** The pure parts of {@link Figures}: days laid out, why a token needs attention. */
class FiguresTest {
    private static final long DAY = 86_400_000L;

    private static IatRecord token(int max, int used, long expiresAt) {
        return IatRecord.builder().id("iat_x").label("x").scopes(java.util.List.of("s")).maxRegistrations(max).registrations(used).createdBy("cli").expiresAt(expiresAt).ownerAccount("operator").reregistration(Reregistration.REPLACE).build();
    }

    @Test
    void daysLeftAreRoundedUpAndLessThanOneIsZero() {
        long now = 1_000 * DAY;
        assertThat(Figures.attention(token(10, 0, now + 3 * DAY - 60_000), now).daysLeft()).isEqualTo(3);
        assertThat(Figures.attention(token(10, 0, now + 3 * DAY), now).daysLeft()).isEqualTo(3);
        assertThat(Figures.attention(token(10, 0, now + DAY - 1), now).daysLeft()).isZero();
        assertThat(Figures.attention(token(10, 0, now + 14 * DAY), now).expiresSoon()).isTrue();
        assertThat(Figures.attention(token(10, 0, now + 14 * DAY + 1), now).expiresSoon()).isFalse();
    }

    @Test
    void nearTheLimitFromEightyPercent() {
        long far = 100 * DAY;
        assertThat(Figures.attention(token(10, 8, far), 0).nearLimit()).isTrue();
        assertThat(Figures.attention(token(10, 7, far), 0).nearLimit()).isFalse();
        assertThat(Figures.attention(token(1_000_000, 800_000, far), 0).nearLimit()).isTrue(); // no int overflow
    }

    @Test
    void perDayPutsEachDayInItsPlaceAndIgnoresOthers() {
        LocalDate first = LocalDate.of(2026, 12, 1);
        Figures.PerDay d = Figures.perDay(Map.of(first.toEpochDay(), 2L, first.toEpochDay() + 2, 5L, first.toEpochDay() - 1, 9L,
                first.toEpochDay() + 3, 9L), first, first.plusDays(2));
        assertThat(d.counts()).containsExactly(2, 0, 5);
        assertThat(d.total()).isEqualTo(7);
    }
}
