package org.gatehouse.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs an OS command and returns its standard output; replaceable so tests can feed fixtures. */
@FunctionalInterface
interface CommandRunner {
    String run(List<String> command) throws IOException;

    /** The real thing: ProcessBuilder, stderr discarded, at most 64 KiB of output, 15 s. */
    static CommandRunner system() {
        return command -> {
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try (InputStream in = p.getInputStream()) {
                byte[] out = in.readNBytes(64 * 1024);
                if (!p.waitFor(15, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException(command.get(0) + " did not finish");
                }
                if (p.exitValue() != 0) throw new IOException(command.get(0) + " exited with status " + p.exitValue());
                return new String(out, StandardCharsets.UTF_8);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
                throw new IOException("interrupted while running " + command.get(0), e);
            }
        };
    }
}
