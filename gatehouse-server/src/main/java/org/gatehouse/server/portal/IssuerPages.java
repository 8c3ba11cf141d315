package org.gatehouse.server.portal;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.gatehouse.server.accounts.Sessions;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.iat.TokenFile;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.installations.InstallationService;
import org.gatehouse.server.store.AccountRecord;
import org.gatehouse.server.store.IatRecord;
import org.gatehouse.server.store.InstallationRecord;
import org.gatehouse.server.store.InstallationStore;
import org.gatehouse.server.store.PortalStore;
import org.gatehouse.server.text.Text;

/**
 * What every signed-in person can do with their own tokens: the dashboard, creating a token (shown
 * once, downloaded as a token file), the list of their tokens, a token's page with its installations
 * and registrations per day, and revocations. Another account's token or installation answers 404,
 * exactly like one that does not exist; admins see every one.
 */
final class IssuerPages {
    static final int PAGE = 50;
    static final int CHART_DAYS = 30;
    private final Portal p;

    IssuerPages(Portal p) {
        this.p = p;
    }

    void routes(RoutesConfig r) {
        r.get("/", this::dashboard);
        r.get("/tokens", this::tokens);
        r.get("/tokens/new", ctx -> newTokenForm(ctx, p.signedIn(ctx), 200, Map.of(), Map.of()));
        r.post("/tokens", this::create);
        r.post("/tokens/{id}/file", this::file);
        r.get("/tokens/{id}", this::token);
        r.post("/tokens/{id}/revoke", this::revoke);
        r.get("/tokens/{id}/revoke-all", this::confirmRevokeAll);
        r.post("/tokens/{id}/revoke-all", this::revokeAll);
        r.post("/installations/{id}/revoke", this::revokeInstallation);
        r.post("/installations/{id}/restore", this::restoreInstallation);
    }

    /** The token if this account may see it (its own, or any for an admin); otherwise a 404 page. */
    private IatRecord visibleToken(Context ctx, Sessions.Current s, String id) {
        Optional<IatRecord> t = id.length() > 40 ? Optional.empty() : p.g.iats.get(id);
        if (t.isEmpty() || !(s.account().isAdmin() || t.get().ownerAccount().equals(s.account().id()))) {
            p.error(ctx, s, 404, "Not found", "There is no such token, or it is not yours.");
        }
        return t.get();
    }

    private void dashboard(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        AccountRecord a = s.account();
        long now = System.currentTimeMillis();
        List<IatRecord> recent = p.g.db.withHandle(h -> new PortalStore().tokens(h, new PortalStore.TokenFilter(a.id(), null, null), now, 5, null));
        List<IatRecord> active = p.g.db.withHandle(h -> new PortalStore().tokens(h, new PortalStore.TokenFilter(a.id(), "active", null), now, 1000, null));
        List<InstallationRecord> insts = p.g.installations.list(new InstallationStore.Filter(null, "active", null, null, a.id()), 1000, null);
        List<InstallationRecord> flagged = p.g.installations.list(new InstallationStore.Filter(null, null, null, true, a.id()), 1000, null);
        StringBuilder b = new StringBuilder();
        b.append("<p>Signed in as <strong>").append(Html.e(a.email())).append("</strong> (").append(Html.e(a.role())).append(").</p>");
        int codes = p.g.accounts.unusedRecoveryCodes(a.id());
        if (codes < 3) b.append("<div class=\"alert\"><p>You have ").append(codes).append(" unused recovery codes left.</p></div>");
        b.append("<h2>At a glance</h2><ul class=\"cards\">")
                .append(card(active.size() >= 1000 ? "1000+" : Integer.toString(active.size()), "active tokens"))
                .append(card(insts.size() >= 1000 ? "1000+" : Integer.toString(insts.size()), "active installations"))
                .append(card(flagged.size() >= 1000 ? "1000+" : Integer.toString(flagged.size()), "flagged installations"))
                .append("</ul>");
        b.append("<p><a class=\"button\" href=\"/tokens/new\">Create a token</a></p>");
        b.append("<h2>Recent tokens</h2>");
        b.append(recent.isEmpty() ? "<p>You have not created any tokens yet.</p>" : tokenTable(recent, now, null, "Your most recent tokens"));
        p.html(ctx, 200, s, "Dashboard", b.toString(), "/");
    }

    private static String card(String n, String what) {
        return "<li><span class=\"n\">" + Html.e(n) + "</span> " + Html.e(what) + "</li>";
    }

    static String tokenTable(List<IatRecord> tokens, long now, Map<String, String> owners, String caption) {
        StringBuilder b = new StringBuilder("<table><caption>").append(Html.e(caption)).append("</caption><thead><tr>")
                .append("<th scope=\"col\">Label</th><th scope=\"col\">Status</th><th scope=\"col\">Used / max</th>")
                .append("<th scope=\"col\">Expires</th><th scope=\"col\">Scopes</th>");
        if (owners != null) b.append("<th scope=\"col\">Owner</th>");
        b.append("<th scope=\"col\">Id</th></tr></thead><tbody>");
        for (IatRecord t : tokens) {
            b.append("<tr><td><a href=\"/tokens/").append(Html.u(t.id())).append("\">").append(Html.e(t.label())).append("</a></td><td>")
                    .append(Html.status(t.status(now))).append("</td><td>").append(t.registrations()).append(" / ")
                    .append(t.maxRegistrations()).append("</td><td>").append(Html.time(t.expiresAt())).append("</td><td>")
                    .append(Html.e(t.scope())).append("</td>");
            if (owners != null) b.append("<td>").append(Html.e(owners.getOrDefault(t.ownerAccount(), t.ownerAccount()))).append("</td>");
            b.append("<td><code>").append(Html.e(t.id())).append("</code></td></tr>");
        }
        return b.append("</tbody></table>").toString();
    }

    private void tokens(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        String after = ctx.queryParam("after");
        long now = System.currentTimeMillis();
        List<IatRecord> page = p.g.db.withHandle(h -> new PortalStore().tokens(h,
                new PortalStore.TokenFilter(s.account().id(), null, null), now, PAGE + 1, after));
        StringBuilder b = new StringBuilder("<p><a class=\"button\" href=\"/tokens/new\">Create a token</a></p>");
        if (page.isEmpty()) b.append("<p>No tokens yet.</p>");
        else b.append(tokenTable(page.subList(0, Math.min(PAGE, page.size())), now, null, "Your tokens, newest first"));
        if (page.size() > PAGE) {
            IatRecord last = page.get(PAGE - 1);
            b.append("<p><a href=\"/tokens?after=").append(Html.u(last.createdAt() + ":" + last.id())).append("\">Next page</a></p>");
        }
        p.html(ctx, 200, s, "My tokens", b.toString(), "/tokens");
    }

    // --- create

    private void newTokenForm(Context ctx, Sessions.Current s, int status, Map<String, String> values, Map<String, String> errors) {
        StringBuilder b = new StringBuilder();
        b.append("<p>A token lets a number of installations register themselves. You download it once as a token file and put that"
                + " file next to the installer.</p>");
        b.append(Html.errorSummary(errors));
        b.append("<form method=\"post\" action=\"/tokens\" novalidate>").append(Html.csrf(s.row().csrf()));
        b.append(Html.field("text", "label", "Label", values.get("label"), "What the token is for, e.g. \"Library PCs, 2nd floor\".",
                errors.get("label"), "required maxlength=\"" + IatService.MAX_LABEL + "\""));
        b.append(Html.field("number", "days", "Valid for (days)", values.getOrDefault("days", "30"), "From 1 to 3650 days.",
                errors.get("days"), "required min=\"1\" max=\"3650\""));
        b.append(Html.field("number", "max", "Maximum installations", values.getOrDefault("max", "10"),
                "How many installations may register with it (1 to " + IatService.MAX_REGISTRATIONS + ").", errors.get("max"),
                "required min=\"1\" max=\"" + IatService.MAX_REGISTRATIONS + "\""));
        b.append("<fieldset").append(errors.containsKey("scope") ? " aria-describedby=\"f-scope-error\"" : "").append("><legend>Scopes the installations may get</legend>");
        if (errors.containsKey("scope")) b.append("<p class=\"error\" id=\"f-scope-error\">").append(Html.e(errors.get("scope"))).append("</p>");
        int i = 0;
        for (String scope : p.g.config.scopes) {
            String id = "f-scope-" + i++;
            boolean checked = values.isEmpty() || (" " + values.getOrDefault("scope", "") + " ").contains(" " + scope + " ");
            b.append("<span><input type=\"checkbox\" name=\"scope\" id=\"").append(id).append("\" value=\"").append(Html.e(scope)).append("\"")
                    .append(checked ? " checked" : "").append("><label for=\"").append(id).append("\">").append(Html.e(scope)).append("</label></span> ");
        }
        b.append("</fieldset>");
        b.append(Html.field("text", "cidrs", "Allowed client addresses (optional)", values.get("cidrs"),
                "IPv4 or IPv6 ranges separated by spaces or commas, e.g. 192.0.2.0/24. Empty: any address.", errors.get("cidrs"), null));
        String rereg = values.getOrDefault("reregistration", IatRecord.REPLACE);
        b.append("<fieldset><legend>When an installation registers again</legend>");
        b.append(radio("reregistration", IatRecord.REPLACE, "Replace its credentials (recommended)", rereg));
        b.append(radio("reregistration", IatRecord.REJECT, "Refuse", rereg));
        b.append(radio("reregistration", IatRecord.ALLOW, "Allow several", rereg));
        b.append("</fieldset><fieldset><legend>Key-bound installations (optional)</legend>");
        b.append(checkbox("key_bound", "Require a key generated on the machine instead of a client secret (private_key_jwt)", values));
        b.append(checkbox("dpop", "Require DPoP-bound access tokens", values));
        b.append("</fieldset><div><button type=\"submit\">Create token</button></div></form>");
        p.html(ctx, status, s, "New token", b.toString(), "/tokens/new");
    }

    private static String checkbox(String name, String label, Map<String, String> values) {
        String id = "f-" + name;
        return "<span><input type=\"checkbox\" name=\"" + name + "\" id=\"" + id + "\" value=\"on\""
                + ("on".equals(values.get(name)) ? " checked" : "") + "><label for=\"" + id + "\">" + Html.e(label) + "</label></span> ";
    }

    private static String radio(String name, String value, String label, String current) {
        String id = "f-" + name + "-" + value;
        return "<span><input type=\"radio\" name=\"" + name + "\" id=\"" + id + "\" value=\"" + value + "\"" + (value.equals(current) ? " checked" : "")
                + "><label for=\"" + id + "\">" + Html.e(label) + "</label></span> ";
    }

    private void create(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        p.checkCsrf(ctx, s);
        Map<String, String> values = new LinkedHashMap<>();
        values.put("label", nz(ctx.formParam("label")));
        values.put("days", nz(ctx.formParam("days")));
        values.put("max", nz(ctx.formParam("max")));
        values.put("scope", String.join(" ", ctx.formParams("scope")));
        values.put("cidrs", nz(ctx.formParam("cidrs")));
        values.put("reregistration", nz(ctx.formParam("reregistration")));
        values.put("key_bound", nz(ctx.formParam("key_bound")));
        values.put("dpop", nz(ctx.formParam("dpop")));
        Map<String, String> errors = new LinkedHashMap<>();
        String label = values.get("label").strip();
        if (label.isEmpty() || label.length() > IatService.MAX_LABEL || !Text.isPlain(label)) {
            errors.put("label", "Enter a label of 1 to " + IatService.MAX_LABEL + " characters.");
        }
        int days = integer(values.get("days"), 1, 3650, "days", "Enter a number of days from 1 to 3650.", errors);
        int max = integer(values.get("max"), 1, IatService.MAX_REGISTRATIONS, "max",
                "Enter a number from 1 to " + IatService.MAX_REGISTRATIONS + ".", errors);
        if (values.get("scope").isEmpty()) errors.put("scope", "Choose at least one scope.");
        for (String sc : ctx.formParams("scope")) {
            if (!p.g.config.scopes.contains(sc)) errors.put("scope", "Choose scopes from the list.");
        }
        List<String> cidrs = new ArrayList<>();
        for (String c : values.get("cidrs").split("[\\s,]+")) if (!c.isBlank()) cidrs.add(c);
        if (cidrs.size() > 50) errors.put("cidrs", "Enter at most 50 ranges.");
        String rereg = values.get("reregistration").isEmpty() ? IatRecord.REPLACE : values.get("reregistration");
        if (!List.of(IatRecord.REPLACE, IatRecord.REJECT, IatRecord.ALLOW).contains(rereg)) errors.put("reregistration", "Choose one option.");
        IatService.Created created = null;
        if (errors.isEmpty()) {
            try {
                created = p.g.iats.create(new IatService.Spec(label, max, Duration.ofDays(days), values.get("scope"), null,
                        cidrs.isEmpty() ? null : cidrs, rereg, s.account().id())
                        .keyBound("on".equals(values.get("key_bound")), "on".equals(values.get("dpop"))), p.actor(ctx, s.account()));
            } catch (IllegalArgumentException e) {
                String m = e.getMessage() == null ? "invalid" : e.getMessage();
                errors.put(m.contains("range") || m.contains("CIDR") || m.contains("address") ? "cidrs" : m.contains("scope") ? "scope" : "label",
                        Character.toUpperCase(m.charAt(0)) + m.substring(1) + ".");
            }
        }
        if (created == null) {
            newTokenForm(ctx, s, 400, values, errors);
            return;
        }
        IatRecord t = created.record();
        String body = "<div class=\"notice\" role=\"status\"><p>Token <strong>" + Html.e(t.label()) + "</strong> created.</p></div>"
                + "<p>This is the <strong>only time</strong> the token is shown. Download the token file now and keep it like a"
                + " password: anyone who has it can register installations until it expires or is used up.</p>"
                + "<h2>Token file</h2><form method=\"post\" action=\"/tokens/" + Html.u(t.id()) + "/file\">" + Html.csrf(s.row().csrf())
                + "<input type=\"hidden\" name=\"token\" value=\"" + Html.e(created.token()) + "\">"
                + "<button type=\"submit\" id=\"download\">Download the token file</button></form>"
                + "<h2>Token</h2><p><code class=\"secret\" id=\"token-value\">" + Html.e(created.token()) + "</code></p>"
                + "<dl><dt>Expires</dt><dd>" + Html.time(t.expiresAt()) + "</dd><dt>Maximum installations</dt><dd>" + t.maxRegistrations()
                + "</dd><dt>Scopes</dt><dd>" + Html.e(t.scope()) + "</dd></dl>"
                + "<p><a href=\"/tokens/" + Html.u(t.id()) + "\">Go to the token's page</a></p>";
        p.html(ctx, 201, s, "Token created", body, null);
    }

    /** The token file: the clear token comes back from the creation page's form, is checked against its id, never stored. */
    private void file(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        p.checkCsrf(ctx, s);
        IatRecord t = visibleToken(ctx, s, ctx.pathParam("id"));
        Optional<IatRecord> byValue = p.g.iats.find(ctx.formParam("token"));
        if (byValue.isEmpty() || !byValue.get().id().equals(t.id())) {
            p.error(ctx, s, 404, "Not found", "That token file is no longer available. Tokens are shown only once: create a new one.");
        }
        String json = Json.pretty(TokenFile.content(new IatService.Created(byValue.get(), ctx.formParam("token")), p.g.config.issuer)) + "\n";
        Portal.headers(ctx);
        ctx.header("Content-Disposition", "attachment; filename=\"gatehouse-token-" + t.id().replaceAll("[^A-Za-z0-9_-]", "") + ".json\"");
        ctx.contentType("application/json; charset=utf-8");
        ctx.status(200);
        ctx.result(json);
    }

    // --- a token's page

    private void token(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        IatRecord t = visibleToken(ctx, s, ctx.pathParam("id"));
        long now = System.currentTimeMillis();
        String after = ctx.queryParam("after");
        List<InstallationRecord> insts = p.g.installations.list(new InstallationStore.Filter(t.id(), null, null, null, null), PAGE + 1, after);
        StringBuilder b = new StringBuilder();
        b.append("<dl><dt>Status</dt><dd>").append(Html.status(t.status(now))).append("</dd>")
                .append("<dt>Used</dt><dd>").append(t.registrations()).append(" of ").append(t.maxRegistrations()).append(" registrations</dd>")
                .append("<dt>Expires</dt><dd>").append(Html.time(t.expiresAt())).append("</dd>")
                .append("<dt>Scopes</dt><dd>").append(Html.e(t.scope())).append("</dd>")
                .append("<dt>Allowed client addresses</dt><dd>").append(t.clientCidrs() == null ? "any" : Html.e(t.clientCidrs())).append("</dd>")
                .append("<dt>When an installation registers again</dt><dd>").append(Html.e(t.reregistration())).append("</dd>")
                .append("<dt>Installations admitted</dt><dd>").append(t.requireKeyBound() ? "key-bound only" : "with a secret or a key")
                .append(t.requireDpop() ? ", DPoP-bound tokens only" : "").append("</dd>")
                .append("<dt>Created</dt><dd>").append(Html.time(t.createdAt())).append(" by ").append(Html.e(t.createdBy())).append("</dd>");
        if (t.revokedAt() != null) {
            b.append("<dt>Revoked</dt><dd>").append(Html.time(t.revokedAt())).append(" by ").append(Html.e(t.revokedBy()))
                    .append(t.revokedReason() == null ? "" : " (" + Html.e(t.revokedReason()) + ")").append("</dd>");
        }
        b.append("<dt>Id</dt><dd><code>").append(Html.e(t.id())).append("</code></dd></dl>");
        if (t.revokedAt() == null) {
            b.append("<h2>Revoke</h2><form method=\"post\" action=\"/tokens/").append(Html.u(t.id())).append("/revoke\" class=\"inline\">")
                    .append(Html.csrf(s.row().csrf()))
                    .append("<button type=\"submit\" class=\"secondary\">Revoke the token</button></form> ")
                    .append("<span class=\"hint\">No more registrations with it; installations it admitted keep working.</span>")
                    .append("<p><a href=\"/tokens/").append(Html.u(t.id())).append("/revoke-all\">Revoke the token and every installation it admitted…</a></p>");
        } else {
            b.append("<p><a href=\"/tokens/").append(Html.u(t.id())).append("/revoke-all\">Revoke every installation it admitted…</a></p>");
        }
        b.append("<h2>Registrations per day</h2>");
        b.append(chart(t, now));
        b.append("<h2 id=\"installations\">Installations</h2>");
        List<InstallationRecord> shown = insts.subList(0, Math.min(PAGE, insts.size()));
        if (shown.isEmpty()) b.append("<p>No installation has registered with this token yet.</p>");
        else b.append(installationTable(shown, s, "Installations whose latest registration used this token", null));
        if (insts.size() > PAGE) {
            b.append("<p><a href=\"/tokens/").append(Html.u(t.id())).append("?after=").append(Html.u(shown.get(PAGE - 1).id()))
                    .append("#installations\">Next page of installations</a></p>");
        }
        p.html(ctx, 200, s, "Token: " + t.label(), b.toString(), null);
    }

    static String installationTable(List<InstallationRecord> insts, Sessions.Current s, String caption, Map<String, String> owners) {
        StringBuilder b = new StringBuilder("<table><caption>").append(Html.e(caption)).append("</caption><thead><tr>")
                .append("<th scope=\"col\">Installation id</th><th scope=\"col\">Client name</th><th scope=\"col\">Software version</th>")
                .append("<th scope=\"col\">First seen</th><th scope=\"col\">Last seen</th><th scope=\"col\">Status</th>")
                .append("<th scope=\"col\">Flagged</th><th scope=\"col\">Active clients</th>");
        if (owners != null) b.append("<th scope=\"col\">Owner</th><th scope=\"col\">Token</th>");
        b.append("<th scope=\"col\">Action</th></tr></thead><tbody>");
        for (InstallationRecord i : insts) {
            b.append("<tr><td><code>").append(Html.e(i.installationId() == null ? i.id() : i.installationId())).append("</code>")
                    .append("<span class=\"hint\">").append(Html.e(i.id())).append("</span></td><td>")
                    .append(Html.e(i.clientName() == null ? "—" : i.clientName())).append("</td><td>")
                    .append(Html.e(i.softwareVersion() == null ? "—" : i.softwareVersion())).append("</td><td>")
                    .append(Html.time(i.createdAt())).append("</td><td>").append(Html.time(i.lastSeenAt())).append("</td><td>")
                    .append(Html.status(i.status())).append("</td><td>").append(i.flagged() ? "<strong>" + Html.e(i.flagReason()) + "</strong>" : "no")
                    .append("</td><td>").append(i.activeClients()).append("</td>");
            if (owners != null) {
                b.append("<td>").append(Html.e(owners.getOrDefault(i.ownerAccount(), i.ownerAccount()))).append("</td><td><a href=\"/tokens/")
                        .append(Html.u(i.lastIatId())).append("\"><code>").append(Html.e(i.lastIatId())).append("</code></a></td>");
            }
            b.append("<td>");
            if (i.revokedAt() == null) {
                b.append("<form method=\"post\" action=\"/installations/").append(Html.u(i.id())).append("/revoke\" class=\"inline\">")
                        .append(Html.csrf(s.row().csrf()))
                        .append("<button type=\"submit\" class=\"danger\" aria-label=\"Revoke installation ").append(Html.e(i.id()))
                        .append("\">Revoke</button></form>");
            } else {
                b.append("<form method=\"post\" action=\"/installations/").append(Html.u(i.id())).append("/restore\" class=\"inline\">")
                        .append(Html.csrf(s.row().csrf()))
                        .append("<button type=\"submit\" aria-label=\"Restore installation ").append(Html.e(i.id()))
                        .append("\">Restore</button></form><span class=\"hint\">lets it enrol again; its old credentials stay revoked</span>");
            }
            b.append("</td></tr>");
        }
        return b.append("</tbody></table>").toString();
    }

    /** Registrations per day over the last 30 days: an SVG bar chart and a table with the same data. */
    private String chart(IatRecord t, long now) {
        LocalDate today = LocalDate.ofEpochDay(Math.floorDiv(now, 86_400_000L));
        LocalDate first = today.minusDays(CHART_DAYS - 1);
        long from = first.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        List<Long> times = p.g.db.withHandle(h -> new PortalStore().registrationTimes(h, t.id(), from, now + 86_400_000L));
        int[] perDay = new int[CHART_DAYS];
        for (long at : times) {
            int d = (int) (Math.floorDiv(at, 86_400_000L) - first.toEpochDay());
            if (d >= 0 && d < CHART_DAYS) perDay[d]++;
        }
        return Chart.barsWithTable("Registrations per day, last " + CHART_DAYS + " days", first, perDay);
    }

    // --- revocation

    private void revoke(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        p.checkCsrf(ctx, s);
        IatRecord t = visibleToken(ctx, s, ctx.pathParam("id"));
        p.g.iats.revoke(t.id(), "revoked in the portal", false, p.actor(ctx, s.account()));
        Portal.redirect(ctx, "/tokens/" + Html.u(t.id()));
    }

    private void confirmRevokeAll(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        IatRecord t = visibleToken(ctx, s, ctx.pathParam("id"));
        List<InstallationRecord> active = p.g.installations.list(new InstallationStore.Filter(t.id(), "active", null, null, null), 10_000, null);
        String body = "<div class=\"alert\"><p>This revokes the token <strong>" + Html.e(t.label()) + "</strong> and every installation it"
                + " admitted (" + (active.size() >= 10_000 ? "10,000 or more" : Integer.toString(active.size())) + " active now). Their"
                + " next token request fails at once. The token cannot be restored; an installation can be (its Restore button), and then"
                + " needs a new token file to enrol again.</p></div>"
                + "<form method=\"post\" action=\"/tokens/" + Html.u(t.id()) + "/revoke-all\">" + Html.csrf(s.row().csrf())
                + "<input type=\"hidden\" name=\"confirm\" value=\"yes\">"
                + Html.field("text", "reason", "Reason (optional, for the audit log)", null, null, null, "maxlength=\"300\"")
                + "<div><button type=\"submit\" class=\"danger\" id=\"confirm-revoke-all\">Yes, revoke the token and its installations</button></div></form>"
                + "<p><a href=\"/tokens/" + Html.u(t.id()) + "\">No, go back</a></p>";
        p.html(ctx, 200, s, "Revoke token and installations?", body, null);
    }

    private void revokeAll(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        p.checkCsrf(ctx, s);
        IatRecord t = visibleToken(ctx, s, ctx.pathParam("id"));
        if (!"yes".equals(ctx.formParam("confirm"))) Portal.redirect(ctx, "/tokens/" + Html.u(t.id()) + "/revoke-all");
        String reason = reason(ctx.formParam("reason"), "token and installations revoked in the portal");
        if (!p.g.iats.revoke(t.id(), reason, true, p.actor(ctx, s.account()))) {
            // already revoked: revoke what it admitted
            p.g.db.inTransaction(h -> p.g.installations.revokeAdmittedBy(h, t.id(), System.currentTimeMillis(), p.actor(ctx, s.account()), reason));
        }
        Portal.redirect(ctx, "/tokens/" + Html.u(t.id()));
    }

    private void revokeInstallation(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        p.checkCsrf(ctx, s);
        InstallationRecord i = visibleInstallation(ctx, s);
        p.g.installations.revoke(i.id(), "revoked in the portal", p.actor(ctx, s.account()));
        Portal.redirect(ctx, "/tokens/" + Html.u(i.lastIatId()) + "#installations");
    }

    /** The way back for a revoked installation (InstallationService.restore). */
    private void restoreInstallation(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        p.checkCsrf(ctx, s);
        InstallationRecord i = visibleInstallation(ctx, s);
        if (!p.g.installations.restore(i.id(), p.actor(ctx, s.account()))) {
            p.error(ctx, s, 409, "Not revoked", InstallationService.NOT_REVOKED);
        }
        Portal.redirect(ctx, "/tokens/" + Html.u(i.lastIatId()) + "#installations");
    }

    private InstallationRecord visibleInstallation(Context ctx, Sessions.Current s) {
        String id = ctx.pathParam("id");
        List<InstallationRecord> found = id.startsWith("inst_") && id.length() <= 40 ? p.g.installations.find(id) : List.of();
        if (found.size() != 1 || !(s.account().isAdmin() || found.get(0).ownerAccount().equals(s.account().id()))) {
            p.error(ctx, s, 404, "Not found", "There is no such installation, or it is not yours.");
        }
        return found.get(0);
    }

    static String reason(String text, String fallback) {
        if (text == null || text.isBlank()) return fallback;
        String r = text.strip();
        if (r.length() > 300 || !Text.isPlain(r)) return fallback;
        return r;
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private static int integer(String text, int min, int max, String field, String message, Map<String, String> errors) {
        try {
            int v = Integer.parseInt(text.strip());
            if (v >= min && v <= max) return v;
        } catch (NumberFormatException e) {
            // falls through
        }
        errors.put(field, message);
        return 0;
    }
}
