package org.gatehouse.server.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.store.Database;

/**
 * What a command reads and writes: for the real launcher the process's standard output, standard error and
 * environment ({@link #system()}); for a test that runs a command in-process ({@code Main.run(Console, args)})
 * its own. Commands never touch {@code System.out}, {@code System.err} or {@code System.getenv()} themselves.
 *
 * @param tty whether standard error is a terminal (progress is then redrawn on one line)
 */
public record Console(PrintWriter out, PrintWriter err, Map<String, String> env, boolean tty) {

    /** The root command that carries the console its subcommands use (picocli's {@code spec.root().userObject()}). */
    public interface Holder {
        Console console();

        /** Opens the services for one command (the container builds them; the caller closes them). */
        Services open(Config config, Database.SchemaPolicy schema);

        /** Starts the server ({@code serve}). */
        Services.Server start(Config config);
    }

    /** The process's own streams (UTF-8) and environment. */
    public static Console system() {
        return new Console(writer(new FileOutputStream(FileDescriptor.out)), writer(new FileOutputStream(FileDescriptor.err)),
                System.getenv(), System.console() != null);
    }

    private static PrintWriter writer(OutputStream stream) {
        return new PrintWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), true);
    }

    /**
     * The configuration from this console's environment (and the optional config file it names), for a command:
     * warnings about unknown settings go to standard error. {@code serve} loads with {@link Config#load} and logs them.
     */
    public Config config() {
        Config c = Config.load(env);
        c.warnings.forEach(w -> err.println("gatehouse: warning: " + w));
        return c;
    }
}
