package org.gatehouse.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A peer started through a shell script that runs its JVM as a child (Keycloak's kc.sh traps signals and forwards them):
 * the CPU the benchmark reads must be the JVM's, not the shell's (issue 18 Must 7). No Keycloak needed.
 */
class ServerProcessTest {
    @Test
    void jvmPidIsTheJavaChildOfTheShell(@TempDir Path dir) throws Exception {
        Path waits = dir.resolve("Waits.java"); // a JVM that runs until its stdin closes
        Files.writeString(waits, "class Waits { public static void main(String[] a) throws Exception { System.out.println(\"up\"); System.in.read(); } }");
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process sh = new ProcessBuilder("sh", "-c", "\"$0\" \"$1\"; exit 0", java, waits.toString()).start();
        try {
            assertThat(new String(sh.getInputStream().readNBytes(2))).isEqualTo("up"); // the child JVM runs
            long pid = ServerProcess.jvmPid(sh);
            assertThat(pid).isNotEqualTo(sh.pid());
            assertThat(ProcessHandle.of(pid).orElseThrow().parent().orElseThrow().pid()).isEqualTo(sh.pid());
            assertThat(ProcessHandle.of(pid).orElseThrow().info().command().orElseThrow()).endsWith("/java");
            assertThat(ProcStats.cpuSeconds(pid)).isPositive(); // its JVM start-up alone costs CPU; the shell's is ≈ 0
        } finally {
            sh.getOutputStream().close(); // the child JVM shares the shell's stdin: it ends, then the shell
            sh.waitFor(60, TimeUnit.SECONDS);
            sh.destroyForcibly();
        }
    }
}
