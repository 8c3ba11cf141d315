package org.gatehouse.server.portal;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** What the templates (src/main/jte) are given: the page frame, notices, and small formatting rules. */
public final class View {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);
    private static final char SEP = '\u001f';

    private View() {
    }

    /** The frame of every page: title, who is signed in (null: nobody), the nav entry to mark, a notice. */
    public record Frame(String title, String email, boolean admin, String csrf, String current, Notice notice) {
        public boolean signedIn() {
            return email != null;
        }

        public List<Link> links() {
            return List.of(new Link("/", "Dashboard"), new Link("/tokens", "My tokens"), new Link("/api-tokens", "API tokens"),
                    new Link("/account/keys", "Security keys"));
        }

        public List<Link> adminLinks() {
            return List.of(new Link("/admin/accounts", "Accounts"), new Link("/admin/tokens", "All tokens"),
                    new Link("/admin/installations", "Installations"), new Link("/admin/audit", "Audit log"),
                    new Link("/admin/keys", "Signing keys"), new Link("/admin/resource-servers", "Resource servers"));
        }
    }

    public record Link(String href, String text) {
    }

    /**
     * A notice shown once after an action (POST-redirect-GET): a sentence, and optionally a one-time
     * secret (its element id, e.g. "token-value", lets tests and people find it).
     */
    public record Notice(String text, String secretId, String secret) {
        /** Recovery codes are laid out by their own page; every other secret by the notice itself. */
        public boolean shownByLayout() {
            return !"recovery-codes".equals(secretId);
        }

        public static Notice of(String text) {
            return new Notice(text, null, null);
        }

        /** The flash form kept with the session (Sessions.setFlash). */
        String encode() {
            String t = text;
            String rest = SEP + nz(secretId) + SEP + nz(secret);
            // the secret is never cut; a long sentence (a 200-character label in it) is
            while (t.length() > 20 && (t + rest).getBytes(java.nio.charset.StandardCharsets.UTF_8).length > org.gatehouse.server.accounts.Sessions.MAX_FLASH) {
                t = t.substring(0, t.length() - 20) + "…";
            }
            return t + rest;
        }

        static Notice decode(String s) {
            String[] parts = s.split(String.valueOf(SEP), -1);
            if (parts.length != 3) return of(s);
            return new Notice(parts[0], parts[1].isEmpty() ? null : parts[1], parts[2].isEmpty() ? null : parts[2]);
        }

        private static String nz(String s) {
            return s == null ? "" : s;
        }
    }

    /** A time on one line, in UTC (the portal sends no script, so it cannot know the reader's zone). */
    public static String time(Long millis) {
        return millis == null ? "—" : TIME.format(Instant.ofEpochMilli(millis));
    }

    public static String iso(Long millis) {
        return millis == null ? null : Instant.ofEpochMilli(millis).toString();
    }

    /** Who did something, as a person reads it: "account:ann@example.org" is ann@example.org; the CLI is "the operator (CLI)". */
    public static String who(String actor) {
        if (actor == null) return "—";
        if (actor.startsWith("account:")) return actor.substring("account:".length());
        if (actor.startsWith("api:")) return actor.substring("api:".length()) + " (API token)";
        if (actor.equals("operator") || actor.startsWith("cli")) return "the operator (CLI)";
        return actor;
    }

    private static final java.util.Map<String, String> ACTIONS = java.util.Map.ofEntries(
            java.util.Map.entry("account.create", "created the account"),
            java.util.Map.entry("account.disable", "disabled the account"),
            java.util.Map.entry("account.enable", "enabled the account"),
            java.util.Map.entry("account.first_admin_link_replace", "replaced the first admin's setup link"),
            java.util.Map.entry("account.link_cancel", "cancelled the invitation or setup link"),
            java.util.Map.entry("account.link_create", "created an invitation or setup link"),
            java.util.Map.entry("account.role", "changed the role of account"),
            java.util.Map.entry("account.security_key_add", "added a security key to account"),
            java.util.Map.entry("account.security_key_clone_suspected", "used a security key that looks cloned, on account"),
            java.util.Map.entry("account.security_key_remove", "removed a security key from account"),
            java.util.Map.entry("account.sign_in", "signed in"),
            java.util.Map.entry("account.sign_out", "signed out"),
            java.util.Map.entry("api_token.create", "created the API token"),
            java.util.Map.entry("api_token.revoke", "revoked the API token"),
            java.util.Map.entry("client.delete", "deleted the client"),
            java.util.Map.entry("client.register", "registered the client"),
            java.util.Map.entry("client.revoke", "revoked the client"),
            java.util.Map.entry("client.update", "updated the client"),
            java.util.Map.entry("iat.create", "created the token"),
            java.util.Map.entry("iat.revoke", "revoked the token"),
            java.util.Map.entry("iat.update_scope", "changed the scopes of token"),
            java.util.Map.entry("installation.create", "registered the new installation"),
            java.util.Map.entry("installation.credentials_replaced", "replaced the credentials of installation"),
            java.util.Map.entry("installation.flagged", "flagged the installation"),
            java.util.Map.entry("installation.registration_blocked", "was refused a registration for installation"),
            java.util.Map.entry("installation.restore", "restored the installation"),
            java.util.Map.entry("installation.revoke", "revoked the installation"),
            java.util.Map.entry("resource_server.create", "created the resource server"),
            java.util.Map.entry("resource_server.revoke", "revoked the resource server"));

    /** An audit event's action as words ("revoked the token"); an unknown one as its code. */
    public static String action(String action) {
        return ACTIONS.getOrDefault(action, action);
    }

    /** A label or name cut for a sentence (the full one is on its own page). */
    public static String shorten(String s, int max) {
        if (s == null) return "";
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
