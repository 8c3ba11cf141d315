package org.gatehouse.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The JVM options every {@code serve} gets (launchers, OCI image, benchmark, the tests' server processes), against the
 * figures of docs/performance.md that chose them.
 */
class ServeOptionsTest {
    private static List<String> options() throws Exception {
        return List.of(Files.readString(Path.of("serve.jvm-options")).trim().split("\\s+"));
    }

    /**
     * The JDK keeps, per thread, the temporary direct buffer it copies each heap buffer into for a file write, at the
     * size of the largest write (H2's chunk writes: several MiB under a mixed load at a million installations, "Other"
     * 17 MiB in NMT); above 256 KiB it now frees it after the write (round 6: "Other" 0.4–0.8 MiB).
     */
    @Test
    void largeTemporaryDirectBuffersAreNotKeptPerThread() throws Exception {
        assertThat(options()).contains("-Djdk.nio.maxCachedBufferSize=262144");
    }

    /** A bounded heap with the serial collector: the cap is what bounds RSS (round 4). */
    @Test
    void theHeapIsBoundedWithTheSerialCollector() throws Exception {
        assertThat(options()).contains("-XX:+UseSerialGC", "-Xms64m", "-Xmx112m");
    }
}
