package org.gatehouse.server;

import java.io.PrintWriter;
import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.cli.AdminCommand;
import org.gatehouse.server.cli.ConfigCommand;
import org.gatehouse.server.cli.Console;
import org.gatehouse.server.cli.DbCommand;
import org.gatehouse.server.cli.HealthCommand;
import org.gatehouse.server.cli.IatCommand;
import org.gatehouse.server.cli.InstallationsCommand;
import org.gatehouse.server.cli.KeysCommand;
import org.gatehouse.server.cli.PublisherCommand;
import org.gatehouse.server.cli.ResourceServerCommand;
import org.gatehouse.server.cli.Services;
import org.gatehouse.server.cli.ServeCommand;
import org.gatehouse.server.cli.StatementCommand;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.config.ConfigException;
import org.gatehouse.server.metrics.BuildInfo;
import org.gatehouse.server.store.Database;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code gatehouse} command. Exit codes: 0 success, 1 failure, 2 invalid input or configuration. */
@Command(name = "gatehouse", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        // INHERIT: every subcommand, at any depth, answers --help (and --version) too
        scope = CommandLine.ScopeType.INHERIT,
        description = "OAuth 2.0 server that gives every installation of an application its own client credentials.",
        subcommands = {ServeCommand.class, IatCommand.class, InstallationsCommand.class, KeysCommand.class, ResourceServerCommand.class,
                DbCommand.class, ConfigCommand.class, PublisherCommand.class, StatementCommand.class, AdminCommand.class,
                org.gatehouse.server.cli.AuditCommand.class, HealthCommand.class})
public final class Main implements Console.Holder {
    private final Console console;

    private Main(Console console) {
        this.console = console;
    }

    @Override
    public Console console() {
        return console;
    }

    @Override
    public Services open(Config config, Database.SchemaPolicy schema) {
        return Gatehouse.open(config, schema);
    }

    @Override
    public Services.Server start(Config config) {
        return GatehouseServer.start(config);
    }

    /** {@code --version}: the version and commit Maven wrote into the build ({@link BuildInfo}). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {BuildInfo.describe()};
        }
    }

    public static void main(String[] args) {
        System.exit(run(Console.system(), args));
    }

    /**
     * Runs one command with the given streams and environment and returns its exit code; never exits the JVM
     * (tests run commands in-process through this).
     */
    public static int run(Console console, String... args) {
        try {
            return commandLine(console).execute(args);
        } finally {
            console.out().flush();
            console.err().flush();
        }
    }

    /** The whole command tree, writing to the console's streams. */
    public static CommandLine commandLine(Console console) {
        CommandLine cl = new CommandLine(new Main(console));
        // Installation ids are base64url (RFC 4648 §5): one in 64 starts with '-', which reads as an option. POSIX's
        // "--" ends the options; a refused command line with such an argument says so.
        CommandLine.IParameterExceptionHandler standard = cl.getParameterExceptionHandler();
        cl.setParameterExceptionHandler((ex, args) -> {
            int code = standard.handleParseException(ex, args);
            for (String a : args) {
                if (a.length() >= 20 && a.startsWith("-") && !a.contains("=") // an id, not an option or --name=value
                        && ex.getCommandLine().getCommandSpec().findOption(a) == null) {
                    ex.getCommandLine().getErr().println("gatehouse: an id that starts with '-' goes after '--' (the end of the options), e.g. "
                            + "gatehouse installations show -- " + a);
                    break;
                }
            }
            return code;
        });
        cl.setOut(console.out());
        cl.setErr(console.err());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            if (e instanceof ConfigException) {
                err.println("gatehouse: " + e.getMessage());
                return 2;
            }
            if (e instanceof InvalidInput i) { // what the person typed: one line, every problem, exit 2
                err.println("gatehouse: " + i.summary());
                return 2;
            }
            err.println("gatehouse: " + e);
            return 1;
        });
        return cl;
    }
}
