package org.gatehouse.server.cli;

import java.time.Instant;
import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.crypto.MasterKey;
import org.gatehouse.server.domain.SigningKeyRecord;
import org.gatehouse.server.keys.SigningKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "keys", description = "Signing keys.",
        subcommands = {KeysCommand.Rotate.class, KeysCommand.ListKeys.class, KeysCommand.Algorithm.class, KeysCommand.NewMasterKey.class})
public final class KeysCommand {

    @Command(name = "rotate", description = "The published next key starts signing; a new next key is published; the old key stays published until its tokens expire.")
    static final class Rotate extends ConsoleCommand {
        @Override
        public Integer call() {
            try (Services g = open(config())) {
                g.keys().ensure(Actor.cli());
                out().println(g.keys().rotate(Actor.cli()));
            } catch (SigningKeys.NotPublishedLongEnough e) {
                err().println("gatehouse: " + e.getMessage());
                return 2;
            }
            return 0;
        }
    }

    @Command(name = "algorithm", description = "Change the signing algorithm of every node on this database: a key of the new"
            + " algorithm is published now and starts signing once resource servers' cached JWK Sets hold it (GATEHOUSE_KEY_PUBLISH_DELAY).")
    static final class Algorithm extends ConsoleCommand {
        @Parameters(index = "0", paramLabel = "ALG", description = "ES256, EdDSA or RS256")
        String alg;

        @Override
        public Integer call() {
            String wanted = Config.SIGNING_ALGS.stream().filter(a -> a.equalsIgnoreCase(alg)).findFirst()
                    .orElseThrow(() -> InvalidInput.of("ALG", "ALG must be one of " + String.join(", ", Config.SIGNING_ALGS)));
            try (Services g = open(config())) {
                SigningKeys.AlgorithmChange c = g.keys().changeAlgorithm(wanted, Actor.cli());
                out().println("the cluster's signing algorithm is now " + c.to() + " (was " + c.from() + "): key " + c.nextKid()
                        + " is published and signs from " + c.signsFrom() + " on every node");
                out().println("set GATEHOUSE_SIGNING_ALG=" + c.to() + " (or leave it unset) on every node before its next start");
            }
            return 0;
        }
    }

    @Command(name = "list", description = "List signing keys and their state.")
    static final class ListKeys extends ConsoleCommand {
        @Override
        public Integer call() {
            try (Services g = open(config())) {
                out().printf("%-32s %-6s %-8s %-22s %s%n", "KID", "ALG", "STATE", "CREATED", "PUBLISHED UNTIL");
                for (SigningKeyRecord k : g.keys().list()) {
                    out().printf("%-32s %-6s %-8s %-22s %s%n", k.kid(), k.alg(), k.state().code(), Instant.ofEpochMilli(k.createdAt()),
                            k.publishUntil() == null ? "-" : Instant.ofEpochMilli(k.publishUntil()).toString());
                }
            }
            return 0;
        }
    }

    @Command(name = "master-key", description = "Print a new random master key (for GATEHOUSE_MASTER_KEY on a new deployment).")
    static final class NewMasterKey extends ConsoleCommand {
        @Override
        public Integer call() {
            out().println(MasterKey.generateText());
            return 0;
        }
    }
}
