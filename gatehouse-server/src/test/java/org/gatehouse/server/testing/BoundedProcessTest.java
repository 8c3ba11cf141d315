package org.gatehouse.server.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DocsRunTest's session runner: a session that never ends (here a child that keeps the output open)
 * is killed, whole tree, at its deadline and reported with its output so far, instead of hanging the build.
 */
@Slow
class BoundedProcessTest {
    @TempDir
    Path dir;

    @Test
    void aSessionThatNeverEndsIsKilledWithItsChildrenAtTheDeadline() {
        // The 1 s deadline is what is tested; the 120 s bound only turns a hang into a failure.
        BoundedProcess.Result r = assertTimeoutPreemptively(Duration.ofSeconds(120), () -> BoundedProcess.run(
                new ProcessBuilder("bash", "-c", "echo started; sleep 3600 & wait"), dir.resolve("out"), Duration.ofSeconds(1)));
        assertThat(r.finished()).isFalse();
        assertThat(r.output()).contains("started");
        assertThat(r.killed()).hasSizeGreaterThanOrEqualTo(2); // bash and its sleep
        for (ProcessHandle h : r.killed()) {
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> h.onExit().get(60, TimeUnit.SECONDS));
            assertThat(h.isAlive()).isFalse();
        }
    }

    @Test
    void aSessionThatEndsGivesItsExitCodeAndOutput() throws Exception {
        BoundedProcess.Result r = BoundedProcess.run(new ProcessBuilder("bash", "-c", "echo out; echo err >&2; exit 3"),
                dir.resolve("out"), Duration.ofMinutes(5));
        assertThat(r.finished()).isTrue();
        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.output()).contains("out").contains("err");
    }
}
