package org.gatehouse.server.portal;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.gatehouse.server.accounts.Sessions;
import org.gatehouse.server.api.ApiTokens;
import org.gatehouse.server.store.ApiTokenStore;

/**
 * The "API tokens" page: a signed-in account creates tokens for the admin JSON API (label, scopes
 * its role allows, expiry; the value is shown once), sees its tokens and revokes them.
 */
final class ApiTokenPages {
    private final Portal p;

    ApiTokenPages(Portal p) {
        this.p = p;
    }

    void routes(RoutesConfig r) {
        r.get("/api-tokens", ctx -> page(ctx, p.signedIn(ctx), 200, null, Map.of(), Map.of()));
        r.post("/api-tokens", this::create);
        r.post("/api-tokens/{id}/revoke", this::revoke);
    }

    private void page(Context ctx, Sessions.Current s, int status, String notice, Map<String, String> values, Map<String, String> errors) {
        long now = System.currentTimeMillis();
        StringBuilder b = new StringBuilder();
        if (notice != null) b.append(notice);
        b.append("<p>API tokens let scripts use the admin JSON API (<code>/api/v1</code>, described at <a href=\"/api/v1/openapi.json\">")
                .append("/api/v1/openapi.json</a>) as you. A token never has more rights than your account, and stops working when your")
                .append(" account is disabled.</p>");
        b.append("<h2>Create an API token</h2>").append(Html.errorSummary(errors));
        b.append("<form method=\"post\" action=\"/api-tokens\" novalidate>").append(Html.csrf(s.row().csrf()));
        b.append(Html.field("text", "label", "Label", values.get("label"), "What the token is for, e.g. \"nightly report\".",
                errors.get("label"), "required maxlength=\"" + ApiTokens.MAX_LABEL + "\""));
        b.append(Html.field("number", "days", "Valid for (days)", values.getOrDefault("days", "30"), "From 1 to 366 days.",
                errors.get("days"), "required min=\"1\" max=\"366\""));
        b.append("<fieldset").append(errors.containsKey("scope") ? " aria-describedby=\"f-scope-error\"" : "").append("><legend>Scopes</legend>");
        if (errors.containsKey("scope")) b.append("<p class=\"error\" id=\"f-scope-error\">").append(Html.e(errors.get("scope"))).append("</p>");
        int i = 0;
        for (String scope : ApiTokens.allowedScopes(s.account())) {
            String id = "f-scope-" + i++;
            boolean checked = (" " + values.getOrDefault("scope", "") + " ").contains(" " + scope + " ");
            b.append("<span><input type=\"checkbox\" name=\"scope\" id=\"").append(id).append("\" value=\"").append(Html.e(scope)).append("\"")
                    .append(checked ? " checked" : "").append("><label for=\"").append(id).append("\">").append(Html.e(scope)).append("</label></span> ");
        }
        b.append("</fieldset><div><button type=\"submit\">Create API token</button></div></form>");
        b.append("<h2>Your API tokens</h2>");
        List<ApiTokenStore.Row> rows = p.g.apiTokens.listOf(s.account().id());
        if (rows.isEmpty()) {
            b.append("<p>You have no API tokens.</p>");
        } else {
            b.append("<table><caption>Your API tokens, newest first</caption><thead><tr><th scope=\"col\">Label</th><th scope=\"col\">Scopes</th>")
                    .append("<th scope=\"col\">Status</th><th scope=\"col\">Expires</th><th scope=\"col\">Last used</th><th scope=\"col\">Id</th>")
                    .append("<th scope=\"col\">Action</th></tr></thead><tbody>");
            for (ApiTokenStore.Row t : rows) {
                b.append("<tr><td>").append(Html.e(t.label())).append("</td><td>").append(Html.e(t.scopes())).append("</td><td>")
                        .append(Html.status(t.status(now))).append("</td><td>").append(Html.time(t.expiresAt())).append("</td><td>")
                        .append(Html.time(t.lastUsedAt())).append("</td><td><code>").append(Html.e(t.id())).append("</code></td><td>");
                if (t.revokedAt() == null) {
                    b.append("<form method=\"post\" class=\"inline\" action=\"/api-tokens/").append(Html.u(t.id())).append("/revoke\">")
                            .append(Html.csrf(s.row().csrf())).append("<button type=\"submit\" class=\"danger\" aria-label=\"Revoke API token ")
                            .append(Html.e(t.label())).append("\">Revoke</button></form>");
                } else {
                    b.append("—");
                }
                b.append("</td></tr>");
            }
            b.append("</tbody></table>");
        }
        p.html(ctx, status, s, "API tokens", b.toString(), "/api-tokens");
    }

    private void create(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        p.checkCsrf(ctx, s);
        Map<String, String> values = new LinkedHashMap<>();
        values.put("label", ctx.formParam("label") == null ? "" : ctx.formParam("label"));
        values.put("days", ctx.formParam("days") == null ? "" : ctx.formParam("days"));
        values.put("scope", String.join(" ", ctx.formParams("scope")));
        Map<String, String> errors = new LinkedHashMap<>();
        int days = 0;
        try {
            days = Integer.parseInt(values.get("days").strip());
        } catch (NumberFormatException e) {
            days = 0;
        }
        if (days < 1 || days > 366) errors.put("days", "Enter a number of days from 1 to 366.");
        if (values.get("label").isBlank() || values.get("label").strip().length() > ApiTokens.MAX_LABEL) {
            errors.put("label", "Enter a label of 1 to " + ApiTokens.MAX_LABEL + " characters.");
        }
        if (ctx.formParams("scope").isEmpty()) errors.put("scope", "Choose at least one scope.");
        ApiTokens.Created created = null;
        if (errors.isEmpty()) {
            try {
                created = p.g.apiTokens.create(s.account(), values.get("label"), ctx.formParams("scope"), Duration.ofDays(days),
                        p.actor(ctx, s.account()));
            } catch (IllegalArgumentException e) {
                String m = e.getMessage();
                errors.put(m.contains("scope") ? "scope" : m.contains("label") ? "label" : "days", Character.toUpperCase(m.charAt(0)) + m.substring(1) + ".");
            }
        }
        if (created == null) {
            page(ctx, s, 400, null, values, errors);
            return;
        }
        String notice = "<div class=\"notice\" role=\"status\"><p>API token <strong>" + Html.e(created.row().label()) + "</strong> created."
                + " This is the <strong>only time</strong> it is shown: copy it now and keep it like a password.</p>"
                + "<p><code class=\"secret\" id=\"api-token-value\">" + Html.e(created.token()) + "</code></p></div>";
        page(ctx, s, 201, notice, Map.of(), Map.of());
    }

    private void revoke(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        p.checkCsrf(ctx, s);
        Optional<ApiTokenStore.Row> t = p.g.apiTokens.find(ctx.pathParam("id"));
        if (t.isEmpty() || !t.get().accountId().equals(s.account().id())) {
            p.error(ctx, s, 404, "Not found", "There is no such API token, or it is not yours.");
        }
        p.g.apiTokens.revoke(t.get().id(), p.actor(ctx, s.account()));
        Portal.redirect(ctx, "/api-tokens");
    }
}
