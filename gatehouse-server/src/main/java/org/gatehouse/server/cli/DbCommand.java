package org.gatehouse.server.cli;

import java.util.concurrent.Callable;
import org.gatehouse.server.Gatehouse;
import org.gatehouse.server.config.Config;
import picocli.CommandLine.Command;

@Command(name = "db", description = "Database tasks.", subcommands = {DbCommand.Migrate.class})
public final class DbCommand {
    @Command(name = "migrate", description = "Apply pending schema migrations and exit (the server also migrates on start).")
    static final class Migrate implements Callable<Integer> {
        @Override
        public Integer call() {
            try (Gatehouse g = Gatehouse.open(Config.fromEnvironment())) {
                System.out.println("database is up to date");
            }
            return 0;
        }
    }
}
