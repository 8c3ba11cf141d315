package org.gatehouse.server.oauth;

import org.gatehouse.server.errors.OAuthError;

import io.javalin.http.Context;
import java.util.Map;
import org.gatehouse.server.domain.ClientRecord;
import org.gatehouse.server.tokens.ClientAuthenticator;
import org.gatehouse.server.tokens.TokenService;

/** RFC 7662 §2: POST /introspect, for authenticated callers only (§4: prevents token scanning). */
public final class IntrospectionEndpoint {
    private final ClientAuthenticator authenticator;
    private final TokenService tokens;

    public IntrospectionEndpoint(ClientAuthenticator authenticator, TokenService tokens) {
        this.authenticator = authenticator;
        this.tokens = tokens;
    }

    public void handle(Context ctx) {
        Map<String, String> form = Requests.form(ctx);
        ClientRecord caller = authenticator.authenticate(ctx.header("Authorization"), form);
        String token = form.get("token");
        if (token == null) {
            throw OAuthError.invalidRequest("token is required (RFC 7662 §2.1)");
        }
        Responses.noStoreJson(ctx, 200, tokens.introspect(caller, token));
    }
}
