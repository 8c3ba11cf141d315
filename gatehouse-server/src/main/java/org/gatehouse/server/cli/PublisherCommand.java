package org.gatehouse.server.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.config.Durations;
import org.gatehouse.server.domain.PublisherRecord;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "publisher", description = "Software publishers whose signed software statements (RFC 7591 §2.3) registration accepts.",
        subcommands = {PublisherCommand.Add.class, PublisherCommand.ListAll.class, PublisherCommand.Remove.class})
public final class PublisherCommand {

    static final class KeySource {
        @Option(names = "--jwks-file", paramLabel = "FILE", description = "The publisher's public JWKS (e.g. K.jwks.json from 'statement keygen').")
        Path file;
        @Option(names = "--jwks-json", paramLabel = "JSON", description = "The publisher's public JWKS, inline.")
        String json;
        @Option(names = "--jwks-url", paramLabel = "URL", description = "Where the publisher publishes its JWKS (https); fetched now and cached.")
        String url;
    }

    @Command(name = "add", description = "Add a publisher; prints its id.")
    static final class Add extends ConsoleCommand {
        @Option(names = "--name", required = true, description = "The iss of the publisher's statements, e.g. org.example or https://example.org.")
        String name;
        @ArgGroup(exclusive = true, multiplicity = "1")
        KeySource keys;
        @Option(names = "--max-age", description = "Refuse statements issued longer ago than this, e.g. 400d (default: any age).")
        String maxAge;

        @Override
        public Integer call() throws Exception {
            String json = keys.json;
            if (keys.file != null) {
                if (Files.size(keys.file) > 100_000) throw InvalidInput.of("--jwks-file", keys.file + " is too large to be a JWKS");
                json = Files.readString(keys.file, StandardCharsets.UTF_8);
            }
            Duration age = maxAge == null ? null : Durations.parseOption("--max-age", maxAge);
            try (Services g = open(config())) {
                PublisherRecord p = g.publishers().add(name, json, keys.url, age, Actor.cli());
                out().println(p.id());
                err().println("publisher " + name + " added with keys " + String.join(", ", g.publishers().kids(p)));
            }
            return 0;
        }
    }

    @Command(name = "list", description = "List publishers and where their keys come from.")
    static final class ListAll extends ConsoleCommand {
        @Override
        public Integer call() {
            try (Services g = open(config())) {
                out().printf("%-18s %-30s %-10s %-22s %s%n", "ID", "NAME", "MAX AGE", "ADDED", "KEYS");
                for (PublisherRecord p : g.publishers().list()) {
                    out().printf("%-18s %-30s %-10s %-22s %s%n", p.id(), p.name(),
                            p.maxAgeSeconds() == null ? "-" : Durations.format(Duration.ofSeconds(p.maxAgeSeconds())),
                            Instant.ofEpochMilli(p.createdAt()).toString().substring(0, 19) + "Z",
                            p.jwksUrl() != null ? p.jwksUrl() : "inline JWKS");
                }
            }
            return 0;
        }
    }

    @Command(name = "remove", description = "Remove a publisher: its statements are refused from now on.")
    static final class Remove extends ConsoleCommand {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            try (Services g = open(config())) {
                int requiring = g.publishers().remove(name, Actor.cli());
                if (requiring < 0) {
                    err().println("gatehouse: no publisher named " + name);
                    return 1;
                }
                out().println("removed " + name);
                if (requiring > 0) {
                    err().println("warning: " + requiring + " active token(s) require statements from " + name
                            + "; they admit no registration unless they also accept another publisher");
                }
                return 0;
            }
        }
    }
}
