package org.gatehouse.server.config;

import org.gatehouse.server.errors.InvalidInput;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the short duration syntax used everywhere in Gatehouse: {@code 90s}, {@code 15m}, {@code 12h}, {@code 30d}, or plain seconds. */
public final class Durations {
    private static final Pattern FORMAT = Pattern.compile("(\\d{1,9})([smhd]?)");

    private Durations() {
    }

    /**
     * A duration a person typed as {@code option} (a CLI option).
     *
     * @throws InvalidInput on {@code option} if it is not one
     */
    public static Duration parseOption(String option, String text) {
        if (!FORMAT.matcher(text == null ? "" : text.trim()).matches()) {
            throw InvalidInput.of(option, option + " '" + text + "' is not a duration (examples: 90s, 15m, 12h, 30d)");
        }
        return parse(text);
    }

    /** A duration from configuration; IllegalArgumentException (its caller names the setting) if it is not one. */
    public static Duration parse(String text) {
        Matcher m = FORMAT.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (examples: 90s, 15m, 12h, 30d)");
        }
        long n = Long.parseLong(m.group(1));
        switch (m.group(2)) {
            case "m": return Duration.ofMinutes(n);
            case "h": return Duration.ofHours(n);
            case "d": return Duration.ofDays(n);
            default: return Duration.ofSeconds(n);
        }
    }

    public static String format(Duration d) {
        long s = d.getSeconds();
        if (s != 0 && s % 86400 == 0) return s / 86400 + "d";
        if (s != 0 && s % 3600 == 0) return s / 3600 + "h";
        if (s != 0 && s % 60 == 0) return s / 60 + "m";
        return s + "s";
    }
}
