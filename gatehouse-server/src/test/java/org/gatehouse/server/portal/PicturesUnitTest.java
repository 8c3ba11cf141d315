package org.gatehouse.server.portal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import org.gatehouse.server.domain.IatRecord;
import org.gatehouse.server.domain.Reregistration;
import org.gatehouse.server.stats.Figures;
import org.junit.jupiter.api.Test;

/** The pure chart builders of issue 14's pictures: sized to the data, numbers and words right, text alternatives complete. */
class PicturesUnitTest {
    private static final LocalDate DAY1 = LocalDate.of(2026, 11, 7);

    private static Figures.PerDay days(long... counts) {
        return new Figures.PerDay(DAY1, DAY1.plusDays(counts.length - 1), counts);
    }

    @Test
    void nothingAtAllIsASentenceNotAWallOfZeros() {
        Chart c = Chart.perDay("c", "Registrations per day", "registration", "registrations", days(new long[30]));
        assertThat(c.empty()).isEqualTo("No registrations in the last 30 days.");
        assertThat(c.bars()).isEmpty();
        assertThat(c.rows()).isEmpty();
        Chart today = Chart.perDay("c", "Token requests", "token request", "token requests", days(0));
        assertThat(today.empty()).isEqualTo("No token requests today.");
    }

    @Test
    void leadingEmptyDaysAreLeftOutAndOnlyDaysWithDataAreListed() {
        long[] counts = new long[30];
        counts[27] = 1;
        Chart c = Chart.perDay("c", "Registrations per day", "registration", "registrations", days(counts));
        assertThat(c.empty()).isNull();
        // At least a week is drawn, ending on the last day.
        assertThat(c.first()).isEqualTo(DAY1.plusDays(23));
        assertThat(c.last()).isEqualTo(DAY1.plusDays(29));
        assertThat(c.bars()).hasSize(1);
        assertThat(c.rows()).containsExactly(new Chart.Row(DAY1.plusDays(27), "1"));
        // Singular, and no "busiest day" for a single day.
        assertThat(c.description()).isEqualTo("1 registration, all on 2026-12-04; none on the other days from 2026-11-30 to 2026-12-06.");
        assertThat(c.bars().get(0).label()).isEqualTo("2026-12-04: 1 registration");
    }

    @Test
    void aTokenOfTodayIsDrawnInAWeekNotAsOneWideBar() {
        Figures.PerDay today = new Figures.PerDay(DAY1, DAY1, new long[] {3});
        Chart c = Chart.perDay("c", "Registrations", "registration", "registrations", today);
        assertThat(c.first()).isEqualTo(DAY1.minusDays(6));
        assertThat(c.last()).isEqualTo(DAY1);
        assertThat(c.bars()).hasSize(1);
        assertThat(Double.parseDouble(c.bars().get(0).w())).isLessThan(c.width() / 6.0);
        assertThat(c.description()).isEqualTo("3 registrations, all on 2026-11-07; none on the other days from 2026-11-01 to 2026-11-07.");
    }

    @Test
    void theBusiestDaySetsTheScaleAndNumbersAreGrouped() {
        long[] counts = new long[30];
        counts[0] = 1200;
        counts[10] = 2500;
        counts[29] = 1;
        Chart c = Chart.perDay("c", "Token requests per day", "token request", "token requests", days(counts));
        assertThat(c.first()).isEqualTo(DAY1);
        assertThat(c.max()).isEqualTo("2,500");
        assertThat(c.description()).startsWith("3,701 token requests from 2026-11-07 to 2026-12-06; the busiest day was 2026-11-17 with 2,500 token requests.");
        assertThat(c.rows()).extracting(Chart.Row::n).containsExactly("1", "2,500", "1,200"); // newest first
        assertThat(c.column()).isEqualTo("Token requests");
        // The tallest bar fills the plot; every bar lies inside the view box.
        Chart.Bar tallest = c.bars().get(1);
        assertThat(Double.parseDouble(tallest.y())).isEqualTo(Chart.TOP);
        for (Chart.Bar b : c.bars()) {
            assertThat(Double.parseDouble(b.x()) + Double.parseDouble(b.w())).isLessThanOrEqualTo(c.width());
            assertThat(Double.parseDouble(b.h())).isGreaterThanOrEqualTo(1); // a day of 1 among thousands stays visible
        }
        // The y label fits left of the axis.
        assertThat(c.left()).isGreaterThanOrEqualTo(14 + 8 * "2,500".length());
    }

    @Test
    void captionDatesStayOnOneLine() {
        assertThat(Chart.parts("1 registration from 2026-11-30 to 2026-12-06.")).containsExactly(
                new Chart.Part("1 registration from ", false), new Chart.Part("2026-11-30", true), new Chart.Part(" to ", false),
                new Chart.Part("2026-12-06", true), new Chart.Part(".", false));
        assertThat(Chart.parts("none")).containsExactly(new Chart.Part("none", false));
    }

    @Test
    void installationsByStatusSayEveryNumberAndWhatStaleMeans() {
        StatusChart c = StatusChart.of("s", "Installations by status", new Figures.Statuses(1000, 1, 0, 40, Duration.ofDays(90), null));
        assertThat(c.description()).isEqualTo("1,041 installations: 1,000 active, 1 stale, 0 flagged, 40 revoked.");
        assertThat(c.bars()).extracting(StatusChart.Bar::name).containsExactly("Active", "Stale", "Flagged", "Revoked");
        assertThat(c.bars()).extracting(StatusChart.Bar::share).containsExactly("96 %", "less than 1 %", "0 %", "4 %");
        assertThat(c.bars().get(0).barW()).isEqualTo("356.0");
        assertThat(c.bars().get(2).barW()).isEqualTo("0.0");
        assertThat(Double.parseDouble(c.bars().get(1).barW())).isEqualTo(2); // one of a thousand is still seen
        assertThat(c.staleMeaning()).contains("for 90 days (GATEHOUSE_STALE_AFTER)");
        assertThat(StatusChart.of("s", "t", new Figures.Statuses(0, 0, 0, 0, Duration.ofHours(36), null)).empty()).isEqualTo("No installations yet.");
        assertThat(StatusChart.of("s", "t", new Figures.Statuses(1, 0, 0, 0, Duration.ofHours(36), null)).description())
                .isEqualTo("1 installation: 1 active, 0 stale, 0 flagged, 0 revoked.");
        assertThat(StatusChart.duration(Duration.ofHours(36))).isEqualTo("36 hours");
        assertThat(StatusChart.duration(Duration.ofMinutes(1))).isEqualTo("1 minute");
    }

    @Test
    void whyATokenIsListed() {
        IatRecord t = IatRecord.builder().id("iat_1").label("Library").scopes(java.util.List.of("s")).maxRegistrations(200).registrations(190).createdBy("x").ownerAccount("acc").reregistration(Reregistration.REPLACE).build();
        assertThat(Pictures.why(new Figures.Attention(t, true, true, 3))).isEqualTo("expires in 3 days; 190 of 200 registrations used (95 %)");
        assertThat(Pictures.why(new Figures.Attention(t, true, false, 1))).isEqualTo("expires in 1 day");
        assertThat(Pictures.why(new Figures.Attention(t, true, false, 0))).isEqualTo("expires within a day");
        IatRecord one = IatRecord.builder().id("iat_2").label("One").scopes(java.util.List.of("s")).maxRegistrations(1).registrations(1).createdBy("x").ownerAccount("acc").reregistration(Reregistration.REPLACE).build();
        assertThat(Pictures.why(new Figures.Attention(one, false, true, 20))).isEqualTo("1 of 1 registration used (100 %)");
    }

    @Test
    void theDashboardSaysWhoseFiguresTheyAre() {
        Figures.Overview o = new Figures.Overview(true, days(new long[30]), days(new long[30]),
                new Figures.Statuses(0, 0, 0, 0, Duration.ofDays(90), null), List.of(), false);
        Pictures p = Pictures.of(o);
        assertThat(p.registrations().title()).isEqualTo("Registrations per day (all accounts)");
        assertThat(p.tokenRequests().empty()).isEqualTo("No token requests in the last 30 days.");
        assertThat(Pictures.of(new Figures.Overview(false, o.registrations(), o.tokenRequests(), o.installations(), List.of(), false))
                .installations().title()).isEqualTo("Installations by status");
    }
}
