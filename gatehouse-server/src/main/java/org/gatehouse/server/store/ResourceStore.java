package org.gatehouse.server.store;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/** SQL for RFC 8707 resources: resource servers' audiences and initial access tokens' resource limits. */
public final class ResourceStore {
    /** An active resource server that declared an audience; {@code scope} empty means every scope. */
    public record Resource(String clientId, String name, String audience, String scope) {
    }

    public void setAudience(Handle h, String clientId, String audience) {
        h.createUpdate("UPDATE clients SET audience = :audience WHERE client_id = :id AND kind = 'resource_server'")
                .bind("audience", audience).bind("id", clientId).execute();
    }

    public List<Resource> active(Handle h) {
        return h.createQuery("SELECT client_id, client_name, audience, scope FROM clients WHERE kind = 'resource_server'"
                        + " AND audience IS NOT NULL AND revoked_at IS NULL AND deleted_at IS NULL ORDER BY audience")
                .map((rs, ctx) -> new Resource(rs.getString("client_id"), rs.getString("client_name"), rs.getString("audience"),
                        rs.getString("scope")))
                .list();
    }

    /** The audience of any resource-server credential, active or not (null: none declared). */
    public Map<String, String> audiences(Handle h) {
        return pairs(h, "SELECT client_id, audience FROM clients WHERE kind = 'resource_server' AND audience IS NOT NULL");
    }

    public void setTokenResources(Handle h, String iatId, String resources) {
        h.createUpdate("UPDATE initial_access_tokens SET resources = :resources WHERE id = :id")
                .bind("resources", resources).bind("id", iatId).execute();
    }

    /** Initial access tokens that limit resources: id to the space-separated audience URIs. */
    public Map<String, String> tokenResources(Handle h) {
        return pairs(h, "SELECT id, resources FROM initial_access_tokens WHERE resources IS NOT NULL");
    }

    /** A two-column query as a map from the first column to the second. */
    private static Map<String, String> pairs(Handle h, String sql) {
        Map<String, String> out = new HashMap<>();
        h.createQuery(sql).map((rs, ctx) -> Map.entry(rs.getString(1), rs.getString(2))).forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }
}
