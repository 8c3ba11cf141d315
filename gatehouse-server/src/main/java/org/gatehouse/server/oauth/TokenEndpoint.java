package org.gatehouse.server.oauth;

import org.gatehouse.server.errors.OAuthError;

import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gatehouse.server.domain.ClientRecord;
import org.gatehouse.server.tokens.ClientAuthenticator;
import org.gatehouse.server.tokens.TokenService;

/**
 * RFC 6749 §4.4: the client credentials grant at POST /token, with RFC 8707 resource indicators,
 * client secrets or private_key_jwt (RFC 7523), and DPoP-bound tokens (RFC 9449).
 * Reached through Javalin ({@link #handle(Context)}) or, for the common request, through the bare Jetty handler that
 * answers POST /token ahead of Javalin (http/TokenHandler); both run {@link #grant}.
 */
public final class TokenEndpoint {
    private final ClientAuthenticator authenticator;
    private final TokenService tokens;

    public TokenEndpoint(ClientAuthenticator authenticator, TokenService tokens) {
        this.authenticator = authenticator;
        this.tokens = tokens;
    }

    public void handle(Context ctx) {
        grant(Requests.input(ctx), Responses.sink(ctx));
    }

    /** Parse, one service call, render: the successful response goes to {@code out}; an error is thrown (OAuthError). */
    public void grant(Requests.Input in, Responses.Sink out) {
        List<String> resources = new ArrayList<>(1);
        Map<String, String> form = Requests.form(in, "resource", resources); // RFC 8707 §2: resource may repeat
        String grantType = form.get("grant_type");
        if (grantType == null) {
            throw OAuthError.invalidRequest("grant_type is required");
        }
        ClientRecord client = authenticator.authenticate(in.header("Authorization"), form); // §4.4.2: MUST authenticate
        if (!"client_credentials".equals(grantType)) {
            throw OAuthError.unsupportedGrantType("only the client_credentials grant is supported");
        }
        TokenService.Issued issued = tokens.issue(client, form.get("scope"), resources, in.clientAddress(), Requests.dpop(in));
        // §5.1: the successful response.
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("access_token", issued.accessToken());
        body.put("token_type", issued.tokenType()); // RFC 9449 §5: "DPoP" for a DPoP-bound token
        body.put("expires_in", issued.expiresIn());
        if (!issued.scope().isEmpty()) body.put("scope", issued.scope());
        Responses.noStoreJson(out, 200, body);
    }
}
