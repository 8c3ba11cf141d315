package org.gatehouse.server.portal;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.gatehouse.server.accounts.AccountService;
import org.gatehouse.server.accounts.Sessions;
import org.gatehouse.server.registration.ResourceServers;
import org.gatehouse.server.store.AccountRecord;
import org.gatehouse.server.store.AccountStore;
import org.gatehouse.server.store.AuditStore;
import org.gatehouse.server.store.IatRecord;
import org.gatehouse.server.store.InstallationRecord;
import org.gatehouse.server.store.InstallationStore;
import org.gatehouse.server.store.PortalStore;
import org.gatehouse.server.store.SigningKeyRecord;

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
        r.get("/admin/accounts", ctx -> accounts(ctx, p.admin(ctx), 200, null, null, null));
        r.post("/admin/invites", this::invite);
        r.post("/admin/invites/{id}/cancel", this::cancelInvite);
        r.post("/admin/accounts/{id}/role", this::role);
        r.post("/admin/accounts/{id}/disable", this::disable);
        r.post("/admin/accounts/{id}/enable", this::enable);
        r.get("/admin/tokens", this::tokens);
        r.get("/admin/installations", this::installations);
        r.get("/admin/audit", this::audit);
        r.get("/admin/keys", ctx -> keys(ctx, p.admin(ctx), null));
        r.post("/admin/keys/rotate", this::rotate);
        r.get("/admin/resource-servers", ctx -> resourceServers(ctx, p.admin(ctx), 200, null, Map.of(), null));
        r.post("/admin/resource-servers", this::createResourceServer);
        r.post("/admin/resource-servers/{id}/revoke", this::revokeResourceServer);
    }

    private Map<String, String> owners() {
        Map<String, String> m = new HashMap<>();
        for (AccountRecord a : p.g.accounts.list()) m.put(a.id(), a.email());
        return m;
    }

    // --- accounts

    private void accounts(Context ctx, Sessions.Current s, int status, String notice, String inviteEmail, String inviteError) {
        StringBuilder b = new StringBuilder();
        if (notice != null) b.append("<div class=\"notice\" role=\"status\">").append(notice).append("</div>");
        b.append("<h2>Invite someone</h2><form method=\"post\" action=\"/admin/invites\" novalidate>").append(Html.csrf(s.row().csrf()))
                .append(Html.field("email", "email", "E-mail address", inviteEmail, null, inviteError, "required autocomplete=\"off\""))
                .append("<label for=\"f-role\">Role</label><select id=\"f-role\" name=\"role\"><option value=\"issuer\" selected>issuer</option>")
                .append("<option value=\"admin\">admin</option></select>")
                .append("<div><button type=\"submit\">Create invitation link</button></div></form>");
        b.append("<h2>Accounts</h2><table><caption>Accounts</caption><thead><tr><th scope=\"col\">E-mail</th><th scope=\"col\">Role</th>")
                .append("<th scope=\"col\">Status</th><th scope=\"col\">Last sign-in</th><th scope=\"col\">Created</th>")
                .append("<th scope=\"col\">Change role</th><th scope=\"col\">Disable or enable</th></tr></thead><tbody>");
        for (AccountRecord a : p.g.accounts.list()) {
            boolean self = a.id().equals(s.account().id());
            b.append("<tr><td>").append(Html.e(a.email())).append("</td><td>").append(Html.e(a.role())).append("</td><td>")
                    .append(Html.status(a.status())).append("</td><td>").append(Html.time(a.lastSignInAt())).append("</td><td>")
                    .append(Html.time(a.createdAt())).append("</td><td>");
            String other = a.isAdmin() ? AccountRecord.ISSUER : AccountRecord.ADMIN;
            if (self) {
                b.append("(you)</td><td>(you)");
            } else {
                b.append("<form method=\"post\" class=\"inline\" action=\"/admin/accounts/").append(Html.u(a.id())).append("/role\">")
                        .append(Html.csrf(s.row().csrf())).append("<input type=\"hidden\" name=\"role\" value=\"").append(other).append("\">")
                        .append("<button type=\"submit\" class=\"secondary\" aria-label=\"Make ").append(Html.e(a.email())).append(" ").append(other)
                        .append("\">Make ").append(other).append("</button></form></td><td>");
                if (a.active()) {
                    String cb = "f-cascade-" + a.id();
                    b.append("<form method=\"post\" class=\"inline\" action=\"/admin/accounts/").append(Html.u(a.id())).append("/disable\">")
                            .append(Html.csrf(s.row().csrf()))
                            .append("<input type=\"checkbox\" name=\"cascade\" value=\"yes\" id=\"").append(Html.e(cb)).append("\"><label class=\"inline\" for=\"")
                            .append(Html.e(cb)).append("\"> also revoke installations</label> ")
                            .append("<button type=\"submit\" class=\"danger\" aria-label=\"Disable ").append(Html.e(a.email()))
                            .append("\">Disable</button></form>");
                } else {
                    b.append("<form method=\"post\" class=\"inline\" action=\"/admin/accounts/").append(Html.u(a.id())).append("/enable\">")
                            .append(Html.csrf(s.row().csrf())).append("<button type=\"submit\" class=\"secondary\" aria-label=\"Enable ")
                            .append(Html.e(a.email())).append("\">Enable</button></form>");
                }
            }
            b.append("</td></tr>");
        }
        b.append("</tbody></table>");
        List<AccountStore.Link> invites = p.g.accounts.openInvites();
        b.append("<h2>Open invitations</h2>");
        if (invites.isEmpty()) {
            b.append("<p>None.</p>");
        } else {
            b.append("<table><caption>Invitations not used yet</caption><thead><tr><th scope=\"col\">E-mail</th><th scope=\"col\">Role</th>")
                    .append("<th scope=\"col\">Expires</th><th scope=\"col\">Created by</th><th scope=\"col\">Cancel</th></tr></thead><tbody>");
            for (AccountStore.Link l : invites) {
                b.append("<tr><td>").append(Html.e(l.email() == null ? "(first admin)" : l.email())).append("</td><td>").append(Html.e(l.role()))
                        .append("</td><td>").append(Html.time(l.expiresAt())).append("</td><td>").append(Html.e(l.createdBy())).append("</td><td>")
                        .append("<form method=\"post\" class=\"inline\" action=\"/admin/invites/").append(Html.u(l.id())).append("/cancel\">")
                        .append(Html.csrf(s.row().csrf())).append("<button type=\"submit\" class=\"secondary\" aria-label=\"Cancel invitation for ")
                        .append(Html.e(l.email())).append("\">Cancel</button></form></td></tr>");
            }
            b.append("</tbody></table>");
        }
        p.html(ctx, status, s, "Accounts", b.toString(), "/admin/accounts");
    }

    private void invite(Context ctx) {
        Sessions.Current s = p.admin(ctx);
        p.checkCsrf(ctx, s);
        String email = ctx.formParam("email");
        AccountService.NewLink link;
        try {
            link = p.g.accounts.invite(email, ctx.formParam("role"), p.actor(ctx, s.account()));
        } catch (IllegalArgumentException e) {
            accounts(ctx, s, 400, null, email, e.getMessage());
            return;
        }
        String notice = "<p>Invitation created. Send this one-time link to <strong>" + Html.e(AccountService.email(email))
                + "</strong> (it expires " + Html.time(link.expiresAt()) + " and is shown only now):</p><p><code class=\"secret\" id=\"invite-link\">"
                + Html.e(link.url()) + "</code></p>";
        accounts(ctx, s, 201, notice, null, null);
    }

    private void cancelInvite(Context ctx) {
        Sessions.Current s = p.admin(ctx);
        p.checkCsrf(ctx, s);
        p.g.accounts.cancelInvite(ctx.pathParam("id"), p.actor(ctx, s.account()));
        Portal.redirect(ctx, "/admin/accounts");
    }

    private AccountRecord other(Context ctx, Sessions.Current s) {
        AccountRecord a = p.g.accounts.find(ctx.pathParam("id")).orElse(null);
        if (a == null) p.error(ctx, s, 404, "Not found", "There is no such account.");
        if (a.id().equals(s.account().id())) p.error(ctx, s, 400, "Not possible", "You cannot change your own role or disable yourself.");
        return a;
    }

    private void role(Context ctx) {
        Sessions.Current s = p.admin(ctx);
        p.checkCsrf(ctx, s);
        AccountRecord a = other(ctx, s);
        try {
            p.g.accounts.changeRole(a.id(), ctx.formParam("role"), p.actor(ctx, s.account()));
        } catch (IllegalArgumentException e) {
            p.error(ctx, s, 400, "Not possible", e.getMessage());
        }
        Portal.redirect(ctx, "/admin/accounts");
    }

    private void disable(Context ctx) {
        Sessions.Current s = p.admin(ctx);
        p.checkCsrf(ctx, s);
        AccountRecord a = other(ctx, s);
        boolean cascade = "yes".equals(ctx.formParam("cascade"));
        int n;
        try {
            n = p.g.accounts.disable(a.id(), cascade, "account disabled in the portal", p.actor(ctx, s.account()));
        } catch (IllegalArgumentException e) {
            p.error(ctx, s, 400, "Not possible", e.getMessage());
            return;
        }
        accounts(ctx, s, 200, "<p>" + Html.e(a.email()) + " is disabled; " + Math.max(0, n) + " of their tokens were revoked"
                + (cascade ? ", with every installation they admitted" : "; installations keep working") + ".</p>", null, null);
    }

    private void enable(Context ctx) {
        Sessions.Current s = p.admin(ctx);
        p.checkCsrf(ctx, s);
        AccountRecord a = other(ctx, s);
        p.g.accounts.enable(a.id(), p.actor(ctx, s.account()));
        Portal.redirect(ctx, "/admin/accounts");
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

    private static String select(String name, String label, String current, String... options) {
        StringBuilder b = new StringBuilder("<div><label for=\"f-").append(name).append("\">").append(Html.e(label)).append("</label><select id=\"f-")
                .append(name).append("\" name=\"").append(name).append("\"><option value=\"\">any</option>");
        for (String o : options) {
            b.append("<option value=\"").append(Html.e(o)).append("\"").append(o.equals(current) ? " selected" : "").append(">").append(Html.e(o)).append("</option>");
        }
        return b.append("</select></div>").toString();
    }

    private static String text(String name, String label, String value) {
        return "<div>" + Html.field("text", name, label, value, null, null, null) + "</div>";
    }

    private void tokens(Context ctx) {
        Sessions.Current s = p.admin(ctx);
        Map<String, String> owners = owners();
        String owner = q(ctx, "owner");
        String status = q(ctx, "status");
        if (status != null && !List.of("active", "revoked", "expired").contains(status)) status = null;
        String search = q(ctx, "q");
        String after = q(ctx, "after");
        long now = System.currentTimeMillis();
        PortalStore.TokenFilter f = new PortalStore.TokenFilter(ownerId(owner, owners), status, search);
        List<IatRecord> page = p.g.db.withHandle(h -> new PortalStore().tokens(h, f, now, PAGE + 1, after));
        StringBuilder b = new StringBuilder("<form method=\"get\" action=\"/admin/tokens\" class=\"filters\" role=\"search\" aria-label=\"Filter tokens\">")
                .append(text("q", "Label or id", search)).append(text("owner", "Owner e-mail", owner))
                .append(select("status", "Status", status, "active", "revoked", "expired"))
                .append("<div><button type=\"submit\">Filter</button></div></form>");
        if (page.isEmpty()) b.append("<p>No tokens match.</p>");
        else b.append(IssuerPages.tokenTable(page.subList(0, Math.min(PAGE, page.size())), now, owners, "Tokens, newest first"));
        if (page.size() > PAGE) {
            IatRecord last = page.get(PAGE - 1);
            b.append("<p><a href=\"/admin/tokens?").append(keep("q", search)).append(keep("owner", owner)).append(keep("status", status))
                    .append("after=").append(Html.u(last.createdAt() + ":" + last.id())).append("\">Next page</a></p>");
        }
        p.html(ctx, 200, s, "All tokens", b.toString(), "/admin/tokens");
    }

    private static String keep(String name, String value) {
        return value == null ? "" : name + "=" + Html.u(value) + "&amp;";
    }

    private void installations(Context ctx) {
        Sessions.Current s = p.admin(ctx);
        Map<String, String> owners = owners();
        String token = q(ctx, "token");
        String owner = q(ctx, "owner");
        String status = q(ctx, "status");
        if (status != null && !List.of("active", "revoked").contains(status)) status = null;
        String flagged = q(ctx, "flagged");
        String stale = q(ctx, "stale");
        String id = q(ctx, "id");
        String after = q(ctx, "after");
        List<InstallationRecord> page;
        if (id != null) {
            page = p.g.installations.find(id);
        } else {
            page = p.g.installations.list(new InstallationStore.Filter(token, status, "yes".equals(stale) ? Boolean.TRUE : null,
                    "yes".equals(flagged) ? Boolean.TRUE : null, ownerId(owner, owners)), PAGE + 1, after);
        }
        StringBuilder b = new StringBuilder("<form method=\"get\" action=\"/admin/installations\" class=\"filters\" role=\"search\" aria-label=\"Filter installations\">")
                .append(text("id", "Installation id", id)).append(text("token", "Token id", token)).append(text("owner", "Owner e-mail", owner))
                .append(select("status", "Status", status, "active", "revoked")).append(select("flagged", "Flagged", flagged, "yes"))
                .append(select("stale", "Stale", stale, "yes")).append("<div><button type=\"submit\">Filter</button></div></form>");
        if (page.isEmpty()) b.append("<p>No installations match.</p>");
        else b.append(IssuerPages.installationTable(page.subList(0, Math.min(PAGE, page.size())), s, "Installations, newest first", owners));
        if (id == null && page.size() > PAGE) {
            b.append("<p><a href=\"/admin/installations?").append(keep("token", token)).append(keep("owner", owner)).append(keep("status", status))
                    .append(keep("flagged", flagged)).append(keep("stale", stale)).append("after=").append(Html.u(page.get(PAGE - 1).id()))
                    .append("\">Next page</a></p>");
        }
        p.html(ctx, 200, s, "Installations", b.toString(), "/admin/installations");
    }

    // --- audit

    private void audit(Context ctx) {
        Sessions.Current s = p.admin(ctx);
        String actor = q(ctx, "actor");
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
        List<AuditStore.Event> page = p.g.db.withHandle(h -> new PortalStore().audit(h,
                new PortalStore.AuditFilter(actor, action, subject, null, null), PAGE + 1, afterId));
        StringBuilder b = new StringBuilder("<form method=\"get\" action=\"/admin/audit\" class=\"filters\" role=\"search\" aria-label=\"Filter the audit log\">")
                .append(text("actor", "Who (e.g. account:name@example.org)", actor)).append(text("action", "Action (e.g. iat.revoke)", action))
                .append(text("subject", "Subject id", subject)).append("<div><button type=\"submit\">Filter</button></div></form>");
        if (page.isEmpty()) {
            b.append("<p>No events match.</p>");
        } else {
            b.append("<table><caption>Audit events, newest first</caption><thead><tr><th scope=\"col\">When</th><th scope=\"col\">Who</th>")
                    .append("<th scope=\"col\">From</th><th scope=\"col\">Action</th><th scope=\"col\">Subject</th><th scope=\"col\">Details</th></tr></thead><tbody>");
            for (AuditStore.Event e : page.subList(0, Math.min(PAGE, page.size()))) {
                b.append("<tr><td>").append(Html.time(e.at())).append("</td><td>").append(Html.e(e.actor())).append("</td><td>")
                        .append(Html.e(e.remoteAddr() == null ? "—" : e.remoteAddr())).append("</td><td>").append(Html.e(e.action()))
                        .append("</td><td><code>").append(Html.e(e.subject() == null ? "" : e.subject())).append("</code></td><td><code>")
                        .append(Html.e(e.details() == null ? "" : e.details())).append("</code></td></tr>");
            }
            b.append("</tbody></table>");
        }
        if (page.size() > PAGE) {
            b.append("<p><a href=\"/admin/audit?").append(keep("actor", actor)).append(keep("action", action)).append(keep("subject", subject))
                    .append("after=").append(page.get(PAGE - 1).id()).append("\">Older events</a></p>");
        }
        p.html(ctx, 200, s, "Audit log", b.toString(), "/admin/audit");
    }

    // --- signing keys

    private void keys(Context ctx, Sessions.Current s, String notice) {
        StringBuilder b = new StringBuilder();
        if (notice != null) b.append("<div class=\"notice\" role=\"status\"><p>").append(Html.e(notice)).append("</p></div>");
        b.append("<table><caption>Signing keys</caption><thead><tr><th scope=\"col\">Key id</th><th scope=\"col\">Algorithm</th>")
                .append("<th scope=\"col\">State</th><th scope=\"col\">Created</th><th scope=\"col\">Activated</th><th scope=\"col\">Retired</th>")
                .append("<th scope=\"col\">Published until</th></tr></thead><tbody>");
        for (SigningKeyRecord k : p.g.keys.list()) {
            b.append("<tr><td><code>").append(Html.e(k.kid())).append("</code></td><td>").append(Html.e(k.alg())).append("</td><td>")
                    .append(Html.e(k.state())).append("</td><td>").append(Html.time(k.createdAt())).append("</td><td>").append(Html.time(k.activatedAt()))
                    .append("</td><td>").append(Html.time(k.retiredAt())).append("</td><td>").append(Html.time(k.publishUntil())).append("</td></tr>");
        }
        b.append("</tbody></table><h2>Rotate</h2><p>The next key (already published in the JWKS) starts signing; a new next key is published."
                + " Tokens signed with the old key stay valid until they expire.</p><form method=\"post\" action=\"/admin/keys/rotate\">")
                .append(Html.csrf(s.row().csrf())).append("<button type=\"submit\">Rotate signing keys</button></form>");
        p.html(ctx, 200, s, "Signing keys", b.toString(), "/admin/keys");
    }

    private void rotate(Context ctx) {
        Sessions.Current s = p.admin(ctx);
        p.checkCsrf(ctx, s);
        String message;
        try {
            message = "Rotated: key " + p.g.keys.rotate(p.actor(ctx, s.account())) + " signs from now on.";
        } catch (org.gatehouse.server.keys.SigningKeys.NotPublishedLongEnough e) {
            message = "Not rotated: " + e.getMessage() + ".";
        }
        keys(ctx, s, message);
    }

    // --- resource servers (RFC 8707)

    private void resourceServers(Context ctx, Sessions.Current s, int status, String notice, Map<String, String> values, String error) {
        StringBuilder b = new StringBuilder();
        if (notice != null) b.append("<div class=\"notice\" role=\"status\">").append(notice).append("</div>");
        b.append("<p>An API that installations ask tokens for names itself with an audience URI: tokens requested with")
                .append(" <code>resource=</code> that URI carry it as <code>aud</code> and only the scopes it serves.</p>")
                .append("<table><caption>Resource servers</caption><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Audience</th>")
                .append("<th scope=\"col\">Scopes</th><th scope=\"col\">Client id</th><th scope=\"col\">Status</th><th scope=\"col\">Action</th></tr></thead><tbody>");
        for (ResourceServers.Listed l : p.g.resourceServers.list()) {
            var c = l.client();
            b.append("<tr><td>").append(Html.e(c.clientName())).append("</td><td>")
                    .append(l.audience() == null ? "none (sees every token)" : "<code>" + Html.e(l.audience()) + "</code>").append("</td><td>")
                    .append(l.audience() == null ? "-" : c.scope().isEmpty() ? "every scope" : Html.e(c.scope())).append("</td><td><code>")
                    .append(Html.e(c.clientId())).append("</code></td><td>").append(Html.e(c.status())).append("</td><td>");
            if (c.active()) {
                b.append("<form method=\"post\" action=\"/admin/resource-servers/").append(Html.e(c.clientId())).append("/revoke\">")
                        .append(Html.csrf(s.row().csrf())).append("<button type=\"submit\">Revoke ").append(Html.e(c.clientName())).append("</button></form>");
            }
            b.append("</td></tr>");
        }
        b.append("</tbody></table><h2>New resource server</h2><form method=\"post\" action=\"/admin/resource-servers\">")
                .append(Html.csrf(s.row().csrf()))
                .append(Html.field("text", "name", "Name", values.get("name"), null, null, "required maxlength=\"200\""))
                .append(Html.field("url", "audience", "Audience URI", values.get("audience"), "An absolute URI without #fragment, e.g. https://prefs.example.org/api",
                        error, "required maxlength=\"2000\""))
                .append(Html.field("text", "scope", "Scopes it serves (optional)", values.get("scope"), "Space-separated; empty: every scope", null, null))
                .append("<button type=\"submit\">Create resource server</button></form>");
        p.html(ctx, status, s, "Resource servers", b.toString(), "/admin/resource-servers");
    }

    private void createResourceServer(Context ctx) {
        Sessions.Current s = p.admin(ctx);
        p.checkCsrf(ctx, s);
        Map<String, String> values = new HashMap<>();
        for (String f : List.of("name", "audience", "scope")) values.put(f, ctx.formParam(f));
        ResourceServers.Created c;
        if (values.get("audience") == null || values.get("audience").isBlank()) {
            resourceServers(ctx, s, 400, null, values, "the audience URI is required");
            return;
        }
        try {
            c = p.g.resourceServers.create(values.get("name"), "client_secret_basic", values.get("audience"), values.get("scope"),
                    p.actor(ctx, s.account()));
        } catch (IllegalArgumentException e) {
            resourceServers(ctx, s, 400, null, values, e.getMessage());
            return;
        }
        String notice = "<p>Created. Give these credentials to the resource server (the secret is shown only now):</p><p>client_id "
                + "<code id=\"rs-client-id\">" + Html.e(c.client().clientId()) + "</code>, client_secret <code class=\"secret\" id=\"rs-secret\">"
                + Html.e(c.secret()) + "</code></p>";
        resourceServers(ctx, s, 201, notice, Map.of(), null);
    }

    private void revokeResourceServer(Context ctx) {
        Sessions.Current s = p.admin(ctx);
        p.checkCsrf(ctx, s);
        p.g.resourceServers.revoke(ctx.pathParam("id"), "revoked in the portal", p.actor(ctx, s.account()));
        Portal.redirect(ctx, "/admin/resource-servers");
    }
}
