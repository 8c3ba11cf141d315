package org.gatehouse.server.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a process with one deadline for all of it: its output (stdout and stderr) goes to a file, so
 * nothing blocks on a pipe that a left-over child keeps open, and on the deadline the whole process
 * tree is killed and the output so far is returned.
 */
public final class BoundedProcess {
    /**
     * @param finished whether it exited before the deadline
     * @param exit     its exit code, -1 when it was killed
     * @param output   what it wrote (so far)
     * @param killed   the processes killed at the deadline (itself and its descendants then)
     */
    public record Result(boolean finished, int exit, String output, List<ProcessHandle> killed) {
    }

    private BoundedProcess() {
    }

    public static Result run(ProcessBuilder pb, Path outputFile, Duration timeout) throws IOException, InterruptedException {
        pb.redirectErrorStream(true).redirectOutput(outputFile.toFile());
        Process p = pb.start();
        if (p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return new Result(true, p.exitValue(), read(outputFile), List.of());
        }
        // Descendants first (listed while their parent still holds them), so that none is re-parented and missed.
        List<ProcessHandle> tree = new java.util.ArrayList<>(p.descendants().toList());
        tree.forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor();
        tree.add(p.toHandle());
        return new Result(false, -1, read(outputFile), List.copyOf(tree));
    }

    private static String read(Path file) throws IOException {
        return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    }
}
