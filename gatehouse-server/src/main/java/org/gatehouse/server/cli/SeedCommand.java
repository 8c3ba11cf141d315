package org.gatehouse.server.cli;

import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.crypto.Secrets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Capacity testing: fills a database with synthetic installations (never use on a production database). */
@Command(name = "seed-installations", hidden = true,
        description = "Insert N synthetic installations admitted by a token, for capacity tests only.")
public final class SeedCommand extends ConsoleCommand {
    @Option(names = "--count", required = true)
    int count;
    @Option(names = "--token", required = true, description = "iat_… id the installations are admitted by.")
    String token;

    @Override
    public Integer call() {
        if (count <= 0 || count > 50_000_000) throw InvalidInput.of("--count", "--count must be from 1 to 50000000");
        try (Services g = open(config())) {
            if (g.iats().get(token).isEmpty()) throw InvalidInput.of("--token", "no token " + token);
            long start = System.nanoTime();
            String prefix = "inst_s" + Secrets.randomId(3).replace('-', 'x').replace('_', 'y');
            int n = g.installations().seedSynthetic(prefix, count, token);
            out().printf("inserted %d installations in %.1f s%n", n, (System.nanoTime() - start) / 1e9);
        }
        return 0;
    }
}
