package org.gatehouse.server.oauth;

import org.gatehouse.server.errors.OAuthError;

import io.javalin.http.Context;
import java.util.Map;
import org.gatehouse.server.domain.ClientRecord;
import org.gatehouse.server.tokens.ClientAuthenticator;
import org.gatehouse.server.tokens.TokenService;

/** RFC 7009 §2: POST /revoke. */
public final class RevocationEndpoint {
    private final ClientAuthenticator authenticator;
    private final TokenService tokens;

    public RevocationEndpoint(ClientAuthenticator authenticator, TokenService tokens) {
        this.authenticator = authenticator;
        this.tokens = tokens;
    }

    public void handle(Context ctx) {
        Map<String, String> form = Requests.form(ctx);
        ClientRecord caller = authenticator.authenticate(ctx.header("Authorization"), form); // §2.1: authenticate the client
        String token = form.get("token");
        if (token == null) {
            throw OAuthError.invalidRequest("token is required (RFC 7009 §2.1)");
        }
        // token_type_hint is optional; we hold only access tokens, so any hint is ignored (§2.1).
        tokens.revoke(caller, token, Requests.actor(ctx));
        ctx.header("Cache-Control", "no-store"); // as every token-state response (RFC 6749 §5.1)
        ctx.header("Pragma", "no-cache");
        ctx.status(200); // §2.2: 200 also for an invalid token
    }
}
