package org.gatehouse.server.cli;

import java.time.Instant;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.crypto.MasterKey;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.store.SchemaStatus;
import picocli.CommandLine.Command;

@Command(name = "db", description = "Database tasks.", subcommands = {DbCommand.Migrate.class, DbCommand.Status.class})
public final class DbCommand {
    @Command(name = "migrate", description = "Apply pending schema migrations and exit (`serve` also migrates on start unless"
            + " GATEHOUSE_DB_MIGRATE=false; no other command changes the schema).")
    static final class Migrate extends ConsoleCommand {
        @Override
        public Integer call() {
            try (Services g = open(config(), Database.SchemaPolicy.MIGRATE)) {
                out().println("database is up to date (schema version " + g.schemaStatus().current() + ")");
            }
            return 0;
        }
    }

    @Command(name = "status", description = "Show the applied and pending schema migrations; changes nothing."
            + " Exit 0, or 2 when the schema is newer than this Gatehouse knows.")
    static final class Status extends ConsoleCommand {
        @Override
        public Integer call() {
            Config config = config();
            if (config.dbUrl.isEmpty() && !Database.embeddedDefaultExists(config)) {
                out().println("no embedded database under " + config.dataDir + " yet: `gatehouse serve` or `gatehouse db migrate` creates it");
                return 0;
            }
            SchemaStatus s;
            try (Database db = Database.open(config, MasterKey.load(config.masterKey, config.dataDir), Database.SchemaPolicy.INSPECT)) {
                s = db.schemaStatus();
            }
            out().printf("%-8s %-10s %-24s %s%n", "VERSION", "STATE", "APPLIED", "DESCRIPTION");
            for (SchemaStatus.Migration m : s.applied()) print(m);
            for (SchemaStatus.Migration m : s.pending()) print(m);
            if (s.newer()) {
                out().println("schema version " + s.current() + " is newer than this Gatehouse knows (" + s.latestKnown()
                        + "): this release refuses to run on it");
                return 2;
            }
            out().println(s.pending().isEmpty() ? "up to date (schema version " + s.current() + ")"
                    : s.pending().size() + " pending migration(s): apply them with `gatehouse db migrate`");
            return 0;
        }

        private void print(SchemaStatus.Migration m) {
            out().printf("%-8s %-10s %-24s %s%n", m.version(), m.state(),
                    m.installedAtMillis() == null ? "-" : Instant.ofEpochMilli(m.installedAtMillis()).toString(), m.description());
        }
    }
}
