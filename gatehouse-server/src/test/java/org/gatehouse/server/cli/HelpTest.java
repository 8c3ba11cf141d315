package org.gatehouse.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.gatehouse.server.Main;
import org.gatehouse.server.testing.Cli;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command and command group answers {@code --help}: usage on standard output, exit 0 (in-process, no database). */
class HelpTest {
    /** Every command path under {@code gatehouse}, the root included, hidden ones too. */
    private static List<List<String>> tree() {
        CommandLine root = Main.commandLine(new Console(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), Map.of(), false));
        List<List<String>> paths = new ArrayList<>();
        walk(root, new ArrayList<>(), paths);
        return paths;
    }

    private static void walk(CommandLine cl, List<String> path, List<List<String>> paths) {
        paths.add(List.copyOf(path));
        cl.getSubcommands().forEach((name, sub) -> {
            if (!name.equals(sub.getCommandName())) return; // an alias: the same command
            List<String> next = new ArrayList<>(path);
            next.add(name);
            walk(sub, next, paths);
        });
    }

    @Test
    void everyCommandAndGroupAnswersHelp() {
        List<List<String>> paths = tree();
        assertThat(paths).hasSizeGreaterThan(30).contains(List.of("keys"), List.of("keys", "rotate"), List.of("installations", "cleanup"));
        for (List<String> path : paths) {
            for (String help : new String[] {"--help", "-h"}) {
                List<String> args = new ArrayList<>(path);
                args.add(help);
                Cli.Result r = Cli.run(Map.of(), args.toArray(String[]::new));
                String what = "gatehouse " + String.join(" ", args);
                assertThat(r.exit()).as(what + ": " + r.err()).isZero();
                assertThat(r.err()).as(what).isEmpty();
                assertThat(r.out()).as(what).startsWith("Usage: gatehouse" + (path.isEmpty() ? "" : " " + String.join(" ", path)))
                        .contains("-h, --help");
                if (!path.isEmpty()) {
                    // a subcommand's own description, not the root's (INHERIT copies the root's to one without)
                    assertThat(r.out()).as(what).doesNotContain("gives every installation of an application its own client credentials");
                }
            }
        }
    }

    @Test
    void aGroupWithoutASubcommandSaysWhatIsMissing() {
        Cli.Result r = Cli.run(Map.of(), "keys");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("Missing required subcommand").contains("rotate");
    }
}
