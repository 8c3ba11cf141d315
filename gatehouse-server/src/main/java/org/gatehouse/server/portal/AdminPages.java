package org.gatehouse.server.portal;

import org.gatehouse.server.domain.TokenFilter;
import org.gatehouse.server.domain.InstallationFilter;

import org.gatehouse.server.domain.AuditFilter;
import org.gatehouse.server.domain.AuditEvent;

import org.gatehouse.server.domain.AccountLink;
import org.gatehouse.server.domain.AccountRole;
import org.gatehouse.server.domain.Coded;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.accounts.AccountService;
import org.gatehouse.server.accounts.Sessions;
import org.gatehouse.server.registration.ResourceServers;
import org.gatehouse.server.domain.AccountRecord;
import org.gatehouse.server.domain.IatRecord;
import org.gatehouse.server.domain.InstallationRecord;

/** Admin pages: accounts and invitations, every token and installation, the audit log, signing keys. */
final class AdminPages {
    private static final int PAGE = 50;
    private final Portal p;

    AdminPages(Portal p) {
        this.p = p;
    }

    void routes(RoutesConfig r) {
        r.get("/admin", ctx -> {
            p.admin(ctx);
            Portal.redirect(ctx, "/admin/accounts");
        });
        r.get("/admin/accounts", ctx -> accounts(ctx, p.admin(ctx), 200, Map.of(), Map.of()));
        r.post("/admin/invites", this::invite);
        r.get("/admin/invites/{id}/cancel", this::confirmCancelInvite);
        r.post("/admin/invites/{id}/cancel", this::cancelInvite);
        r.post("/admin/accounts/{id}/role", this::role);
        r.get("/admin/accounts/{id}/disable", this::confirmDisable);
        r.post("/admin/accounts/{id}/disable", this::disable);
        r.post("/admin/accounts/{id}/enable", this::enable);
        r.get("/admin/tokens", this::tokens);
        r.get("/admin/installations", this::installations);
        r.get("/admin/audit", this::audit);
        r.get("/admin/keys", this::keys);
        r.post("/admin/keys/rotate", this::rotate);
        r.get("/admin/resource-servers", ctx -> resourceServers(ctx, p.admin(ctx), 200, Map.of(), Map.of()));
        r.post("/admin/resource-servers", this::createResourceServer);
        r.get("/admin/resource-servers/{id}/revoke", this::confirmRevokeResourceServer);
        r.post("/admin/resource-servers/{id}/revoke", this::revokeResourceServer);
    }

    private Map<String, String> owners() {
        Map<String, String> m = new HashMap<>();
        for (AccountRecord a : p.accounts.list()) m.put(a.id(), a.email());
        return m;
    }

    // --- accounts

    private void accounts(Context ctx, Sessions.Current s, int status, Map<String, String> values, Map<String, String> errors) {
        p.render(ctx, status, s, "Accounts", "/admin/accounts", "admin/accounts.jte", Portal.params("selfId", s.account().id(),
                "accounts", p.accounts.list(), "invites", p.accounts.openInvites(), "values", values, "errors", errors));
    }

    /** Creates an invitation; its one-time link is shown once on the Accounts page the 303 leads to. */
    private void invite(Context ctx) {
        Sessions.Current s = p.admin(ctx);
        p.checkCsrf(ctx, s);
        String email = ctx.formParam("email");
        AccountService.NewLink link;
        try {
            link = p.accounts.invite(email, ctx.formParam("role"), p.actor(ctx, s.account()));
        } catch (InvalidInput e) {
            Map<String, String> values = new HashMap<>();
            values.put("email", email);
            values.put("role", ctx.formParam("role"));
            accounts(ctx, s, 400, values, FormErrors.of(e));
            return;
        }
        p.done(ctx, s, new View.Notice("Invitation created for " + View.shorten(AccountService.email(email), 80) + ", valid until "
                + View.time(link.expiresAt()) + ". Send this one-time link to that person:", "invite-link", link.url()), "/admin/accounts");
    }

    private void confirmCancelInvite(Context ctx) {
        Sessions.Current s = p.admin(ctx);
        AccountLink l = p.accounts.openInvites().stream().filter(x -> x.id().equals(ctx.pathParam("id"))).findFirst().orElse(null);
        if (l == null) p.error(ctx, s, 404, "Not found", "There is no such open invitation: it was used, cancelled or has expired.");
        p.confirm(ctx, s, "Cancel invitation?", "/admin/accounts", "This cancels the invitation for "
                + (l.email() == null ? "the first admin" : l.email()) + ": its link stops working at once. You can invite them again later.",
                "Yes, cancel the invitation", "/admin/accounts", false);
    }

    private void cancelInvite(Context ctx) {
        Sessions.Current s = p.admin(ctx);
        p.checkCsrf(ctx, s);
        Portal.requireConfirmed(ctx);
        boolean done = p.accounts.cancelInvite(ctx.pathParam("id"), p.actor(ctx, s.account()));
        p.done(ctx, s, View.Notice.of(done ? "Invitation cancelled: its link no longer works." : "That invitation was already used, cancelled or expired."),
                "/admin/accounts");
    }

    /** The account of the path, or a 404 page. What an admin may not do to their own account is AccountService's rule. */
    private AccountRecord account(Context ctx, Sessions.Current s) {
        AccountRecord a = p.accounts.find(ctx.pathParam("id")).orElse(null);
        if (a == null) p.error(ctx, s, 404, "Not found", "There is no such account.");
        return a;
    }

    private void role(Context ctx) {
        Sessions.Current s = p.admin(ctx);
        p.checkCsrf(ctx, s);
        AccountRecord a = account(ctx, s);
        try {
            p.accounts.changeRole(a.id(), ctx.formParam("role"), p.actor(ctx, s.account()));
        } catch (InvalidInput e) {
            p.error(ctx, s, 400, "Not possible", sentence(e.summary()));
        }
        p.done(ctx, s, View.Notice.of(View.shorten(a.email(), 80) + " is now " + (AccountRole.ADMIN.code().equals(ctx.formParam("role")) ? "an admin." : "an issuer.")),
                "/admin/accounts");
    }

    private void confirmDisable(Context ctx) {
        Sessions.Current s = p.admin(ctx);
        AccountRecord a = account(ctx, s);
        try {
            p.accounts.checkDisable(a.id(), p.actor(ctx, s.account())); // no confirmation offered for what the POST would refuse
        } catch (InvalidInput e) {
            p.error(ctx, s, 400, "Not possible", sentence(e.summary()));
        }
        p.render(ctx, 200, s, "Disable " + a.email() + "?", "/admin/accounts", "admin/disable.jte", Portal.params("a", a));
    }

    private void disable(Context ctx) {
        Sessions.Current s = p.admin(ctx);
        p.checkCsrf(ctx, s);
        AccountRecord a = account(ctx, s);
        Portal.requireConfirmed(ctx);
        boolean cascade = "yes".equals(ctx.formParam("cascade"));
        int n;
        try {
            n = p.accounts.disable(a.id(), cascade, null, p.actor(ctx, s.account()));
        } catch (InvalidInput e) {
            p.error(ctx, s, 400, "Not possible", sentence(e.summary()));
            return;
        }
        p.done(ctx, s, View.Notice.of(View.shorten(a.email(), 80) + " is disabled; " + Math.max(0, n) + " of their tokens were revoked"
                + (cascade ? ", with every installation they admitted." : "; installations keep working.")), "/admin/accounts");
    }

    private void enable(Context ctx) {
        Sessions.Current s = p.admin(ctx);
        p.checkCsrf(ctx, s);
        AccountRecord a = account(ctx, s);
        boolean done = p.accounts.enable(a.id(), p.actor(ctx, s.account()));
        p.done(ctx, s, View.Notice.of(View.shorten(a.email(), 80) + (done ? " is enabled again. Their old API tokens and tokens stay revoked."
                : " was not disabled: nothing changed.")), "/admin/accounts");
    }

    /** A service's message as a sentence. */
    static String sentence(String m) {
        if (m == null || m.isEmpty()) return "That is not possible.";
        String t = Character.toUpperCase(m.charAt(0)) + m.substring(1);
        return t.endsWith(".") ? t : t + ".";
    }

    // --- tokens and installations

    private static String q(Context ctx, String name) {
        String v = ctx.queryParam(name);
        return v == null || v.isBlank() || v.length() > 200 ? null : v.strip();
    }

    private String ownerId(String email, Map<String, String> owners) {
        if (email == null) return null;
        for (Map.Entry<String, String> e : owners.entrySet()) if (e.getValue().equalsIgnoreCase(email)) return e.getKey();
        return email; // an account id, or 'operator' for tokens made with the CLI
    }

    private void tokens(Context ctx) {
        Sessions.Current s = p.admin(ctx);
        Map<String, String> owners = owners();
        String owner = q(ctx, "owner");
        String status = q(ctx, "status");
        Optional<TokenFilter.Status> statusFilter = TokenFilter.Status.parse(status);
        if (status != null && statusFilter.isEmpty()) {
            p.error(ctx, s, 400, "All tokens", "Choose the status " + Coded.choices(TokenFilter.Status.values()) + ".");
            return;
        }
        String search = q(ctx, "q");
        String after = q(ctx, "after");
        long now = p.clock.millis();
        TokenFilter f = new TokenFilter(ownerId(owner, owners), statusFilter.orElse(null), search);
        List<IatRecord> page = p.iats.page(s.account(), f, PAGE + 1, after);
        String next = null;
        if (page.size() > PAGE) {
            IatRecord last = page.get(PAGE - 1);
            next = "/admin/tokens?" + keep("q", search) + keep("owner", owner) + keep("status", status) + "after=" + Html.u(last.createdAt() + ":" + last.id());
        }
        Map<String, String> query = new HashMap<>();
        query.put("q", search);
        query.put("owner", owner);
        query.put("status", status);
        p.render(ctx, 200, s, "All tokens", "/admin/tokens", "admin/tokens.jte", Portal.params("q", query,
                "tokens", page.subList(0, Math.min(PAGE, page.size())), "owners", owners, "now", now, "next", next));
    }

    private static String keep(String name, String value) {
        return value == null ? "" : name + "=" + Html.u(value) + "&";
    }

    private void installations(Context ctx) {
        Sessions.Current s = p.admin(ctx);
        Map<String, String> owners = owners();
        String token = q(ctx, "token");
        String owner = q(ctx, "owner");
        String status = q(ctx, "status");
        Optional<InstallationFilter.Status> statusFilter = InstallationFilter.Status.parse(status);
        if (status != null && statusFilter.isEmpty()) {
            p.error(ctx, s, 400, "Installations", "Choose the status " + Coded.choices(InstallationFilter.Status.values()) + ".");
            return;
        }
        String flagged = q(ctx, "flagged");
        String stale = q(ctx, "stale");
        String id = q(ctx, "id");
        String after = q(ctx, "after");
        List<InstallationRecord> page;
        if (id != null) {
            page = p.installations.find(id);
        } else {
            page = p.installations.list(s.account(), new InstallationFilter(token, statusFilter.orElse(null), "yes".equals(stale) ? Boolean.TRUE : null,
                    "yes".equals(flagged) ? Boolean.TRUE : null, ownerId(owner, owners)), PAGE + 1, after);
        }
        String next = null;
        if (id == null && page.size() > PAGE) {
            next = "/admin/installations?" + keep("token", token) + keep("owner", owner) + keep("status", status) + keep("flagged", flagged)
                    + keep("stale", stale) + "after=" + Html.u(page.get(PAGE - 1).id());
        }
        Map<String, String> query = new HashMap<>();
        query.put("id", id);
        query.put("token", token);
        query.put("owner", owner);
        query.put("status", status);
        query.put("flagged", flagged);
        query.put("stale", stale);
        p.render(ctx, 200, s, "Installations", "/admin/installations", "admin/installations.jte", Portal.params("q", query,
                "installations", page.subList(0, Math.min(PAGE, page.size())), "owners", owners, "next", next));
    }

    // --- audit

    private void audit(Context ctx) {
        Sessions.Current s = p.admin(ctx);
        String who = q(ctx, "actor");
        // "ann@example.org" finds what that account did in the portal; a full actor ("api:…", "operator") as it is
        String actor = who == null || who.contains(":") || !who.contains("@") ? who : "account:" + who;
        String action = q(ctx, "action");
        String subject = q(ctx, "subject");
        String afterText = q(ctx, "after");
        Long after = null;
        try {
            if (afterText != null) after = Long.parseLong(afterText);
        } catch (NumberFormatException e) {
            after = null;
        }
        Long afterId = after;
        List<AuditEvent> page = p.auditLog.page(new AuditFilter(actor, action, subject, null, null), PAGE + 1, afterId);
        String next = page.size() > PAGE ? "/admin/audit?" + keep("actor", who) + keep("action", action) + keep("subject", subject)
                + "after=" + page.get(PAGE - 1).id() : null;
        Map<String, String> query = new HashMap<>();
        query.put("actor", who);
        query.put("action", action);
        query.put("subject", subject);
        p.render(ctx, 200, s, "Audit log", "/admin/audit", "admin/audit.jte", Portal.params("q", query,
                "events", page.subList(0, Math.min(PAGE, page.size())), "next", next));
    }

    // --- signing keys

    private void keys(Context ctx) {
        Sessions.Current s = p.admin(ctx);
        p.render(ctx, 200, s, "Signing keys", "/admin/keys", "admin/keys.jte", Portal.params("keys", p.keys.list()));
    }

    private void rotate(Context ctx) {
        Sessions.Current s = p.admin(ctx);
        p.checkCsrf(ctx, s);
        String message;
        try {
            message = "Rotated: key " + p.keys.rotate(p.actor(ctx, s.account())) + " signs from now on.";
        } catch (org.gatehouse.server.keys.SigningKeys.NotPublishedLongEnough e) {
            message = "Not rotated: " + e.getMessage() + ".";
        }
        p.done(ctx, s, View.Notice.of(message), "/admin/keys");
    }

    // --- resource servers (RFC 8707)

    private void resourceServers(Context ctx, Sessions.Current s, int status, Map<String, String> values, Map<String, String> errors) {
        Map<String, String> v = new HashMap<>(values);
        if (status == 200) v.put("created", ctx.queryParam("created"));
        p.render(ctx, status, s, "Resource servers", "/admin/resource-servers", "admin/resourceServers.jte", Portal.params(
                "servers", p.resourceServers.list(), "values", v, "errors", errors));
    }

    /** Creates one; its client secret is shown once on the page the 303 leads to. */
    private void createResourceServer(Context ctx) {
        Sessions.Current s = p.admin(ctx);
        p.checkCsrf(ctx, s);
        Map<String, String> values = new HashMap<>();
        for (String f : List.of("name", "audience", "scope")) values.put(f, ctx.formParam(f) == null ? "" : ctx.formParam(f));
        ResourceServers.Created c;
        try { // the form always names an audience: an empty one is refused with the other problems
            c = p.resourceServers.create(values.get("name"), "client_secret_basic", values.get("audience"), values.get("scope"),
                    p.actor(ctx, s.account()));
        } catch (InvalidInput e) {
            resourceServers(ctx, s, 400, values, FormErrors.of(e));
            return;
        }
        p.done(ctx, s, new View.Notice("Resource server \u201c" + View.shorten(c.client().clientName(), 80) + "\u201d created. Give it its client"
                + " id (below) and this client secret:", "rs-secret", c.secret()), "/admin/resource-servers?created=" + Html.u(c.client().clientId()));
    }

    private void confirmRevokeResourceServer(Context ctx) {
        Sessions.Current s = p.admin(ctx);
        String id = ctx.pathParam("id");
        ResourceServers.Listed l = p.resourceServers.list().stream().filter(x -> x.client().clientId().equals(id)).findFirst().orElse(null);
        if (l == null) p.error(ctx, s, 404, "Not found", "There is no such resource server.");
        p.confirm(ctx, s, "Revoke resource server?", "/admin/resource-servers", "This revokes the resource server \u201c" + l.client().clientName() + "\u201d: its credentials stop working at once (token"
                        + " introspection answers 401). It cannot be restored.", "Yes, revoke the resource server", "/admin/resource-servers", false);
    }

    private void revokeResourceServer(Context ctx) {
        Sessions.Current s = p.admin(ctx);
        p.checkCsrf(ctx, s);
        String id = ctx.pathParam("id");
        Portal.requireConfirmed(ctx);
        boolean done = p.resourceServers.revoke(id, "revoked in the portal", p.actor(ctx, s.account()));
        p.done(ctx, s, View.Notice.of(done ? "Resource server revoked." : "There is no such active resource server (already revoked?)."),
                "/admin/resource-servers");
    }
}
