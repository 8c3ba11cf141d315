package org.gatehouse.server.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.gatehouse.server.config.Config;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that writes to, and reads its configuration from, the {@link Console} of the command line it runs in. */
abstract class ConsoleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    final Console console() {
        return ((Console.Holder) spec.root().userObject()).console();
    }

    final PrintWriter out() {
        return console().out();
    }

    final PrintWriter err() {
        return console().err();
    }

    final Config config() {
        return console().config();
    }
}
