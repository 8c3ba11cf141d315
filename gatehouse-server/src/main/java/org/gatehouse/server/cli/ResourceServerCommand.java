package org.gatehouse.server.cli;

import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.registration.ResourceServers;
import org.gatehouse.server.domain.ClientRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "resource-server", description = "Resource servers (RFC 8707): the audience URI installations ask tokens for, the scopes it"
        + " serves, and credentials with which it introspects (RFC 7662) and revokes (RFC 7009) the tokens meant for it.",
        subcommands = {ResourceServerCommand.Create.class, ResourceServerCommand.ListAll.class, ResourceServerCommand.Revoke.class})
public final class ResourceServerCommand {

    @Command(name = "create", description = "Create a resource server; prints client_id and client_secret (shown once).")
    static final class Create extends ConsoleCommand {
        @Option(names = "--name", required = true)
        String name;
        @Option(names = "--audience", description = "Absolute URI without a fragment: the resource parameter installations send"
                + " and the aud of their tokens. Without it the credentials introspect every token (no tokens are issued for it).")
        String audience;
        @Option(names = "--scope", description = "Space-separated scopes it serves (default: every scope).")
        String scope;
        @Option(names = "--auth-method", defaultValue = "client_secret_basic")
        String authMethod;

        @Override
        public Integer call() {
            try (Services g = open(config())) {
                ResourceServers.Created c = g.resourceServers().create(name, authMethod, audience, scope, Actor.cli());
                out().println("client_id=" + c.client().clientId());
                out().println("client_secret=" + c.secret());
            }
            return 0;
        }
    }

    @Command(name = "list")
    static final class ListAll extends ConsoleCommand {
        @Override
        public Integer call() {
            try (Services g = open(config())) {
                out().printf("%-20s %-8s %-40s %-30s %s%n", "CLIENT ID", "STATUS", "AUDIENCE", "SCOPE", "NAME");
                for (ResourceServers.Listed l : g.resourceServers().list()) {
                    ClientRecord c = l.client();
                    out().printf("%-20s %-8s %-40s %-30s %s%n", c.clientId(), c.status().code(),
                            l.audience() == null ? "- (sees every token)" : l.audience(),
                            l.audience() == null ? "-" : c.scope().isEmpty() ? "(every scope)" : c.scope(), c.clientName());
                }
            }
            return 0;
        }
    }

    @Command(name = "revoke")
    static final class Revoke extends ConsoleCommand {
        @Parameters(index = "0")
        String clientId;
        @Option(names = "--reason")
        String reason;

        @Override
        public Integer call() {
            try (Services g = open(config())) {
                if (g.resourceServers().revoke(clientId, reason, Actor.cli())) {
                    out().println("revoked " + clientId);
                    return 0;
                }
                err().println("gatehouse: no active resource server " + clientId);
                return 1;
            }
        }
    }
}
