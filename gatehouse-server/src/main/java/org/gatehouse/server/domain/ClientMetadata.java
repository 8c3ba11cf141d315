package org.gatehouse.server.domain;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Registered client metadata (RFC 7591 §2) after validation, plus the installation id extension; jwks
 * (public keys only) and authSigningAlg for private_key_jwt, dpopBound for RFC 9449 §5.2.
 */
public record ClientMetadata(
        String clientName,
        String clientUri,
        String logoUri,
        String tosUri,
        String policyUri,
        List<String> contacts,
        List<String> redirectUris,
        String authMethod,
        String scope,
        String softwareId,
        String softwareVersion,
        String installationId,
        Map<String, Object> jwks,
        String authSigningAlg,
        boolean dpopBound) {

    public static final String GRANT = "client_credentials";
    /** RFC 7523 §2.2: client authentication with a JWT signed by the client's private key. */
    public static final String PRIVATE_KEY_JWT = "private_key_jwt";

    /** A key-bound client: authenticates with assertions signed by a registered key, holds no secret. */
    public boolean keyBound() {
        return PRIVATE_KEY_JWT.equals(authMethod);
    }

    /** The metadata as returned in RFC 7591 §3.2.1 responses; absent optional fields are left out. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("grant_types", List.of(GRANT));
        m.put("response_types", List.of());
        m.put("token_endpoint_auth_method", authMethod);
        m.put("scope", scope);
        putIf(m, "client_name", clientName);
        putIf(m, "client_uri", clientUri);
        putIf(m, "logo_uri", logoUri);
        putIf(m, "tos_uri", tosUri);
        putIf(m, "policy_uri", policyUri);
        if (!contacts.isEmpty()) m.put("contacts", contacts);
        if (!redirectUris.isEmpty()) m.put("redirect_uris", redirectUris);
        putIf(m, "software_id", softwareId);
        putIf(m, "software_version", softwareVersion);
        putIf(m, "installation_id", installationId);
        putIf(m, "jwks", jwks);
        putIf(m, "token_endpoint_auth_signing_alg", authSigningAlg);
        if (dpopBound) m.put("dpop_bound_access_tokens", true); // RFC 9449 §5.2
        return m;
    }

    private static void putIf(Map<String, Object> m, String k, Object v) {
        if (v != null) m.put(k, v);
    }
}
