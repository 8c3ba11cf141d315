package org.gatehouse.server.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the real `gatehouse` command in a separate JVM, as an operator would. */
public final class Cli {
    private Cli() {
    }

    public record Result(int exit, String out, String err) {
    }

    public static Result run(Map<String, String> env, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("--enable-native-access=ALL-UNNAMED"); // as the launcher: the native crypto provider loads a JNI library
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("org.gatehouse.server.Main");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("GATEHOUSE_"));
        pb.environment().put("GATEHOUSE_CONFIG", "/dev/null");
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            var out = p.getInputStream();
            var err = p.getErrorStream();
            // Drain both streams on this thread and a helper so neither pipe can fill up.
            StringBuilder errText = new StringBuilder();
            Thread errReader = new Thread(() -> {
                try {
                    errText.append(new String(err.readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException ignored) {
                    // process ended
                }
            });
            errReader.start();
            String outText = new String(out.readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("gatehouse " + String.join(" ", args) + " did not finish");
            }
            errReader.join();
            return new Result(p.exitValue(), outText, errText.toString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
