package org.gatehouse.server.oauth;

import io.javalin.http.Context;
import org.gatehouse.server.keys.SigningKeys;

/** The JWK Set (RFC 7517 §5): the active key, the next key before it signs, retired keys until their tokens expire. */
public final class JwksEndpoint {
    private final SigningKeys keys;

    public JwksEndpoint(SigningKeys keys) {
        this.keys = keys;
    }

    public void handle(Context ctx) {
        ctx.status(200);
        ctx.header("Cache-Control", "public, max-age=60");
        ctx.contentType("application/jwk-set+json");
        ctx.result(keys.ring().jwksJson());
    }
}
