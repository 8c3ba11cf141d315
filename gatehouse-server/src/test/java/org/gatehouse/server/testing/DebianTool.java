package org.gatehouse.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** A program from a Debian package that a test runs (haproxy, promtool): .ci/run installs it; elsewhere a missing one skips the test. */
public final class DebianTool {
    private DebianTool() {
    }

    public static Path require(String path, String debianPackage) {
        Path tool = Path.of(path);
        if (!Files.isExecutable(tool)) {
            assertThat(System.getenv("CI")).as("CI installs Debian's " + debianPackage + " for " + path).isNotEqualTo("true");
            Assumptions.abort(path + " is not installed (apt-get install " + debianPackage + ")");
        }
        return tool;
    }
}
