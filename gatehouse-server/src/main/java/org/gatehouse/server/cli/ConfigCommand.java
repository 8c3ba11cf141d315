package org.gatehouse.server.cli;

import java.util.List;
import org.gatehouse.server.ops.ConfigCheck;
import picocli.CommandLine.Command;

@Command(name = "config", description = "Configuration tasks.", subcommands = {ConfigCommand.Check.class})
public final class ConfigCommand {
    @Command(name = "check", description = "Check the configuration as `serve` would (settings, TLS files, master key, database"
            + " and schema) without migrating, writing or starting anything. Exit 0 when it would start, 2 when not.")
    static final class Check extends ConsoleCommand {
        @Override
        public Integer call() {
            List<ConfigCheck.Finding> findings = ConfigCheck.run(console().env());
            boolean ok = true;
            for (ConfigCheck.Finding f : findings) {
                out().println((f.ok() ? "ok    " : "ERROR ") + f.line());
                ok &= f.ok();
            }
            out().println(ok ? "configuration ok" : "configuration has errors: `serve` would not start");
            return ok ? 0 : 2;
        }
    }
}
