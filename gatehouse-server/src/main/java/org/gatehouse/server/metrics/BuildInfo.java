package org.gatehouse.server.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version and git commit this build came from, written by Maven into {@code build-info.properties}
 * (the version lives once, in the POMs). Shown by {@code gatehouse --version}, in the first log line of
 * {@code serve} and as {@code gatehouse_build_info} in {@code /metrics}.
 */
public final class BuildInfo {
    static final String UNKNOWN = "unknown";
    private static final BuildInfo CURRENT = load();

    private final String version;
    private final String commit;

    BuildInfo(String version, String commit) {
        this.version = known(version);
        this.commit = known(commit);
    }

    public static String version() {
        return CURRENT.version;
    }

    /** The abbreviated commit id, with {@code -dirty} when the work tree had changes; "unknown" outside git. */
    public static String commit() {
        return CURRENT.commit;
    }

    /** "Gatehouse 0.2.0 (commit 1a2b3c4d5e6f)". */
    public static String describe() {
        return "Gatehouse " + version() + " (commit " + commit() + ")";
    }

    static BuildInfo from(Properties p) {
        String commit = p.getProperty("commit");
        if ("true".equals(p.getProperty("dirty")) && !known(commit).equals(UNKNOWN)) commit += "-dirty";
        return new BuildInfo(p.getProperty("version"), commit);
    }

    private static BuildInfo load() {
        try (InputStream in = BuildInfo.class.getResourceAsStream("build-info.properties")) {
            Properties p = new Properties();
            if (in != null) p.load(in);
            return from(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read build-info.properties", e);
        }
    }

    /** A value Maven did not fill in (no git, or a class path without the resource) is "unknown". */
    private static String known(String v) {
        if (v == null || v.isBlank() || v.contains("${")) return UNKNOWN;
        return v.trim();
    }
}
