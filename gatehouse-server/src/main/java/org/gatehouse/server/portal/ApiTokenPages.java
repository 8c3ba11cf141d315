package org.gatehouse.server.portal;

import org.gatehouse.server.domain.ApiTokenRecord;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.accounts.Sessions;
import org.gatehouse.server.accounts.ApiTokens;

/**
 * The "API tokens" page: a signed-in account creates tokens for the admin JSON API (label, scopes
 * its role allows, expiry; the value is shown once, on the page the 303 after the form leads to), sees
 * its tokens and revokes them (after a confirmation page).
 */
final class ApiTokenPages {
    private final Portal p;

    ApiTokenPages(Portal p) {
        this.p = p;
    }

    void routes(RoutesConfig r) {
        r.get("/api-tokens", ctx -> page(ctx, p.signedIn(ctx), 200, Map.of(), Map.of()));
        r.post("/api-tokens", this::create);
        r.get("/api-tokens/{id}/revoke", this::confirmRevoke);
        r.post("/api-tokens/{id}/revoke", this::revoke);
    }

    private void page(Context ctx, Sessions.Current s, int status, Map<String, String> values, Map<String, String> errors) {
        p.render(ctx, status, s, "API tokens", "/api-tokens", "apitokens.jte", Portal.params("values", values, "errors", errors,
                "scopes", List.copyOf(ApiTokens.allowedScopes(s.account())), "chosenScopes", List.of(values.getOrDefault("scope", "").split(" ")),
                "maxLabel", ApiTokens.MAX_LABEL, "tokens", p.apiTokens.listOf(s.account().id()), "now", p.clock.millis()));
    }

    private void create(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        p.checkCsrf(ctx, s);
        Map<String, String> values = new LinkedHashMap<>();
        values.put("label", ctx.formParam("label") == null ? "" : ctx.formParam("label"));
        values.put("days", ctx.formParam("days") == null ? "" : ctx.formParam("days"));
        values.put("scope", String.join(" ", ctx.formParams("scope")));
        int days;
        try {
            days = Integer.parseInt(values.get("days").strip());
        } catch (NumberFormatException e) {
            days = 0; // refused by the service with the other problems
        }
        ApiTokens.Created created;
        try {
            created = p.apiTokens.create(s.account(), values.get("label"), ctx.formParams("scope"), Duration.ofDays(days),
                    p.actor(ctx, s.account()));
        } catch (InvalidInput e) {
            page(ctx, s, 400, values, FormErrors.of(e, Map.of("expires_in", "days", "account", "label")));
            return;
        }
        p.done(ctx, s, new View.Notice("API token \u201c" + View.shorten(created.row().label(), 80) + "\u201d created.", "api-token-value",
                created.token()), "/api-tokens");
    }

    private ApiTokenRecord mine(Context ctx, Sessions.Current s) {
        Optional<ApiTokenRecord> t = p.apiTokens.find(ctx.pathParam("id"));
        if (t.isEmpty() || !t.get().accountId().equals(s.account().id())) {
            p.error(ctx, s, 404, "Not found", "There is no such API token, or it is not yours.");
        }
        return t.get();
    }

    private void confirmRevoke(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        ApiTokenRecord t = mine(ctx, s);
        p.confirm(ctx, s, "Revoke API token?", "/api-tokens", "This revokes the API token \u201c"
                + t.label() + "\u201d: scripts using it get 401 from their next call. It cannot be restored; create a new one instead.", "Yes, revoke the API token", "/api-tokens", false);
    }

    private void revoke(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        p.checkCsrf(ctx, s);
        ApiTokenRecord t = mine(ctx, s);
        Portal.requireConfirmed(ctx);
        p.apiTokens.revoke(t.id(), p.actor(ctx, s.account()));
        p.done(ctx, s, View.Notice.of("API token \u201c" + View.shorten(t.label(), 80) + "\u201d revoked."), "/api-tokens");
    }
}
