package org.gatehouse.server.portal;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.gatehouse.server.stats.Figures;

/**
 * An accessible bar chart of counts per day (drawn by tag/chart.jte as inline SVG, role="img" with a title and a
 * description that states the data in words), followed by a table with the same numbers. No script, no inline
 * style. Its view box (360 wide, 14-unit text) is drawn at about its own size on a 390 px phone, so its text stays
 * readable there.
 *
 * <p>Sized to the data: days before the first one with anything are left out (at least a week is shown), the table
 * lists only the days with at least one, and with nothing at all there is no chart, only {@link #empty()}, a sentence
 * ("No registrations in the last 30 days.").
 */
public record Chart(String id, String title, String empty, String description, String column, int width, int height,
                    int left, int base, int top, String max, List<Bar> bars, LocalDate first, LocalDate last, List<Row> rows) {
    static final int W = 360;
    static final int H = 200;
    static final int BOTTOM = 30;
    static final int TOP = 10;
    static final int MIN_DAYS = 7;

    /** One bar, its coordinates already formatted for SVG; {@code label}: its day and count in words (a tooltip). */
    public record Bar(String x, String y, String w, String h, String label) {
    }

    /** One day of the table, newest first. */
    public record Row(LocalDate day, String n) {
    }

    /**
     * A chart of {@code data}, one bar per day.
     *
     * @param id       unique within the page (the SVG's title and description are referenced by it)
     * @param singular the thing counted, as in "1 registration"
     * @param plural   as in "2 registrations"
     */
    public static Chart perDay(String id, String title, String singular, String plural, Figures.PerDay data) {
        long[] all = data.counts();
        int span = all.length;
        String column = Character.toUpperCase(plural.charAt(0)) + plural.substring(1);
        long total = data.total();
        if (total == 0) {
            String when = span == 1 ? "today" : "in the last " + span + " days";
            return new Chart(id, title, "No " + plural + " " + when + ".", null, column, W, H, 0, 0, 0, "0", List.of(),
                    data.first(), data.last(), List.of());
        }
        int start = 0;
        while (start < span && all[start] == 0) start++;
        start = Math.max(0, Math.min(start, span - MIN_DAYS));
        LocalDate first = data.first().plusDays(start);
        int days = span - start;
        long max = 0;
        int busiest = 0;
        for (int i = start; i < span; i++) {
            if (all[i] > max) {
                max = all[i];
                busiest = i - start;
            }
        }
        String maxLabel = number(max);
        int left = 14 + 8 * maxLabel.length();
        double slot = (W - left - 6) / (double) days;
        int plotH = H - TOP - BOTTOM;
        List<Bar> bars = new ArrayList<>();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < days; i++) {
            long v = all[start + i];
            if (v == 0) continue;
            double h = Math.max(1, v * (double) plotH / max);
            bars.add(new Bar(fmt(left + 1 + i * slot + slot * 0.15), fmt(H - BOTTOM - h), fmt(Math.max(1, slot * 0.7)), fmt(h),
                    first.plusDays(i) + ": " + count(v, singular, plural)));
        }
        for (int i = days - 1; i >= 0; i--) {
            long v = all[start + i];
            if (v > 0) rows.add(new Row(first.plusDays(i), number(v)));
        }
        String desc = count(total, singular, plural) + " from " + first + " to " + data.last()
                + (rows.size() == 1 ? ", all on " + rows.get(0).day() + "."
                        : "; the busiest day was " + first.plusDays(busiest) + " with " + count(max, singular, plural) + ".")
                + " The table lists every day with at least one; the other days had none.";
        return new Chart(id, title, null, desc, column, W, H, left, H - BOTTOM, TOP, maxLabel, bars, first, data.last(), rows);
    }

    /** "1 registration", "1,200 registrations". */
    static String count(long n, String singular, String plural) {
        return number(n) + " " + (n == 1 ? singular : plural);
    }

    static String plural(long n, String what) {
        return count(n, what, what + "s");
    }

    static String number(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
