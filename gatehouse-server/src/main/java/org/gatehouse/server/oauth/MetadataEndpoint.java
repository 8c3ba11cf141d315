package org.gatehouse.server.oauth;

import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.gatehouse.server.keys.SigningKeys;
import org.gatehouse.server.registration.JwksRules;
import org.gatehouse.server.tokens.DPoPProofs;

/** RFC 8414 §3: authorization server metadata. */
public final class MetadataEndpoint {
    private static final List<String> AUTH_METHODS = List.of("client_secret_basic", "client_secret_post", "private_key_jwt");
    private final String issuer;
    private final String audience;
    private final Set<String> scopes;
    private final SigningKeys keys;

    public MetadataEndpoint(String issuer, String audience, Set<String> scopes, SigningKeys keys) {
        this.issuer = issuer;
        this.audience = audience;
        this.scopes = scopes;
        this.keys = keys;
    }

    public void handle(Context ctx) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("issuer", issuer); // RFC 8414 §3.3: must equal the issuer, character for character
        m.put("token_endpoint", issuer + "/token");
        m.put("jwks_uri", issuer + "/jwks");
        m.put("registration_endpoint", issuer + "/register");
        m.put("introspection_endpoint", issuer + "/introspect");
        m.put("revocation_endpoint", issuer + "/revoke");
        m.put("scopes_supported", List.copyOf(scopes));
        m.put("response_types_supported", List.of());
        m.put("grant_types_supported", List.of("client_credentials"));
        // Not registered in RFC 8414: the token endpoint takes RFC 8707 resource parameters (a resource
        // server's audience URI becomes the token's aud); without one, aud is GATEHOUSE_AUDIENCE.
        m.put("resource_indicators_supported", true);
        m.put("default_audience", audience);
        m.put("token_endpoint_auth_methods_supported", AUTH_METHODS);
        m.put("introspection_endpoint_auth_methods_supported", AUTH_METHODS);
        m.put("revocation_endpoint_auth_methods_supported", AUTH_METHODS);
        // RFC 8414 §2: the algorithms a private_key_jwt client assertion (RFC 7523) may be signed with.
        m.put("token_endpoint_auth_signing_alg_values_supported", JwksRules.SIGNING_ALGS);
        m.put("introspection_endpoint_auth_signing_alg_values_supported", JwksRules.SIGNING_ALGS);
        m.put("revocation_endpoint_auth_signing_alg_values_supported", JwksRules.SIGNING_ALGS);
        // RFC 9449 §5.1: the algorithms of DPoP proofs.
        m.put("dpop_signing_alg_values_supported", DPoPProofs.ALGS);
        // Not registered in RFC 8414; names the algorithms of the RFC 9068 access tokens (and JWKS keys).
        m.put("access_token_signing_alg_values_supported", keys.ring().algorithms());
        ctx.header("Cache-Control", "public, max-age=300");
        Responses.json(ctx, 200, m);
    }

}
