package org.gatehouse.server.portal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.gatehouse.server.stats.Figures;

/**
 * Installations by status as horizontal bars (tag/statusChart.jte: inline SVG, role="img", title, a description
 * stating every number, and a table with the same numbers). Each bar has its name and count written above it, so
 * neither colour nor length alone carries the data; the colours differ from white by at least 3:1 (WCAG 1.4.11).
 */
public record StatusChart(String id, String title, String empty, String description, String staleMeaning, int width, int height,
                          List<Bar> bars) {
    static final int W = 360;
    static final int ROW = 46;

    /** One status: its text line (at textY) and its bar. */
    public record Bar(String name, String count, String share, String textY, String barY, String barW, String colour) {
    }

    public static StatusChart of(String id, String title, Figures.Statuses s) {
        String stale = "Stale means not seen \u2014 no token request, no registration \u2014 for " + duration(s.staleAfter())
                + " (GATEHOUSE_STALE_AFTER); the maintenance job marks them. Each installation is counted once: revoked first, then"
                + " flagged (a possible cloned disk image), then stale; the rest are active.";
        long total = s.total();
        if (total == 0) {
            return new StatusChart(id, title, "No installations yet.", null, stale, W, 0, List.of());
        }
        long[] n = {s.active(), s.stale(), s.flagged(), s.revoked()};
        String[] names = {"Active", "Stale", "Flagged", "Revoked"};
        String[] colours = {"#0b4f9c", "#7a5200", "#b3261e", "#4d4d4d"};
        long max = 0;
        for (long v : n) max = Math.max(max, v);
        List<Bar> bars = new ArrayList<>();
        for (int i = 0; i < n.length; i++) {
            double w = n[i] == 0 ? 0 : Math.max(2, n[i] * (double) (W - 4) / max);
            bars.add(new Bar(names[i], Chart.number(n[i]), percent(n[i], total), Integer.toString(i * ROW + 16),
                    Integer.toString(i * ROW + 23), String.format(Locale.ROOT, "%.1f", w), colours[i]));
        }
        String desc = Chart.plural(total, "installation") + ": " + Chart.number(s.active()) + " active, " + Chart.number(s.stale())
                + " stale, " + Chart.number(s.flagged()) + " flagged, " + Chart.number(s.revoked()) + " revoked."
                + (s.countedAt() == null ? "" : " Counted at " + View.time(s.countedAt()) + " (more than "
                        + Chart.number(Figures.LIVE_UP_TO) + " installations are counted once a minute).");
        return new StatusChart(id, title, null, desc, stale, W, n.length * ROW, bars);
    }

    /** "97 %", "less than 1 %" for a small non-zero share. */
    static String percent(long part, long total) {
        if (part == 0) return "0 %";
        long p = Math.round(part * 100.0 / total);
        return p == 0 ? "less than 1 %" : p + " %";
    }

    /** 90 days, 36 hours, 15 minutes: the largest whole unit. */
    static String duration(Duration d) {
        if (d.toMinutes() % (24 * 60) == 0) return Chart.plural(d.toDays(), "day");
        if (d.toMinutes() % 60 == 0) return Chart.plural(d.toHours(), "hour");
        return Chart.plural(d.toMinutes(), "minute");
    }
}
