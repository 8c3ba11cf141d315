package org.gatehouse.server.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.config.Durations;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.iat.TokenFile;
import org.gatehouse.server.domain.IatRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "iat", description = "Initial access tokens: the right to register installations, shipped as a token file.",
        subcommands = {IatCommand.Create.class, IatCommand.ListTokens.class, IatCommand.Update.class, IatCommand.Revoke.class})
public final class IatCommand {

    @Command(name = "create", description = "Create a token and write its token file; prints the token's id.")
    static final class Create extends ConsoleCommand {
        @Option(names = "--label", required = true, description = "What the token is for, e.g. \"Library PCs, 2nd floor\".")
        String label;
        @Option(names = "--max-registrations", defaultValue = "1", description = "How many installations may register (default ${DEFAULT-VALUE}).")
        int maxRegistrations;
        @Option(names = "--expires-in", description = "Lifetime, e.g. 30d, 12h (default 30d).")
        String expiresIn;
        @Option(names = "--expires-at", description = "Expiry as an ISO-8601 instant, e.g. 2027-01-31T00:00:00Z.")
        String expiresAt;
        @Option(names = "--scope", description = "Space-separated scopes the installations may get (default: all known scopes).")
        String scope;
        @Option(names = "--software-id", description = "Allowed software_id (repeatable; default: any).")
        List<String> softwareIds;
        @Option(names = "--client-cidr", description = "Allowed client address range for registration and token requests,"
                + " e.g. 192.0.2.0/24 or 2001:db8::/32 (repeatable; default: any).")
        List<String> clientCidrs;
        @Option(names = "--reregistration", defaultValue = "replace",
                description = "When an installation registers again: replace (new credentials, old revoked), reject, or allow (several). Default ${DEFAULT-VALUE}.")
        String reregistration;
        @Option(names = "--require-statement-from", paramLabel = "PUBLISHER",
                description = "Admit only registrations with a software statement (RFC 7591 §2.3) signed by this publisher"
                        + " (repeatable: any of them); --software-id then limits the signed software_id.")
        List<String> requireStatementFrom;
        @Option(names = "--resource", paramLabel = "URI", description = "Resource (a resource server's audience, RFC 8707) the"
                + " installations may ask tokens for (repeatable; default: any).")
        List<String> resources;
        @Option(names = "--require-key-bound", description = "Admit only key-bound installations (private_key_jwt with a key"
                + " generated on the machine, RFC 7523); the token file tells installers so.")
        boolean requireKeyBound;
        @Option(names = "--require-dpop", description = "Admit only installations whose access tokens are DPoP-bound (RFC 9449).")
        boolean requireDpop;
        @Option(names = "--output", required = true, description = "Token file to write (owner-readable only).")
        Path output;

        @Override
        public Integer call() throws Exception {
            Config config = config();
            try (Services g = open(config)) {
                Duration lifetime = lifetime(g.clock());
                IatService.Created created = g.iats().create(new IatService.Spec(label, maxRegistrations, lifetime, scope,
                        softwareIds, clientCidrs, reregistration, null).keyBound(requireKeyBound, requireDpop), Actor.cli(), IatService.Extra.all(g.statements().requirement(requireStatementFrom),
                        g.resourceServers().limitTokenTo(resources)));
                TokenFile.write(output, TokenFile.content(created, config.issuer));
                out().println(created.record().id());
                err().println("token file written to " + output + " (it holds a secret: ship it only to the machines it is for)");
            }
            return 0;
        }

        private Duration lifetime(java.time.Clock clock) {
            if (expiresIn != null && expiresAt != null) throw InvalidInput.of("--expires-in", "give --expires-in or --expires-at, not both");
            if (expiresAt != null) {
                try {
                    Duration d = Duration.between(clock.instant(), Instant.parse(expiresAt));
                    if (d.isNegative() || d.isZero()) throw InvalidInput.of("--expires-at", "--expires-at " + expiresAt + " is in the past");
                    return d;
                } catch (DateTimeParseException e) {
                    throw InvalidInput.of("--expires-at", "--expires-at must be an ISO-8601 instant such as 2027-01-31T00:00:00Z");
                }
            }
            String text = expiresIn == null ? "30d" : expiresIn;
            if (text.trim().startsWith("-")) throw InvalidInput.of("--expires-in", "--expires-in must be in the future");
            return Durations.parseOption("--expires-in", text);
        }
    }

    @Command(name = "list", description = "List tokens with their use and status.")
    static final class ListTokens extends ConsoleCommand {
        @Override
        public Integer call() {
            try (Services g = open(config())) {
                List<IatRecord> all = g.iats().list();
                long now = g.clock().millis();
                out().printf("%-18s %-9s %-13s %-22s %-30s %s%n", "ID", "STATUS", "USED/MAX", "EXPIRES", "SCOPE", "LABEL");
                for (IatRecord r : all) {
                    out().printf("%-18s %-9s %-13s %-22s %-30s %s%n", r.id(), r.status(now).code(),
                            r.registrations() + "/" + r.maxRegistrations(), Instant.ofEpochMilli(r.expiresAt()).toString().substring(0, 19) + "Z",
                            r.scope(), r.label());
                }
            }
            return 0;
        }
    }

    @Command(name = "update", description = "Change a token's scope: its installations get at most the new scope from their next token on.")
    static final class Update extends ConsoleCommand {
        @Parameters(index = "0", description = "Token id (iat_…).")
        String id;
        @Option(names = "--scope", required = true)
        String scope;

        @Override
        public Integer call() {
            try (Services g = open(config())) {
                if (g.iats().updateScope(id, scope, Actor.cli())) {
                    out().println("updated " + id);
                    return 0;
                }
                err().println("gatehouse: no token with id " + id);
                return 1;
            }
        }
    }

    @Command(name = "revoke", description = "Revoke a token: no further registrations with it. Installations it admitted keep working.")
    static final class Revoke extends ConsoleCommand {
        @Parameters(index = "0", description = "Token id (iat_…).")
        String id;
        @Option(names = "--reason", description = "Why, for the audit log.")
        String reason;
        @Option(names = "--cascade", description = "Also revoke every installation the token admitted, with all their credentials.")
        boolean cascade;

        @Override
        public Integer call() {
            try (Services g = open(config())) {
                if (g.iats().revoke(id, reason, cascade, Actor.cli())) {
                    out().println("revoked " + id + (cascade ? " and the installations it admitted" : ""));
                    return 0;
                }
                if (cascade && g.iats().get(id).isPresent()) { // already revoked: the service revoked what it admitted
                    out().println(id + " was already revoked; the installations it admitted are revoked now");
                    return 0;
                }
                err().println("gatehouse: no active token with id " + id);
                return 1;
            }
        }
    }
}
