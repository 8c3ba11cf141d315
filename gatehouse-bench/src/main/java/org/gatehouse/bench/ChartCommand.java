package org.gatehouse.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Draws throughput and p99 latency against concurrency from the load generator's JSON lines, one
 * line per series (the runs' labels), as a self-contained SVG: no library, no script.
 */
@Command(name = "chart", mixinStandardHelpOptions = true, description = "SVG of throughput and p99 against concurrency.")
public final class ChartCommand implements Callable<Integer> {
    @Option(names = "--in", required = true, description = "Results (JSON lines from load --out).")
    Path in;
    @Option(names = "--out", required = true, description = "SVG file to write.")
    Path out;
    @Option(names = "--mode", defaultValue = "closed", description = "Only runs of this mode.")
    String mode;
    @Option(names = "--series", description = "Only runs with these labels (repeatable; default all).")
    List<String> only;
    @Option(names = "--title", defaultValue = "Gatehouse: throughput and p99 latency against concurrency")
    String title;

    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf"};

    record Point(double x, double tput, double p99) {
    }

    @Override
    public Integer call() throws Exception {
        // The results file is appended to run after run: per series and concurrency, the newest run counts.
        Map<String, Map<Double, Point>> newest = new LinkedHashMap<>();
        for (String line : Files.readAllLines(in)) {
            if (line.isBlank() || !mode.equals(str(line, "mode"))) continue;
            String name = str(line, "label");
            if (name == null || name.isEmpty()) name = str(line, "scenario") + " " + str(line, "alg");
            if (only != null && !only.contains(name)) continue;
            Point p = new Point(num(line, "concurrency"), num(line, "throughput"), num(line, "p99_ms"));
            newest.computeIfAbsent(name, k -> new java.util.TreeMap<>()).put(p.x, p);
        }
        Map<String, List<Point>> series = new LinkedHashMap<>();
        newest.forEach((name, byX) -> series.put(name, new ArrayList<>(byX.values())));
        double maxX = 1, maxT = 1, maxP = 1;
        for (List<Point> l : series.values()) {
            for (Point p : l) {
                maxX = Math.max(maxX, p.x);
                maxT = Math.max(maxT, p.tput);
                maxP = Math.max(maxP, p.p99);
            }
        }
        maxT = nice(maxT);
        maxP = nice(maxP);
        StringBuilder s = new StringBuilder();
        int w = 900, h = 420;
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n", w, h, w, h));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">%s</text>%n", w / 2, esc(title)));
        panel(s, series, 60, 50, 360, 290, maxX, maxT, "throughput (operations/s)", true);
        panel(s, series, 510, 50, 360, 290, maxX, maxP, "p99 latency (ms)", false);
        int ly = 385, lx = 60;
        int i = 0;
        for (String name : series.keySet()) {
            String color = COLORS[i++ % COLORS.length];
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2.5\"/>"
                    + "<text x=\"%d\" y=\"%d\">%s</text>%n", lx, ly, lx + 24, ly, color, lx + 30, ly + 4, esc(name)));
            lx += 40 + 7 * name.length();
            if (lx > w - 150) {
                lx = 60;
                ly += 18;
            }
        }
        s.append("</svg>\n");
        Files.writeString(out, s.toString(), StandardCharsets.UTF_8);
        System.out.println("wrote " + out + " (" + series.size() + " series)");
        return 0;
    }

    private static void panel(StringBuilder s, Map<String, List<Point>> series, int x0, int y0, int pw, int ph,
                              double maxX, double maxY, String yLabel, boolean tput) {
        double lx = Math.log(Math.max(2, maxX)) / Math.log(2); // concurrency on a log2 axis
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>%n", x0, y0, pw, ph));
        for (int k = 0; k <= 4; k++) {
            double v = maxY * k / 4;
            double y = y0 + ph - ph * k / 4.0;
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", x0, y, x0 + pw, y, x0 - 5, y + 4, fmt(v)));
        }
        for (int c = 1; c <= maxX; c *= 2) {
            double x = x0 + pw * (Math.log(c) / Math.log(2)) / lx;
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eee\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>%n", x, y0, x, y0 + ph, x, y0 + ph + 16, c));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">concurrency (requests in flight)</text>%n",
                x0 + pw / 2, y0 + ph + 34));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 %d %d)\">%s</text>%n",
                x0 - 45, y0 + ph / 2, x0 - 45, y0 + ph / 2, esc(yLabel)));
        int i = 0;
        for (List<Point> l : series.values()) {
            String color = COLORS[i++ % COLORS.length];
            StringBuilder pts = new StringBuilder();
            for (Point p : l) {
                double x = x0 + pw * (Math.log(Math.max(1, p.x)) / Math.log(2)) / lx;
                double y = y0 + ph - ph * (tput ? p.tput : p.p99) / maxY;
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n", x, y, color));
            }
            s.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\"/>%n",
                    pts.toString().trim(), color));
        }
    }

    private static double nice(double v) {
        double e = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) if (m * e >= v) return m * e;
        return 10 * e;
    }

    private static String fmt(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.3g", v);
    }

    private static String esc(String t) {
        return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    static String str(String line, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":\"([^\"]*)\"").matcher(line);
        return m.find() ? m.group(1) : null;
    }

    static double num(String line, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":(-?[0-9.eE+-]+)").matcher(line);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }
}
