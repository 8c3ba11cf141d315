package org.gatehouse.server.portal;

import java.time.LocalDate;

/**
 * An accessible bar chart in inline SVG (role="img" with a title and a description that states the
 * data in words), always followed by a table with the same numbers. No script, no inline style.
 */
final class Chart {
    private static final int W = 480;
    private static final int H = 220;
    private static final int LEFT = 44;
    private static final int BOTTOM = 34;
    private static final int TOP = 10;

    private Chart() {
    }

    static String barsWithTable(String title, LocalDate first, int[] values) {
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
        String id = "chart-" + Integer.toHexString(title.hashCode());
        LocalDate last = first.plusDays(values.length - 1);
        String desc = total == 0
                ? "No registrations from " + first + " to " + last + "."
                : plural(total, "registration") + " from " + first + " to " + last + "; the busiest day was " + first.plusDays(busiest)
                        + " with " + max + ". The table below lists every day.";
        int scale = Math.max(1, max);
        double slot = (W - LEFT - 10) / (double) values.length;
        int plotH = H - TOP - BOTTOM;
        StringBuilder b = new StringBuilder();
        b.append("<figure><svg class=\"chart\" role=\"img\" aria-labelledby=\"").append(id).append("-t ").append(id).append("-d\"")
                .append(" viewBox=\"0 0 ").append(W).append(' ').append(H).append("\" width=\"").append(W).append("\" height=\"").append(H)
                .append("\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"").append(id).append("-t\">").append(Html.e(title))
                .append("</title><desc id=\"").append(id).append("-d\">").append(Html.e(desc)).append("</desc>");
        // axes
        b.append("<line x1=\"").append(LEFT).append("\" y1=\"").append(H - BOTTOM).append("\" x2=\"").append(W - 5).append("\" y2=\"")
                .append(H - BOTTOM).append("\" stroke=\"#1b1b1b\" stroke-width=\"1\"/>");
        b.append("<line x1=\"").append(LEFT).append("\" y1=\"").append(TOP).append("\" x2=\"").append(LEFT).append("\" y2=\"")
                .append(H - BOTTOM).append("\" stroke=\"#1b1b1b\" stroke-width=\"1\"/>");
        b.append("<text x=\"").append(LEFT - 6).append("\" y=\"").append(TOP + 10).append("\" text-anchor=\"end\" font-size=\"16\" fill=\"#1b1b1b\">")
                .append(scale).append("</text>");
        b.append("<text x=\"").append(LEFT - 6).append("\" y=\"").append(H - BOTTOM).append("\" text-anchor=\"end\" font-size=\"16\" fill=\"#1b1b1b\">0</text>");
        for (int i = 0; i < values.length; i++) {
            double h = values[i] * (double) plotH / scale;
            double x = LEFT + 2 + i * slot;
            b.append("<rect x=\"").append(fmt(x)).append("\" y=\"").append(fmt(H - BOTTOM - h)).append("\" width=\"").append(fmt(slot * 0.7))
                    .append("\" height=\"").append(fmt(h)).append("\" fill=\"#0b4f9c\"/>");
        }
        b.append("<text x=\"").append(LEFT).append("\" y=\"").append(H - 8).append("\" font-size=\"16\" fill=\"#1b1b1b\">").append(first).append("</text>");
        b.append("<text x=\"").append(W - 5).append("\" y=\"").append(H - 8).append("\" text-anchor=\"end\" font-size=\"16\" fill=\"#1b1b1b\">")
                .append(last).append("</text>");
        b.append("</svg></figure>");
        b.append("<details><summary>Registrations per day as a table</summary><table><caption>").append(Html.e(title))
                .append("</caption><thead><tr><th scope=\"col\">Day</th><th scope=\"col\">Registrations</th></tr></thead><tbody>");
        for (int i = values.length - 1; i >= 0; i--) {
            b.append("<tr><td>").append(first.plusDays(i)).append("</td><td>").append(values[i]).append("</td></tr>");
        }
        b.append("</tbody></table></details>");
        return b.toString();
    }

    static String plural(int n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }

    private static String fmt(double v) {
        return String.format(java.util.Locale.ROOT, "%.1f", v);
    }
}
