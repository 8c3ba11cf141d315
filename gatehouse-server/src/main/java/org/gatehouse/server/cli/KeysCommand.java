package org.gatehouse.server.cli;

import java.time.Instant;
import java.util.concurrent.Callable;
import org.gatehouse.server.Gatehouse;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.crypto.MasterKey;
import org.gatehouse.server.store.SigningKeyRecord;
import picocli.CommandLine.Command;

@Command(name = "keys", description = "Signing keys.",
        subcommands = {KeysCommand.Rotate.class, KeysCommand.ListKeys.class, KeysCommand.NewMasterKey.class})
public final class KeysCommand {

    @Command(name = "rotate", description = "The published next key starts signing; a new next key is published; the old key stays published until its tokens expire.")
    static final class Rotate implements Callable<Integer> {
        @Override
        public Integer call() {
            try (Gatehouse g = Gatehouse.open(Config.fromEnvironment())) {
                g.keys.ensure(Actor.cli());
                System.out.println(g.keys.rotate(Actor.cli()));
            }
            return 0;
        }
    }

    @Command(name = "list", description = "List signing keys and their state.")
    static final class ListKeys implements Callable<Integer> {
        @Override
        public Integer call() {
            try (Gatehouse g = Gatehouse.open(Config.fromEnvironment())) {
                System.out.printf("%-32s %-6s %-8s %-22s %s%n", "KID", "ALG", "STATE", "CREATED", "PUBLISHED UNTIL");
                for (SigningKeyRecord k : g.keys.list()) {
                    System.out.printf("%-32s %-6s %-8s %-22s %s%n", k.kid(), k.alg(), k.state(), Instant.ofEpochMilli(k.createdAt()),
                            k.publishUntil() == null ? "-" : Instant.ofEpochMilli(k.publishUntil()).toString());
                }
            }
            return 0;
        }
    }

    @Command(name = "master-key", description = "Print a new random master key (for GATEHOUSE_MASTER_KEY on a new deployment).")
    static final class NewMasterKey implements Callable<Integer> {
        @Override
        public Integer call() {
            System.out.println(MasterKey.generateText());
            return 0;
        }
    }
}
