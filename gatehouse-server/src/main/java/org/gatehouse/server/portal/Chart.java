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

    /** A piece of a caption; {@code nowrap}: a date, kept on one line. */
    public record Part(String text, boolean nowrap) {
    }

    private static final java.util.regex.Pattern DATE = java.util.regex.Pattern.compile("\\d{4}-\\d{2}-\\d{2}");

    /** The description cut into text and dates, so that a narrow caption does not break a date at its hyphens. */
    public List<Part> caption() {
        return parts(description);
    }

    static List<Part> parts(String text) {
        List<Part> parts = new ArrayList<>();
        java.util.regex.Matcher m = DATE.matcher(text);
        int at = 0;
        while (m.find()) {
            if (m.start() > at) parts.add(new Part(text.substring(at, m.start()), false));
            parts.add(new Part(m.group(), true));
            at = m.end();
        }
        if (at < text.length()) parts.add(new Part(text.substring(at), false));
        return parts;
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
        // The window drawn: from the first day with anything (leading empty days left out), widened backwards to at
        // least a week, ending on the last day.
        int start = 0;
        while (all[start] == 0) start++;
        int days = Math.max(MIN_DAYS, span - start);
        LocalDate first = data.last().minusDays(days - 1);
        long[] v = new long[days];
        for (int i = 0; i < days; i++) {
            int src = span - days + i;
            v[i] = src >= 0 ? all[src] : 0;
        }
        long max = 0;
        int busiest = 0;
        for (int i = 0; i < days; i++) {
            if (v[i] > max) {
                max = v[i];
                busiest = i;
            }
        }
        String maxLabel = number(max);
        int left = 14 + 8 * maxLabel.length();
        double slot = (W - left - 6) / (double) days;
        int plotH = H - TOP - BOTTOM;
        List<Bar> bars = new ArrayList<>();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < days; i++) {
            if (v[i] == 0) continue;
            double h = Math.max(1, v[i] * (double) plotH / max);
            bars.add(new Bar(fmt(left + 1 + i * slot + slot * 0.15), fmt(H - BOTTOM - h), fmt(Math.max(1, slot * 0.7)), fmt(h),
                    first.plusDays(i) + ": " + count(v[i], singular, plural)));
        }
        for (int i = days - 1; i >= 0; i--) {
            if (v[i] > 0) rows.add(new Row(first.plusDays(i), number(v[i])));
        }
        String desc = rows.size() == 1
                ? count(total, singular, plural) + ", all on " + rows.get(0).day() + "; none on the other days from " + first + " to "
                        + data.last() + "."
                : count(total, singular, plural) + " from " + first + " to " + data.last() + "; the busiest day was "
                        + first.plusDays(busiest) + " with " + count(max, singular, plural) + "."
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
