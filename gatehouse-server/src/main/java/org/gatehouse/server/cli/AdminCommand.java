package org.gatehouse.server.cli;

import java.time.Instant;
import org.gatehouse.server.accounts.AccountService;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.domain.AccountRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "admin", description = "Portal accounts: set up admins from the command line (works while the server runs).",
        subcommands = {AdminCommand.Create.class, AdminCommand.SetupLink.class, AdminCommand.ListAccounts.class})
public final class AdminCommand {

    @Command(name = "create", description = "Print a one-time setup link for a new admin (valid 24 hours).")
    static final class Create extends ConsoleCommand {
        @Option(names = "--email", required = true, description = "The new admin's e-mail address (they sign in with it).")
        String email;

        @Override
        public Integer call() {
            try (Services g = open(config())) {
                AccountService.NewLink link = g.accounts().adminLink(email, Actor.cli());
                out().println(link.url());
                err().println("one-time setup link for admin " + AccountService.email(email) + ", valid until "
                        + Instant.ofEpochMilli(link.expiresAt()) + ": open it in a browser to set a password and a second factor");
            }
            return 0;
        }
    }

    @Command(name = "setup-link", description = "While no portal account exists: end the first admin's pending one-time setup"
            + " link (the one `serve` printed once) and print a new one, valid 24 hours.")
    static final class SetupLink extends ConsoleCommand {
        @Override
        public Integer call() {
            try (Services g = open(config())) {
                AccountService.NewLink link = g.accounts().replaceFirstAdminLink(Actor.cliOnHost(), "standard output of gatehouse admin setup-link");
                out().println(link.url());
                err().println("one-time setup link for the first admin, valid until " + Instant.ofEpochMilli(link.expiresAt())
                        + "; any earlier one no longer works: open it in a browser to set an address, a password and a second factor");
            }
            return 0;
        }
    }

    @Command(name = "list", description = "List portal accounts.")
    static final class ListAccounts extends ConsoleCommand {
        @Override
        public Integer call() {
            try (Services g = open(config())) {
                out().printf("%-16s %-7s %-9s %s%n", "ID", "ROLE", "STATUS", "EMAIL");
                for (AccountRecord a : g.accounts().list()) {
                    out().printf("%-16s %-7s %-9s %s%n", a.id(), a.role().code(), a.status().code(), a.email());
                }
            }
            return 0;
        }
    }
}
