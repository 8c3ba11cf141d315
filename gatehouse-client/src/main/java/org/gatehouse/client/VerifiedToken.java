package org.gatehouse.client;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

/** The claims of an access token that passed every check of RFC 9068 §4. */
public record VerifiedToken(String subject, String clientId, Set<String> scopes, Instant expiresAt, String jwtId,
                            String installationId, Map<String, Object> claims) {

    public boolean hasScope(String scope) {
        return scopes.contains(scope);
    }
}
