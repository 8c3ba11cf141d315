package org.gatehouse.server.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * A small metrics registry rendered in the Prometheus text format (version 0.0.4): counters and
 * fixed-bucket histograms with labels, plus gauges sampled at scrape time. Hand-written instead of
 * Micrometer: Micrometer with its Prometheus registry measured 0.6–1.0 s of extra start-up, ~930 more
 * loaded classes and 3.6 MB of jars here (docs/operations.md); this needs none of that.
 *
 * <p>Label values come from fixed sets in the code (operation names, status codes, OAuth error codes):
 * never from request data, so the number of series stays bounded.
 */
public final class Metrics {
    /** Latency buckets in seconds: from a cached grant (~0.5 ms) to a slow database (5 s). */
    static final double[] BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

    private final Map<String, Family> families = new ConcurrentHashMap<>();
    private final List<Consumer<Sampler>> gaugeSources = new java.util.concurrent.CopyOnWriteArrayList<>();

    private static final class Family {
        final String name;
        final String type;
        final String help;
        final Map<String, Object> series = new ConcurrentHashMap<>();

        Family(String name, String type, String help) {
            this.name = name;
            this.type = type;
            this.help = help;
        }
    }

    private static final class Histogram {
        final AtomicLongArray buckets = new AtomicLongArray(BUCKETS.length);
        final LongAdder count = new LongAdder();
        final DoubleAdder sum = new DoubleAdder();

        void observe(double seconds) {
            for (int i = 0; i < BUCKETS.length; i++) {
                if (seconds <= BUCKETS[i]) {
                    buckets.incrementAndGet(i);
                    break;
                }
            }
            count.increment();
            sum.add(seconds);
        }
    }

    /** Receives gauge values at scrape time. */
    public interface Sampler {
        void gauge(String name, String help, String labels, double value);

        void counter(String name, String help, String labels, double value);
    }

    /** Adds one to a counter; labels are alternating names and values. */
    public void increment(String name, String help, String... labels) {
        LongAdder c = (LongAdder) family(name, "counter", help).series.computeIfAbsent(labels(labels), k -> new LongAdder());
        c.increment();
    }

    /** Records one observation in seconds into a histogram. */
    public void observe(String name, String help, double seconds, String... labels) {
        Histogram h = (Histogram) family(name, "histogram", help).series.computeIfAbsent(labels(labels), k -> new Histogram());
        h.observe(seconds);
    }

    /** A counter's current value (0 when never incremented), for tests and for the jobs. */
    public long counterValue(String name, String... labels) {
        Family f = families.get(name);
        Object c = f == null ? null : f.series.get(labels(labels));
        return c == null ? 0 : ((LongAdder) c).sum();
    }

    /** Values computed when scraped (JVM, pool). */
    public void gauges(Consumer<Sampler> source) {
        gaugeSources.add(source);
    }

    private Family family(String name, String type, String help) {
        Family f = families.computeIfAbsent(name, n -> new Family(n, type, help));
        if (!f.type.equals(type)) throw new IllegalArgumentException(name + " is a " + f.type);
        return f;
    }

    static String labels(String... kv) {
        if (kv.length == 0) return "";
        if (kv.length % 2 != 0) throw new IllegalArgumentException("labels come in name/value pairs");
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < kv.length; i += 2) {
            if (i > 0) b.append(',');
            b.append(kv[i]).append("=\"").append(escape(kv[i + 1])).append('"');
        }
        return b.append('}').toString();
    }

    private static String escape(String v) {
        return (v == null ? "" : v).replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** The Prometheus text exposition of every metric. */
    public String scrape() {
        StringBuilder out = new StringBuilder(8192);
        Map<String, Family> sorted = new TreeMap<>(families);
        for (Family f : sorted.values()) {
            header(out, f.name, f.type, f.help);
            for (Map.Entry<String, Object> s : new TreeMap<>(f.series).entrySet()) {
                if (s.getValue() instanceof LongAdder c) {
                    out.append(f.name).append(s.getKey()).append(' ').append(c.sum()).append('\n');
                } else {
                    histogram(out, f.name, s.getKey(), (Histogram) s.getValue());
                }
            }
        }
        List<String[]> sampled = new ArrayList<>();
        Sampler sampler = new Sampler() {
            @Override
            public void gauge(String name, String help, String labels, double value) {
                sampled.add(new String[] {name, "gauge", help, labels, number(value)});
            }

            @Override
            public void counter(String name, String help, String labels, double value) {
                sampled.add(new String[] {name, "counter", help, labels, number(value)});
            }
        };
        gaugeSources.forEach(g -> g.accept(sampler));
        String last = null;
        for (String[] s : sampled) {
            if (!s[0].equals(last)) header(out, s[0], s[1], s[2]);
            last = s[0];
            out.append(s[0]).append(s[3]).append(' ').append(s[4]).append('\n');
        }
        return out.toString();
    }

    private static void header(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void histogram(StringBuilder out, String name, String labels, Histogram h) {
        String inner = labels.isEmpty() ? "" : labels.substring(1, labels.length() - 1) + ",";
        long cumulative = 0;
        for (int i = 0; i < BUCKETS.length; i++) {
            cumulative += h.buckets.get(i);
            out.append(name).append("_bucket{").append(inner).append("le=\"").append(number(BUCKETS[i])).append("\"} ")
                    .append(cumulative).append('\n');
        }
        long count = h.count.sum();
        out.append(name).append("_bucket{").append(inner).append("le=\"+Inf\"} ").append(count).append('\n');
        out.append(name).append("_sum").append(labels).append(' ').append(number(h.sum.sum())).append('\n');
        out.append(name).append("_count").append(labels).append(' ').append(count).append('\n');
    }

    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return String.format(Locale.ROOT, "%s", v);
    }
}
