package org.gatehouse.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code gatehouse-bench}: load (Gatehouse or a peer), preload, chart, storage. JMH benchmarks run through {@code org.openjdk.jmh.Main}. */
@Command(name = "gatehouse-bench", mixinStandardHelpOptions = true,
        subcommands = {LoadCommand.class, PreloadCommand.class, ChartCommand.class, SignCommand.class, StorageCommand.class},
        description = "Benchmarks for Gatehouse: a load generator (also for a peer), a preloader for large databases, an SVG chart of the results, signing costs, a storage report.")
public final class Bench {
    public static void main(String[] args) {
        System.exit(new CommandLine(new Bench()).execute(args));
    }
}
