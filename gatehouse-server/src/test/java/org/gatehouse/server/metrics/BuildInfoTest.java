package org.gatehouse.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Properties;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.Cli;
import org.gatehouse.server.testing.ServerProcess;
import org.gatehouse.server.testing.Slow;
import org.junit.jupiter.api.Test;

/** The version and commit come from the build (Maven), once: --version, the first log line of serve, /metrics. */
@Slow
class BuildInfoTest {
    /** The version Maven builds (surefire passes ${project.version}): the one place it lives. */
    private static final String POM_VERSION = System.getProperty("gatehouse.pom.version");

    @Test
    void theBuildWroteTheVersionAndCommit() {
        assertThat(POM_VERSION).isNotBlank();
        assertThat(BuildInfo.version()).isEqualTo(POM_VERSION);
        // The tests run from a git checkout: a commit id (12 hex digits), "-dirty" when the tree had changes.
        assertThat(BuildInfo.commit()).matches("[0-9a-f]{12}(-dirty)?");
    }

    @Test
    void placeholdersMavenDidNotFillAreUnknown() {
        Properties outsideGit = new Properties();
        outsideGit.setProperty("version", "0.2.0");
        outsideGit.setProperty("commit", "${git.commit.id.abbrev}");
        outsideGit.setProperty("dirty", "${git.dirty}");
        BuildInfo b = BuildInfo.from(outsideGit);
        assertThat(b).extracting("version", "commit").containsExactly("0.2.0", "unknown");

        Properties dirty = new Properties();
        dirty.setProperty("version", "0.2.0");
        dirty.setProperty("commit", "0123456789ab");
        dirty.setProperty("dirty", "true");
        assertThat(BuildInfo.from(dirty)).extracting("commit").isEqualTo("0123456789ab-dirty");
        assertThat(BuildInfo.from(new Properties())).extracting("version", "commit").containsExactly("unknown", "unknown");
    }

    @Test
    void versionOptionPrintsVersionAndCommit() {
        Cli.Result r = Cli.subprocess(Map.of(), "--version"); // a smoke test of the real launcher: its own JVM
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().trim()).isEqualTo("Gatehouse " + POM_VERSION + " (commit " + BuildInfo.commit() + ")");
    }

    @Test
    void serveLogsTheBuildFirstAndMetricsShowIt() {
        try (Backend b = Backend.create(Backend.H2);
                ServerProcess server = ServerProcess.start(ServerProcess.env(b, ServerProcess.freePort()))) {
            String first = server.log().lines().findFirst().orElse("");
            assertThat(first).as(server.log()).contains("Gatehouse " + POM_VERSION + " (commit " + BuildInfo.commit() + ") starting");
            String metrics = server.http.get("/metrics").body();
            assertThat(metrics).contains("gatehouse_build_info{version=\"" + POM_VERSION + "\",commit=\"" + BuildInfo.commit() + "\"} 1");
        }
    }
}
