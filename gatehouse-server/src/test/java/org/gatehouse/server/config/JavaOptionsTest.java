package org.gatehouse.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** GATEHOUSE_JAVA_OPTS against the JVM's input arguments: which requested options this JVM did not get. */
class JavaOptionsTest {
    private static final List<String> LAUNCHED = List.of("-XX:+UseSerialGC", "-Xms64m", "-Xmx112m", "--enable-native-access=ALL-UNNAMED", "-Xmx512m");

    @Test
    void nothingToSayWhenUnsetOrApplied() {
        assertThat(JavaOptions.notApplied(null, LAUNCHED)).isEmpty();
        assertThat(JavaOptions.notApplied("  ", LAUNCHED)).isEmpty();
        assertThat(JavaOptions.notApplied(" -Xmx512m ", LAUNCHED)).isEmpty(); // the launcher put it last: it wins
        assertThat(JavaOptions.warning(JavaOptions.notApplied("-Xmx512m", LAUNCHED))).isNull();
    }

    /** As in the OCI image: the entry point runs java with serve.jvm-options and nothing reads the variable. */
    @Test
    void optionsTheJvmWasNotStartedWithAreNamed() {
        List<String> image = List.of("-XX:+UseSerialGC", "-Xms64m", "-Xmx112m", "-XX:+AutoCreateSharedArchive");
        List<String> missing = JavaOptions.notApplied("-Xmx512m\t-XX:+UseSerialGC  -Dx=1", image);
        assertThat(missing).containsExactly("-Xmx512m", "-Dx=1");
        assertThat(JavaOptions.warning(missing)).startsWith("GATEHOUSE_JAVA_OPTS is set but this JVM was not started with -Xmx512m -Dx=…")
                .contains("_JAVA_OPTIONS");
        // a value may be a secret: the warning names the option, never its value (the reviewer's finding)
        assertThat(JavaOptions.warning(JavaOptions.notApplied("-Djavax.net.ssl.keyStorePassword=hunter2", image)))
                .contains("-Djavax.net.ssl.keyStorePassword=…").doesNotContain("hunter2");
    }
}
