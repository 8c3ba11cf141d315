package org.gatehouse.server.testing;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.gatehouse.server.Main;
import org.gatehouse.server.cli.Console;

/**
 * Runs `gatehouse` commands for tests: {@link #run} in this JVM ({@code Main.run} with its own streams and
 * environment, no JVM start), {@link #subprocess} as the real launcher does, in a separate JVM (the smoke tests).
 */
public final class Cli {
    private Cli() {
    }

    public record Result(int exit, String out, String err) {
    }

    /**
     * One command in-process, with the environment a separate process would get: this process's without
     * its GATEHOUSE_ settings, no config file, then {@code env}. {@code serve} runs in a separate JVM
     * ({@link #subprocess}): it blocks, installs signal handlers and configures the JVM's logging; only its
     * {@code --help} (which starts nothing) runs here.
     */
    public static Result run(Map<String, String> env, String... args) {
        boolean help = List.of(args).contains("--help") || List.of(args).contains("-h");
        if (args.length > 0 && args[0].equals("serve") && !help) return subprocess(env, args);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Map<String, String> all = new HashMap<>(System.getenv());
        all.keySet().removeIf(k -> k.startsWith("GATEHOUSE_"));
        all.put("GATEHOUSE_CONFIG", "/dev/null");
        all.putAll(env);
        int exit = Main.run(new Console(new PrintWriter(out), new PrintWriter(err), Map.copyOf(all), false), args);
        return new Result(exit, out.toString(), err.toString());
    }

    /** One command in a separate JVM, exactly as the launcher runs it (System.exit, the real streams and environment). */
    public static Result subprocess(Map<String, String> env, String... args) {
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
