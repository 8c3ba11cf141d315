package org.gatehouse.server.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.json.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "audit", description = "The audit log.", subcommands = {AuditCommand.Export.class})
public final class AuditCommand {
    @Command(name = "export", description = "Print audit events as JSON lines, oldest first (works while a server runs on the"
            + " same database, the embedded one included).")
    static final class Export extends ConsoleCommand {
        @Option(names = "--since", paramLabel = "TIME", description = "First instant (inclusive), e.g. 2026-12-01T00:00:00Z (default: the beginning).")
        String since;

        @Option(names = "--until", paramLabel = "TIME", description = "Last instant (exclusive), e.g. 2026-12-02T00:00:00Z (default: now).")
        String until;

        @Override
        public Integer call() {
            Instant from = instant("--since", since, Instant.EPOCH);
            Instant untilGiven = instant("--until", until, null);
            if (since != null && untilGiven != null && !from.isBefore(untilGiven)) {
                throw InvalidInput.of("--since", "--since must be before --until");
            }
            PrintWriter out = out();
            try (Services g = open(config())) {
                Instant to = untilGiven != null ? untilGiven : g.clock().instant(); // default: now, by the injected clock
                // write, not println: no flush per line (the writer flushes once, at the end)
                g.auditExport().export(from, to, event -> out.write(Json.write(event) + "\n"));
            }
            out.flush();
            if (out.checkError()) throw new UncheckedIOException(new IOException("standard output could not be written"));
            return 0;
        }

        private static Instant instant(String option, String text, Instant dflt) {
            if (text == null) return dflt;
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException e) {
                throw InvalidInput.of(option, option + " must be an ISO 8601 instant such as 2026-12-01T00:00:00Z");
            }
        }
    }
}
