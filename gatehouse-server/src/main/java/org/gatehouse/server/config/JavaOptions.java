package org.gatehouse.server.config;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code GATEHOUSE_JAVA_OPTS} is read by the launchers ({@code ./gatehouse}, a release's {@code bin/gatehouse}), which
 * put it on the JVM's command line after their own options. Where no launcher runs — the OCI image has no shell, its
 * entry point starts the runtime's {@code java} directly — the variable has no effect; the server then says so instead
 * of running silently with options other than the operator set (there, {@code _JAVA_OPTIONS} does the same job:
 * docs/operations.md, "OCI image").
 */
public final class JavaOptions {
    public static final String VARIABLE = "GATEHOUSE_JAVA_OPTS";

    private JavaOptions() {
    }

    /**
     * The options of {@code requested} (GATEHOUSE_JAVA_OPTS: words separated by white space, as the launchers split
     * them) that are not among the JVM's input arguments (RuntimeMXBean: the command line with argument files
     * expanded, plus JDK_JAVA_OPTIONS, JAVA_TOOL_OPTIONS and _JAVA_OPTIONS); empty when all were applied or none is set.
     */
    public static List<String> notApplied(String requested, List<String> jvmArguments) {
        List<String> missing = new ArrayList<>();
        if (requested == null || requested.isBlank()) return missing;
        for (String option : requested.strip().split("\\s+")) {
            if (!jvmArguments.contains(option)) missing.add(option);
        }
        return missing;
    }

    /** The warning for {@link #notApplied} options, or null when there are none. */
    public static String warning(List<String> notApplied) {
        if (notApplied.isEmpty()) return null;
        // Names only (-Dname, -XX:Name, -Xmx…): a value may be a secret (-Djavax.net.ssl.keyStorePassword=…), and no
        // secret goes to a log.
        List<String> names = new ArrayList<>();
        for (String o : notApplied) {
            int eq = o.indexOf('=');
            names.add(eq < 0 ? o : o.substring(0, eq) + "=…");
        }
        return VARIABLE + " is set but this JVM was not started with " + String.join(" ", names) + ": only the launchers"
                + " (./gatehouse, bin/gatehouse) read it. The OCI image starts java without a shell: set _JAVA_OPTIONS there"
                + " (the JVM applies it after its command line, so it overrides serve.jvm-options as " + VARIABLE + " would)";
    }
}
