package org.gatehouse.server.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.store.Database;
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

    /** The services, for a command that reads or changes state; the schema must be this release's. */
    final Services open(Config config) {
        return open(config, Database.SchemaPolicy.REQUIRE_CURRENT);
    }

    final Services open(Config config, Database.SchemaPolicy schema) {
        return ((Console.Holder) spec.root().userObject()).open(config, schema);
    }
}
