package org.gatehouse.server.portal;

import org.gatehouse.server.domain.TokenFilter;
import org.gatehouse.server.domain.InstallationFilter;
import org.gatehouse.server.domain.Reregistration;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.accounts.Sessions;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.iat.TokenFile;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.installations.InstallationService;
import org.gatehouse.server.registration.ResourceServers;
import org.gatehouse.server.domain.AccountRecord;
import org.gatehouse.server.domain.IatRecord;
import org.gatehouse.server.domain.InstallationRecord;
import org.gatehouse.server.net.Cidr;
import org.gatehouse.server.text.Text;

/**
 * What every signed-in person can do with their own tokens: the dashboard, creating a token (shown
 * once, downloaded as a token file), the list of their tokens, a token's page with its installations
 * and registrations per day, and revocations. Another account's token or installation answers 404,
 * exactly like one that does not exist; admins see every one.
 */
final class IssuerPages {
    static final int PAGE = 50;
    /** The token form's input names for the service's fields (the API's members). */
    private static final Map<String, String> FORM_INPUTS = Map.of("expires_in", "days", "max_registrations", "max", "client_cidrs", "cidrs");
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
        r.get("/tokens/{id}/revoke", this::confirmRevoke);
        r.post("/tokens/{id}/revoke", this::revoke);
        r.get("/tokens/{id}/revoke-all", this::confirmRevokeAll);
        r.post("/tokens/{id}/revoke-all", this::revokeAll);
        r.get("/installations/{id}/revoke", this::confirmRevokeInstallation);
        r.post("/installations/{id}/revoke", this::revokeInstallation);
        r.post("/installations/{id}/restore", this::restoreInstallation);
    }

    /** The token if this account may see it (its own, or any for an admin); otherwise a 404 page. */
    private IatRecord visibleToken(Context ctx, Sessions.Current s, String id) {
        Optional<IatRecord> t = p.iats.visibleTo(id, s.account());
        if (t.isEmpty()) p.error(ctx, s, 404, "Not found", "There is no such token, or it is not yours.");
        return t.get();
    }

    /**
     * The start page. An issuer sees their own tokens and installations; an admin sees the whole system
     * (every account's and the operator's), as the cards say.
     */
    private void dashboard(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        AccountRecord a = s.account();
        long now = p.clock.millis();
        // No owner asked: the services give what this account may see (an admin: the whole system, an issuer: their own).
        List<IatRecord> recent = p.iats.recent(a, 5);
        int active = p.iats.count(a, new TokenFilter(null, TokenFilter.Status.ACTIVE, null), 1000);
        int insts = p.installations.count(a, new InstallationFilter(null, InstallationFilter.Status.ACTIVE, null, null, null), 1000);
        int flagged = p.installations.count(a, new InstallationFilter(null, null, null, true, null), 1000);
        Pictures pictures = Pictures.of(p.figures.overview(a));
        boolean wholeSystem = pictures.wholeSystem();
        String whose = wholeSystem ? " (all accounts)" : "";
        List<String[]> cards = List.of(card(active, "active token", whose), card(insts, "active installation", whose),
                card(flagged, "flagged installation", whose));
        Map<String, String> owners = null; // the whole system's tokens are shown with their owner
        if (wholeSystem) {
            owners = new java.util.HashMap<>();
            for (AccountRecord o : p.accounts.list()) owners.put(o.id(), o.email());
        }
        p.render(ctx, 200, s, "Dashboard", "/", "dashboard.jte", Portal.params("role", a.role().code(), "recoveryCodes", p.accounts.unusedRecoveryCodes(a.id()),
                "cards", cards, "recent", recent, "owners", owners, "now", now, "pictures", pictures));
    }

    /** A dashboard card: the count and its words, singular for one ("1 active token", as the pictures say). */
    private static String[] card(int n, String singular, String whose) {
        return new String[] {count(n), (n == 1 ? singular : singular + "s") + whose};
    }

    private static String count(int n) {
        return n >= 1000 ? "1000+" : Integer.toString(n);
    }

    private void tokens(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        String after = ctx.queryParam("after");
        long now = p.clock.millis();
        List<IatRecord> page = p.iats.page(s.account(), new TokenFilter(s.account().id(), null, null), PAGE + 1, after);
        String next = null;
        if (page.size() > PAGE) {
            IatRecord last = page.get(PAGE - 1);
            next = "/tokens?after=" + Html.u(last.createdAt() + ":" + last.id());
        }
        p.render(ctx, 200, s, "My tokens", "/tokens", "tokens/list.jte", Portal.params("tokens", page.subList(0, Math.min(PAGE, page.size())),
                "now", now, "next", next));
    }

    // --- create

    private void newTokenForm(Context ctx, Sessions.Current s, int status, Map<String, String> values, Map<String, String> errors) {
        List<String> chosen = values.isEmpty() ? List.copyOf(p.scopes) : List.of(values.getOrDefault("scope", "").split(" "));
        p.render(ctx, status, s, "New token", "/tokens", "tokens/new.jte", Portal.params("values", values, "errors", errors,
                "scopes", List.copyOf(p.scopes), "chosenScopes", chosen, "maxLabel", IatService.MAX_LABEL, "maxRegistrations", IatService.MAX_REGISTRATIONS));
    }

    /**
     * Creates a token and answers 303 to its page, which shows the clear token (and the download button)
     * once: a refresh or Back creates nothing. Every problem of the form is reported at once.
     */
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
        values.put("resources", nz(ctx.formParam("resources")));
        values.put("key_bound", nz(ctx.formParam("key_bound")));
        values.put("dpop", nz(ctx.formParam("dpop")));
        // Parse only: every rule (and every bad address range) is the service's, reported at once.
        Integer days = number(values.get("days"));
        Integer max = number(values.get("max"));
        List<String> resources = List.of(values.get("resources").strip().split("\\s+")).stream().filter(r -> !r.isEmpty()).toList();
        IatService.Created created;
        try {
            created = p.iats.create(new IatService.Spec(values.get("label"), max == null ? 0 : max, days == null ? null : Duration.ofDays(days),
                    values.get("scope"), null, values.get("cidrs").isBlank() ? null : List.of(values.get("cidrs")),
                    values.get("reregistration").isEmpty() ? null : values.get("reregistration"), s.account().id())
                    .keyBound("on".equals(values.get("key_bound")), "on".equals(values.get("dpop"))), p.actor(ctx, s.account()),
                    p.resourceServers.limitTokenTo(resources));
        } catch (InvalidInput e) {
            newTokenForm(ctx, s, 400, values, FormErrors.of(e, FORM_INPUTS));
            return;
        }
        IatRecord t = created.record();
        p.done(ctx, s, new View.Notice("Token \u201c" + View.shorten(t.label(), 80) + "\u201d created.", "token-value", created.token()),
                "/tokens/" + Html.u(t.id()));
    }

    /** The token file: the clear token comes back from the creation page's form, is checked against its id, never stored. */
    private void file(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        p.checkCsrf(ctx, s);
        IatRecord t = visibleToken(ctx, s, ctx.pathParam("id"));
        Optional<IatRecord> byValue = p.iats.find(ctx.formParam("token"));
        if (byValue.isEmpty() || !byValue.get().id().equals(t.id())) {
            p.error(ctx, s, 404, "Not found", "That token file is no longer available. Tokens are shown only once: create a new one.");
        }
        String json = Json.pretty(TokenFile.content(new IatService.Created(byValue.get(), ctx.formParam("token")), p.issuer)) + "\n";
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
        long now = p.clock.millis();
        String after = ctx.queryParam("after");
        List<InstallationRecord> insts = p.installations.list(s.account(), new InstallationFilter(t.id(), null, null, null, null), PAGE + 1, after);
        List<InstallationRecord> shown = insts.subList(0, Math.min(PAGE, insts.size()));
        String next = insts.size() > PAGE ? "/tokens/" + Html.u(t.id()) + "?after=" + Html.u(shown.get(PAGE - 1).id()) + "#installations" : null;
        p.render(ctx, 200, s, "Token: " + t.label(), null, "tokens/token.jte", Portal.params("t", t, "now", now,
                "createdBy", View.who(t.createdBy()), "revokedBy", View.who(t.revokedBy()), "pictures", Pictures.token(p.figures.token(t)),
                "installations", shown, "next", next));
    }

    // --- revocation: each destructive action has a confirmation page (GET) and ends with a notice (303)

    private void confirmRevoke(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        IatRecord t = visibleToken(ctx, s, ctx.pathParam("id"));
        p.confirm(ctx, s, "Revoke token?", null, "This revokes the token \u201c" + t.label()
                + "\u201d: no installation can register with it any more. Installations it admitted keep working. A revoked token cannot be restored.",
                "Yes, revoke the token", "/tokens/" + Html.u(t.id()), false);
    }

    private void revoke(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        p.checkCsrf(ctx, s);
        IatRecord t = visibleToken(ctx, s, ctx.pathParam("id"));
        Portal.requireConfirmed(ctx);
        boolean done = p.iats.revoke(t.id(), "revoked in the portal", false, p.actor(ctx, s.account()));
        p.done(ctx, s, View.Notice.of(done ? "Token \u201c" + View.shorten(t.label(), 80) + "\u201d revoked." : "The token was already revoked."),
                "/tokens/" + Html.u(t.id()));
    }

    private void confirmRevokeAll(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        IatRecord t = visibleToken(ctx, s, ctx.pathParam("id"));
        int active = p.installations.count(s.account(), new InstallationFilter(t.id(), InstallationFilter.Status.ACTIVE, null, null, null), 10_000);
        String n = active >= 10_000 ? "10,000 or more" : Integer.toString(active);
        p.confirm(ctx, s, "Revoke token and installations?", null, "This revokes the token \u201c" + t.label() + "\u201d and every installation it admitted (" + n + " active now). Their next token"
                        + " request fails at once. The token cannot be restored; an installation can be (its Restore button), and then needs a new"
                        + " token file to enrol again.", "Yes, revoke the token and its installations", "/tokens/" + Html.u(t.id()), true);
    }

    private void revokeAll(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        p.checkCsrf(ctx, s);
        IatRecord t = visibleToken(ctx, s, ctx.pathParam("id"));
        Portal.requireConfirmed(ctx);
        String reason = reason(ctx.formParam("reason"), "token and installations revoked in the portal");
        p.iats.revoke(t.id(), reason, true, p.actor(ctx, s.account())); // an already revoked token's installations too
        p.done(ctx, s, View.Notice.of("Token \u201c" + View.shorten(t.label(), 80) + "\u201d and every installation it admitted are revoked."),
                "/tokens/" + Html.u(t.id()));
    }

    private void confirmRevokeInstallation(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        InstallationRecord i = visibleInstallation(ctx, s);
        String name = i.clientName() == null ? i.id() : i.clientName() + " (" + i.id() + ")";
        p.confirm(ctx, s, "Revoke installation?", null, "This revokes the installation " + name
                + ": its next token request fails at once. You can restore it later; it then needs a token file to enrol again.", "Yes, revoke the installation", "/tokens/" + Html.u(i.lastIatId()) + "#installations", false);
    }

    private void revokeInstallation(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        p.checkCsrf(ctx, s);
        InstallationRecord i = visibleInstallation(ctx, s);
        Portal.requireConfirmed(ctx);
        p.installations.revoke(i.id(), "revoked in the portal", p.actor(ctx, s.account()));
        p.done(ctx, s, View.Notice.of("Installation " + i.id() + " revoked."), "/tokens/" + Html.u(i.lastIatId()) + "#installations");
    }

    /** The way back for a revoked installation (InstallationService.restore). */
    private void restoreInstallation(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        p.checkCsrf(ctx, s);
        InstallationRecord i = visibleInstallation(ctx, s);
        boolean restored = false;
        try {
            restored = p.installations.restore(i.id(), s.account(), p.actor(ctx, s.account()));
        } catch (InstallationService.RestoreForbidden e) {
            p.error(ctx, s, 403, "Administrators only", InstallationService.ADMIN_ONLY);
        }
        if (!restored) {
            p.error(ctx, s, 409, "Not revoked", InstallationService.NOT_REVOKED);
        }
        p.done(ctx, s, View.Notice.of("Installation " + i.id() + " restored: it may enrol again with a token file."),
                "/tokens/" + Html.u(i.lastIatId()) + "#installations");
    }

    private InstallationRecord visibleInstallation(Context ctx, Sessions.Current s) {
        Optional<InstallationRecord> i = p.installations.visibleTo(ctx.pathParam("id"), s.account());
        if (i.isEmpty()) p.error(ctx, s, 404, "Not found", "There is no such installation, or it is not yours.");
        return i.get();
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

    /** A whole number typed in a form; null if it is not one (the service then refuses the missing value on its field). */
    private static Integer number(String text) {
        try {
            return Integer.valueOf(text.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
