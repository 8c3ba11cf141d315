package org.gatehouse.server.oauth;

import java.util.LinkedHashMap;
import java.util.Map;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.domain.ClientRecord;

/** RFC 7591 §3.2.1 / RFC 7592 §3: the client information response. */
final class ClientInformation {
    private ClientInformation() {
    }

    /** @param secret the new client secret, or null when none was issued by this request */
    static Map<String, Object> of(ClientRecord c, String secret, String registrationAccessToken, String issuer) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("client_id", c.clientId());
        if (secret != null) m.put("client_secret", secret);
        m.put("client_id_issued_at", c.createdAt() / 1000);
        // RFC 7591 §3.2.1: required when a secret exists; a key-bound client has none.
        if (!c.keyBound()) m.put("client_secret_expires_at", c.secretExpiresAt() / 1000); // 0: does not expire
        m.put("registration_access_token", registrationAccessToken);
        m.put("registration_client_uri", issuer + "/register/" + c.clientId());
        try {
            m.putAll(Json.parseObject(c.metadata()));
        } catch (Json.JsonException e) {
            throw new IllegalStateException("stored metadata of " + c.clientId() + " is corrupt");
        }
        return m;
    }
}
