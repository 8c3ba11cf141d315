package org.gatehouse.server.portal;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An accessible bar chart (drawn by tag/chart.jte as inline SVG, role="img" with a title and a
 * description that states the data in words), always followed by a table with the same numbers. No
 * script, no inline style. Its view box is narrow enough that its text stays readable on a 390 px phone.
 */
public record Chart(String id, String title, String description, int width, int height, int left, int base, int top, int max,
                    List<Bar> bars, LocalDate first, LocalDate last, List<Row> rows) {
    private static final int W = 480;
    private static final int H = 220;
    private static final int LEFT = 44;
    private static final int BOTTOM = 34;
    private static final int TOP = 10;

    /** One bar, its coordinates already formatted for SVG. */
    public record Bar(String x, String y, String w, String h) {
    }

    /** One day of the table, newest first. */
    public record Row(LocalDate day, int n) {
    }

    static Chart of(String title, LocalDate first, int[] values) {
        int max = 0;
        int total = 0;
        int busiest = 0;
        for (int i = 0; i < values.length; i++) {
            total += values[i];
            if (values[i] > max) {
                max = values[i];
                busiest = i;
            }
        }
        LocalDate last = first.plusDays(values.length - 1);
        String desc = total == 0
                ? "No registrations from " + first + " to " + last + "."
                : plural(total, "registration") + " from " + first + " to " + last + "; the busiest day was " + first.plusDays(busiest)
                        + " with " + max + ". The table below lists every day.";
        int scale = Math.max(1, max);
        double slot = (W - LEFT - 10) / (double) values.length;
        int plotH = H - TOP - BOTTOM;
        List<Bar> bars = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            double h = values[i] * (double) plotH / scale;
            bars.add(new Bar(fmt(LEFT + 2 + i * slot), fmt(H - BOTTOM - h), fmt(slot * 0.7), fmt(h)));
        }
        List<Row> rows = new ArrayList<>();
        for (int i = values.length - 1; i >= 0; i--) rows.add(new Row(first.plusDays(i), values[i]));
        return new Chart("chart-" + Integer.toHexString(title.hashCode()), title, desc, W, H, LEFT, H - BOTTOM, TOP, scale, bars, first, last, rows);
    }

    static String plural(int n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
