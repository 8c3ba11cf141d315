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

    /**
     * Where a response goes: Javalin's {@link Context} ({@link #sink(Context)}) or the bare Jetty handler that answers
     * POST /token ahead of Javalin (http/TokenHandler, issue 18 Must 2). Headers are set (a second value replaces the
     * first), as {@code HttpServletResponse.setHeader} does.
     */
    public interface Sink {
        void status(int status);

        void header(String name, String value);

        /** The body, with its Content-Type. */
        void body(String contentType, String body);

        /** The OAuth error code answered, for the access log and the metrics ({@link org.gatehouse.server.http.Operations#ERROR_ATTRIBUTE}). */
        void error(String code);
    }

    public static Sink sink(Context ctx) {
        return new Sink() {
            @Override
            public void status(int status) {
                ctx.status(status);
            }

            @Override
            public void header(String name, String value) {
                ctx.header(name, value);
            }

            @Override
            public void body(String contentType, String body) {
                ctx.contentType(contentType);
                ctx.result(body);
            }

            @Override
            public void error(String code) {
                ctx.attribute(org.gatehouse.server.http.Operations.ERROR_ATTRIBUTE, code);
            }
        };
    }

    /** A JSON response that carries credentials or token state: never cached (RFC 6749 §5.1). */
    public static void noStoreJson(Context ctx, int status, Object body) {
        noStoreJson(sink(ctx), status, body);
    }

    public static void noStoreJson(Sink out, int status, Object body) {
        out.header("Cache-Control", "no-store");
        out.header("Pragma", "no-cache");
        json(out, status, body);
    }

    public static void json(Context ctx, int status, Object body) {
        json(sink(ctx), status, body);
    }

    public static void json(Sink out, int status, Object body) {
        out.status(status);
        out.body("application/json;charset=UTF-8", Json.write(body));
    }

    /** The error body of RFC 6749 §5.2, with its challenge header where one applies. */
    public static void error(Context ctx, OAuthError e) {
        error(sink(ctx), e);
    }

    public static void error(Sink out, OAuthError e) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (e.error() != null) {
            out.error(e.error());
            body.put("error", e.error());
        }
        if (e.description() != null) body.put("error_description", e.description());
        if (e.credentialState() != null) body.put("credential_state", e.credentialState());
        if (e.wwwAuthenticate() != null) out.header("WWW-Authenticate", e.wwwAuthenticate());
        if (e.retryAfter() > 0) out.header("Retry-After", Long.toString(e.retryAfter()));
        noStoreJson(out, e.status(), body);
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
        invalidInput(sink(ctx), status, e);
    }

    public static void invalidInput(Sink out, int status, InvalidInput e) {
        out.error("invalid_request");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", "invalid_request");
        body.put("error_description", e.summary());
        body.put("fields", e.fields());
        noStoreJson(out, status, body);
    }
}
