package org.gatehouse.server.cli;

import org.gatehouse.server.domain.InstallationFilter;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.installations.InstallationService;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.domain.ClientRecord;
import org.gatehouse.server.domain.InstallationRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "installations", description = "Installations: each machine's app, apart from the credentials it held.",
        subcommands = {InstallationsCommand.ListAll.class, InstallationsCommand.Show.class, InstallationsCommand.Revoke.class, InstallationsCommand.Restore.class,
                InstallationsCommand.Cleanup.class})
public final class InstallationsCommand {

    static Map<String, Object> json(InstallationRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("installation_id", r.installationId());
        m.put("status", r.status().code());
        m.put("flagged", r.flagged());
        if (r.flagReason() != null) m.put("flag_reason", r.flagReason());
        m.put("owner", r.ownerAccount());
        m.put("first_token", r.firstIatId());
        m.put("last_token", r.lastIatId());
        m.put("software_id", r.softwareId());
        m.put("software_version", r.softwareVersion());
        m.put("client_name", r.clientName());
        m.put("registrations", r.registrations());
        m.put("active_credentials", r.activeClients());
        m.put("created_at", time(r.createdAt()));
        m.put("last_registered_at", time(r.lastRegisteredAt()));
        m.put("last_seen_at", r.lastSeenAt() == null ? null : time(r.lastSeenAt()));
        m.put("token_count", r.tokenCount());
        if (r.staleAt() != null) m.put("stale_at", time(r.staleAt()));
        if (r.revokedAt() != null) {
            m.put("revoked_at", time(r.revokedAt()));
            m.put("revoked_by", r.revokedBy());
            m.put("revoked_reason", r.revokedReason());
        }
        return m;
    }

    private static String time(long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }

    @Command(name = "list", description = "List installations, newest first.")
    static final class ListAll extends ConsoleCommand {
        @Option(names = "--token", description = "Only those admitted by this token (iat_…).")
        String token;
        @Option(names = "--status", description = "active or revoked.")
        String status;
        @Option(names = "--stale", description = "Only stale ones.")
        boolean stale;
        @Option(names = "--flagged", description = "Only those flagged as possible cloned images.")
        boolean flagged;
        @Option(names = "--limit", defaultValue = "100", description = "Page size (default ${DEFAULT-VALUE}, at most 10000).")
        int limit;
        @Option(names = "--after", description = "Cursor: the id of the last row of the previous page.")
        String after;
        @Option(names = "--json", description = "One JSON object per line.")
        boolean json;

        @Override
        public Integer call() {
            InstallationFilter.Status only = status == null ? null : InstallationFilter.Status.parse(status)
                    .orElseThrow(() -> InvalidInput.of("--status", "--status must be active or revoked"));
            try (Services g = open(config())) {
                List<InstallationRecord> rows = g.installations().list(new InstallationFilter(token, only,
                        stale ? Boolean.TRUE : null, flagged ? Boolean.TRUE : null, null), limit, after);
                if (json) {
                    rows.forEach(r -> out().println(Json.write(json(r))));
                    return 0;
                }
                out().printf("%-22s %-8s %-7s %-20s %-12s %-21s %8s  %s%n", "ID", "STATUS", "FLAG", "SOFTWARE", "VERSION",
                        "LAST SEEN", "TOKENS", "INSTALLATION ID");
                for (InstallationRecord r : rows) {
                    out().printf("%-22s %-8s %-7s %-20s %-12s %-21s %8d  %s%n", r.id(), r.status().code(), r.flagged() ? "CLONE?" : "",
                            cut(r.softwareId(), 20), cut(r.softwareVersion(), 12),
                            r.lastSeenAt() == null ? "never" : time(r.lastSeenAt()).substring(0, 19) + "Z", r.tokenCount(),
                            r.installationId() == null ? "-" : r.installationId());
                }
                if (rows.size() == limit) out().println("(more: --after " + rows.get(rows.size() - 1).id() + ")");
            }
            return 0;
        }
    }

    private static String cut(String s, int n) {
        if (s == null) return "-";
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }

    @Command(name = "show", description = "One installation with its credentials (by inst_… or by installation id).")
    static final class Show extends ConsoleCommand {
        @Parameters(index = "0")
        String id;
        @Option(names = "--json")
        boolean json;

        @Override
        public Integer call() {
            try (Services g = open(config())) {
                List<InstallationService.Details> found = g.installations().details(id);
                if (found.isEmpty()) {
                    err().println("gatehouse: no installation " + id);
                    return 1;
                }
                for (InstallationService.Details d : found) {
                    if (json) {
                        out().println(Json.write(showJson(d)));
                    } else {
                        print(d);
                    }
                }
            }
            return 0;
        }

        /** The list's fields with names beside the ids, and nothing that is null (no value is left out). */
        private static Map<String, Object> showJson(InstallationService.Details d) {
            Map<String, Object> m = json(d.installation());
            m.put("owner_name", d.owner());
            if (d.firstTokenLabel() != null) m.put("first_token_label", d.firstTokenLabel());
            if (d.lastTokenLabel() != null) m.put("last_token_label", d.lastTokenLabel());
            List<Map<String, Object>> creds = new ArrayList<>();
            for (ClientRecord c : d.credentials()) {
                Map<String, Object> cm = new LinkedHashMap<>();
                cm.put("client_id", c.clientId());
                cm.put("status", c.status().code());
                cm.put("token", c.iatId());
                if (c.iatId() != null) cm.put("token_label", d.tokenLabels().get(c.iatId()));
                cm.put("created_at", time(c.createdAt()));
                creds.add(cm);
            }
            m.put("credentials", creds);
            m.values().removeIf(java.util.Objects::isNull);
            return m;
        }

        /** For people: names first (owner e-mail, token labels), ids in brackets, "-" or "never" for what is unknown. */
        private void print(InstallationService.Details d) {
            InstallationRecord r = d.installation();
            Map<String, String> m = new LinkedHashMap<>();
            m.put("installation", r.id());
            m.put("installation id", r.installationId());
            m.put("status", r.status().code() + (r.flagged() ? ", flagged: " + r.flagReason() : ""));
            m.put("owner", d.owner());
            m.put("first token", named(d.firstTokenLabel(), r.firstIatId()));
            m.put("last token", named(d.lastTokenLabel(), r.lastIatId()));
            m.put("client name", r.clientName());
            m.put("software", r.softwareId() == null ? null : r.softwareId() + (r.softwareVersion() == null ? "" : " " + r.softwareVersion()));
            m.put("registrations", Integer.toString(r.registrations()));
            m.put("created", time(r.createdAt()));
            m.put("last registered", time(r.lastRegisteredAt()));
            m.put("last seen", r.lastSeenAt() == null ? "never" : time(r.lastSeenAt()));
            m.put("tokens issued", Long.toString(r.tokenCount()));
            if (r.staleAt() != null) m.put("stale since", time(r.staleAt()));
            if (r.revokedAt() != null) {
                m.put("revoked", time(r.revokedAt()) + " by " + r.revokedBy() + (r.revokedReason() == null ? "" : ": " + r.revokedReason()));
            }
            m.forEach((k, v) -> out().printf("%-17s %s%n", k, v == null ? "-" : v));
            out().println("credentials:");
            for (ClientRecord c : d.credentials()) {
                out().printf("  %-24s %-8s %s  from %s%n", c.clientId(), c.status().code(), time(c.createdAt()),
                        c.iatId() == null ? "-" : named(d.tokenLabels().get(c.iatId()), c.iatId()));
            }
        }

        private static String named(String label, String id) {
            if (id == null) return null;
            return label == null || label.equals(id) ? id : "\"" + label + "\" (" + id + ")";
        }
    }

    @Command(name = "restore", description = "Restore a revoked installation: it may enrol again with a valid token file;"
            + " its old credentials stay revoked.")
    static final class Restore extends ConsoleCommand {
        @Parameters(index = "0", description = "inst_… id.")
        String id;

        @Override
        public Integer call() {
            try (Services g = open(config())) {
                if (g.installations().restoreAsOperator(id, Actor.cli())) {
                    out().println("restored " + id + ": it may enrol again (gatehouse-enrol enrol --token-file FILE)");
                    return 0;
                }
                err().println("gatehouse: no revoked installation " + id);
                return 1;
            }
        }
    }

    @Command(name = "revoke", description = "Revoke an installation and all its credentials at once.")
    static final class Revoke extends ConsoleCommand {
        @Parameters(index = "0", description = "inst_… id.")
        String id;
        @Option(names = "--reason")
        String reason;

        @Override
        public Integer call() {
            try (Services g = open(config())) {
                if (g.installations().revoke(id, reason, Actor.cli())) {
                    out().println("revoked " + id);
                    return 0;
                }
                err().println("gatehouse: no active installation " + id);
                return 1;
            }
        }
    }

    @Command(name = "cleanup", description = "Mark installations unused for GATEHOUSE_STALE_AFTER as stale and, if"
            + " GATEHOUSE_STALE_REVOKE_AFTER is set, revoke those stale for that long.")
    static final class Cleanup extends ConsoleCommand {
        @Option(names = "--dry-run", description = "Only show what would happen.")
        boolean dryRun;
        @Option(names = "--json")
        boolean json;

        @Override
        public Integer call() {
            try (Services g = open(config())) {
                boolean tty = console().tty();
                InstallationService.CleanupReport r = g.installations().cleanup(dryRun, Actor.cli(), p -> {
                    if (!json) {
                        err().print((tty ? "\r" : "") + "scanned " + p.scanned() + ", stale " + p.markedStale()
                                + ", revoked " + p.revoked() + (tty ? "" : "\n"));
                        err().flush(); // print does not flush: the progress line shows now
                    }
                });
                if (!json && tty) err().println();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("dry_run", dryRun);
                m.put("scanned", r.scanned());
                m.put(dryRun ? "would_mark_stale" : "marked_stale", r.markedStale());
                m.put(dryRun ? "would_revoke" : "revoked", r.revoked());
                if (json) {
                    out().println(Json.write(m));
                } else {
                    out().println((dryRun ? "dry run: " : "") + "scanned " + r.scanned() + " installations; "
                            + (dryRun ? "would mark " : "marked ") + r.markedStale() + " stale; "
                            + (dryRun ? "would revoke " : "revoked ") + r.revoked());
                }
            }
            return 0;
        }
    }
}
