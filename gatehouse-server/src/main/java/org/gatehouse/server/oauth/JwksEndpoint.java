package org.gatehouse.server.oauth;

import io.javalin.http.Context;
import org.gatehouse.server.keys.SigningKeys;

/** The JWK Set (RFC 7517 §5): the active key, the next key before it signs, retired keys until their tokens expire. */
public final class JwksEndpoint {
    private final SigningKeys keys;
    private final String cacheControl;

    /** maxAge: how long resource servers may cache the set; a new key is published at least this long before it signs. */
    public JwksEndpoint(SigningKeys keys, java.time.Duration maxAge) {
        this.keys = keys;
        this.cacheControl = "public, max-age=" + maxAge.toSeconds();
    }

    public void handle(Context ctx) {
        ctx.status(200);
        ctx.header("Cache-Control", cacheControl);
        ctx.contentType("application/jwk-set+json");
        ctx.result(keys.ring().jwksJson());
    }
}
