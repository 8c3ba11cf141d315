package org.gatehouse.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code gatehouse-bench}: load, preload, chart. JMH benchmarks run through {@code org.openjdk.jmh.Main}. */
@Command(name = "gatehouse-bench", mixinStandardHelpOptions = true,
        subcommands = {LoadCommand.class, PreloadCommand.class, ChartCommand.class, StorageCommand.class},
        description = "Benchmarks for Gatehouse: a load generator, a preloader for large databases, an SVG chart of the results.")
public final class Bench {
    public static void main(String[] args) {
        System.exit(new CommandLine(new Bench()).execute(args));
    }
}
