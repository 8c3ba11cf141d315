package org.gatehouse.server.oauth;

import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.errors.OAuthError;

import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import org.gatehouse.server.json.Json;

/** Writing protocol responses. */
public final class Responses {
    private Responses() {
    }

    /** A JSON response that carries credentials or token state: never cached (RFC 6749 §5.1). */
    public static void noStoreJson(Context ctx, int status, Object body) {
        ctx.header("Cache-Control", "no-store");
        ctx.header("Pragma", "no-cache");
        json(ctx, status, body);
    }

    public static void json(Context ctx, int status, Object body) {
        ctx.status(status);
        ctx.contentType("application/json;charset=UTF-8");
        ctx.result(Json.write(body));
    }

    /** The error body of RFC 6749 §5.2, with its challenge header where one applies. */
    public static void error(Context ctx, OAuthError e) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (e.error() != null) {
            ctx.attribute(org.gatehouse.server.http.Operations.ERROR_ATTRIBUTE, e.error());
            body.put("error", e.error());
        }
        if (e.description() != null) body.put("error_description", e.description());
        if (e.credentialState() != null) body.put("credential_state", e.credentialState());
        if (e.wwwAuthenticate() != null) ctx.header("WWW-Authenticate", e.wwwAuthenticate());
        if (e.retryAfter() > 0) ctx.header("Retry-After", Long.toString(e.retryAfter()));
        noStoreJson(ctx, e.status(), body);
    }

    /**
     * Input a service refused (docs/api.md, "Errors"): 400 with RFC 6749 §5.2's {@code invalid_request}, the one-line
     * summary as {@code error_description}, and {@code fields}, every field named with its problem, in order. A
     * subclass that is a conflict with the current state (a taken audience) is answered 409 by its caller.
     */
    public static void invalidInput(Context ctx, InvalidInput e) {
        invalidInput(ctx, 400, e);
    }

    public static void invalidInput(Context ctx, int status, InvalidInput e) {
        ctx.attribute(org.gatehouse.server.http.Operations.ERROR_ATTRIBUTE, "invalid_request");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", "invalid_request");
        body.put("error_description", e.summary());
        body.put("fields", e.fields());
        noStoreJson(ctx, status, body);
    }
}
